"""The journal: one record per vendor request, in memory and optionally as JSON lines.

Each entry holds what went over the wire, unredacted on purpose: a test can
then prove that an API key travels only in the Authorization header. Requests
to the control API (``/_sandbox/``) are not journaled: they are not vendor
traffic.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, TypedDict


class JournalEntry(TypedDict):
    """One journaled request and its answer."""

    seq: int
    """1-based position in this sandbox's journal (reset by /_sandbox/reset)."""
    ts: str
    """When the request arrived, ISO-8601 UTC."""
    vendor: str
    """``uptimerobot``, ``sentry`` or ``unknown`` (a path neither API serves)."""
    method: str
    path: str
    """The path without the query string."""
    query: dict[str, list[str]]
    """Query parameters; every value is a list (parameters can repeat)."""
    request_headers: dict[str, str]
    request_body: Any
    """Parsed JSON, else the text, else None for an empty body."""
    status: int | None
    """None when the connection was dropped."""
    response_headers: dict[str, str]
    response_body: Any
    """Parsed JSON, else the text, else None for an empty body."""
    fault: str | None
    """The :class:`~mlpp_sandbox.faults.FaultKind` value, if one fired."""
    duration_ms: float


def decode_body(raw: bytes) -> Any:
    """Parse a body for the journal: JSON if it is JSON, else text, else None."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class Journal:
    """Thread-safe, append-only record of vendor traffic."""

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: list[JournalEntry] = []
        self._path = path
        self._seq = 0

    @property
    def path(self) -> Path | None:
        """The JSON-lines file entries are appended to, if any."""
        return self._path

    def next_seq(self) -> int:
        """Reserve the sequence number of the next entry."""
        with self._lock:
            self._seq += 1
            return self._seq

    def record(self, entry: JournalEntry) -> None:
        """Append an entry in memory and, if configured, to the file."""
        line = json.dumps(entry, separators=(",", ":"), default=str)
        with self._lock:
            self._entries.append(entry)
            if self._path is not None:
                # Opened per write so that an external tail or rotation never
                # sees a half-flushed buffer.
                with self._path.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")

    def entries(self) -> list[JournalEntry]:
        """A copy of the entries, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget the in-memory entries (the file, an audit trail, is kept)."""
        with self._lock:
            self._entries.clear()
            self._seq = 0
