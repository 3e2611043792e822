"""Fault injection: every kind, counting, matching, the journal and the control API."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from mlpp_sandbox import Fault, FaultKind, Sandbox
from mlpp_sandbox.uptimerobot import views as uptimerobot_views
from tests.vendor_bodies import workflow_body

from .conftest import ORG, Client, http_monitor


def test_fault_fires_n_times_then_passes(sandbox: Sandbox, ur: Client) -> None:
    fault = sandbox.inject("503", method="GET", path="/v3/user/me", times=2)
    statuses = [ur.get("/user/me").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert fault.hits == 2 and fault.exhausted
    assert [e["fault"] for e in sandbox.journal] == ["503", "503", None]


def test_method_and_path_must_match(sandbox: Sandbox, ur: Client, contact_id: int) -> None:
    sandbox.inject("500", method="POST", path="/v3/monitors")
    assert ur.get("/monitors").status_code == 200
    assert ur.post("/monitors/1/pause", json={}).status_code == 404
    assert ur.post("/monitors", json=http_monitor(contact_id)).status_code == 500


def test_glob_and_every_time(sandbox: Sandbox, sentry: Client) -> None:
    fault = sandbox.inject("502", path="/api/0/*", times=None)
    assert {sentry.get(f"{ORG}/environments/").status_code for _ in range(4)} == {502}
    assert fault.hits == 4 and not fault.exhausted


def test_match_needs_a_whole_path_segment(sandbox: Sandbox, sentry: Client) -> None:
    # Id 5 must not fault /workflows/15/: a row's fault stays on that row's objects.
    fault = sandbox.inject("500", method="DELETE", path=f"{ORG}/workflows/*/", match="5")
    assert sentry.delete(f"{ORG}/workflows/15/").status_code == 404
    assert sentry.delete(f"{ORG}/workflows/5/").status_code == 500
    assert fault.hits == 1


def test_match_finds_body_text_but_not_the_query(
    sandbox: Sandbox, ur: Client, contact_id: int
) -> None:
    fault = sandbox.inject("500", path="/v3/monitors", match=["[row-2]"], times=None)
    assert ur.get("/monitors", params={"name": "[row-2]"}).status_code == 200
    other = {**http_monitor(contact_id), "friendlyName": "monaluxe.app [row-1]"}
    mine = {**http_monitor(contact_id), "friendlyName": "monaluxe.app [row-2]"}
    assert ur.post("/monitors", json=other).status_code == 201
    assert ur.post("/monitors", json=mine).status_code == 500
    assert fault.hits == 1
    assert [e["fault"] for e in sandbox.journal] == [None, None, "500"]


def test_faults_with_matches_count_their_own_hits(sandbox: Sandbox, sentry: Client) -> None:
    first = sandbox.inject("503", path=f"{ORG}/workflows/*/", match=["7001"], times=2)
    second = sandbox.inject("502", path=f"{ORG}/workflows/*/", match=["7002"], times=1)
    statuses = [sentry.get(f"{ORG}/workflows/{i}/").status_code for i in (7002, 7001, 7002)]
    assert statuses == [502, 503, 404]
    assert (first.hits, first.exhausted, second.hits, second.exhausted) == (1, False, 1, True)
    assert sentry.get(f"{ORG}/workflows/7003/").status_code == 404  # matches neither
    assert first.hits == 1


def test_uptimerobot_429_looks_like_the_real_one(sandbox: Sandbox, ur: Client) -> None:
    sandbox.inject(FaultKind.RATE_LIMITED, path="/v3/monitors", retry_after=7)
    response = ur.get("/monitors")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text == "Rate limit exceeded, retry in 7 seconds"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in response.headers and "X-RateLimit-Limit" in response.headers


def test_sentry_429_is_json_with_retry_after(sandbox: Sandbox, sentry: Client) -> None:
    sandbox.inject("429", path=f"{ORG}/workflows/", retry_after=3)
    response = sentry.get(f"{ORG}/workflows/")
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert "detail" in response.json()


@pytest.mark.parametrize("vendor", ["uptimerobot", "sentry"])
def test_500_is_json(sandbox: Sandbox, ur: Client, sentry: Client, vendor: str) -> None:
    sandbox.inject("500")
    response = ur.get("/user/me") if vendor == "uptimerobot" else sentry.get(f"{ORG}/environments/")
    assert response.status_code == 500 and response.json()


@pytest.mark.parametrize(("kind", "status"), [("502", 502), ("503", 503)])
def test_gateway_errors_are_html_without_api_headers(
    sandbox: Sandbox, ur: Client, kind: str, status: int
) -> None:
    sandbox.inject(kind, retry_after=4)
    response = ur.get("/user/me")
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert "X-RateLimit-Limit" not in response.headers
    assert (response.headers.get("Retry-After") == "4") == (status == 503)


def test_410_brownout_headers(sandbox: Sandbox, sentry: Client) -> None:
    sandbox.inject("410", path=f"{ORG}/workflows/")
    response = sentry.get(f"{ORG}/workflows/")
    assert response.status_code == 410
    assert response.json() == {"message": "This API no longer exists."}
    assert response.headers["x-sentry-deprecation-date"] == "2026-05-14T00:00:00+00:00"
    assert response.headers["x-sentry-replacement-endpoint"] == f"{ORG}/workflows/"


def test_hang_performs_the_request_then_outlives_the_client(
    sandbox: Sandbox, ur: Client, contact_id: int
) -> None:
    sandbox.inject("hang", method="POST", path="/v3/monitors", seconds=2)
    with pytest.raises(requests.Timeout):
        ur.post("/monitors", json=http_monitor(contact_id), timeout=0.3)
    # The create happened: a careful client looks it up instead of retrying blindly.
    assert [m["friendlyName"] for m in ur.get("/monitors").json()["data"]] == ["monaluxe.app"]
    assert sandbox.journal[0]["fault"] == "hang" and sandbox.journal[0]["status"] == 201


def test_drop_closes_the_connection_without_performing(
    sandbox: Sandbox, ur: Client, contact_id: int
) -> None:
    sandbox.inject("drop", method="POST", path="/v3/monitors")
    with pytest.raises(requests.ConnectionError):
        ur.post("/monitors", json=http_monitor(contact_id))
    assert ur.get("/monitors").json()["data"] == []
    assert sandbox.journal[0]["fault"] == "drop" and sandbox.journal[0]["status"] is None


@pytest.mark.parametrize("vendor", ["uptimerobot", "sentry"])
def test_create_then_404(
    sandbox: Sandbox, ur: Client, sentry: Client, contact_id: int, detector_id: str, vendor: str
) -> None:
    sandbox.inject("create-then-404", method="POST")
    if vendor == "uptimerobot":
        response = ur.post("/monitors", json=http_monitor(contact_id))
        assert response.json() == {"message": "Monitor not found", "code": "000-004"}
        assert len(ur.get("/monitors").json()["data"]) == 1
    else:
        response = sentry.post(f"{ORG}/workflows/", json=workflow_body(detector_id))
        assert response.json() == {"detail": "The requested resource does not exist"}
        assert len(sentry.get(f"{ORG}/workflows/").json()) == 1
    assert response.status_code == 404


def test_faults_through_the_control_api(sandbox: Sandbox, control: Client, ur: Client) -> None:
    added = control.post(
        "/_sandbox/faults",
        json=[{"kind": "503", "method": "get", "path": "/v3/user/*", "times": 1, "retryAfter": 2}],
    )
    assert added.status_code == 201
    assert added.json()[0]["method"] == "GET" and added.json()[0]["retryAfter"] == 2
    assert ur.get("/user/me").status_code == 503
    listed = control.get("/_sandbox/faults").json()
    assert listed[0]["hits"] == 1 and listed[0]["exhausted"] is True
    assert control.delete("/_sandbox/faults").json() == []
    assert sandbox.faults.all() == []


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "418"},
        {"method": "GET"},
        {"kind": "500", "times": 0},
        {"kind": "500", "colour": "red"},
        {"kind": "500", "match": []},
        {"kind": "500", "match": ""},
        {"kind": "500", "match": 7001},
        {"kind": "500", "match": ["fault-01", 7001]},
    ],
)
def test_invalid_faults_are_400(control: Client, payload: dict[str, object]) -> None:
    assert control.post("/_sandbox/faults", json=payload).status_code == 400


def test_invalid_match_says_what_it_must_be(control: Client) -> None:
    response = control.post("/_sandbox/faults", json={"kind": "500", "match": 7001})
    assert "match must be a non-empty string or a list of non-empty strings" in response.text
    empty = control.post("/_sandbox/faults", json={"kind": "500", "match": []})
    assert "match [] names nothing" in empty.text and "leave match out" in empty.text


def test_match_through_the_control_api(control: Client) -> None:
    added = control.post("/_sandbox/faults", json={"kind": "drop", "match": "fault-01"})
    assert added.status_code == 201 and added.json()[0]["match"] == ["fault-01"]
    listed = control.get("/_sandbox/faults").json()
    assert [fault["match"] for fault in listed] == [["fault-01"]]


def test_fault_from_json_accepts_snake_case() -> None:
    fault = Fault.from_json({"kind": "hang", "seconds": 1.5, "retry_after": 3})
    assert (fault.kind, fault.seconds, fault.retry_after) == (FaultKind.HANG, 1.5, 3)


def test_stop_releases_hung_requests() -> None:
    with Sandbox() as sb:
        sb.inject("hang", seconds=60)
        client = Client(sb.urls["uptimerobot"], "sandbox-uptimerobot-key")
        outcome: list[int] = []
        worker = threading.Thread(
            target=lambda: outcome.append(client.get("/user/me", timeout=30).status_code)
        )
        worker.start()
        deadline = time.monotonic() + 5
        while not sb.journal and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
    worker.join(timeout=10)
    assert not worker.is_alive() and time.monotonic() - started < 5
    assert outcome == [200]


def test_a_sandbox_bug_answers_500_and_is_journaled(
    sandbox: Sandbox, ur: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> dict[str, object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(uptimerobot_views, "user_view", broken)
    response = ur.get("/user/me")
    assert response.status_code == 500
    assert response.json() == {"sandboxError": "RuntimeError: boom"}
    assert sandbox.journal[0]["status"] == 500
