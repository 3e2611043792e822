"""The four on-call scenarios: human output, JSON, exit code and API calls of each."""

from __future__ import annotations

from typing import Any

import pytest

from mlpp_monitoring.commands.runbook.procedures import (
    NOT_MONITORED,
    SENTRY_ISSUE,
    TWO_MINUTE_QUESTIONS,
    UPTIMEROBOT_DOWN,
)
from mlpp_sandbox import Sandbox

from . import scenarios
from .conftest import Run, StatusRunner

DOWN_STEPS = [{"text": s.text, "details": list(s.details)} for s in UPTIMEROBOT_DOWN.steps]
ISSUE_STEPS = [{"text": s.text, "details": list(s.details)} for s in SENTRY_ISSUE.steps]
MONITOR_NAME = "ML_PP production - monaluxe.app"
NEW_ISSUE_ALERT = "[mlpp-web] New issue (production)"
SPIKE_ALERT = "[mlpp-web] Spike: more than 10 events in 5 minutes (production)"
NOT_MONITORED_JSON = [
    {
        "level": 2,
        "name": "métier",
        "category": "business",
        "status": "not_monitored",
        "watches": [
            "invariants SQL : stock négatif, snapshot absent, mélange propriétaire,"
            " sorties incohérentes, CDR bloqués, etc."
        ],
    },
    {
        "level": 3,
        "name": "backend/sécurité",
        "category": "technical",
        "status": "not_monitored",
        "watches": ["401/403 spikes (RLS), 5xx, requêtes lentes, rate limiting, etc."],
    },
]


def _without_elapsed(document: dict[str, Any]) -> dict[str, Any]:
    elapsed = document.pop("elapsed_seconds")
    assert isinstance(elapsed, float) and elapsed >= 0
    return document


def _alerts(new_issue: str | None, spike: str | None) -> list[dict[str, Any]]:
    return [
        {
            "key": "new-issue",
            "name": NEW_ISSUE_ALERT,
            "owner": "on-call",
            "environment": "production",
            "id": "7001",
            "found": True,
            "enabled": True,
            "last_triggered": new_issue,
        },
        {
            "key": "spike",
            "name": SPIKE_ALERT,
            "owner": "on-call",
            "environment": "production",
            "id": "7002",
            "found": True,
            "enabled": True,
            "last_triggered": spike,
        },
    ]


def _up_monitor() -> dict[str, Any]:
    return {
        "key": "monaluxe-app",
        "name": MONITOR_NAME,
        "url": "https://monaluxe.app",
        "owner": "on-call",
        "id": "800000001",
        "state": "up",
        "vendor_status": "UP",
        "since": "2027-01-12T08:00:00Z",
        "for_seconds": 259_200,
        "uptime_24h": 100.0,
        "response_time_ms": 412.0,
        "incident": None,
        "alert_contacts": [
            {
                "value": "ops@monaluxe.app",
                "status": "Active",
                "notifies_on": "UpAndDown",
                "can_page": True,
            }
        ],
        "note": None,
    }


# -- 1. all up and quiet ----------------------------------------------------------------


def test_all_up_and_quiet_exits_0_with_a_plain_answer(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    scenarios.all_up(sandbox)
    run = status()
    assert run.code == 0
    out = run.output
    assert out.startswith(" PROD UP ; rien à signaler   (code de sortie 0)\n")
    for question in TWO_MINUTE_QUESTIONS:
        assert question in out
    assert "ML_PP production - monaluxe.app  UP    3 j 0 h     100,00 %   412 ms  on-call" in out
    assert "Tous les moniteurs déclarés sont UP : pas d'incident en cours." in out
    assert "Aucune issue nouvelle, en pic ou en régression sur 24 h." in out
    assert "+ 1 autre(s) issue(s) non résolue(s) vue(s) sur 24 h" in out
    assert "Technique : rien à signaler (niveaux 0 et 1)." in out
    # Business incidents are said to be unmonitored, never silently fine.
    assert f"Métier (niveau 2) : {NOT_MONITORED}" in out
    assert "Personne : rien n'est à traiter." in out
    assert (run.uptimerobot_calls, run.sentry_calls) == (4, 3)


def test_all_up_and_quiet_json(sandbox: Sandbox, status: StatusRunner) -> None:
    scenarios.all_up(sandbox)
    run = status(as_json=True)
    assert run.code == 0
    document = _without_elapsed(run.document)
    assert document == {
        "format": "mlpp-monitoring/status",
        "version": 1,
        "stack": "production",
        "checked_at": "2027-01-15T08:00:00Z",
        "verdict": "ok",
        "exit_code": 0,
        "headline": "PROD UP ; rien à signaler",
        "problem": None,
        "availability": {"checked": True, "problem": None, "monitors": [_up_monitor()]},
        "front_errors": {
            "checked": True,
            "problem": None,
            "organization": "mlpp",
            "project": "mlpp-web",
            "environments": ["production"],
            "window": "24h",
            "latest_release": None,
            "issues": [],
            "other_active_issues": 1,
            "truncated": False,
            "alerts": _alerts("2026-12-26T08:00:00Z", None),
            "last_fired": "new-issue",
        },
        "findings": [],
        "not_monitored": NOT_MONITORED_JSON,
        "api_calls": {
            "uptimerobot": 4,
            "sentry": 3,
            "total": 7,
            "uptimerobot_max": 6,
            "sentry_max": 3,
        },
    }
    assert (run.uptimerobot_calls, run.sentry_calls) == (4, 3)


# -- 2. site down for 12 minutes with HTTP 503 ----------------------------------------------


def test_site_down_exits_1_and_says_why_since_when_and_who(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    scenarios.site_down(sandbox)
    run = status()
    assert run.code == 1
    out = run.output
    assert out.startswith(" PROD DOWN : action requise   (code de sortie 1)\n")
    assert "ML_PP production - monaluxe.app  DOWN  12 min      99,17 %   412 ms  on-call" in out
    assert "ML_PP production - monaluxe.app : DOWN depuis 12 min (2027-01-15 07:48 UTC)" in out
    assert "cause : HTTP 503 (Service Unavailable) · incident 358000000000000001" in out
    assert "Technique · bloquant (niveau 0) : ML_PP production - monaluxe.app" in out
    assert f"Métier (niveau 2) : {NOT_MONITORED}" in out
    assert f"on-call suit la procédure du runbook : {UPTIMEROBOT_DOWN.title}" in out
    for number, step in enumerate(UPTIMEROBOT_DOWN.steps, 1):
        assert f"{number}. {step.text}"[:60] in out
    assert "8 appels API (UptimeRobot 5, Sentry 3)" in out
    assert "Alerte : ops@monaluxe.app (actif, prévient sur DOWN et UP)" in out
    assert (run.uptimerobot_calls, run.sentry_calls) == (5, 3)


def test_site_down_json(sandbox: Sandbox, status: StatusRunner) -> None:
    scenarios.site_down(sandbox)
    run = status(as_json=True)
    assert run.code == 1
    document = _without_elapsed(run.document)
    assert document == {
        "format": "mlpp-monitoring/status",
        "version": 1,
        "stack": "production",
        "checked_at": "2027-01-15T08:00:00Z",
        "verdict": "problem",
        "exit_code": 1,
        "headline": "PROD DOWN : action requise",
        "problem": None,
        "availability": {
            "checked": True,
            "problem": None,
            "monitors": [
                {
                    **_up_monitor(),
                    "state": "down",
                    "vendor_status": "DOWN",
                    "since": "2027-01-15T07:48:00Z",
                    "for_seconds": 720,
                    "uptime_24h": 99.1667,
                    "incident": {
                        "id": "358000000000000001",
                        "started_at": "2027-01-15T07:48:00Z",
                        "reason": "Service Unavailable",
                        "cause": "http",
                        "cause_code": 503,
                        "http_code": 503,
                    },
                }
            ],
        },
        "front_errors": {
            "checked": True,
            "problem": None,
            "organization": "mlpp",
            "project": "mlpp-web",
            "environments": ["production"],
            "window": "24h",
            "latest_release": None,
            "issues": [],
            "other_active_issues": 1,
            "truncated": False,
            "alerts": _alerts("2026-12-26T08:00:00Z", None),
            "last_fired": "new-issue",
        },
        "findings": [
            {
                "kind": "site_down",
                "category": "technical",
                "severity": "blocking",
                "level": 0,
                "subject": "ML_PP production - monaluxe.app (https://monaluxe.app)",
                "detail": "DOWN depuis 12 min : HTTP 503 (Service Unavailable)",
                "since": "2027-01-15T07:48:00Z",
                "owner": "on-call",
                "procedure": {
                    "key": "uptimerobot-down",
                    "title": 'Si UptimeRobot alerte "DOWN"',
                    "steps": DOWN_STEPS,
                },
            }
        ],
        "not_monitored": NOT_MONITORED_JSON,
        "api_calls": {
            "uptimerobot": 5,
            "sentry": 3,
            "total": 8,
            "uptimerobot_max": 6,
            "sentry_max": 3,
        },
    }


# -- 3. a spiking blocking error on the login flow ------------------------------------------


def test_login_spike_exits_1_and_classifies_the_error_as_blocking(
    sandbox: Sandbox, status: StatusRunner
) -> None:
    scenarios.login_spike(sandbox)
    run = status()
    assert run.code == 1
    out = run.output
    assert out.startswith(
        " PROD UP, mais une erreur bloquante est active : action requise   (code de sortie 1)\n"
    )
    assert "BLOQUANTE      AuthException: Invalid login credentials     240     37" in out
    assert "(login)" in out and "en pic" in out
    assert "non bloquante  TypeError: Cannot read properties of null" in out
    assert "Technique · bloquant (niveau 1) : AuthException: Invalid login credentials" in out
    assert "erreur bloquante (flux login), en pic : 240 événement(s), 37 utilisateur(s)" in out
    assert "Technique · non bloquant (niveau 1) : TypeError" in out
    # Which declared alert fired last, and when: the spike, 4 minutes ago, listed first.
    spike_at = out.index(SPIKE_ALERT)
    assert spike_at < out.index(NEW_ISSUE_ALERT, out.index("Alertes déclarées"))
    assert "déclenchée il y a 4 min (2027-01-15 07:56 UTC) · owner on-call" in out
    assert f"on-call suit la procédure du runbook : {SENTRY_ISSUE.title}" in out
    assert "- Erreur bloquante (login, dashboard, réception, sortie)" in out
    assert (run.uptimerobot_calls, run.sentry_calls) == (4, 3)


def test_login_spike_json(sandbox: Sandbox, status: StatusRunner) -> None:
    scenarios.login_spike(sandbox)
    run = status(as_json=True)
    assert run.code == 1
    document = _without_elapsed(run.document)
    assert (document["verdict"], document["exit_code"]) == ("problem", 1)
    assert document["availability"]["monitors"] == [_up_monitor()]
    errors = document["front_errors"]
    assert errors["issues"] == [
        {
            "id": "6000000003",
            "short_id": "MLPP-WEB-3",
            "title": "AuthException: Invalid login credentials",
            "culprit": scenarios.LOGIN_CULPRIT,
            "level": "error",
            "trend": "spiking",
            "count": 240,
            "users": 37,
            "first_seen": "2027-01-12T08:00:00Z",
            "last_seen": "2027-01-15T07:59:00Z",
            "release": None,
            "browser": None,
            "blocking": True,
            "flows": ["login"],
            "permalink": "https://mlpp.sentry.io/issues/6000000003/",
            "owner": "on-call",
        },
        {
            "id": "6000000004",
            "short_id": "MLPP-WEB-4",
            "title": "TypeError: Cannot read properties of null (reading 'postMessage')",
            "culprit": scenarios.PLUGIN_CULPRIT,
            "level": "error",
            "trend": "new",
            "count": 3,
            "users": 1,
            "first_seen": "2027-01-15T03:00:00Z",
            "last_seen": "2027-01-15T07:20:00Z",
            "release": None,
            "browser": None,
            "blocking": False,
            "flows": [],
            "permalink": "https://mlpp.sentry.io/issues/6000000004/",
            "owner": "on-call",
        },
    ]
    assert errors["other_active_issues"] == 1
    assert errors["alerts"] == _alerts("2027-01-15T03:00:00Z", "2027-01-15T07:56:00Z")
    assert errors["last_fired"] == "spike"
    assert [
        (f["kind"], f["category"], f["severity"], f["level"], f["owner"], f["procedure"]["key"])
        for f in document["findings"]
    ] == [
        ("blocking_error", "technical", "blocking", 1, "on-call", "sentry-issue"),
        ("non_blocking_error", "technical", "non_blocking", 1, "on-call", "sentry-issue"),
    ]
    assert document["findings"][0]["procedure"]["steps"] == ISSUE_STEPS
    assert document["not_monitored"] == NOT_MONITORED_JSON
    assert document["api_calls"] == {
        "uptimerobot": 4,
        "sentry": 3,
        "total": 7,
        "uptimerobot_max": 6,
        "sentry_max": 3,
    }


# -- 4. credentials rejected ------------------------------------------------------------


@pytest.fixture
def wrong_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPTIMEROBOT_API_KEY", "not-the-key")
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "not-the-token")


def test_rejected_credentials_exit_2_and_say_which_to_fix(
    sandbox: Sandbox, status: StatusRunner, wrong_keys: None
) -> None:
    scenarios.all_up(sandbox)
    run = status()
    assert run.code == 2
    out = run.output
    assert out.startswith(
        " Impossible de conclure : une vérification n'a pas abouti   (code de sortie 2)\n"
    )
    assert "INCONNU" in out
    assert "UptimeRobot n'a pas répondu : UptimeRobot: GET /monitors answered HTTP 401" in out
    assert "UPTIMEROBOT_API_KEY" in out and "SENTRY_AUTH_TOKEN" in out
    assert "Sentry n'a pas répondu : Sentry: GET /projects/mlpp/mlpp-web/ answered HTTP 401" in out
    assert "not-the-key" not in out and "not-the-token" not in out
    # Still says what is not monitored, and that nothing could be concluded.
    assert f"Métier (niveau 2) : {NOT_MONITORED}" in out
    assert "PROD UP" not in out
    # One call each: a rejected key is not retried.
    assert (run.uptimerobot_calls, run.sentry_calls) == (1, 1)


def test_rejected_credentials_json(
    sandbox: Sandbox, status: StatusRunner, wrong_keys: None
) -> None:
    scenarios.all_up(sandbox)
    run = status(as_json=True)
    assert run.code == 2
    document = _without_elapsed(run.document)
    assert (document["verdict"], document["exit_code"]) == ("unknown", 2)
    availability, errors = document["availability"], document["front_errors"]
    assert availability["checked"] is False
    assert availability["problem"]["kind"] == "credentials_rejected"
    assert [(m["key"], m["state"], m["id"]) for m in availability["monitors"]] == [
        ("monaluxe-app", "unknown", None)
    ]
    assert errors["checked"] is False
    assert errors["problem"]["kind"] == "credentials_rejected"
    assert errors["issues"] == [] and errors["last_fired"] is None
    assert [(a["key"], a["found"], a["id"]) for a in errors["alerts"]] == [
        ("new-issue", False, None),
        ("spike", False, None),
    ]
    assert [(f["kind"], f["severity"], f["level"], f["owner"]) for f in document["findings"]] == [
        ("check_failed", "unknown", 0, None),
        ("check_failed", "unknown", 1, None),
    ]
    assert document["api_calls"] == {
        "uptimerobot": 1,
        "sentry": 1,
        "total": 2,
        "uptimerobot_max": 6,
        "sentry_max": 3,
    }


@pytest.mark.parametrize("scenario", [scenarios.all_up, scenarios.site_down, scenarios.login_spike])
def test_reported_calls_are_the_calls_made_and_within_the_bound(
    sandbox: Sandbox, status: StatusRunner, scenario: Any
) -> None:
    scenario(sandbox)
    run: Run = status(as_json=True)
    calls = run.document["api_calls"]
    assert (calls["uptimerobot"], calls["sentry"]) == (run.uptimerobot_calls, run.sentry_calls)
    assert calls["uptimerobot"] <= calls["uptimerobot_max"]
    assert calls["sentry"] <= calls["sentry_max"]
    assert {e["method"] for e in sandbox.journal} == {"GET"}  # status never writes
