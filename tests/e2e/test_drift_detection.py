"""Edits made behind Pulumi's back, in the vendors' own APIs, are seen and undone.

Every case edits one thing the way a person in a web console would, each in its own copy
of the runbook's objects, all in one stack deployed by one `pulumi up` (engine operations
are the suite's cost; the copies do not interfere). Then, for every case:

1. `pulumi preview --refresh --expect-no-changes --diff` exits 7 and its diff names the
   case's resource, and only it, and the property (a deleted object shows as a create of
   that resource);
2. `pulumi up --refresh --yes` restores the declared state, read back from the sandbox;
3. a second `pulumi preview --refresh --expect-no-changes` exits 0.

A failure names every case that failed.
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
    CaseFailures,
    Project,
    RunbookCopy,
    SandboxProcess,
    assert_runbook_state,
    check_settled,
    parse_diff,
    use_runbook_copies,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


@dataclass(frozen=True)
class Drift:
    """One edit in a vendor API and what Pulumi must say about it."""

    edit: Callable[[SandboxProcess, RunbookCopy], Any]
    resource: str
    """The runbook's resource edited (its name in the case's copy is derived)."""
    op: str
    """The planned step for the resource: update, or create when the object was deleted."""
    prop: str | None
    """The property the diff must name (None for a create)."""


def _monitor_id(sandbox: SandboxProcess, copy: RunbookCopy) -> int:
    return int(copy.find_monitor(sandbox)["id"])


def _spike(sandbox: SandboxProcess, copy: RunbookCopy) -> dict[str, Any]:
    return copy.workflow_named(sandbox, "Spike")


CASES = {
    "monitor-interval": Drift(
        lambda sb, c: sb.edit_monitor(_monitor_id(sb, c), interval=600),
        MONITOR,
        "update",
        "interval",
    ),
    "monitor-url": Drift(
        lambda sb, c: sb.edit_monitor(
            _monitor_id(sb, c), url=c.url.replace("//monaluxe", "//staging.monaluxe")
        ),
        MONITOR,
        "update",
        "url",
    ),
    "monitor-paused": Drift(
        lambda sb, c: sb.pause_monitor(_monitor_id(sb, c)), MONITOR, "update", "paused"
    ),
    "monitor-deleted": Drift(
        lambda sb, c: sb.delete_monitor(_monitor_id(sb, c)), MONITOR, "create", None
    ),
    "alert-frequency": Drift(
        lambda sb, c: sb.edit_workflow(_spike(sb, c), config={"frequency": 60}),
        ALERT_SPIKE,
        "update",
        "frequency_minutes",
    ),
    "alert-environment-removed": Drift(
        lambda sb, c: sb.edit_workflow(_spike(sb, c), environment=None),
        ALERT_SPIKE,
        "update",
        "environment",
    ),
    "alert-disabled": Drift(
        lambda sb, c: sb.edit_workflow(_spike(sb, c), enabled=False),
        ALERT_SPIKE,
        "update",
        "enabled",
    ),
    "alert-deleted": Drift(
        lambda sb, c: sb.delete_workflow(_spike(sb, c)["id"]), ALERT_SPIKE, "create", None
    ),
}


def test_edits_in_the_vendor_apis_are_detected_then_undone(project: Project) -> None:
    sandbox = project.sandbox
    copies = use_runbook_copies(project, list(CASES))
    project.up()
    failures = CaseFailures()
    before = {case: copies[case].ids(sandbox) for case in CASES}
    for case, drift in CASES.items():
        with failures.check(case):
            drift.edit(sandbox, copies[case])

    preview = project.pulumi("preview", "--refresh", "--expect-no-changes", "--diff")
    failures.outputs["preview --refresh --diff"] = preview.stdout + preview.stderr
    with failures.check("whole stack"):
        assert preview.returncode == DRIFT_EXIT_CODE
    blocks = parse_diff(preview.stdout)
    planned = [b for b in blocks if b.op not in ("refresh", "same")]
    for case, drift in CASES.items():
        copy, resource = copies[case], copies[case].resource(drift.resource)
        with failures.check(case):
            mine = [b for b in planned if b.name in copy.resources]
            assert [(b.op, b.name) for b in mine] == [(drift.op, resource)]
            if drift.prop is not None:
                assert drift.prop in mine[0].changed
                # The refresh step shows the live value that drifted, on the same property.
                (refreshed,) = [b for b in blocks if b.op == "refresh" and b.name == resource]
                assert drift.prop in refreshed.changed
    with failures.check("whole stack"):
        ours = {name for copy in copies.values() for name in copy.resources}
        assert [b.name for b in planned if b.name not in ours] == []

    project.up("--refresh")
    for case, drift in CASES.items():
        copy = copies[case]
        with failures.check(case):
            assert_runbook_state(sandbox, copy)
            monitors_before, workflows_before = before[case]
            monitors_after, workflows_after = copy.ids(sandbox)
            if drift.op == "create":
                # The deleted object was created again; the other objects were left alone.
                assert len(monitors_after) == 1 and len(workflows_after) == 2
                assert (monitors_after, workflows_after) != (monitors_before, workflows_before)
                kept = len(monitors_after & monitors_before) + len(
                    workflows_after & workflows_before
                )
                assert kept == 2
            else:
                assert (monitors_after, workflows_after) == (monitors_before, workflows_before)
    with failures.check("whole stack"):
        # Nothing beside the copies: no twin made by the repair.
        assert (len(sandbox.monitors()), len(sandbox.workflows())) == (len(CASES), 2 * len(CASES))

    check_settled(project, copies, failures)
    failures.raise_if_any()
