"""Request bodies as a person (or the vendor's UI) would send them, written from the
vendor docs (docs/vendors/) and the specs, independent of the providers' own mapping under test."""

from __future__ import annotations

from typing import Any


def workflow_body(detector_id: int | str, **overrides: Any) -> dict[str, Any]:
    """The runbook's rule 2: first seen OR more than 10 events in 5 minutes."""
    body: dict[str, Any] = {
        "name": "[mlpp-web] Frequent issue (production)",
        "enabled": True,
        "environment": "production",
        "config": {"frequency": 1440},
        "detectorIds": [int(detector_id)],
        "triggers": {
            "logicType": "any-short",
            "conditions": [
                {"type": "first_seen_event", "comparison": True, "conditionResult": True},
                {
                    "type": "event_frequency_count",
                    "comparison": {"value": 10, "interval": "5m"},
                    "conditionResult": True,
                },
            ],
        },
        "actionFilters": [
            {
                "logicType": "all",
                "conditions": [],
                "actions": [
                    {
                        "type": "email",
                        "integrationId": None,
                        "data": {"fallthroughType": "AllMembers"},
                        "config": {
                            "targetType": "issue_owners",
                            "targetIdentifier": None,
                            "targetDisplay": None,
                        },
                    }
                ],
            }
        ],
    }
    body.update(overrides)
    return body


def http_monitor(contact_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid UptimeRobot `POST /monitors` body for the free plan (HTTP, one contact)."""
    body: dict[str, Any] = {
        "friendlyName": "monaluxe.app",
        "type": "HTTP",
        "url": "https://monaluxe.app",
        "interval": 300,
        "timeout": 30,
        "assignedAlertContacts": [{"alertContactId": contact_id, "threshold": 0, "recurrence": 0}],
    }
    body.update(overrides)
    return body
