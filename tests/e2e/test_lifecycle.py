"""`pulumi up`, previews and destroy through the real engine, checked in the sandbox."""

from __future__ import annotations

from tests.e2e.harness import Project


def test_up_from_empty_creates_the_runbook_objects_then_nothing_changes(project: Project) -> None:
    stack = project.stack()
    result = stack.up(on_output=lambda _line: None)
    assert result.summary.result == "succeeded"

    (monitor,) = project.sandbox.monitors()
    assert monitor["url"] == "https://monaluxe.app"
    assert (monitor["type"], monitor["interval"]) == ("HTTP", 300)
    assert monitor["successHttpResponseCodes"] == ["2xx"] and monitor["followRedirections"]
    assert monitor["status"] != "PAUSED"
    assert [c["alertContactId"] for c in monitor["assignedAlertContacts"]]

    workflows = {w["name"]: w for w in project.sandbox.workflows()}
    assert len(workflows) == 2
    for workflow in workflows.values():
        assert workflow["environment"] == "production"
        assert workflow["config"] == {"frequency": 1440}
        (group,) = workflow["actionFilters"]
        (action,) = group["actions"]
        assert action["config"]["targetType"] == "issue_owners"
        assert action["data"]["fallthroughType"] == "AllMembers"
    spike = next(w for n, w in workflows.items() if "Spike" in n)
    conditions = {c["type"]: c for c in spike["triggers"]["conditions"]}
    assert conditions["event_frequency_count"]["comparison"] == {"value": 10, "interval": "5m"}
    assert "first_seen_event" in conditions

    assert project.pulumi("preview", "--expect-no-changes").returncode == 0
    assert project.pulumi("preview", "--refresh", "--expect-no-changes").returncode == 0
