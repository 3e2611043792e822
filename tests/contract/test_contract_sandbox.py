"""Every request these tests send and every answer the sandbox gives validates against the specs."""

from __future__ import annotations

from typing import Any

import requests

from mlpp_sandbox import Sandbox
from tests.vendor_bodies import workflow_body

from .openapi import ContractChecker

ORG = "/api/0/organizations/mlpp"


def _session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def _assert_valid(checker: ContractChecker, sandbox: Sandbox) -> None:
    problems = checker.check_journal(sandbox.journal)
    assert not problems, "\n".join(problems)
    assert checker.coverage.requests_checked == len(sandbox.journal)


def test_uptimerobot_traffic_validates(sandbox: Sandbox, checker: ContractChecker) -> None:
    base = sandbox.urls["uptimerobot"]
    ur = _session("sandbox-uptimerobot-key")
    contact = ur.get(f"{base}/user/alert-contacts").json()[0]["id"]
    ur.get(f"{base}/user/me")
    contacts = [{"alertContactId": contact, "threshold": 0, "recurrence": 0}]
    http = {
        "friendlyName": "monaluxe.app",
        "type": "HTTP",
        "url": "https://monaluxe.app",
        "interval": 300,
        "timeout": 30,
        "httpMethodType": "GET",
        "followRedirections": True,
        "checkSSLErrors": True,
        "successHttpResponseCodes": ["2xx", "3xx"],
        "assignedAlertContacts": contacts,
        "tagNames": ["mlpp"],
        "customHttpHeaders": {"X-Probe": "uptimerobot"},
        "config": {"sslExpirationPeriodDays": [7, 30]},
    }
    monitor = ur.post(f"{base}/monitors", json=http).json()
    keyword = {
        "friendlyName": "monaluxe.app keyword",
        "type": "KEYWORD",
        "url": "https://monaluxe.app",
        "interval": 300,
        "timeout": 30,
        "keywordType": "ALERT_NOT_EXISTS",
        "keywordCaseType": "CaseInsensitive",
        "keywordValue": "Monaluxe",
        "assignedAlertContacts": contacts,
    }
    ur.post(f"{base}/monitors", json=keyword)
    path = f"{base}/monitors/{monitor['id']}"
    ur.get(path)
    ur.patch(path, json={"friendlyName": "monaluxe.app (home)", "timeout": 45, "tagNames": []})
    ur.post(f"{path}/pause", json={})
    ur.post(f"{path}/start", json={})
    page = ur.get(f"{base}/monitors", params={"limit": "1", "name": "monaluxe"}).json()
    ur.get(page["nextLink"])  # the observed trailing-slash link
    ur.get(f"{base}/monitors", params={"status": "STARTED,UP", "url": "monaluxe"})
    sandbox.uptimerobot.add_incident(monitor["id"], started_at=sandbox.uptimerobot.now() - 600)
    incidents = ur.get(f"{base}/incidents", params={"monitor_id": monitor["id"]}).json()
    ur.get(f"{base}/incidents", params={"cursor": incidents["data"][0]["id"]})
    ur.get(f"{base}/incidents/{incidents['data'][0]['id']}")
    ur.get(f"{path}/stats/uptime")
    ur.get(f"{path}/stats/response-time")
    ur.post(f"{path}/reset", json={})
    # Errors the spec allows a client to provoke.
    ur.patch(path, json={"interval": 60})
    ur.get(f"{base}/monitors/123")
    _session("wrong").get(f"{base}/monitors")
    assert ur.delete(path).status_code == 200

    _assert_valid(checker, sandbox)
    covered = {op.operation_id for op in checker.coverage.operations.values()}
    assert {
        "MonitorsController_create",
        "MonitorsController_list",
        "MonitorsController_get",
        "MonitorsController_update",
        "MonitorsController_delete",
        "MonitorsController_pause",
        "MonitorsController_start",
        "MonitorsController_reset",
        "UserController_getMe",
        "UserController_getAlertContacts",
        "IncidentsController_list",
        "IncidentsController_get",
    } <= covered


def _rule(detector_id: str, name: str, triggers: list[dict[str, Any]]) -> dict[str, Any]:
    return workflow_body(
        detector_id, name=name, triggers={"logicType": "any-short", "conditions": triggers}
    )


def test_sentry_traffic_validates(sandbox: Sandbox, checker: ContractChecker) -> None:
    base = sandbox.urls["sentry"]
    sentry = _session("sandbox-sentry-token")
    project = sentry.get(f"{base}/api/0/projects/mlpp/mlpp-web/").json()
    sentry.get(f"{base}/api/0/projects/mlpp/mlpp-web/environments/")
    detectors = sentry.get(
        f"{base}{ORG}/detectors/", params={"project": project["id"], "query": "type:issue_stream"}
    ).json()
    sentry.get(f"{base}{ORG}/environments/", params={"visibility": "all"})
    first_seen = {"type": "first_seen_event", "comparison": True, "conditionResult": True}
    frequent = {
        "type": "event_frequency_count",
        "comparison": {"value": 10, "interval": "5m"},
        "conditionResult": True,
    }
    detector = detectors[0]["id"]
    rule1 = sentry.post(
        f"{base}{ORG}/workflows/",
        json=_rule(detector, "[mlpp-web] New issue (production)", [first_seen]),
    ).json()
    rule2 = sentry.post(
        f"{base}{ORG}/workflows/",
        json=_rule(detector, "[mlpp-web] Frequent issue (production)", [first_seen, frequent]),
    ).json()
    path = f"{base}{ORG}/workflows/{rule2['id']}/"
    sentry.get(path)
    echoed = {k: rule2[k] for k in ("name", "enabled", "environment", "config", "actionFilters")}
    # Ids read back as strings, but the spec types triggers.id and detectorIds as integers.
    triggers = {**rule2["triggers"], "id": int(rule2["triggers"]["id"])}
    detector_ids = [int(i) for i in rule2["detectorIds"]]
    sentry.put(path, json={**echoed, "triggers": triggers, "detectorIds": detector_ids})
    sentry.put(path, json={"name": "renamed"})
    sentry.get(f"{base}{ORG}/workflows/", params={"project": project["id"]})
    sentry.get(
        f"{base}{ORG}/workflows/", params={"query": 'name:"[mlpp-web] New issue (production)"'}
    )
    sentry.get(
        f"{base}{ORG}/workflows/", params={"id": [rule1["id"], rule2["id"]], "per_page": "1"}
    )
    sandbox.sentry.add_issue("TypeError: x is undefined")
    sentry.get(
        f"{base}{ORG}/issues/",
        params={"environment": "production", "statsPeriod": "24h", "query": "is:unresolved"},
    )
    sentry.get(f"{base}/api/0/projects/mlpp/mlpp-web/issues/", params={"statsPeriod": "24h"})
    # Errors the spec allows a client to provoke.
    bad = _rule(detector, "x", [{**frequent, "comparison": {"value": 10, "interval": "5min"}}])
    sentry.post(f"{base}{ORG}/workflows/", json=bad)
    sentry.post(
        f"{base}{ORG}/workflows/",
        json={**_rule(detector, "x", [first_seen]), "environment": "staging"},
    )
    _session("wrong").get(f"{base}{ORG}/workflows/")
    assert sentry.delete(path).status_code == 204
    assert sentry.get(path).status_code == 404

    _assert_valid(checker, sandbox)
    covered = {op.operation_id for op in checker.coverage.operations.values()}
    assert {
        "getProject",
        "listOrganizationDetectors",
        "listOrganizationEnvironments",
        "listProjectEnvironments",
        "createOrganizationWorkflow",
        "getOrganizationWorkflow",
        "updateOrganizationWorkflow",
        "listOrganizationWorkflows",
        "deleteOrganizationWorkflow",
        "listOrganizationIssues",
        "List a Project's Issues",
    } <= covered


def test_fault_answers_are_counted_not_reported(sandbox: Sandbox, checker: ContractChecker) -> None:
    ur = _session("sandbox-uptimerobot-key")
    for kind in ("429", "500", "502", "503"):
        sandbox.inject(kind, path="/v3/user/me")
        ur.get(f"{sandbox.urls['uptimerobot']}/user/me")
    _assert_valid(checker, sandbox)
    (tally,) = checker.coverage.operations.values()
    assert sorted(tally.undocumented) == [429, 500, 502, 503]
