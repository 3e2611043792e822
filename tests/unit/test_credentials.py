"""Credentials: a stack secret that cannot be decrypted is never called missing."""

from __future__ import annotations

import pytest

from mlpp_monitoring.commands.engine import SANDBOX_PASSPHRASE, engine_env
from mlpp_monitoring.vendors import (
    SENTRY,
    UPTIMEROBOT,
    MissingCredential,
    SecretUnreadable,
)


def _unreadable(key: str) -> object:
    """A stack whose two secrets cannot be decrypted (its other keys are unset)."""
    if key in ("uptimerobot:apiKey", "sentry:authToken"):
        raise SecretUnreadable(f"{key} is set in Pulumi.x.yaml but could not be decrypted")
    return None


def test_an_unreadable_secret_says_so_and_names_the_variable_that_would_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("UPTIMEROBOT_API_KEY", raising=False)
    with pytest.raises(SecretUnreadable) as error:
        UPTIMEROBOT.settings(_unreadable)
    message = str(error.value)
    assert "uptimerobot:apiKey" in message and "could not be decrypted" in message
    assert "UPTIMEROBOT_API_KEY" in message and "missing" not in message


def test_the_environment_serves_when_the_secret_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "from-the-shell")
    assert SENTRY.settings(_unreadable).credential.value == "from-the-shell"


def test_no_secret_and_no_variable_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTRY_AUTH_TOKEN", raising=False)
    with pytest.raises(MissingCredential, match="Sentry auth token missing"):
        SENTRY.settings(lambda key: None)


@pytest.mark.parametrize(
    "shell",
    [{}, {"PULUMI_CONFIG_PASSPHRASE": "production-one"}, {"PULUMI_CONFIG_PASSPHRASE_FILE": "/x"}],
)
def test_the_sandbox_stack_always_gets_its_demo_passphrase(shell: dict[str, str]) -> None:
    env = engine_env(base={"PATH": "/usr/bin", **shell}, stack="sandbox")
    assert env["PULUMI_CONFIG_PASSPHRASE"] == SANDBOX_PASSPHRASE
    assert "PULUMI_CONFIG_PASSPHRASE_FILE" not in env
    other = engine_env(base={"PATH": "/usr/bin", **shell}, stack="production")
    assert other.get("PULUMI_CONFIG_PASSPHRASE") == shell.get("PULUMI_CONFIG_PASSPHRASE")
