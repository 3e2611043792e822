"""`mlpp-monitoring demo` (`make demo`): the main job, against the local sandbox.

Starts the sandbox on the port `Pulumi.sandbox.yaml` names (8787), runs `pulumi up --yes`
on the sandbox stack with Pulumi's own progress output, prints the stack outputs and what
now exists in both (emulated) accounts, then plays a short production moment to the
sandbox (a burst of errors on a new issue, a 503 then a 200 from the site) and shows what
the declared alerts and monitor did, and stops the sandbox. The sandbox keeps its accounts
in `.pulumi-state/` next to the local Pulumi state, so a second run finds what the first
created and changes nothing (events and checks change no declared field). No real
UptimeRobot or Sentry account is used.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mlpp_monitoring.commands import exit_codes
from mlpp_monitoring.commands.engine import SANDBOX_STACK, PulumiCli, engine_env
from mlpp_monitoring.commands.stackfile import StackFile
from mlpp_monitoring.sentry.api import SentryApi
from mlpp_monitoring.uptimerobot.api import UptimeRobotApi
from mlpp_monitoring.vendors import SENTRY, UPTIMEROBOT
from mlpp_sandbox.launch import LaunchedSandbox, launch

STACK = SANDBOX_STACK
SANDBOX_PORT = 8787
BURST = 11
"""Errors of the demo's issue: one more than the spike rule's threshold."""
CONDITIONS = {
    "first_seen_event": "a new issue is created",
    "event_frequency_count": "more events than the threshold in the interval",
}
"""Sentry's trigger conditions, in the words of its alert editor."""


class ScenarioFailed(RuntimeError):
    """The sandbox refused the demo's events or checks (a bug: the demo sends valid ones)."""


def _start_sandbox(state_dir: Path) -> LaunchedSandbox:
    return launch(
        state_dir / "sandbox-ready.json",
        "--state-file",
        str(state_dir / "sandbox-accounts.pickle"),
        "--journal",
        str(state_dir / "sandbox-journal.jsonl"),
        port=SANDBOX_PORT,
    )


def _summary(project_dir: Path, console: Console) -> None:
    stack = StackFile(STACK, project_dir)
    config = stack.monitoring()
    lookup = stack.lookup()
    table = Table(title="What now exists in the sandbox accounts", width=100)
    for column in ("vendor", "id", "name", "what"):
        table.add_column(column)
    for monitor in UptimeRobotApi(UPTIMEROBOT.settings(lookup)).list_monitors():
        table.add_row(
            "UptimeRobot",
            str(monitor["id"]),
            escape(str(monitor["friendlyName"])),
            f"{monitor['type']} {monitor['url']} every {int(monitor['interval'])} s, "
            f"status {monitor.get('status')}",
        )
    sentry = SentryApi(SENTRY.settings(lookup), config.sentry.organization, config.sentry.project)
    for workflow in sentry.list_workflows():
        table.add_row(
            "Sentry",
            str(workflow["id"]),
            escape(str(workflow["name"])),
            f"env {workflow.get('environment')}, every "
            f"{workflow.get('config', {}).get('frequency')} min, "
            f"{'enabled' if workflow.get('enabled') else 'DISABLED'}",
        )
    console.print(table)


def _control(base_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{base_url}/_sandbox/{path}", json=body, timeout=30)
    if response.status_code != 200:
        raise ScenarioFailed(f"POST /_sandbox/{path}: {response.status_code} {response.text}")
    answer: dict[str, Any] = response.json()
    return answer


def _scenario(base_url: str, console: Console) -> None:
    """Play a moment of production to the sandbox's control API, and show what fired.

    Each run uses an issue of its own, so each run shows the same thing: an issue already
    notified stays silent for 24 h (the alerts' interval), which would make a second run
    show nothing."""
    issue = f"demo-{time.time_ns()}"
    title = "Null check operator used on a null value"
    sent = _control(
        base_url,
        "sentry/events",
        {"events": [{"issue": issue, "title": title, "environment": "production", "count": BURST}]},
    )
    down = _control(base_url, "uptimerobot/checks", {"checks": [{"status": 503}]})
    up = _control(base_url, "uptimerobot/checks", {"checks": [{"status": 200}]})
    table = Table(
        title="A moment of production, sent to the sandbox: what the declared objects did",
        width=100,
    )
    table.add_column("what happened")
    table.add_column("what it fired")
    fired = [
        f"{escape(n['workflow'])}: notifies ("
        + ", ".join(CONDITIONS.get(c, c) for c in n["conditions"])
        + ")"
        for n in sent["notifications"]
    ]
    fired += [f"{n['workflowId']}: cannot evaluate: {n['reason']}" for n in sent["notEvaluated"]]
    table.add_row(f"{BURST} errors of a new issue in production: {escape(title)}", "\n".join(fired))
    for what, answer in (("the site answers HTTP 503", down), ("then HTTP 200", up)):
        lines = []
        for check in answer["checks"]:
            if not check["checked"]:
                lines.append(f"monitor {check['monitorId']}: not checked ({check['why']})")
                continue
            why = f" ({check['why']})" if check["why"] else ""
            lines.append(f"monitor {check['monitorId']}: {check['status']}{why}")
            if check["opened"]:
                lines.append(f"incident {check['incidentId']} opened")
            if check["resolved"]:
                lines.append(f"incident {check['incidentId']} resolved")
            lines += [f"DOWN alert to {escape(a['contact'])}" for a in check["downAlerts"]]
        table.add_row(what, "\n".join(lines))
    console.print(table)
    console.print(
        "An alert notifies an issue at most once in 24 h: the rest of the burst is silent. "
        "Same rules as `mlpp-monitoring test-alerts` (alert-tests.yaml), each cited from the "
        "vendors' sources in docs/vendors/."
    )


def run_demo(project_dir: Path) -> int:
    """Run the demo; returns pulumi's exit code (0 on success)."""
    console = Console(width=100)
    project_dir = project_dir.resolve()
    state_dir = project_dir / ".pulumi-state"
    state_dir.mkdir(exist_ok=True)
    env = engine_env(backend_url=state_dir.as_uri(), stack=STACK)
    # The stack's own secrets are the credentials: ignore any real ones in the shell.
    for name in ("UPTIMEROBOT_API_KEY", "SENTRY_AUTH_TOKEN"):
        env.pop(name, None)
        os.environ.pop(name, None)
    os.environ["PULUMI_BACKEND_URL"] = env["PULUMI_BACKEND_URL"]
    cli = PulumiCli(cwd=project_dir, env=env)
    sandbox = _start_sandbox(state_dir)
    urls = sandbox.urls
    try:
        console.print(f"sandbox up: UptimeRobot {urls['uptimerobot']}, Sentry {urls['sentry']}")
        selected = cli.run(["stack", "select", "--create", STACK])
        if selected.returncode != 0:
            console.print(selected.stderr)
            return selected.returncode
        up = cli.run(["up", "--yes", "--stack", STACK], capture=False)
        if up.returncode != 0:
            return up.returncode
        outputs = cli.run(["stack", "output", "--json", "--stack", STACK])
        console.print("Stack outputs:")
        console.print_json(outputs.stdout)
        _summary(project_dir, console)
        try:
            _scenario(urls["sentry"], console)
        except ScenarioFailed as exc:
            console.print(f"error: {exc}")
            return exit_codes.FAILED
        console.print("Run `make demo` again: the second `pulumi up` changes nothing.")
        return 0
    finally:
        sandbox.stop()
