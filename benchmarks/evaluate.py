"""Time one evaluation of a Pulumi program under Pulumi's mocks (no engine, no API).

    python benchmarks/evaluate.py project  CONFIG.json   # this project, a stack's config
    python benchmarks/evaluate.py baseline COUNT         # the no-op baseline program

Prints one JSON line: {"seconds": ..., "resources": ...}. Run in a fresh interpreter so
that each evaluation pays its imports, as `pulumi` does.
"""

from __future__ import annotations

import asyncio
import json
import runpy
import sys
import time
from pathlib import Path
from typing import Any

START = time.perf_counter()

import pulumi  # noqa: E402

HERE = Path(__file__).resolve().parent


class CountingMocks(pulumi.runtime.Mocks):
    """Answers every resource with its inputs; counts them."""

    def __init__(self) -> None:
        self.resources = 0

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources += 1
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


def main(argv: list[str]) -> int:
    """Evaluate the program named by argv[0]; print the time it took."""
    which, arg = argv[0], argv[1]
    mocks = CountingMocks()
    if which == "project":
        directory, name = HERE.parent, "mlpp-monitoring"
        config: dict[str, str] = json.loads(Path(arg).read_text())
    else:
        directory, name = HERE / "baseline", "mlpp-baseline"
        config = {"mlpp-baseline:count": arg}
    sys.path.insert(0, str(directory))
    # From Python 3.14 on no event loop is created implicitly (pulumi/pulumi#24338).
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(mocks, project=name, stack="bench", preview=False)
    pulumi.runtime.set_all_config(config)

    def program() -> None:
        # The program file itself, as the language host runs it.
        runpy.run_path(str(directory / "__main__.py"), run_name="__main__")

    pulumi.runtime.test(program)()
    print(json.dumps({"seconds": time.perf_counter() - START, "resources": mocks.resources}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
