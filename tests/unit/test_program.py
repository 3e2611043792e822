"""The program under Pulumi's mocks: what the committed production stack declares."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from tests.stackfiles import project_raw


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every declared resource; makes no API call (providers never run here)."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@pytest.fixture
def declared_production() -> Iterator[RecordingMocks]:
    # The test owns its event loop: set_mocks registers the root stack synchronously, and
    # from Python 3.14 on nothing creates a loop implicitly (pulumi/pulumi#24338; the fix
    # there is this, in Pulumi's testing docs, pulumi/docs#20921).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="mlpp-monitoring", stack="production", preview=False)
    pulumi.runtime.set_all_config(
        {f"mlpp-monitoring:{k}": v for k, v in project_raw("production").items()}
    )
    from mlpp_monitoring.program import declare_stack

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> Any:
        declared = declare_stack()
        return pulumi.Output.all(
            *[r.id for r in declared.monitors.values()], *[r.id for r in declared.alerts.values()]
        )

    try:
        run()
        yield mocks
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def _inputs(mocks: RecordingMocks, name: str) -> dict[str, Any]:
    (res,) = [r for r in mocks.resources if r.name == name]
    return {k: v for k, v in res.inputs.items() if k != "__provider"}


def test_declares_one_monitor_and_two_alerts(declared_production: RecordingMocks) -> None:
    names = sorted(r.name for r in declared_production.resources)
    assert names == ["alert-new-issue", "alert-spike", "monitor-monaluxe-app"]
    types = {r.name: r.typ for r in declared_production.resources}
    assert types == {
        "alert-new-issue": "pulumi-python:dynamic/sentry:Alert",
        "alert-spike": "pulumi-python:dynamic/sentry:Alert",
        "monitor-monaluxe-app": "pulumi-python:dynamic/uptimerobot:Monitor",
    }


def test_monitor_inputs_are_the_runbook_values(declared_production: RecordingMocks) -> None:
    monitor = _inputs(declared_production, "monitor-monaluxe-app")
    assert monitor["url"] == "https://monaluxe.app"
    assert monitor["type"] == "HTTP"
    assert monitor["interval"] == 300
    assert monitor["success_http_codes"] == ["2xx"]
    assert monitor["follow_redirections"] is True
    assert monitor["paused"] is False
    assert monitor["alert_contacts"] == [
        {"value": "ops@monaluxe.app", "threshold": 0, "recurrence": 0}
    ]
    assert monitor["ssl_expiration_reminder"] is False
    assert monitor["domain_expiration_reminder"] is False


def test_alert_inputs_are_the_runbook_rules(declared_production: RecordingMocks) -> None:
    new_issue = _inputs(declared_production, "alert-new-issue")
    spike = _inputs(declared_production, "alert-spike")
    assert new_issue["on_new_issue"] is True and new_issue.get("event_threshold") is None
    assert (spike["event_threshold"], spike["event_interval"]) == (10, "5m")
    assert spike["on_new_issue"] is True  # the runbook's optional OR, on by default
    for alert in (new_issue, spike):
        assert alert["environment"] == "production"
        assert alert["frequency_minutes"] == 1440
        assert alert["detectors"] == ["issue_stream"]
        # None values are not sent to the engine, so target_identifier is absent.
        assert alert["actions"] == [
            {
                "type": "email",
                "target_type": "issue_owners",
                "fallthrough": "AllMembers",
            }
        ]
        assert (alert["organization"], alert["project"]) == ("mlpp", "mlpp-web")


def test_no_credential_in_inputs(declared_production: RecordingMocks) -> None:
    for res in declared_production.resources:
        text = repr({k: v for k, v in res.inputs.items() if k != "__provider"})
        assert "apiKey" not in text and "authToken" not in text
