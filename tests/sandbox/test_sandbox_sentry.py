"""The Sentry emulator: auth, lookups, workflow validation, PUT semantics, lists, issues."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest

from mlpp_sandbox import Sandbox, SandboxOptions
from tests.vendor_bodies import workflow_body

from .conftest import ORG, Client, FakeClock

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
NOT_FOUND = {"detail": "The requested resource does not exist"}


def _create(sentry: Client, body: dict[str, Any]) -> dict[str, Any]:
    response = sentry.post(f"{ORG}/workflows/", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _strings(detail: Any) -> list[str]:
    """Every message in a DRF error body, however nested."""
    if isinstance(detail, str):
        return [detail]
    if isinstance(detail, dict):
        detail = list(detail.values())
    return [message for item in detail for message in _strings(item)]


def _conditions(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(workflow["triggers"]["conditions"], key=lambda c: c["type"])


class TestAuth:
    def test_missing_header(self, sandbox: Sandbox) -> None:
        response = Client(sandbox.urls["sentry"], None).get(f"{ORG}/workflows/")
        assert response.status_code == 401
        assert response.json() == {"detail": "Authentication credentials were not provided."}

    @pytest.mark.parametrize("token", ["wrong", "sandbox-uptimerobot-key"])
    def test_wrong_token(self, sandbox: Sandbox, token: str) -> None:
        response = Client(sandbox.urls["sentry"], token).get("/api/0/projects/mlpp/mlpp-web/")
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid token"}

    @pytest.mark.parametrize(
        ("scopes", "method", "path", "status"),
        [
            (("org:read",), "GET", "/api/0/projects/mlpp/mlpp-web/", 403),
            (("project:read",), "GET", "/api/0/projects/mlpp/mlpp-web/", 200),
            (("project:read",), "GET", f"{ORG}/environments/", 403),
            (("org:read",), "GET", f"{ORG}/environments/", 200),
            (("project:read",), "GET", f"{ORG}/workflows/", 403),
            (("alerts:read",), "GET", f"{ORG}/workflows/", 200),
            (("org:read",), "GET", f"{ORG}/workflows/", 200),
            (("alerts:read",), "POST", f"{ORG}/workflows/", 403),
            (("org:read",), "POST", f"{ORG}/workflows/", 403),
            (("alerts:read",), "GET", f"{ORG}/detectors/", 200),
            (("alerts:read", "org:read", "project:read"), "GET", f"{ORG}/issues/", 403),
            (("event:read",), "GET", f"{ORG}/issues/", 200),
        ],
    )
    def test_each_endpoint_asks_its_scope(
        self, clock: FakeClock, scopes: tuple[str, ...], method: str, path: str, status: int
    ) -> None:
        with Sandbox(SandboxOptions(clock=clock, sentry_token_scopes=scopes)) as sb:
            client = Client(sb.urls["sentry"], "sandbox-sentry-token")
            response = client.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == status, response.text
        if status == 403:
            assert response.json() == {
                "detail": "You do not have permission to perform this action."
            }

    def test_rate_limit_headers_on_every_answer(self, sentry: Client) -> None:
        response = sentry.get(f"{ORG}/environments/")
        assert "X-Sentry-Rate-Limit-Remaining" in response.headers


class TestLookups:
    def test_project_by_slug_and_by_id(self, sentry: Client) -> None:
        project = sentry.get("/api/0/projects/mlpp/mlpp-web/").json()
        assert isinstance(project["id"], str) and project["slug"] == "mlpp-web"
        assert sentry.get(f"/api/0/projects/mlpp/{project['id']}/").json()["slug"] == "mlpp-web"

    def test_org_by_id(self, sentry: Client, sandbox: Sandbox) -> None:
        org_id = sandbox.sentry.organization.id
        assert sentry.get(f"/api/0/organizations/{org_id}/workflows/").status_code == 200

    @pytest.mark.parametrize(
        "path",
        [
            "/api/0/projects/mlpp/nope/",
            "/api/0/projects/other/mlpp-web/",
            "/api/0/organizations/other/workflows/",
        ],
    )
    def test_unknown_org_or_project_is_404(self, sentry: Client, path: str) -> None:
        response = sentry.get(path)
        assert response.status_code == 404 and response.json() == NOT_FOUND

    def test_default_detectors_per_project(self, sentry: Client) -> None:
        project_id = sentry.get("/api/0/projects/mlpp/mlpp-web/").json()["id"]
        stream = sentry.get(
            f"{ORG}/detectors/", params={"project": project_id, "query": "type:issue_stream"}
        ).json()
        assert [(d["type"], d["name"], d["projectId"]) for d in stream] == [
            ("issue_stream", "Issue Stream", project_id)
        ]
        errors = sentry.get(
            f"{ORG}/detectors/", params={"project": project_id, "query": "type:error"}
        ).json()
        assert [d["name"] for d in errors] == ["Error Monitor"]
        assert sentry.get(f"{ORG}/detectors/{stream[0]['id']}/").json()["id"] == stream[0]["id"]

    def test_a_second_project_has_its_own_detectors(self, sentry: Client, sandbox: Sandbox) -> None:
        other = sandbox.sentry.add_project("mlpp-api")
        found = sentry.get(f"{ORG}/detectors/", params={"project": "mlpp-api"}).json()
        assert {d["projectId"] for d in found} == {str(other.id)} and len(found) == 2

    def test_environments(self, sentry: Client, sandbox: Sandbox) -> None:
        sandbox.sentry.add_environment("staging-old", hidden=True)
        visible = sentry.get(f"{ORG}/environments/").json()
        everything = sentry.get(f"{ORG}/environments/", params={"visibility": "all"}).json()
        assert [e["name"] for e in visible] == ["production"]
        assert [e["name"] for e in everything] == ["production", "staging-old"]
        assert all(isinstance(e["id"], str) for e in everything)
        project_envs = sentry.get("/api/0/projects/mlpp/mlpp-web/environments/").json()
        assert project_envs == [{"id": visible[0]["id"], "name": "production", "isHidden": False}]

    def test_missing_trailing_slash_redirects(self, sentry: Client) -> None:
        response = sentry.get(f"{ORG}/workflows", params={"per_page": 5})
        assert response.status_code == 301
        assert response.headers["Location"].endswith(f"{ORG}/workflows/?per_page=5")

    def test_wrong_method_is_405(self, sentry: Client) -> None:
        assert sentry.post(f"{ORG}/environments/", json={}).status_code == 405

    def test_legacy_rules_api_is_gone(self, sentry: Client) -> None:
        response = sentry.get("/api/0/projects/mlpp/mlpp-web/rules/")
        assert response.status_code == 410
        assert response.headers["X-Sentry-Deprecation-Date"].startswith("2026-05-14")
        assert response.headers["X-Sentry-Replacement-Endpoint"] == f"{ORG}/workflows/"


class TestCreate:
    def test_create_answers_201_with_the_full_object(
        self, sentry: Client, detector_id: str
    ) -> None:
        workflow = _create(sentry, workflow_body(detector_id))
        assert isinstance(workflow["id"], str) and workflow["id"].isdigit()
        assert workflow["detectorIds"] == [detector_id]
        assert workflow["environment"] == "production"
        assert workflow["config"] == {"frequency": 1440}
        assert workflow["enabled"] is True
        assert workflow["lastTriggered"] is None and workflow["owner"] is None
        assert TIMESTAMP.fullmatch(workflow["dateCreated"])
        assert TIMESTAMP.fullmatch(workflow["dateUpdated"])
        assert workflow["triggers"]["logicType"] == "any-short"
        assert workflow["triggers"]["actions"] == []
        assert _conditions(workflow)[0]["comparison"] == {"value": 10, "interval": "5m"}
        action = workflow["actionFilters"][0]["actions"][0]
        assert action["integrationId"] is None and action["status"] == "active"
        assert action["data"] == {"fallthroughType": "AllMembers"}
        assert action["config"]["targetType"] == "issue_owners"
        ids = [workflow["triggers"]["id"], workflow["actionFilters"][0]["id"], action["id"]]
        ids += [c["id"] for c in workflow["triggers"]["conditions"]]
        assert all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)

    def test_snake_case_keys_are_accepted(self, sentry: Client, detector_id: str) -> None:
        body = workflow_body(detector_id)
        snake = {
            "name": body["name"],
            "config": body["config"],
            "environment": None,
            "detector_ids": body["detectorIds"],
            "triggers": {"logic_type": "all", "conditions": []},
            "action_filters": [
                {
                    "logic_type": "all",
                    "conditions": [],
                    "actions": [
                        {
                            "type": "email",
                            "integration_id": None,
                            "data": {"fallthrough_type": "NoOne"},
                            "config": {"target_type": "issue_owners"},
                        }
                    ],
                }
            ],
        }
        workflow = _create(sentry, snake)
        assert workflow["detectorIds"] == [detector_id]
        assert workflow["actionFilters"][0]["actions"][0]["data"] == {"fallthroughType": "NoOne"}

    def test_both_key_forms_collide(self, sentry: Client, detector_id: str) -> None:
        body = workflow_body(detector_id, detector_ids=[int(detector_id)])
        response = sentry.post(f"{ORG}/workflows/", json=body)
        assert response.status_code == 400
        assert response.json() == {
            "detectorIds": ["detectorIds collides with detector_ids, please pass only one value"]
        }

    def test_names_are_not_unique(self, sentry: Client, detector_id: str) -> None:
        first = _create(sentry, workflow_body(detector_id))
        second = _create(sentry, workflow_body(detector_id))
        assert first["id"] != second["id"]

    def test_string_detector_ids_are_accepted(self, sentry: Client, detector_id: str) -> None:
        workflow = _create(sentry, workflow_body(detector_id, detectorIds=[detector_id]))
        assert workflow["detectorIds"] == [detector_id]


def _frequency(comparison: Any) -> dict[str, Any]:
    return {"type": "event_frequency_count", "comparison": comparison, "conditionResult": True}


def _email(**changes: Any) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "email",
        "integrationId": None,
        "data": {"fallthroughType": "AllMembers"},
        "config": {"targetType": "issue_owners", "targetIdentifier": None, "targetDisplay": None},
    }
    action.update(changes)
    return action


def _with_trigger(condition: dict[str, Any]) -> dict[str, Any]:
    return {"triggers": {"logicType": "any-short", "conditions": [condition]}}


def _with_action(action: dict[str, Any]) -> dict[str, Any]:
    return {"actionFilters": [{"logicType": "all", "conditions": [], "actions": [action]}]}


INVALID_WORKFLOWS: list[tuple[str, dict[str, Any], Any]] = [
    (
        "interval 5min",
        _with_trigger(_frequency({"value": 10, "interval": "5min"})),
        "does not match JSON Schema for comparison",
    ),
    (
        "value as string",
        _with_trigger(_frequency({"value": "10", "interval": "5m"})),
        "does not match JSON Schema",
    ),
    (
        "negative value",
        _with_trigger(_frequency({"value": -1, "interval": "5m"})),
        "does not match JSON Schema",
    ),
    (
        "extra comparison key",
        _with_trigger(_frequency({"value": 10, "interval": "5m", "x": 1})),
        "does not match JSON Schema",
    ),
    (
        "boolean condition given a number",
        _with_trigger({"type": "first_seen_event", "comparison": 1, "conditionResult": True}),
        "does not match JSON Schema",
    ),
    (
        "unknown condition type",
        _with_trigger({"type": "moon_phase", "comparison": True, "conditionResult": True}),
        "Invalid condition type: moon_phase",
    ),
    (
        "missing conditionResult",
        _with_trigger({"type": "first_seen_event", "comparison": True}),
        "This field is required.",
    ),
    (
        "bad logicType",
        {"triggers": {"logicType": "some", "conditions": []}},
        '"some" is not a valid choice.',
    ),
    ("missing logicType", {"triggers": {"conditions": []}}, "This field is required."),
    ("config extra key", {"config": {"frequency": 5, "mode": 1}}, "Additional properties"),
    ("negative frequency", {"config": {"frequency": -5}}, "frequency"),
    (
        "bad fallthroughType",
        _with_action(_email(data={"fallthroughType": "Everyone"})),
        "fallthroughType",
    ),
    ("email with integrationId", _with_action(_email(integrationId=12)), "integrationId"),
    (
        "user target without identifier",
        _with_action(_email(config={"targetType": "user"})),
        "targetIdentifier is required",
    ),
    (
        "bad target type",
        _with_action(_email(config={"targetType": "channel"})),
        "targetType must be one of",
    ),
    ("unknown action type", _with_action(_email(type="carrier_pigeon")), "is not a valid choice"),
    (
        "integration action without integrations",
        _with_action(_email(type="slack", integrationId=3)),
        "does not exist",
    ),
    (
        "missing actions in filter",
        {"actionFilters": [{"logicType": "all", "conditions": []}]},
        "Missing actions key in action filter",
    ),
    ("blank name", {"name": "  "}, "This field may not be blank."),
    ("name too long", {"name": "x" * 257}, "no more than 256 characters"),
    ("enabled not boolean", {"enabled": "maybe"}, "Must be a valid boolean."),
    ("detectorIds not integers", {"detectorIds": ["abc"]}, "A valid integer is required."),
]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [(c, e) for _, c, e in INVALID_WORKFLOWS],
    ids=[n for n, _, _ in INVALID_WORKFLOWS],
)
def test_workflow_validation(
    sentry: Client, detector_id: str, changes: dict[str, Any], expected: str
) -> None:
    response = sentry.post(f"{ORG}/workflows/", json=workflow_body(detector_id, **changes))
    assert response.status_code == 400, response.text
    assert any(expected in message for message in _strings(response.json())), response.text
    assert not sentry.get(f"{ORG}/workflows/").json()


def test_nested_errors_nest(sentry: Client, detector_id: str) -> None:
    body = workflow_body(
        detector_id, **_with_trigger(_frequency({"value": 10, "interval": "5min"}))
    )
    detail = sentry.post(f"{ORG}/workflows/", json=body).json()
    assert list(detail) == ["triggers"]
    assert list(detail["triggers"]["conditions"]) == ["comparison"]


@pytest.mark.parametrize("interval", ["1m", "5m", "15m", "1h", "1d", "1w", "30d"])
def test_every_standard_interval_is_accepted(
    sentry: Client, detector_id: str, interval: str
) -> None:
    _create(
        sentry,
        workflow_body(detector_id, **_with_trigger(_frequency({"value": 0, "interval": interval}))),
    )


@pytest.mark.parametrize("logic_type", ["any", "any-short", "all", "none"])
def test_every_logic_type_is_accepted(sentry: Client, detector_id: str, logic_type: str) -> None:
    _create(
        sentry, workflow_body(detector_id, triggers={"logicType": logic_type, "conditions": []})
    )


def test_unknown_detector_is_400_with_a_list(sentry: Client, detector_id: str) -> None:
    response = sentry.post(
        f"{ORG}/workflows/", json=workflow_body(detector_id, detectorIds=[999999])
    )
    assert response.status_code == 400
    assert response.json() == ["Some detectors do not exist: {999999}"]


def test_environment_must_exist(sentry: Client, detector_id: str) -> None:
    response = sentry.post(
        f"{ORG}/workflows/", json=workflow_body(detector_id, environment="Production")
    )
    assert response.status_code == 400
    assert response.json() == {"environment": ["This environment has not been created."]}


def test_no_environment_at_all(clock: FakeClock) -> None:
    with Sandbox(SandboxOptions(clock=clock, sentry_environments=())) as sb:
        client = Client(sb.urls["sentry"], "sandbox-sentry-token")
        assert client.get(f"{ORG}/environments/", params={"visibility": "all"}).json() == []
        detector = str(sb.sentry.issue_stream_detector().id)
        response = client.post(f"{ORG}/workflows/", json=workflow_body(detector))
        assert response.json() == {"environment": ["This environment has not been created."]}
        assert (
            client.post(
                f"{ORG}/workflows/", json=workflow_body(detector, environment=None)
            ).status_code
            == 201
        )


class TestCamelOnlyServer:
    """`sentry_key_case="camel-only"`: a Sentry built before its validator took
    `detector_ids` reads `detectorIds` from the raw body, and nothing else."""

    @pytest.fixture
    def old(self, clock: FakeClock) -> Iterator[tuple[Client, str]]:
        with Sandbox(SandboxOptions(clock=clock, sentry_key_case="camel-only")) as sb:
            client = Client(sb.urls["sentry"], "sandbox-sentry-token")
            yield client, str(sb.sentry.issue_stream_detector().id)

    def test_camel_case_attaches_the_detector(self, old: tuple[Client, str]) -> None:
        client, detector = old
        workflow = _create(client, workflow_body(detector))
        assert workflow["detectorIds"] == [detector]

    def test_snake_case_detector_ids_are_silently_ignored(self, old: tuple[Client, str]) -> None:
        client, detector = old
        body = workflow_body(detector)
        body["detector_ids"] = body.pop("detectorIds")
        workflow = _create(client, body)  # 201: nothing says the key was dropped
        assert workflow["detectorIds"] == []
        put = client.put(
            f"{ORG}/workflows/{workflow['id']}/",
            json={"name": workflow["name"], "detector_ids": [int(detector)]},
        )
        assert put.status_code == 200 and put.json()["detectorIds"] == []

    def test_both_forms_still_collide(self, old: tuple[Client, str]) -> None:
        client, detector = old
        body = workflow_body(detector, detector_ids=[int(detector)])
        assert client.post(f"{ORG}/workflows/", json=body).status_code == 400

    def test_the_current_server_reads_both(self, sentry: Client, detector_id: str) -> None:
        body = workflow_body(detector_id)
        body["detector_ids"] = body.pop("detectorIds")
        assert _create(sentry, body)["detectorIds"] == [detector_id]


@pytest.mark.parametrize("missing", ["config", "triggers"])
def test_config_and_triggers_are_required_on_create(
    sentry: Client, detector_id: str, missing: str
) -> None:
    body = workflow_body(detector_id)
    del body[missing]
    response = sentry.post(f"{ORG}/workflows/", json=body)
    assert response.status_code == 400 and missing in response.json()


class TestUpdate:
    @pytest.fixture
    def workflow(self, sentry: Client, detector_id: str) -> dict[str, Any]:
        return _create(sentry, workflow_body(detector_id, enabled=False))

    def _put(self, sentry: Client, workflow_id: str, body: dict[str, Any]) -> Any:
        return sentry.put(f"{ORG}/workflows/{workflow_id}/", json=body)

    def test_name_is_required(self, sentry: Client, workflow: dict[str, Any]) -> None:
        response = self._put(sentry, workflow["id"], {"enabled": False})
        assert response.status_code == 400 and response.json() == {
            "name": ["This field is required."]
        }

    def test_omitted_enabled_resets_to_true_and_the_rest_is_kept(
        self, sentry: Client, workflow: dict[str, Any]
    ) -> None:
        response = self._put(sentry, workflow["id"], {"name": "renamed"})
        assert response.status_code == 200
        updated = response.json()
        assert updated["enabled"] is True and updated["name"] == "renamed"
        assert updated["triggers"]["id"] == workflow["triggers"]["id"]
        assert _conditions(updated) == _conditions(workflow)
        assert updated["detectorIds"] == workflow["detectorIds"]
        assert updated["config"] == workflow["config"] and updated["environment"] == "production"
        assert updated["dateUpdated"] > workflow["dateUpdated"]
        assert updated["dateCreated"] == workflow["dateCreated"]

    def test_detector_ids_three_ways(
        self, sentry: Client, sandbox: Sandbox, workflow: dict[str, Any]
    ) -> None:
        error_detector = next(
            str(d.id) for d in sandbox.sentry.detectors.values() if d.type == "error"
        )
        both = self._put(
            sentry,
            workflow["id"],
            {"name": "x", "detectorIds": [*workflow["detectorIds"], error_detector]},
        ).json()
        assert sorted(both["detectorIds"]) == sorted([*workflow["detectorIds"], error_detector])
        kept = self._put(sentry, workflow["id"], {"name": "x"}).json()
        assert sorted(kept["detectorIds"]) == sorted(both["detectorIds"])
        cleared = self._put(sentry, workflow["id"], {"name": "x", "detectorIds": []}).json()
        assert cleared["detectorIds"] == []

    def test_echoed_ids_keep_nested_items(self, sentry: Client, workflow: dict[str, Any]) -> None:
        body = {k: workflow[k] for k in ("name", "triggers", "actionFilters")}
        updated = self._put(sentry, workflow["id"], body).json()
        assert updated["triggers"]["id"] == workflow["triggers"]["id"]
        assert {c["id"] for c in updated["triggers"]["conditions"]} == {
            c["id"] for c in workflow["triggers"]["conditions"]
        }
        assert updated["actionFilters"][0]["id"] == workflow["actionFilters"][0]["id"]
        assert (
            updated["actionFilters"][0]["actions"][0]["id"]
            == workflow["actionFilters"][0]["actions"][0]["id"]
        )

    def test_items_without_ids_are_recreated_and_missing_ones_deleted(
        self, sentry: Client, workflow: dict[str, Any]
    ) -> None:
        triggers = copy.deepcopy(workflow["triggers"])
        kept = next(c for c in triggers["conditions"] if c["type"] == "first_seen_event")
        frequency = next(c for c in triggers["conditions"] if c["type"] == "event_frequency_count")
        new = {"type": "regression_event", "comparison": True, "conditionResult": True}
        triggers["conditions"] = [kept, new]
        filters = [{k: v for k, v in f.items() if k != "id"} for f in workflow["actionFilters"]]
        for group in filters:
            group["actions"] = [{k: v for k, v in a.items() if k != "id"} for a in group["actions"]]
        updated = self._put(
            sentry, workflow["id"], {"name": "x", "triggers": triggers, "actionFilters": filters}
        ).json()
        ids = {c["type"]: c["id"] for c in updated["triggers"]["conditions"]}
        assert set(ids) == {"first_seen_event", "regression_event"}
        assert ids["first_seen_event"] == kept["id"]
        assert frequency["id"] not in ids.values()
        assert updated["actionFilters"][0]["id"] != workflow["actionFilters"][0]["id"]
        old_action = workflow["actionFilters"][0]["actions"][0]["id"]
        assert updated["actionFilters"][0]["actions"][0]["id"] != old_action

    def test_foreign_ids_are_400(
        self, sentry: Client, detector_id: str, workflow: dict[str, Any]
    ) -> None:
        other = _create(sentry, workflow_body(detector_id))
        triggers = copy.deepcopy(workflow["triggers"])
        triggers["conditions"][0]["id"] = other["triggers"]["conditions"][0]["id"]
        response = self._put(sentry, workflow["id"], {"name": "x", "triggers": triggers})
        assert response.status_code == 400 and "does not belong to this workflow" in response.text
        group = copy.deepcopy(workflow["triggers"])
        group["id"] = other["triggers"]["id"]
        response = self._put(sentry, workflow["id"], {"name": "x", "triggers": group})
        assert response.status_code == 400 and "does not belong to this workflow" in response.text

    def test_a_failed_put_changes_nothing(self, sentry: Client, workflow: dict[str, Any]) -> None:
        response = self._put(sentry, workflow["id"], {"name": "renamed", "detectorIds": [424242]})
        assert response.status_code == 400
        current = sentry.get(f"{ORG}/workflows/{workflow['id']}/").json()
        assert current["name"] == workflow["name"] and current["enabled"] is False
        assert current["dateUpdated"] == workflow["dateUpdated"]

    def test_unknown_or_malformed_ids_are_404(self, sentry: Client) -> None:
        for workflow_id in ("424242", "abc"):
            assert self._put(sentry, workflow_id, {"name": "x"}).status_code == 404
            assert sentry.get(f"{ORG}/workflows/{workflow_id}/").json() == NOT_FOUND


class TestDelete:
    def test_soft_delete(self, sentry: Client, sandbox: Sandbox, detector_id: str) -> None:
        workflow = _create(sentry, workflow_body(detector_id))
        path = f"{ORG}/workflows/{workflow['id']}/"
        response = sentry.delete(path)
        assert response.status_code == 204 and response.content == b""
        assert sentry.get(path).status_code == 404
        assert sentry.put(path, json={"name": "back"}).status_code == 404
        assert sentry.delete(path).status_code == 404
        assert sentry.get(f"{ORG}/workflows/").json() == []
        assert sandbox.sentry.workflows[int(workflow["id"])].status == "pending_deletion"
        detectors = sentry.get(f"{ORG}/detectors/", params={"query": "type:issue_stream"}).json()
        assert detectors[0]["workflowIds"] == []


class TestList:
    @pytest.fixture
    def ids(self, sentry: Client, detector_id: str) -> list[str]:
        names = [
            "[mlpp-web] New issue (production)",
            "[mlpp-web] Frequent issue (production)",
            "Other",
        ]
        return [_create(sentry, workflow_body(detector_id, name=n))["id"] for n in names]

    def test_link_and_hits_on_every_list(self, sentry: Client, ids: list[str]) -> None:
        response = sentry.get(f"{ORG}/workflows/")
        assert response.headers["X-Hits"] == "3"
        assert 'rel="next"; results="false"' in response.headers["Link"]
        assert 'rel="previous"; results="false"' in response.headers["Link"]
        assert [w["id"] for w in response.json()] == ids

    def test_pages_follow_the_next_cursor(self, sentry: Client, ids: list[str]) -> None:
        seen: list[str] = []
        url = f"{sentry.base_url}{ORG}/workflows/?per_page=2"
        while True:
            response = sentry.session.get(url, timeout=5)
            seen += [w["id"] for w in response.json()]
            following = next(
                link for link in response.headers["Link"].split(", ") if 'rel="next"' in link
            )
            if 'results="true"' not in following:
                break
            url = following[following.index("<") + 1 : following.index(">")]
        assert seen == ids

    def test_per_page_maximum_is_100(self, sentry: Client) -> None:
        assert sentry.get(f"{ORG}/workflows/", params={"per_page": 100}).status_code == 200
        assert sentry.get(f"{ORG}/workflows/", params={"per_page": 101}).status_code == 400

    def test_query_by_exact_name(self, sentry: Client, ids: list[str]) -> None:
        found = sentry.get(
            f"{ORG}/workflows/", params={"query": 'name:"[mlpp-web] New issue (production)"'}
        ).json()
        assert [w["id"] for w in found] == [ids[0]]

    def test_free_text_and_action_queries(self, sentry: Client, ids: list[str]) -> None:
        assert len(sentry.get(f"{ORG}/workflows/", params={"query": "frequent"}).json()) == 1
        assert len(sentry.get(f"{ORG}/workflows/", params={"query": "action:email"}).json()) == 3

    def test_id_filter(self, sentry: Client, ids: list[str]) -> None:
        found = sentry.get(f"{ORG}/workflows/", params={"id": [ids[2], ids[0]]}).json()
        assert sorted(w["id"] for w in found) == sorted([ids[0], ids[2]])
        response = sentry.get(f"{ORG}/workflows/", params={"id": "x1"})
        assert response.status_code == 400 and response.json() == {"id": ["Invalid ID format"]}

    def test_project_filter_hides_workflows_without_detectors(
        self, sentry: Client, sandbox: Sandbox, ids: list[str], detector_id: str
    ) -> None:
        lonely = _create(sentry, workflow_body(detector_id, detectorIds=[]))["id"]
        project_id = str(sandbox.sentry.project("mlpp-web").id)
        found = [
            w["id"] for w in sentry.get(f"{ORG}/workflows/", params={"project": project_id}).json()
        ]
        assert found == ids
        # An id filter overrides the project filter.
        found = sentry.get(f"{ORG}/workflows/", params={"project": project_id, "id": lonely}).json()
        assert [w["id"] for w in found] == [lonely]

    def test_sort_by_name_descending(self, sentry: Client, ids: list[str]) -> None:
        names = [
            w["name"] for w in sentry.get(f"{ORG}/workflows/", params={"sortBy": "-name"}).json()
        ]
        assert names == sorted(names, key=str.lower, reverse=True)

    def test_nested_order_is_random_but_reproducible(
        self, sentry: Client, clock: FakeClock, detector_id: str
    ) -> None:
        body = workflow_body(detector_id)
        body["triggers"]["conditions"].append(
            {"type": "regression_event", "comparison": True, "conditionResult": True}
        )
        body["triggers"]["conditions"].append(
            {"type": "reappeared_event", "comparison": True, "conditionResult": True}
        )
        workflow_id = _create(sentry, body)["id"]

        def orders(client: Client) -> list[tuple[str, ...]]:
            return [
                tuple(
                    c["type"]
                    for c in client.get(f"{ORG}/workflows/{workflow_id}/").json()["triggers"][
                        "conditions"
                    ]
                )
                for _ in range(6)
            ]

        first = orders(sentry)
        assert len(set(first)) > 1
        with Sandbox(SandboxOptions(clock=clock)) as again:
            client = Client(again.urls["sentry"], "sandbox-sentry-token")
            _create(client, body)
            assert orders(client) == first


class TestIssues:
    @pytest.fixture
    def seeded(self, sandbox: Sandbox, clock: FakeClock) -> None:
        state = sandbox.sentry
        state.add_issue("TypeError: x is undefined", last_seen=clock.now - 600, count=12)
        state.add_issue("Old staging issue", environment="staging", last_seen=clock.now - 86400 * 3)
        state.add_issue("Resolved one", status="resolved", last_seen=clock.now - 60)

    def test_empty_by_default(self, sentry: Client) -> None:
        assert sentry.get(f"{ORG}/issues/").json() == []
        assert sentry.get("/api/0/projects/mlpp/mlpp-web/issues/").json() == []

    def test_org_issues_filters(self, sentry: Client, seeded: None) -> None:
        titles = [i["title"] for i in sentry.get(f"{ORG}/issues/").json()]
        assert titles == ["TypeError: x is undefined", "Old staging issue"]
        production = sentry.get(
            f"{ORG}/issues/", params={"environment": "production", "statsPeriod": "24h"}
        ).json()
        assert [i["title"] for i in production] == ["TypeError: x is undefined"]
        assert production[0]["count"] == "12" and production[0]["shortId"] == "MLPP-WEB-1"
        resolved = sentry.get(f"{ORG}/issues/", params={"query": "is:resolved"}).json()
        assert [i["title"] for i in resolved] == ["Resolved one"]
        assert sentry.get(f"{ORG}/issues/", params={"statsPeriod": "forever"}).status_code == 400

    def test_project_issues(self, sentry: Client, seeded: None) -> None:
        issues = sentry.get(
            "/api/0/projects/mlpp/mlpp-web/issues/", params={"query": "TypeError"}
        ).json()
        assert [i["title"] for i in issues] == ["TypeError: x is undefined"]
        assert issues[0]["project"]["slug"] == "mlpp-web"

    def test_limit_pages_issues(self, sentry: Client, seeded: None) -> None:
        response = sentry.get(f"{ORG}/issues/", params={"limit": 1})
        assert len(response.json()) == 1 and response.headers["X-Hits"] == "2"
        assert 'rel="next"; results="true"' in response.headers["Link"]

    def test_expand_only_fields(self, sentry: Client, seeded: None) -> None:
        plain = sentry.get(f"{ORG}/issues/").json()[0]
        assert "inbox" not in plain
        expanded = sentry.get(f"{ORG}/issues/", params={"expand": "inbox"}).json()[0]
        assert expanded["inbox"]["reason"] == 0
