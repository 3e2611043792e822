"""The one HTTP policy's numbers: timeouts, retries, back-off, budgets, and their
`MLPP_HTTP_*` environment overrides (README "Tuning the HTTP policy")."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

POLICY_ENV = {
    "MLPP_HTTP_CONNECT_TIMEOUT": "connect_timeout",
    "MLPP_HTTP_READ_TIMEOUT": "read_timeout",
    "MLPP_HTTP_RETRIES": "retries",
    "MLPP_HTTP_BACKOFF": "backoff",
    "MLPP_HTTP_BACKOFF_MAX": "backoff_max",
    "MLPP_HTTP_BUDGET": "budget",
    "MLPP_HTTP_CREATE_WAIT": "create_wait",
}
"""Environment variables that override one field of the providers' policy each."""


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retry limits; tests shorten them, nothing else changes them."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 5
    backoff: float = 0.5
    backoff_max: float = 30.0
    budget: float = 300.0
    create_wait: float = 60.0
    """Seconds to keep looking (with back-off) for an object whose create got no clear
    answer, before saying it was most likely not made: vendors' lists can lag a create."""
    pace: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HttpPolicy:
        """The default policy with the `MLPP_HTTP_*` overrides found in the environment.

        The provider process inherits the environment of `pulumi`, so a slow network (or a
        fast end-to-end test) can change timeouts without touching the stack config.
        Raises ValueError naming the variable when a value is not a number >= 0.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for var, name in POLICY_ENV.items():
            raw = environ.get(var, "").strip()
            if not raw:
                continue
            convert = int if name == "retries" else float
            try:
                value = convert(raw)
            except ValueError:
                value = -1
            floor = 0 if name.endswith("timeout") else -1  # a zero timeout never answers
            if value <= floor:
                kind = "a whole number" if convert is int else "a number of seconds"
                bound = "above 0" if floor == 0 else "0 or more"
                raise ValueError(f"{var}={raw!r} is not allowed: must be {kind}, {bound}")
            values[name] = value
        return cls(**values)
