"""The emulated UptimeRobot account's plan decides the minimum interval and contact settings."""

from __future__ import annotations

from typing import Any

import pytest

from mlpp_sandbox import Sandbox, SandboxOptions

from .conftest import UR_KEY, Client


def _monitor(interval: int, threshold: int) -> dict[str, Any]:
    return {
        "friendlyName": "plan check",
        "type": "HTTP",
        "url": "https://monaluxe.app",
        "interval": interval,
        "timeout": 30,
        "assignedAlertContacts": [
            {"alertContactId": 8700001, "threshold": threshold, "recurrence": threshold}
        ],
    }


@pytest.mark.parametrize(
    ("plan", "interval", "threshold", "status"),
    [
        ("free", 300, 0, 201),
        ("free", 60, 0, 400),
        ("free", 300, 5, 400),
        ("team", 60, 5, 201),
        ("team", 30, 0, 400),
        ("enterprise", 30, 0, 201),
    ],
)
def test_plan_limits(plan: str, interval: int, threshold: int, status: int) -> None:
    with Sandbox(SandboxOptions(uptimerobot_plan=plan)) as sb:
        client = Client(sb.urls["uptimerobot"], UR_KEY)
        answer = client.post("/monitors", json=_monitor(interval, threshold))
        assert answer.status_code == status, answer.text
        assert client.get("/user/me").json()["activeSubscription"]["plan"] == plan.title()


def test_unknown_plan_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown plan"):
        Sandbox(SandboxOptions(uptimerobot_plan="gold"))
