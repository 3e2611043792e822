"""``python -m mlpp_sandbox`` and the options it builds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mlpp_sandbox import SandboxOptions
from mlpp_sandbox.__main__ import build_parser, options_from_args, write_atomically
from mlpp_sandbox.launch import launch


def _wait_for(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"{path} did not appear")


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path, Path]]:
    ready = tmp_path / "ready.json"
    journal = tmp_path / "journal.jsonl"
    launched = launch(
        ready,
        "--journal",
        str(journal),
        "--uptimerobot-key",
        "cli-key",
        "--sentry-environment",
        "production",
        "--sentry-environment",
        "staging",
        log_file=tmp_path / "sandbox.log",
        stdout=subprocess.PIPE,
    )
    process = launched.process
    try:
        yield process, ready, journal
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_cli_serves_writes_the_ready_file_and_stops_on_sigterm(
    started: tuple[subprocess.Popen[str], Path, Path],
) -> None:
    process, ready, journal = started
    urls = json.loads(_wait_for(ready))
    assert process.stdout is not None
    assert json.loads(process.stdout.readline()) == urls
    assert urls["uptimerobot"].startswith("http://127.0.0.1:") and urls["uptimerobot"].endswith(
        "/v3"
    )
    assert urls["uptimerobot"] == urls["sentry"] + "/v3"
    response = requests.get(
        f"{urls['uptimerobot']}/user/me", headers={"Authorization": "Bearer cli-key"}, timeout=5
    )
    assert response.status_code == 200
    environments = requests.get(
        f"{urls['sentry']}/api/0/organizations/mlpp/environments/",
        headers={"Authorization": "Bearer sandbox-sentry-token"},
        timeout=5,
    ).json()
    assert {e["name"] for e in environments} == {"production", "staging"}
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert not ready.exists()
    assert len(journal.read_text().splitlines()) == 2


def test_cli_stops_on_sigint(started: tuple[subprocess.Popen[str], Path, Path]) -> None:
    process, ready, _ = started
    _wait_for(ready)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_cli_refuses_non_loopback_hosts(host: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mlpp_sandbox", "--host", host, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ},
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_defaults() -> None:
    options = options_from_args(build_parser().parse_args([]))
    assert options.port == 8787 and options.host == "127.0.0.1"
    assert options.sentry_environments == ("production",)
    assert options.rate_limit is None
    assert options.uptimerobot_contact == "ops@monaluxe.app"
    assert (options.sentry_org, options.sentry_project) == ("mlpp", "mlpp-web")


def test_environment_flags() -> None:
    parse = build_parser().parse_args
    assert options_from_args(parse(["--no-sentry-environment"])).sentry_environments == ()
    repeated = options_from_args(parse(["--sentry-environment", "a", "--sentry-environment", "b"]))
    assert repeated.sentry_environments == ("a", "b")


def test_rate_limit_flags() -> None:
    options = options_from_args(
        build_parser().parse_args(["--rate-limit", "10", "--rate-window", "30"])
    )
    assert (options.rate_limit, options.rate_window) == (10, 30.0)


def test_vendor_behaviour_flags() -> None:
    parse = build_parser().parse_args
    assert options_from_args(parse([])).sentry_key_case == "both"
    old = options_from_args(parse(["--sentry-key-case", "camel-only"]))
    assert old.sentry_key_case == "camel-only"
    with pytest.raises(SystemExit):
        parse(["--sentry-key-case", "snake-only"])
    assert options_from_args(parse(["--uptimerobot-list-lag", "2.5"])).uptimerobot_list_lag == 2.5
    assert options_from_args(parse([])).uptimerobot_list_lag_match is None
    lagging = options_from_args(parse(["--uptimerobot-list-lag-match", "[fault-17]"]))
    assert lagging.uptimerobot_list_lag_match == "[fault-17]"
    with pytest.raises(SystemExit):
        parse(["--uptimerobot-list-lag-match", ""])  # would make every monitor lag
    assert options_from_args(parse([])).uptimerobot_contact_state == "active"
    paused = options_from_args(parse(["--uptimerobot-contact-state", "paused"]))
    assert paused.uptimerobot_contact_state == "paused"
    with pytest.raises(SystemExit):
        parse(["--uptimerobot-contact-state", "asleep"])
    assert options_from_args(parse([])).sentry_token_scopes is None
    scoped = options_from_args(parse(["--sentry-token-scopes", "project:read, alerts:read"]))
    assert scoped.sentry_token_scopes == ("project:read", "alerts:read")


def test_options_refuse_non_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SandboxOptions(host="0.0.0.0")
    assert SandboxOptions(host="::1").host == "::1"


def test_write_atomically_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "ready.json"
    write_atomically(target, "{}\n")
    write_atomically(target, '{"a": 1}\n')
    assert target.read_text() == '{"a": 1}\n'
    assert [p.name for p in target.parent.iterdir()] == ["ready.json"]
