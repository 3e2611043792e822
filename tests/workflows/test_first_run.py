"""Day one, through the workflows' own scripts and the real CLI: what GitHub would run,
run here against the sandbox and a self-managed (file) state backend.

The steps of drift.yml and deploy.yml run as a runner runs them (`run_step`: bash, the
step's env resolved from secrets and variables), calling the real `pulumi` and
`mlpp-monitoring`; their github-script steps run in Node against the fake REST API, whose
issues carry over from one run to the next. The vendor keys are environment secrets, not
stack secrets, as the checklist (docs/GITHUB-ACTIONS.md) sets them up.

The story: the monitor and alerts exist, made by hand, and no stack does. bootstrap (from a
laptop) creates the stack and prints the adoption lines; drift fails as "never deployed"
(no drift issue) and, after three such runs, opens the drift-check-failing issue; the
adoption lines go in and deploy runs: drift passes and that issue closes. Then a console
edit and an undeployed change each open their own issue, and deploy with `refresh` puts
both right: both issues close.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlpp_monitoring.commands.engine import SANDBOX_PASSPHRASE, find_bin_dir
from tests.e2e.harness import SENTRY_TOKEN, UPTIMEROBOT_KEY, Project, SandboxProcess
from tests.e2e.test_adoption import _printed_commands, _run_printed, _seed_hand_made
from tests.workflows.support import (
    NODE,
    REPO,
    StepResult,
    StepRun,
    load,
    run_github_script,
    run_step,
    step,
    step_named,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
]

STACK = "organization/mlpp-monitoring/sandbox"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    process = SandboxProcess(workdir=tmp_path / "sandbox")
    process.workdir.mkdir()
    process.start()
    yield process
    process.stop()


@pytest.fixture
def checkout(tmp_path: Path, sandbox: SandboxProcess) -> Project:
    """A checkout of the repository as a runner has it: the program, the stack file
    without vendor keys (those are environment secrets), scripts/ci, .venv; no stack."""
    project = Project.create(tmp_path / "checkout", sandbox, backend=tmp_path / "state")
    project.pulumi("stack", "rm", "--yes", "--preserve-config", "sandbox", check=True)
    project.remove_config_key("uptimerobot:apiKey")
    project.remove_config_key("sentry:authToken")
    shutil.copytree(REPO / "scripts" / "ci", project.dir / "scripts" / "ci")
    (project.dir / ".venv").symlink_to(REPO / ".venv")
    return project


def _secrets() -> dict[str, str]:
    return {
        "PULUMI_CONFIG_PASSPHRASE": SANDBOX_PASSPHRASE,
        "UPTIMEROBOT_API_KEY": UPTIMEROBOT_KEY,
        "SENTRY_AUTH_TOKEN": SENTRY_TOKEN,
    }


def _step_run(project: Project, **more: Any) -> StepRun:
    return StepRun(
        workdir=project.dir,
        secrets=_secrets(),
        variables={"PULUMI_STACK": STACK, "PULUMI_BACKEND_URL": project.backend.as_uri()},
        path_after=[str(find_bin_dir())],
        extra_env={"PULUMI_HOME": str(project.dir / ".pulumi-home")},
        **more,
    )


def _drift_check(project: Project) -> StepResult:
    doc = load("drift")
    return run_step(doc, "drift", step(doc, "drift", "drift"), _step_run(project))


def _deploy(project: Project, refresh: str = "") -> StepResult:
    doc = load("deploy")
    up = step_named(doc, "deploy", "pulumi up")
    result = run_step(doc, "deploy", up, _step_run(project, inputs={"refresh": refresh}))
    assert result.returncode == 0, result.stdout
    return result


def _issue_steps(
    project: Project, check: StepResult, github: dict[str, Any], runs: list[str]
) -> None:
    """The drift job's github-script steps, as their `if:` would run them after `check`."""
    doc = load("drift")
    code = check.outputs.get("exit-code", "")
    env = {"DRIFT_RESULT": "drift-result.json"}
    if code in ("0", "7", "8"):
        kinds = step_named(doc, "drift", "Open, update or close the drift issues")
        run_github_script(kinds, github, env, project.dir)
    # This run is in progress; GitHub lists the earlier ones, newest first.
    github["runs"] = [
        {"id": i, "status": "completed", "conclusion": c, "head_branch": "main"}
        for i, c in enumerate(reversed(runs))
    ]
    failing = step_named(doc, "drift", "Open, update or close the drift-check-failing issue")
    run_github_script(failing, github, {**env, "CHECK_EXIT_CODE": code}, project.dir)
    runs.append("success" if check.returncode == 0 else "failure")


def _open_titles(github: dict[str, Any]) -> list[str]:
    return sorted(i["title"] for i in github["issues"] if i["state"] == "open")


def test_day_one_through_the_workflows(checkout: Project) -> None:
    sandbox = checkout.sandbox
    ids = _seed_hand_made(sandbox)
    github: dict[str, Any] = {"issues": []}
    runs: list[str] = []

    # From a laptop: bootstrap creates the stack and prints the adoption lines.
    laptop = checkout.env_with_credentials()
    bootstrap = subprocess.run(
        [str(REPO / ".venv" / "bin" / "mlpp-monitoring"), "bootstrap", "--stack", STACK],
        cwd=checkout.dir,
        env=laptop,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert bootstrap.returncode == 0, bootstrap.stdout + bootstrap.stderr
    adoption = _printed_commands(bootstrap.stdout)
    assert len(adoption) == 3 and all(f"--stack {STACK}" in line for line in adoption)

    # Drift switched on too early: three failed checks, no drift issue, one failing issue.
    for _ in range(3):
        check = _drift_check(checkout)
        assert check.returncode == 2, check.stdout
        assert "was never deployed" in check.stdout
        _issue_steps(checkout, check, github, runs)
    assert _open_titles(github) == ["The drift check is failing: drift is not being watched"]
    (failing,) = github["issues"]
    assert "was never deployed" in failing["body"]

    # The adoption lines go in (a reviewed pull request), then deploy runs once.
    for line in adoption:
        _run_printed(checkout, line)
    _deploy(checkout)
    assert [m["id"] for m in sandbox.monitors()] == [ids["monaluxe-app"]], "adopted, not doubled"

    check = _drift_check(checkout)
    assert check.outputs["exit-code"] == "0", check.stdout
    _issue_steps(checkout, check, github, runs)
    assert _open_titles(github) == [], "the first passing check closes the failing issue"

    # A console edit, and a change merged but not deployed: one issue each.
    sandbox.edit_monitor(ids["monaluxe-app"], interval=600)
    checkout.set_project_value("uptimerobot.monitors.monaluxe-app.timeout", 20)
    check = _drift_check(checkout)
    assert check.outputs["exit-code"] == "7", check.stdout
    assert "Drift on stack" in check.summary
    _issue_steps(checkout, check, github, runs)
    assert _open_titles(github) == [
        f"Drift: console edits on {STACK}",
        f"Drift: undeployed changes on {STACK}",
    ]
    bodies = {i["title"]: i["body"] for i in github["issues"] if i["state"] == "open"}
    console = bodies[f"Drift: console edits on {STACK}"]
    assert "| `monitor-monaluxe-app` | `interval` | `300` | `600` |" in console
    assert "**refresh** ticked" in console
    undeployed = bodies[f"Drift: undeployed changes on {STACK}"]
    assert "| `monitor-monaluxe-app` | `timeout` | `30` | `20` |" in undeployed
    for body in (console, undeployed):
        assert UPTIMEROBOT_KEY not in body and SENTRY_TOKEN not in body

    # Deploy with refresh: the console edit is reverted and the change deployed.
    deployed = _deploy(checkout, refresh="true")
    assert "--refresh" in deployed.summary
    monitor = sandbox.monitor(ids["monaluxe-app"])
    assert monitor is not None and (monitor["interval"], monitor["timeout"]) == (300, 20)
    check = _drift_check(checkout)
    assert check.outputs["exit-code"] == "0", check.stdout
    _issue_steps(checkout, check, github, runs)
    assert _open_titles(github) == []
