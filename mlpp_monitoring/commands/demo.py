"""`mlpp-monitoring demo` (`make demo`): the main job, against the local sandbox.

Starts the sandbox on the port `Pulumi.sandbox.yaml` names (8787), runs `pulumi up --yes`
on the sandbox stack with Pulumi's own progress output, prints the stack outputs and what
now exists in both (emulated) accounts, then stops the sandbox. The sandbox keeps its
accounts in `.pulumi-state/` next to the local Pulumi state, so a second run finds what
the first created and changes nothing. No real UptimeRobot or Sentry account is used.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mlpp_monitoring.commands.engine import SANDBOX_STACK, PulumiCli, engine_env
from mlpp_monitoring.commands.stackfile import StackFile
from mlpp_monitoring.sentry.api import SentryApi
from mlpp_monitoring.uptimerobot.api import UptimeRobotApi
from mlpp_monitoring.vendors import SENTRY, UPTIMEROBOT
from mlpp_sandbox.launch import LaunchedSandbox, launch

STACK = SANDBOX_STACK
SANDBOX_PORT = 8787


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
        console.print("Run `make demo` again: the second `pulumi up` changes nothing.")
        return 0
    finally:
        sandbox.stop()
