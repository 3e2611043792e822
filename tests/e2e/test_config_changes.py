"""A one-line change of the stack config previews as the smallest step, then applies.

The preview is read from `pulumi preview --json` (steps and their ops); the outcome of
`pulumi up` is read from the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.harness import (
    ALERT_SPIKE,
    MONITOR,
    Project,
    SandboxProcess,
    changed_inputs,
    changed_steps,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

REPLACE_OPS = {"replace", "create-replacement", "delete-replaced"}


@dataclass(frozen=True)
class Change:
    """Config values to set, the resource they touch, and how the sandbox must end up."""

    values: dict[str, Any]
    resource: str
    replace: bool
    applied: Callable[[SandboxProcess], None]


def _monitor(sandbox: SandboxProcess) -> dict[str, Any]:
    (monitor,) = sandbox.monitors()
    return monitor


def _threshold_applied(sandbox: SandboxProcess) -> None:
    conditions = {c["type"]: c for c in sandbox.workflow_named("Spike")["triggers"]["conditions"]}
    assert conditions["event_frequency_count"]["comparison"] == {"value": 20, "interval": "5m"}
    assert "first_seen_event" in conditions


def _interval_applied(sandbox: SandboxProcess) -> None:
    assert _monitor(sandbox)["interval"] == 600


def _keyword_applied(sandbox: SandboxProcess) -> None:
    monitor = _monitor(sandbox)
    assert (monitor["type"], monitor["keywordValue"]) == ("KEYWORD", "Monaluxe")
    assert monitor["keywordType"] == "ALERT_NOT_EXISTS"
    assert monitor["url"] == "https://monaluxe.app" and monitor["interval"] == 300


CHANGES = {
    "alert-event-threshold": Change(
        {"sentry.alerts.spike.event_threshold": 20}, ALERT_SPIKE, False, _threshold_applied
    ),
    "monitor-interval": Change(
        {"uptimerobot.monitors.monaluxe-app.interval": 600}, MONITOR, False, _interval_applied
    ),
    "monitor-type-keyword": Change(
        {
            "uptimerobot.monitors.monaluxe-app.type": "KEYWORD",
            "uptimerobot.monitors.monaluxe-app.keyword": "Monaluxe",
        },
        MONITOR,
        True,
        _keyword_applied,
    ),
}


@pytest.mark.parametrize("case", list(CHANGES), ids=list(CHANGES))
def test_a_config_change_previews_as_one_step_then_applies(deployed: Project, case: str) -> None:
    change = CHANGES[case]
    sandbox = deployed.sandbox
    monitors_before = {int(m["id"]) for m in sandbox.monitors()}
    workflows_before = {w["id"] for w in sandbox.workflows()}
    for path, value in change.values.items():
        deployed.set_project_value(path, value)

    steps = changed_steps(deployed.preview_json())
    urn = deployed.urn(change.resource)
    assert {step["urn"] for step in steps} == {urn}, steps
    ops = {step["op"] for step in steps}
    if change.replace:
        assert ops and ops <= REPLACE_OPS, ops
        reasons = {r for step in steps for r in step.get("replaceReasons") or []}
        assert reasons == {"type"}, steps
    else:
        (step,) = steps
        assert step["op"] == "update" and not step.get("replaceReasons"), step
        (changed,) = {path.rsplit(".", 1)[-1] for path in change.values}
        assert changed_inputs(step) == {changed}, step

    deployed.up()
    change.applied(sandbox)
    assert len(sandbox.monitors()) == 1 and len(sandbox.workflows()) == 2
    monitors_after = {int(m["id"]) for m in sandbox.monitors()}
    assert {w["id"] for w in sandbox.workflows()} == workflows_before
    if change.replace:
        # The old monitor is gone (not just unlisted); exactly one new one exists.
        assert monitors_after.isdisjoint(monitors_before)
        for old in monitors_before:
            assert sandbox.monitor(old) is None
    else:
        assert monitors_after == monitors_before

    again = deployed.pulumi("preview", "--refresh", "--expect-no-changes")
    assert again.returncode == 0, again.stdout + again.stderr
