"""The journal (memory and file), call counters, and the control API."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from mlpp_sandbox import Sandbox, SandboxOptions

from .conftest import ORG, UR_KEY, Client, FakeClock, http_monitor


def test_entry_fields(sandbox: Sandbox, ur: Client, contact_id: int) -> None:
    ur.post("/monitors", json=http_monitor(contact_id), params={"trace": "1"})
    entry = sandbox.journal[0]
    assert entry["vendor"] == "uptimerobot" and entry["method"] == "POST"
    assert entry["path"] == "/v3/monitors" and entry["query"] == {"trace": ["1"]}
    assert entry["request_headers"]["Authorization"] == f"Bearer {UR_KEY}"
    assert entry["request_body"]["friendlyName"] == "monaluxe.app"
    assert entry["status"] == 201
    assert entry["response_headers"]["Content-Type"] == "application/json"
    assert entry["response_body"]["friendlyName"] == "monaluxe.app"
    assert entry["fault"] is None and entry["seq"] == 1
    assert entry["ts"].startswith("2027-01-15T08:00:00")


def test_text_bodies_are_kept_as_text(sandbox: Sandbox, ur: Client) -> None:
    sandbox.inject("502")
    ur.post("/monitors", data="not json", headers={"Content-Type": "text/plain"})
    entry = sandbox.journal[0]
    assert entry["request_body"] == "not json"
    assert isinstance(entry["response_body"], str) and "502" in entry["response_body"]


def test_api_keys_appear_only_in_the_authorization_header(
    sandbox: Sandbox, ur: Client, sentry: Client, contact_id: int
) -> None:
    ur.post("/monitors", json=http_monitor(contact_id))
    sentry.get(f"{ORG}/environments/")
    ur.get("/user/me")
    for entry in sandbox.journal:
        headers = {k: v for k, v in entry["request_headers"].items() if k != "Authorization"}
        rest = json.dumps({**entry, "request_headers": headers})
        assert "sandbox-uptimerobot-key" not in rest
        assert "sandbox-sentry-token" not in rest


def test_file_journal_is_json_lines(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "journal.jsonl"
    with Sandbox(SandboxOptions(journal_path=path, clock=clock)) as sb:
        client = Client(sb.urls["uptimerobot"], UR_KEY)
        client.get("/user/me")
        client.get("/nope")
        Client(sb.base_url, None).get("/_sandbox/state")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["path"], e["status"]) for e in lines] == [("/v3/user/me", 200), ("/v3/nope", 404)]


def test_concurrent_requests_are_all_journaled(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "journal.jsonl"
    with Sandbox(SandboxOptions(journal_path=path, clock=clock)) as sb:

        def burst() -> None:
            client = Client(sb.urls["uptimerobot"], UR_KEY)
            for _ in range(10):
                assert client.get("/user/me").status_code == 200

        threads = [threading.Thread(target=burst) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        entries = sb.journal
    assert len(entries) == 80
    assert sorted(e["seq"] for e in entries) == list(range(1, 81))
    assert len(path.read_text().splitlines()) == 80


def test_calls_counts_by_method_and_prefix(sandbox: Sandbox, ur: Client, sentry: Client) -> None:
    ur.get("/user/me")
    ur.get("/monitors")
    sentry.get(f"{ORG}/workflows/")
    assert sandbox.calls() == 3
    assert sandbox.calls("get", "/v3/") == 2
    assert sandbox.calls(path_prefix="/api/0/") == 1
    assert sandbox.calls("POST") == 0


def test_unknown_paths_are_journaled_as_unknown(sandbox: Sandbox, control: Client) -> None:
    assert control.get("/v2/getMonitors").status_code == 404
    assert sandbox.journal[0]["vendor"] == "unknown"


def test_control_requests_are_not_journaled(sandbox: Sandbox, control: Client) -> None:
    control.get("/_sandbox/state")
    control.get("/_sandbox/journal")
    assert sandbox.journal == []


class TestControlApi:
    def test_state_shows_everything_but_credentials(
        self, sandbox: Sandbox, control: Client, ur: Client, contact_id: int
    ) -> None:
        ur.post("/monitors", json=http_monitor(contact_id, friendlyName="A & B"))
        state = control.get("/_sandbox/state").json()
        assert state["uptimerobot"]["monitors"][0]["friendlyName"] == "A & B"
        assert state["sentry"]["projects"][0]["slug"] == "mlpp-web"
        assert state["calls"] == {"total": 1, "uptimerobot": 1, "sentry": 0}
        assert state["urls"] == sandbox.urls
        dumped = json.dumps(state)
        assert "sandbox-uptimerobot-key" not in dumped and "sandbox-sentry-token" not in dumped

    def test_reset(self, sandbox: Sandbox, control: Client, ur: Client, contact_id: int) -> None:
        ur.post("/monitors", json=http_monitor(contact_id))
        sandbox.inject("500", path="/nothing")
        assert control.post("/_sandbox/reset").json() == {"reset": True}
        assert sandbox.uptimerobot.monitors == {} and sandbox.faults.all() == []
        assert sandbox.journal == []
        # Ids start over, as on a fresh sandbox.
        assert ur.post("/monitors", json=http_monitor(contact_id)).json()["id"] == 800_000_001

    def test_journal_endpoint(self, control: Client, ur: Client) -> None:
        ur.get("/user/me")
        assert [e["path"] for e in control.get("/_sandbox/journal").json()] == ["/v3/user/me"]

    def test_scenario_monitor_status_and_incident(
        self, control: Client, ur: Client, contact_id: int, clock: FakeClock
    ) -> None:
        monitor_id = ur.post("/monitors", json=http_monitor(contact_id)).json()["id"]
        up = control.post(
            f"/_sandbox/uptimerobot/monitors/{monitor_id}/status",
            json={"status": "UP", "responseTimeMs": 210},
        )
        assert up.status_code == 200 and up.json()["status"] == "UP"
        incident = control.post(
            "/_sandbox/uptimerobot/incidents",
            json={
                "monitorId": monitor_id,
                "startedAt": "2027-01-15T07:50:00Z",
                "reason": "Timeout",
            },
        )
        assert incident.status_code == 201
        monitor = ur.get(f"/monitors/{monitor_id}").json()
        assert monitor["status"] == "DOWN" and monitor["currentStateDuration"] == 600
        assert (
            control.post(
                f"/_sandbox/uptimerobot/monitors/{monitor_id}/status", json={"status": "SIDEWAYS"}
            ).status_code
            == 400
        )

    def test_scenario_sentry_issue_and_environment(self, control: Client, sentry: Client) -> None:
        created = control.post(
            "/_sandbox/sentry/issues", json={"title": "Boom", "environment": "staging"}
        )
        assert created.status_code == 201
        issues = sentry.get(f"{ORG}/issues/", params={"environment": "staging"}).json()
        assert [i["title"] for i in issues] == ["Boom"]
        assert (
            control.post("/_sandbox/sentry/environments", json={"name": "preview"}).status_code
            == 201
        )
        names = {e["name"] for e in sentry.get(f"{ORG}/environments/").json()}
        assert names == {"production", "staging", "preview"}
        assert control.delete("/_sandbox/sentry/environments/preview").status_code == 200
        assert "preview" not in {e["name"] for e in sentry.get(f"{ORG}/environments/").json()}

    def test_unknown_control_endpoint_is_404(self, control: Client) -> None:
        assert control.get("/_sandbox/nothing").status_code == 404
