"""check: bad inputs are named before any API call; vendor facts are checked at preview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mlpp_monitoring.provider_host import ProviderError
from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import (
    configured,
    declared_alert,
    declared_monitor,
    live_monitors,
    live_workflows,
    stack_config,
)

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"interval": "often"}, "interval"),
        ({"url": None}, "url"),
        ({"alert_contacts": "ops@monaluxe.app"}, "alert_contacts"),
        ({"alert_contacts": [{"value": "ops@monaluxe.app", "threshold": "x"}]}, "threshold"),
        ({"paused": "sometimes"}, "paused"),
    ],
)
def test_bad_monitor_input_names_the_field_without_calling(
    sb: Sandbox, monitors: UptimeMonitorProvider, change: dict[str, Any], field: str
) -> None:
    result = monitors.check({}, declared_monitor(**change))
    assert result.failures
    assert any(field in f.property for f in result.failures), result.failures
    assert sb.journal == []


def test_missing_monitor_input_is_named(sb: Sandbox, monitors: UptimeMonitorProvider) -> None:
    declared = declared_monitor()
    del declared["friendly_name"]
    result = monitors.check({}, declared)
    assert [f.property for f in result.failures] == ["friendly_name"]
    assert sb.journal == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"frequency_minutes": "daily"}, "frequency_minutes"),
        ({"name": None}, "name"),
        ({"event_threshold": "ten"}, "event_threshold"),
        ({"actions": [{"type": "email", "target_type": 5}]}, "actions.0.target_type"),
    ],
)
def test_bad_alert_input_names_the_field_without_calling(
    sb: Sandbox, alerts: ErrorAlertProvider, change: dict[str, Any], field: str
) -> None:
    result = alerts.check({}, declared_alert(**change))
    assert [f.property for f in result.failures] == [field]
    assert sb.journal == []


def test_preview_with_unknown_values_makes_no_call(
    sb: Sandbox, monitors: UptimeMonitorProvider, alerts: ErrorAlertProvider
) -> None:
    assert monitors.check({}, declared_monitor(url=UNKNOWN)).failures == []
    assert alerts.check({}, declared_alert(name=UNKNOWN)).failures == []
    assert sb.journal == []


def test_preview_with_nothing_to_do_makes_no_call(
    sb: Sandbox, monitors: UptimeMonitorProvider, alerts: ErrorAlertProvider
) -> None:
    monitor = monitors.check({}, declared_monitor()).inputs
    alert = alerts.check({}, declared_alert()).inputs
    before = len(sb.journal)
    assert monitors.check(monitor, declared_monitor()).failures == []
    assert alerts.check(alert, declared_alert()).failures == []
    assert len(sb.journal) == before


def test_unknown_alert_contact_is_named_with_the_account_contacts(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    with sb.lock:
        sb.uptimerobot.add_alert_contact("oncall@monaluxe.app")
    declared = declared_monitor(alert_contacts=[{"value": "nobody@monaluxe.app"}])
    (failure,) = monitors.check({}, declared).failures
    assert "nobody@monaluxe.app" in failure.reason
    assert "ops@monaluxe.app" in failure.reason and "oncall@monaluxe.app" in failure.reason
    # And create says the same instead of posting a monitor the API would refuse.
    with pytest.raises(ProviderError) as error:
        monitors.create(declared)
    assert "nobody@monaluxe.app" in str(error.value) and "ops@monaluxe.app" in str(error.value)
    assert sb.calls("POST") == 0
    assert live_monitors(sb) == []


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("not-activated", ["never confirmed", "confirmation e-mail"]),
        ("paused", ["paused", "activate it again"]),
        ("up-only", ["not set to notify when a monitor goes down", "notify on Down"]),
    ],
)
def test_a_contact_that_cannot_page_is_refused_and_nothing_is_made(
    start_sandbox: Callable[..., Sandbox], state: str, words: list[str]
) -> None:
    sb = start_sandbox(uptimerobot_contact_state=state)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))
    (failure,) = monitors.check({}, declared_monitor()).failures
    assert failure.property == "alert_contacts"
    assert "alert contact ops@monaluxe.app cannot page anyone" in failure.reason
    assert all(word in failure.reason for word in words), failure.reason
    with pytest.raises(ProviderError) as error:
        monitors.create(declared_monitor())
    assert "ops@monaluxe.app" in str(error.value)
    assert sb.calls("POST") == 0 and live_monitors(sb) == []


def test_a_contact_paused_after_the_deploy_stops_the_next_change(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    created = monitors.create(monitors.check({}, declared_monitor()).inputs)
    with sb.lock:
        sb.uptimerobot.set_contact_state("paused")
    fresh = configured(UptimeMonitorProvider, stack_config(sb))
    changed = declared_monitor(interval=600)
    (failure,) = fresh.check(created.outs, changed).failures
    assert "paused" in failure.reason
    # A preview with nothing to change still makes no call (status shows the contact).
    before = len(sb.journal)
    assert fresh.check(created.outs, declared_monitor()).failures == []
    assert len(sb.journal) == before


def _assert_environment_message(message: str) -> None:
    assert "'production' does not exist yet" in message
    assert "APP_ENV=production" in message
    assert "HTTP 400" not in message


@pytest.mark.parametrize("first", ["check", "create"])
def test_missing_sentry_environment_is_explained(
    start_sandbox: Callable[..., Sandbox], first: str
) -> None:
    sb = start_sandbox(sentry_environments=())
    alerts = configured(ErrorAlertProvider, stack_config(sb))
    if first == "check":
        (failure,) = alerts.check({}, declared_alert()).failures
        _assert_environment_message(failure.reason)
    with pytest.raises(ProviderError) as error:
        alerts.create(declared_alert())
    _assert_environment_message(str(error.value))
    assert live_workflows(sb) == []
    # Once the app has sent its first event, the same provider process creates it.
    with sb.lock:
        sb.sentry.add_environment("production")
    fresh = configured(ErrorAlertProvider, stack_config(sb))
    assert fresh.check({}, declared_alert()).failures == []
    fresh.create(declared_alert())
    assert len(live_workflows(sb)) == 1
