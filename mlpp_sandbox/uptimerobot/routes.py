"""UptimeRobot's API v3 on the wire: paths, authentication, errors, pages (`UptimeRobotEmulator`).

Each route reads or changes the `UptimeRobotState` and answers with `views`; the shapes of
errors, pages and statuses are the live API's (see the package's docstring).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from ..wire import (
    ApiRequest,
    ApiResponse,
    BodyError,
    HttpError,
    JsonValue,
    Router,
    empty_response,
    iso_milli,
    json_response,
    parse_iso,
)
from . import views
from .objects import MONITOR_STATUSES, Incident, Monitor
from .state import UptimeRobotState, not_found
from .validation import ValidationFailed

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def bad_request(messages: list[str]) -> ApiResponse:
    """NestJS' validation answer, as observed live."""
    return json_response(400, {"message": messages, "error": "Bad Request", "statusCode": 400})


def unauthorized() -> ApiResponse:
    """The 401 for a missing or wrong API key (observed live)."""
    return json_response(401, {"message": "Invalid token.", "code": "003-005"})


def _monitor_id(text: str) -> int:
    if not text.isdigit():
        raise HttpError(
            json_response(
                400,
                {
                    "message": "Validation failed (numeric string is expected)",
                    "error": "Bad Request",
                    "statusCode": 400,
                },
            )
        )
    return int(text)


def _number_param(request: ApiRequest, name: str, messages: list[str]) -> float | None:
    raw = request.first(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        messages.append(f"{name} must be a number conforming to the specified constraints")
        return None


class UptimeRobotEmulator:
    """Routes ``/v3/...`` requests to handlers over an :class:`UptimeRobotState`."""

    def __init__(self, state: UptimeRobotState, api_key: str) -> None:
        self.state = state
        self._api_key = api_key
        self._router = Router()
        monitor = r"/v3/monitors/(?P<id>[^/]+)"
        self._router.add("GET", r"/v3/monitors/?", self._list_monitors)
        self._router.add("POST", r"/v3/monitors/?", self._create_monitor)
        self._router.add("GET", monitor, self._get_monitor)
        self._router.add("PATCH", monitor, self._update_monitor)
        self._router.add("DELETE", monitor, self._delete_monitor)
        self._router.add("POST", monitor + "/pause", self._pause_monitor)
        self._router.add("POST", monitor + "/start", self._start_monitor)
        self._router.add("POST", monitor + "/reset", self._reset_monitor)
        self._router.add("GET", monitor + "/stats/uptime", self._uptime_stats)
        self._router.add("GET", monitor + "/stats/response-time", self._response_time_stats)
        self._router.add("GET", r"/v3/user/me", self._me)
        self._router.add("GET", r"/v3/user/alert-contacts", self._alert_contacts)
        self._router.add("GET", r"/v3/incidents/?", self._list_incidents)
        self._router.add("GET", r"/v3/incidents/(?P<id>[^/]+)", self._get_incident)

    def authenticate(self, request: ApiRequest) -> ApiResponse | None:
        """None if the Bearer key matches, else the API's 401."""
        header = request.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self._api_key:
            return unauthorized()
        return None

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer an authenticated request."""
        route = self._router.resolve(request.method, request.path)
        if route.handler is None or route.match is None:
            # NestJS answers 404 for unknown routes and for wrong methods alike.
            return json_response(
                404,
                {
                    "message": f"Cannot {request.method} {request.path}",
                    "error": "Not Found",
                    "statusCode": 404,
                },
            )
        try:
            return route.handler(request, route.match)
        except HttpError as error:
            return error.response
        except ValidationFailed as error:
            return bad_request(error.messages)

    def not_found_response(self) -> ApiResponse:
        """The answer a create-then-404 fault substitutes."""
        return json_response(404, {"message": "Monitor not found", "code": "000-004"})

    @staticmethod
    def _body(request: ApiRequest) -> JsonValue:
        try:
            return request.json()
        except BodyError as error:
            raise ValidationFailed([f"Unexpected token in JSON: {error}"]) from error

    @staticmethod
    def _require_json(request: ApiRequest) -> None:
        # Observed live: pause/start/reset answer 415 without a JSON content type.
        if request.content_type != "application/json":
            raise HttpError(
                json_response(
                    415,
                    {
                        "message": "Content-Type must be application/json",
                        "error": "Unsupported Media Type",
                        "statusCode": 415,
                    },
                )
            )

    def _monitor_response(self, status: int, monitor: Monitor) -> ApiResponse:
        return json_response(status, views.monitor_view(self.state, monitor))

    def _list_monitors(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        messages: list[str] = []
        limit = _number_param(request, "limit", messages)
        cursor = _number_param(request, "cursor", messages)
        group_id = _number_param(request, "groupId", messages)
        if limit is not None and not 1 <= limit <= MAX_PAGE_SIZE:
            messages.append(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        statuses = [s.strip().upper() for s in (request.first("status") or "").split(",") if s]
        for status in statuses:
            if status not in MONITOR_STATUSES:
                messages.append(
                    f"status must be one of the following values: {', '.join(MONITOR_STATUSES)}"
                )
        if messages:
            raise ValidationFailed(messages)
        name = (request.first("name") or "").lower()
        url = (request.first("url") or "").lower()
        tags = {t.strip() for t in (request.first("tags") or "").split(",") if t.strip()}
        custom = [c.split(":", 1) for c in request.values("customField") if ":" in c]
        page_size = int(limit) if limit is not None else DEFAULT_PAGE_SIZE
        # The cursor is the id of the last monitor of the previous page.
        after = cursor if cursor is not None else float("-inf")

        def wanted(monitor: Monitor) -> bool:
            return (
                monitor.id > after
                and self.state.readable(monitor)
                and name in monitor.friendly_name.lower()
                and url in monitor.url.lower()
                and (not statuses or monitor.status in statuses)
                and (not tags or bool(tags & set(monitor.tags)))
                and (group_id is None or monitor.group_id == group_id)
                and all(monitor.custom_fields.get(k) == v for k, v in custom)
            )

        matches = [m for m in sorted(self.state.monitors.values(), key=lambda m: m.id) if wanted(m)]
        page = matches[:page_size]
        next_link = None
        if len(matches) > page_size:
            params = [(k, v) for k, vs in request.query.items() if k != "cursor" for v in vs]
            params.append(("cursor", str(page[-1].id)))
            next_link = f"{request.base_url}/v3/monitors/?{urlencode(params)}"
        return json_response(
            200,
            {"data": [views.monitor_view(self.state, m) for m in page], "nextLink": next_link},
        )

    def _create_monitor(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        monitor = self.state.create_monitor(self._body(request))
        return self._monitor_response(201, monitor)

    def _get_monitor(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        monitor = self.state.get_monitor(_monitor_id(match["id"]))
        if not self.state.readable(monitor):
            raise not_found()
        return self._monitor_response(200, monitor)

    def _update_monitor(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        monitor_id = _monitor_id(match["id"])
        monitor = self.state.update_monitor(monitor_id, self._body(request))
        return self._monitor_response(200, monitor)

    def _delete_monitor(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.state.delete_monitor(_monitor_id(match["id"]))
        return empty_response(200)

    def _pause_monitor(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self._require_json(request)
        return self._monitor_response(201, self.state.pause_monitor(_monitor_id(match["id"])))

    def _start_monitor(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self._require_json(request)
        return self._monitor_response(201, self.state.start_monitor(_monitor_id(match["id"])))

    def _reset_monitor(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self._require_json(request)
        self.state.reset_monitor(_monitor_id(match["id"]))
        return empty_response(201)

    def _window(self, request: ApiRequest) -> tuple[float, float]:
        now = self.state.now()
        try:
            start = parse_iso(request.first("from") or "") if request.first("from") else now - 86400
            end = parse_iso(request.first("to") or "") if request.first("to") else now
        except ValueError as error:
            raise ValidationFailed(["from and to must be ISO 8601 dates"]) from error
        if end <= start:
            raise ValidationFailed(["to must be after from"])
        if end - start > 90 * 86400:
            raise ValidationFailed(["the date range must not exceed 90 days"])
        return start, end

    def _uptime_stats(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        monitor = self.state.get_monitor(_monitor_id(match["id"]))
        start, end = self._window(request)
        downtime = 0.0
        count = 0
        for incident in self.state.incidents.values():
            if incident.monitor_id != monitor.id or incident.type != "Downtime":
                continue
            stop = incident.resolved_at if incident.resolved_at is not None else end
            overlap = min(stop, end) - max(incident.started_at, start)
            if overlap > 0:
                downtime += overlap
                count += 1
        span = end - start
        return json_response(
            200,
            {
                "uptime": round(100.0 * (1 - downtime / span), 4),
                "total_downtime_seconds": int(downtime),
                "incident_count": count,
                "mtbf": int(span / count) if count else None,
                "from": iso_milli(start),
                "to": iso_milli(end),
            },
        )

    def _response_time_stats(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        monitor = self.state.get_monitor(_monitor_id(match["id"]))
        start, end = self._window(request)
        value = monitor.response_time_ms
        points = int((end - start) // monitor.interval) if value is not None else 0
        body: dict[str, Any] = {
            "summary": {"min": value, "max": value, "avg": value},
            "data_points": points,
            "from": iso_milli(start),
            "to": iso_milli(end),
        }
        if (request.first("includeTimeSeries") or "").lower() == "true" and value is not None:
            body["time_series"] = [
                {"timestamp": iso_milli(start + i * monitor.interval), "value": value}
                for i in range(points)
            ]
        return json_response(200, body)

    def _me(self, _: ApiRequest, __: re.Match[str]) -> ApiResponse:
        return json_response(200, views.user_view(self.state))

    def _alert_contacts(self, _: ApiRequest, __: re.Match[str]) -> ApiResponse:
        return json_response(
            200, [views.alert_contact_view(c) for c in self.state.alert_contacts.values()]
        )

    def _list_incidents(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        messages: list[str] = []
        cursor = request.first("cursor")
        if cursor is not None and not cursor.isdigit():
            messages.append("cursor must contain only digits")
        monitor_id = _number_param(request, "monitor_id", messages)
        bounds: dict[str, float] = {}
        for key in ("started_after", "started_before"):
            raw = request.first(key)
            if raw:
                try:
                    bounds[key] = parse_iso(raw)
                except ValueError:
                    messages.append(f"{key} must be a valid ISO 8601 date string")
        if messages:
            raise ValidationFailed(messages)
        name = (request.first("monitor_name") or "").lower()

        def wanted(incident: Incident) -> bool:
            return (
                (cursor is None or int(incident.id) < int(cursor))
                and (monitor_id is None or incident.monitor_id == monitor_id)
                and name in incident.monitor_name.lower()
                # Both bounds are inclusive, to the millisecond (observed live).
                and incident.started_at >= bounds.get("started_after", float("-inf"))
                and incident.started_at <= bounds.get("started_before", float("inf"))
            )

        ordered = sorted(self.state.incidents.values(), key=lambda i: int(i.id), reverse=True)
        matches = [i for i in ordered if wanted(i)]
        page = matches[:DEFAULT_PAGE_SIZE]
        next_link = None
        if len(matches) > DEFAULT_PAGE_SIZE:
            params = [(k, v) for k, vs in request.query.items() if k != "cursor" for v in vs]
            params.append(("cursor", page[-1].id))
            next_link = f"{request.base_url}/v3/incidents/?{urlencode(params)}"
        return json_response(
            200,
            {"data": [views.incident_summary(i) for i in page], "nextLink": next_link},
        )

    def _get_incident(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        incident = self.state.incidents.get(match["id"])
        if incident is None:
            raise not_found(f"Incident {match['id']} not found")
        return json_response(200, views.incident_detail(self.state, incident))
