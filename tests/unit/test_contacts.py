"""Alert contacts: their state read in either form the API uses, and what it means."""

from __future__ import annotations

from typing import Any

import pytest

from mlpp_monitoring.uptimerobot.contacts import ContactState, contact_states


def _contact(**fields: Any) -> dict[str, Any]:
    return {"id": 8700001, "value": "ops@monaluxe.app", "type": "Email", **fields}


@pytest.mark.parametrize(
    ("status", "notifies", "expected"),
    [
        ("Active", "UpAndDown", ("Active", "UpAndDown", True)),
        (2, 0, ("Active", "UpAndDown", True)),
        ("2", "1", ("Active", "Down", True)),
        ("active", "down", ("Active", "Down", True)),
        (0, 0, ("NotActivated", "UpAndDown", False)),
        ("not_activated", "UpAndDown", ("NotActivated", "UpAndDown", False)),
        (1, "UpAndDown", ("Paused", "UpAndDown", False)),
        ("Active", 2, ("Active", "Up", False)),
        ("Active", "None", ("Active", "None", False)),
        (5, 0, ("ToMigrate", "UpAndDown", True)),
        (None, None, (None, None, True)),
    ],
)
def test_state_in_words_or_numbers(status: Any, notifies: Any, expected: tuple[Any, ...]) -> None:
    state = ContactState.from_api(_contact(status=status, enableNotificationsFor=notifies))
    assert (state.status, state.notifies_on, state.can_page) == expected


def test_an_unknown_state_is_shown_not_refused() -> None:
    # ToMigrate or a word the API adds later: shown by status and discover, never refused.
    state = ContactState.from_api(_contact(status="Suspended", enableNotificationsFor=7))
    assert (state.status, state.notifies_on) == ("Suspended", "7")
    assert state.problem() is None and "Suspended" in state.describe()


def test_contacts_are_keyed_by_value() -> None:
    states = contact_states([_contact(), _contact(id=2, value="sms", type="ProSms")])
    assert sorted(states) == ["ops@monaluxe.app", "sms"]
    assert states["sms"].id == 2
