"""The two vendors, in one table: where each API is, which credential it takes, how to set it.

Credentials come from the stack's secrets (`uptimerobot:apiKey`, `sentry:authToken`) or
from the environment (`UPTIMEROBOT_API_KEY`, `SENTRY_AUTH_TOKEN`). They are read in the
provider process when Pulumi configures it, so they never enter the pickled provider, the
state's plaintext or a resource input. Every message about a credential (missing, not
decryptable, rejected, lacking a scope) is worded from this table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from mlpp_monitoring.http import CallScope, Credential

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


@dataclass(frozen=True)
class Vendor:
    """One vendor: its API location and credential, as config keys, variables and words."""

    name: str
    credential_name: str
    """What the vendor calls the credential, e.g. `API key`."""
    credential_key: str
    """The stack secret holding it, e.g. `uptimerobot:apiKey`."""
    credential_env: str
    """The environment variable holding it, e.g. `UPTIMEROBOT_API_KEY`."""
    where_to_get: str
    """Where in the vendor's console to get one, or what it must allow."""
    scopes: str
    """What the credential must allow, for every command together."""
    url_key: str
    url_env: str
    default_url: str
    call_scopes: tuple[CallScope, ...] = ()

    def how_to_set(self) -> str:
        """How a user sets (or replaces) the credential, for error messages."""
        return (
            f"`pulumi config set --secret {self.credential_key} ...` "
            f"or the environment variable {self.credential_env}"
        )

    def credential(self, value: str) -> Credential:
        """The credential with this value, and the words errors say about it."""
        return Credential(
            vendor=self.name,
            value=value,
            scopes=self.scopes,
            how_to_set=self.how_to_set(),
            call_scopes=self.call_scopes,
        )

    def settings(self, config: ConfigLookup | None = None) -> VendorSettings:
        """The API URL and credential, from the stack config first, then the environment.

        Raises MissingCredential (saying how to set one) or SecretUnreadable."""
        value = _lookup(config, self.credential_key, self.credential_env)
        url = _lookup(config, self.url_key, self.url_env) or self.default_url
        if not value:
            raise MissingCredential(
                f"{self.name} {self.credential_name} missing: set it with "
                f"`pulumi config set --secret {self.credential_key}` or {self.credential_env} "
                f"({self.where_to_get})"
            )
        return VendorSettings(base_url=url, credential=self.credential(value))


UPTIMEROBOT = Vendor(
    name="UptimeRobot",
    credential_name="API key",
    credential_key="uptimerobot:apiKey",
    credential_env="UPTIMEROBOT_API_KEY",
    where_to_get="UptimeRobot > Integrations > API > Main API key",
    scopes="a main (read-write) API key",
    url_key="uptimerobot:apiUrl",
    url_env="UPTIMEROBOT_API_URL",
    default_url="https://api.uptimerobot.com/v3",
)

SENTRY = Vendor(
    name="Sentry",
    credential_name="auth token",
    credential_key="sentry:authToken",
    credential_env="SENTRY_AUTH_TOKEN",
    where_to_get=f"a token with the scopes {SENTRY_SCOPES}",
    scopes=SENTRY_SCOPES,
    url_key="sentry:baseUrl",
    url_env="SENTRY_BASE_URL",
    default_url="https://sentry.io",
    call_scopes=SENTRY_CALL_SCOPES,
)


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
