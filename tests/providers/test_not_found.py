"""Objects deleted by hand: read says gone, delete succeeds, update says what to run."""

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
    configured,
    declared_alert,
    declared_monitor,
    live_workflows,
    posts,
    stack_config,
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


def _assert_names_the_project(message: str) -> None:
    assert "Sentry project mlpp/mlpp-web" in message and "sentry.project" in message
    assert "deleted outside Pulumi" not in message and "adopt_id" not in message


def test_missing_sentry_project_is_not_a_deleted_alert(sb: Sandbox) -> None:
    """A project renamed or gone is a config problem; the alert itself still exists."""
    created = configured(ErrorAlertProvider, stack_config(sb)).create(declared_alert())
    with sb.lock:
        sb.sentry.project("mlpp-web").slug = "mlpp-web-renamed"
    alerts = configured(ErrorAlertProvider, stack_config(sb))  # a new provider process

    (failure,) = alerts.check({}, declared_alert()).failures
    _assert_names_the_project(failure.reason)
    for operation in (
        lambda: alerts.create(declared_alert()),
        lambda: alerts.read(created.id, created.outs),
        lambda: alerts.update(created.id, created.outs, {**created.outs, "enabled": False}),
    ):
        with pytest.raises(ProviderError) as error:
            operation()
        _assert_names_the_project(str(error.value))
    assert posts(sb, WORKFLOWS_PATH) == 1  # only the first, successful create
    assert len(live_workflows(sb)) == 1


def test_update_answered_404_for_a_monitor_that_exists_does_not_say_deleted(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    """UptimeRobot has answered 404 for objects that exist: the advice must not be refresh."""
    created = monitors.create(declared_monitor())
    sb.inject("create-then-404", method="PATCH", path=f"{MONITORS_PATH}/*", times=1)
    with pytest.raises(ProviderError) as error:
        monitors.update(created.id, created.outs, {**created.outs, "interval": 600})
    message = str(error.value)
    assert f"{created.id} exists" in message and "run the same command again" in message
    assert "deleted outside Pulumi" not in message
