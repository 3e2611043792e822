"""The workflows' scripts, run here: the bash steps with fake `pulumi` / `mlpp-monitoring`
commands, the github-script steps in Node.js against a fake of the GitHub REST API, and the
`if:` conditions through an evaluator of GitHub's expressions.

These pin the behaviour the structural tests cannot see: the drift step tells drift
(exit 7 console edits, 8 undeployed changes) from a failed check, a stack never deployed
fails the check instead of opening a drift issue, each kind of drift keeps its own issue,
failed checks in a row open one `drift-check-failing` issue, the workflows touch only the
issues they opened, deploy runs on a push only when the team opted in, and its `refresh`
input reaches `pulumi up`. tests/workflows/test_first_run.py runs the same scripts with
the real CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.support import (
    NODE,
    REPO,
    FakeCommand,
    StepRun,
    called,
    jobs,
    load,
    run_github_script,
    run_step,
    runs,
    step,
    step_named,
)

STACK = "organization/mlpp-monitoring/production"
SECRETS = {
    "UPTIMEROBOT_API_KEY": "ur-secret-key-0000",
    "SENTRY_AUTH_TOKEN": "sntrys-secret-token-1111",
    "PULUMI_CONFIG_PASSPHRASE": "passphrase-2222",
    "AWS_ACCESS_KEY_ID": "AKIAFAKE",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-3333",
}
VARIABLES = {
    "PULUMI_STACK": STACK,
    "PULUMI_BACKEND_URL": "s3://mlpp-state/monitoring",
    "AWS_REGION": "eu-west-3",
}
BOT = {"login": "github-actions[bot]", "type": "Bot"}
PERSON = {"login": "alice", "type": "User"}

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

# What `mlpp-monitoring drift --result-json` writes for each exit code (drift.py's shape);
# the fake CLI echoes the Sentry token into them, which the step must redact.
_SECTION = {
    "console-edits": "## Console edits: 1 resource(s)\n\n| `alert-spike` | `enabled` | "
    "`true` | `false` |\n\n(token {token})\n",
    "undeployed": "## Undeployed changes: 1 resource(s)\n\n| `monitor-monaluxe-app` | "
    "`timeout` | `30` | `20` |\n",
}


def drift_result(console: int, undeployed: int, token: str = "") -> dict[str, Any]:
    """A `--result-json` document of a check that ran."""
    kinds = {}
    for kind, found in (("console-edits", console), ("undeployed", undeployed)):
        title = "console edits" if kind == "console-edits" else "undeployed changes"
        report = _SECTION[kind].format(token=token) if found else f"## {title}: none\n"
        kinds[kind] = {"title": title, "found": found, "report": report}
    return {
        "stack": STACK,
        "result": "drift" if console or undeployed else "in-sync",
        "exit_code": 7 if console else 8 if undeployed else 0,
        "message": "",
        "kinds": kinds,
    }


NEVER_DEPLOYED = {
    "stack": STACK,
    "result": "never-deployed",
    "exit_code": 2,
    "message": f"stack {STACK} was never deployed: there is no deployed state to compare with.",
    "kinds": {},
}


def _workdir(tmp_path: Path) -> Path:
    """A checkout-like directory: the stack file, scripts/ci, and a fake venv CLI whose
    drift writes the report and result drift.py would for FAKE_DRIFT_RC."""
    work = tmp_path / "checkout"
    work.mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.production.yaml", work / "Pulumi.production.yaml")
    shutil.copytree(REPO / "scripts" / "ci", work / "scripts" / "ci")
    results = {
        "0": drift_result(0, 0),
        "7": drift_result(1, 1, token="$SENTRY_AUTH_TOKEN"),
        "8": drift_result(0, 1),
        "2": NEVER_DEPLOYED,
    }
    for rc, result in results.items():
        (work / f"_result_{rc}.json").write_text(json.dumps(result), encoding="utf-8")
    venv_bin = work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    cli = venv_bin / "mlpp-monitoring"
    cli.write_text(
        "#!/bin/sh\n"
        'echo "mlpp-monitoring $*" >>"$HOME/cli.log"\n'
        # test-alerts: what FAKE_BEHAVIOUR_RC says (0 and 1 print the Markdown, 2 an error).
        'if [ "$1" = test-alerts ]; then\n'
        '  rc="${FAKE_BEHAVIOUR_RC:-0}"\n'
        '  if [ "$rc" = 2 ]; then echo "error: Pulumi.production.yaml at HEAD^1: invalid" >&2;\n'
        '  else printf "#### Behaviour: fake\\n\\n| spike | 2 | 3 |\\n"; fi\n'
        '  exit "$rc"\n'
        "fi\n"
        'report=""; result=""\n'
        "while [ $# -gt 0 ]; do\n"
        '  [ "$1" = --report ] && report=$2; [ "$1" = --result-json ] && result=$2; shift\n'
        "done\n"
        'if [ -f "_result_$FAKE_DRIFT_RC.json" ] && [ -n "$result" ]; then\n'
        '  sed "s/\\$SENTRY_AUTH_TOKEN/$SENTRY_AUTH_TOKEN/" "_result_$FAKE_DRIFT_RC.json" '
        '>"$result"\n'
        "fi\n"
        'if [ "$FAKE_DRIFT_RC" = 7 ] || [ "$FAKE_DRIFT_RC" = 8 ]; then\n'
        '  printf "# Drift on stack %s: console edits\\n\\n(token %s)\\n" "$PULUMI_STACK" '
        '"$SENTRY_AUTH_TOKEN" >"$report"\n'
        "fi\n"
        'exit "$FAKE_DRIFT_RC"\n',
        encoding="utf-8",
    )
    cli.chmod(0o755)
    return work


def _log(result: Any, name: str) -> list[str]:
    path = result.workdir / name
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


# --- drift: the check step ----------------------------------------------------------------


def _run_drift(
    tmp_path: Path,
    rc: int,
    secrets: dict[str, str] | None = None,
    variables: dict[str, str] | None = None,
    **extra: str,
) -> Any:
    doc = load("drift")
    return run_step(
        doc,
        "drift",
        step(doc, "drift", "drift"),
        StepRun(
            workdir=_workdir(tmp_path),
            secrets=SECRETS if secrets is None else secrets,
            variables=VARIABLES if variables is None else variables,
            commands=[FAKE_PULUMI],
            extra_env={"FAKE_DRIFT_RC": str(rc), **extra},
        ),
    )


def _result_file(result: Any) -> dict[str, Any]:
    data = json.loads((result.workdir / "drift-result.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_drift_step_in_sync(tmp_path: Path) -> None:
    result = _run_drift(tmp_path, 0)
    assert result.returncode == 0, result.stdout
    assert result.outputs["exit-code"] == "0"
    assert _log(result, "cli.log") == [
        f"mlpp-monitoring drift --stack {STACK} --report drift-report.md "
        "--result-json drift-result.json"
    ]
    assert _log(result, "pulumi.log") == ["pulumi login"]
    assert _result_file(result)["result"] == "in-sync"


@pytest.mark.parametrize("rc", [7, 8])
def test_drift_step_drift_succeeds_with_redacted_files(tmp_path: Path, rc: int) -> None:
    """Console edits (7) and undeployed changes (8) are findings, not a failed check: the
    step succeeds, the report goes to the summary, and no credential is left in either
    file the issues are written from."""
    result = _run_drift(tmp_path, rc)
    assert result.returncode == 0, result.stdout
    assert result.outputs["exit-code"] == str(rc)
    token = SECRETS["SENTRY_AUTH_TOKEN"]
    report = (result.workdir / "drift-report.md").read_text(encoding="utf-8")
    assert "(token ***)" in report and token not in report
    assert token not in (result.workdir / "drift-result.json").read_text(encoding="utf-8")
    assert "(token ***)" in result.summary and token not in result.summary
    assert f"::warning title=drift detected::Drift on stack {STACK}: console edits" in (
        result.stdout
    )


@pytest.mark.parametrize("rc", [1, 3, 126])
def test_drift_step_fails_when_the_check_fails(tmp_path: Path, rc: int) -> None:
    """Any exit but 0, 7 and 8 fails the step: the drift issues step does not run."""
    result = _run_drift(tmp_path, rc)
    assert result.returncode == rc
    assert result.outputs["exit-code"] == str(rc)
    assert "This is not drift" in result.stdout


def test_drift_step_on_a_stack_never_deployed_fails_and_says_why(tmp_path: Path) -> None:
    result = _run_drift(tmp_path, 2)
    assert result.returncode == 2
    assert result.outputs["exit-code"] == "2"
    assert "This is not drift" in result.stdout
    assert not (result.workdir / "drift-report.md").exists()
    # The result file stays for the drift-check-failing issue to quote.
    assert "was never deployed" in _result_file(result)["message"]


def test_drift_step_fails_without_credentials_and_names_them(tmp_path: Path) -> None:
    result = _run_drift(tmp_path, 0, secrets={"PULUMI_CONFIG_PASSPHRASE": "p"})
    assert result.returncode == 2
    assert "exit-code" not in result.outputs
    assert _log(result, "cli.log") == []
    message = _result_file(result)["message"]
    for name in ("UPTIMEROBOT_API_KEY", "SENTRY_AUTH_TOKEN"):
        assert f"secret {name} of the environment monitoring-read" in message
    assert message in result.stdout


def test_drift_step_needs_the_stack_variable(tmp_path: Path) -> None:
    variables = {k: v for k, v in VARIABLES.items() if k != "PULUMI_STACK"}
    result = _run_drift(tmp_path, 0, variables=variables)
    assert result.returncode == 2
    assert "variable PULUMI_STACK" in _result_file(result)["message"]
    assert _log(result, "cli.log") == []


def test_drift_step_refuses_a_vendor_key_kept_as_a_stack_secret(tmp_path: Path) -> None:
    """With the key in Pulumi.production.yaml, the passphrase every job holds would open
    the read-write key, and it would win over the read-only one: the split is void."""
    doc = load("drift")
    work = _workdir(tmp_path)
    stack_file = work / "Pulumi.production.yaml"
    stack_file.write_text(
        stack_file.read_text(encoding="utf-8") + "  uptimerobot:apiKey:\n    secure: v1:abc:def\n",
        encoding="utf-8",
    )
    run = StepRun(work, SECRETS, VARIABLES, [FAKE_PULUMI], {"FAKE_DRIFT_RC": "0"})
    result = run_step(doc, "drift", step(doc, "drift", "drift"), run)
    assert result.returncode == 2
    assert "Pulumi.production.yaml holds uptimerobot:apiKey as a stack secret" in result.stdout
    assert f"pulumi config rm uptimerobot:apiKey --stack {STACK}" in result.stdout
    assert _log(result, "cli.log") == []


def test_drift_step_fails_when_login_fails(tmp_path: Path) -> None:
    result = _run_drift(tmp_path, 0, FAKE_LOGIN_RC="1")
    assert result.returncode == 2
    assert "exit-code" not in result.outputs
    assert "pulumi login failed" in _result_file(result)["message"]


def test_pulumi_cloud_needs_the_access_token_not_the_passphrase(tmp_path: Path) -> None:
    cloud = {k: v for k, v in SECRETS.items() if k != "PULUMI_CONFIG_PASSPHRASE"}
    variables = {"PULUMI_STACK": "mlpp/mlpp-monitoring/production"}
    result = _run_drift(tmp_path / "a", 0, secrets=cloud, variables=variables)
    assert result.returncode == 2
    assert "secret PULUMI_ACCESS_TOKEN" in result.stdout

    cloud["PULUMI_ACCESS_TOKEN"] = "pul-0123456789"
    result = _run_drift(tmp_path / "b", 0, secrets=cloud, variables=variables)
    assert result.returncode == 0, result.stdout


# --- drift: which steps run after the check -----------------------------------------------


def _drift_contexts(exit_code: str) -> dict[str, Any]:
    return {"steps": {"drift": {"outputs": {"exit-code": exit_code} if exit_code else {}}}}


@pytest.mark.parametrize(
    ("exit_code", "status", "issues", "artifact", "failing"),
    [
        ("0", "success", True, False, True),
        ("7", "success", True, True, True),
        ("8", "success", True, True, True),
        ("2", "failure", False, False, True),  # never deployed, credentials, network...
        ("", "failure", False, False, True),  # a set-up step failed before the check
        ("", "cancelled", False, False, False),
    ],
)
def test_drift_steps_run_on_the_checks_outcome(
    exit_code: str, status: str, issues: bool, artifact: bool, failing: bool
) -> None:
    doc = load("drift")
    contexts = _drift_contexts(exit_code)
    assert runs(step_named(doc, "drift", "Keep the drift report").get("if"), contexts, status) == (
        artifact
    )
    kinds = step_named(doc, "drift", "Open, update or close the drift issues")
    assert runs(kinds.get("if"), contexts, status) == issues
    check_failing = step_named(doc, "drift", "Open, update or close the drift-check-failing issue")
    assert runs(check_failing.get("if"), contexts, status) == failing


# --- deploy: who runs it, and the pulumi step ---------------------------------------------


@pytest.mark.parametrize(
    ("event", "ref", "deploy_on_merge", "deploys"),
    [
        ("push", "refs/heads/main", None, False),  # the default: no deploy without a person
        ("push", "refs/heads/main", "false", False),
        ("push", "refs/heads/main", "true", True),  # opted in
        ("push", "refs/heads/main", "True", True),  # GitHub compares strings ignoring case
        ("workflow_dispatch", "refs/heads/main", None, True),
        ("workflow_dispatch", "refs/heads/main", "true", True),
        ("workflow_dispatch", "refs/heads/feature", None, False),  # only main deploys
        ("workflow_dispatch", "refs/heads/feature", "true", False),
    ],
)
def test_deploy_runs_on_a_push_only_when_the_team_opted_in(
    event: str, ref: str, deploy_on_merge: str | None, deploys: bool
) -> None:
    (job,) = jobs(load("deploy")).values()
    variables = {} if deploy_on_merge is None else {"DEPLOY_ON_MERGE": deploy_on_merge}
    contexts = {"github": {"event_name": event, "ref": ref}, "vars": variables}
    assert runs(job["if"], contexts) == deploys


def _run_up(tmp_path: Path, **run: Any) -> Any:
    doc = load("deploy")
    up = next(s for s in doc["jobs"]["deploy"]["steps"] if s.get("name") == "pulumi up")
    return run_step(
        doc, "deploy", up, StepRun(workdir=_workdir(tmp_path), commands=[FAKE_PULUMI], **run)
    )


@pytest.mark.parametrize("up_rc", [0, 1])
def test_deploy_step_runs_pulumi_up_and_keeps_its_exit_code(tmp_path: Path, up_rc: int) -> None:
    result = _run_up(
        tmp_path, secrets=SECRETS, variables=VARIABLES, extra_env={"FAKE_UP_RC": str(up_rc)}
    )
    assert result.returncode == up_rc, result.stdout
    assert "Resources: 3 unchanged" in result.summary
    assert _log(result, "pulumi.log") == [
        "pulumi login",
        f"pulumi up --yes --stack {STACK} --diff --non-interactive --color never",
    ]


@pytest.mark.parametrize(("refresh", "flag"), [("true", True), ("false", False), ("", False)])
def test_deploy_refresh_input_reaches_pulumi_up(tmp_path: Path, refresh: str, flag: bool) -> None:
    """Ticked by hand to revert console edits; empty on a push (no inputs then)."""
    result = _run_up(tmp_path, secrets=SECRETS, variables=VARIABLES, inputs={"refresh": refresh})
    assert result.returncode == 0, result.stdout
    (up,) = [line for line in _log(result, "pulumi.log") if line.startswith("pulumi up")]
    assert up.endswith(" --refresh") == flag
    assert (f"--stack {STACK} --diff" in up) is True


def test_deploy_step_refuses_without_credentials(tmp_path: Path) -> None:
    result = _run_up(tmp_path, variables=VARIABLES)
    assert result.returncode == 2
    assert "secret UPTIMEROBOT_API_KEY of the environment production" in result.stdout
    assert _log(result, "pulumi.log") == []


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
    assert "the environment monitoring-read" in result.stdout
    assert _log(result, "pulumi.log") == []


@pytest.mark.parametrize("preview_rc", [0, 1])
def test_preview_step_captures_the_output(tmp_path: Path, preview_rc: int) -> None:
    result = _run_preview(tmp_path, SECRETS, preview_rc)
    assert result.returncode == 0, result.stdout
    assert result.outputs == {"skipped": "false", "exit-code": str(preview_rc)}
    output = (result.workdir / "preview.txt").read_text(encoding="utf-8")
    assert "monitor-monaluxe-app create" in output
    assert SECRETS["UPTIMEROBOT_API_KEY"] not in output
    assert _log(result, "pulumi.log") == [
        "pulumi login",
        f"pulumi preview --diff --stack {STACK} --non-interactive --color never",
    ]


def test_preview_job_fails_after_commenting_a_failed_preview() -> None:
    fail = step_named(load("preview"), "preview", "Fail if the preview failed")
    for skipped, code, fails in [("false", "1", True), ("false", "0", False), ("true", "", False)]:
        contexts = {"steps": {"preview": {"outputs": {"skipped": skipped, "exit-code": code}}}}
        assert runs(fail["if"], contexts) == fails


# --- preview: the behaviour step ----------------------------------------------------------


def _run_behaviour(workdir: Path, rc: int | None = None, **extra: str) -> Any:
    doc = load("preview")
    env = {} if rc is None else {"FAKE_BEHAVIOUR_RC": str(rc)}
    return run_step(
        doc,
        "preview",
        step(doc, "preview", "behaviour"),
        StepRun(workdir=workdir, variables=VARIABLES, extra_env={**env, **extra}),
    )


@pytest.mark.parametrize("rc", [0, 1, 2])
def test_behaviour_step_compares_with_the_base_and_keeps_the_exit_code(
    tmp_path: Path, rc: int
) -> None:
    result = _run_behaviour(_workdir(tmp_path), rc)
    # The step itself never fails the job: the comment shows what happened.
    assert result.returncode == 0, result.stdout
    assert result.outputs == {"exit-code": str(rc)}
    assert _log(result, "cli.log") == [
        f"mlpp-monitoring test-alerts --stack {STACK} --compare HEAD^1 --markdown"
    ]
    written = (result.workdir / "behaviour.md").read_text(encoding="utf-8")
    errors = (result.workdir / "behaviour-errors.txt").read_text(encoding="utf-8")
    assert ("#### Behaviour: fake" in written) == (rc != 2)
    assert ("error: Pulumi.production.yaml at HEAD^1" in errors) == (rc == 2)


def _git(directory: Path, *args: str) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(directory),
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.invalid",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    subprocess.run(["git", *args], cwd=directory, env=env, check=True, capture_output=True)


def test_behaviour_step_with_the_real_cli_on_a_pull_requests_merge_commit(tmp_path: Path) -> None:
    """What actions/checkout gives a pull_request run: the merge commit of the pull request
    into its base. HEAD^1 is the base as merged into, so only the pull request's change is
    shown, even when the base moved on since the branch was made."""
    work = tmp_path / "checkout"
    work.mkdir()
    for name in ("Pulumi.production.yaml", "alert-tests.yaml"):
        shutil.copy(REPO / name, work / name)
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "base")
    _git(work, "checkout", "-q", "-b", "pr")
    stack = work / "Pulumi.production.yaml"
    text = stack.read_text(encoding="utf-8")
    stack.write_text(text.replace("event_threshold: 10", "event_threshold: 20"), encoding="utf-8")
    _git(work, "commit", "-q", "-am", "spike at 20")
    _git(work, "checkout", "-q", "main")
    # The base moves on: the new-issue alert's interval changes on main (its first
    # frequency_minutes), which is not the pull request's doing.
    text = stack.read_text(encoding="utf-8")
    stack.write_text(text.replace("frequency_minutes: 1440", "frequency_minutes: 720", 1))
    _git(work, "commit", "-q", "-am", "main moves on")
    _git(work, "merge", "-q", "--no-ff", "--no-edit", "pr")
    venv_bin = work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "mlpp-monitoring").symlink_to(Path(sys.executable).parent / "mlpp-monitoring")
    result = _run_behaviour(work)
    assert result.returncode == 0, result.stdout
    assert result.outputs == {"exit-code": "1"}  # the spike scenarios fail at 20
    written = (work / "behaviour.md").read_text(encoding="utf-8")
    assert "This pull request changes `spike`: **6 of 42 outcomes change**." in written
    assert "**5 of 42 expectations fail** on this pull request" in written
    assert "`new-issue` |" not in written.split("<details>")[0]  # main's change is not shown


def test_behaviour_step_writes_nothing_when_no_alert_or_monitor_changes(tmp_path: Path) -> None:
    work = tmp_path / "checkout"
    work.mkdir()
    for name in ("Pulumi.production.yaml", "alert-tests.yaml"):
        shutil.copy(REPO / name, work / name)
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "base")
    (work / "README").write_text("a pull request that changes no alert\n", encoding="utf-8")
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "docs only")
    venv_bin = work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "mlpp-monitoring").symlink_to(Path(sys.executable).parent / "mlpp-monitoring")
    result = _run_behaviour(work)
    assert result.outputs == {"exit-code": "0"}
    assert (work / "behaviour.md").read_text(encoding="utf-8") == ""


# --- github-script steps (Node.js) --------------------------------------------------------

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _drift_issues(
    tmp_path: Path, state: dict[str, Any], result: dict[str, Any]
) -> list[dict[str, Any]]:
    (tmp_path / "drift-result.json").write_text(json.dumps(result), encoding="utf-8")
    the_step = step_named(load("drift"), "drift", "Open, update or close the drift issues")
    env = {"DRIFT_RESULT": "drift-result.json"}
    return run_github_script(the_step, state, env, tmp_path)


def _open(state: dict[str, Any], label: str) -> list[dict[str, Any]]:
    return [
        i
        for i in state.get("issues", [])
        if i["state"] == "open" and any(lab["name"] == label for lab in i["labels"])
    ]


@needs_node
def test_each_kind_of_drift_opens_its_own_issue_titled_with_it(tmp_path: Path) -> None:
    state: dict[str, Any] = {"issues": []}
    calls = _drift_issues(tmp_path, state, drift_result(console=1, undeployed=0))
    (created,) = called(calls, "create")
    assert created["title"] == f"Drift: console edits on {STACK}"
    assert created["labels"] == ["drift"]
    assert created["body"].startswith("<!-- mlpp-monitoring:drift kind=console-edits report=")
    assert "`alert-spike` | `enabled`" in created["body"]
    assert "timeout" not in created["body"], "the undeployed section is not in it"
    assert called(calls, "createLabel")

    calls = _drift_issues(tmp_path, state, drift_result(console=1, undeployed=1))
    (created,) = called(calls, "create")
    assert created["title"] == f"Drift: undeployed changes on {STACK}"
    assert "<!-- mlpp-monitoring:drift kind=undeployed report=" in created["body"]
    assert len(_open(state, "drift")) == 2


@needs_node
def test_a_drift_issue_is_updated_and_commented_only_when_its_report_changes(
    tmp_path: Path,
) -> None:
    state: dict[str, Any] = {"issues": []}
    _drift_issues(tmp_path, state, drift_result(console=1, undeployed=0))
    (issue,) = _open(state, "drift")

    same = _drift_issues(tmp_path, state, drift_result(console=1, undeployed=0))
    assert not called(same, "create")
    (updated,) = called(same, "update")
    assert updated["issue_number"] == issue["number"]
    assert not called(same, "createComment"), "same report: nobody is notified again"

    changed = drift_result(console=1, undeployed=0, token="***")
    calls = _drift_issues(tmp_path, state, changed)
    (comment,) = called(calls, "createComment")
    assert comment["issue_number"] == issue["number"]
    assert comment["body"].startswith("The console edits changed")
    assert len(_open(state, "drift")) == 1


@needs_node
def test_a_kind_that_is_gone_closes_only_its_own_issue(tmp_path: Path) -> None:
    """Console edits reverted, the undeployed change still waiting: one issue closes, the
    other stays; a `drift` issue a person filed (even quoting the marker) is not touched."""
    state: dict[str, Any] = {"issues": []}
    _drift_issues(tmp_path, state, drift_result(console=1, undeployed=1))
    state["issues"].append(
        {
            "number": 7,
            "state": "open",
            "title": "Sentry alert looks wrong",
            "labels": [{"name": "drift"}],
            "body": "<!-- mlpp-monitoring:drift kind=console-edits report=x --> copied",
            "user": PERSON,
        }
    )
    calls = _drift_issues(tmp_path, state, drift_result(console=0, undeployed=1))
    (closed,) = [u for u in called(calls, "update") if u.get("state") == "closed"]
    (comment,) = called(calls, "createComment")
    assert comment["issue_number"] == closed["issue_number"] != 7
    assert comment["body"].startswith("Console edits gone")
    titles = sorted(i["title"] for i in _open(state, "drift"))
    assert titles == ["Drift: undeployed changes on " + STACK, "Sentry alert looks wrong"]

    calls = _drift_issues(tmp_path, state, drift_result(console=0, undeployed=0))
    (closed,) = [u for u in called(calls, "update") if u.get("state") == "closed"]
    assert [i["number"] for i in _open(state, "drift")] == [7]
    assert called(calls, "createComment")[0]["body"].startswith("Undeployed changes gone")


@needs_node
def test_drift_issues_refuse_a_check_that_did_not_run(tmp_path: Path) -> None:
    """Never reached in the workflow (the step runs on 0, 7, 8 only), but a failed check's
    result must never close or open a drift issue."""
    (tmp_path / "drift-result.json").write_text(json.dumps(NEVER_DEPLOYED), encoding="utf-8")
    the_step = step_named(load("drift"), "drift", "Open, update or close the drift issues")
    with pytest.raises(AssertionError, match="did not run to the end"):
        run_github_script(the_step, {"issues": []}, {"DRIFT_RESULT": "drift-result.json"}, tmp_path)


@needs_node
def test_a_huge_report_still_fits_an_issue(tmp_path: Path) -> None:
    result = drift_result(console=1, undeployed=0)
    result["kinds"]["console-edits"]["report"] = "x" * 200_000
    calls = _drift_issues(tmp_path, {"issues": []}, result)
    (created,) = called(calls, "create")
    assert len(created["body"]) < 65536


# --- the drift-check-failing issue ----------------------------------------------------------


def _run(conclusion: str, run_id: int) -> dict[str, Any]:
    return {"id": run_id, "status": "completed", "conclusion": conclusion, "head_branch": "main"}


def _check_failing(
    tmp_path: Path,
    state: dict[str, Any],
    exit_code: str,
    result: dict[str, Any] | None = None,
    failing_after: str = "",
) -> list[dict[str, Any]]:
    if result is not None:
        (tmp_path / "drift-result.json").write_text(json.dumps(result), encoding="utf-8")
    else:
        (tmp_path / "drift-result.json").unlink(missing_ok=True)
    the_step = step_named(
        load("drift"), "drift", "Open, update or close the drift-check-failing issue"
    )
    env = {
        "CHECK_EXIT_CODE": exit_code,
        "DRIFT_FAILING_AFTER": failing_after,
        "DRIFT_RESULT": "drift-result.json",
    }
    return run_github_script(the_step, state, env, tmp_path)


@needs_node
def test_failed_checks_open_one_issue_at_the_third_in_a_row(tmp_path: Path) -> None:
    # Newest first: one failed check before this one, then a pass.
    state: dict[str, Any] = {"issues": [], "runs": [_run("failure", 2), _run("success", 1)]}
    calls = _check_failing(tmp_path, state, "2", NEVER_DEPLOYED)
    assert not called(calls, "create")
    assert "failed 2 time(s) in a row; an issue opens at 3" in called(calls, "core.info")[0]
    (listed,) = called(calls, "listWorkflowRuns")
    assert listed["workflow_id"] == "drift.yml"
    assert (listed["branch"], listed["status"]) == ("main", "completed")

    # A cancelled run (a queued check replaced by a newer one) is no check: passed over.
    state["runs"] = [_run("failure", 4), _run("cancelled", 3), *state["runs"]]
    calls = _check_failing(tmp_path, state, "2", NEVER_DEPLOYED)
    (created,) = called(calls, "create")
    assert created["labels"] == ["drift-check-failing"]
    assert created["title"] == "The drift check is failing: drift is not being watched"
    assert created["body"].startswith("<!-- mlpp-monitoring:drift-check-failing -->")
    assert "failed 3 time(s) in a row" in created["body"]
    assert "was never deployed" in created["body"], "the reason, from the check's result"

    # The next failure updates that issue; it does not open a second one.
    state["runs"].insert(0, _run("failure", 5))
    calls = _check_failing(tmp_path, state, "1")
    assert not called(calls, "create")
    (updated,) = called(calls, "update")
    assert "failed 4 time(s) in a row" in updated["body"]
    assert "did not run to the end" in updated["body"], "no result file: a set-up step failed"
    assert len(_open(state, "drift-check-failing")) == 1


@needs_node
def test_a_passing_check_closes_the_failing_issue_it_opened_only(tmp_path: Path) -> None:
    state: dict[str, Any] = {
        "issues": [
            {
                "number": 3,
                "state": "open",
                "title": "drift check flaky?",
                "labels": [{"name": "drift-check-failing"}],
                "body": "filed by a person",
                "user": PERSON,
            }
        ],
        "runs": [_run("failure", 2), _run("failure", 1)],
    }
    _check_failing(tmp_path, state, "2", NEVER_DEPLOYED)
    assert len(_open(state, "drift-check-failing")) == 2

    for passing in ("0", "7", "8"):  # drift found is a check that worked
        calls = _check_failing(tmp_path, state, passing, drift_result(0, 0))
        assert not called(calls, "listWorkflowRuns")
    assert [i["number"] for i in _open(state, "drift-check-failing")] == [3]


@needs_node
def test_the_threshold_comes_from_the_repository_variable(tmp_path: Path) -> None:
    state: dict[str, Any] = {"issues": [], "runs": [_run("success", 1)]}
    calls = _check_failing(tmp_path, state, "2", NEVER_DEPLOYED, failing_after="1")
    assert len(called(calls, "create")) == 1

    state = {"issues": [], "runs": [_run("failure", 2), _run("failure", 1)]}
    calls = _check_failing(tmp_path, state, "2", NEVER_DEPLOYED, failing_after="three")
    (warning,) = called(calls, "core.warning")
    assert "DRIFT_FAILING_AFTER is 'three'" in warning and "using 3" in warning
    assert len(called(calls, "create")) == 1


# --- the preview comment ------------------------------------------------------------------


def _comment_step() -> Any:
    return step_named(load("preview"), "preview", "Post or update the preview comment")


def _preview_env(exit_code: str) -> dict[str, str]:
    return {"PREVIEW_FILE": "preview.txt", "PREVIEW_EXIT_CODE": exit_code, "PULUMI_STACK": STACK}


@needs_node
def test_preview_creates_the_comment_once(tmp_path: Path) -> None:
    (tmp_path / "preview.txt").write_text("+ monitor create\nResources: 1 to create\n")
    someone = {"id": 1, "user": {"type": "User"}, "body": "<!-- mlpp-monitoring-preview --> hi"}
    calls = run_github_script(_comment_step(), {"comments": [someone]}, _preview_env("0"), tmp_path)
    (created,) = called(calls, "createComment")
    assert created["issue_number"] == 12
    assert created["body"].startswith("<!-- mlpp-monitoring-preview -->")
    assert f"### `pulumi preview --diff --stack {STACK}` succeeded" in created["body"]
    assert "Resources: 1 to create" in created["body"]
    assert not called(calls, "updateComment")


@needs_node
def test_preview_updates_its_comment_in_place(tmp_path: Path) -> None:
    (tmp_path / "preview.txt").write_text("error: boom\n~~~~~~~~\n")
    mine = {"id": 77, "user": {"type": "Bot"}, "body": "<!-- mlpp-monitoring-preview -->\nold"}
    calls = run_github_script(_comment_step(), {"comments": [mine]}, _preview_env("255"), tmp_path)
    assert not called(calls, "createComment")
    (updated,) = called(calls, "updateComment")
    assert updated["comment_id"] == 77
    assert "**failed** (exit code 255)" in updated["body"]
    # The output cannot close the code fence early.
    assert updated["body"].count("~~~~~~") == 2


@needs_node
def test_a_long_preview_keeps_its_beginning_and_end(tmp_path: Path) -> None:
    (tmp_path / "preview.txt").write_text("FIRST\n" + "x" * 150_000 + "\nLAST\n")
    calls = run_github_script(_comment_step(), {"comments": []}, _preview_env("0"), tmp_path)
    (created,) = called(calls, "createComment")
    body = created["body"]
    assert len(body) < 65536
    assert "FIRST" in body and "LAST" in body and "characters cut" in body


def _behaviour_env(code: str) -> dict[str, str]:
    return {
        **_preview_env("0"),
        "BEHAVIOUR_FILE": "behaviour.md",
        "BEHAVIOUR_ERRORS": "behaviour-errors.txt",
        "BEHAVIOUR_EXIT_CODE": code,
    }


BEHAVIOUR = (
    "#### Behaviour: the scenarios of `alert-tests.yaml` on the base branch and on this pull "
    "request\n\nThis pull request changes `spike`: **1 of 42 outcomes change**.\n\n"
    "| scenario | object | expected | base | this pull request |\n"
    "| --- | --- | --- | --- | --- |\n"
    "| a second spike | `spike` | 2 | 2: B at 0s | 3 **FAIL**: B at 0s, 2h |\n"
)


@needs_node
@pytest.mark.parametrize("code", ["0", "1"])
def test_the_comment_has_the_behaviour_section_after_the_preview(tmp_path: Path, code: str) -> None:
    (tmp_path / "preview.txt").write_text("~ alert-spike update\n")
    (tmp_path / "behaviour.md").write_text(BEHAVIOUR)
    (tmp_path / "behaviour-errors.txt").write_text("")
    calls = run_github_script(_comment_step(), {"comments": []}, _behaviour_env(code), tmp_path)
    (created,) = called(calls, "createComment")
    body = created["body"]
    assert BEHAVIOUR.strip() in body
    assert body.index("~ alert-spike update") < body.index("#### Behaviour:")


@needs_node
def test_no_behaviour_section_when_no_alert_or_monitor_changes(tmp_path: Path) -> None:
    (tmp_path / "preview.txt").write_text("Resources: 3 unchanged\n")
    (tmp_path / "behaviour.md").write_text("")
    (tmp_path / "behaviour-errors.txt").write_text("no alert or monitor differs from HEAD^1\n")
    calls = run_github_script(_comment_step(), {"comments": []}, _behaviour_env("0"), tmp_path)
    (created,) = called(calls, "createComment")
    assert "Behaviour" not in created["body"]


@needs_node
def test_a_behaviour_that_could_not_be_computed_says_why(tmp_path: Path) -> None:
    (tmp_path / "preview.txt").write_text("Resources: 3 unchanged\n")
    (tmp_path / "behaviour.md").write_text("")
    (tmp_path / "behaviour-errors.txt").write_text(
        "error: alert-tests.yaml:\n  scenario 'spike': expect.spik: 'spik' is not an alert\n"
    )
    calls = run_github_script(_comment_step(), {"comments": []}, _behaviour_env("2"), tmp_path)
    (created,) = called(calls, "createComment")
    body = created["body"]
    assert "#### Behaviour: not computed" in body
    assert "`mlpp-monitoring test-alerts --compare` exited 2:" in body
    assert "scenario 'spike': expect.spik" in body


@needs_node
def test_a_long_preview_and_a_long_behaviour_still_fit_a_comment(tmp_path: Path) -> None:
    (tmp_path / "preview.txt").write_text("FIRST\n" + "x" * 150_000 + "\nLAST\n")
    (tmp_path / "behaviour.md").write_text(BEHAVIOUR + "| row |\n" * 20_000)
    (tmp_path / "behaviour-errors.txt").write_text("")
    calls = run_github_script(_comment_step(), {"comments": []}, _behaviour_env("1"), tmp_path)
    (created,) = called(calls, "createComment")
    body = created["body"]
    assert len(body) < 65536
    assert "FIRST" in body and "LAST" in body and "This pull request changes `spike`" in body
