"""What the sandbox gained for `status`: alerts that fired, issue substatus, HTTP codes."""

from __future__ import annotations

import pytest
import requests

from mlpp_sandbox import Sandbox

from .scenarios import NOW, deploy

ORG = "/api/0/organizations/mlpp"


def _get(sandbox: Sandbox, path: str, **params: str) -> requests.Response:
    return requests.get(
        sandbox.base_url + path,
        params=params,
        headers={"Authorization": f"Bearer {sandbox.options.sentry_token}"},
        timeout=5,
    )


def test_a_triggered_workflow_reads_back_its_last_trigger(sandbox: Sandbox) -> None:
    deployed = deploy(sandbox)
    spike = deployed.workflow_ids["spike"]
    answer = requests.post(
        f"{sandbox.base_url}/_sandbox/sentry/workflows/{spike}/trigger",
        json={"at": "2027-01-15T07:56:00Z"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert answer.json()["lastTriggered"] == "2027-01-15T07:56:00.000000Z"
    listed = {w["id"]: w for w in _get(sandbox, f"{ORG}/workflows/").json()}
    assert listed[str(spike)]["lastTriggered"] == "2027-01-15T07:56:00.000000Z"
    assert listed[str(deployed.workflow_ids["new-issue"])]["lastTriggered"] is None


def test_triggering_defaults_to_now_and_refuses_unknown_workflows(sandbox: Sandbox) -> None:
    deployed = deploy(sandbox)
    workflow = sandbox.sentry.trigger_workflow(deployed.workflow_ids["new-issue"])
    assert workflow.last_triggered == NOW
    missing = requests.post(f"{sandbox.base_url}/_sandbox/sentry/workflows/1/trigger", timeout=5)
    assert missing.status_code == 404


def test_issue_substatus_is_seeded_and_checked(sandbox: Sandbox) -> None:
    answer = requests.post(
        f"{sandbox.base_url}/_sandbox/sentry/issues",
        json={"title": "AuthException", "substatus": "escalating"},
        timeout=5,
    )
    assert answer.status_code == 201 and answer.json()["substatus"] == "escalating"
    (issue,) = _get(sandbox, f"{ORG}/issues/").json()
    assert issue["substatus"] == "escalating"
    refused = requests.post(
        f"{sandbox.base_url}/_sandbox/sentry/issues",
        json={"title": "x", "substatus": "spiking"},
        timeout=5,
    )
    assert refused.status_code == 400
    with pytest.raises(ValueError, match="substatus"):
        sandbox.sentry.add_issue("x", substatus="hot")


def test_an_incident_seeded_over_http_keeps_its_http_code(sandbox: Sandbox) -> None:
    deployed = deploy(sandbox)
    created = requests.post(
        f"{sandbox.base_url}/_sandbox/uptimerobot/incidents",
        json={
            "monitorId": deployed.monitor_id,
            "reason": "Service Unavailable",
            "cause": 503,
            "httpResponseCode": 503,
        },
        timeout=5,
    ).json()
    detail = requests.get(
        f"{sandbox.urls['uptimerobot']}/incidents/{created['id']}",
        headers={"Authorization": f"Bearer {sandbox.options.uptimerobot_key}"},
        timeout=5,
    ).json()
    assert detail["rootCause"]["httpResponseCode"] == 503
    assert detail["cause"] == 503 and detail["status"] == "Ongoing"
