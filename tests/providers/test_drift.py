"""Drift: edits made by hand in the vendors' consoles are seen by `read` and named by `diff`.

`pulumi refresh` calls `read`, then `diff(olds=the refreshed outputs, news=the inputs)`.
For each hand edit, `read` must return inputs that differ from the declared ones in
exactly the edited field, `diff` must report a change that goes away when that one field
is put back, and `update` (what `pulumi up` then runs) must restore the declared state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import Console, declared_alert, declared_monitor


def _assert_drift_in(
    provider: UptimeMonitorProvider | ErrorAlertProvider,
    id_: str,
    declared: dict[str, Any],
    field: str,
) -> dict[str, Any]:
    read = provider.read(id_, declared)
    assert read.id == id_
    assert read.inputs == read.outs
    differing = {k for k in declared if read.inputs.get(k) != declared[k]} - {"adopt_id"}
    assert differing == {field}
    result = provider.diff(id_, read.outs, declared)
    assert result.changes is True
    assert result.replaces == []
    put_back = {**read.outs, field: declared[field]}
    assert provider.diff(id_, put_back, declared).changes is False
    outs: dict[str, Any] = read.outs
    return outs


MONITOR_EDITS: dict[str, tuple[str, Callable[[Console, str], None]]] = {
    "interval 300 -> 600": ("interval", lambda c, id_: c.patch_monitor(id_, interval=600)),
    "url": ("url", lambda c, id_: c.patch_monitor(id_, url="https://www.monaluxe.app/")),
    "paused": ("paused", lambda c, id_: c.pause_monitor(id_)),
    "timeout": ("timeout", lambda c, id_: c.patch_monitor(id_, timeout=10)),
    "method": ("http_method", lambda c, id_: c.patch_monitor(id_, httpMethodType="HEAD")),
    "contact removed": (
        "alert_contacts",
        lambda c, id_: c.patch_monitor(id_, assignedAlertContacts=[]),
    ),
    "tag added": ("tags", lambda c, id_: c.patch_monitor(id_, tagNames=["by-hand"])),
}


@pytest.mark.parametrize("edit", sorted(MONITOR_EDITS))
def test_monitor_hand_edit_is_seen_and_reverted(
    sb: Sandbox, console: Console, monitors: UptimeMonitorProvider, edit: str
) -> None:
    field, apply = MONITOR_EDITS[edit]
    declared = monitors.check({}, declared_monitor()).inputs
    id_ = monitors.create(declared).id
    apply(console, id_)

    live = _assert_drift_in(monitors, id_, declared, field)

    restored = monitors.update(id_, live, declared)
    assert restored.outs == declared
    assert monitors.read(id_, restored.outs).outs == declared


KEYWORD_EDITS: dict[str, tuple[str, dict[str, Any]]] = {
    "keyword case made sensitive": ("keyword_case_type", {"keywordCaseType": 0}),
    "keyword alerts when found": ("keyword_type", {"keywordType": "ALERT_EXISTS"}),
    "keyword changed": ("keyword", {"keywordValue": "Bienvenue"}),
}


@pytest.mark.parametrize("edit", sorted(KEYWORD_EDITS))
def test_keyword_monitor_hand_edit_is_seen_and_reverted(
    sb: Sandbox, console: Console, monitors: UptimeMonitorProvider, edit: str
) -> None:
    # The console edits with the update schema (keywordCaseType 0/1); so does `update`.
    field, change = KEYWORD_EDITS[edit]
    declared = monitors.check({}, declared_monitor(type="KEYWORD", keyword="Monaluxe")).inputs
    assert (declared["keyword_type"], declared["keyword_case_type"]) == (
        "ALERT_NOT_EXISTS",
        "CaseInsensitive",
    )
    id_ = monitors.create(declared).id
    console.patch_monitor(id_, **change)

    live = _assert_drift_in(monitors, id_, declared, field)

    restored = monitors.update(id_, live, declared)
    assert restored.outs == declared
    monitor = sb.uptimerobot.monitors[int(id_)]
    assert (monitor.keyword_type, monitor.keyword_case_type) == ("ALERT_NOT_EXISTS", 1)


def _email_to_user(body: dict[str, Any]) -> None:
    body["actionFilters"][0]["actions"].append(
        {
            "type": "email",
            "integrationId": None,
            "data": {},
            "config": {"targetType": "user", "targetIdentifier": "1000001", "targetDisplay": None},
        }
    )


def _extra_condition(body: dict[str, Any]) -> None:
    body["triggers"]["conditions"].append(
        {"type": "regression_event", "comparison": True, "conditionResult": True}
    )


def _extra_filter(body: dict[str, Any]) -> None:
    body["actionFilters"][0]["conditions"].append(
        {"type": "level", "comparison": {"level": 40, "match": "gte"}, "conditionResult": True}
    )


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.__setitem__(key, value)


ALERT_EDITS: dict[str, tuple[str, Callable[[Sandbox], Callable[[dict[str, Any]], None]]]] = {
    "frequency 1440 -> 60": ("frequency_minutes", lambda sb: _set("config", {"frequency": 60})),
    "environment removed": ("environment", lambda sb: _set("environment", None)),
    "disabled": ("enabled", lambda sb: _set("enabled", False)),
    "renamed": ("name", lambda sb: _set("name", "renamed by hand")),
    "extra condition": ("other_triggers", lambda sb: _extra_condition),
    "extra action": ("actions", lambda sb: _email_to_user),
    "extra filter": ("filters", lambda sb: _extra_filter),
    "extra detector": (
        "detectors",
        lambda sb: (
            lambda body: body["detectorIds"].append(
                next(d.id for d in sb.sentry.detectors.values() if d.type == "error")
            )
        ),
    ),
    "logic any -> all": (
        "trigger_logic",
        lambda sb: lambda body: body["triggers"].__setitem__("logicType", "all"),
    ),
}


@pytest.mark.parametrize("edit", sorted(ALERT_EDITS))
def test_alert_hand_edit_is_seen_and_reverted(
    sb: Sandbox, console: Console, alerts: ErrorAlertProvider, edit: str
) -> None:
    field, make_edit = ALERT_EDITS[edit]
    declared = alerts.check({}, declared_alert("spike")).inputs
    id_ = alerts.create(declared).id
    console.edit_workflow(id_, make_edit(sb))

    live = _assert_drift_in(alerts, id_, declared, field)

    restored = alerts.update(id_, live, declared)
    assert restored.outs == declared
    assert alerts.read(id_, restored.outs).outs == declared


def test_monitor_read_back_quirks_are_not_drift(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    """HTML-escaped name and URL, tags as objects, contacts in random order: no diff."""
    with sb.lock:
        sb.uptimerobot.add_alert_contact("oncall@monaluxe.app")
        sb.uptimerobot.add_alert_contact("cto@monaluxe.app")
    declared = monitors.check(
        {},
        declared_monitor(
            friendly_name="ML_PP <prod> & monaluxe",
            url="https://monaluxe.app/?a=1&b=2",
            tags=["web", "prod", "mlpp"],
            success_http_codes=["3xx", "2xx"],
            alert_contacts=[
                {"value": "oncall@monaluxe.app"},
                {"value": "ops@monaluxe.app"},
                {"value": "cto@monaluxe.app"},
            ],
        ),
    ).inputs
    created = monitors.create(declared)
    assert created.outs == declared
    for _ in range(5):  # the contacts come back in another order each time
        read = monitors.read(created.id, created.outs)
        assert read.outs == declared
        assert monitors.diff(created.id, read.outs, declared).changes is False


def test_alert_read_back_order_is_not_drift(sb: Sandbox, alerts: ErrorAlertProvider) -> None:
    """Conditions, actions and detectors come back in random order, ids as strings."""
    declared = alerts.check({}, declared_alert("spike")).inputs
    created = alerts.create(declared)
    for _ in range(5):
        read = alerts.read(created.id, created.outs)
        assert read.outs == declared
        assert alerts.diff(created.id, read.outs, declared).changes is False
