"""The errors of a vendor call, in words people can act on, and never with a credential.

Each says which vendor, which call, what the vendor answered (its words, not a load
balancer's HTML), how many attempts were made, and what to do: wait and run the same
command again, fix the credential or its scope (naming the one the call needs), or check
the API URL and the stack config.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from mlpp_monitoring.http.credential import Credential
from mlpp_monitoring.http.retry import IDEMPOTENT_METHODS

AGAIN_LATER = "run the same command again later (running it again is safe)"
"""What to do when a vendor is down or slow: every operation can be run again."""


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


def redact(credential: Credential, text: str) -> str:
    """`text` with the credential's value masked (messages may quote URLs and bodies)."""
    secret = credential.value
    return text.replace(secret, "***") if secret else text


def transport_failure(
    credential: Credential, method: str, path: str, exc: Exception
) -> Unavailable:
    """A call that got no answer (a timeout, a dropped or refused connection, retries spent
    on 5xx), as the error people read; `not_performed` when it never reached the vendor."""
    reason = exc.__class__.__name__
    inner = getattr(exc, "args", [None])[0]
    if isinstance(inner, MaxRetryError) and inner.reason is not None:
        reason = inner.reason.__class__.__name__
    retried = ", after retries" if method.upper() in IDEMPOTENT_METHODS else ""
    message = redact(
        credential,
        f"{credential.vendor}: {method} {path} failed ({reason}{retried}): the API "
        f"did not answer in time or closed the connection; {AGAIN_LATER}",
    )
    return Unavailable(message, not_performed=_never_sent(exc))


def error_for(
    credential: Credential, base_url: str, method: str, path: str, response: requests.Response
) -> ApiError:
    """The error an answer of status 400 or more stands for, in words people can act on."""
    body = _body(response)
    status = response.status_code
    what = f"{credential.vendor}: {method} {path} answered HTTP {status}"
    detail = _detail(body)
    if status == 401:
        message = (
            f"{what}: the credential was rejected (wrong, expired or revoked). "
            f"Set it with {credential.how_to_set}."
        )
        return AuthError(redact(credential, f"{message} Vendor said: {detail}"), status=status)
    if status == 403:
        relative = path.removeprefix(base_url) if path.startswith("http") else path
        needed = credential.scope_for(method, urlsplit(relative).path)
        message = (
            f"{what}: the credential lacks the permission this call needs: {needed} "
            f"(every command together: {credential.scopes}). Give it that scope, or "
            f"set another with {credential.how_to_set}."
        )
        return AuthError(redact(credential, f"{message} Vendor said: {detail}"), status=status)
    if status == 404:
        # Callers turn the 404s they expect into None or their own words; one that
        # reaches a user was not expected: wrong API URL or scope, or a passing glitch.
        message = (
            f"{what}: {detail}; check the API URL and the organization/project in the "
            f"stack config, then {AGAIN_LATER}"
        )
        return NotFound(redact(credential, message), status=status, body=body)
    if status == 400 or status == 422:
        return InvalidRequest(redact(credential, f"{what}: {detail}"), status=status, body=body)
    attempts = _attempts(response)
    tried = f" (after {attempts} attempts)" if attempts > 1 else ""
    if status == 429:
        message = f"{what}{tried}: {detail}; rate limited: run the same command in a minute"
        return Unavailable(redact(credential, message), status=status, body=body)
    if status == 410:
        sunset = response.headers.get("x-sentry-deprecation-date", "")
        hint = f" (deprecated endpoint, sunset {sunset})" if sunset else ""
        message = (
            f"{what}{hint}{tried}: {detail}; a deprecation brownout is temporary: "
            f"{AGAIN_LATER}; if it lasts, the endpoint is gone: upgrade mlpp-monitoring"
        )
        return Unavailable(redact(credential, message), status=status)
    if status >= 500:
        message = f"{what}{tried}: {detail}; the service is failing: {AGAIN_LATER}"
        return Unavailable(redact(credential, message), status=status, body=body)
    return Unavailable(redact(credential, f"{what}{tried}: {detail}"), status=status, body=body)


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
