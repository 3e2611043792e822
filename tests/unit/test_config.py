"""Every config error is caught before any resource is declared, with a message that names
the key, the value and what is allowed."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from mlpp_monitoring.config import ConfigError, UptimePlan, parse_config
from tests.stackfiles import project_raw

PRODUCTION = {k: json.loads(v) for k, v in project_raw("production").items()}


def _raw(mutate: Any = None) -> dict[str, str]:
    data = copy.deepcopy(PRODUCTION)
    if mutate:
        mutate(data)
    return {k: json.dumps(v) for k, v in data.items()}


def _monitor(data: dict[str, Any]) -> dict[str, Any]:
    monitor: dict[str, Any] = data["uptimerobot"]["monitors"]["monaluxe-app"]
    return monitor


def _alert(data: dict[str, Any], key: str = "spike") -> dict[str, Any]:
    alert: dict[str, Any] = data["sentry"]["alerts"][key]
    return alert


def _error(mutate: Any) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(_raw(mutate))
    return str(info.value)


def test_production_stack_file_is_the_runbook() -> None:
    config = parse_config(_raw())
    monitor = config.uptimerobot.monitors["monaluxe-app"]
    assert config.uptimerobot.plan is UptimePlan.FREE
    assert (monitor.url, monitor.type, monitor.interval) == ("https://monaluxe.app", "HTTP", 300)
    assert monitor.success_http_codes == ("2xx",) and monitor.follow_redirections
    assert not monitor.paused and monitor.alert_contacts
    new_issue, spike = config.sentry.alerts["new-issue"], config.sentry.alerts["spike"]
    assert new_issue.on_new_issue and new_issue.event_threshold is None
    assert (spike.event_threshold, spike.event_interval, spike.on_new_issue) == (10, "5m", True)
    for alert in (new_issue, spike):
        assert alert.environment == "production"
        assert alert.frequency_minutes == 1440
        assert (alert.notify.target, alert.notify.fallthrough) == ("issue_owners", "AllMembers")


@pytest.mark.parametrize(
    ("mutate", "key", "value", "allowed"),
    [
        (
            lambda d: _monitor(d).update(url="http://monaluxe.app"),
            "mlpp-monitoring:uptimerobot.monitors.monaluxe-app.url",
            "'http://monaluxe.app'",
            "https://",
        ),
        (
            lambda d: _monitor(d).update(url="monaluxe.app"),
            "mlpp-monitoring:uptimerobot.monitors.monaluxe-app.url",
            "'monaluxe.app'",
            "https://",
        ),
        (
            lambda d: _monitor(d).update(interval=60),
            "mlpp-monitoring:uptimerobot.monitors.monaluxe-app.interval",
            "60",
            "at least 300 seconds on the free plan",
        ),
        (
            lambda d: _monitor(d).update(interval="300"),
            "mlpp-monitoring:uptimerobot.monitors.monaluxe-app.interval",
            "'300'",
            "integer",
        ),
        (
            lambda d: _monitor(d).update(alert_contacts=[]),
            "mlpp-monitoring:uptimerobot.monitors.monaluxe-app.alert_contacts",
            "[]",
            "pages nobody",
        ),
        (
            lambda d: _monitor(d)["alert_contacts"][0].update(threshold=5),
            "mlpp-monitoring:uptimerobot.monitors.monaluxe-app.alert_contacts.0.threshold",
            "5",
            "0 on the free plan",
        ),
        (
            lambda d: _monitor(d).update(ssl_expiration_reminder=True),
            "mlpp-monitoring:uptimerobot.monitors.monaluxe-app.ssl_expiration_reminder",
            "True",
            "false on the free plan",
        ),
        (
            lambda d: d["uptimerobot"].update(plan="gold"),
            "mlpp-monitoring:uptimerobot.plan",
            "'gold'",
            "free",
        ),
        (
            lambda d: _alert(d).update(frequency_minutes=15),
            "mlpp-monitoring:sentry.alerts.spike.frequency_minutes",
            "15",
            "0, 5, 10, 30, 60, 180, 720, 1440",
        ),
        (
            lambda d: _alert(d).update(event_threshold=0),
            "mlpp-monitoring:sentry.alerts.spike.event_threshold",
            "0",
            "above 0",
        ),
        (
            lambda d: _alert(d).update(event_threshold=-3),
            "mlpp-monitoring:sentry.alerts.spike.event_threshold",
            "-3",
            "above 0",
        ),
        (
            lambda d: _alert(d).update(event_interval="5min"),
            "mlpp-monitoring:sentry.alerts.spike.event_interval",
            "'5min'",
            "1m, 5m, 15m, 1h, 1d, 1w, 30d",
        ),
        (
            lambda d: _alert(d).update(environment=""),
            "mlpp-monitoring:sentry.alerts.spike.environment",
            "''",
            "at least 1 character",
        ),
        (
            lambda d: _alert(d).update(enabled="yes"),
            "mlpp-monitoring:sentry.alerts.spike.enabled",
            "'yes'",
            "boolean",
        ),
        (
            lambda d: _alert(d)["notify"].update(fallthrough="Everyone"),
            "mlpp-monitoring:sentry.alerts.spike.notify.fallthrough",
            "'Everyone'",
            "AllMembers",
        ),
    ],
)
def test_bad_value_names_key_value_and_what_is_allowed(
    mutate: Any, key: str, value: str, allowed: str
) -> None:
    message = _error(mutate)
    line = next(line for line in message.splitlines() if key in line)
    assert value in line
    assert allowed in line


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: _monitor(d).update(intervall=300), "monitors.monaluxe-app.intervall"),
        (lambda d: _alert(d).update(frequency=1440), "alerts.spike.frequency"),
        (lambda d: d.update(sentri={}), "mlpp-monitoring:sentri"),
    ],
)
def test_unknown_keys_are_errors_not_ignored(mutate: Any, key: str) -> None:
    message = _error(mutate)
    assert key in message
    assert "unknown key" in message


def test_missing_section_is_named() -> None:
    message = _error(lambda d: d.pop("sentry"))
    assert "mlpp-monitoring:sentry: required key is missing" in message


def test_alert_without_trigger_is_rejected() -> None:
    def no_trigger(d: dict[str, Any]) -> None:
        _alert(d).update(on_new_issue=False)
        _alert(d).pop("event_threshold")

    assert "needs a trigger" in _error(no_trigger)


def test_every_problem_is_reported_at_once() -> None:
    def two(d: dict[str, Any]) -> None:
        _monitor(d).update(interval=60)
        _alert(d).update(frequency_minutes=7)

    message = _error(two)
    assert "interval" in message and "frequency_minutes" in message


def test_paid_plan_allows_shorter_interval_and_reminders() -> None:
    def paid(d: dict[str, Any]) -> None:
        d["uptimerobot"]["plan"] = "team"
        _monitor(d).update(interval=60, ssl_expiration_reminder=True)

    config = parse_config(_raw(paid))
    assert config.uptimerobot.monitors["monaluxe-app"].interval == 60


def test_sandbox_stack_declares_exactly_the_production_values() -> None:
    """The demo shows what production declares: only API locations and secrets differ."""
    assert project_raw("sandbox") == project_raw("production")
