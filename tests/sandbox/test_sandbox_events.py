"""`POST /_sandbox/sentry/events`: events reach the emulated Sentry, create or update their
issue, and fire the stored workflows as Sentry's workflow engine would (through the
provider's evaluator): `lastTriggered` moves on a notification only."""

from __future__ import annotations

import pickle
import time
from typing import Any

import pytest

from mlpp_sandbox import Sandbox, SandboxOptions
from mlpp_sandbox.sentry import SentryState
from mlpp_sandbox.wire import iso_micro
from tests.vendor_bodies import workflow_body

from .conftest import ORG, Client, FakeClock

MINUTE, HOUR = 60.0, 3600.0
NEW_ISSUE_ONLY = {
    "logicType": "any-short",
    "conditions": [{"type": "first_seen_event", "comparison": True, "conditionResult": True}],
}


SPIKE_ONLY = {
    "logicType": "any-short",
    "conditions": [
        {
            "type": "event_frequency_count",
            "comparison": {"value": 10, "interval": "5m"},
            "conditionResult": True,
        }
    ],
}


@pytest.fixture
def alerts(sentry: Client, detector_id: str) -> dict[str, str]:
    """The runbook's two rules, created through the API as Sentry's UI would: their ids."""
    ids = {}
    for key, body in (
        ("new-issue", workflow_body(detector_id, name="New issue", triggers=NEW_ISSUE_ONLY)),
        ("spike", workflow_body(detector_id, name="Spike")),
    ):
        response = sentry.post(f"{ORG}/workflows/", json=body)
        assert response.status_code == 201, response.text
        ids[key] = response.json()["id"]
    return ids


def _send(control: Client, *events: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = control.post("/_sandbox/sentry/events", json={"events": list(events)})
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _last_triggered(sentry: Client, ids: dict[str, str]) -> dict[str, str | None]:
    listed = sentry.get(f"{ORG}/workflows/").json()
    by_id = {w["id"]: w["lastTriggered"] for w in listed}
    return {key: by_id[id_] for key, id_ in ids.items()}


def _fired(answer: dict[str, Any], ids: dict[str, str]) -> list[tuple[str, str]]:
    names = {id_: key for key, id_ in ids.items()}
    return [(names[n["workflowId"]], n["at"]) for n in answer["notifications"]]


def test_a_new_issue_in_production_notifies_both_rules_and_shows_in_the_issues(
    sentry: Client, control: Client, alerts: dict[str, str], clock: FakeClock
) -> None:
    answer = _send(control, {"issue": "checkout-crash", "environment": "production"})
    now = iso_micro(clock.now)
    assert _fired(answer, alerts) == [("new-issue", now), ("spike", now)]
    assert answer["notifications"][0]["conditions"] == ["first_seen_event"]
    assert _last_triggered(sentry, alerts) == {"new-issue": now, "spike": now}
    (issue,) = sentry.get(f"{ORG}/issues/", params={"environment": "production"}).json()
    assert (issue["title"], issue["count"], issue["firstSeen"]) == ("checkout-crash", "1", now)
    assert issue["id"] == answer["issues"][0]["id"]


def test_eleven_events_in_three_minutes_on_an_old_issue_fire_the_spike_at_the_eleventh(
    sentry: Client, control: Client, alerts: dict[str, str], clock: FakeClock
) -> None:
    two_days_ago = clock.now - 48 * HOUR
    _send(control, {"issue": "B", "environment": "production", "at": two_days_ago})
    answer = _send(control, {"issue": "B", "environment": "production", "count": 11, "over": 180})
    eleventh = iso_micro(clock.now + 10 * 180 / 11)
    assert _fired(answer, alerts) == [("spike", eleventh)]
    assert answer["notifications"][0]["conditions"] == ["event_frequency_count"]
    assert _last_triggered(sentry, alerts) == {
        "new-issue": iso_micro(two_days_ago),
        "spike": eleventh,
    }
    (issue,) = answer["issues"]
    assert issue["count"] == "12" and issue["firstSeen"] == iso_micro(two_days_ago)


def test_exactly_ten_events_do_not_fire_the_spike(
    sentry: Client, control: Client, alerts: dict[str, str], clock: FakeClock
) -> None:
    _send(control, {"issue": "B", "environment": "production", "at": clock.now - 48 * HOUR})
    answer = _send(control, {"issue": "B", "environment": "production", "count": 10, "over": 60})
    assert answer["notifications"] == []


def test_other_environments_are_silent_and_appear(
    sentry: Client, control: Client, alerts: dict[str, str]
) -> None:
    answer = _send(control, {"issue": "S", "environment": "staging", "count": 50, "over": 120})
    assert answer["notifications"] == []
    assert _last_triggered(sentry, alerts) == {"new-issue": None, "spike": None}
    names = [e["name"] for e in sentry.get(f"{ORG}/environments/").json()]
    assert "staging" in names


def test_last_triggered_is_the_last_notification_not_the_last_trigger(
    sentry: Client, control: Client, alerts: dict[str, str], clock: FakeClock
) -> None:
    _send(control, {"issue": "B", "environment": "production", "at": clock.now - 48 * HOUR})
    first = _send(control, {"issue": "B", "environment": "production", "count": 11, "over": 60})
    (spike_at,) = [at for key, at in _fired(first, alerts) if key == "spike"]
    # Two hours later, another burst: the rule holds again but the 24 h interval is not over.
    clock.advance(2 * HOUR)
    again = _send(control, {"issue": "B", "environment": "production", "count": 11, "over": 60})
    assert again["notifications"] == []
    assert _last_triggered(sentry, alerts)["spike"] == spike_at
    # 25 hours after the first: it notifies again.
    clock.advance(23 * HOUR)
    later = _send(control, {"issue": "B", "environment": "production", "count": 11, "over": 60})
    assert [key for key, _ in _fired(later, alerts)] == ["spike"]


def test_a_condition_added_by_hand_makes_the_workflow_silent_and_says_why(
    sentry: Client, control: Client, alerts: dict[str, str], detector_id: str
) -> None:
    edited = workflow_body(detector_id, name="Spike")
    edited["triggers"]["conditions"].append(
        {"type": "regression_event", "comparison": True, "conditionResult": True}
    )
    assert sentry.put(f"{ORG}/workflows/{alerts['spike']}/", json=edited).status_code == 200
    answer = _send(control, {"issue": "A", "environment": "production"})
    assert [key for key, _ in _fired(answer, alerts)] == ["new-issue"]
    (refused,) = answer["notEvaluated"]
    assert refused["workflowId"] == alerts["spike"]
    assert "trigger conditions this evaluator does not model" in refused["reason"]
    assert "regression_event" in refused["reason"]


def test_a_disabled_workflow_never_fires(
    sentry: Client, control: Client, alerts: dict[str, str], detector_id: str
) -> None:
    disabled = workflow_body(detector_id, name="Spike", enabled=False)
    assert sentry.put(f"{ORG}/workflows/{alerts['spike']}/", json=disabled).status_code == 200
    answer = _send(control, {"issue": "A", "environment": "production"})
    assert [key for key, _ in _fired(answer, alerts)] == ["new-issue"]


def test_an_event_of_a_resolved_issue_makes_it_regressed(
    sandbox: Sandbox, control: Client, alerts: dict[str, str]
) -> None:
    (issue,) = _send(control, {"issue": "A", "environment": "production"})["issues"]
    sandbox.sentry.issues[int(issue["id"])].status = "resolved"
    (again,) = _send(control, {"issue": "A", "environment": "production"})["issues"]
    assert (again["status"], again["substatus"], again["count"]) == ("unresolved", "regressed", "2")


def test_control_calls_are_not_vendor_calls(
    sandbox: Sandbox, control: Client, alerts: dict[str, str]
) -> None:
    before = len(sandbox.journal)
    _send(control, {"issue": "A", "environment": "production", "count": 20, "over": 60})
    assert len(sandbox.journal) == before


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [{"issue": "A", "environment": "production", "cuont": 3}],
            "events.0.cuont: Extra inputs are not permitted (got 3)",
        ),
        ([{"issue": "A"}], "events.0.environment: Field required"),
        (
            [{"issue": "A", "environment": "production", "count": 0}],
            "events.0.count: Input should be greater than or equal to 1 (got 0)",
        ),
        (
            [{"issue": "A", "environment": "production", "at": "yesterday"}],
            "events.0.at: Value error, must be epoch seconds or an ISO-8601 time (got 'yesterday')",
        ),
        ([], "events: List should have at least 1 item after validation"),
    ],
)
def test_a_bad_body_is_refused_naming_the_key_and_nothing_changes(
    sandbox: Sandbox, control: Client, events: list[dict[str, Any]], message: str
) -> None:
    answer = _send(control, *events, status=400)
    assert message in answer["error"]
    assert sandbox.sentry.issues == {}


def test_events_older_than_the_latest_are_refused(
    sandbox: Sandbox, control: Client, alerts: dict[str, str], clock: FakeClock
) -> None:
    _send(control, {"issue": "A", "environment": "production"})
    answer = _send(
        control, {"issue": "A", "environment": "production", "at": clock.now - 60}, status=400
    )
    assert "events must not be older than the latest one mlpp-web received" in answer["error"]
    (issue,) = sandbox.sentry.issues.values()
    assert issue.count == 1


def test_the_event_history_survives_a_restart(
    tmp_path: Any, clock: FakeClock, detector_id: str
) -> None:
    options = SandboxOptions(clock=clock, state_path=tmp_path / "accounts.pickle")
    with Sandbox(options) as first:
        sentry = Client(first.urls["sentry"], first.options.sentry_token)
        spike = workflow_body(detector_id, name="Spike only", triggers=SPIKE_ONLY)
        sentry.post(f"{ORG}/workflows/", json=spike)
        control = Client(first.base_url, None)
        _send(control, {"issue": "B", "environment": "production", "count": 6, "over": 60})
    # (Explicit times: a reloaded account keeps the clock it was saved with.)
    with Sandbox(options) as second:
        control = Client(second.base_url, None)
        # 6 before the restart + 5 now = 11 in 5 minutes: the spike fires.
        at = clock.now + 90
        answer = _send(control, {"issue": "B", "environment": "production", "count": 5, "at": at})
        assert len(answer["notifications"]) == 1


def test_an_accounts_file_from_before_events_loads_with_no_event_history() -> None:
    state = SentryState(
        org_slug="mlpp", project_slug="mlpp-web", environments=["production"], clock=time.time
    )
    del state.event_logs, state.alert_memory  # as an accounts file of release 0.1 holds it
    old = pickle.loads(pickle.dumps(state))
    assert old.event_logs == {} and old.alert_memory == {}
