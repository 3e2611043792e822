"""`pulumi up`, previews and destroy through the real engine, checked in the sandbox."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
import yaml

from tests.e2e.harness import REPO, CaseFailures, Project, assert_runbook_state

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def _production_values(project: Project) -> None:
    """Put the committed production stack's own values into the sandbox stack copy."""
    production = yaml.safe_load((REPO / "Pulumi.production.yaml").read_text())["config"]
    for top in ("uptimerobot", "sentry"):
        project.set_project_config(top, production[f"mlpp-monitoring:{top}"])


def test_up_from_empty_creates_the_runbook_objects_then_nothing_changes_then_destroy(
    project: Project,
) -> None:
    _production_values(project)
    stack = project.stack()
    result = stack.up(on_output=lambda _line: None)
    assert result.summary.result == "succeeded"

    (monitor,) = project.sandbox.monitors()
    assert monitor["url"] == "https://monaluxe.app"
    assert (monitor["type"], monitor["interval"]) == ("HTTP", 300)
    assert monitor["successHttpResponseCodes"] == ["2xx"] and monitor["followRedirections"]
    assert monitor["status"] != "PAUSED"
    assert [c["alertContactId"] for c in monitor["assignedAlertContacts"]]

    workflows = {w["name"]: w for w in project.sandbox.workflows()}
    assert len(workflows) == 2
    for workflow in workflows.values():
        assert workflow["environment"] == "production"
        assert workflow["config"] == {"frequency": 1440}
        (group,) = workflow["actionFilters"]
        (action,) = group["actions"]
        assert action["config"]["targetType"] == "issue_owners"
        assert action["data"]["fallthroughType"] == "AllMembers"
    spike = next(w for n, w in workflows.items() if "Spike" in n)
    conditions = {c["type"]: c for c in spike["triggers"]["conditions"]}
    assert conditions["event_frequency_count"]["comparison"] == {"value": 10, "interval": "5m"}
    assert "first_seen_event" in conditions
    assert_runbook_state(project.sandbox)

    mark = project.sandbox.journal_mark()
    assert project.pulumi("preview", "--expect-no-changes").returncode == 0
    refreshed = project.pulumi("preview", "--refresh", "--expect-no-changes")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    # Previews only read: not one vendor write.
    calls = project.sandbox.journal_since(mark)
    assert calls and {c["method"] for c in calls} == {"GET"}, calls

    # The deployment serves the destroy checks too (one up less for the suite).
    _destroy_empties_the_sandbox_and_a_second_destroy_is_a_no_op(project)


# A second config with every optional field away from its default. The sandbox emulates
# a FREE UptimeRobot account (interval >= 300, contact threshold/recurrence 0), so the
# `team` plan is declared (reminders allowed) but its shorter intervals cannot be used here.
FULL_UPTIMEROBOT: dict[str, Any] = {
    "plan": "team",
    "monitors": {
        "monaluxe-app": {
            "name": "ML_PP production - monaluxe.app & <health>",
            "url": "https://monaluxe.app/health?probe=1&lang=fr",
            "type": "HTTP",
            "interval": 300,
            "timeout": 15,
            "http_method": "HEAD",
            "success_http_codes": ["3xx", "200", "2xx"],
            "follow_redirections": False,
            "check_ssl_errors": False,
            "ssl_expiration_reminder": True,
            "domain_expiration_reminder": True,
            "alert_contacts": [{"value": "ops@monaluxe.app", "threshold": 0, "recurrence": 0}],
            "tags": ["prod", "mlpp", "level-0"],
            "paused": False,
            "owner": "on-call",
        },
        "monaluxe-login": {
            "name": "ML_PP production - login page",
            "url": "https://monaluxe.app/login",
            "type": "KEYWORD",
            "keyword": "Se connecter",
            "interval": 600,
            "timeout": 60,
            "http_method": "GET",
            "alert_contacts": [{"value": "ops@monaluxe.app"}],
            "tags": ["login"],
            "paused": True,
            "owner": "web-team",
        },
    },
}
FULL_SENTRY: dict[str, Any] = {
    "organization": "mlpp",
    "project": "mlpp-web",
    "alerts": {
        "new-issue": {
            "name": "[mlpp-web] New issue (staging) & <disabled>",
            "on_new_issue": True,
            "environment": "staging",
            "frequency_minutes": 0,
            "notify": {"target": "issue_owners", "fallthrough": "ActiveMembers"},
            "enabled": False,
            "owner": "web-team",
        },
        "spike": {
            "name": "[mlpp-web] Spike only: more than 100 events in 1 hour",
            "on_new_issue": False,
            "event_threshold": 100,
            "event_interval": "1h",
            "environment": "production",
            "frequency_minutes": 60,
            "notify": {"fallthrough": "NoOne"},
        },
        "daily": {
            "name": "[mlpp-web] Any event, daily digest",
            "on_new_issue": True,
            "event_threshold": 1,
            "event_interval": "1d",
            "environment": "production",
            "frequency_minutes": 720,
        },
    },
}


def test_every_optional_field_converges_with_no_perpetual_diff(project: Project) -> None:
    project.sandbox.add_environment("staging")
    project.set_project_config("uptimerobot", FULL_UPTIMEROBOT)
    project.set_project_config("sentry", FULL_SENTRY)
    project.up()

    monitors = {m["friendlyName"]: m for m in project.sandbox.monitors()}
    assert len(monitors) == 2
    app = monitors[html.escape("ML_PP production - monaluxe.app & <health>", quote=False)]
    assert html.unescape(app["url"]) == "https://monaluxe.app/health?probe=1&lang=fr"
    assert (app["type"], app["interval"], app["timeout"]) == ("HTTP", 300, 15)
    assert app["httpMethodType"] == "HEAD"
    assert sorted(app["successHttpResponseCodes"]) == ["200", "2xx", "3xx"]
    assert not app["followRedirections"] and not app["checkSSLErrors"]
    assert app["sslExpirationReminder"] and app["domainExpirationReminder"]
    assert sorted(t["name"] for t in app["tags"]) == ["level-0", "mlpp", "prod"]
    assert app["status"] != "PAUSED"
    login = monitors["ML_PP production - login page"]
    assert (login["type"], login["keywordValue"], login["status"]) == (
        "KEYWORD",
        "Se connecter",
        "PAUSED",
    )
    assert (login["interval"], login["timeout"], login["httpMethodType"]) == (600, 60, "GET")

    workflows = {w["name"]: w for w in project.sandbox.workflows()}
    assert len(workflows) == 3
    new_issue = workflows["[mlpp-web] New issue (staging) & <disabled>"]
    assert (new_issue["enabled"], new_issue["environment"]) == (False, "staging")
    assert new_issue["config"] == {"frequency": 0}
    (group,) = new_issue["actionFilters"]
    assert group["actions"][0]["data"]["fallthroughType"] == "ActiveMembers"
    spike = workflows["[mlpp-web] Spike only: more than 100 events in 1 hour"]
    (condition,) = spike["triggers"]["conditions"]
    assert condition["type"] == "event_frequency_count"
    assert condition["comparison"] == {"value": 100, "interval": "1h"}
    assert spike["config"] == {"frequency": 60} and spike["enabled"] is True
    (group,) = spike["actionFilters"]
    assert group["actions"][0]["data"]["fallthroughType"] == "NoOne"
    daily = workflows["[mlpp-web] Any event, daily digest"]
    assert {c["type"] for c in daily["triggers"]["conditions"]} == {
        "first_seen_event",
        "event_frequency_count",
    }

    plain = project.pulumi("preview", "--expect-no-changes", "--diff")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    refreshed = project.pulumi("preview", "--refresh", "--expect-no-changes", "--diff")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr


def _destroy_empties_the_sandbox_and_a_second_destroy_is_a_no_op(deployed: Project) -> None:
    sandbox = deployed.sandbox
    mark = sandbox.journal_mark()
    first = deployed.pulumi("destroy", "--yes", check=True)
    assert sandbox.monitors() == [] and sandbox.workflows() == []
    writes = [(c["method"], c["path"]) for c in sandbox.journal_since(mark) if c["method"] != "GET"]
    assert sorted(method for method, _ in writes) == ["DELETE"] * 3, writes

    assert re.search(r"- 4 deleted", first.stdout), first.stdout  # 3 + the stack

    mark = sandbox.journal_mark()
    again = deployed.pulumi("destroy", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert not re.search(r"\d+ deleted", again.stdout), again.stdout
    assert {c["method"] for c in sandbox.journal_since(mark)} <= {"GET"}
    assert sandbox.monitors() == [] and sandbox.workflows() == []
    state = json.loads(deployed.pulumi("stack", "export", check=True).stdout)
    assert not state["deployment"].get("resources"), state


def _rename(mapping: dict[str, Any], old: str, new: str) -> None:
    mapping[new] = mapping.pop(old)


TYPOS = {
    # edit of the stack file's `config` -> the key the error must name
    "monitor-intervall": (
        lambda c: _rename(
            c["mlpp-monitoring:uptimerobot"]["monitors"]["monaluxe-app"], "interval", "intervall"
        ),
        "mlpp-monitoring:uptimerobot.monitors.monaluxe-app.intervall: unknown key",
    ),
    "alert-frequency_minute": (
        lambda c: _rename(
            c["mlpp-monitoring:sentry"]["alerts"]["spike"], "frequency_minutes", "frequency_minute"
        ),
        "mlpp-monitoring:sentry.alerts.spike.frequency_minute: unknown key",
    ),
    "top-level-uptimerobt": (
        lambda c: _rename(c, "mlpp-monitoring:uptimerobot", "mlpp-monitoring:uptimerobt"),
        "mlpp-monitoring:uptimerobt: unknown key",
    ),
}


TYPO_RUNS = [(typo, "preview") for typo in TYPOS] + [("monitor-intervall", "up")]


def test_a_typo_key_fails_before_any_vendor_call(project: Project) -> None:
    """Each typo alone in the stack file, in turn in one project (none reaches a vendor, so
    nothing is left for the next): the command fails naming the key."""
    original = project.stack_file.read_text()
    failures = CaseFailures()
    for typo, command in TYPO_RUNS:
        with failures.check(f"{typo}-{command}"):
            edit, message = TYPOS[typo]
            data = project.read_stack_file()
            edit(data["config"])
            project.write_stack_file(data)

            args = ("up", "--yes") if command == "up" else ("preview",)
            mark = project.sandbox.journal_mark()
            result = project.pulumi(*args)
            project.stack_file.write_text(original)
            output = result.stdout + result.stderr
            assert result.returncode == 1, output
            assert "invalid stack config" in output and message in output, output
            assert "Traceback" not in output, output
            assert project.sandbox.journal_since(mark) == []
            assert project.sandbox.monitors() == [] and project.sandbox.workflows() == []
    failures.raise_if_any()
