"""Which config changes update the object in place, and which replace it."""

from __future__ import annotations

from typing import Any

import pytest

from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import declared_alert, declared_monitor, live_monitors, live_workflows


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"interval": 900}, lambda m: m.interval == 900),
        ({"timeout": 15}, lambda m: m.timeout == 15),
        ({"friendly_name": "ML_PP prod"}, lambda m: m.friendly_name == "ML_PP prod"),
        ({"url": "https://monaluxe.app/health"}, lambda m: m.url.endswith("/health")),
    ],
    ids=["interval", "timeout", "name", "url"],
)
def test_monitor_change_updates_in_place(
    sb: Sandbox, monitors: UptimeMonitorProvider, change: dict[str, Any], check: Any
) -> None:
    old = monitors.create(monitors.check({}, declared_monitor()).inputs)
    news = monitors.check(old.outs, {**declared_monitor(), **change}).inputs
    diff = monitors.diff(old.id, old.outs, news)
    assert diff.changes is True
    assert diff.replaces == []
    monitors.update(old.id, old.outs, news)
    (monitor,) = live_monitors(sb)
    assert str(monitor.id) == old.id
    assert check(monitor)


def test_monitor_type_change_replaces(sb: Sandbox, monitors: UptimeMonitorProvider) -> None:
    old = monitors.create(monitors.check({}, declared_monitor()).inputs)
    news = monitors.check(old.outs, declared_monitor(type="KEYWORD", keyword="Monaluxe")).inputs
    diff = monitors.diff(old.id, old.outs, news)
    assert diff.changes is True
    assert "type" in diff.replaces
    assert diff.delete_before_replace is True
    # What the engine then does: delete the old monitor, create the new one.
    monitors.delete(old.id, old.outs)
    new = monitors.create(news)
    (monitor,) = live_monitors(sb)
    assert str(monitor.id) == new.id != old.id
    assert (monitor.type, monitor.keyword_value) == ("KEYWORD", "Monaluxe")
    assert monitor.keyword_type == "ALERT_NOT_EXISTS"
    assert monitors.read(new.id, new.outs).outs == news


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"frequency_minutes": 60}, lambda w: w.config == {"frequency": 60}),
        (
            {"event_threshold": 50},
            lambda w: (
                {"value": 50, "interval": "5m"} in [c.comparison for c in w.triggers.conditions]
            ),
        ),
        ({"enabled": False}, lambda w: w.enabled is False),
        ({"name": "[mlpp-web] Spike"}, lambda w: w.name == "[mlpp-web] Spike"),
    ],
    ids=["frequency", "threshold", "enabled", "name"],
)
def test_alert_change_updates_in_place(
    sb: Sandbox, alerts: ErrorAlertProvider, change: dict[str, Any], check: Any
) -> None:
    old = alerts.create(alerts.check({}, declared_alert("spike")).inputs)
    news = alerts.check(old.outs, declared_alert("spike", **change)).inputs
    diff = alerts.diff(old.id, old.outs, news)
    assert diff.changes is True
    assert diff.replaces == []
    alerts.update(old.id, old.outs, news)
    (workflow,) = live_workflows(sb)
    assert str(workflow.id) == old.id
    assert check(workflow)


def test_alert_organization_change_replaces(alerts: ErrorAlertProvider) -> None:
    old = alerts.create(declared_alert())
    diff = alerts.diff(old.id, old.outs, declared_alert(organization="mlpp-other"))
    assert diff.changes is True
    assert diff.replaces == ["organization"]
    assert diff.delete_before_replace is True


def test_no_change_is_no_diff(monitors: UptimeMonitorProvider, alerts: ErrorAlertProvider) -> None:
    monitor = monitors.create(declared_monitor())
    alert = alerts.create(declared_alert())
    assert monitors.diff(monitor.id, monitor.outs, declared_monitor()).changes is False
    assert alerts.diff(alert.id, alert.outs, declared_alert()).changes is False
