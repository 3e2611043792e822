"""The emulated UptimeRobot account: what it holds, how each write changes it, scenario helpers.

Every write is checked by `validation` first (its schema, then the plan), so a refused
request changes nothing. The account is a FREE plan with exactly one e-mail alert contact
unless the sandbox options say otherwise.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ..ids import IdSequence
from ..wire import HttpError, JsonValue, json_response
from .objects import MONITOR_STATUSES, AlertContact, AssignedContact, Incident, Monitor, Tag
from .validation import (
    KEYWORD_CASE_NAMES,
    PLAN_MIN_INTERVAL,
    ValidationFailed,
    as_int_if_whole,
    check_create,
    check_plan,
    check_update,
)

CONTACT_STATES = {
    "active": ("Active", "UpAndDown"),
    "not-activated": ("NotActivated", "UpAndDown"),
    "paused": ("Paused", "UpAndDown"),
    "up-only": ("Active", "Up"),
}
"""The seeded contact's (status, enableNotificationsFor) per `contact_state`: the words
UptimeRobot's Terraform provider reads (docs/vendors/uptimerobot.md)."""
FREE_PLAN_MONITOR_LIMIT = 50
TAG_COLORS = ("#3B82F6", "#10B981", "#F59E0B", "#EF4444", "#8B5CF6", "#EC4899")


def not_found(message: str = "Monitor not found") -> HttpError:
    """The 404 UptimeRobot answers for a missing object (observed live)."""
    return HttpError(json_response(404, {"message": message, "code": "000-004"}))


class UptimeRobotState:
    """Everything the emulated UptimeRobot account holds, plus scenario helpers.

    Not thread-safe by itself: the sandbox serialises access with one lock.
    """

    def __init__(
        self,
        *,
        contact_email: str,
        clock: Callable[[], float],
        seed: int = 0,
        monitor_limit: int = FREE_PLAN_MONITOR_LIMIT,
        plan: str = "free",
        list_lag: float = 0.0,
        list_lag_match: str | None = None,
        contact_state: str = "active",
    ) -> None:
        if plan not in PLAN_MIN_INTERVAL:
            raise ValueError(f"unknown plan {plan!r}: one of {', '.join(PLAN_MIN_INTERVAL)}")
        if list_lag < 0:
            raise ValueError("list_lag must not be negative")
        if contact_state not in CONTACT_STATES:
            raise ValueError(
                f"unknown contact state {contact_state!r}: one of {', '.join(CONTACT_STATES)}"
            )
        self.list_lag = list_lag
        self.list_lag_match = list_lag_match
        self.contact_state = contact_state
        self.contact_email = contact_email
        self.monitor_limit = monitor_limit
        self.plan = plan
        self._clock = clock
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget everything and seed the account afresh."""
        self.rng = random.Random(self._seed)
        self.user_id = 3_100_001
        self.monitors: dict[int, Monitor] = {}
        self.tags: dict[str, Tag] = {}
        self.incidents: dict[str, Incident] = {}
        self._monitor_ids = IdSequence(800_000_001)
        self._tag_ids = IdSequence(41_001)
        self._incident_ids = IdSequence(358_000_000_000_000_001)
        self._contact_ids = IdSequence(8_700_001)
        self.alert_contacts: dict[int, AlertContact] = {}
        self.add_alert_contact(self.contact_email)
        self.set_contact_state(self.contact_state)

    def now(self) -> float:
        """The sandbox clock."""
        return self._clock()

    # -- monitors ---------------------------------------------------------

    def get_monitor(self, monitor_id: int) -> Monitor:
        """The monitor with that id, or the API's 404."""
        monitor = self.monitors.get(monitor_id)
        if monitor is None:
            raise not_found()
        return monitor

    def readable(self, monitor: Monitor) -> bool:
        """Whether the read path (list, GET by id) shows the monitor yet (`list_lag`, for
        the monitors `list_lag_match` selects)."""
        wanted = self.list_lag_match
        if wanted is not None and wanted not in monitor.friendly_name and wanted not in monitor.url:
            return True
        return self.now() - monitor.created_at >= self.list_lag

    def create_monitor(self, body: JsonValue) -> Monitor:
        """Validate a POST /monitors body like the API and store the monitor."""
        monitor_type, body = check_create(body)
        check_plan(body, self.plan, self.alert_contacts)
        if len(self.monitors) >= self.monitor_limit:
            raise ValidationFailed([f"You have reached the monitor limit of {self.monitor_limit}."])
        now = self.now()
        monitor = Monitor(
            id=next(self._monitor_ids),
            type=monitor_type,
            friendly_name=body["friendlyName"],
            url=body.get("url", ""),
            interval=as_int_if_whole(body["interval"]),
            timeout=as_int_if_whole(body["timeout"]) if "timeout" in body else None,
            created_at=now,
            status_since=now,
            http_method_type={"HTTP": "HEAD", "KEYWORD": "HEAD", "API": "GET"}.get(monitor_type),
            grace_period=30 if monitor_type != "HEARTBEAT" else 300,
            api_key=f"hb-{self.rng.getrandbits(64):016x}" if monitor_type == "HEARTBEAT" else "",
        )
        self._apply(monitor, body)
        self.monitors[monitor.id] = monitor
        return monitor

    def update_monitor(self, monitor_id: int, body: JsonValue) -> Monitor:
        """Validate a PATCH /monitors/{id} body and apply it."""
        if not isinstance(body, dict):
            raise ValidationFailed(["body must be an object"])
        monitor = self.get_monitor(monitor_id)
        check_update(body, monitor.type)
        check_plan(body, self.plan, self.alert_contacts)
        self._apply(monitor, body)
        return monitor

    def delete_monitor(self, monitor_id: int) -> None:
        """Delete a monitor and its incidents."""
        self.get_monitor(monitor_id)
        del self.monitors[monitor_id]
        for incident_id in [i.id for i in self.incidents.values() if i.monitor_id == monitor_id]:
            del self.incidents[incident_id]

    def pause_monitor(self, monitor_id: int) -> Monitor:
        """Pause (idempotent)."""
        monitor = self.get_monitor(monitor_id)
        if monitor.status != "PAUSED":
            self._set_status(monitor, "PAUSED")
        return monitor

    def start_monitor(self, monitor_id: int) -> Monitor:
        """Start a paused monitor (idempotent on an active one)."""
        monitor = self.get_monitor(monitor_id)
        if monitor.status == "PAUSED":
            self._set_status(monitor, "STARTED")
        return monitor

    def reset_monitor(self, monitor_id: int) -> None:
        """Forget the monitor's incidents (its statistics)."""
        self.get_monitor(monitor_id)
        for incident_id in [i.id for i in self.incidents.values() if i.monitor_id == monitor_id]:
            del self.incidents[incident_id]

    def _set_status(self, monitor: Monitor, status: str) -> None:
        monitor.status = status
        monitor.status_since = self.now()

    def _apply(self, monitor: Monitor, body: dict[str, Any]) -> None:
        """Store the fields present in a validated body."""
        simple: dict[str, str] = {
            "friendlyName": "friendly_name",
            "url": "url",
            "httpMethodType": "http_method_type",
            "authType": "auth_type",
            "httpUsername": "http_username",
            "httpPassword": "http_password",
            "postValueData": "post_value_data",
            "postValueType": "post_value_type",
            "keywordType": "keyword_type",
            "checkSSLErrors": "check_ssl_errors",
            "sslExpirationReminder": "ssl_expiration_reminder",
            "domainExpirationReminder": "domain_expiration_reminder",
            "followRedirections": "follow_redirections",
        }
        for key, attribute in simple.items():
            if key in body:
                setattr(monitor, attribute, body[key])
        if body.get("httpMethodType", "") is None:
            # null resets the method to the type's default.
            monitor.http_method_type = "HEAD" if monitor.type in ("HTTP", "KEYWORD") else "GET"
        for key, attribute in (
            ("interval", "interval"),
            ("timeout", "timeout"),
            ("port", "port"),
            ("gracePeriod", "grace_period"),
        ):
            if key in body:
                setattr(monitor, attribute, as_int_if_whole(body[key]))
        if "keywordCaseType" in body:
            value = body["keywordCaseType"]
            monitor.keyword_case_type = KEYWORD_CASE_NAMES.get(value, value)
        if "keywordValue" in body:
            monitor.keyword_value = (body["keywordValue"] or "").strip()
        if "customHttpHeaders" in body:
            monitor.custom_http_headers = dict(body["customHttpHeaders"])
        if "successHttpResponseCodes" in body:
            monitor.success_http_response_codes = list(body["successHttpResponseCodes"])
        if "config" in body:
            monitor.config = self._merged_config(monitor.config, body["config"])
        if "regionData" in body:
            region = body["regionData"]
            monitor.regional_data = {
                "REGION": list(region["REGION"]),
                "MANUAL_SELECTED": bool(region.get("MANUAL_SELECTED", True)),
                "INFRASTRUCTURE": "New",
                "THRESHOLD": dict(region.get("THRESHOLD", {})),
            }
        elif "regionalData" in body:
            monitor.regional_data = {
                "REGION": [body["regionalData"]],
                "MANUAL_SELECTED": True,
                "INFRASTRUCTURE": "New",
                "THRESHOLD": {},
            }
        if "tagNames" in body:
            monitor.tags = []
            for name in body["tagNames"]:
                self._tag(name)
                if name not in monitor.tags:
                    monitor.tags.append(name)
        if "assignedAlertContacts" in body:
            assigned: dict[int, AssignedContact] = {}
            for item in body["assignedAlertContacts"]:
                contact_id = int(item["alertContactId"])
                assigned[contact_id] = AssignedContact(
                    contact_id, int(item["threshold"]), int(item["recurrence"])
                )
            monitor.alert_contacts = list(assigned.values())

    @staticmethod
    def _merged_config(
        current: dict[str, Any] | None, patch: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        # Spec: top-level shallow merge; a null key removes it; null clears all.
        if patch is None:
            return None
        merged = dict(current or {})
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged

    def _tag(self, name: str) -> Tag:
        tag = self.tags.get(name)
        if tag is None:
            tag_id = next(self._tag_ids)
            tag = Tag(id=tag_id, name=name, color=TAG_COLORS[tag_id % len(TAG_COLORS)])
            self.tags[name] = tag
        return tag

    # -- scenario helpers -------------------------------------------------

    def set_contact_state(self, state: str) -> None:
        """Put the seeded contact in one of `CONTACT_STATES` (e.g. never confirmed)."""
        status, notifies = CONTACT_STATES[state]
        self.contact_state = state
        for contact in self.alert_contacts.values():
            if contact.value == self.contact_email:
                contact.status, contact.enable_notifications_for = status, notifies

    def add_alert_contact(self, value: str, *, contact_type: str = "Email") -> AlertContact:
        """Add an alert contact to the account (the seed has only the e-mail one)."""
        contact = AlertContact(id=next(self._contact_ids), value=value, type=contact_type)
        self.alert_contacts[contact.id] = contact
        return contact

    def set_monitor_status(
        self,
        monitor_id: int,
        status: str,
        *,
        since: float | None = None,
        response_time_ms: int | None = None,
    ) -> Monitor:
        """Force a monitor's status (UP, DOWN, LOOKS_DOWN, PAUSED, STARTED)."""
        if status not in MONITOR_STATUSES:
            raise ValueError(f"status must be one of {', '.join(MONITOR_STATUSES)}")
        monitor = self.get_monitor(monitor_id)
        monitor.status = status
        monitor.status_since = self.now() if since is None else since
        if response_time_ms is not None:
            monitor.response_time_ms = response_time_ms
        return monitor

    def add_incident(
        self,
        monitor_id: int,
        *,
        started_at: float | None = None,
        resolved_at: float | None = None,
        reason: str = "Connection Timeout",
        cause: int = 333333,
        incident_type: str = "Downtime",
        http_response_code: int | None = None,
    ) -> Incident:
        """Record an incident; an ongoing one also turns the monitor DOWN."""
        monitor = self.get_monitor(monitor_id)
        start = self.now() if started_at is None else started_at
        incident = Incident(
            id=str(next(self._incident_ids)),
            monitor_id=monitor.id,
            monitor_name=monitor.friendly_name,
            started_at=start,
            resolved_at=resolved_at,
            type=incident_type,
            cause=cause,
            reason=reason,
            http_response_code=http_response_code,
        )
        self.incidents[incident.id] = incident
        if resolved_at is None and monitor.status != "PAUSED":
            monitor.status = "DOWN"
            monitor.status_since = start
        return incident

    def resolve_incident(self, incident_id: str, *, at: float | None = None) -> Incident:
        """Resolve an incident; its monitor goes back UP if it was DOWN."""
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise KeyError(incident_id)
        incident.resolved_at = self.now() if at is None else at
        monitor = self.monitors.get(incident.monitor_id)
        if monitor is not None and monitor.status in ("DOWN", "LOOKS_DOWN"):
            monitor.status = "UP"
            monitor.status_since = incident.resolved_at
        return incident

    # -- queries ----------------------------------------------------------

    def last_incident(self, monitor_id: int) -> Incident | None:
        """The monitor's most recent incident."""
        mine = [i for i in self.incidents.values() if i.monitor_id == monitor_id]
        return max(mine, key=lambda i: (i.started_at, int(i.id))) if mine else None
