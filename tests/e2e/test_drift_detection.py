"""Edits made behind Pulumi's back, in the vendors' own APIs, are seen and undone.

Each case starts from a fresh sandbox and state after `pulumi up`, edits one thing the way
a person in a web console would, then:

1. `pulumi preview --refresh --expect-no-changes --diff` exits 7 and its diff names the
   resource and the property (a deleted object shows as a create of that resource);
2. `pulumi up --refresh --yes` restores the declared state, read back from the sandbox;
3. a second `pulumi preview --refresh --expect-no-changes` exits 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.harness import (
    ALERT_SPIKE,
    DRIFT_EXIT_CODE,
    MONITOR,
    Project,
    SandboxProcess,
    assert_runbook_state,
    parse_diff,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


@dataclass(frozen=True)
class Drift:
    """One edit in a vendor API and what Pulumi must say about it."""

    edit: Callable[[SandboxProcess], Any]
    resource: str
    op: str
    """The planned step for the resource: update, or create when the object was deleted."""
    prop: str | None
    """The property the diff must name (None for a create)."""


def _monitor_id(sandbox: SandboxProcess) -> int:
    (monitor,) = sandbox.monitors()
    return int(monitor["id"])


def _spike(sandbox: SandboxProcess) -> dict[str, Any]:
    return sandbox.workflow_named("Spike")


CASES = {
    "monitor-interval": Drift(
        lambda sb: sb.edit_monitor(_monitor_id(sb), interval=600), MONITOR, "update", "interval"
    ),
    "monitor-url": Drift(
        lambda sb: sb.edit_monitor(_monitor_id(sb), url="https://staging.monaluxe.app"),
        MONITOR,
        "update",
        "url",
    ),
    "monitor-paused": Drift(
        lambda sb: sb.pause_monitor(_monitor_id(sb)), MONITOR, "update", "paused"
    ),
    "monitor-deleted": Drift(
        lambda sb: sb.delete_monitor(_monitor_id(sb)), MONITOR, "create", None
    ),
    "alert-frequency": Drift(
        lambda sb: sb.edit_workflow(_spike(sb), config={"frequency": 60}),
        ALERT_SPIKE,
        "update",
        "frequency_minutes",
    ),
    "alert-environment-removed": Drift(
        lambda sb: sb.edit_workflow(_spike(sb), environment=None),
        ALERT_SPIKE,
        "update",
        "environment",
    ),
    "alert-disabled": Drift(
        lambda sb: sb.edit_workflow(_spike(sb), enabled=False), ALERT_SPIKE, "update", "enabled"
    ),
    "alert-deleted": Drift(
        lambda sb: sb.delete_workflow(_spike(sb)["id"]), ALERT_SPIKE, "create", None
    ),
}


def _ids(sandbox: SandboxProcess) -> tuple[set[int], set[str]]:
    return {int(m["id"]) for m in sandbox.monitors()}, {w["id"] for w in sandbox.workflows()}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_an_edit_in_the_vendor_api_is_detected_then_undone(deployed: Project, case: str) -> None:
    drift = CASES[case]
    sandbox = deployed.sandbox
    monitors_before, workflows_before = _ids(sandbox)
    drift.edit(sandbox)

    preview = deployed.pulumi("preview", "--refresh", "--expect-no-changes", "--diff")
    output = preview.stdout + preview.stderr
    assert preview.returncode == DRIFT_EXIT_CODE, output
    planned = [b for b in parse_diff(preview.stdout) if b.op not in ("refresh", "same")]
    assert [(b.op, b.name) for b in planned] == [(drift.op, drift.resource)], output
    if drift.prop is not None:
        assert drift.prop in planned[0].changed, output
        # The refresh step shows the live value that drifted, on the same property.
        (refreshed,) = [
            b for b in parse_diff(preview.stdout) if b.op == "refresh" and b.name == drift.resource
        ]
        assert drift.prop in refreshed.changed, output

    deployed.up("--refresh")
    assert_runbook_state(sandbox)
    monitors_after, workflows_after = _ids(sandbox)
    if drift.op == "create":
        # The deleted object was created again; the other objects were left alone.
        assert len(monitors_after) == 1 and len(workflows_after) == 2
        assert (monitors_after, workflows_after) != (monitors_before, workflows_before)
        assert len(monitors_after & monitors_before) + len(workflows_after & workflows_before) == 2
    else:
        assert (monitors_after, workflows_after) == (monitors_before, workflows_before)

    again = deployed.pulumi("preview", "--refresh", "--expect-no-changes")
    assert again.returncode == 0, again.stdout + again.stderr
