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

from mlpp_monitoring.http import CallScope, Credential

UPTIMEROBOT_API_URL = "https://api.uptimerobot.com/v3"
SENTRY_BASE_URL = "https://sentry.io"

ConfigLookup = Callable[[str], object]
"""`key -> value or None`, for full keys such as `uptimerobot:apiKey`."""


SENTRY_CALL_SCOPES = (
    CallScope("GET", r"/projects/[^/]+/[^/]+/$", "project:read"),
    CallScope("GET", r"/organizations/[^/]+/environments/", "org:read"),
    CallScope("GET", r"/organizations/[^/]+/detectors/", "alerts:read (or org:read)"),
    CallScope("GET", r"/organizations/[^/]+/workflows/", "alerts:read (or org:read)"),
    CallScope("*", r"/organizations/[^/]+/workflows/", "alerts:write"),
    CallScope("GET", r"/organizations/[^/]+/issues/", "event:read"),
)
"""The scope each Sentry call of this project needs, from the permission class of the
endpoint (Sentry's `scope_map`s; docs/vendors/sentry.md cites each one)."""

SENTRY_SCOPES = "project:read org:read alerts:read alerts:write event:read"
"""Every scope the commands need together: provisioning (`pulumi preview`/`up`, `drift`,
`discover`) needs the first four, `status` reads issues (`event:read`)."""


class CredentialUnavailable(ValueError):
    """A vendor's credential cannot be had; the message says why and what to do."""


class MissingCredential(CredentialUnavailable):
    """No credential is configured for a vendor; the message says how to set one."""


class SecretUnreadable(CredentialUnavailable):
    """A stack secret exists but could not be decrypted (no passphrase, a wrong one, no
    backend login): never reported as missing, which would send people the wrong way."""


@dataclass(frozen=True)
class VendorSettings:
    """One vendor's API location and credential."""

    base_url: str
    credential: Credential


def _lookup(config: ConfigLookup | None, key: str, env: str) -> str | None:
    try:
        value = config(key) if config else None
    except SecretUnreadable as exc:
        # The environment variable, when set, is the credential this shell means to use.
        if os.environ.get(env):
            return os.environ[env]
        raise SecretUnreadable(f"{exc}; or export {env} instead") from None
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
            f"`pulumi config set --secret sentry:authToken` or SENTRY_AUTH_TOKEN "
            f"(a token with the scopes {SENTRY_SCOPES})"
        )
    credential = Credential(
        vendor="Sentry",
        config_key="sentry:authToken",
        env_var="SENTRY_AUTH_TOKEN",
        scopes=SENTRY_SCOPES,
        value=token,
        call_scopes=SENTRY_CALL_SCOPES,
    )
    return VendorSettings(base_url=url, credential=credential)
