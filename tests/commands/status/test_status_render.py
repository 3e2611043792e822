"""The screen: plain text off a terminal, colours on one, never wider than 100 columns."""

from __future__ import annotations

import io
import os
import re
import shutil
from typing import Any

import pytest
from rich.console import Console

from mlpp_monitoring.commands.status import render as status_render
from mlpp_monitoring.commands.status.command import run_status
from mlpp_monitoring.commands.status.render import render
from mlpp_sandbox import Sandbox

from . import scenarios
from .conftest import StatusRunner
from .scenarios import STACK, FakeClock

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SCENARIOS = [scenarios.all_up, scenarios.site_down, scenarios.login_spike]


class _Terminal(io.StringIO):
    """A stdout that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_plain_output_has_no_colour_codes_and_fits_100_columns(
    sandbox: Sandbox, status: StatusRunner, scenario: Any
) -> None:
    scenario(sandbox)
    out = status().output
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert all(line == line.rstrip() for line in out.splitlines())


def test_a_long_issue_title_wraps_within_100_columns(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    scenarios.all_up(sandbox)
    title = "FlutterError: " + "a very long message about the réception form " * 6
    sandbox.sentry.add_issue(
        title, culprit="/reception/" + "x" * 150, first_seen=scenarios.NOW - 60
    )
    out = status().output
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "BLOQUANTE" in out and "(réception)" in out


def test_a_terminal_gets_colours_and_at_most_100_columns(
    sandbox: Sandbox,
    project: Any,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenarios.login_spike(sandbox)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *_: os.terminal_size((180, 50)))
    terminal = _Terminal()
    assert run_status(STACK, project, False, out=terminal, clock=clock) == 1
    text = terminal.getvalue()
    assert ANSI.search(text), "a terminal should get colours"
    plain = ANSI.sub("", text)
    assert max(len(line) for line in plain.splitlines()) <= 100
    assert "BLOQUANTE" in plain


def test_a_narrow_terminal_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *_: os.terminal_size((72, 24)))
    assert status_render.terminal_console(io.StringIO()).width == 72


def test_a_given_console_is_used_as_is(sandbox: Sandbox, project: Any, clock: FakeClock) -> None:
    scenarios.site_down(sandbox)
    console = Console(file=io.StringIO(), width=100, record=True, force_terminal=True)
    assert run_status(STACK, project, False, console=console, clock=clock) == 1
    assert "PROD DOWN" in console.export_text()


def test_render_needs_nothing_but_the_report(sandbox: Sandbox, status: StatusRunner) -> None:
    from mlpp_monitoring.commands.status.model import StatusReport

    scenarios.site_down(sandbox)
    report = StatusReport.model_validate_json(status(as_json=True).output)
    console = Console(file=io.StringIO(), width=100, record=True)
    render(report, console)
    assert "HTTP 503 (Service Unavailable)" in console.export_text()
