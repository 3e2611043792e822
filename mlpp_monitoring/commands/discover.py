"""`mlpp-monitoring discover`: find the hand-made monitor and alerts, and say how to adopt them.

`pulumi import` cannot work for Python dynamic resources (pulumi/pulumi#16175: the provider
host fails with KeyError '__provider'), so adoption is explicit: this command lists what
exists, marks what matches a declared resource (by each vendor module's `natural_key`, the
one `create` looks for: exact name + URL for monitors; exact name on the project's
issue-stream detector for alerts) and prints the `adopt_id` lines to add.
With them, `pulumi preview` shows what adoption would change on the live object, and the
first `pulumi up` updates it in place instead of creating a second one.

It also lists the account's alert contacts with their state, and which declared monitors
use each: a contact whose address was never confirmed, that is paused or that is not
notified on DOWN pages nobody (`pulumi preview` refuses it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mlpp_monitoring.commands.engine import EngineMissing, PulumiCli
from mlpp_monitoring.commands.stackfile import StackFile
from mlpp_monitoring.sentry.alert import natural_key as alert_key
from mlpp_monitoring.sentry.api import SentryApi
from mlpp_monitoring.uptimerobot.api import UptimeRobotApi
from mlpp_monitoring.uptimerobot.contacts import contact_states
from mlpp_monitoring.uptimerobot.monitor import natural_key as monitor_key
from mlpp_monitoring.vendors import SENTRY, UPTIMEROBOT


@dataclass(frozen=True)
class Found:
    """One live object and the declared resource it matches, if any."""

    vendor: str
    id: str
    name: str
    where: str
    declared_key: str | None
    config_path: str | None


@dataclass(frozen=True)
class ContactFound:
    """One alert contact of the UptimeRobot account, its state, and who declares it."""

    value: str
    type: str
    state: str
    problem: str | None
    """Why it pages nobody on DOWN (and what to do); None when it can page."""
    declared_by: tuple[str, ...]
    """Keys of the declared monitors that name it."""


def find_contacts(stack: StackFile, api: UptimeRobotApi) -> list[ContactFound]:
    """The account's alert contacts, their state, and the declared monitors naming each."""
    monitors = stack.monitoring().uptimerobot.monitors
    return [
        ContactFound(
            value=state.value,
            type=state.type or "?",
            state=state.describe(),
            problem=state.problem(),
            declared_by=tuple(
                key
                for key, monitor in monitors.items()
                if any(c.value == state.value for c in monitor.alert_contacts)
            ),
        )
        for state in sorted(contact_states(api.alert_contacts()).values(), key=lambda s: s.value)
    ]


def find_existing(stack: StackFile, uptimerobot: UptimeRobotApi | None = None) -> list[Found]:
    """Every monitor of the account and every alert of the project, matched to the config."""
    config = stack.monitoring()
    lookup = stack.lookup()
    found: list[Found] = []

    api = uptimerobot or UptimeRobotApi(UPTIMEROBOT.settings(lookup))
    monitors = api.list_monitors()
    wanted = {(m.name, m.url): key for key, m in config.uptimerobot.monitors.items()}
    for monitor in monitors:
        name, url = monitor_key(monitor)
        key = wanted.get((name, url))
        found.append(
            Found(
                "UptimeRobot monitor",
                str(monitor["id"]),
                name,
                url,
                key,
                f"mlpp-monitoring:uptimerobot.monitors.{key}.adopt_id" if key else None,
            )
        )

    sentry = SentryApi(SENTRY.settings(lookup), config.sentry.organization, config.sentry.project)
    detector = sentry.issue_stream_detector()
    by_name = {a.name: key for key, a in config.sentry.alerts.items()}
    for workflow in sentry.list_workflows():
        alert_name = alert_key(workflow, detector)
        key = by_name.get(alert_name) if alert_name is not None else None
        found.append(
            Found(
                "Sentry alert",
                str(workflow["id"]),
                str(workflow.get("name")),
                f"environment {workflow.get('environment') or '(all)'}",
                key,
                f"mlpp-monitoring:sentry.alerts.{key}.adopt_id" if key else None,
            )
        )
    return found


def _print_contacts(contacts: list[ContactFound], console: Console) -> None:
    table = Table(title="UptimeRobot alert contacts (who a DOWN pages)")
    for column in ("contact", "type", "state", "pages on DOWN", "used by"):
        table.add_column(column)
    for contact in contacts:
        table.add_row(
            escape(contact.value),
            escape(contact.type),
            escape(contact.state),
            "yes" if contact.problem is None else "NO",
            ", ".join(contact.declared_by) or "-",
        )
    console.print(table)
    for contact in contacts:
        if contact.problem is not None and contact.declared_by:
            console.print(
                f"alert contact {escape(contact.value)} cannot page anyone: "
                f"{escape(contact.problem)}",
                soft_wrap=True,
                highlight=False,
            )


def managed_ids(stack_name: str, project_dir: Path) -> set[str] | None:
    """Vendor ids this stack already manages (from its outputs), None if the state is
    out of reach (no engine, no backend or passphrase): then nothing is marked managed."""
    try:
        cli = PulumiCli.for_stack(stack_name, project_dir)
    except EngineMissing:
        return None
    result = cli.run(["stack", "output", "--json", "--stack", stack_name])
    if result.returncode != 0:
        return None
    try:
        outputs = json.loads(result.stdout or "{}")
    except ValueError:
        return None
    return {
        str(entry.get("id"))
        for group in ("monitors", "alerts")
        for entry in (outputs.get(group) or {}).values()
        if isinstance(entry, dict) and entry.get("id")
    }


def run_discover(stack_name: str, project_dir: Path, console: Console | None = None) -> int:
    """Print the table and the adoption commands; exit code 0."""
    console = console or Console(width=100)
    stack = StackFile(stack_name, project_dir)
    uptimerobot = UptimeRobotApi(UPTIMEROBOT.settings(stack.lookup()))
    found = find_existing(stack, uptimerobot)
    contacts = find_contacts(stack, uptimerobot)
    managed = managed_ids(stack_name, project_dir)
    table = Table(title=f"Existing objects (stack {stack_name})")
    for column in ("vendor", "id", "name", "watches", "declared as"):
        table.add_column(column)
    for item in found:
        declared = item.declared_key or "-"
        if managed is not None and item.id in managed:
            declared = f"{declared} (managed)"
        table.add_row(item.vendor, item.id, escape(item.name), escape(item.where), declared)
    console.print(table)
    _print_contacts(contacts, console)
    if managed is None:
        console.print("(the stack's state could not be read: objects it manages are not marked)")
    # An object this stack already manages needs no adoption.
    matches = [f for f in found if f.config_path and not (managed and f.id in managed)]
    if not matches:
        console.print("Nothing to adopt: `pulumi up` creates what is declared and missing.")
        return 0
    console.print("To adopt the matching objects instead of creating new ones, run:")
    for item in matches:
        console.print(
            f"  pulumi config set --path '{item.config_path}' {item.id} --stack {stack_name}",
            soft_wrap=True,
            highlight=False,
        )
    console.print("then `pulumi preview` shows what adoption changes on each live object.")
    return 0
