"""UptimeRobot alert contacts: whether one can really page someone when a monitor goes down.

A monitor pages through its alert contacts. A contact whose e-mail address was never
confirmed, that is paused, or that is not set to notify on DOWN is accepted by the API and
then pages nobody: the exact failure the runbook's checkpoint A2 exists to catch. So the
provider refuses such a contact before creating anything, and `status` and `discover`
show each contact's state.

`GET /user/alert-contacts` gives `status` and `enableNotificationsFor`; the OpenAPI
document types neither (`{}`). UptimeRobot's Terraform provider reads both as a word or as
its number: status 0 NotActivated, 1 Paused, 2 Active, 5 ToMigrate; notifications 0
UpAndDown, 1 Down, 2 Up, 3 None (docs/vendors/uptimerobot.md cites the source).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

STATUS_WORDS = {0: "NotActivated", 1: "Paused", 2: "Active", 5: "ToMigrate"}
NOTIFY_WORDS = {0: "UpAndDown", 1: "Down", 2: "Up", 3: "None"}
SILENT_ON_DOWN = frozenset({"Up", "None"})
"""Notification settings that tell nobody when a monitor goes down."""


def _word(value: Any, numbers: Mapping[int, str]) -> str | None:
    """The vendor's word for a field sent as a word or as its number (None when absent)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return numbers.get(int(value), str(int(value)))
    text = str(value).strip()
    if text.isdigit():
        return numbers.get(int(text), text)
    # Words are compared without case or separators ("not_activated", "NotActivated").
    wanted = text.replace("_", "").replace("-", "").replace(" ", "").lower()
    for word in numbers.values():
        if word.lower() == wanted:
            return word
    return text or None


@dataclass(frozen=True)
class ContactState:
    """One alert contact of the account, as far as paging is concerned."""

    id: int
    value: str
    type: str | None
    status: str | None
    """Active, Paused, NotActivated, ToMigrate (or what the API said; None: not said)."""
    notifies_on: str | None
    """UpAndDown, Down, Up, None (or what the API said; None: not said)."""

    @classmethod
    def from_api(cls, contact: Mapping[str, Any]) -> ContactState:
        """A contact of `GET /user/alert-contacts`, whichever form its fields take."""
        return cls(
            id=int(contact["id"]),
            value=str(contact.get("value") or ""),
            type=None if contact.get("type") is None else str(contact.get("type")),
            status=_word(contact.get("status"), STATUS_WORDS),
            notifies_on=_word(contact.get("enableNotificationsFor"), NOTIFY_WORDS),
        )

    def problem(self) -> str | None:
        """Why this contact cannot page anyone on DOWN and what to do; None when it can
        (or when the API did not say: an unknown state is shown, never refused)."""
        if self.status == "NotActivated":
            return (
                "its address was never confirmed (status NotActivated): open the "
                "confirmation e-mail UptimeRobot sent to it, or resend it from UptimeRobot > "
                "Alert Contacts, then run again"
            )
        if self.status == "Paused":
            return (
                "it is paused in UptimeRobot (status Paused): activate it again in "
                "UptimeRobot > Alert Contacts, then run again"
            )
        if self.notifies_on in SILENT_ON_DOWN:
            return (
                f"it is not set to notify when a monitor goes down (enableNotificationsFor "
                f"{self.notifies_on}): set it to notify on Down (or Up and Down) in UptimeRobot "
                "> Alert Contacts, then run again"
            )
        return None

    @property
    def can_page(self) -> bool:
        """Whether a DOWN reaches someone through this contact, as far as the API says."""
        return self.problem() is None

    def describe(self) -> str:
        """Its state in a few words, e.g. `Active, notifies on UpAndDown`."""
        status = self.status or "status unknown"
        notifies = (
            f"notifies on {self.notifies_on}" if self.notifies_on else "notifications unknown"
        )
        return f"{status}, {notifies}"


def contact_states(contacts: Iterable[Mapping[str, Any]]) -> dict[str, ContactState]:
    """The account's contacts by value (the key the stack config names them by)."""
    return {state.value: state for state in map(ContactState.from_api, contacts)}
