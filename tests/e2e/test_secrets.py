"""The vendor credentials never leave the Authorization header in clear.

After `up`, a refresh and previews, neither the exported state (without --show-secrets),
nor the state files on disk, nor any output of the CLI, nor any vendor request or answer
in the sandbox's journal (headers other than Authorization, bodies, paths, queries)
contains the UptimeRobot API key or the Sentry token. Both ways of giving them are
checked: stack secrets (`secure:` ciphertext in the stack file) and the environment
variables UPTIMEROBOT_API_KEY / SENTRY_AUTH_TOKEN.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.e2e.harness import (
    SECRETS,
    Project,
    assert_runbook_state,
    leaked_secrets,
    without_authorization,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

CREDENTIAL_KEYS = ("uptimerobot:apiKey", "sentry:authToken")


def _run_everything(project: Project, env: dict[str, str]) -> list[str]:
    """The commands a user runs; every one must succeed. Returns all their output."""
    runs: list[subprocess.CompletedProcess[str]] = [
        project.pulumi("up", "--yes", "--diff", check=True, env=env),
        project.pulumi("preview", "--refresh", "--expect-no-changes", "--diff", env=env),
        project.pulumi("refresh", "--yes", "--diff", check=True, env=env),
        project.pulumi("preview", "--json", check=True, env=env),
        project.pulumi("stack", "output", "--json", check=True, env=env),
        project.pulumi("config", check=True, env=env),
        project.pulumi("stack", "export", check=True, env=env),
    ]
    assert runs[1].returncode == 0, runs[1].stdout + runs[1].stderr
    export = json.loads(runs[-1].stdout)
    assert export["deployment"]["resources"], "the export holds the deployed resources"
    return [text for run in runs for text in (run.stdout, run.stderr)]


def _assert_nothing_leaked(project: Project, outputs: list[str]) -> None:
    for text in outputs:
        assert not leaked_secrets(text), text[-3000:]

    for path in project.backend.rglob("*"):
        if path.is_file():
            assert not leaked_secrets(path.read_text(errors="replace")), path

    journal = project.sandbox.journal()
    assert journal
    authorizations = " ".join(
        v for e in journal for k, v in e["request_headers"].items() if k.lower() == "authorization"
    )
    # Not vacuous: the journal is unredacted, and both credentials did travel.
    assert all(secret in authorizations for secret in SECRETS)
    for entry in journal:
        assert not leaked_secrets(json.dumps(without_authorization(entry))), entry
    raw_lines = project.sandbox.journal_path.read_text().splitlines()
    assert len(raw_lines) == len(journal)
    for line in raw_lines:
        entry = without_authorization(json.loads(line))
        assert not leaked_secrets(json.dumps(entry)), line


def test_stack_secrets_stay_ciphertext_everywhere(project: Project) -> None:
    stack_text = project.stack_file.read_text()
    assert not leaked_secrets(stack_text)
    config = project.read_stack_file()["config"]
    for key in CREDENTIAL_KEYS:
        assert set(config[key]) == {"secure"} and config[key]["secure"].startswith("v1:")

    outputs = _run_everything(project, project.env)
    assert_runbook_state(project.sandbox)
    _assert_nothing_leaked(project, outputs)
    assert project.stack_file.read_text() == stack_text


def test_credentials_from_the_environment_never_reach_state_or_output(project: Project) -> None:
    for key in CREDENTIAL_KEYS:
        project.remove_config_key(key)
    # Without them (and without the env vars), the error says where to set them.
    missing = project.pulumi("up", "--yes")
    assert missing.returncode != 0
    # Whichever provider checks first names its own variable.
    said = missing.stdout + missing.stderr
    assert "UPTIMEROBOT_API_KEY" in said or "SENTRY_AUTH_TOKEN" in said, said
    assert project.sandbox.journal() == []

    env = project.env_with_credentials()
    outputs = [missing.stdout, missing.stderr, *_run_everything(project, env)]
    assert_runbook_state(project.sandbox)
    _assert_nothing_leaked(project, outputs)
    assert not leaked_secrets(project.stack_file.read_text())
    assert not set(CREDENTIAL_KEYS) & set(project.read_stack_file()["config"])
