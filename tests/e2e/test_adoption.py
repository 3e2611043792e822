"""Adoption through the real engine: the monitor and alerts the team made by hand are taken
over, never duplicated.

The hand-made objects are seeded through the vendor APIs with values a little off the
declared ones; `mlpp-monitoring discover` must find and match them and print the config
commands, which are run exactly as printed. The engine holds no state for them yet, so
its preview of each is a create step: the provider adds `adopt_changes` to it (what the
take-over changes on the live object), and no vendor object is created, ever.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from typing import Any

import pytest

from tests.e2e.harness import (
    ALERT_NEW_ISSUE,
    ALERT_SPIKE,
    MONITOR,
    REPO,
    Project,
    SandboxProcess,
    assert_runbook_state,
    leaked_secrets,
)
from tests.vendor_bodies import workflow_body

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

MONITOR_NAME = "ML_PP production - monaluxe.app"
NEW_ISSUE_NAME = "[mlpp-web] New issue (production)"
SPIKE_NAME = "[mlpp-web] Spike: more than 10 events in 5 minutes (production)"
DISCOVER = REPO / ".venv" / "bin" / "mlpp-monitoring"


# -- the objects the team made by hand ----------------------------------------------------


def _hand_made_monitor(sandbox: SandboxProcess) -> int:
    """The runbook's monitor as made in the console: every 10 minutes, HEAD, 2xx and 3xx."""
    contacts = sandbox.uptimerobot("GET", "/user/alert-contacts").json()
    contacts = contacts["data"] if isinstance(contacts, dict) else contacts
    body = {
        "friendlyName": MONITOR_NAME,
        "url": "https://monaluxe.app",
        "type": "HTTP",
        "interval": 600,
        "timeout": 30,
        "httpMethodType": "HEAD",
        "successHttpResponseCodes": ["2xx", "3xx"],
        "assignedAlertContacts": [
            {"alertContactId": contacts[0]["id"], "threshold": 0, "recurrence": 0}
        ],
    }
    response = sandbox.uptimerobot("POST", "/monitors", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _issue_stream_detector(sandbox: SandboxProcess) -> int:
    project = sandbox.sentry("GET", "/projects/mlpp/mlpp-web/").json()
    detectors = sandbox.sentry("GET", f"/organizations/mlpp/detectors/?project={project['id']}")
    (found,) = [d for d in detectors.json() if d["type"] == "issue_stream"]
    return int(found["id"])


def _hand_made_workflow(
    sandbox: SandboxProcess, name: str, conditions: list[dict[str, Any]]
) -> int:
    """A workflow as the UI makes it: action interval 60 minutes instead of 24 hours."""
    body = workflow_body(
        _issue_stream_detector(sandbox),
        name=name,
        config={"frequency": 60},
        triggers={"logicType": "any-short", "conditions": conditions},
    )
    response = sandbox.sentry("POST", "/organizations/mlpp/workflows/", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


NEW_ISSUE = {"type": "first_seen_event", "comparison": True, "conditionResult": True}
SPIKE = {
    "type": "event_frequency_count",
    "comparison": {"value": 10, "interval": "5m"},
    "conditionResult": True,
}


def _seed_hand_made(sandbox: SandboxProcess) -> dict[str, int]:
    return {
        "monaluxe-app": _hand_made_monitor(sandbox),
        "new-issue": _hand_made_workflow(sandbox, NEW_ISSUE_NAME, [NEW_ISSUE]),
        "spike": _hand_made_workflow(sandbox, SPIKE_NAME, [NEW_ISSUE, SPIKE]),
    }


# -- running discover and its printed lines ------------------------------------------------


def _discover(project: Project) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DISCOVER), "discover", "--stack", project.stack_name, "--cwd", str(project.dir)],
        env=project.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _printed_commands(stdout: str) -> list[str]:
    return [line.strip() for line in stdout.splitlines() if line.strip().startswith("pulumi ")]


def _adoption_lines(ids: dict[str, int], stack: str) -> list[str]:
    """The `pulumi config set` lines discover prints for the seeded objects, sorted."""
    return sorted(
        f"pulumi config set --path '{path}.adopt_id' {ids[key]} --stack {stack}"
        for key, path in (
            ("monaluxe-app", "mlpp-monitoring:uptimerobot.monitors.monaluxe-app"),
            ("new-issue", "mlpp-monitoring:sentry.alerts.new-issue"),
            ("spike", "mlpp-monitoring:sentry.alerts.spike"),
        )
    )


def _run_printed(project: Project, line: str) -> None:
    """Run one printed line as a user pasting it into a shell in the project directory."""
    result = subprocess.run(
        shlex.split(line),
        cwd=project.dir,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"


def _adopt_changes(stdout: str, resource: str) -> dict[str, str]:
    """The `adopt_changes` map of one resource's step in `pulumi preview --diff` output."""
    block = stdout.split(f"::{resource}]", 1)[1]
    block = re.split(r"\n\s*[+~-]+ pulumi|\n\s*--outputs:--", block, maxsplit=1)[0]
    inner = re.search(r"adopt_changes\s*:\s*\{\n(?P<body>.*?)\n\s*\}", block, re.S)
    assert inner, f"no adopt_changes for {resource}:\n{block}"
    pairs = re.findall(r'^\s*(\w+)\s*:\s*"(.*)"\s*$', inner["body"], re.M)
    return {key: value.replace('\\"', '"') for key, value in pairs}


def _writes(sandbox: SandboxProcess, mark: int) -> list[tuple[str, str]]:
    return [
        (c["method"], c["path"])
        for c in sandbox.journal_since(mark)
        if c["method"] not in ("GET", "HEAD")
    ]


# -- the tests ----------------------------------------------------------------------------


def test_discover_then_up_adopts_the_hand_made_objects(project: Project) -> None:
    sandbox = project.sandbox
    ids = _seed_hand_made(sandbox)

    found = _discover(project)
    assert found.returncode == 0, found.stdout + found.stderr
    assert not leaked_secrets(found.stdout + found.stderr)
    for key, id_ in ids.items():
        row = next(line for line in found.stdout.splitlines() if str(id_) in line)
        assert key in row, f"{key} not marked as the match of {id_}:\n{found.stdout}"
    commands = _printed_commands(found.stdout)
    assert sorted(commands) == _adoption_lines(ids, project.stack_name), found.stdout

    for line in commands:
        _run_printed(project, line)
    # The values land as YAML integers, which the strict config requires.
    assert (
        project.project_config("uptimerobot")["monitors"]["monaluxe-app"]["adopt_id"]
        == (ids["monaluxe-app"])
    )
    alerts = project.project_config("sentry")["alerts"]
    assert (alerts["new-issue"]["adopt_id"], alerts["spike"]["adopt_id"]) == (
        ids["new-issue"],
        ids["spike"],
    )

    mark = sandbox.journal_mark()
    preview = project.pulumi("preview", "--diff")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert _adopt_changes(preview.stdout, MONITOR) == {
        "interval": "600 => 300",
        "http_method": '"HEAD" => "GET"',
        "success_http_codes": '["2xx", "3xx"] => ["2xx"]',
        "check_ssl_errors": "false => true",
    }
    for alert in (ALERT_NEW_ISSUE, ALERT_SPIKE):
        assert _adopt_changes(preview.stdout, alert) == {"frequency_minutes": "60 => 1440"}
    assert _writes(sandbox, mark) == []  # a preview only reads

    mark = sandbox.journal_mark()
    project.up()
    assert not [w for w in _writes(sandbox, mark) if w[0] == "POST" and w[1].endswith("s/")]
    assert not [w for w in _writes(sandbox, mark) if w == ("POST", "/v3/monitors")]
    assert [m["id"] for m in sandbox.monitors()] == [ids["monaluxe-app"]]
    assert sorted(int(w["id"]) for w in sandbox.workflows()) == sorted(
        (ids["new-issue"], ids["spike"])
    )
    assert_runbook_state(sandbox)

    again = project.pulumi("preview", "--expect-no-changes")
    assert again.returncode == 0, again.stdout + again.stderr
    refreshed = project.pulumi("preview", "--refresh", "--expect-no-changes")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr


def test_adopting_an_id_that_does_not_exist_fails_and_creates_nothing(project: Project) -> None:
    sandbox = project.sandbox
    project.set_project_value("uptimerobot.monitors.monaluxe-app.adopt_id", 123456789)

    preview = project.pulumi("preview")
    assert preview.returncode != 0
    result = project.pulumi("up", "--yes")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "UptimeRobot monitor 123456789 named by adopt_id does not exist" in output, output
    assert "remove adopt_id" in output and "mlpp-monitoring discover" in output
    assert "Traceback" not in output and not leaked_secrets(output)
    assert "error: null" not in output
    # The check fails before any step runs: nothing at all is created.
    assert sandbox.monitors() == [] and sandbox.workflows() == []
    assert [c for c in sandbox.journal() if c["method"] not in ("GET", "HEAD")] == []


def test_up_without_adopt_id_refuses_to_create_twins_and_says_how_to_adopt(
    project: Project,
) -> None:
    sandbox = project.sandbox
    ids = _seed_hand_made(sandbox)
    mark = sandbox.journal_mark()

    # The engine stops at the first failed resource unless told to go on: with
    # --continue-on-error every create is tried, so each twin must be refused.
    result = project.pulumi("up", "--yes", "--continue-on-error")

    output = result.stdout + result.stderr
    assert result.returncode != 0
    for id_ in ids.values():
        assert f"already exists (id {id_})" in output, output
    assert "adopt_id" in output and "mlpp-monitoring discover" in output
    assert "Traceback" not in output and not leaked_secrets(output)
    assert _writes(sandbox, mark) == []  # no twin, no edit of the hand-made ones
    assert sorted(m["id"] for m in sandbox.monitors()) == [ids["monaluxe-app"]]
    assert len(sandbox.workflows()) == 2
