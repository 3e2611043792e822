"""Errors people can act on: which credential, what the vendor said, never the secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mlpp_monitoring.http import HttpPolicy
from mlpp_monitoring.provider_host import ProviderError
from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import (
    MONITORS_PATH,
    configured,
    declared_alert,
    declared_monitor,
    live_monitors,
    live_workflows,
    stack_config,
)

WRONG_KEY = "ur-wrong-key-0123456789abcdef"
WRONG_TOKEN = "sntrys_wrong_token_0123456789abcdef"

CREDENTIALS = {
    "uptimerobot": (
        UptimeMonitorProvider,
        declared_monitor,
        "uptimerobot:apiKey",
        WRONG_KEY,
        "UPTIMEROBOT_API_KEY",
    ),
    "sentry": (
        ErrorAlertProvider,
        declared_alert,
        "sentry:authToken",
        WRONG_TOKEN,
        "SENTRY_AUTH_TOKEN",
    ),
}


def _operations(provider: Any, declared: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {
        "create": lambda: provider.create(declared),
        "read": lambda: provider.read("800000001", declared),
        "update": lambda: provider.update("800000001", declared, declared),
        "delete": lambda: provider.delete("800000001", declared),
    }


@pytest.mark.parametrize("operation", ["check", "create", "read", "update", "delete"])
@pytest.mark.parametrize("vendor", sorted(CREDENTIALS))
def test_rejected_credential_is_named_and_never_shown(
    sb: Sandbox, vendor: str, operation: str
) -> None:
    provider_class, declare, key, wrong, env_var = CREDENTIALS[vendor]
    provider = configured(provider_class, stack_config(sb, **{key: wrong}))
    declared = declare()
    if operation == "check":
        (failure,) = provider.check({}, declared).failures
        message = failure.reason
    else:
        with pytest.raises(ProviderError) as error:
            _operations(provider, declared)[operation]()
        message = str(error.value)
    assert "401" in message
    assert key in message and env_var in message
    assert wrong not in message
    assert sb.options.uptimerobot_key not in message and sb.options.sentry_token not in message


@pytest.mark.parametrize("vendor", sorted(CREDENTIALS))
def test_missing_credential_says_how_to_set_it(
    sb: Sandbox, vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider_class, declare, key, _wrong, env_var = CREDENTIALS[vendor]
    monkeypatch.delenv(env_var, raising=False)
    config = {k: v for k, v in stack_config(sb).items() if k != key}
    provider = configured(provider_class, config)
    with pytest.raises(ProviderError) as error:
        provider.create(declare())
    assert key in str(error.value) and env_var in str(error.value)
    assert sb.journal == []


READ_ONLY = ("project:read", "org:read", "alerts:read")
"""A token that can preview and detect drift, not apply."""


def test_a_missing_scope_names_the_scope_of_the_failed_call(
    start_sandbox: Callable[..., Sandbox],
) -> None:
    sb = start_sandbox(sentry_token_scopes=READ_ONLY)
    provider = configured(ErrorAlertProvider, stack_config(sb))
    checked = provider.check({}, declared_alert())
    assert checked.failures == []  # preview needs no write scope
    with pytest.raises(ProviderError) as error:
        provider.create(checked.inputs)
    message = str(error.value)
    assert "POST /organizations/mlpp/workflows/ answered HTTP 403" in message
    assert "this call needs: alerts:write" in message
    assert "SENTRY_AUTH_TOKEN" in message and sb.options.sentry_token not in message
    assert live_workflows(sb) == []


def test_a_missing_read_scope_fails_the_preview_and_names_it(
    start_sandbox: Callable[..., Sandbox],
) -> None:
    sb = start_sandbox(sentry_token_scopes=("project:read", "alerts:read", "alerts:write"))
    provider = configured(ErrorAlertProvider, stack_config(sb))
    (failure,) = provider.check({}, declared_alert()).failures
    assert "GET /organizations/mlpp/environments/ answered HTTP 403" in failure.reason
    assert "this call needs: org:read" in failure.reason


def test_monitor_400_shows_the_vendor_field_messages(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    # Valid for the spec model, refused by the free plan.
    with pytest.raises(ProviderError) as error:
        monitors.create(declared_monitor(interval=60))
    message = str(error.value)
    assert "HTTP 400" in message
    assert "interval must not be less than 300 on your current plan" in message
    assert live_monitors(sb) == []


def test_alert_400_shows_the_vendor_field_messages(sb: Sandbox, alerts: ErrorAlertProvider) -> None:
    with pytest.raises(ProviderError) as error:
        alerts.create(declared_alert("spike", event_interval="5min"))
    message = str(error.value)
    assert "HTTP 400" in message
    assert "comparison" in message and "5min" in message
    assert live_workflows(sb) == []


def test_uptimerobot_html_429_is_reported_as_text(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    sb.inject("429", method="POST", path=MONITORS_PATH, times=None, retry_after=0)
    with pytest.raises(ProviderError) as error:
        monitors.create(declared_monitor())
    message = str(error.value)
    assert "HTTP 429" in message
    assert "Rate limit exceeded, retry in 0 seconds" in message
    assert "null" not in message.lower()
    assert "JSON" not in message and "Expecting value" not in message
    answer = next(e for e in sb.journal if e["status"] == 429)
    assert answer["response_headers"]["Content-Type"].startswith("text/html")


def test_uptimerobot_html_429_during_read_is_reported_as_text(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    created = monitors.create(declared_monitor())
    sb.inject("429", method="GET", path=f"{MONITORS_PATH}/*", times=None, retry_after=0)
    with pytest.raises(ProviderError) as error:
        monitors.read(created.id, created.outs)
    assert "Rate limit exceeded" in str(error.value)
    assert "null" not in str(error.value).lower()


@pytest.mark.parametrize("vendor", sorted(CREDENTIALS))
def test_api_that_hangs_fails_within_the_budget(sb: Sandbox, vendor: str) -> None:
    provider_class, declare, *_ = CREDENTIALS[vendor]
    policy = HttpPolicy(read_timeout=0.2, retries=1, backoff=0.01, budget=2.0)
    provider = configured(provider_class, stack_config(sb), policy)
    sb.inject("hang", method="GET", times=None, seconds=3.0)
    with pytest.raises(ProviderError) as error:
        provider.read("800000001", declare())
    assert "did not answer in time" in str(error.value)
    assert len(sb.journal) == 2  # the GET and its one retry


def test_gateway_error_page_is_shortened_text(sb: Sandbox, monitors: UptimeMonitorProvider) -> None:
    created = monitors.create(declared_monitor())
    sb.inject("502", method="GET", path=f"{MONITORS_PATH}/*", times=None)
    with pytest.raises(ProviderError) as error:
        monitors.read(created.id, created.outs)
    assert "HTTP 502" in str(error.value) and "Bad Gateway" in str(error.value)


@pytest.mark.parametrize("vendor", sorted(CREDENTIALS))
def test_time_budget_spent_during_a_timeout_is_a_clean_error(sb: Sandbox, vendor: str) -> None:
    """The budget ends while a call is hanging: an error people can read, not a crash."""
    provider_class, declare, *_ = CREDENTIALS[vendor]
    policy = HttpPolicy(read_timeout=0.3, retries=3, backoff=0.01, budget=0.2)
    provider = configured(provider_class, stack_config(sb), policy)
    sb.inject("hang", method="GET", times=None, seconds=3.0)
    with pytest.raises(ProviderError) as error:
        provider.read("800000001", declare())
    assert "did not answer in time" in str(error.value)
    assert len(sb.journal) == 1  # nothing retried past the budget
