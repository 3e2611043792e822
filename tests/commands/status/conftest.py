"""Fixtures for `status`: a sandbox on a fixed clock, a project dir pointed at it."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlpp_monitoring.commands.status.collect import STATUS_POLICY
from mlpp_monitoring.commands.status.command import run_status
from mlpp_monitoring.http import HttpPolicy
from mlpp_sandbox import Sandbox
from tests.sandbox_fixtures import FakeClock, clock, sandbox

from .scenarios import STACK, write_project

__all__ = ["clock", "sandbox"]  # the shared fixtures


@dataclass
class Run:
    """One `status` run: exit code, what it printed, the vendor calls it made."""

    code: int
    output: str
    uptimerobot_calls: int
    sentry_calls: int

    @property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.output)
        return parsed


StatusRunner = Callable[..., Run]


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project dir with the production stack aimed at the sandbox; keys from the env."""
    for name in ("UPTIMEROBOT_API_URL", "SENTRY_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UPTIMEROBOT_API_KEY", sandbox.options.uptimerobot_key)
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", sandbox.options.sentry_token)
    return write_project(tmp_path, sandbox)


@pytest.fixture
def status(project: Path, sandbox: Sandbox, clock: FakeClock) -> StatusRunner:
    """Run `status` against the sandbox; the journal is cleared first."""

    def run(*, as_json: bool = False, policy: HttpPolicy = STATUS_POLICY) -> Run:
        sandbox._journal.clear()
        out = io.StringIO()
        code = run_status(STACK, project, as_json, out=out, clock=clock, policy=policy)
        return Run(
            code=code,
            output=out.getvalue(),
            uptimerobot_calls=sandbox.calls(path_prefix="/v3"),
            sentry_calls=sandbox.calls(path_prefix="/api/0"),
        )

    return run
