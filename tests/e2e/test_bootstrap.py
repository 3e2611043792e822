"""The first run through the real engine: `mlpp-monitoring bootstrap` on a stack that does
not exist yet, while the monitor and alerts already exist, made by hand.

Bootstrap creates the stack (named fully, as CI names it), lists the hand-made objects
and prints the adoption lines; drift says the stack was never deployed (exit 2, no drift);
the printed lines run as printed, the first `up` adopts (nothing is duplicated), and
drift then finds the stack in sync.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.harness import REPO, Project, leaked_secrets
from tests.e2e.test_adoption import (
    _adoption_lines,
    _printed_commands,
    _run_printed,
    _seed_hand_made,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

STACK = "organization/mlpp-monitoring/sandbox"
CLI = REPO / ".venv" / "bin" / "mlpp-monitoring"


def _mlpp(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args, "--stack", STACK, "--cwd", str(project.dir)],
        env=project.env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def no_stack(project: Project) -> Project:
    """The project copy with its stack file but no stack in the backend."""
    project.pulumi("stack", "rm", "--yes", "--preserve-config", "sandbox", check=True)
    assert project.pulumi("stack", "ls", "--json", check=True).stdout.strip() == "[]"
    assert project.stack_file.exists()
    return project


def test_bootstrap_creates_the_stack_and_prints_the_adoption_lines(no_stack: Project) -> None:
    sandbox = no_stack.sandbox
    ids = _seed_hand_made(sandbox)
    before = no_stack.stack_file.read_text()

    first = _mlpp(no_stack, "bootstrap")
    output = first.stdout + first.stderr
    assert first.returncode == 0, output
    assert f"created stack {STACK}" in output
    assert not leaked_secrets(output)
    commands = _printed_commands(first.stdout)
    assert sorted(commands) == _adoption_lines(ids, STACK), output
    assert "Next (docs/GITHUB-ACTIONS.md, checklist)" in output
    assert "Pulumi.sandbox.yaml" in output
    assert no_stack.stack_file.read_text() == before, "the stack file is left to the user"
    assert len(sandbox.monitors()) == 1, "bootstrap only reads at the vendors"

    again = _mlpp(no_stack, "bootstrap")
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"stack {STACK} exists (never deployed yet): nothing to create" in again.stdout
    assert sorted(_printed_commands(again.stdout)) == sorted(commands)

    # Before the first deploy, drift cannot compare: it says so, no drift issue.
    drift = _mlpp(no_stack, "drift")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "was never deployed" in drift.stderr

    for line in commands:
        _run_printed(no_stack, line)
    no_stack.pulumi("up", "--yes", "--stack", STACK, check=True)
    assert [m["id"] for m in sandbox.monitors()] == [ids["monaluxe-app"]], "adopted, not doubled"
    assert len(sandbox.workflows()) == 2

    in_sync = _mlpp(no_stack, "drift")
    assert in_sync.returncode == 0, in_sync.stdout + in_sync.stderr

    deployed = _mlpp(no_stack, "bootstrap")
    assert f"stack {STACK} exists (deployed 1 time(s))" in deployed.stdout
    assert _printed_commands(deployed.stdout) == [], "managed objects need no adoption"


def test_bootstrap_without_a_stack_file_creates_nothing(no_stack: Project) -> None:
    staging = "organization/mlpp-monitoring/staging"
    result = subprocess.run(
        [str(CLI), "bootstrap", "--stack", staging, "--cwd", str(no_stack.dir)],
        env=no_stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Pulumi.staging.yaml" in result.stderr
    assert no_stack.pulumi("stack", "ls", "--json", check=True).stdout.strip() == "[]"
