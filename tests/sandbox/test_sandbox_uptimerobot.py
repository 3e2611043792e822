"""The UptimeRobot v3 emulator: auth, monitors, validation, read-back traps, incidents."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mlpp_sandbox import Sandbox, SandboxOptions

from .conftest import Client, FakeClock, http_monitor


def _messages(response: Any) -> list[str]:
    body = response.json()
    assert response.status_code == 400, body
    assert body["error"] == "Bad Request" and body["statusCode"] == 400
    assert isinstance(body["message"], list)
    return list(body["message"])


class TestAuth:
    def test_missing_header_is_401_with_the_observed_body(self, sandbox: Sandbox) -> None:
        anonymous = Client(sandbox.urls["uptimerobot"], None)
        response = anonymous.get("/monitors")
        assert response.status_code == 401
        assert response.json() == {"message": "Invalid token.", "code": "003-005"}

    @pytest.mark.parametrize("token", ["wrong", "sandbox-sentry-token", ""])
    def test_wrong_key_is_401(self, sandbox: Sandbox, token: str) -> None:
        response = Client(sandbox.urls["uptimerobot"], token).get("/user/me")
        assert response.status_code == 401

    def test_basic_scheme_is_refused(self, sandbox: Sandbox) -> None:
        client = Client(sandbox.urls["uptimerobot"], None)
        response = client.get(
            "/user/me", headers={"Authorization": "Basic sandbox-uptimerobot-key"}
        )
        assert response.status_code == 401


class TestAccount:
    def test_user_me_is_a_free_plan(self, ur: Client) -> None:
        body = ur.get("/user/me").json()
        assert body["activeSubscription"]["plan"] == "Free"
        assert body["monitorLimit"] == 50
        assert body["monitorsCount"] == 0
        assert body["email"] == "ops@monaluxe.app"

    def test_one_email_alert_contact_with_an_integer_id(self, ur: Client) -> None:
        contacts = ur.get("/user/alert-contacts").json()
        assert len(contacts) == 1
        assert contacts[0]["type"] == "Email"
        assert contacts[0]["value"] == "ops@monaluxe.app"
        assert isinstance(contacts[0]["id"], int)

    @pytest.mark.parametrize(
        ("state", "status", "notifies"),
        [
            ("active", "Active", "UpAndDown"),
            ("not-activated", "NotActivated", "UpAndDown"),
            ("paused", "Paused", "UpAndDown"),
            ("up-only", "Active", "Up"),
        ],
    )
    def test_the_contact_state_is_in_the_fields_the_spec_documents(
        self, clock: FakeClock, state: str, status: str, notifies: str
    ) -> None:
        with Sandbox(SandboxOptions(clock=clock, uptimerobot_contact_state=state)) as sb:
            ur = Client(sb.urls["uptimerobot"], "sandbox-uptimerobot-key")
            (contact,) = ur.get("/user/alert-contacts").json()
            sb.reset()  # a reset keeps the chosen state
            (again,) = ur.get("/user/alert-contacts").json()
        assert (contact["status"], contact["enableNotificationsFor"]) == (status, notifies)
        assert again == contact

    def test_monitors_count_follows_creates(self, ur: Client, contact_id: int) -> None:
        ur.post("/monitors", json=http_monitor(contact_id))
        assert ur.get("/user/me").json()["monitorsCount"] == 1


class TestCreate:
    def test_create_answers_201_with_the_monitor(self, ur: Client, contact_id: int) -> None:
        response = ur.post("/monitors", json=http_monitor(contact_id))
        assert response.status_code == 201
        monitor = response.json()
        assert isinstance(monitor["id"], int)
        assert monitor["status"] == "STARTED"
        assert monitor["httpMethodType"] == "HEAD"
        assert monitor["successHttpResponseCodes"] == ["2xx", "3xx"]
        assert monitor["assignedAlertContacts"] == [
            {"alertContactId": contact_id, "threshold": 0, "recurrence": 0}
        ]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", monitor["createDateTime"])

    def test_read_back_traps(self, ur: Client, contact_id: int) -> None:
        body = http_monitor(
            contact_id,
            friendlyName="Shop & <Checkout>",
            url="https://monaluxe.app/?a=1&b=2",
            tagNames=["prod", "web"],
            customHttpHeaders={"X-Probe": "1"},
            responseTimeThreshold=2000,
        )
        monitor = ur.post("/monitors", json=body).json()
        assert monitor["friendlyName"] == "Shop &amp; &lt;Checkout&gt;"
        assert monitor["url"] == "https://monaluxe.app/?a=1&amp;b=2"
        assert [t["name"] for t in monitor["tags"]] == ["prod", "web"]
        assert all(isinstance(t["id"], int) and t["color"] for t in monitor["tags"])
        assert "tagNames" not in monitor
        assert monitor["customHttpHeaders"] == {"x-probe": "1"}
        assert monitor["responseTimeThreshold"] == 0

    def test_keyword_case_type_reads_back_as_a_number(self, ur: Client, contact_id: int) -> None:
        body = http_monitor(
            contact_id,
            type="KEYWORD",
            keywordType="ALERT_NOT_EXISTS",
            keywordCaseType="CaseInsensitive",
            keywordValue="  Welcome  ",
        )
        monitor = ur.post("/monitors", json=body).json()
        assert monitor["keywordCaseType"] == 1
        assert monitor["keywordValue"] == "Welcome"

    def test_whole_floats_are_accepted_and_read_back_as_integers(
        self, ur: Client, contact_id: int
    ) -> None:
        monitor = ur.post("/monitors", json=http_monitor(contact_id, interval=300.0)).json()
        assert monitor["interval"] == 300 and isinstance(monitor["interval"], int)

    def test_type_is_case_insensitive(self, ur: Client, contact_id: int) -> None:
        assert (
            ur.post("/monitors", json=http_monitor(contact_id, type="http")).json()["type"]
            == "HTTP"
        )

    def test_alert_contacts_read_back_in_random_order(
        self, ur: Client, sandbox: Sandbox, contact_id: int
    ) -> None:
        extra = [sandbox.uptimerobot.add_alert_contact(f"x{i}@monaluxe.app").id for i in range(4)]
        ids = [contact_id, *extra]
        contacts = [{"alertContactId": i, "threshold": 0, "recurrence": 0} for i in ids]
        monitor_id = ur.post(
            "/monitors", json=http_monitor(contact_id, assignedAlertContacts=contacts)
        ).json()["id"]
        orders = {
            tuple(
                c["alertContactId"]
                for c in ur.get(f"/monitors/{monitor_id}").json()["assignedAlertContacts"]
            )
            for _ in range(8)
        }
        assert len(orders) > 1
        assert all(sorted(order) == sorted(ids) for order in orders)

    def test_the_monitor_limit_is_enforced(
        self, ur: Client, sandbox: Sandbox, contact_id: int
    ) -> None:
        sandbox.uptimerobot.monitor_limit = 1
        assert ur.post("/monitors", json=http_monitor(contact_id)).status_code == 201
        assert "monitor limit" in _messages(ur.post("/monitors", json=http_monitor(contact_id)))[0]

    def test_invalid_json_is_400(self, ur: Client) -> None:
        response = ur.post("/monitors", data="{nope", headers={"Content-Type": "application/json"})
        assert response.status_code == 400


INVALID_CREATES: list[tuple[str, dict[str, Any], str]] = [
    ("missing name", {"friendlyName": None}, "friendlyName should not be empty"),
    ("blank name", {"friendlyName": "  "}, "friendlyName should not be empty"),
    ("name too long", {"friendlyName": "x" * 251}, "shorter than or equal to 250"),
    ("unknown type", {"type": "SMTP"}, "type must be one of the following values"),
    ("bad method", {"httpMethodType": "FETCH"}, "httpMethodType must be one of"),
    ("interval below DTO minimum", {"interval": 20}, "interval must not be less than 30"),
    (
        "interval below free plan",
        {"interval": 60},
        "interval must not be less than 300 on your current plan",
    ),
    ("interval not a number", {"interval": "300"}, "interval must be a number"),
    ("timeout above 60", {"timeout": 61}, "timeout must not be greater than 60"),
    ("missing timeout", {"timeout": None}, "timeout should not be empty"),
    (
        "boolean as string",
        {"followRedirections": "yes"},
        "followRedirections must be a boolean value",
    ),
    ("bad success code", {"successHttpResponseCodes": ["2XX"]}, "successHttpResponseCodes"),
    ("upper-case tag", {"tagNames": ["Prod"]}, "must be lower case"),
    ("unknown property", {"tags": ["prod"]}, "property tags should not exist"),
    ("custom fields on free plan", {"customFields": {"env": "prod"}}, "paid plans"),
    ("unknown maintenance window", {"maintenanceWindowsIds": [5]}, "Maintenance window not found"),
    ("bad ip version", {"config": {"ipVersion": "ipv5"}}, "config.ipVersion"),
    (
        "unknown config key",
        {"config": {"colour": "red"}},
        "config.property colour should not exist",
    ),
    (
        "keyword field on an HTTP monitor",
        {"keywordCaseType": "CaseSensitive"},
        "property keywordCaseType should not exist",
    ),
    (
        "bad keyword case",
        {
            "type": "KEYWORD",
            "keywordType": "ALERT_EXISTS",
            "keywordCaseType": "Sensitive",
            "keywordValue": "x",
        },
        "keywordCaseType must be one of the following values",
    ),
    (
        "bad keyword type",
        {
            "type": "KEYWORD",
            "keywordType": "ALERT_MAYBE",
            "keywordCaseType": 0,
            "keywordValue": "x",
        },
        "keywordType must be one of the following values",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [(o, e) for _, o, e in INVALID_CREATES],
    ids=[name for name, _, _ in INVALID_CREATES],
)
def test_create_validation(
    ur: Client, contact_id: int, overrides: dict[str, Any], expected: str
) -> None:
    body = http_monitor(contact_id, **overrides)
    body = {k: v for k, v in body.items() if not (v is None and k in ("friendlyName", "timeout"))}
    messages = _messages(ur.post("/monitors", json=body))
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize(
    ("contacts", "expected"),
    [
        ([{"alertContactId": 1, "threshold": 0, "recurrence": 0}], "Alert contact 1 not found"),
        (None, "threshold and recurrence"),
        ([{"alertContactId": 1}], "assignedAlertContacts.0.threshold should not be empty"),
    ],
    ids=["unknown contact", "threshold on free plan", "incomplete contact"],
)
def test_alert_contact_validation(
    ur: Client, contact_id: int, contacts: list[dict[str, Any]] | None, expected: str
) -> None:
    if contacts is None:
        contacts = [{"alertContactId": contact_id, "threshold": 5, "recurrence": 0}]
    messages = _messages(
        ur.post("/monitors", json=http_monitor(contact_id, assignedAlertContacts=contacts))
    )
    assert any(expected in m for m in messages), messages


def test_keyword_monitor_requires_its_keyword_fields(ur: Client, contact_id: int) -> None:
    messages = _messages(ur.post("/monitors", json=http_monitor(contact_id, type="KEYWORD")))
    for field in ("keywordType", "keywordCaseType", "keywordValue"):
        assert f"{field} should not be empty" in messages


def _keyword(contact_id: int, case: Any) -> dict[str, Any]:
    return http_monitor(
        contact_id,
        type="KEYWORD",
        keywordType="ALERT_NOT_EXISTS",
        keywordCaseType=case,
        keywordValue="Monaluxe",
    )


@pytest.mark.parametrize(("case", "stored"), [("CaseSensitive", 0), ("CaseInsensitive", 1)])
def test_keyword_case_is_a_word_on_create_and_reads_back_as_a_number(
    ur: Client, contact_id: int, case: str, stored: int
) -> None:
    created = ur.post("/monitors", json=_keyword(contact_id, case))
    assert created.status_code == 201, created.text
    assert created.json()["keywordCaseType"] == stored


@pytest.mark.parametrize("case", [0, 1, "1", "caseinsensitive"])
def test_create_refuses_what_its_schema_refuses(ur: Client, contact_id: int, case: Any) -> None:
    messages = _messages(ur.post("/monitors", json=_keyword(contact_id, case)))
    assert (
        "keywordCaseType must be one of the following values: CaseSensitive, CaseInsensitive"
        in messages
    )


@pytest.mark.parametrize(("case", "ok"), [(0, True), (1, True), ("CaseInsensitive", False)])
def test_update_takes_the_number_its_schema_says(
    ur: Client, contact_id: int, case: Any, ok: bool
) -> None:
    id_ = ur.post("/monitors", json=_keyword(contact_id, "CaseInsensitive")).json()["id"]
    response = ur.patch(f"/monitors/{id_}", json={"keywordCaseType": case})
    if ok:
        assert response.status_code == 200 and response.json()["keywordCaseType"] == case
    else:
        messages = _messages(response)
        assert "keywordCaseType must be one of the following values: 0, 1" in messages


class TestReadUpdateDelete:
    @pytest.fixture
    def monitor_id(self, ur: Client, contact_id: int) -> int:
        return int(ur.post("/monitors", json=http_monitor(contact_id)).json()["id"])

    def test_get(self, ur: Client, monitor_id: int) -> None:
        response = ur.get(f"/monitors/{monitor_id}")
        assert response.status_code == 200 and response.json()["id"] == monitor_id

    @pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
    def test_missing_monitor_is_404_with_the_observed_body(self, ur: Client, method: str) -> None:
        response = ur.request(method, "/monitors/123", json={} if method == "PATCH" else None)
        assert response.status_code == 404
        assert response.json() == {"message": "Monitor not found", "code": "000-004"}

    def test_non_numeric_id_is_400(self, ur: Client) -> None:
        assert ur.get("/monitors/abc").status_code == 400

    def test_patch_changes_only_what_it_sends(self, ur: Client, monitor_id: int) -> None:
        response = ur.patch(
            f"/monitors/{monitor_id}", json={"friendlyName": "renamed", "timeout": 45}
        )
        assert response.status_code == 200
        monitor = response.json()
        assert (monitor["friendlyName"], monitor["timeout"], monitor["interval"]) == (
            "renamed",
            45,
            300,
        )

    def test_patch_cannot_change_the_type(self, ur: Client, monitor_id: int) -> None:
        messages = _messages(ur.patch(f"/monitors/{monitor_id}", json={"type": "PING"}))
        assert "Monitor type cannot be changed." in messages
        assert ur.patch(f"/monitors/{monitor_id}", json={"type": "HTTP"}).status_code == 200

    def test_patch_validates_like_create(self, ur: Client, monitor_id: int) -> None:
        plan = _messages(ur.patch(f"/monitors/{monitor_id}", json={"interval": 120}))
        assert plan == ["interval must not be less than 300 on your current plan"]
        blank = _messages(ur.patch(f"/monitors/{monitor_id}", json={"friendlyName": ""}))
        assert blank == ["friendlyName should not be empty"]
        unknown = _messages(ur.patch(f"/monitors/{monitor_id}", json={"colour": "red"}))
        assert unknown == ["property colour should not exist"]
        assert ur.get(f"/monitors/{monitor_id}").json()["interval"] == 300

    def test_patch_replaces_tags_and_contacts(self, ur: Client, monitor_id: int) -> None:
        ur.patch(f"/monitors/{monitor_id}", json={"tagNames": ["a", "b"]})
        monitor = ur.patch(
            f"/monitors/{monitor_id}", json={"tagNames": ["b"], "assignedAlertContacts": []}
        ).json()
        assert [t["name"] for t in monitor["tags"]] == ["b"]
        assert monitor["assignedAlertContacts"] == []

    def test_patch_merges_config_shallowly(self, ur: Client, monitor_id: int) -> None:
        ur.patch(
            f"/monitors/{monitor_id}",
            json={"config": {"ipVersion": "ipv4Only", "applicationErrorRetries": 1}},
        )
        merged = ur.patch(f"/monitors/{monitor_id}", json={"config": {"ipVersion": None}}).json()
        assert merged["config"] == {"applicationErrorRetries": 1}
        assert ur.patch(f"/monitors/{monitor_id}", json={"config": None}).json()["config"] is None

    def test_null_method_resets_to_head(self, ur: Client, monitor_id: int) -> None:
        ur.patch(f"/monitors/{monitor_id}", json={"httpMethodType": "GET"})
        assert (
            ur.patch(f"/monitors/{monitor_id}", json={"httpMethodType": None}).json()[
                "httpMethodType"
            ]
            == "HEAD"
        )

    def test_delete_answers_200_without_body_then_404(self, ur: Client, monitor_id: int) -> None:
        response = ur.delete(f"/monitors/{monitor_id}")
        assert response.status_code == 200 and response.content == b""
        assert ur.get(f"/monitors/{monitor_id}").status_code == 404
        assert ur.delete(f"/monitors/{monitor_id}").status_code == 404

    def test_pause_and_start(self, ur: Client, monitor_id: int) -> None:
        paused = ur.post(f"/monitors/{monitor_id}/pause", json={})
        assert paused.status_code == 201 and paused.json()["status"] == "PAUSED"
        assert ur.post(f"/monitors/{monitor_id}/pause", json={}).json()["status"] == "PAUSED"
        started = ur.post(f"/monitors/{monitor_id}/start", json={})
        assert started.status_code == 201 and started.json()["status"] == "STARTED"

    def test_pause_without_json_content_type_is_415(self, ur: Client, monitor_id: int) -> None:
        assert ur.post(f"/monitors/{monitor_id}/pause").status_code == 415

    def test_reset_answers_201_without_body(
        self, ur: Client, sandbox: Sandbox, monitor_id: int
    ) -> None:
        sandbox.uptimerobot.add_incident(monitor_id, resolved_at=sandbox.uptimerobot.now())
        response = ur.post(f"/monitors/{monitor_id}/reset", json={})
        assert response.status_code == 201 and response.content == b""
        assert not sandbox.uptimerobot.incidents

    def test_unknown_route_is_nest_404(self, ur: Client) -> None:
        response = ur.get("/nothing")
        assert response.status_code == 404
        assert response.json()["message"] == "Cannot GET /v3/nothing"


def test_list_lag_hides_a_new_monitor_from_reads_only(clock: FakeClock) -> None:
    with Sandbox(SandboxOptions(clock=clock, uptimerobot_list_lag=3.0)) as sb:
        ur = Client(sb.urls["uptimerobot"], "sandbox-uptimerobot-key")
        contact = next(iter(sb.uptimerobot.alert_contacts))
        created = ur.post("/monitors", json=http_monitor(contact))
        assert created.status_code == 201
        id_ = created.json()["id"]
        assert ur.get("/monitors").json()["data"] == []
        assert ur.get(f"/monitors/{id_}").json() == {
            "message": "Monitor not found",
            "code": "000-004",
        }
        # Writes reach it at once (the read path lags, not the store).
        assert ur.patch(f"/monitors/{id_}", json={"interval": 600}).status_code == 200
        clock.advance(3.0)
        assert [m["id"] for m in ur.get("/monitors").json()["data"]] == [id_]
        assert ur.get(f"/monitors/{id_}").json()["interval"] == 600


def test_list_lag_match_lags_only_the_monitors_it_names(clock: FakeClock) -> None:
    options = SandboxOptions(
        clock=clock, uptimerobot_list_lag=3.0, uptimerobot_list_lag_match="[b]"
    )
    with Sandbox(options) as sb:
        ur = Client(sb.urls["uptimerobot"], "sandbox-uptimerobot-key")
        contact = next(iter(sb.uptimerobot.alert_contacts))
        ids = {
            name: ur.post("/monitors", json=http_monitor(contact, friendlyName=name)).json()["id"]
            for name in ("shop [a]", "shop [b]")
        }
        assert [m["id"] for m in ur.get("/monitors").json()["data"]] == [ids["shop [a]"]]
        assert ur.get(f"/monitors/{ids['shop [b]']}").status_code == 404
        clock.advance(3.0)
        assert {m["id"] for m in ur.get("/monitors").json()["data"]} == set(ids.values())


class TestList:
    @pytest.fixture
    def ids(self, ur: Client, contact_id: int) -> list[int]:
        names = ["Shop", "API", "Blog", "shop-eu", "Docs"]
        return [
            int(
                ur.post(
                    "/monitors",
                    json=http_monitor(
                        contact_id, friendlyName=n, url=f"https://{n.lower()}.monaluxe.app"
                    ),
                ).json()["id"]
            )
            for n in names
        ]

    def test_shape_and_defaults(self, ur: Client, ids: list[int]) -> None:
        body = ur.get("/monitors").json()
        assert set(body) == {"data", "nextLink"}
        assert [m["id"] for m in body["data"]] == ids
        assert body["nextLink"] is None

    def test_cursor_pagination_follows_next_link(self, ur: Client, ids: list[int]) -> None:
        seen: list[int] = []
        page = ur.get("/monitors", params={"limit": 2}).json()
        pages = 1
        while True:
            seen += [m["id"] for m in page["data"]]
            if page["nextLink"] is None:
                break
            assert "/v3/monitors/?" in page["nextLink"]
            assert f"cursor={page['data'][-1]['id']}" in page["nextLink"]
            page = ur.session.get(page["nextLink"], timeout=5).json()
            pages += 1
        assert seen == ids and pages == 3

    @pytest.mark.parametrize("limit", ["0", "201", "many"])
    def test_limit_out_of_range_is_400(self, ur: Client, limit: str) -> None:
        assert ur.get("/monitors", params={"limit": limit}).status_code == 400

    def test_limit_200_is_accepted(self, ur: Client) -> None:
        assert ur.get("/monitors", params={"limit": 200}).status_code == 200

    def test_name_and_url_filters_are_case_insensitive_substrings(
        self, ur: Client, ids: list[int]
    ) -> None:
        names = [
            m["friendlyName"] for m in ur.get("/monitors", params={"name": "SHOP"}).json()["data"]
        ]
        assert names == ["Shop", "shop-eu"]
        urls = [
            m["url"] for m in ur.get("/monitors", params={"url": "API.monaluxe"}).json()["data"]
        ]
        assert urls == ["https://api.monaluxe.app"]

    def test_status_filter(self, ur: Client, sandbox: Sandbox, ids: list[int]) -> None:
        sandbox.uptimerobot.set_monitor_status(ids[1], "DOWN")
        found = ur.get("/monitors", params={"status": "down,paused"}).json()["data"]
        assert [m["id"] for m in found] == [ids[1]]
        assert ur.get("/monitors", params={"status": "SIDEWAYS"}).status_code == 400

    def test_tag_filter(self, ur: Client, ids: list[int]) -> None:
        ur.patch(f"/monitors/{ids[2]}", json={"tagNames": ["blog"]})
        found = ur.get("/monitors", params={"tags": "blog,other"}).json()["data"]
        assert [m["id"] for m in found] == [ids[2]]


class TestStatusAndIncidents:
    @pytest.fixture
    def monitor_id(self, ur: Client, contact_id: int) -> int:
        return int(ur.post("/monitors", json=http_monitor(contact_id)).json()["id"])

    def test_ongoing_incident_turns_the_monitor_down(
        self, ur: Client, sandbox: Sandbox, clock: FakeClock, monitor_id: int
    ) -> None:
        incident = sandbox.uptimerobot.add_incident(monitor_id, started_at=clock.now - 600)
        monitor = ur.get(f"/monitors/{monitor_id}").json()
        assert monitor["status"] == "DOWN"
        assert monitor["currentStateDuration"] == 600
        assert monitor["lastIncidentId"] == incident.id
        assert monitor["lastIncident"]["status"] == "Ongoing"
        sandbox.uptimerobot.resolve_incident(incident.id)
        assert ur.get(f"/monitors/{monitor_id}").json()["status"] == "UP"

    def test_incident_list_filters_and_detail(
        self, ur: Client, sandbox: Sandbox, clock: FakeClock, monitor_id: int, contact_id: int
    ) -> None:
        other = int(
            ur.post("/monitors", json=http_monitor(contact_id, friendlyName="other")).json()["id"]
        )
        first = sandbox.uptimerobot.add_incident(
            monitor_id, started_at=clock.now - 3600, resolved_at=clock.now - 3000
        )
        second = sandbox.uptimerobot.add_incident(
            other, started_at=clock.now - 60, reason="503 Service Unavailable"
        )
        listed = ur.get("/incidents").json()
        assert [i["id"] for i in listed["data"]] == [second.id, first.id]
        assert listed["nextLink"] is None
        mine = ur.get("/incidents", params={"monitor_id": monitor_id}).json()["data"]
        assert [i["id"] for i in mine] == [first.id]
        assert mine[0]["duration"] == 600 and mine[0]["status"] == "Resolved"
        named = ur.get("/incidents", params={"monitor_name": "OTH"}).json()["data"]
        assert [i["id"] for i in named] == [second.id]
        detail = ur.get(f"/incidents/{second.id}").json()
        assert detail["reason"] == "503 Service Unavailable" and detail["resolvedAt"] is None
        assert ur.get("/incidents/1").status_code == 404
        assert ur.get("/incidents", params={"cursor": "abc"}).status_code == 400

    def test_uptime_and_response_time_stats(
        self, ur: Client, sandbox: Sandbox, clock: FakeClock, monitor_id: int
    ) -> None:
        sandbox.uptimerobot.add_incident(
            monitor_id, started_at=clock.now - 864, resolved_at=clock.now
        )
        sandbox.uptimerobot.set_monitor_status(monitor_id, "UP", response_time_ms=180)
        uptime = ur.get(f"/monitors/{monitor_id}/stats/uptime").json()
        assert uptime["uptime"] == pytest.approx(99.0)
        assert uptime["incident_count"] == 1 and uptime["total_downtime_seconds"] == 864
        times = ur.get(
            f"/monitors/{monitor_id}/stats/response-time", params={"includeTimeSeries": "true"}
        ).json()
        assert times["summary"] == {"min": 180, "max": 180, "avg": 180}
        assert times["data_points"] == 288 and len(times["time_series"]) == 288


class TestRateLimit:
    def test_headers_on_every_answer_even_when_off(self, ur: Client) -> None:
        response = ur.get("/user/me")
        assert response.headers["X-RateLimit-Limit"] == "5000"
        assert response.headers["X-RateLimit-Remaining"] == "4999"
        assert int(response.headers["X-RateLimit-Reset"]) > 1_000_000_000

    def test_429_with_retry_after_and_an_html_body(self, clock: FakeClock) -> None:
        from mlpp_sandbox import SandboxOptions

        with Sandbox(SandboxOptions(clock=clock, rate_limit=3, rate_window=60)) as sb:
            client = Client(sb.urls["uptimerobot"], "sandbox-uptimerobot-key")
            remaining = [client.get("/user/me").headers["X-RateLimit-Remaining"] for _ in range(3)]
            assert remaining == ["2", "1", "0"]
            clock.advance(10)
            limited = client.get("/user/me")
            assert limited.status_code == 429
            assert limited.headers["Content-Type"].startswith("text/html")
            assert limited.text == "Rate limit exceeded, retry in 50 seconds"
            assert limited.headers["Retry-After"] == "50"
            assert limited.headers["X-RateLimit-Remaining"] == "0"
            assert limited.headers["X-RateLimit-Limit"] == "3"
            assert limited.headers["X-RateLimit-Reset"] == "1800000060"
            # Anonymous requests count against the window too; Sentry is not limited.
            assert Client(sb.urls["uptimerobot"], None).get("/user/me").status_code == 429
            assert (
                Client(sb.urls["sentry"], "sandbox-sentry-token")
                .get("/api/0/projects/mlpp/mlpp-web/")
                .status_code
                == 200
            )
            clock.advance(50)
            assert client.get("/user/me").status_code == 200
