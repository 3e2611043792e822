"""One HTTP policy for both vendors: timeouts, retries, rate limits and errors people can act on.

Both API clients are thin layers over `ApiSession`. Retrying is urllib3's `Retry`, taught
three things the vendors need: a 429 is retried for every method (the request was not
processed), other failures only for idempotent methods (a POST that timed out may have
created the object: the caller looks it up instead); UptimeRobot's `X-RateLimit-Reset` is
honoured like `Retry-After`; and no operation retries past its time budget.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 410})


@dataclass(frozen=True)
class CallScope:
    """The permission one kind of call needs: `method` (or `*`) and a path pattern."""

    method: str
    path: str
    """A regular expression matched from the start of the path under the API's base URL."""
    scope: str


@dataclass(frozen=True)
class Credential:
    """Where a secret comes from, so errors can say which one is wrong without showing it."""

    vendor: str
    config_key: str
    env_var: str
    scopes: str
    """Everything the commands together need, e.g. for a message about a missing secret."""
    value: str
    call_scopes: tuple[CallScope, ...] = ()
    """The scope each call needs, first match wins; a call none matches needs `scopes`."""

    def scope_for(self, method: str, path: str) -> str:
        """The scope (or key kind) one call needs, for the message of a 403."""
        for rule in self.call_scopes:
            if rule.method in ("*", method.upper()) and re.match(rule.path, path):
                return rule.scope
        return self.scopes

    def where(self) -> str:
        """How a user sets this credential, for error messages."""
        return (
            f"`pulumi config set --secret {self.config_key} ...` "
            f"or the environment variable {self.env_var}"
        )


class ApiError(Exception):
    """A vendor API call failed; the message is safe to print (it never holds a credential).

    `not_performed` is True when the failure proves the vendor did not act on the request:
    a 429 (refused before processing) or a connection that was never made (refused, or
    timed out while connecting). Any other failure of a write leaves its outcome unknown.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        not_performed: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.not_performed = not_performed or status == 429


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


_RATE_HEADERS = (
    ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"),  # UptimeRobot
    ("X-Sentry-Rate-Limit-Limit", "X-Sentry-Rate-Limit-Remaining", "X-Sentry-Rate-Limit-Reset"),
)
"""(limit, remaining, reset epoch seconds) as each vendor names them."""

RESET_MARGIN = 0.05
"""Seconds waited past an announced reset before the first call of the next window."""


class _Pacer:
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


_PACERS: weakref.WeakValueDictionary[tuple[str, str], _Pacer] = weakref.WeakValueDictionary()
_PACERS_LOCK = threading.Lock()


def pacer_for(base_url: str, credential: Credential) -> _Pacer:
    """The process's pacer for one vendor origin and credential (rate limits are per key)."""
    parts = urlsplit(base_url)
    key = (
        f"{parts.scheme}://{parts.netloc}",
        hashlib.sha256(credential.value.encode()).hexdigest(),
    )
    with _PACERS_LOCK:
        pacer = _PACERS.get(key)
        if pacer is None:
            pacer = _Pacer()
            _PACERS[key] = pacer
        return pacer


POLICY_ENV = {
    "MLPP_HTTP_CONNECT_TIMEOUT": "connect_timeout",
    "MLPP_HTTP_READ_TIMEOUT": "read_timeout",
    "MLPP_HTTP_RETRIES": "retries",
    "MLPP_HTTP_BACKOFF": "backoff",
    "MLPP_HTTP_BACKOFF_MAX": "backoff_max",
    "MLPP_HTTP_BUDGET": "budget",
    "MLPP_HTTP_CREATE_WAIT": "create_wait",
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
    create_wait: float = 60.0
    """Seconds to keep looking (with back-off) for an object whose create got no clear
    answer, before saying it was most likely not made: vendors' lists can lag a create."""
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
        self._pacer = pacer_for(self.base_url, credential)
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
        answered: Mapping[str, str] | None = None
        try:
            response = session.request(
                method,
                url,
                params=params,
                json=json_body,
                timeout=(self.policy.connect_timeout, self.policy.read_timeout),
            )
            answered = response.headers
        except requests.exceptions.RetryError as exc:
            raise Unavailable(self._describe_failure(method, path, exc)) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Unavailable(
                self._describe_failure(method, path, exc), not_performed=_never_sent(exc)
            ) from None
        finally:
            if self.policy.pace:
                self._pacer.observe(answered)
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
        if status == 401:
            message = (
                f"{what}: the credential was rejected (wrong, expired or revoked). "
                f"Set it with {self.credential.where()}."
            )
            return AuthError(self._redact(f"{message} Vendor said: {detail}"), status=status)
        if status == 403:
            relative = path.removeprefix(self.base_url) if path.startswith("http") else path
            needed = self.credential.scope_for(method, urlsplit(relative).path)
            message = (
                f"{what}: the credential lacks the permission this call needs: {needed} "
                f"(every command together: {self.credential.scopes}). Give it that scope, or "
                f"set another with {self.credential.where()}."
            )
            return AuthError(self._redact(f"{message} Vendor said: {detail}"), status=status)
        if status == 404:
            # Callers turn the 404s they expect into None or their own words; one that
            # reaches a user was not expected: wrong API URL or scope, or a passing glitch.
            message = (
                f"{what}: {detail}; check the API URL and the organization/project in the "
                f"stack config, then {AGAIN_LATER}"
            )
            return NotFound(self._redact(message), status=status, body=body)
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


def _never_sent(error: Exception) -> bool:
    """Whether a transport failure happened before the request could reach the vendor: the
    connection was refused, its name did not resolve, or connecting timed out."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # urllib3's NewConnectionError (refused) and NameResolutionError subclass this one.
    return isinstance(reason, ConnectTimeoutError)


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
