"""How a sandbox is set up (`SandboxOptions`): loopback address, credentials, the vendor
behaviours each run chooses, the accounts file, the clock."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def is_loopback(host: str) -> bool:
    """Whether ``host`` names a loopback interface (the only place the sandbox listens)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SandboxOptions:
    """How a :class:`Sandbox` is set up. Defaults suit tests (port 0 = a free port)."""

    host: str = "127.0.0.1"
    port: int = 0
    journal_path: Path | None = None
    """Append one JSON line per vendor request to this file."""
    uptimerobot_key: str = "sandbox-uptimerobot-key"
    sentry_token: str = "sandbox-sentry-token"
    sentry_token_scopes: tuple[str, ...] | None = None
    """The Sentry token's scopes (e.g. ``("project:read", "alerts:read")``): a call its
    endpoint's permission class does not allow answers 403. None: every scope."""
    uptimerobot_contact: str = "ops@monaluxe.app"
    """E-mail of the account's one alert contact."""
    uptimerobot_monitor_limit: int = 50
    uptimerobot_plan: str = "free"
    """free (300 s minimum, contact threshold/recurrence 0), solo, team (60 s), enterprise."""
    uptimerobot_list_lag: float = 0.0
    """Seconds before a created monitor shows in GET /monitors and GET /monitors/{id}."""
    uptimerobot_list_lag_match: str | None = None
    """Only monitors whose name or URL contains this text lag (None: every monitor): one
    sandbox can then hold lagging and prompt monitors side by side (the fault suite)."""
    uptimerobot_contact_state: str = "active"
    """The account's contact: active, not-activated (address never confirmed), paused, or
    up-only (notifies on UP only): the last three page nobody when a monitor goes down."""
    sentry_org: str = "mlpp"
    sentry_project: str = "mlpp-web"
    sentry_environments: tuple[str, ...] = ("production",)
    sentry_key_case: str = "both"
    """``both`` (current Sentry) or ``camel-only``: an older Sentry that silently ignores
    the snake_case ``detector_ids`` (see ``sentry.keycase.RAW_BODY_KEYS``)."""
    rate_limit: int | None = None
    """UptimeRobot requests allowed per window; None: never answer 429."""
    rate_window: float = 60.0
    seed: int = 0
    """Seed of the random order of read-back lists (same seed, same order)."""
    state_path: Path | None = None
    """Keep both accounts across runs: loaded at start if present, saved at stop.

    The demo uses it so that its second `pulumi up` finds what the first one created
    (a sandbox that forgot would make the state lie). A pickle: only load files this
    sandbox wrote.
    """
    clock: Callable[[], float] = field(default=time.time, compare=False)
    """Epoch-seconds clock for timestamps and rate-limit windows (tests inject one)."""

    def __post_init__(self) -> None:
        if not is_loopback(self.host):
            raise ValueError(f"the sandbox only listens on loopback, not {self.host!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"invalid port {self.port}")
