"""A one-line change of the stack config previews as the smallest step, then applies.

The preview is read from `pulumi preview --json` (steps and their ops); the outcome of
`pulumi up` is read from the sandbox. Every case changes its own copy of the runbook's
objects, all in one stack, so one preview and one `up` serve them all (engine operations
are the suite's cost; the copies do not interfere). A failure names every case that failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.harness import (
    ALERT_SPIKE,
    MONITOR,
    CaseFailures,
    Project,
    RunbookCopy,
    SandboxProcess,
    changed_inputs,
    changed_steps,
    check_settled,
    use_runbook_copies,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

REPLACE_OPS = {"replace", "create-replacement", "delete-replaced"}


@dataclass(frozen=True)
class Change:
    """Config values to set (the runbook's paths, applied to the case's copy), the runbook
    resource they touch, and how the copy must end up in the sandbox."""

    values: dict[str, Any]
    resource: str
    replace: bool
    applied: Callable[[SandboxProcess, RunbookCopy], None]


def _threshold_applied(sandbox: SandboxProcess, copy: RunbookCopy) -> None:
    conditions = {
        c["type"]: c for c in copy.workflow_named(sandbox, "Spike")["triggers"]["conditions"]
    }
    assert conditions["event_frequency_count"]["comparison"] == {"value": 20, "interval": "5m"}
    assert "first_seen_event" in conditions


def _interval_applied(sandbox: SandboxProcess, copy: RunbookCopy) -> None:
    assert copy.find_monitor(sandbox)["interval"] == 600


def _keyword_applied(sandbox: SandboxProcess, copy: RunbookCopy) -> None:
    monitor = copy.find_monitor(sandbox)
    assert (monitor["type"], monitor["keywordValue"]) == ("KEYWORD", "Monaluxe")
    assert monitor["keywordType"] == "ALERT_NOT_EXISTS"
    assert monitor["url"] == copy.url and monitor["interval"] == 300


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


def test_config_changes_preview_as_one_step_each_then_apply(project: Project) -> None:
    sandbox = project.sandbox
    copies = use_runbook_copies(project, list(CHANGES))
    project.up()
    failures = CaseFailures()
    before = {case: copies[case].ids(sandbox) for case in CHANGES}
    for case, change in CHANGES.items():
        for path, value in change.values.items():
            project.set_project_value(copies[case].config_path(path), value)

    steps = changed_steps(project.preview_json())
    for case, change in CHANGES.items():
        copy = copies[case]
        with failures.check(case):
            mine = [s for s in steps if s["urn"] in {project.urn(r) for r in copy.resources}]
            assert {step["urn"] for step in mine} == {project.urn(copy.resource(change.resource))}
            ops = {step["op"] for step in mine}
            if change.replace:
                assert ops and ops <= REPLACE_OPS, ops
                reasons = {r for step in mine for r in step.get("replaceReasons") or []}
                assert reasons == {"type"}, mine
            else:
                (step,) = mine
                assert step["op"] == "update" and not step.get("replaceReasons"), step
                (changed,) = {path.rsplit(".", 1)[-1] for path in change.values}
                assert changed_inputs(step) == {changed}, step
    with failures.check("whole stack"):
        ours = {project.urn(r) for copy in copies.values() for r in copy.resources}
        assert [s for s in steps if s["urn"] not in ours] == []

    project.up()
    for case, change in CHANGES.items():
        copy = copies[case]
        with failures.check(case):
            change.applied(sandbox, copy)
            monitors_before, workflows_before = before[case]
            monitors_after, workflows_after = copy.ids(sandbox)
            assert len(monitors_after) == 1 and len(workflows_after) == 2
            assert workflows_after == workflows_before
            if change.replace:
                # The old monitor is gone (not just unlisted); exactly one new one exists.
                assert monitors_after.isdisjoint(monitors_before)
                for old in monitors_before:
                    assert sandbox.monitor(old) is None
            else:
                assert monitors_after == monitors_before
    with failures.check("whole stack"):
        # Nothing beside the copies: no twin, no leftover of a replacement.
        counts = (len(sandbox.monitors()), len(sandbox.workflows()))
        assert counts == (len(CHANGES), 2 * len(CHANGES))

    check_settled(project, copies, failures)
    failures.raise_if_any()
