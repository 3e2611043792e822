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
import yaml

from tests.e2e.harness import (
    REPO,
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


def test_stack_secrets_stay_ciphertext_everywhere_and_every_command_opens_them(
    project: Project,
) -> None:
    stack_text = project.stack_file.read_text()
    assert not leaked_secrets(stack_text)
    config = project.read_stack_file()["config"]
    for key in CREDENTIAL_KEYS:
        assert set(config[key]) == {"secure"} and config[key]["secure"].startswith("v1:")

    outputs = _run_everything(project, project.env)
    assert_runbook_state(project.sandbox)
    _assert_nothing_leaked(project, outputs)
    assert project.stack_file.read_text() == stack_text

    # The deployed stack, as `make demo` leaves it, serves the next check too (one `up`
    # less for the suite).
    _every_command_opens_the_stack_by_itself(project)


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


def _without_passphrase(project: Project) -> dict[str, str]:
    """The user's shell after `make demo`: no passphrase, no credentials exported."""
    env = {k: v for k, v in project.env.items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")}
    assert "UPTIMEROBOT_API_KEY" not in env and "SENTRY_AUTH_TOKEN" not in env
    return env


def _every_command_opens_the_stack_by_itself(project: Project) -> None:
    """On a deployed sandbox stack with stack secrets, every command of the CLI reads the
    credentials without a passphrase or a credential in the shell."""
    env = _without_passphrase(project)
    status = project.mlpp("status", "--json", env=env)
    # 2: the sandbox's new monitor is not checked yet; what matters is that it was read.
    document = json.loads(status.stdout)
    assert document["availability"]["checked"] and document["front_errors"]["checked"], status
    assert document["availability"]["monitors"][0]["id"]
    discover = project.mlpp("discover", env=env)
    assert discover.returncode == 0, discover.stdout + discover.stderr
    assert "(managed)" in discover.stdout  # its state was read too
    drift = project.mlpp("drift", env=env)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "no drift on stack sandbox" in drift.stdout
    runbook = project.mlpp("runbook", "--check", env=env)
    assert "error" not in runbook.stderr, runbook.stderr
    for run in (status, discover, drift, runbook):
        said = run.stdout + run.stderr
        assert "key missing" not in said and "token missing" not in said
        assert not leaked_secrets(run.stdout + run.stderr)


def test_a_secret_that_cannot_be_decrypted_is_not_called_missing(project: Project) -> None:
    # Another stack, with its own passphrase: its secrets exist but this shell cannot open
    # them. `status` must say so, naming the variable to set, not "API key missing".
    env = {**project.env, "PULUMI_CONFIG_PASSPHRASE": "staging-passphrase"}
    project.pulumi("stack", "init", "staging", check=True, env=env)
    plain = {k: v for k, v in project.read_stack_file()["config"].items() if "secure" not in str(v)}
    staging = project.dir / "Pulumi.staging.yaml"
    data = yaml.safe_load(staging.read_text()) or {}
    staging.write_text(yaml.safe_dump({**data, "config": plain}, sort_keys=False))
    for key, value in (("uptimerobot:apiKey", "k-1"), ("sentry:authToken", "t-1")):
        project.pulumi(
            "config", "set", "--secret", key, value, "--stack", "staging", check=True, env=env
        )
    for shell, said in (
        (_without_passphrase(project), "PULUMI_CONFIG_PASSPHRASE"),
        ({**project.env, "PULUMI_CONFIG_PASSPHRASE": "not-it"}, "incorrect passphrase"),
    ):
        run = subprocess.run(
            [str(REPO / ".venv/bin/mlpp-monitoring"), "status", "--json", "--stack", "staging"],
            cwd=project.dir,
            env=shell,
            text=True,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 2, run.stdout + run.stderr
        document = json.loads(run.stdout)
        for section, key in (("availability", "uptimerobot:apiKey"), ("front_errors", "sentry")):
            problem = document[section]["problem"]
            assert problem["kind"] == "credentials_unreadable", problem
            assert key in problem["message"] and "could not be decrypted" in problem["message"]
            assert "PULUMI_CONFIG_PASSPHRASE" in problem["message"] and said in problem["message"]
            assert "missing" not in problem["message"]
        assert "k-1" not in run.stdout + run.stderr and "t-1" not in run.stdout + run.stderr
