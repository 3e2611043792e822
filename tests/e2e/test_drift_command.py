"""`mlpp-monitoring drift` through the real engine: 0 in sync, 7 console edits, 8 undeployed
changes only (each kind in its own report section), 2 when the check cannot be made (a
stack never deployed, no such stack, rejected credentials), never reported as drift.

Also the self-managed state backend: `up` into an S3 bucket (moto's S3 server on
loopback), then the drift command from a second, fresh working directory reading it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.harness import REPO, CaseFailures, Project, SandboxProcess

QUALIFIED = "organization/mlpp-monitoring/sandbox"
"""The sandbox stack's fully qualified name on a self-managed backend (as CI names it)."""


def drift_result(
    project: Project, tmp: Path, env: dict[str, str] | None = None, stack: str | None = None
) -> tuple[int, str, str, dict[str, Any]]:
    """Run the drift command as the workflow does; (exit code, output, report, result)."""
    report, result_file = tmp / "drift.md", tmp / "drift.json"
    report.unlink(missing_ok=True)
    result_file.unlink(missing_ok=True)
    result = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "mlpp-monitoring"),
            "drift",
            "--stack",
            stack or project.stack_name,
            "--cwd",
            str(project.dir),
            "--report",
            str(report),
            "--result-json",
            str(result_file),
        ],
        env=env or project.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    text = report.read_text() if report.exists() else ""
    data = json.loads(result_file.read_text()) if result_file.exists() else {}
    return result.returncode, result.stdout + result.stderr, text, data


def drift(project: Project, tmp: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the drift command; return (exit code, output, report)."""
    code, output, report, _ = drift_result(project, tmp, env)
    return code, output, report


# The situations below share one project and one `pulumi up` (engine operations are the
# suite's cost): a stack never deployed and a stack that does not exist come before the
# deploy; every console edit is undone in the vendor API and every config change in the
# stack file (neither runs the engine) before the next situation; the deletion comes last
# (it cannot be undone). Each later "none" section checks the undoing of the earlier ones.


def _never_deployed(project: Project, tmp: Path) -> None:
    """Before the first deploy there is no state to compare with: not every object
    "deleted outside Pulumi", not every object "undeployed", but a check that cannot run."""
    code, output, report, result = drift_result(project, tmp, stack=QUALIFIED)
    assert code == 2, output
    assert "was never deployed" in output
    assert report == ""
    assert result["result"] == "never-deployed"
    assert result["kinds"] == {}
    assert "was never deployed" in result["message"]
    assert project.sandbox.monitors() == []


def _no_such_stack(project: Project, tmp: Path) -> None:
    code, output, _, result = drift_result(
        project, tmp, stack="organization/mlpp-monitoring/staging"
    )
    assert code == 2, output
    assert result["result"] == "failed"
    assert "mlpp-monitoring bootstrap --stack organization/mlpp-monitoring/staging" in output


def _in_sync(project: Project, tmp: Path) -> None:
    code, output, report, result = drift_result(project, tmp, stack=QUALIFIED)
    assert code == 0, output
    assert "no drift" in output.lower()
    assert "## Console edits: none" in report and "## Undeployed changes: none" in report
    assert result["result"] == "in-sync" and result["exit_code"] == 0
    assert {k: v["found"] for k, v in result["kinds"].items()} == {
        "console-edits": 0,
        "undeployed": 0,
    }


def _monitor_edited(project: Project, tmp: Path) -> None:
    (monitor,) = project.sandbox.monitors()
    project.sandbox.uptimerobot("PATCH", f"/monitors/{monitor['id']}", json={"interval": 600})
    try:
        code, output, report, result = drift_result(project, tmp, stack=QUALIFIED)
    finally:
        project.sandbox.edit_monitor(monitor["id"], interval=monitor["interval"])
    assert code == 7, output
    assert "## Console edits: 1 resource(s)" in report
    assert "| resource | property | deployed | live |" in report
    assert "| `monitor-monaluxe-app` | `interval` | `300` | `600` |" in report
    assert "## Undeployed changes: none" in report, "a console edit is not an undeployed change"
    # The repair goes through the gated deploy workflow, not a laptop.
    assert "Actions > deploy > Run workflow" in report and "**refresh** ticked" in report
    assert "pulumi up --refresh --stack" not in report
    assert result["result"] == "drift"
    assert result["kinds"]["console-edits"]["found"] == 1
    assert result["kinds"]["undeployed"]["found"] == 0
    assert "`interval` | `300` | `600`" in result["kinds"]["console-edits"]["report"]


def _alert_edited(project: Project, tmp: Path) -> None:
    spike = next(w for w in project.sandbox.workflows() if "Spike" in w["name"])
    body = {**spike, "enabled": False}
    answer = project.sandbox.sentry(
        "PUT", f"/organizations/mlpp/workflows/{spike['id']}/", json=body
    )
    assert answer.status_code == 200, answer.text
    try:
        code, output, report = drift(project, tmp)
    finally:
        project.sandbox.edit_workflow(project.sandbox.workflow_named("Spike"), enabled=True)
    assert code == 7, output
    assert "| `alert-spike` | `enabled` | `true` | `false` |" in report


def _undeployed(project: Project, tmp: Path) -> None:
    """The program on main differs from the deployed state, the vendors do not: an
    undeployed change, not a console edit."""
    project.set_project_value("uptimerobot.monitors.monaluxe-app.timeout", 20)
    try:
        code, output, report, result = drift_result(project, tmp, stack=QUALIFIED)
    finally:
        project.set_project_value("uptimerobot.monitors.monaluxe-app.timeout", 30)
    assert code == 8, output
    assert "## Console edits: none" in report
    assert "## Undeployed changes: 1 resource(s)" in report
    assert "| resource | property | deployed | program |" in report
    assert "| `monitor-monaluxe-app` | `timeout` | `30` | `20` |" in report
    assert "Nothing was edited by hand" in report
    assert "web console" not in result["kinds"]["undeployed"]["report"]
    assert "UNDEPLOYED CHANGES on stack" in output
    (monitor,) = project.sandbox.monitors()
    assert monitor["timeout"] == 30, "the check changed nothing"


def _both_kinds(project: Project, tmp: Path) -> None:
    project.set_project_value("uptimerobot.monitors.monaluxe-app.timeout", 20)
    spike = project.sandbox.workflow_named("Spike")
    project.sandbox.edit_workflow(spike, enabled=False)
    try:
        code, output, report, result = drift_result(project, tmp)
    finally:
        project.set_project_value("uptimerobot.monitors.monaluxe-app.timeout", 30)
        project.sandbox.edit_workflow(project.sandbox.workflow_named("Spike"), enabled=True)
    assert code == 7, output
    assert report.startswith("# Drift on stack `sandbox`: console edits and undeployed changes\n")
    assert "| `alert-spike` | `enabled` | `true` | `false` |" in report
    assert "| `monitor-monaluxe-app` | `timeout` | `30` | `20` |" in report
    kinds = result["kinds"]
    assert (kinds["console-edits"]["found"], kinds["undeployed"]["found"]) == (1, 1)
    assert "alert-spike" not in kinds["undeployed"]["report"]
    assert "monitor-monaluxe-app" not in kinds["console-edits"]["report"]


def _deleted_monitor(project: Project, tmp: Path) -> None:
    (monitor,) = project.sandbox.monitors()
    project.sandbox.uptimerobot("DELETE", f"/monitors/{monitor['id']}")
    code, output, report = drift(project, tmp)
    assert code == 7, output
    assert "## Console edits: 1 resource(s)" in report
    assert "monitor-monaluxe-app" in report and "deleted outside Pulumi" in report


BEFORE_DEPLOY = {"never-deployed": _never_deployed, "no-such-stack": _no_such_stack}
AFTER_DEPLOY = {
    "in-sync": _in_sync,
    "monitor-edited": _monitor_edited,
    "alert-edited": _alert_edited,
    "undeployed-change": _undeployed,
    "both-kinds": _both_kinds,
    "monitor-deleted": _deleted_monitor,
}


def test_each_situation_of_one_stack_gets_its_exit_code_and_report(
    project: Project, tmp_path: Path
) -> None:
    failures = CaseFailures()
    for name, situation in BEFORE_DEPLOY.items():
        with failures.check(name):
            situation(project, tmp_path)
    project.pulumi("up", "--yes", check=True)
    for name, situation in AFTER_DEPLOY.items():
        with failures.check(name):
            situation(project, tmp_path)
    failures.raise_if_any()


def test_rejected_credentials_fail_the_check_not_drift(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.pickle"
    first = SandboxProcess(tmp_path / "sb1", args=["--state-file", str(accounts)])
    (tmp_path / "sb1").mkdir()
    first.start()
    project = Project.create(tmp_path / "project", first)
    project.pulumi("up", "--yes", check=True)
    port = first.base.rsplit(":", 1)[1]
    first.stop()
    # UptimeRobot rotated the key: the same account now rejects the one the stack holds.
    second = SandboxProcess(
        tmp_path / "sb2",
        args=["--port", port, "--state-file", str(accounts), "--uptimerobot-key", "rotated"],
    )
    (tmp_path / "sb2").mkdir()
    second.start()
    try:
        code, output, report, result = drift_result(project, tmp_path)
    finally:
        second.stop()
    assert code == 2, output
    assert "UptimeRobot" in output and "401" in output
    assert "uptimerobot:apiKey" in output and "UPTIMEROBOT_API_KEY" in output
    assert "sandbox-uptimerobot-key" not in output
    assert report == ""  # a failed check writes no drift report
    assert "UptimeRobot" in result["message"] and "sandbox-uptimerobot-key" not in result["message"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def s3_backend(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """moto's S3 server on loopback with one bucket; yields (backend URL, AWS env)."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(endpoint, timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("moto server did not start") from None
            time.sleep(0.1)
    aws = {
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_REGION": "us-east-1",
    }
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    ).create_bucket(Bucket="mlpp-state")
    url = f"s3://mlpp-state?endpoint={endpoint}&region=us-east-1&use_path_style=true"
    yield url, aws
    server.terminate()
    server.wait(timeout=10)


def test_s3_backend_up_then_drift_from_a_fresh_checkout(
    s3_backend: tuple[str, dict[str, str]], fresh_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    url, aws = s3_backend
    first = Project.create(tmp_path / "laptop", fresh_sandbox, backend=tmp_path / "unused")
    env = {**first.env, **aws, "PULUMI_BACKEND_URL": url}
    first.pulumi("stack", "select", "--create", "sandbox", env=env)
    first.pulumi("up", "--yes", check=True, env=env)

    # A second, fresh working directory (as a CI runner would have) with its own
    # PULUMI_HOME: all it shares with the first is the bucket.
    ci_dir = tmp_path / "ci-runner"
    shutil.copytree(first.dir, ci_dir, ignore=shutil.ignore_patterns(".state"))
    second = Project(dir=ci_dir, sandbox=fresh_sandbox, backend=tmp_path / "ci-home" / "x")
    ci_env = {**second.env, **aws, "PULUMI_BACKEND_URL": url}
    code, output, _ = drift(second, tmp_path, env=ci_env)
    assert code == 0, output

    (monitor,) = fresh_sandbox.monitors()
    fresh_sandbox.uptimerobot("PATCH", f"/monitors/{monitor['id']}", json={"interval": 900})
    code, output, report = drift(second, tmp_path, env=ci_env)
    assert code == 7, output
    assert "`interval` | `300` | `900`" in report
    assert not os.path.exists(ci_dir / ".state")
