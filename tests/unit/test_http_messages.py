"""What an exhausted call says: the vendor's words (not its HTML), the attempts, what to do."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlpp_monitoring.http import ApiError, ApiSession, HttpPolicy, Unavailable
from mlpp_monitoring.vendors import SENTRY, SENTRY_CALL_SCOPES, SENTRY_SCOPES, UPTIMEROBOT
from mlpp_sandbox import Sandbox

FAST = HttpPolicy(read_timeout=0.3, retries=2, backoff=0.01, backoff_max=0.02, budget=5)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def _session(sb: Sandbox) -> ApiSession:
    credential = UPTIMEROBOT.credential(sb.options.uptimerobot_key)
    return ApiSession(sb.urls["uptimerobot"], credential, policy=FAST)


@pytest.mark.parametrize(("kind", "words"), [("502", "Bad Gateway"), ("500", "Internal")])
def test_a_server_error_past_the_retries_says_what_to_do(
    sb: Sandbox, kind: str, words: str
) -> None:
    sb.inject(kind, method="GET", times=None, retry_after=0)
    with pytest.raises(Unavailable) as error:
        _session(sb).request("GET", "/monitors/1")
    message = str(error.value)
    assert f"HTTP {kind} (after 3 attempts)" in message and words in message
    assert "<" not in message and "run the same command again later" in message


def test_a_lasting_rate_limit_says_when_to_come_back(sb: Sandbox) -> None:
    sb.inject("429", method="GET", times=None, retry_after=0)
    with pytest.raises(Unavailable) as error:
        _session(sb).request("GET", "/monitors/1")
    assert "Rate limit exceeded" in str(error.value) and "in a minute" in str(error.value)


def test_a_dropped_post_is_not_said_to_be_retried(sb: Sandbox) -> None:
    sb.inject("drop", method="POST", times=None)
    with pytest.raises(Unavailable) as error:
        _session(sb).request("POST", "/monitors", json_body={})
    message = str(error.value)
    assert "after retries" not in message and "run the same command again later" in message
    assert sb.calls("POST") == 1


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/projects/mlpp/mlpp-web/", "project:read"),
        ("GET", "/organizations/mlpp/environments/", "org:read"),
        ("GET", "/organizations/mlpp/detectors/", "alerts:read (or org:read)"),
        ("GET", "/organizations/mlpp/workflows/", "alerts:read (or org:read)"),
        ("GET", "/organizations/mlpp/workflows/7001/", "alerts:read (or org:read)"),
        ("POST", "/organizations/mlpp/workflows/", "alerts:write"),
        ("PUT", "/organizations/mlpp/workflows/7001/", "alerts:write"),
        ("DELETE", "/organizations/mlpp/workflows/7001/", "alerts:write"),
        ("GET", "/organizations/mlpp/issues/", "event:read"),
    ],
)
def test_each_sentry_call_names_its_scope(method: str, path: str, scope: str) -> None:
    credential = SENTRY.settings(lambda key: "t" if key == "sentry:authToken" else None).credential
    assert credential.scope_for(method, path) == scope


def test_every_scope_a_call_needs_is_in_the_documented_set() -> None:
    named = {rule.scope.split()[0] for rule in SENTRY_CALL_SCOPES}
    assert named <= set(SENTRY_SCOPES.split())
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{SENTRY_SCOPES}`" in readme


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there any more: connecting is refused


def test_a_refused_connection_proves_nothing_was_done() -> None:
    credential = UPTIMEROBOT.credential("v")
    session = ApiSession(f"http://127.0.0.1:{_closed_port()}/v3", credential, policy=FAST)
    with pytest.raises(Unavailable) as error:
        session.request("POST", "/monitors", json_body={})
    assert error.value.not_performed


@pytest.mark.parametrize("kind", ["hang", "drop", "500", "create-then-404"])
def test_an_answer_lost_or_failed_after_sending_leaves_the_outcome_unknown(
    sb: Sandbox, kind: str
) -> None:
    sb.inject(kind, method="POST", seconds=1.0)
    with pytest.raises(ApiError) as error:
        _session(sb).request("POST", "/monitors", json_body={})
    assert not error.value.not_performed


def test_a_429_proves_nothing_was_done(sb: Sandbox) -> None:
    sb.inject("429", method="POST", times=None, retry_after=0)
    with pytest.raises(Unavailable) as error:
        _session(sb).request("POST", "/monitors", json_body={})
    assert error.value.not_performed and error.value.status == 429
