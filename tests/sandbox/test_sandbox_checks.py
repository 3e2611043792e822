"""`POST /_sandbox/uptimerobot/checks`: check results reach the emulated UptimeRobot and the
stored monitors react as UptimeRobot's would (through the provider's evaluator): a failure
puts the monitor DOWN with an incident and one DOWN alert, a success resolves it."""

from __future__ import annotations

from typing import Any

import pytest

from mlpp_sandbox import Sandbox, SandboxOptions
from mlpp_sandbox.wire import iso_milli

from .conftest import Client, FakeClock, http_monitor

MINUTE = 60.0


@pytest.fixture
def monitor_id(ur: Client, contact_id: int) -> int:
    """The runbook's monitor: 2xx only, redirects followed, SSL errors checked, 30 s."""
    body = http_monitor(
        contact_id,
        successHttpResponseCodes=["2xx"],
        followRedirections=True,
        checkSSLErrors=True,
    )
    response = ur.post("/monitors", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _check(control: Client, *checks: dict[str, Any], status: int = 200) -> Any:
    response = control.post("/_sandbox/uptimerobot/checks", json={"checks": list(checks)})
    assert response.status_code == status, response.text
    return response.json()


def _monitor(ur: Client, monitor_id: int) -> dict[str, Any]:
    body: dict[str, Any] = ur.get(f"/monitors/{monitor_id}").json()
    return body


def test_a_503_puts_the_monitor_down_with_an_incident_and_one_down_alert(
    ur: Client, control: Client, monitor_id: int, clock: FakeClock
) -> None:
    (taken,) = _check(control, {"monitorId": monitor_id, "status": 503})["checks"]
    assert (taken["up"], taken["opened"], taken["status"]) == (False, True, "DOWN")
    assert taken["downAlerts"] == [{"contact": "ops@monaluxe.app", "at": iso_milli(clock.now)}]
    live = _monitor(ur, monitor_id)
    assert live["status"] == "DOWN" and live["lastIncidentId"] == taken["incidentId"]
    incident = ur.get(f"/incidents/{taken['incidentId']}").json()
    assert (incident["cause"], incident["reason"]) == (503, "HTTP 503 - Service Unavailable")
    assert incident["rootCause"]["httpResponseCode"] == 503
    assert incident["status"] == "Ongoing" and incident["startedAt"] == iso_milli(clock.now)


def test_a_long_outage_is_one_incident_and_one_alert_then_a_200_resolves_it(
    ur: Client, control: Client, monitor_id: int, clock: FakeClock
) -> None:
    start = clock.now
    answer = _check(
        control,
        {"monitorId": monitor_id, "status": 503, "at": start},
        {"monitorId": monitor_id, "status": 502, "at": start + 5 * MINUTE},
        {"monitorId": monitor_id, "at": start + 10 * MINUTE},
        {"monitorId": monitor_id, "status": 200, "at": start + 15 * MINUTE},
    )
    assert [len(c["downAlerts"]) for c in answer["checks"]] == [1, 0, 0, 0]
    assert [c["opened"] for c in answer["checks"]] == [True, False, False, False]
    assert answer["checks"][-1]["resolved"] and answer["checks"][-1]["status"] == "UP"
    incidents = ur.get("/incidents", params={"monitor_id": monitor_id}).json()["data"]
    (incident,) = incidents
    assert incident["status"] == "Resolved" and incident["duration"] == 15 * 60
    assert _monitor(ur, monitor_id)["status"] == "UP"


@pytest.mark.parametrize(
    ("check", "cause", "reason", "http_code"),
    [
        ({"status": 301, "redirectStatus": 404}, 404, "HTTP 404 - Not Found", 404),
        ({"status": 200, "responseSeconds": 31}, 333333, "Connection Timeout", None),
        ({"status": 200, "sslError": True}, 333333, "SSL Error", None),
        ({}, 333333, "Connection Failed", None),
    ],
)
def test_each_kind_of_failure_is_worded_as_an_incident(
    ur: Client,
    control: Client,
    monitor_id: int,
    check: dict[str, Any],
    cause: int,
    reason: str,
    http_code: int | None,
) -> None:
    (taken,) = _check(control, {"monitorId": monitor_id, **check})["checks"]
    incident = ur.get(f"/incidents/{taken['incidentId']}").json()
    assert (incident["cause"], incident["reason"]) == (cause, reason)
    assert incident["rootCause"]["httpResponseCode"] == http_code


@pytest.mark.parametrize(
    "check",
    [
        {"status": 200},
        {"status": 301, "redirectStatus": 200},
        {"status": 200, "responseSeconds": 30},
    ],
)
def test_a_passing_check_puts_a_new_monitor_up(
    ur: Client, control: Client, monitor_id: int, check: dict[str, Any]
) -> None:
    assert _monitor(ur, monitor_id)["status"] == "STARTED"
    (taken,) = _check(control, {"monitorId": monitor_id, **check})["checks"]
    assert taken["up"] and taken["downAlerts"] == [] and taken["incidentId"] is None
    assert _monitor(ur, monitor_id)["status"] == "UP"


def test_the_monitors_own_settings_decide(ur: Client, control: Client, contact_id: int) -> None:
    lax = http_monitor(contact_id, checkSSLErrors=False, successHttpResponseCodes=["2xx", "3xx"])
    monitor_id = ur.post("/monitors", json=lax).json()["id"]
    (taken,) = _check(control, {"monitorId": monitor_id, "status": 200, "sslError": True})["checks"]
    assert taken["up"]


def test_a_check_without_monitor_id_checks_every_monitor(
    ur: Client, control: Client, monitor_id: int, contact_id: int
) -> None:
    other = ur.post("/monitors", json=http_monitor(contact_id, friendlyName="api")).json()["id"]
    checks = _check(control, {"status": 503})["checks"]
    assert sorted(c["monitorId"] for c in checks) == sorted([monitor_id, other])
    assert all(c["status"] == "DOWN" for c in checks)


def test_paused_and_keyword_monitors_are_not_checked(
    ur: Client, control: Client, monitor_id: int, contact_id: int
) -> None:
    assert ur.post(f"/monitors/{monitor_id}/pause", json={}).status_code == 201
    keyword = http_monitor(
        contact_id,
        type="KEYWORD",
        keywordValue="Monaluxe",
        keywordType="ALERT_NOT_EXISTS",
        keywordCaseType="CaseInsensitive",
        friendlyName="kw",
    )
    keyword_id = ur.post("/monitors", json=keyword).json()["id"]
    checks = {c["monitorId"]: c for c in _check(control, {"status": 503})["checks"]}
    assert not checks[monitor_id]["checked"] and checks[monitor_id]["why"].startswith("paused")
    assert not checks[keyword_id]["checked"] and "type KEYWORD" in checks[keyword_id]["why"]
    assert _monitor(ur, monitor_id)["status"] == "PAUSED"
    assert ur.get("/incidents").json()["data"] == []


def test_a_paid_plans_threshold_delays_the_down_alert_to_a_later_check(
    clock: FakeClock,
) -> None:
    with Sandbox(SandboxOptions(clock=clock, uptimerobot_plan="team")) as sb:
        ur = Client(sb.urls["uptimerobot"], sb.options.uptimerobot_key)
        contact = next(iter(sb.uptimerobot.alert_contacts))
        body = http_monitor(
            contact,
            interval=60,
            assignedAlertContacts=[{"alertContactId": contact, "threshold": 10, "recurrence": 0}],
        )
        monitor_id = ur.post("/monitors", json=body).json()["id"]
        control = Client(sb.base_url, None)
        start = clock.now
        answer = _check(
            control,
            {"monitorId": monitor_id, "status": 503, "at": start},
            {"monitorId": monitor_id, "status": 503, "at": start + 5 * MINUTE},
            {"monitorId": monitor_id, "status": 503, "at": start + 12 * MINUTE},
            {"monitorId": monitor_id, "status": 503, "at": start + 20 * MINUTE},
        )
    alerts = [c["downAlerts"] for c in answer["checks"]]
    due = iso_milli(start + 10 * MINUTE)
    assert alerts == [[], [], [{"contact": "ops@monaluxe.app", "at": due}], []]


def test_checks_out_of_order_or_of_an_unknown_monitor_are_refused(
    sandbox: Sandbox, control: Client, monitor_id: int, clock: FakeClock
) -> None:
    _check(control, {"monitorId": monitor_id, "status": 200})
    late = _check(control, {"monitorId": monitor_id, "status": 503, "at": clock.now}, status=400)
    assert f"monitor {monitor_id} is checked once at a time" in late["error"]
    unknown = _check(control, {"monitorId": 1, "status": 503}, status=404)
    assert unknown["error"]["message"] == "Monitor not found"
    typo = _check(control, {"monitorId": monitor_id, "statuss": 503}, status=400)
    assert "checks.0.statuss: Extra inputs are not permitted (got 503)" in typo["error"]
    assert sandbox.uptimerobot.incidents == {}


def test_control_calls_are_not_vendor_calls(
    sandbox: Sandbox, control: Client, monitor_id: int
) -> None:
    before = len(sandbox.journal)
    _check(control, {"monitorId": monitor_id, "status": 503})
    assert len(sandbox.journal) == before
