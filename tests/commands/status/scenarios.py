"""The on-call scenarios `status` is tested on, seeded in an in-process sandbox.

The declared objects are made from the committed production stack with the program's
own payload builders, straight into the sandbox state (not journaled), so that the
journal holds only what `status` itself sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlpp_monitoring.commands.stackfile import StackFile
from mlpp_monitoring.sentry.alert import AlertSpec
from mlpp_monitoring.sentry.alert import to_api as alert_body
from mlpp_monitoring.uptimerobot.monitor import MonitorSpec
from mlpp_monitoring.uptimerobot.monitor import to_api as monitor_body
from mlpp_sandbox import Sandbox
from tests.sandbox_fixtures import NOW as NOW  # the scenarios' "now", for the status tests
from tests.sandbox_fixtures import FakeClock as FakeClock
from tests.stackfiles import REPO

STACK = "production"
MINUTE, HOUR, DAY = 60.0, 3600.0, 86_400.0

LOGIN_CULPRIT = "package:mlpp/features/auth/login_page.dart in _LoginPageState._submit"
PLUGIN_CULPRIT = "chrome-extension://abcdef/content.js in postMessage"


@dataclass(frozen=True)
class Deployed:
    """Ids of what the production stack declares, as created in the sandbox."""

    monitor_id: int
    workflow_ids: dict[str, int]


def write_project(directory: Path, sandbox: Sandbox, stack: str = STACK) -> Path:
    """A project dir whose stack file is the committed production one, pointed at `sandbox`."""
    values = dict(StackFile(STACK, REPO).values)
    values["uptimerobot:apiUrl"] = sandbox.urls["uptimerobot"]
    values["sentry:baseUrl"] = sandbox.urls["sentry"]
    (directory / f"Pulumi.{stack}.yaml").write_text(
        yaml.safe_dump({"config": values}, allow_unicode=True), encoding="utf-8"
    )
    return directory


def deploy(sandbox: Sandbox) -> Deployed:
    """Create the declared monitor and alerts, as `pulumi up` would have."""
    config = StackFile(STACK, REPO).monitoring()
    ur, sentry = sandbox.uptimerobot, sandbox.sentry
    contacts = {c.value: c.id for c in ur.alert_contacts.values()}
    with sandbox.lock:
        (monitor,) = config.uptimerobot.monitors.values()
        created = ur.create_monitor(monitor_body(MonitorSpec.from_config(monitor), contacts))
        detector = sentry.issue_stream_detector().id
        workflows = {}
        for key, alert in config.sentry.alerts.items():
            body: Any = alert_body(AlertSpec.from_config(config.sentry, alert), detector)
            workflows[key] = sentry.create_workflow(body).id
    return Deployed(created.id, workflows)


def quiet_background(sandbox: Sandbox, deployed: Deployed) -> None:
    """What a normal day looks like: the site up for 3 days, old noise in Sentry."""
    now = sandbox.uptimerobot.now()
    with sandbox.lock:
        sandbox.uptimerobot.set_monitor_status(
            deployed.monitor_id, "UP", since=now - 3 * DAY, response_time_ms=412
        )
        sandbox.sentry.add_issue(
            "ResizeObserver loop limit exceeded",
            culprit="dart:html in ResizeObserver",
            count=57,
            user_count=12,
            first_seen=now - 20 * DAY,
            last_seen=now - 2 * HOUR,
            substatus="ongoing",
        )
        sandbox.sentry.add_issue(
            "Old fixed bug on the dashboard",
            culprit="package:mlpp/features/dashboard/dashboard_page.dart in build",
            status="resolved",
            first_seen=now - 30 * DAY,
            last_seen=now - 5 * DAY,
        )
        sandbox.sentry.trigger_workflow(deployed.workflow_ids["new-issue"], at=now - 20 * DAY)


def all_up(sandbox: Sandbox) -> Deployed:
    """Scenario 1: everything up and quiet."""
    deployed = deploy(sandbox)
    quiet_background(sandbox, deployed)
    return deployed


def site_down(sandbox: Sandbox) -> Deployed:
    """Scenario 2: the site answers HTTP 503 for 12 minutes."""
    deployed = all_up(sandbox)
    now = sandbox.uptimerobot.now()
    with sandbox.lock:
        sandbox.uptimerobot.add_incident(
            deployed.monitor_id,
            started_at=now - 12 * MINUTE,
            reason="Service Unavailable",
            cause=503,
            http_response_code=503,
        )
    return deployed


def login_spike(sandbox: Sandbox) -> Deployed:
    """Scenario 3: the site is up, but an error on the login flow spikes."""
    deployed = all_up(sandbox)
    now = sandbox.sentry.now()
    with sandbox.lock:
        sandbox.sentry.add_issue(
            "AuthException: Invalid login credentials",
            culprit=LOGIN_CULPRIT,
            count=240,
            user_count=37,
            first_seen=now - 3 * DAY,
            last_seen=now - 1 * MINUTE,
            substatus="escalating",
        )
        sandbox.sentry.add_issue(
            "TypeError: Cannot read properties of null (reading 'postMessage')",
            culprit=PLUGIN_CULPRIT,
            count=3,
            user_count=1,
            first_seen=now - 5 * HOUR,
            last_seen=now - 40 * MINUTE,
        )
        sandbox.sentry.trigger_workflow(deployed.workflow_ids["spike"], at=now - 4 * MINUTE)
        sandbox.sentry.trigger_workflow(deployed.workflow_ids["new-issue"], at=now - 5 * HOUR)
    return deployed
