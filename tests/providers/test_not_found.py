"""Objects deleted by hand: read says gone, delete succeeds, update says what to run."""

from __future__ import annotations

import pytest

from mlpp_monitoring.dynamic import ProviderError
from mlpp_monitoring.sandbox import Sandbox
from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider

from .conftest import (
    MONITORS_PATH,
    WORKFLOWS_PATH,
    Console,
    declared_alert,
    declared_monitor,
    posts,
)


def test_read_of_deleted_monitor_is_gone(console: Console, monitors: UptimeMonitorProvider) -> None:
    created = monitors.create(declared_monitor())
    console.delete_monitor(created.id)
    gone = monitors.read(created.id, created.outs)
    assert gone.id is None
    assert gone.outs == {}


def test_read_of_deleted_alert_is_gone(console: Console, alerts: ErrorAlertProvider) -> None:
    created = alerts.create(declared_alert())
    console.delete_workflow(created.id)
    gone = alerts.read(created.id, created.outs)
    assert gone.id is None
    assert gone.outs == {}


def test_delete_of_deleted_monitor_succeeds(
    sb: Sandbox, console: Console, monitors: UptimeMonitorProvider
) -> None:
    created = monitors.create(declared_monitor())
    console.delete_monitor(created.id)
    monitors.delete(created.id, created.outs)
    assert sb.journal[-1]["method"] == "DELETE" and sb.journal[-1]["status"] == 404


def test_delete_of_deleted_alert_succeeds(
    sb: Sandbox, console: Console, alerts: ErrorAlertProvider
) -> None:
    created = alerts.create(declared_alert())
    console.delete_workflow(created.id)
    alerts.delete(created.id, created.outs)
    assert sb.journal[-1]["method"] == "DELETE" and sb.journal[-1]["status"] == 404


def _assert_says_refresh(error: pytest.ExceptionInfo[ProviderError], id_: str) -> None:
    message = str(error.value)
    assert id_ in message
    assert "deleted outside Pulumi" in message
    assert "pulumi refresh" in message and "pulumi up --refresh" in message
    assert "create it again" in message


def test_update_of_deleted_monitor_says_refresh(
    sb: Sandbox, console: Console, monitors: UptimeMonitorProvider
) -> None:
    created = monitors.create(declared_monitor())
    console.delete_monitor(created.id)
    with pytest.raises(ProviderError) as error:
        monitors.update(created.id, created.outs, {**created.outs, "interval": 600})
    _assert_says_refresh(error, created.id)
    assert posts(sb, MONITORS_PATH) == 1  # the update did not re-create it


def test_update_of_deleted_alert_says_refresh(
    sb: Sandbox, console: Console, alerts: ErrorAlertProvider
) -> None:
    created = alerts.create(declared_alert())
    console.delete_workflow(created.id)
    with pytest.raises(ProviderError) as error:
        alerts.update(created.id, created.outs, {**created.outs, "frequency_minutes": 60})
    _assert_says_refresh(error, created.id)
    assert posts(sb, WORKFLOWS_PATH) == 1
