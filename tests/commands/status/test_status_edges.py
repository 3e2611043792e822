"""What `status` says when the answer is not one of the four main scenarios."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
import yaml

from mlpp_monitoring.commands import cli
from mlpp_monitoring.commands.status.command import run_status
from mlpp_monitoring.http import HttpPolicy
from mlpp_sandbox import Sandbox, SandboxOptions

from . import scenarios
from .conftest import StatusRunner
from .scenarios import DAY, HOUR, MINUTE, FakeClock


def _kinds(document: dict[str, object]) -> list[tuple[str, str]]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return [(f["kind"], f["severity"]) for f in findings]


def test_nothing_deployed_yet_cannot_tell_and_says_pulumi_up(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    run = status(as_json=True)
    assert run.code == 2
    document = run.document
    (monitor,) = document["availability"]["monitors"]
    assert (monitor["state"], monitor["id"]) == ("not_found", None)
    assert "`pulumi up` le crée" in monitor["note"]
    assert [a["found"] for a in document["front_errors"]["alerts"]] == [False, False]
    assert _kinds(document) == [
        ("not_watching", "unknown"),
        ("alert_not_active", "non_blocking"),
        ("alert_not_active", "non_blocking"),
    ]
    # No stats are asked for a monitor that does not exist.
    assert (run.uptimerobot_calls, run.sentry_calls) == (1, 3)
    human = status()
    assert "INTROUVABLE" in human.output
    assert "alerte déclarée absente de Sentry" in human.output


@pytest.mark.parametrize(
    ("vendor_status", "state", "label"),
    [("PAUSED", "paused", "EN PAUSE"), ("STARTED", "not_checked_yet", "PAS ENCORE VÉRIFIÉ")],
)
def test_a_monitor_that_does_not_watch_means_cannot_tell(
    sandbox: Sandbox, status: StatusRunner, vendor_status: str, state: str, label: str
) -> None:
    deployed = scenarios.all_up(sandbox)
    sandbox.uptimerobot.set_monitor_status(deployed.monitor_id, vendor_status)
    run = status(as_json=True)
    assert run.code == 2
    assert run.document["availability"]["monitors"][0]["state"] == state
    assert _kinds(run.document) == [("not_watching", "unknown")]
    assert label in status().output


def test_looks_down_is_already_a_problem(sandbox: Sandbox, status: StatusRunner) -> None:
    deployed = scenarios.site_down(sandbox)
    sandbox.uptimerobot.set_monitor_status(
        deployed.monitor_id, "LOOKS_DOWN", since=scenarios.NOW - 2 * MINUTE
    )
    run = status()
    assert run.code == 1
    assert "PROD semble DOWN (confirmation en cours) : action requise" in run.output
    assert "DOWN ?" in run.output


def test_a_timeout_is_named_as_such(sandbox: Sandbox, status: StatusRunner) -> None:
    deployed = scenarios.all_up(sandbox)
    sandbox.uptimerobot.add_incident(
        deployed.monitor_id, started_at=scenarios.NOW - 3 * MINUTE, reason="Connection Timeout"
    )
    run = status(as_json=True)
    incident = run.document["availability"]["monitors"][0]["incident"]
    assert (incident["cause"], incident["cause_code"], incident["http_code"]) == (
        "timeout",
        333333,
        None,
    )
    assert "cause : délai dépassé (Connection Timeout)" in status().output


def test_the_ongoing_incident_is_found_when_it_is_not_the_last_one(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    deployed = scenarios.all_up(sandbox)
    ongoing = sandbox.uptimerobot.add_incident(
        deployed.monitor_id,
        started_at=scenarios.NOW - HOUR,
        reason="Bad Gateway",
        cause=502,
        http_response_code=502,
    )
    sandbox.uptimerobot.add_incident(
        deployed.monitor_id,
        started_at=scenarios.NOW - 30 * MINUTE,
        resolved_at=scenarios.NOW - 20 * MINUTE,
    )
    run = status(as_json=True)
    assert run.code == 1
    incident = run.document["availability"]["monitors"][0]["incident"]
    assert (incident["id"], incident["http_code"]) == (ongoing.id, 502)
    # The bound is reached, not passed: list, 2 stats, incident list, incident detail.
    assert run.uptimerobot_calls == 6 == run.document["api_calls"]["uptimerobot_max"]


def test_down_without_any_ongoing_incident_still_says_down(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    deployed = scenarios.all_up(sandbox)
    sandbox.uptimerobot.set_monitor_status(deployed.monitor_id, "DOWN", since=scenarios.NOW - 90.0)
    run = status(as_json=True)
    assert run.code == 1
    monitor = run.document["availability"]["monitors"][0]
    assert monitor["incident"] is None
    assert monitor["note"] == "aucun incident en cours enregistré par UptimeRobot"
    assert run.uptimerobot_calls == 5


def test_failed_statistics_do_not_hide_the_outage(sandbox: Sandbox, status: StatusRunner) -> None:
    deployed = scenarios.site_down(sandbox)
    sandbox.inject("500", path=f"/v3/monitors/{deployed.monitor_id}/stats/*", times=20)
    no_retry = HttpPolicy(retries=0, pace=False)
    run = status(as_json=True, policy=no_retry)
    assert run.code == 1
    monitor = run.document["availability"]["monitors"][0]
    assert (monitor["state"], monitor["incident"]["http_code"]) == ("down", 503)
    assert monitor["uptime_24h"] is None and monitor["response_time_ms"] is None
    assert monitor["note"].startswith("statistiques 24 h indisponibles : UptimeRobot: GET")
    assert "statistiques 24 h indisponibles" in status(policy=no_retry).output


def test_a_definite_problem_wins_over_an_unanswered_vendor(
    sandbox: Sandbox, status: StatusRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios.site_down(sandbox)
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "wrong")
    run = status(as_json=True)
    assert run.code == 1
    assert run.document["verdict"] == "problem"
    assert _kinds(run.document) == [("site_down", "blocking"), ("check_failed", "unknown")]


def test_an_api_that_does_not_answer_gives_2_within_the_budget(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    scenarios.all_up(sandbox)
    sandbox.inject("hang", path="/v3/monitors", seconds=30, times=10)
    policy = HttpPolicy(connect_timeout=1, read_timeout=0.3, retries=1, backoff=0, budget=2)
    started = time.monotonic()
    run = status(as_json=True, policy=policy)
    assert time.monotonic() - started < 10  # the budget holds (2 s), loosely
    assert run.code == 2
    problem = run.document["availability"]["problem"]
    assert problem["kind"] == "unavailable"
    assert "did not answer in time" in problem["message"]
    assert run.document["front_errors"]["checked"] is True


def test_missing_credentials_say_how_to_set_them(
    sandbox: Sandbox, status: StatusRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios.all_up(sandbox)
    monkeypatch.delenv("UPTIMEROBOT_API_KEY")
    run = status(as_json=True)
    assert run.code == 2
    problem = run.document["availability"]["problem"]
    assert problem["kind"] == "missing_credentials"
    assert "pulumi config set --secret uptimerobot:apiKey" in problem["message"]
    assert run.uptimerobot_calls == 0 and run.sentry_calls == 3


def test_stack_credentials_win_over_the_environment(
    sandbox: Sandbox, status: StatusRunner, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios.all_up(sandbox)
    path = project / "Pulumi.production.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"]["uptimerobot:apiKey"] = sandbox.options.uptimerobot_key
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    monkeypatch.setenv("UPTIMEROBOT_API_KEY", "wrong")
    assert status().code == 0


def test_a_missing_stack_file_is_a_config_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_status("nope", tmp_path, as_json=True)
    assert code == 2
    document = capsys.readouterr().out
    assert '"kind": "config"' in document
    assert "no stack file" in document and '"exit_code": 2' in document


def test_an_invalid_config_is_a_config_problem(
    project: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "Pulumi.production.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"]["mlpp-monitoring:uptimerobot"]["monitors"]["monaluxe-app"]["interval"] = 60
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert run_status("production", project, as_json=False, clock=clock) == 2
    out = capsys.readouterr().out
    assert "Impossible de conclure : la configuration de la stack est illisible" in out
    assert "monitors.monaluxe-app.interval" in out


def test_non_blocking_errors_only_need_attention_and_exit_0(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    scenarios.all_up(sandbox)
    sandbox.sentry.add_issue(
        "TypeError: plugin", culprit=scenarios.PLUGIN_CULPRIT, first_seen=scenarios.NOW - HOUR
    )
    run = status(as_json=True)
    assert (run.code, run.document["verdict"]) == (0, "attention")
    assert "PROD UP ; erreurs non bloquantes à trier" in status().output


def test_a_disabled_alert_is_pointed_out_to_its_owner(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    deployed = scenarios.all_up(sandbox)
    sandbox.sentry.workflows[deployed.workflow_ids["spike"]].enabled = False
    run = status(as_json=True)
    assert (run.code, run.document["verdict"]) == (0, "attention")
    finding = run.document["findings"][0]
    assert (finding["kind"], finding["owner"]) == ("alert_not_active", "on-call")
    assert "alerte désactivée" in finding["detail"]


@pytest.mark.parametrize(
    ("flow", "culprit"),
    [
        ("dashboard", "package:mlpp/features/dashboard/dashboard_page.dart in build"),
        ("reception", "package:mlpp/features/receptions/reception_form.dart in _save"),
        ("sortie", "/sorties/nouvelle"),
    ],
)
def test_each_critical_flow_makes_an_error_blocking(
    sandbox: Sandbox, status: StatusRunner, flow: str, culprit: str
) -> None:
    scenarios.all_up(sandbox)
    sandbox.sentry.add_issue("StateError", culprit=culprit, first_seen=scenarios.NOW - HOUR)
    run = status(as_json=True)
    assert run.code == 1
    (issue,) = run.document["front_errors"]["issues"]
    assert (issue["flows"], issue["blocking"], issue["trend"]) == ([flow], True, "new")


def test_regressions_are_listed_and_other_environments_are_not(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    scenarios.all_up(sandbox)
    sandbox.sentry.add_issue(
        "Came back",
        culprit="lib/x.dart",
        first_seen=scenarios.NOW - 10 * DAY,
        last_seen=scenarios.NOW - HOUR,
        substatus="regressed",
    )
    sandbox.sentry.add_issue(
        "Staging only", environment="staging", culprit="/login", first_seen=scenarios.NOW - HOUR
    )
    run = status(as_json=True)
    issues = run.document["front_errors"]["issues"]
    assert [(i["title"], i["trend"]) for i in issues] == [("Came back", "regressed")]
    assert run.code == 0


def test_the_cli_dispatches_to_status(
    sandbox: Sandbox, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CLI has no clock seam: nothing asserted here depends on the time.
    scenarios.deploy(sandbox)
    assert cli.main(["status", "--cwd", str(project), "--json"]) == 2  # not checked yet
    assert '"state": "not_checked_yet"' in capsys.readouterr().out
    assert cli.main(["status", "--cwd", str(project), "--stack", "production"]) == 2
    assert "PAS ENCORE VÉRIFIÉ" in capsys.readouterr().out


def test_a_token_without_event_read_says_status_needs_it(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Enough to provision (and detect drift), not to read issues: `status` needs event:read.
    provisioning = ("project:read", "org:read", "alerts:read", "alerts:write")
    with Sandbox(SandboxOptions(clock=clock, sentry_token_scopes=provisioning)) as sandbox:
        scenarios.all_up(sandbox)
        monkeypatch.setenv("UPTIMEROBOT_API_KEY", sandbox.options.uptimerobot_key)
        monkeypatch.setenv("SENTRY_AUTH_TOKEN", sandbox.options.sentry_token)
        project = scenarios.write_project(tmp_path, sandbox)
        out = io.StringIO()
        code = run_status(scenarios.STACK, project, True, out=out, clock=clock)
    assert code == 2
    problem = json.loads(out.getvalue())["front_errors"]["problem"]
    assert problem["kind"] == "credentials_rejected"
    assert "GET /organizations/mlpp/issues/ answered HTTP 403" in problem["message"]
    assert "this call needs: event:read" in problem["message"]
    assert sandbox.options.sentry_token not in out.getvalue()


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("not-activated", "adresse jamais confirmée"),
        ("paused", "contact en pause"),
        ("up-only", "ne prévient pas quand le site tombe (notifications : Up)"),
    ],
)
def test_a_contact_that_pages_nobody_is_shown_and_is_a_finding(
    sandbox: Sandbox, status: StatusRunner, state: str, words: str
) -> None:
    scenarios.all_up(sandbox)
    with sandbox.lock:
        sandbox.uptimerobot.set_contact_state(state)
    run = status(as_json=True)
    assert run.code == 0  # the site is up: someone must still fix who gets paged
    document = run.document
    assert document["headline"] == "PROD UP ; mais un contact d'alerte ne prévient personne"
    (contact,) = document["availability"]["monitors"][0]["alert_contacts"]
    assert (contact["value"], contact["can_page"]) == ("ops@monaluxe.app", False)
    (finding,) = document["findings"]
    assert (finding["kind"], finding["severity"], finding["owner"]) == (
        "contact_cannot_page",
        "non_blocking",
        "on-call",
    )
    assert words in finding["detail"]
    human = status().output
    assert "Alerte : ops@monaluxe.app (" in human and "NE PRÉVIENT PERSONNE" in human
