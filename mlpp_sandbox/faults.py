"""Fault injection: make chosen requests fail the way the real services have failed.

A :class:`Fault` matches requests by HTTP method and a glob on the path (query
string excluded), optionally narrowed by ``match`` (strings, one of which must
equal one of the path's segments or occur in the request body; the query string
is not searched), and fires ``times`` times (``None``: on every match). Faults
are checked in the order they were added; the first live one that matches
fires, and its ``hits`` counter goes up. Every request a fault touched carries
the fault's kind in its journal entry.

``match`` lets one sandbox hold faults for several independent sets of objects
at once (the fault suite: one fault per row, each on that row's objects only):
a row's token in a create's body (its name), or its object ids in the path of
an update or delete. A path segment must equal the string (id ``5`` does not
match ``/workflows/15/``); the body is searched as text.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .ids import IdSequence


class FaultKind(StrEnum):
    """What an injected fault does to the request it matches."""

    RATE_LIMITED = "429"
    """Answer 429 with Retry-After (UptimeRobot: the text/html body it really sends)."""
    SERVER_ERROR = "500"
    """Answer 500 from the application."""
    BAD_GATEWAY = "502"
    """Answer 502 from the load balancer (HTML body, no API headers)."""
    UNAVAILABLE = "503"
    """Answer 503 from the load balancer, with Retry-After."""
    GONE = "410"
    """Answer 410 as a Sentry deprecation brownout does, with its two headers."""
    HANG = "hang"
    """Perform the request, then hold the answer ``seconds`` (past the client timeout)."""
    DROP = "drop"
    """Close the connection without an answer; the request is not performed."""
    CREATE_THEN_404 = "create-then-404"
    """Perform the request, then answer 404 (UptimeRobot has done so on POST /monitors)."""


@dataclass
class Fault:
    """One injected fault and its counters."""

    kind: FaultKind
    method: str = "*"
    """HTTP method to match, or ``*`` for any."""
    path: str = "*"
    """:mod:`fnmatch` glob on the request path, e.g. ``/v3/monitors`` or ``/api/0/*``."""
    times: int | None = 1
    """How many requests to affect; ``None`` means every matching request."""
    after: int = 0
    """Let this many matching requests through untouched first (a fault on a later step)."""
    retry_after: int = 1
    """Seconds announced in Retry-After (429, 503)."""
    seconds: float = 5.0
    """How long a ``hang`` holds the answer."""
    replacement: str | None = None
    """X-Sentry-Replacement-Endpoint of a 410; defaults to the workflows URL."""
    deprecation_date: str = "2026-05-14T00:00:00+00:00"
    """X-Sentry-Deprecation-Date of a 410."""
    match: tuple[str, ...] = ()
    """Only requests one of these strings equals a path segment of, or occurs in the body
    of; empty: every request the method and path select."""
    id: int = 0
    """Assigned by :class:`FaultPlan`."""
    hits: int = field(default=0)
    """How many requests this fault has affected so far."""
    passed: int = field(default=0)
    """How many matching requests went through untouched, counting towards ``after``."""

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)
        self.method = self.method.upper()
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        if self.retry_after < 0 or self.seconds < 0 or self.after < 0:
            raise ValueError("retry_after, seconds and after must not be negative")
        self.match = _match_strings(self.match)

    @property
    def exhausted(self) -> bool:
        """True once the fault has fired ``times`` times."""
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, path: str, body: bytes = b"") -> bool:
        """Whether this fault applies to a request (ignoring whether it is exhausted)."""
        if self.method not in ("*", method.upper()):
            return False
        if not fnmatch.fnmatchcase(path, self.path):
            return False
        if not self.match:
            return True
        segments = set(path.split("/"))
        text = body.decode("utf-8", errors="replace")
        return any(wanted in segments or wanted in text for wanted in self.match)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description, as the control API shows it."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "method": self.method,
            "path": self.path,
            "times": self.times,
            "after": self.after,
            "hits": self.hits,
            "exhausted": self.exhausted,
            "retryAfter": self.retry_after,
            "seconds": self.seconds,
            "replacement": self.replacement,
            "deprecationDate": self.deprecation_date,
            "match": list(self.match),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """Build a fault from the control API's JSON (camelCase or snake_case keys)."""
        if not isinstance(data, dict) or "kind" not in data:
            raise ValueError("a fault needs at least a 'kind'")
        known = {
            "kind": "kind",
            "method": "method",
            "path": "path",
            "times": "times",
            "after": "after",
            "retryAfter": "retry_after",
            "retry_after": "retry_after",
            "seconds": "seconds",
            "replacement": "replacement",
            "deprecationDate": "deprecation_date",
            "deprecation_date": "deprecation_date",
            "match": "match",
        }
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(unknown)}")
        kwargs = {known[key]: value for key, value in data.items()}
        if "match" in data and not data["match"]:
            # An empty list would silently widen the fault to every request.
            raise ValueError(
                f"match {data['match']!r} names nothing: give a non-empty string or a list of "
                "them, or leave match out to match every request"
            )
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ValueError(str(exc)) from exc


def _match_strings(value: object) -> tuple[str, ...]:
    """`match` as a tuple of non-empty strings (the control API sends a string or a list)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(
        isinstance(item, str) and item for item in items
    ):
        raise ValueError(
            f"match must be a non-empty string or a list of non-empty strings, not {value!r}"
        )
    return tuple(items)


class FaultPlan:
    """The thread-safe list of injected faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = IdSequence(1)

    def add(self, fault: Fault) -> Fault:
        """Register a fault and return it (with its id set)."""
        with self._lock:
            fault.id = next(self._ids)
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str, body: bytes = b"") -> Fault | None:
        """Return the first live fault matching the request and count the hit."""
        with self._lock:
            for fault in self._faults:
                if not fault.exhausted and fault.matches(method, path, body):
                    if fault.passed < fault.after:
                        fault.passed += 1
                        continue
                    fault.hits += 1
                    return fault
        return None

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def all(self) -> list[Fault]:
        """A copy of the list of faults, exhausted ones included."""
        with self._lock:
            return list(self._faults)

    def describe(self) -> list[dict[str, Any]]:
        """JSON-ready descriptions of every fault."""
        return [fault.describe() for fault in self.all()]
