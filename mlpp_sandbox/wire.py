"""HTTP primitives shared by both emulators: request, response, routing, time formats.

The emulators never touch sockets: they turn an :class:`ApiRequest` into an
:class:`ApiResponse`, which keeps them testable without a server and lets the
server apply faults, rate limits and the journal in one place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JsonValue = Any
"""A value that :func:`json.dumps` accepts (kept loose on purpose: API payloads)."""


class BodyError(ValueError):
    """The request body is not the JSON document the endpoint expects."""


@dataclass(frozen=True)
class ApiRequest:
    """One HTTP request as the emulators see it."""

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    base_url: str = "http://127.0.0.1"
    """Scheme and authority the client used, for links the API hands back."""

    def header(self, name: str) -> str | None:
        """Return a header value, matching the name case-insensitively."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    def first(self, name: str) -> str | None:
        """Return the first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def values(self, name: str) -> list[str]:
        """Return every value of a (repeatable) query parameter."""
        return list(self.query.get(name, []))

    def json(self) -> JsonValue:
        """Parse the body as JSON; an empty body is None."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BodyError(str(exc)) from exc

    @property
    def content_type(self) -> str:
        """The media type of the body, without parameters, lower case."""
        raw = self.header("Content-Type") or ""
        return raw.split(";", 1)[0].strip().lower()


@dataclass
class ApiResponse:
    """One HTTP response; ``body`` is JSON unless ``content_type`` says text."""

    status: int
    body: JsonValue = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json"

    def encode(self) -> bytes:
        """Serialise the body for the wire (an empty body for None)."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if self.content_type and "json" in self.content_type:
            return json.dumps(self.body, separators=(",", ":")).encode()
        return str(self.body).encode()

    def wire_headers(self) -> dict[str, str]:
        """All headers the server sends, Content-Type and Content-Length included."""
        headers = dict(self.headers)
        body = self.encode()
        if body and self.content_type:
            headers.setdefault("Content-Type", self.content_type)
        headers["Content-Length"] = str(len(body))
        return headers


class HttpError(Exception):
    """Raised inside a handler to answer with ``response`` straight away."""

    def __init__(self, response: ApiResponse) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


def json_response(
    status: int, body: JsonValue, headers: Mapping[str, str] | None = None
) -> ApiResponse:
    """A JSON response."""
    return ApiResponse(status=status, body=body, headers=dict(headers or {}))


def text_response(
    status: int,
    text: str,
    content_type: str = "text/html; charset=utf-8",
    headers: Mapping[str, str] | None = None,
) -> ApiResponse:
    """A text (by default HTML) response."""
    return ApiResponse(
        status=status, body=text, headers=dict(headers or {}), content_type=content_type
    )


def empty_response(status: int, headers: Mapping[str, str] | None = None) -> ApiResponse:
    """A response without a body (DELETE 200/204, reset 201)."""
    return ApiResponse(status=status, body=None, headers=dict(headers or {}), content_type=None)


Handler = Callable[[ApiRequest, "re.Match[str]"], ApiResponse]


@dataclass(frozen=True)
class Route:
    """One method + path pattern and the handler that serves it."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler


@dataclass(frozen=True)
class RouteMatch:
    """The outcome of :meth:`Router.resolve`."""

    handler: Handler | None
    match: re.Match[str] | None
    allowed: tuple[str, ...]
    """Methods the path supports; non-empty with ``handler`` None means 405."""


class Router:
    """A tiny regex router: the first route whose pattern fully matches wins."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on paths fully matching ``pattern``."""
        self._routes.append(Route(method.upper(), re.compile(pattern), handler))

    def resolve(self, method: str, path: str) -> RouteMatch:
        """Find the handler for a request, or the methods the path would allow."""
        allowed: list[str] = []
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method == method.upper():
                return RouteMatch(route.handler, match, ())
            allowed.append(route.method)
        return RouteMatch(None, None, tuple(allowed))


def utc_datetime(timestamp: float) -> datetime:
    """An aware UTC datetime for an epoch timestamp."""
    return datetime.fromtimestamp(timestamp, tz=UTC)


def iso_micro(timestamp: float) -> str:
    """ISO-8601 with microseconds and ``Z``, as Sentry writes timestamps."""
    return utc_datetime(timestamp).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_milli(timestamp: float) -> str:
    """ISO-8601 with milliseconds and ``Z``, as UptimeRobot writes timestamps."""
    moment = utc_datetime(timestamp)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """Parse an ISO-8601 timestamp (``Z`` or offset; naive means UTC) to epoch seconds."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
