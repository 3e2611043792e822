"""Where each vendor is and which credential to use, read at run time, never stored.

Credentials come from the stack's secrets (`uptimerobot:apiKey`, `sentry:authToken`) or
from the environment (`UPTIMEROBOT_API_KEY`, `SENTRY_AUTH_TOKEN`). They are read in the
provider process when Pulumi configures it, so they never enter the pickled provider, the
state's plaintext or a resource input.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from mlpp_monitoring.http import Credential

UPTIMEROBOT_API_URL = "https://api.uptimerobot.com/v3"
SENTRY_BASE_URL = "https://sentry.io"

ConfigLookup = Callable[[str], object]
"""`key -> value or None`, for full keys such as `uptimerobot:apiKey`."""


class MissingCredential(ValueError):
    """No credential is configured for a vendor; the message says how to set one."""


@dataclass(frozen=True)
class VendorSettings:
    """One vendor's API location and credential."""

    base_url: str
    credential: Credential


def _lookup(config: ConfigLookup | None, key: str, env: str) -> str | None:
    value = config(key) if config else None
    if value in (None, ""):
        value = os.environ.get(env) or None
    return None if value is None else str(value)


def uptimerobot_settings(config: ConfigLookup | None = None) -> VendorSettings:
    """UptimeRobot's API URL and key, from the stack config first, then the environment."""
    key = _lookup(config, "uptimerobot:apiKey", "UPTIMEROBOT_API_KEY")
    url = _lookup(config, "uptimerobot:apiUrl", "UPTIMEROBOT_API_URL") or UPTIMEROBOT_API_URL
    if not key:
        raise MissingCredential(
            "UptimeRobot API key missing: set it with "
            "`pulumi config set --secret uptimerobot:apiKey` or UPTIMEROBOT_API_KEY "
            "(UptimeRobot > Integrations > API > Main API key)"
        )
    credential = Credential(
        vendor="UptimeRobot",
        config_key="uptimerobot:apiKey",
        env_var="UPTIMEROBOT_API_KEY",
        scopes="a main (read-write) API key",
        value=key,
    )
    return VendorSettings(base_url=url, credential=credential)


def sentry_settings(config: ConfigLookup | None = None) -> VendorSettings:
    """Sentry's base URL and auth token, from the stack config first, then the environment."""
    token = _lookup(config, "sentry:authToken", "SENTRY_AUTH_TOKEN")
    url = _lookup(config, "sentry:baseUrl", "SENTRY_BASE_URL") or SENTRY_BASE_URL
    if not token:
        raise MissingCredential(
            "Sentry auth token missing: set it with "
            "`pulumi config set --secret sentry:authToken` or SENTRY_AUTH_TOKEN "
            "(scopes alerts:read alerts:write project:read org:read)"
        )
    credential = Credential(
        vendor="Sentry",
        config_key="sentry:authToken",
        env_var="SENTRY_AUTH_TOKEN",
        scopes="alerts:read alerts:write project:read org:read",
        value=token,
    )
    return VendorSettings(base_url=url, credential=credential)
