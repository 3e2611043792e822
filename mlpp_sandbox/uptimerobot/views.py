"""The emulated account as UptimeRobot's API answers it: each DTO, read-back traps included.

``friendlyName`` and ``url`` come back HTML-escaped, tags as objects, alert contacts in a
random (seeded) order, ``keywordCaseType`` as 0/1, custom header names lower-cased
(``docs/vendors/uptimerobot.md``).
"""

from __future__ import annotations

import html
from typing import Any

from ..wire import iso_milli
from .objects import AlertContact, AssignedContact, Incident, Monitor, Tag
from .state import UptimeRobotState


def alert_contact_view(contact: AlertContact) -> dict[str, Any]:
    """The AlertContactDto the API answers with."""
    return {
        "id": contact.id,
        "friendlyName": contact.friendly_name,
        "type": contact.type,
        "value": contact.value,
        "customValue": None,
        "enableNotificationsFor": contact.enable_notifications_for,
        "sslExpirationReminder": True,
        "httpUsername": None,
        "httpPassword": None,
        "authType": True,
        "customHeaders": None,
        "mobileProviderId": None,
        "status": contact.status,
        "orgAlertContactId": None,
        "config": None,
    }


def tag_view(tag: Tag) -> dict[str, Any]:
    """The tag object of a monitor read-back."""
    return {"id": tag.id, "name": tag.name, "color": tag.color}


def assigned_contact_view(assigned: AssignedContact) -> dict[str, Any]:
    """The assignedAlertContacts item of a monitor read-back."""
    return {
        "alertContactId": assigned.alert_contact_id,
        "threshold": assigned.threshold,
        "recurrence": assigned.recurrence,
    }


def monitor_view(
    state: UptimeRobotState, monitor: Monitor, *, shuffle: bool = True
) -> dict[str, Any]:
    """The MonitorDto the API answers with, read-back traps included."""
    contacts = [assigned_contact_view(c) for c in monitor.alert_contacts]
    if shuffle:
        state.rng.shuffle(contacts)
    last = state.last_incident(monitor.id)
    return {
        "type": monitor.type,
        "interval": monitor.interval,
        "sslBrand": None,
        "sslExpiryDateTime": None,
        "domainExpireDate": None,
        "checkSSLErrors": monitor.check_ssl_errors,
        "sslExpirationReminder": monitor.ssl_expiration_reminder,
        "domainExpirationReminder": monitor.domain_expiration_reminder,
        "followRedirections": monitor.follow_redirections,
        "authType": monitor.auth_type,
        "httpUsername": monitor.http_username,
        "httpPassword": monitor.http_password,
        "customHttpHeaders": {k.lower(): v for k, v in monitor.custom_http_headers.items()},
        "httpMethodType": monitor.http_method_type,
        "successHttpResponseCodes": list(monitor.success_http_response_codes),
        "timeout": monitor.timeout,
        "postValueData": monitor.post_value_data,
        "postValueType": monitor.post_value_type,
        "port": monitor.port,
        "gracePeriod": monitor.grace_period,
        "keywordValue": monitor.keyword_value,
        "keywordCaseType": monitor.keyword_case_type,
        "keywordType": monitor.keyword_type,
        "responseTimeThreshold": 0,
        "config": None if monitor.config is None else dict(monitor.config),
        "regionalData": dict(monitor.regional_data),
        "maintenanceWindows": [],
        "psps": [],
        "id": monitor.id,
        "friendlyName": html.escape(monitor.friendly_name, quote=False),
        "status": monitor.status,
        "url": html.escape(monitor.url, quote=False),
        "currentStateDuration": max(0, int(state.now() - monitor.status_since)),
        "lastIncidentId": last.id if last else None,
        "userId": state.user_id,
        "tags": [tag_view(state.tags[name]) for name in monitor.tags],
        "assignedAlertContacts": contacts,
        "lastIncident": _last_incident(last),
        "lastDayUptimes": {"bucketSize": 0, "histogram": []},
        "createDateTime": iso_milli(monitor.created_at),
        "apiKey": monitor.api_key,
        "groupId": monitor.group_id,
        "customFields": dict(monitor.custom_fields),
    }


def _last_incident(incident: Incident | None) -> dict[str, Any] | None:
    if incident is None:
        return None
    return {
        "id": incident.id,
        "status": incident.status,
        "cause": incident.cause,
        "reason": incident.reason,
        "startedAt": iso_milli(incident.started_at),
        "duration": incident.duration,
    }


def incident_summary(incident: Incident) -> dict[str, Any]:
    """An item of GET /incidents."""
    return {
        "id": incident.id,
        "status": incident.status,
        "type": incident.type,
        "cause": incident.cause,
        "reason": incident.reason,
        "monitor": {"id": incident.monitor_id, "friendlyName": incident.monitor_name},
        "commentsCount": 0,
        "startedAt": iso_milli(incident.started_at),
        "resolvedAt": None if incident.resolved_at is None else iso_milli(incident.resolved_at),
        "duration": incident.duration,
        "includeInReports": incident.include_in_reports,
    }


def incident_detail(state: UptimeRobotState, incident: Incident) -> dict[str, Any]:
    """GET /incidents/{id}."""
    monitor = state.monitors.get(incident.monitor_id)
    url = f"HEAD {monitor.url}" if monitor else ""
    return {
        "id": incident.id,
        "status": incident.status,
        "cause": incident.cause,
        "reason": incident.reason,
        "duration": incident.duration,
        "startedAt": iso_milli(incident.started_at),
        "resolvedAt": None if incident.resolved_at is None else iso_milli(incident.resolved_at),
        "rootCause": {
            "url": url,
            "requestHeaders": {"Connection": "close"},
            "responseHeaders": {},
            "httpResponseCode": incident.http_response_code,
            "responseDownloadUrl": "",
        },
    }


def user_view(state: UptimeRobotState) -> dict[str, Any]:
    """GET /user/me: the account and its plan."""
    return {
        "email": state.contact_email,
        "fullName": "Sandbox Account",
        "monitorsCount": len(state.monitors),
        "monitorLimit": state.monitor_limit,
        "smsCredits": 0,
        "activeSubscription": {
            "plan": state.plan.title(),
            "monitorLimit": state.monitor_limit,
            "status": "active",
        },
    }


def snapshot(state: UptimeRobotState) -> dict[str, Any]:
    """Everything, for GET /_sandbox/state (no random order, no escaping traps)."""
    return {
        "account": user_view(state),
        "alertContacts": [alert_contact_view(c) for c in state.alert_contacts.values()],
        "tags": [tag_view(t) for t in state.tags.values()],
        "monitors": [
            {
                **monitor_view(state, m, shuffle=False),
                "friendlyName": m.friendly_name,
                "url": m.url,
                "responseTimeMs": m.response_time_ms,
            }
            for m in state.monitors.values()
        ],
        "incidents": [incident_summary(i) for i in state.incidents.values()],
    }
