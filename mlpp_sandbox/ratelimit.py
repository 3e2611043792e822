"""UptimeRobot's rate limit: a fixed window per API key, announced on every answer."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

# What the headers announce when enforcement is off: the paid-plan cap, so a
# client that pauses on "Remaining: 0" never pauses during ordinary tests.
UNENFORCED_LIMIT = 5000


@dataclass(frozen=True)
class RateDecision:
    """The outcome of counting one request."""

    allowed: bool
    limit: int
    remaining: int
    reset_epoch: int
    """When the current window ends, epoch seconds (X-RateLimit-Reset)."""
    retry_after: int
    """Whole seconds until the window ends, at least 1 (Retry-After)."""

    def headers(self) -> dict[str, str]:
        """The X-RateLimit-* headers UptimeRobot sends with every answer."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_epoch),
        }


class FixedWindowLimiter:
    """Count requests per window; refuse once ``limit`` is spent (None: never refuse)."""

    def __init__(
        self, limit: int | None, window_seconds: float, clock: Callable[[], float]
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError("rate limit must be at least 1 request per window")
        if window_seconds <= 0:
            raise ValueError("rate window must be positive")
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start: float | None = None
        self._count = 0

    @property
    def enforced(self) -> bool:
        """Whether requests over the limit are refused."""
        return self._limit is not None

    def hit(self) -> RateDecision:
        """Count one request and say whether it may proceed."""
        now = self._clock()
        with self._lock:
            if self._window_start is None or now >= self._window_start + self._window:
                self._window_start = now
                self._count = 0
            self._count += 1
            limit = self._limit if self._limit is not None else UNENFORCED_LIMIT
            window_end = self._window_start + self._window
            return RateDecision(
                allowed=self._limit is None or self._count <= self._limit,
                limit=limit,
                remaining=max(0, limit - self._count),
                reset_epoch=math.ceil(window_end),
                retry_after=max(1, math.ceil(window_end - now)),
            )

    def peek(self) -> RateDecision:
        """The current state without counting a request (for injected 429s)."""
        now = self._clock()
        with self._lock:
            start = self._window_start if self._window_start is not None else now
            if now >= start + self._window:
                start, count = now, 0
            else:
                count = self._count
            limit = self._limit if self._limit is not None else UNENFORCED_LIMIT
            window_end = start + self._window
            return RateDecision(
                allowed=False,
                limit=limit,
                remaining=max(0, limit - count),
                reset_epoch=math.ceil(window_end),
                retry_after=max(1, math.ceil(window_end - now)),
            )

    def reset(self) -> None:
        """Start afresh (control API reset)."""
        with self._lock:
            self._window_start = None
            self._count = 0
