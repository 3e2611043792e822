"""Adoption: `adopt_id` takes over an object made by hand instead of creating another."""

from __future__ import annotations

import pytest

from mlpp_monitoring.provider_host import ProviderError
from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import (
    MONITORS_PATH,
    WORKFLOWS_PATH,
    Console,
    declared_alert,
    declared_monitor,
    live_monitors,
    live_workflows,
    posts,
)


@pytest.mark.parametrize("as_float", [False, True], ids=["int", "float"])
def test_monitor_adoption_updates_the_hand_made_one(
    sb: Sandbox, console: Console, monitors: UptimeMonitorProvider, as_float: bool
) -> None:
    hand_made = console.create_monitor(friendlyName="monaluxe (by hand)", interval=900)
    console.pause_monitor(hand_made["id"])
    posted = posts(sb, MONITORS_PATH)
    # Integers reach a dynamic provider as floats.
    adopt = float(hand_made["id"]) if as_float else hand_made["id"]
    declared = monitors.check({}, declared_monitor(adopt_id=adopt)).inputs

    created = monitors.create(declared)

    assert created.id == str(hand_made["id"])
    assert posts(sb, MONITORS_PATH) == posted  # no new monitor was posted
    (monitor,) = live_monitors(sb)
    assert monitor.friendly_name == "ML_PP production - monaluxe.app"
    assert (monitor.interval, monitor.timeout, monitor.status) == (300, 30, "STARTED")
    assert created.outs["adopt_id"] == adopt
    read = monitors.read(created.id, created.outs)
    assert monitors.diff(created.id, read.outs, declared).changes is False


def test_alert_adoption_updates_the_hand_made_one(
    sb: Sandbox, console: Console, alerts: ErrorAlertProvider
) -> None:
    detector = sb.sentry.issue_stream_detector().id
    hand_made = console.create_workflow(
        {
            "name": "new issues (by hand)",
            "enabled": False,
            "environment": None,
            "config": {"frequency": 30},
            "detectorIds": [detector],
            "triggers": {
                "logicType": "any-short",
                "conditions": [
                    {"type": "regression_event", "comparison": True, "conditionResult": True}
                ],
            },
            "actionFilters": [],
        }
    )
    declared = alerts.check({}, declared_alert(adopt_id=int(hand_made["id"]))).inputs

    created = alerts.create(declared)

    assert created.id == hand_made["id"]
    assert posts(sb, WORKFLOWS_PATH) == 1  # the hand-made one
    (workflow,) = live_workflows(sb)
    assert workflow.name == "[mlpp-web] New issue (production)"
    assert (workflow.enabled, workflow.environment, workflow.config) == (
        True,
        "production",
        {"frequency": 1440},
    )
    assert [c.type for c in workflow.triggers.conditions] == ["first_seen_event"]
    assert [a.type for g in workflow.action_filters for a in g.actions] == ["email"]
    assert alerts.read(created.id, created.outs).outs == created.outs


def test_adopting_a_missing_monitor_is_a_clear_error(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    with pytest.raises(ProviderError) as error:
        monitors.create(declared_monitor(adopt_id=123456789))
    message = str(error.value)
    assert "123456789" in message and "does not exist" in message and "adopt_id" in message
    assert sb.calls("POST") == 0
    assert live_monitors(sb) == []


def test_adopting_a_missing_alert_is_a_clear_error(sb: Sandbox, alerts: ErrorAlertProvider) -> None:
    with pytest.raises(ProviderError) as error:
        alerts.create(declared_alert(adopt_id=424242))
    message = str(error.value)
    assert "424242" in message and "does not exist" in message and "adopt_id" in message
    assert sb.calls("POST") == 0
    assert live_workflows(sb) == []
