"""Pacing: one vendor credential's rate limit spent evenly over the window it announces,
so that an `up` of many objects on a small plan gets no 429 (docs/PERFORMANCE.md)."""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Mapping
from urllib.parse import urlsplit

from mlpp_monitoring.http.credential import Credential

_RATE_HEADERS = (
    ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"),  # UptimeRobot
    ("X-Sentry-Rate-Limit-Limit", "X-Sentry-Rate-Limit-Remaining", "X-Sentry-Rate-Limit-Reset"),
)
"""(limit, remaining, reset epoch seconds) as each vendor names them."""

RESET_MARGIN = 0.05
"""Seconds waited past an announced reset before the first call of the next window."""


class Pacer:
    """Spends one vendor credential's rate limit evenly over the window the vendor announces.

    One pacer per (vendor origin, credential) in a process (`pacer_for`), shared by every
    thread and every client of that vendor: the provider host runs four calls at once, and
    the limit belongs to the account, not to a thread or a client.

    Each call reserves its turn before it is sent (`wait`), so concurrent callers are spaced
    by the gap rather than all leaving when one turn comes. `left` is what the vendor's last
    answer allows in its current window, minus the calls sent since; at 0 the next call
    waits for the announced reset, and opens the next window. Calls sent but not answered
    yet may not be counted in the vendor's `Remaining` yet: they are subtracted from it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_at = 0.0
        """Monotonic time of the next free turn."""
        self._last_start = 0.0
        self._gap = 0.0
        self._limit: int | None = None
        self._left: int | None = None
        """Calls the current window still allows; None: nothing announced yet."""
        self._window: int | None = None
        """The reset (epoch seconds) of the newest window an answer announced."""
        self._reset_at: float | None = None
        """Monotonic end of the current window; None once it is over (the next is unknown)."""
        self._in_flight = 0

    def wait(self, at_most: float) -> None:
        """Reserve the next turn and sleep until it, but never longer than `at_most` seconds.

        Every `wait` must be followed by one `observe` (with the answer's headers, or None
        when no answer came), which ends the call's reservation.
        """
        deadline = time.monotonic() + at_most
        while True:
            with self._lock:
                now = time.monotonic()
                start = self._turn(now)
                if start is not None:
                    self._in_flight += 1
                    break
            # The new window is spent before any of its answers came back: wait for one.
            if now >= deadline:
                with self._lock:
                    self._in_flight += 1
                return
            time.sleep(min(0.05, deadline - now))
        delay = min(start, deadline) - now
        if delay > 0:
            time.sleep(delay)

    def _turn(self, now: float) -> float | None:
        start = max(now, self._next_at)
        if self._reset_at is not None and start >= self._reset_at:
            self._open_window()  # the vendor's window is over: this call opens the next
        if self._left is not None and self._left <= 0:
            if self._reset_at is None:
                return None
            start = max(start, self._reset_at + RESET_MARGIN)
            self._open_window()
        if self._left is not None:
            self._left -= 1
        self._last_start = max(self._last_start, start)
        self._next_at = start + self._gap
        return start

    def _open_window(self) -> None:
        self._left, self._reset_at, self._gap = self._limit, None, 0.0

    def observe(self, headers: Mapping[str, str] | None) -> None:
        """Learn from an answer's rate-limit headers (None: the call got no answer)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            announced = _rate_headers(headers) if headers is not None else None
            if announced is None:
                return
            limit, remaining, reset = announced
            if self._window is not None and (
                reset < self._window or (reset == self._window and self._reset_at is None)
            ):
                return  # an answer from a window that is over
            now = time.monotonic()
            left = remaining - self._in_flight  # calls in flight may not be counted yet
            if reset != self._window or self._left is None:
                self._window = reset
                self._reset_at = now + max(0.0, reset - time.time())
            elif self._left is not None:
                left = min(self._left, left)
            self._left, self._limit = left, limit
            assert self._reset_at is not None
            # Even pacing: the same gap before each call the window still allows.
            self._gap = max(0.0, self._reset_at - now) / (max(left, 0) + 1)
            # A new gap applies from the last turn already given out, not before it.
            self._next_at = min(self._next_at, max(now, self._last_start) + self._gap)


def _rate_headers(headers: Mapping[str, str]) -> tuple[int, int, int] | None:
    for names in _RATE_HEADERS:
        values = [headers.get(name) or "" for name in names]
        if all(v.isdigit() for v in values):
            limit, remaining, reset = (int(v) for v in values)
            return limit, remaining, reset
    return None


_PACERS: weakref.WeakValueDictionary[tuple[str, str], Pacer] = weakref.WeakValueDictionary()
_PACERS_LOCK = threading.Lock()


def pacer_for(base_url: str, credential: Credential) -> Pacer:
    """The process's pacer for one vendor origin and credential (rate limits are per key)."""
    parts = urlsplit(base_url)
    key = (
        f"{parts.scheme}://{parts.netloc}",
        hashlib.sha256(credential.value.encode()).hexdigest(),
    )
    with _PACERS_LOCK:
        pacer = _PACERS.get(key)
        if pacer is None:
            pacer = Pacer()
            _PACERS[key] = pacer
        return pacer
