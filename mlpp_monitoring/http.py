"""One HTTP policy for both vendors: timeouts, retries, rate limits and errors people can act on.

Both API clients are thin layers over `ApiSession`. Retrying is urllib3's `Retry`, taught
three things the vendors need: a 429 is retried for every method (the request was not
processed), other failures only for idempotent methods (a POST that timed out may have
created the object: the caller looks it up instead); UptimeRobot's `X-RateLimit-Reset` is
honoured like `Retry-After`; and no operation retries past its time budget.
"""

from __future__ import annotations

import html
import json
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 410})


@dataclass(frozen=True)
class Credential:
    """Where a secret comes from, so errors can say which one is wrong without showing it."""

    vendor: str
    config_key: str
    env_var: str
    scopes: str
    value: str

    def where(self) -> str:
        """How a user sets this credential, for error messages."""
        return (
            f"`pulumi config set --secret {self.config_key} ...` "
            f"or the environment variable {self.env_var}"
        )


class ApiError(Exception):
    """A vendor API call failed; the message is safe to print (it never holds a credential)."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class AuthError(ApiError):
    """401/403: the credential is wrong or lacks a scope."""


class NotFound(ApiError):
    """404: the object does not exist (or no longer does)."""


class InvalidRequest(ApiError):
    """400: the vendor rejected the request; `body` holds its field messages."""


class Unavailable(ApiError):
    """The call could not complete: network errors, 5xx, 410 brownouts or 429 past the budget."""


class _BudgetRetry(Retry):
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


class _Pacer:
    """Spreads requests over the rate-limit window the vendor announces in its headers.

    Shared by every thread of one client, so the provider host's parallel calls spend
    the budget together instead of each running into 429.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_at = 0.0

    def wait(self, at_most: float) -> None:
        """Sleep until the next call's turn, but never longer than `at_most` seconds."""
        with self._lock:
            delay = min(self._next_at - time.monotonic(), at_most)
            if delay > 0:
                time.sleep(delay)

    def observe(self, headers: Mapping[str, str]) -> None:
        remaining, reset = headers.get("X-RateLimit-Remaining"), headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None or not remaining.isdigit() or not reset.isdigit():
            return
        window = max(0.0, int(reset) - time.time())
        # Even pacing: leave the same gap before each of the remaining calls of the window.
        gap = window / (int(remaining) + 1)
        with self._lock:
            self._next_at = max(self._next_at, time.monotonic() + gap)


POLICY_ENV = {
    "MLPP_HTTP_CONNECT_TIMEOUT": "connect_timeout",
    "MLPP_HTTP_READ_TIMEOUT": "read_timeout",
    "MLPP_HTTP_RETRIES": "retries",
    "MLPP_HTTP_BACKOFF": "backoff",
    "MLPP_HTTP_BACKOFF_MAX": "backoff_max",
    "MLPP_HTTP_BUDGET": "budget",
}
"""Environment variables that override one field of the providers' policy each."""


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retry limits; tests shorten them, nothing else changes them."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 5
    backoff: float = 0.5
    backoff_max: float = 30.0
    budget: float = 300.0
    pace: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HttpPolicy:
        """The default policy with the `MLPP_HTTP_*` overrides found in the environment.

        The provider process inherits the environment of `pulumi`, so a slow network (or a
        fast end-to-end test) can change timeouts without touching the stack config.
        Raises ValueError naming the variable when a value is not a number >= 0.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for var, name in POLICY_ENV.items():
            raw = environ.get(var, "").strip()
            if not raw:
                continue
            convert = int if name == "retries" else float
            try:
                value = convert(raw)
            except ValueError:
                value = -1
            floor = 0 if name.endswith("timeout") else -1  # a zero timeout never answers
            if value <= floor:
                kind = "a whole number" if convert is int else "a number of seconds"
                bound = "above 0" if floor == 0 else "0 or more"
                raise ValueError(f"{var}={raw!r} is not allowed: must be {kind}, {bound}")
            values[name] = value
        return cls(**values)


class ApiSession:
    """A requests session for one vendor, with the project's single HTTP policy."""

    def __init__(
        self,
        base_url: str,
        credential: Credential,
        *,
        policy: HttpPolicy | None = None,
        user_agent: str = "mlpp-monitoring",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.policy = policy or HttpPolicy()
        self._user_agent = user_agent
        self._pacer = _Pacer()
        self._local = threading.local()

    def _session(self) -> requests.Session:
        # One session per thread: requests.Session is not documented as thread-safe.
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter()
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.adapter = adapter
            session.headers.update(
                {
                    "Authorization": f"Bearer {self.credential.value}",
                    "Accept": "application/json",
                    "User-Agent": self._user_agent,
                }
            )
            self._local.session = session
        return session

    def _retry(self) -> _BudgetRetry:
        p = self.policy
        return _BudgetRetry(
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

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
    ) -> requests.Response:
        """Send one call under the policy; return the response or raise an `ApiError`."""
        session = self._session()
        # A fresh Retry per call gives each call its own deadline; the pooled adapter stays.
        self._local.adapter.max_retries = self._retry()
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        if self.policy.pace:
            # A reset announced far ahead (clock skew, a long window) must not outlast the
            # budget: past it, the call goes out and a 429 is handled like any other.
            self._pacer.wait(at_most=self.policy.budget)
        try:
            response = session.request(
                method,
                url,
                params=params,
                json=json_body,
                timeout=(self.policy.connect_timeout, self.policy.read_timeout),
            )
        except requests.exceptions.RetryError as exc:
            raise Unavailable(self._describe_failure(method, path, exc)) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Unavailable(self._describe_failure(method, path, exc)) from None
        if self.policy.pace:
            self._pacer.observe(response.headers)
        if response.status_code >= 400:
            raise self._error(method, path, response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, then the JSON body (None for an empty body such as a 204)."""
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    def _redact(self, text: str) -> str:
        secret = self.credential.value
        return text.replace(secret, "***") if secret else text

    def _describe_failure(self, method: str, path: str, exc: Exception) -> str:
        reason = exc.__class__.__name__
        inner = getattr(exc, "args", [None])[0]
        if isinstance(inner, MaxRetryError) and inner.reason is not None:
            reason = inner.reason.__class__.__name__
        retried = ", after retries" if method.upper() in IDEMPOTENT_METHODS else ""
        return self._redact(
            f"{self.credential.vendor}: {method} {path} failed ({reason}{retried}): the API "
            f"did not answer in time or closed the connection; {AGAIN_LATER}"
        )

    def _error(self, method: str, path: str, response: requests.Response) -> ApiError:
        body = _body(response)
        status = response.status_code
        what = f"{self.credential.vendor}: {method} {path} answered HTTP {status}"
        detail = _detail(body)
        if status in (401, 403):
            message = (
                f"{what}: the credential was rejected or lacks a scope "
                f"(needs {self.credential.scopes}). Set it with {self.credential.where()}."
            )
            return AuthError(self._redact(f"{message} Vendor said: {detail}"), status=status)
        if status == 404:
            return NotFound(self._redact(f"{what}: {detail}"), status=status, body=body)
        if status == 400 or status == 422:
            return InvalidRequest(self._redact(f"{what}: {detail}"), status=status, body=body)
        attempts = _attempts(response)
        tried = f" (after {attempts} attempts)" if attempts > 1 else ""
        if status == 429:
            message = f"{what}{tried}: {detail}; rate limited: run the same command in a minute"
            return Unavailable(self._redact(message), status=status, body=body)
        if status == 410:
            sunset = response.headers.get("x-sentry-deprecation-date", "")
            hint = f" (deprecated endpoint, sunset {sunset})" if sunset else ""
            message = (
                f"{what}{hint}{tried}: {detail}; a deprecation brownout is temporary: "
                f"{AGAIN_LATER}; if it lasts, the endpoint is gone: upgrade mlpp-monitoring"
            )
            return Unavailable(self._redact(message), status=status)
        if status >= 500:
            message = f"{what}{tried}: {detail}; the service is failing: {AGAIN_LATER}"
            return Unavailable(self._redact(message), status=status, body=body)
        return Unavailable(self._redact(f"{what}{tried}: {detail}"), status=status, body=body)


AGAIN_LATER = "run the same command again later (running it again is safe)"
"""What to do when a vendor is down or slow: every operation can be run again."""


def _attempts(response: requests.Response) -> int:
    """How many times urllib3 sent the request that got this answer."""
    retries = getattr(response.raw, "retries", None)
    return len(getattr(retries, "history", None) or ()) + 1


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        # UptimeRobot's 429 (and proxies' errors) can be text/html, not JSON.
        return _text(response.text)[:500]


def _text(body: str) -> str:
    """A load balancer's HTML error page as the words it shows (its title when it has one)."""
    if "<" not in body:
        return body.strip()
    title = re.search(r"<title[^>]*>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
    words = title.group(1) if title else re.sub(r"<[^>]*>", " ", body)
    return " ".join(html.unescape(words).split())


def _detail(body: Any) -> str:
    if body in (None, ""):
        return "no details given"
    if isinstance(body, str):
        return body
    return json.dumps(body, ensure_ascii=False, sort_keys=True)[:1000]
