"""The "site down" snapshot shown in docs/STATUS.md, and the tool that refreshes it.

    .venv/bin/python -m tests.commands.status.snapshot     # rewrite the snapshot blocks of the doc

`test_status_docs` fails while the doc shows something `status` no longer prints.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlpp_monitoring.commands.status.command import build_report, report_json
from mlpp_monitoring.commands.status.model import StatusReport
from mlpp_monitoring.commands.status.render import render_text
from mlpp_sandbox import Sandbox, SandboxOptions

from . import scenarios

DOC = scenarios.REPO / "docs" / "STATUS.md"
ELAPSED = 0.05  # the one value of a run that depends on the machine
BLOCK = re.compile(r"(<!-- snapshot:(\w+) -->\n```\w*\n)(.*?)(```\n<!-- /snapshot -->)", re.S)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def site_down_report() -> StatusReport:
    """`status` on the "site down for 12 minutes with HTTP 503" scenario."""
    clock = scenarios.FakeClock()
    with Sandbox(SandboxOptions(clock=clock)) as sandbox, tempfile.TemporaryDirectory() as tmp:
        scenarios.site_down(sandbox)
        project = scenarios.write_project(Path(tmp), sandbox)
        keys = {
            "UPTIMEROBOT_API_KEY": sandbox.options.uptimerobot_key,
            "SENTRY_AUTH_TOKEN": sandbox.options.sentry_token,
        }
        with _environment(keys):
            report = build_report(scenarios.STACK, project, clock=clock)
    return report.model_copy(update={"elapsed_seconds": ELAPSED})


def snapshots() -> dict[str, str]:
    """What each snapshot block of the doc must contain."""
    report = site_down_report()
    return {"human": render_text(report), "json": report_json(report) + "\n"}


def refreshed(text: str, blocks: dict[str, str]) -> str:
    """The doc with every snapshot block replaced."""
    return BLOCK.sub(lambda m: m[1] + blocks[m[2]] + m[4], text)


def blocks_in(text: str) -> dict[str, str]:
    """The snapshot blocks the doc holds now."""
    return {m[2]: m[3] for m in BLOCK.finditer(text)}


def main() -> None:
    DOC.write_text(refreshed(DOC.read_text(encoding="utf-8"), snapshots()), encoding="utf-8")
    print(f"refreshed {DOC}")


if __name__ == "__main__":
    main()
