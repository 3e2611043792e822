"""Every CRUD path of both kinds, checked in the sandbox's state, not only in return values."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import (
    SHORT,
    declared_alert,
    declared_monitor,
    live_monitors,
    live_workflows,
)


def _inputs(provider: UptimeMonitorProvider | ErrorAlertProvider, declared: dict) -> dict:
    result = provider.check({}, declared)
    assert result.failures == []
    return result.inputs


def test_monitor_create_read_update_delete(sb: Sandbox, monitors: UptimeMonitorProvider) -> None:
    inputs = _inputs(monitors, declared_monitor())
    created = monitors.create(inputs)

    (monitor,) = live_monitors(sb)
    assert created.id == str(monitor.id)
    assert monitor.friendly_name == "ML_PP production - monaluxe.app"
    assert monitor.url == "https://monaluxe.app"
    assert (monitor.type, monitor.interval, monitor.timeout) == ("HTTP", 300, 30)
    assert monitor.http_method_type == "GET"
    assert monitor.success_http_response_codes == ["2xx"]
    assert (monitor.follow_redirections, monitor.check_ssl_errors) == (True, True)
    contact = next(iter(sb.uptimerobot.alert_contacts))
    assert [(c.alert_contact_id, c.threshold, c.recurrence) for c in monitor.alert_contacts] == [
        (contact, 0, 0)
    ]
    assert monitor.status == "STARTED"
    assert created.outs == inputs

    read = monitors.read(created.id, created.outs)
    assert read.id == created.id
    assert read.outs == created.outs
    assert read.inputs == read.outs
    assert not monitors.diff(created.id, read.outs, inputs).changes

    changed = _inputs(monitors, {**inputs, "interval": 600, "timeout": 45, "tags": ["prod"]})
    updated = monitors.update(created.id, read.outs, {**changed, "paused": True})
    (monitor,) = live_monitors(sb)
    assert str(monitor.id) == created.id
    assert (monitor.interval, monitor.timeout, monitor.tags) == (600, 45, ["prod"])
    assert monitor.status == "PAUSED"
    assert updated.outs["paused"] is True and updated.outs["interval"] == 600

    resumed = monitors.update(created.id, updated.outs, changed)
    assert live_monitors(sb)[0].status != "PAUSED"
    assert resumed.outs["paused"] is False

    monitors.delete(created.id, resumed.outs)
    assert live_monitors(sb) == []


def test_monitor_declared_paused_is_created_paused(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    created = monitors.create(_inputs(monitors, declared_monitor(paused=True)))
    (monitor,) = live_monitors(sb)
    assert monitor.status == "PAUSED"
    assert created.outs["paused"] is True
    assert monitors.read(created.id, created.outs).outs["paused"] is True


@pytest.mark.parametrize("alert", ["new-issue", "spike"])
def test_alert_create_read_update_delete(
    sb: Sandbox, alerts: ErrorAlertProvider, alert: str
) -> None:
    inputs = _inputs(alerts, declared_alert(alert))
    created = alerts.create(inputs)

    (workflow,) = live_workflows(sb)
    assert created.id == str(workflow.id)
    assert workflow.name == inputs["name"]
    assert workflow.environment == "production"
    assert workflow.config == {"frequency": 1440}
    assert workflow.enabled is True
    assert workflow.detector_ids == [sb.sentry.issue_stream_detector().id]
    assert workflow.triggers.logic_type == "any-short"
    conditions = {c.type: c.comparison for c in workflow.triggers.conditions}
    expected = {"first_seen_event": True}
    if alert == "spike":
        expected["event_frequency_count"] = {"value": 10, "interval": "5m"}
    assert conditions == expected
    (group,) = workflow.action_filters
    assert (group.logic_type, group.conditions) == ("all", [])
    (action,) = group.actions
    assert action.type == "email" and action.integration_id is None
    assert action.config["target_type"] == "issue_owners"
    assert action.data == {"fallthrough_type": "AllMembers"}
    assert created.outs == inputs

    read = alerts.read(created.id, created.outs)
    assert (read.id, read.outs, read.inputs) == (created.id, created.outs, created.outs)
    assert not alerts.diff(created.id, read.outs, inputs).changes

    ids_before = (
        workflow.triggers.id,
        sorted(c.id for c in workflow.triggers.conditions),
        group.id,
        action.id,
    )
    news = {**inputs, "frequency_minutes": 60, "enabled": False}
    news |= {"event_threshold": 25, "event_interval": "15m"}
    updated = alerts.update(created.id, read.outs, news)
    (workflow,) = live_workflows(sb)
    assert str(workflow.id) == created.id
    assert workflow.config == {"frequency": 60}
    assert workflow.enabled is False
    counts = [c for c in workflow.triggers.conditions if c.type == "event_frequency_count"]
    assert [c.comparison for c in counts] == [{"value": 25, "interval": "15m"}]
    assert updated.outs == _inputs(alerts, news)
    # The PUT echoed the live ids: nothing nested was deleted and re-created.
    (group,) = workflow.action_filters
    assert workflow.triggers.id == ids_before[0]
    assert set(ids_before[1]) <= {c.id for c in workflow.triggers.conditions}
    assert (group.id, group.actions[0].id) == ids_before[2:]

    alerts.delete(created.id, updated.outs)
    assert live_workflows(sb) == []
    assert sb.sentry.workflows[int(created.id)].status == "pending_deletion"


def test_credentials_from_environment_variables(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No stack config at all (configure never called): the environment is enough."""
    monkeypatch.setenv("UPTIMEROBOT_API_KEY", sb.options.uptimerobot_key)
    monkeypatch.setenv("UPTIMEROBOT_API_URL", sb.urls["uptimerobot"])
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", sb.options.sentry_token)
    monkeypatch.setenv("SENTRY_BASE_URL", sb.urls["sentry"])
    monitor = UptimeMonitorProvider(SHORT).create(declared_monitor())
    alert = ErrorAlertProvider(SHORT).create(declared_alert())
    assert [str(m.id) for m in live_monitors(sb)] == [monitor.id]
    assert [str(w.id) for w in live_workflows(sb)] == [alert.id]


def test_read_and_delete_accept_state_from_an_older_model(
    sb: Sandbox, monitors: UptimeMonitorProvider, alerts: ErrorAlertProvider
) -> None:
    """State written before a spec field existed must still refresh and destroy."""
    monitor = monitors.create(declared_monitor())
    alert = alerts.create(declared_alert())
    old_monitor = {k: v for k, v in monitor.outs.items() if k != "timeout"}
    old_alert = {k: v for k, v in alert.outs.items() if k != "frequency_minutes"}

    assert monitors.read(monitor.id, old_monitor).outs == monitor.outs
    assert alerts.read(alert.id, old_alert).outs == alert.outs
    assert monitors.diff(monitor.id, old_monitor, monitor.outs).changes is True

    monitors.delete(monitor.id, old_monitor)
    alerts.delete(alert.id, old_alert)
    assert live_monitors(sb) == [] and live_workflows(sb) == []


def test_integers_sent_as_floats_by_the_engine_reach_the_api_as_integers(
    sb: Sandbox, monitors: UptimeMonitorProvider, alerts: ErrorAlertProvider
) -> None:
    """Pulumi hands a dynamic provider every number as a float (300 -> 300.0)."""
    monitor = declared_monitor(interval=300.0, timeout=30.0)
    monitor["alert_contacts"] = [{"value": "ops@monaluxe.app", "threshold": 0.0, "recurrence": 0.0}]
    alert = declared_alert("spike", frequency_minutes=1440.0, event_threshold=10.0)

    monitor_inputs = monitors.check({}, monitor).inputs
    alert_inputs = alerts.check({}, alert).inputs
    created_monitor = monitors.create(monitor)
    created_alert = alerts.create(alert)

    sent = [e["request_body"] for e in sb.journal if e["method"] == "POST" and e["request_body"]]
    monitor_body = next(b for b in sent if "interval" in b)
    assert type(monitor_body["interval"]) is int and type(monitor_body["timeout"]) is int
    assert type(monitor_body["assignedAlertContacts"][0]["threshold"]) is int
    workflow_body = next(b for b in sent if "config" in b)
    assert type(workflow_body["config"]["frequency"]) is int
    count = next(
        c for c in workflow_body["triggers"]["conditions"] if c["type"] != "first_seen_event"
    )
    assert type(count["comparison"]["value"]) is int
    assert monitors.diff(created_monitor.id, created_monitor.outs, monitor).changes is False
    assert alerts.diff(created_alert.id, created_alert.outs, alert).changes is False
    assert created_monitor.outs == monitor_inputs and created_alert.outs == alert_inputs


def test_parallel_calls_share_one_provider_and_its_lookups(
    sb: Sandbox, monitors: UptimeMonitorProvider, alerts: ErrorAlertProvider
) -> None:
    """The provider host runs up to 4 calls at once on one cached provider."""
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(alerts.create, declared_alert(name=f"alert {n}")) for n in range(4)]
        futures += [
            pool.submit(monitors.create, declared_monitor(friendly_name=f"monitor {n}"))
            for n in range(4)
        ]
        ids = [f.result().id for f in futures]
    assert sorted(ids[:4]) == sorted(str(w.id) for w in live_workflows(sb))
    assert sorted(ids[4:]) == sorted(str(m.id) for m in live_monitors(sb))
    # Lists are the natural-key look-ups each create makes before posting; the rest are
    # the lookups every object needs, made once per provider.
    lists = ("/v3/monitors", "/api/0/organizations/mlpp/workflows/")
    lookups = [e["path"] for e in sb.journal if e["method"] == "GET" and e["path"] not in lists]
    assert sorted(lookups) == sorted(
        [
            "/api/0/projects/mlpp/mlpp-web/",
            "/api/0/organizations/mlpp/detectors/",
            "/v3/user/alert-contacts",
        ]
    )
