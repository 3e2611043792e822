"""Fixtures for the sandbox's own tests: a running sandbox and thin HTTP clients."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mlpp_sandbox import Sandbox, SandboxOptions
from tests.sandbox_fixtures import FakeClock, clock, sandbox
from tests.vendor_bodies import http_monitor

__all__ = ["FakeClock", "clock", "http_monitor", "sandbox"]  # fixtures, and what tests import

UR_KEY = SandboxOptions().uptimerobot_key
SENTRY_TOKEN = SandboxOptions().sentry_token
ORG = "/api/0/organizations/mlpp"


class Client:
    """requests with a base URL and a Bearer token; never raises on HTTP errors."""

    def __init__(self, base_url: str, token: str | None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 5)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def ur(sandbox: Sandbox) -> Client:
    """UptimeRobot client; paths start after /v3."""
    return Client(sandbox.urls["uptimerobot"], UR_KEY)


@pytest.fixture
def sentry(sandbox: Sandbox) -> Client:
    """Sentry client; paths start with /api/0."""
    return Client(sandbox.urls["sentry"], SENTRY_TOKEN)


@pytest.fixture
def control(sandbox: Sandbox) -> Client:
    """The control API (no auth)."""
    return Client(sandbox.base_url, None)


@pytest.fixture
def contact_id(sandbox: Sandbox) -> int:
    return next(iter(sandbox.uptimerobot.alert_contacts))


@pytest.fixture
def detector_id(sandbox: Sandbox) -> str:
    return str(sandbox.sentry.issue_stream_detector().id)
