"""urllib3's Retry, taught the vendors' rules: what is retried, how long to wait, and no
retry past the call's time budget.

A 429 is retried for every method (the request was not processed); other failures only
for idempotent methods (a POST that timed out may have created the object: the caller
looks it up instead). UptimeRobot's `X-RateLimit-Reset` is honoured like `Retry-After`.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Self

from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from mlpp_monitoring.http.policy import HttpPolicy

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 410})


class BudgetRetry(Retry):
    """urllib3 Retry with the vendors' rules and a deadline."""

    deadline: float

    def __init__(self, *args: Any, deadline: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def new(self, **kw: Any) -> Self:
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code not in RETRY_STATUSES or self.total == 0:
            return False
        if status_code != 429 and method.upper() not in IDEMPOTENT_METHODS:
            return False
        return time.monotonic() + self._next_wait_hint() < self.deadline

    def _next_wait_hint(self) -> float:
        return min(self.get_backoff_time(), self.backoff_max)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        retry_after = super().get_retry_after(response)
        if retry_after is not None:
            return retry_after
        reset = response.headers.get("X-RateLimit-Reset")
        if response.status == 429 and reset and reset.isdigit():
            return max(0.0, int(reset) - time.time())
        return None

    def sleep_for_retry(self, response: BaseHTTPResponse) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after is None:
            return False
        if time.monotonic() + retry_after > self.deadline:
            return False
        time.sleep(retry_after)
        return True

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if time.monotonic() >= self.deadline:
            # Out of time: surface the failure as it is rather than retrying past the budget
            # (urllib3 returns the response, or the error reaches requests as it would).
            reason = error or ResponseError("the call's time budget is spent")
            raise MaxRetryError(_pool, url or "", reason) from reason  # type: ignore[arg-type]
        wait = None if response is None else self.get_retry_after(response)
        if wait is not None and time.monotonic() + wait > self.deadline:
            # The vendor asks for a longer pause than the budget has left: a retry sent any
            # sooner would only be refused again (and spend more of the rate limit).
            reason = ResponseError(f"asked to wait {wait:.0f}s, past the time budget")
            raise MaxRetryError(_pool, url or "", reason)  # type: ignore[arg-type]
        return super().increment(method, url, response, error, _pool, _stacktrace)


def retry_for(policy: HttpPolicy) -> BudgetRetry:
    """A fresh Retry for one call under `policy`: its own deadline, the vendors' rules."""
    p = policy
    return BudgetRetry(
        total=p.retries,
        connect=p.retries,
        read=p.retries,
        status=p.retries,
        other=0,
        backoff_factor=p.backoff,
        backoff_max=p.backoff_max,
        backoff_jitter=p.backoff,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
        # Read errors (timeouts, dropped answers) are retried only for these: a POST
        # that timed out may have been processed, so it is never resent blindly.
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        deadline=time.monotonic() + p.budget,
    )
