"""Level 0 for `status`: what UptimeRobot says of each declared monitor, in few calls.

One list of the account's monitors (one page of 200: a free account holds 50), the alert
contacts when a declared monitor was found (who a DOWN pages, and whether it can), then
per declared monitor found: its 24 h uptime and response time, and for a monitor that is
down the ongoing incident (`GET /incidents/{lastIncidentId}`, which has the HTTP code; a
list of the monitor's incidents first when it names none). At most 2 + 4 per monitor.
A declared monitor is found by its natural key (`uptimerobot.monitor.natural_key`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlpp_monitoring.commands.status.model import (
    Availability,
    CauseKind,
    ContactView,
    IncidentView,
    MonitorState,
    MonitorView,
    Problem,
    as_int,
    as_number,
    iso,
    iso_of,
    problem_of,
)
from mlpp_monitoring.config import MonitorConfig
from mlpp_monitoring.http import ApiError
from mlpp_monitoring.uptimerobot.api import UptimeRobotApi
from mlpp_monitoring.uptimerobot.contacts import ContactState, contact_states
from mlpp_monitoring.uptimerobot.monitor import natural_key

_STATES: dict[str, MonitorState] = {
    "UP": "up",
    "DOWN": "down",
    "LOOKS_DOWN": "looks_down",
    "PAUSED": "paused",
    "STARTED": "not_checked_yet",
}
_TIMEOUT_CAUSE = 333333  # UptimeRobot's code for "Connection Timeout"


def _cause(reason: str, code: int | None, http_code: int | None) -> CauseKind:
    # UptimeRobot documents no list of causes: read its reason text first (an SSL or
    # keyword failure can come with an HTTP 200), then its codes.
    text = reason.lower()
    if "ssl" in text or "certificate" in text or "tls" in text:
        return "ssl"
    if "keyword" in text:
        return "keyword"
    if "timeout" in text or "timed out" in text or code == _TIMEOUT_CAUSE:
        return "timeout"
    if http_code is not None:
        return "http"
    return "other"


def _ongoing(incident: Mapping[str, Any]) -> bool:
    return (
        incident.get("resolvedAt") is None and str(incident.get("status", "")).lower() != "resolved"
    )


def _current_incident(api: UptimeRobotApi, live: Mapping[str, Any]) -> IncidentView | None:
    """The ongoing incident of a monitor that is not up: 1 call, 2 if the monitor's
    `lastIncident` is not the ongoing one."""
    last: Mapping[str, Any] = live.get("lastIncident") or {}
    incident_id = live.get("lastIncidentId") or last.get("id")
    summary: Mapping[str, Any] | None = last if incident_id and _ongoing(last) else None
    if summary is None:
        recent = api.recent_incidents(str(live["id"]))
        summary = next((i for i in recent if _ongoing(i)), None)
        if summary is None:
            return None
        incident_id = summary.get("id")
    detail = api.get_incident(str(incident_id)) or {}
    source: Mapping[str, Any] = detail or summary
    root: Mapping[str, Any] = detail.get("rootCause") or {}
    reason = str(source.get("reason") or "")
    code = as_int(source.get("cause"))
    http_code = as_int(root.get("httpResponseCode"))
    if http_code is None and code is not None and 100 <= code <= 599:
        http_code = code
    return IncidentView(
        id=str(incident_id),
        started_at=iso_of(source.get("startedAt")),
        reason=reason,
        cause=_cause(reason, code, http_code),
        cause_code=code,
        http_code=http_code,
    )


def _contact_views(
    live: Mapping[str, Any], contacts: Mapping[int, ContactState] | None
) -> list[ContactView]:
    """The monitor's assigned contacts and their state (None: the contacts were unread)."""
    views: list[ContactView] = []
    for assigned in live.get("assignedAlertContacts") or []:
        id_ = as_int(assigned.get("alertContactId"))
        state = None if contacts is None or id_ is None else contacts.get(id_)
        if state is None:
            views.append(
                ContactView(value=f"id:{id_}", status=None, notifies_on=None, can_page=None)
            )
            continue
        views.append(
            ContactView(
                value=state.value,
                status=state.status,
                notifies_on=state.notifies_on,
                can_page=state.can_page,
            )
        )
    return sorted(views, key=lambda v: v.value)


def _monitor_view(
    api: UptimeRobotApi,
    key: str,
    config: MonitorConfig,
    live: Mapping[str, Any],
    now: float,
    contacts: Mapping[int, ContactState] | None,
) -> MonitorView:
    vendor_status = str(live.get("status") or "")
    state: MonitorState = _STATES.get(vendor_status, "unknown")
    duration = as_int(live.get("currentStateDuration"))
    id_ = str(live["id"])
    notes: list[str] = []
    uptime: float | None = None
    response_ms: float | None = None
    incident: IncidentView | None = None
    # The state is known from the list: a failed read below is noted, the answer kept.
    # The incident first: it is the "why" the person on call is waiting for.
    if state in ("down", "looks_down"):
        try:
            incident = _current_incident(api, live)
            if incident is None:
                notes.append("aucun incident en cours enregistré par UptimeRobot")
        except ApiError as error:
            notes.append(f"incident illisible : {error}")
    try:
        uptime = as_number(api.uptime_stats(id_).get("uptime"))
        summary = api.response_time_stats(id_).get("summary") or {}
        response_ms = as_number(summary.get("avg"))
    except ApiError as error:
        notes.append(f"statistiques 24 h indisponibles : {error}")
    note = " ; ".join(notes) or None
    return MonitorView(
        key=key,
        name=config.name,
        url=config.url,
        owner=config.owner,
        id=id_,
        state=state,
        vendor_status=vendor_status or None,
        since=None if duration is None else iso(now - duration),
        for_seconds=duration,
        uptime_24h=uptime,
        response_time_ms=response_ms,
        incident=incident,
        alert_contacts=_contact_views(live, contacts),
        note=note,
    )


def _unknown_monitor(
    key: str, config: MonitorConfig, state: MonitorState, note: str | None
) -> MonitorView:
    return MonitorView(
        key=key,
        name=config.name,
        url=config.url,
        owner=config.owner,
        id=None,
        state=state,
        vendor_status=None,
        since=None,
        for_seconds=None,
        uptime_24h=None,
        response_time_ms=None,
        incident=None,
        alert_contacts=[],
        note=note,
    )


def collect_availability(
    api: UptimeRobotApi | None,
    problem: Problem | None,
    monitors: Mapping[str, MonitorConfig],
    now: float,
) -> Availability:
    """Every declared monitor, matched by exact name and URL in one list call."""
    if api is None:
        return Availability(
            checked=False,
            problem=problem,
            monitors=[_unknown_monitor(k, m, "unknown", None) for k, m in monitors.items()],
        )
    try:
        live, more = api.monitors_page()
    except ApiError as error:
        return collect_availability(None, problem_of(error), monitors, now)
    # By the natural key (the API may answer names and URLs HTML-escaped).
    index = {natural_key(m): m for m in live}
    contacts: dict[int, ContactState] | None = None
    contacts_note: str | None = None
    if any((m.name, m.url) in index for m in monitors.values()):
        try:
            contacts = {c.id: c for c in contact_states(api.alert_contacts()).values()}
        except ApiError as error:
            contacts_note = f"contacts d'alerte illisibles : {error}"
    views: list[MonitorView] = []
    for key, config in monitors.items():
        found = index.get((config.name, config.url))
        if found is None:
            note = "aucun moniteur de ce nom et de cette URL dans le compte"
            if more:
                note += " (seuls les 200 premiers moniteurs ont été lus)"
            views.append(
                _unknown_monitor(key, config, "not_found", note + " : `pulumi up` le crée")
            )
            continue
        view = _monitor_view(api, key, config, found, now, contacts)
        if contacts_note:
            note = "; ".join(n for n in (view.note, contacts_note) if n)
            view = view.model_copy(update={"note": note})
        views.append(view)
    return Availability(checked=True, problem=None, monitors=views)
