"""``/_sandbox/...``: inspect and steer a running sandbox (state, reset, journal, faults,
scenario seeding, events and check results the accounts react to as the vendors do). No
auth, never journaled, not part of any vendor contract."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from .faults import Fault, FaultPlan
from .journal import JournalEntry
from .sentry import SentryState
from .sentry import views as sentry_views
from .uptimerobot import UptimeRobotState
from .uptimerobot import views as uptimerobot_views
from .wire import ApiRequest, ApiResponse, BodyError, HttpError, json_response, parse_iso


class Steered(Protocol):
    """What the control API inspects and steers: the `Sandbox`."""

    @property
    def lock(self) -> AbstractContextManager[Any]:
        """Held while a scenario changes the accounts."""
        ...

    @property
    def faults(self) -> FaultPlan:
        """The armed faults."""
        ...

    @property
    def uptimerobot(self) -> UptimeRobotState:
        """The UptimeRobot account."""
        ...

    @property
    def sentry(self) -> SentryState:
        """The Sentry organisation."""
        ...

    @property
    def journal(self) -> list[JournalEntry]:
        """The vendor requests so far."""
        ...

    def snapshot(self) -> dict[str, Any]:
        """Everything, credentials excluded."""
        ...

    def reset(self) -> None:
        """Reseed both accounts; clear faults, journal and rate-limit window."""
        ...


class ControlApi:
    """``/_sandbox/...``: inspect and steer the sandbox (not a vendor API)."""

    def __init__(self, sandbox: Steered) -> None:
        self.sandbox = sandbox

    def handle(self, request: ApiRequest) -> ApiResponse:
        route = (request.method, request.path.rstrip("/"))
        try:
            return self._dispatch(route, request.json())
        except BodyError as error:
            return json_response(400, {"error": f"invalid JSON: {error}"})
        except HttpError as error:
            # A vendor error (e.g. the monitor does not exist) surfaced by a helper.
            return json_response(error.response.status, {"error": error.response.body})
        except (ValueError, TypeError, KeyError) as error:
            return json_response(400, {"error": f"{type(error).__name__}: {error}"})

    def _dispatch(self, route: tuple[str, str], body: Any) -> ApiResponse:
        sandbox = self.sandbox
        method, path = route
        if route == ("GET", "/_sandbox/state"):
            return json_response(200, sandbox.snapshot())
        if route == ("POST", "/_sandbox/reset"):
            sandbox.reset()
            return json_response(200, {"reset": True})
        if route == ("GET", "/_sandbox/journal"):
            return json_response(200, sandbox.journal)
        if path == "/_sandbox/faults":
            if method == "GET":
                return json_response(200, sandbox.faults.describe())
            if method == "DELETE":
                sandbox.faults.clear()
                return json_response(200, [])
            if method == "POST":
                items = body if isinstance(body, list) else [body]
                added = [sandbox.faults.add(Fault.from_json(item)) for item in items]
                return json_response(201, [fault.describe() for fault in added])
        return self._scenario(route, body)

    def _scenario(self, route: tuple[str, str], body: Any) -> ApiResponse:
        """Seed statuses, incidents, issues and environments for scenarios; take events and
        check results as the vendors would."""
        sandbox = self.sandbox
        method, path = route
        data: dict[str, Any] = body if isinstance(body, dict) else {}
        parts = path.split("/")
        with sandbox.lock:
            # Imported here: they use the provider's evaluator, whose modules load Pulumi's
            # SDK; no other endpoint needs it, and a sandbox starts faster without it.
            if route == ("POST", "/_sandbox/sentry/events"):
                from .sentry import events

                return json_response(200, events.receive(sandbox.sentry, body))
            if route == ("POST", "/_sandbox/uptimerobot/checks"):
                from .uptimerobot import checks

                return json_response(200, checks.receive(sandbox.uptimerobot, body))
            if (
                method == "POST"
                and parts[2:4] == ["uptimerobot", "monitors"]
                and parts[-1] == "status"
            ):
                monitor = sandbox.uptimerobot.set_monitor_status(
                    int(parts[4]),
                    data["status"],
                    since=_epoch(data.get("since")),
                    response_time_ms=data.get("responseTimeMs"),
                )
                return json_response(
                    200, uptimerobot_views.monitor_view(sandbox.uptimerobot, monitor, shuffle=False)
                )
            if route == ("POST", "/_sandbox/uptimerobot/incidents"):
                incident = sandbox.uptimerobot.add_incident(
                    int(data["monitorId"]),
                    started_at=_epoch(data.get("startedAt")),
                    resolved_at=_epoch(data.get("resolvedAt")),
                    reason=data.get("reason", "Connection Timeout"),
                    cause=int(data.get("cause", 333333)),
                    http_response_code=_optional_int(data.get("httpResponseCode")),
                )
                return json_response(201, uptimerobot_views.incident_summary(incident))
            if route == ("POST", "/_sandbox/sentry/issues"):
                issue = sandbox.sentry.add_issue(
                    data["title"],
                    project=data.get("project"),
                    environment=data.get("environment", "production"),
                    level=data.get("level", "error"),
                    status=data.get("status", "unresolved"),
                    count=int(data.get("count", 1)),
                    user_count=int(data.get("userCount", 1)),
                    first_seen=_epoch(data.get("firstSeen")),
                    last_seen=_epoch(data.get("lastSeen")),
                    culprit=data.get("culprit", ""),
                    metadata=data.get("metadata"),
                    substatus=data.get("substatus", "new"),
                )
                return json_response(
                    201, sentry_views.issue_view(sandbox.sentry, issue, org_shape=False)
                )
            if (
                method == "POST"
                and parts[2:4] == ["sentry", "workflows"]
                and len(parts) == 6
                and parts[-1] == "trigger"
            ):
                workflow = sandbox.sentry.trigger_workflow(parts[4], at=_epoch(data.get("at")))
                return json_response(
                    200, sentry_views.workflow_view(sandbox.sentry, workflow, shuffle=False)
                )
            if route == ("POST", "/_sandbox/sentry/environments"):
                env = sandbox.sentry.add_environment(data["name"], hidden=bool(data.get("hidden")))
                return json_response(201, {"id": str(env.id), "name": env.name})
            if method == "DELETE" and parts[2:4] == ["sentry", "environments"] and len(parts) == 5:
                sandbox.sentry.remove_environment(parts[4])
                return json_response(200, {"removed": parts[4]})
        return json_response(404, {"error": f"no control endpoint {method} {path}"})


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _epoch(value: Any) -> float | None:
    """Accept epoch seconds or an ISO-8601 string in control requests."""
    if value is None or isinstance(value, int | float):
        return value
    return parse_iso(str(value))
