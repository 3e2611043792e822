"""`mlpp-monitoring status`: the two-minute answer for the person on call.

Is PROD up, if not why and since when, technical or business, who acts: read live from
UptimeRobot and Sentry (a bounded number of calls, see status_collect), classified with
the runbook's rules (procedures.py), printed as one screen or as stable JSON
(`--json`, documented in docs/STATUS.md).

Exit codes: 0 everything declared is up and no blocking error is active (non-blocking
errors are shown, they do not page); 1 something is down or a blocking error is
active; 2 it cannot tell (stack config, credentials missing or rejected, network).
A definite problem wins over an unknown: 1 is returned even if the other vendor failed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TextIO

from rich.console import Console

from mlpp_monitoring.http import HttpPolicy
from mlpp_monitoring.status_collect import STATUS_POLICY, Clock, build_report
from mlpp_monitoring.status_model import StatusReport
from mlpp_monitoring.status_render import render, render_text, terminal_console

__all__ = ["build_report", "report_json", "run_status"]


def report_json(report: StatusReport) -> str:
    """The report as the documented JSON document (keys in schema order, UTF-8 text)."""
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)


def run_status(
    stack_name: str,
    project_dir: Path,
    as_json: bool,
    *,
    console: Console | None = None,
    out: TextIO | None = None,
    clock: Clock = time.time,
    policy: HttpPolicy = STATUS_POLICY,
) -> int:
    """Print the status of the stack's monitoring and return the exit code (0, 1 or 2).

    `console`, `out`, `clock` and `policy` are seams for tests and embedding.
    """
    report = build_report(stack_name, project_dir, clock=clock, policy=policy)
    stream = out or sys.stdout
    if as_json:
        stream.write(report_json(report) + "\n")
    elif console is not None:
        render(report, console)
    elif stream.isatty():
        render(report, terminal_console(stream))
    else:
        stream.write(render_text(report))
    stream.flush()
    return report.exit_code
