"""`status` after the sandbox received what production would send: a burst of errors on an
issue and a failing check (the control API's events and checks, fired by the same rules as
`test-alerts`). Nothing is seeded by hand: the alert that fired, the issue and the incident
are the sandbox's own reaction."""

from __future__ import annotations

from typing import Any

import requests

from mlpp_sandbox import Sandbox
from mlpp_sandbox.wire import iso_micro

from .conftest import StatusRunner
from .scenarios import HOUR, MINUTE, FakeClock, deploy


def _post(sandbox: Sandbox, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{sandbox.base_url}/_sandbox/{path}", json=body, timeout=5)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_status_shows_the_alert_that_fired_and_the_monitor_that_went_down(
    sandbox: Sandbox, status: StatusRunner, clock: FakeClock
) -> None:
    deploy(sandbox)
    production = {"issue": "checkout-crash", "environment": "production"}
    # The issue first appeared two days ago; now 11 events in 3 minutes, then a 503.
    _post(sandbox, "sentry/events", {"events": [{**production, "at": clock.now - 48 * HOUR}]})
    _post(sandbox, "uptimerobot/checks", {"checks": [{"status": 200, "at": clock.now - HOUR}]})
    burst = _post(
        sandbox,
        "sentry/events",
        {"events": [{**production, "at": clock.now - 12 * MINUTE, "count": 11, "over": 180}]},
    )
    (spike,) = burst["notifications"]
    _post(
        sandbox, "uptimerobot/checks", {"checks": [{"status": 503, "at": clock.now - 5 * MINUTE}]}
    )

    report = status(as_json=True).document
    (monitor,) = report["availability"]["monitors"]
    assert monitor["state"] == "down"
    incident = monitor["incident"]
    assert (incident["cause"], incident["http_code"]) == ("http", 503)
    assert incident["reason"] == "HTTP 503 - Service Unavailable"
    assert incident["started_at"] == iso_micro(clock.now - 5 * MINUTE)[:19] + "Z"
    alerts = {a["key"]: a for a in report["front_errors"]["alerts"]}
    assert alerts["spike"]["last_triggered"] == spike["at"][:19] + "Z"  # to the second
    assert alerts["new-issue"]["last_triggered"] == iso_micro(clock.now - 48 * HOUR)[:19] + "Z"
    # Seen two days ago, not escalating: an active issue of the day, not a new one.
    assert report["front_errors"]["issues"] == []
    assert report["front_errors"]["other_active_issues"] == 1

    screen = status().output
    assert "DOWN" in screen and "cause : HTTP 503 (Service Unavailable)" in screen
    assert "[mlpp-web] Spike: more than 10 events in 5 minutes (production)" in screen
    assert "déclenchée il y a 9 min" in screen
    # The vendor's reason already names the code: it is said once.
    assert "HTTP 503 - Service Unavailable" not in screen
