"""`ApiSession`: one vendor's calls under the one HTTP policy.

Each call gets timeouts, urllib3's retries with the vendors' rules and a time budget
(`retry`), its turn in the credential's rate limit (`pacing`), and an `ApiError` people
can act on when it fails (`errors`). Both API clients are thin layers over it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from mlpp_monitoring.http.credential import Credential
from mlpp_monitoring.http.errors import error_for, transport_failure
from mlpp_monitoring.http.pacing import pacer_for
from mlpp_monitoring.http.policy import HttpPolicy
from mlpp_monitoring.http.retry import retry_for

USER_AGENT = "mlpp-monitoring"
"""What every call says it comes from (`status` adds its name)."""


class ApiSession:
    """A requests session for one vendor, with the project's single HTTP policy."""

    def __init__(
        self,
        base_url: str,
        credential: Credential,
        *,
        policy: HttpPolicy | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.policy = policy or HttpPolicy()
        self._user_agent = user_agent
        self._pacer = pacer_for(self.base_url, credential)
        self._local = threading.local()
        self._count_lock = threading.Lock()
        self.calls = 0
        """Calls sent through this session (each one request: urllib3's retries inside a
        call are not counted): `status` reports them against its budget."""

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

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
    ) -> requests.Response:
        """Send one call under the policy; return the response or raise an `ApiError`."""
        with self._count_lock:
            self.calls += 1
        session = self._session()
        # A fresh Retry per call gives each call its own deadline; the pooled adapter stays.
        self._local.adapter.max_retries = retry_for(self.policy)
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
        except (requests.exceptions.RetryError, requests.ConnectionError, requests.Timeout) as exc:
            raise transport_failure(self.credential, method, path, exc) from None
        finally:
            if self.policy.pace:
                self._pacer.observe(answered)
        if response.status_code >= 400:
            raise error_for(self.credential, self.base_url, method, path, response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, then the JSON body (None for an empty body such as a 204)."""
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None
