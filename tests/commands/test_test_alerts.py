"""`mlpp-monitoring test-alerts` from the command line: the committed scenarios pass, a rule
change that breaks one fails with its rows, a bad file or revision is a clear exit 2, and
`--compare REF` shows what a change does, against the stack file as git holds it at REF."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlpp_monitoring.commands import exit_codes
from mlpp_monitoring.commands.cli import main
from tests.stackfiles import REPO

STACK_FILE = "Pulumi.production.yaml"
SPIKE = "mlpp-monitoring:sentry"


def _project(directory: Path) -> Path:
    """A project directory holding copies of the committed stack and scenario files."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in (STACK_FILE, "alert-tests.yaml"):
        shutil.copy(REPO / name, directory / name)
    return directory


def _set_spike(directory: Path, **changes: object) -> None:
    """Change the `spike` alert in the project's stack file (as a one-line edit would)."""
    path = directory / STACK_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["config"][SPIKE]["alerts"]["spike"].update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _run(capsys: pytest.CaptureFixture[str], directory: Path, *args: str) -> tuple[int, str, str]:
    code = main(["test-alerts", "--stack", "production", "--cwd", str(directory), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- the committed file ------------------------------------------------------------------


def test_the_installed_command_passes_the_committed_scenarios() -> None:
    # The script pip installed, as a person or CI runs it, in the repository itself.
    script = Path(sys.executable).parent / "mlpp-monitoring"
    done = subprocess.run(
        [str(script), "test-alerts", "--stack", "production"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == exit_codes.OK, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.endswith("expectations hold")
    held, _, total = last.split()[:3]
    assert held == total and int(total) >= 40


def test_a_spike_threshold_of_20_fails_with_the_rows_it_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    _set_spike(project, event_threshold=20)
    code, out, _ = _run(capsys, project)
    assert code == exit_codes.PROBLEM
    failing = [line for line in out.splitlines() if "  FAIL  " in line]
    assert len(failing) == 5 and all("  spike  " in line for line in failing)
    assert any(line.startswith("11 events in 3 minutes on an issue") for line in failing)
    assert out.strip().endswith("37 of 42 expectations hold")


def test_a_malformed_scenario_file_exits_2_naming_the_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    (project / "bad.yaml").write_text(
        "scenarios:\n  - name: spike at 3 a.m.\n    events: [{at: 3am, issue: B, "
        "environment: production}]\n    expect: {spike: 1}\n",
        encoding="utf-8",
    )
    code, out, err = _run(capsys, project, "--file", str(project / "bad.yaml"))
    assert code == exit_codes.FAILED and out == ""
    assert err.startswith(f"error: {project / 'bad.yaml'}:\n  scenario 'spike at 3 a.m.': ")
    assert "events[0].at: '3am' is not allowed: must be a duration" in err


def test_a_key_the_stack_does_not_declare_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    (project / "alert-tests.yaml").write_text(
        "scenarios: [{name: typo, events: [], expect: {spikes: 0}}]\n", encoding="utf-8"
    )
    code, _, err = _run(capsys, project)
    assert code == exit_codes.FAILED
    assert "scenario 'typo': expect.spikes: 'spikes' is not an alert or a monitor" in err


def test_no_scenario_file_exits_2_saying_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    (project / "alert-tests.yaml").unlink()
    code, _, err = _run(capsys, project)
    assert code == exit_codes.FAILED
    assert f"no scenario file {project / 'alert-tests.yaml'}" in err


def test_markdown_lists_failures_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path)
    _set_spike(project, event_threshold=20)
    code, out, _ = _run(capsys, project, "--markdown")
    assert code == exit_codes.PROBLEM
    lines = out.splitlines()
    assert lines[0] == "37 of 42 expectations hold."
    assert lines[2] == "| scenario | object | expected | got |"
    assert all("| `spike` |" in line and "**FAIL**" in line for line in lines[4:9])
    assert "**FAIL**" not in lines[9]


# --- --compare REF -----------------------------------------------------------------------


def _git(directory: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    done = subprocess.run(
        ["git", *args], cwd=directory, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git repository whose one commit holds the committed stack and scenario files."""
    project = _project(tmp_path / "repo")
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "base")
    return project


def test_compare_shows_what_a_change_does_changed_rows_first(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_spike(repository, frequency_minutes=60)  # in the working tree only
    code, out, _ = _run(capsys, repository, "--compare", "main")
    assert code == exit_codes.PROBLEM  # three 24 h scenarios no longer hold
    lines = out.splitlines()
    assert lines[0] == "alerts and monitors that differ from main: spike"
    changed = [line for line in lines[3:] if line.startswith("changed ")]
    assert len(changed) == 3 and lines[3 : 3 + 3] == changed
    second = next(line for line in changed if "A second spike 2 hours" in line)
    assert " 2     3   FAIL " in second
    assert lines[-1] == "3 of 42 outcomes change; 39 of 42 expectations hold on the PR"


def test_compare_reads_the_base_from_git_not_from_the_working_tree(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_spike(repository, event_threshold=20)
    _git(repository, "commit", "-q", "-am", "raise the threshold")
    code, out, _ = _run(capsys, repository, "--compare", "HEAD^1", "--markdown")
    assert code == exit_codes.PROBLEM
    assert out.startswith("#### Behaviour: the scenarios of `alert-tests.yaml`")
    assert "This pull request changes `spike`: **6 of 42 outcomes change**." in out
    # The burst of 30 still notifies, later: an outcome changes, its count holds.
    assert "**5 of 42 expectations fail** on this pull request" in out
    row = next(line for line in out.splitlines() if "| A spike 25 hours after" in line)
    assert row == (
        "| A spike 25 hours after the last notification notifies again | `spike` | 3 "
        "| 3: B at -48h, 2m43.6s, 25h2m43.6s | 1 **FAIL**: B at -48h |"
    )
    assert "<details><summary>36 unchanged outcomes</summary>" in out


def test_compare_with_no_alert_or_monitor_change_prints_no_markdown(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An owner is who acts, not what the vendors do: no behaviour to show.
    _set_spike(repository, owner="someone-else")
    code, out, err = _run(capsys, repository, "--compare", "main", "--markdown")
    assert code == exit_codes.OK and out == ""
    assert "no alert or monitor differs from main" in err


def test_a_stack_file_missing_at_the_base_declares_nothing(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _git(repository, "rm", "-q", "--cached", STACK_FILE)
    _git(repository, "commit", "-q", "-m", "no stack yet")
    code, out, _ = _run(capsys, repository, "--compare", "HEAD", "--markdown")
    assert code == exit_codes.OK
    assert "This pull request changes `monaluxe-app`, `new-issue`, `spike`:" in out
    assert "| ? : not declared |" not in out and "| ?: not declared |" in out


def test_an_unknown_revision_exits_2(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, repository, "--compare", "no-such-branch")
    assert code == exit_codes.FAILED and out == ""
    assert err.startswith("error: git revision 'no-such-branch' cannot be read in ")
    assert "give a branch, tag or commit this clone holds" in err


def test_a_base_config_the_program_refuses_exits_2_naming_the_revision(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_spike(repository, event_interval="2m")
    _git(repository, "commit", "-q", "-am", "an interval Sentry does not take")
    _set_spike(repository, event_interval="5m")
    code, _, err = _run(capsys, repository, "--compare", "HEAD")
    assert code == exit_codes.FAILED
    assert err.startswith(f"error: {STACK_FILE} at HEAD: invalid stack config:")
    assert "spike.event_interval: '2m' is not allowed" in err
