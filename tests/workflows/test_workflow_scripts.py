"""The workflows' scripts, run here: the bash steps with fake `pulumi` / `mlpp-monitoring`
commands, the github-script steps in Node.js against a fake of the GitHub REST API.

These pin the behaviour the structural tests cannot see: the drift step tells drift
(exit 7) from a failed check, the drift issue is opened once, updated, then closed with
"drift gone", and the preview comment is one comment updated in place.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.support import (
    NODE,
    REPO,
    FakeCommand,
    StepRun,
    called,
    load,
    run_github_script,
    run_step,
    step,
    step_named,
)

SECRETS = {
    "UPTIMEROBOT_API_KEY": "ur-secret-key-0000",
    "SENTRY_AUTH_TOKEN": "sntrys-secret-token-1111",
    "PULUMI_CONFIG_PASSPHRASE": "passphrase-2222",
    "AWS_ACCESS_KEY_ID": "AKIAFAKE",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-3333",
}
VARIABLES = {"PULUMI_BACKEND_URL": "s3://mlpp-state/monitoring", "AWS_REGION": "eu-west-3"}

FAKE_PULUMI = FakeCommand(
    "pulumi",
    'echo "pulumi $*" >>"$HOME/pulumi.log"\n'
    'case "$1" in\n'
    '  login) exit "${FAKE_LOGIN_RC:-0}" ;;\n'
    '  preview) echo "+ monitor-monaluxe-app create (key $UPTIMEROBOT_API_KEY)";'
    ' exit "${FAKE_PREVIEW_RC:-0}" ;;\n'
    '  up) echo "Resources: 3 unchanged"; exit "${FAKE_UP_RC:-0}" ;;\n'
    "esac\n"
    "exit 99\n",
)


def _workdir(tmp_path: Path) -> Path:
    """A checkout-like directory: the stack file (the steps grep it) and a fake venv CLI."""
    work = tmp_path / "checkout"
    work.mkdir()
    shutil.copy(REPO / "Pulumi.production.yaml", work / "Pulumi.production.yaml")
    venv_bin = work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    cli = venv_bin / "mlpp-monitoring"
    cli.write_text(
        "#!/bin/sh\n"
        'echo "mlpp-monitoring $*" >>"$HOME/cli.log"\n'
        'report=""\n'
        'while [ $# -gt 0 ]; do [ "$1" = --report ] && report=$2; shift; done\n'
        'if [ "$FAKE_DRIFT_RC" = 7 ] && [ -n "$report" ]; then\n'
        '  printf "# Drift on production\\n\\n- alert-spike: threshold 10 -> 50'
        ' (token %s)\\n" "$SENTRY_AUTH_TOKEN" >"$report"\n'
        "fi\n"
        'exit "$FAKE_DRIFT_RC"\n',
        encoding="utf-8",
    )
    cli.chmod(0o755)
    return work


# --- drift: the check step ----------------------------------------------------------------


def _run_drift(tmp_path: Path, rc: int, secrets: dict[str, str] | None = None) -> Any:
    doc = load("drift")
    return run_step(
        doc,
        "drift",
        step(doc, "drift", "drift"),
        StepRun(
            workdir=_workdir(tmp_path),
            secrets=SECRETS if secrets is None else secrets,
            variables=VARIABLES,
            commands=[FAKE_PULUMI],
            extra_env={"FAKE_DRIFT_RC": str(rc)},
        ),
    )


def test_drift_step_no_drift(tmp_path: Path) -> None:
    result = _run_drift(tmp_path, 0)
    assert result.returncode == 0, result.stdout
    assert result.outputs["exit-code"] == "0"
    cli_log = (result.workdir / "cli.log").read_text(encoding="utf-8")
    assert cli_log.strip() == "mlpp-monitoring drift --stack production --report drift-report.md"
    assert (result.workdir / "pulumi.log").read_text(encoding="utf-8").strip() == "pulumi login"


def test_drift_step_drift_succeeds_with_a_redacted_report(tmp_path: Path) -> None:
    result = _run_drift(tmp_path, 7)
    assert result.returncode == 0, result.stdout
    assert result.outputs["exit-code"] == "7"
    report = (result.workdir / "drift-report.md").read_text(encoding="utf-8")
    assert "alert-spike: threshold 10 -> 50" in report
    assert SECRETS["SENTRY_AUTH_TOKEN"] not in report
    assert "(token ***)" in report
    assert "alert-spike" in result.summary
    assert SECRETS["SENTRY_AUTH_TOKEN"] not in result.summary
    assert "::warning title=drift detected::" in result.stdout


@pytest.mark.parametrize("rc", [1, 2, 3, 8, 126])
def test_drift_step_fails_when_the_check_fails(tmp_path: Path, rc: int) -> None:
    """Any exit but 0 and 7 fails the step: the issue steps (success-only) do not run."""
    result = _run_drift(tmp_path, rc)
    assert result.returncode == rc
    assert result.outputs["exit-code"] == str(rc)
    assert "This is not drift" in result.stdout


def test_drift_step_fails_without_credentials(tmp_path: Path) -> None:
    result = _run_drift(tmp_path, 0, secrets={"PULUMI_CONFIG_PASSPHRASE": "p"})
    assert result.returncode == 2
    assert "exit-code" not in result.outputs
    assert "UPTIMEROBOT_API_KEY SENTRY_AUTH_TOKEN" in result.stdout
    assert not (result.workdir / "cli.log").exists()


def test_drift_step_fails_when_login_fails(tmp_path: Path) -> None:
    doc = load("drift")
    result = run_step(
        doc,
        "drift",
        step(doc, "drift", "drift"),
        StepRun(
            workdir=_workdir(tmp_path),
            secrets=SECRETS,
            variables=VARIABLES,
            commands=[FAKE_PULUMI],
            extra_env={"FAKE_DRIFT_RC": "0", "FAKE_LOGIN_RC": "1"},
        ),
    )
    assert result.returncode == 2
    assert "exit-code" not in result.outputs


def test_pulumi_cloud_needs_the_access_token_not_the_passphrase(tmp_path: Path) -> None:
    cloud = {k: v for k, v in SECRETS.items() if k != "PULUMI_CONFIG_PASSPHRASE"}
    doc = load("drift")
    run = StepRun(
        workdir=_workdir(tmp_path),
        secrets=cloud,
        variables={},
        commands=[FAKE_PULUMI],
        extra_env={"FAKE_DRIFT_RC": "0"},
    )
    result = run_step(doc, "drift", step(doc, "drift", "drift"), run)
    assert result.returncode == 2
    assert "PULUMI_ACCESS_TOKEN" in result.stdout

    run.secrets = {**cloud, "PULUMI_ACCESS_TOKEN": "pul-0123456789"}
    result = run_step(doc, "drift", step(doc, "drift", "drift"), run)
    assert result.returncode == 0, result.stdout


# --- preview: the pulumi step -------------------------------------------------------------


def _run_preview(tmp_path: Path, secrets: dict[str, str], preview_rc: int = 0) -> Any:
    doc = load("preview")
    return run_step(
        doc,
        "preview",
        step(doc, "preview", "preview"),
        StepRun(
            workdir=_workdir(tmp_path),
            secrets=secrets,
            variables=VARIABLES,
            commands=[FAKE_PULUMI],
            extra_env={"FAKE_PREVIEW_RC": str(preview_rc)},
        ),
    )


def test_preview_step_skips_with_a_notice_without_secrets(tmp_path: Path) -> None:
    result = _run_preview(tmp_path, secrets={})
    assert result.returncode == 0
    assert result.outputs == {"skipped": "true"}
    assert "::notice title=pulumi preview skipped::" in result.stdout
    assert not (result.workdir / "pulumi.log").exists()


@pytest.mark.parametrize("preview_rc", [0, 1])
def test_preview_step_captures_the_output(tmp_path: Path, preview_rc: int) -> None:
    result = _run_preview(tmp_path, SECRETS, preview_rc)
    assert result.returncode == 0, result.stdout
    assert result.outputs == {"skipped": "false", "exit-code": str(preview_rc)}
    output = (result.workdir / "preview.txt").read_text(encoding="utf-8")
    assert "monitor-monaluxe-app create" in output
    assert SECRETS["UPTIMEROBOT_API_KEY"] not in output
    pulumi_log = (result.workdir / "pulumi.log").read_text(encoding="utf-8").splitlines()
    assert pulumi_log == [
        "pulumi login",
        "pulumi preview --diff --stack production --non-interactive --color never",
    ]


def test_preview_job_fails_after_commenting_a_failed_preview() -> None:
    doc = load("preview")
    fail = step_named(doc, "preview", "Fail if the preview failed")
    assert fail["if"] == (
        "steps.preview.outputs.skipped == 'false' && steps.preview.outputs.exit-code != '0'"
    )


# --- deploy: the pulumi step --------------------------------------------------------------


@pytest.mark.parametrize("up_rc", [0, 1])
def test_deploy_step_runs_pulumi_up_and_keeps_its_exit_code(tmp_path: Path, up_rc: int) -> None:
    doc = load("deploy")
    (up,) = [s for s in doc["jobs"]["deploy"]["steps"] if "pulumi up" in s.get("run", "")]
    result = run_step(
        doc,
        "deploy",
        up,
        StepRun(
            workdir=_workdir(tmp_path),
            secrets=SECRETS,
            variables=VARIABLES,
            commands=[FAKE_PULUMI],
            extra_env={"FAKE_UP_RC": str(up_rc)},
        ),
    )
    assert result.returncode == up_rc, result.stdout
    assert "Resources: 3 unchanged" in result.summary
    assert (result.workdir / "pulumi.log").read_text(encoding="utf-8").splitlines() == [
        "pulumi login",
        "pulumi up --yes --stack production --diff --non-interactive --color never",
    ]


def test_deploy_step_refuses_without_credentials(tmp_path: Path) -> None:
    doc = load("deploy")
    (up,) = [s for s in doc["jobs"]["deploy"]["steps"] if "pulumi up" in s.get("run", "")]
    run = StepRun(workdir=_workdir(tmp_path), variables=VARIABLES, commands=[FAKE_PULUMI])
    result = run_step(doc, "deploy", up, run)
    assert result.returncode == 2
    assert not (result.workdir / "pulumi.log").exists()


# --- github-script steps (Node.js) --------------------------------------------------------

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _issue(number: int, body: str) -> dict[str, Any]:
    return {"number": number, "state": "open", "labels": [{"name": "drift"}], "body": body}


def _open_or_update(tmp_path: Path, state: dict[str, Any], report: str | None) -> Any:
    doc = load("drift")
    the_step = step_named(doc, "drift", "Open or update the drift issue")
    if report is not None:
        (tmp_path / "drift-report.md").write_text(report, encoding="utf-8")
    return run_github_script(the_step, state, {"DRIFT_REPORT": "drift-report.md"}, tmp_path)


@needs_node
def test_drift_opens_one_labelled_issue_with_the_report(tmp_path: Path) -> None:
    calls = _open_or_update(tmp_path, {"issues": []}, "# Drift\n\n- alert-spike changed\n")
    (created,) = called(calls, "create")
    assert created["labels"] == ["drift"]
    assert "- alert-spike changed" in created["body"]
    assert created["body"].startswith("<!-- mlpp-monitoring-drift report=")
    assert called(calls, "createLabel")
    assert not called(calls, "update")
    assert not called(calls, "createComment")


@needs_node
def test_drift_issue_creation_survives_an_existing_label(tmp_path: Path) -> None:
    calls = _open_or_update(tmp_path, {"issues": [], "labelExists": True}, "# Drift\n")
    assert len(called(calls, "create")) == 1


@needs_node
def test_drift_updates_the_open_issue_and_comments_when_the_report_changes(
    tmp_path: Path,
) -> None:
    # First, learn the body the script writes for this report.
    first = _open_or_update(tmp_path, {"issues": []}, "# Drift\n\n- monitor changed\n")
    (created,) = called(first, "create")
    same = _open_or_update(
        tmp_path, {"issues": [_issue(7, created["body"])]}, "# Drift\n\n- monitor changed\n"
    )
    assert not called(same, "create")
    (updated,) = called(same, "update")
    assert updated["issue_number"] == 7
    assert not called(same, "createComment"), "same report: no new comment"

    changed = _open_or_update(
        tmp_path, {"issues": [_issue(7, created["body"])]}, "# Drift\n\n- alert changed\n"
    )
    assert not called(changed, "create")
    (updated,) = called(changed, "update")
    assert "- alert changed" in updated["body"]
    (comment,) = called(changed, "createComment")
    assert comment["issue_number"] == 7
    assert "- alert changed" in comment["body"]


@needs_node
def test_drift_issue_without_report_still_opens(tmp_path: Path) -> None:
    calls = _open_or_update(tmp_path, {"issues": []}, None)
    (created,) = called(calls, "create")
    assert "wrote no report" in created["body"]


@needs_node
def test_drift_issue_body_fits_github_limit(tmp_path: Path) -> None:
    calls = _open_or_update(tmp_path, {"issues": []}, "x" * 200_000)
    (created,) = called(calls, "create")
    assert len(created["body"]) < 65536


@needs_node
def test_no_drift_closes_the_open_issue_with_drift_gone(tmp_path: Path) -> None:
    doc = load("drift")
    the_step = step_named(doc, "drift", "Close the drift issue")
    calls = run_github_script(the_step, {"issues": [_issue(7, "old report")]}, {}, tmp_path)
    (comment,) = called(calls, "createComment")
    assert comment["issue_number"] == 7
    assert comment["body"].startswith("drift gone")
    (update,) = called(calls, "update")
    assert update == {
        "owner": "octo",
        "repo": "mlpp-monitoring",
        "issue_number": 7,
        "state": "closed",
        "state_reason": "completed",
    }

    nothing = run_github_script(the_step, {"issues": []}, {}, tmp_path)
    assert not called(nothing, "createComment")
    assert not called(nothing, "update")


def _comment_step() -> Any:
    return step_named(load("preview"), "preview", "Post or update the preview comment")


@needs_node
def test_preview_creates_the_comment_once(tmp_path: Path) -> None:
    (tmp_path / "preview.txt").write_text("+ monitor create\nResources: 1 to create\n")
    env = {"PREVIEW_FILE": "preview.txt", "PREVIEW_EXIT_CODE": "0"}
    someone = {"id": 1, "user": {"type": "User"}, "body": "<!-- mlpp-monitoring-preview --> hi"}
    calls = run_github_script(_comment_step(), {"comments": [someone]}, env, tmp_path)
    (created,) = called(calls, "createComment")
    assert created["issue_number"] == 12
    assert created["body"].startswith("<!-- mlpp-monitoring-preview -->")
    assert "Resources: 1 to create" in created["body"]
    assert "succeeded" in created["body"]
    assert not called(calls, "updateComment")


@needs_node
def test_preview_updates_its_comment_in_place(tmp_path: Path) -> None:
    (tmp_path / "preview.txt").write_text("error: boom\n~~~~~~~~\n")
    env = {"PREVIEW_FILE": "preview.txt", "PREVIEW_EXIT_CODE": "255"}
    mine = {"id": 77, "user": {"type": "Bot"}, "body": "<!-- mlpp-monitoring-preview -->\nold"}
    calls = run_github_script(_comment_step(), {"comments": [mine]}, env, tmp_path)
    assert not called(calls, "createComment")
    (updated,) = called(calls, "updateComment")
    assert updated["comment_id"] == 77
    assert "**failed** (exit code 255)" in updated["body"]
    # The output cannot close the code fence early.
    assert updated["body"].count("~~~~~~") == 2
