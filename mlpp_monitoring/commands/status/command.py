"""`mlpp-monitoring status`: the two-minute answer for the person on call.

Is PROD up, if not why and since when, technical or business, who acts: read live from
UptimeRobot and Sentry (a bounded number of calls: `collect`), classified with the
runbook's rules (`classify`), printed as one screen (`render`) or as stable JSON
(`--json`: `model`, documented in docs/STATUS.md).

Exit codes (`exit_codes`): 0 everything declared is up and no blocking error is active (non-blocking
errors are shown, they do not page); 1 something is down or a blocking error is
active; 2 it cannot tell (stack config, credentials missing or rejected, network).
A definite problem wins over an unknown: 1 is returned even if the other vendor failed.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import yaml
from rich.console import Console

from mlpp_monitoring.commands.exit_codes import FAILED
from mlpp_monitoring.commands.stackfile import StackFile
from mlpp_monitoring.commands.status.classify import classify, not_monitored, verdict_of
from mlpp_monitoring.commands.status.collect import STATUS_POLICY, collect
from mlpp_monitoring.commands.status.front_errors import WINDOW
from mlpp_monitoring.commands.status.model import (
    SCHEMA,
    SCHEMA_VERSION,
    ApiCalls,
    Availability,
    FrontErrors,
    Problem,
    StatusReport,
    iso,
)
from mlpp_monitoring.commands.status.render import render, render_text, terminal_console
from mlpp_monitoring.commands.status.wording import headline_of
from mlpp_monitoring.config import ConfigError, MonitoringConfig
from mlpp_monitoring.http import HttpPolicy
from mlpp_monitoring.vendors import ConfigLookup

Clock = Callable[[], float]


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


def _config_failure(stack: str, now: float, error: Exception, started: float) -> StatusReport:
    problem = Problem(kind="config", message=str(error))
    availability = Availability(checked=False, problem=problem, monitors=[])
    errors = FrontErrors(
        checked=False,
        problem=problem,
        organization="",
        project="",
        environments=[],
        window=WINDOW,
        latest_release=None,
        issues=[],
        other_active_issues=0,
        truncated=False,
        alerts=[],
        last_fired=None,
    )
    return StatusReport(
        format=SCHEMA,
        version=SCHEMA_VERSION,
        stack=stack,
        checked_at=iso(now),
        verdict="unknown",
        exit_code=FAILED,
        headline=headline_of("unknown", [], problem),
        problem=problem,
        availability=availability,
        front_errors=errors,
        findings=[],
        not_monitored=not_monitored(),
        api_calls=ApiCalls(uptimerobot=0, sentry=0, total=0, uptimerobot_max=0, sentry_max=0),
        elapsed_seconds=round(time.monotonic() - started, 3),
    )


def build_report(
    stack_name: str,
    project_dir: Path,
    *,
    clock: Clock = time.time,
    policy: HttpPolicy = STATUS_POLICY,
) -> StatusReport:
    """Read the stack, ask both vendors (in parallel), classify: the two-minute answer."""
    started = time.monotonic()
    now = clock()
    try:
        stack = StackFile(stack_name, project_dir)
        config: MonitoringConfig = stack.monitoring()
        lookup: ConfigLookup = stack.lookup()
    except (FileNotFoundError, ConfigError, yaml.YAMLError) as error:
        return _config_failure(stack_name, now, error, started)

    collected = collect(config, lookup, now, policy)
    availability, errors = collected.availability, collected.front_errors
    findings = classify(availability, errors)
    verdict, exit_code = verdict_of(findings, availability, errors)
    return StatusReport(
        format=SCHEMA,
        version=SCHEMA_VERSION,
        stack=stack_name,
        checked_at=iso(now),
        verdict=verdict,
        exit_code=exit_code,
        headline=headline_of(verdict, findings, None),
        problem=None,
        availability=availability,
        front_errors=errors,
        findings=findings,
        not_monitored=not_monitored(),
        api_calls=collected.api_calls,
        elapsed_seconds=round(time.monotonic() - started, 3),
    )
