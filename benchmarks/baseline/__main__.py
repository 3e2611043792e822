"""The baseline program: `mlpp-baseline:count` no-op dynamic resources, nothing else."""

import pulumi
from noop_provider import NoopResource

count = pulumi.Config().require_int("count")
for i in range(count):
    NoopResource(
        f"noop-{i:03d}",
        {
            "url": f"https://bench-{i:03d}.monaluxe.app",
            "interval": 300,
            "timeout": 30,
            "tags": ["bench"],
        },
    )
