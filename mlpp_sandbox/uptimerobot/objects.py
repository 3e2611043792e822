"""What the emulated UptimeRobot account holds: alert contacts, tags, monitors, incidents.

Stored the way the sandbox needs them (snake_case, inputs normalised); `views` turns each
into the JSON the API answers with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MONITOR_STATUSES = ("PAUSED", "STARTED", "UP", "LOOKS_DOWN", "DOWN")


@dataclass
class AlertContact:
    """An alert contact of the account (the sandbox has one e-mail contact).

    `status` (Active, Paused, NotActivated) and `enable_notifications_for` (UpAndDown,
    Down, Up, None) are the two fields that decide whether it pages anyone on DOWN.
    """

    id: int
    value: str
    type: str = "Email"
    friendly_name: str | None = None
    status: str = "Active"
    enable_notifications_for: str = "UpAndDown"


@dataclass
class Tag:
    """An account-level tag; monitors reference tags by name on input."""

    id: int
    name: str
    color: str


@dataclass
class AssignedContact:
    """An alert contact assigned to a monitor."""

    alert_contact_id: int
    threshold: int = 0
    recurrence: int = 0


@dataclass
class Monitor:
    """A monitor as stored: input fields normalised, server fields alongside."""

    id: int
    type: str
    friendly_name: str
    url: str
    interval: int | float
    timeout: int | float | None
    created_at: float
    status: str = "STARTED"
    status_since: float = 0.0
    http_method_type: str | None = None
    success_http_response_codes: list[str] = field(default_factory=lambda: ["2xx", "3xx"])
    follow_redirections: bool = True
    check_ssl_errors: bool = False
    ssl_expiration_reminder: bool = False
    domain_expiration_reminder: bool = False
    auth_type: str = "NONE"
    http_username: str = ""
    http_password: str = ""
    custom_http_headers: dict[str, Any] = field(default_factory=dict)
    post_value_data: Any = None
    post_value_type: str | None = None
    port: int | float | None = None
    grace_period: int | float | None = 30
    keyword_type: str | None = None
    keyword_case_type: int = 0
    keyword_value: str = ""
    config: dict[str, Any] | None = field(default_factory=dict)
    regional_data: dict[str, Any] = field(
        default_factory=lambda: {
            "REGION": ["na"],
            "MANUAL_SELECTED": False,
            "INFRASTRUCTURE": "New",
            "THRESHOLD": {},
        }
    )
    tags: list[str] = field(default_factory=list)
    """Tag names, in the order they were given."""
    alert_contacts: list[AssignedContact] = field(default_factory=list)
    group_id: int = 0
    custom_fields: dict[str, str] = field(default_factory=dict)
    response_time_ms: int | None = None
    """Seeded average response time, for the stats endpoint (None: no data)."""
    api_key: str = ""
    last_checked_at: float | None = None
    """When the latest check result sent through the control API was taken (`checks`)."""


@dataclass
class Incident:
    """A downtime (or slow response) of a monitor."""

    id: str
    monitor_id: int
    monitor_name: str
    started_at: float
    resolved_at: float | None = None
    type: str = "Downtime"
    cause: int = 333333
    """UptimeRobot's number for the failure: the HTTP status for an HTTP failure; 333333 is
    the sandbox's placeholder for the others (no source gives UptimeRobot's)."""
    reason: str = "Connection Timeout"
    http_response_code: int | None = None
    include_in_reports: bool = True

    @property
    def status(self) -> str:
        """``Resolved`` once resolved, else ``Ongoing``."""
        return "Resolved" if self.resolved_at is not None else "Ongoing"

    @property
    def duration(self) -> int | None:
        """Seconds from start to resolution; None while ongoing."""
        if self.resolved_at is None:
            return None
        return int(self.resolved_at - self.started_at)
