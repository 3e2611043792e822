"""One HTTP policy for both vendors: timeouts, retries, rate limits and errors people can act on.

Both API clients are thin layers over `ApiSession` (`session`). Retrying is urllib3's
`Retry`, taught three things the vendors need (`retry`): a 429 is retried for every
method (the request was not processed), other failures only for idempotent methods (a
POST that timed out may have created the object: the caller looks it up instead);
UptimeRobot's `X-RateLimit-Reset` is honoured like `Retry-After`; and no operation retries
past its time budget (`policy`). Calls are paced over the vendor's announced rate-limit
window (`pacing`); failures become `ApiError`s that say what to do (`errors`).
"""

from mlpp_monitoring.http.credential import CallScope, Credential
from mlpp_monitoring.http.errors import (
    AGAIN_LATER,
    ApiError,
    AuthError,
    InvalidRequest,
    NotFound,
    Unavailable,
)
from mlpp_monitoring.http.pacing import pacer_for
from mlpp_monitoring.http.policy import POLICY_ENV, HttpPolicy
from mlpp_monitoring.http.retry import IDEMPOTENT_METHODS, RETRY_STATUSES
from mlpp_monitoring.http.session import USER_AGENT, ApiSession

__all__ = [
    "AGAIN_LATER",
    "IDEMPOTENT_METHODS",
    "POLICY_ENV",
    "RETRY_STATUSES",
    "USER_AGENT",
    "ApiError",
    "ApiSession",
    "AuthError",
    "CallScope",
    "Credential",
    "HttpPolicy",
    "InvalidRequest",
    "NotFound",
    "Unavailable",
    "pacer_for",
]
