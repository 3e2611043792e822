"""The normalizers undo every read-back quirk: for any valid spec, the spec read back from
what the vendor answers to our request is the spec itself (no perpetual diff)."""

from __future__ import annotations

import html
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mlpp_monitoring.sentry.alert import AlertSpec
from mlpp_monitoring.sentry.alert import from_api as alert_from_api
from mlpp_monitoring.sentry.alert import to_api as alert_to_api
from mlpp_monitoring.uptimerobot.monitor import ContactSpec, MonitorSpec
from mlpp_monitoring.uptimerobot.monitor import from_api as monitor_from_api
from mlpp_monitoring.uptimerobot.monitor import to_api as monitor_to_api

CONTACTS = {"ops@monaluxe.app": 11, "dev@monaluxe.app": 12, "+33600000000": 13}
names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)

monitor_specs = st.builds(
    MonitorSpec,
    friendly_name=names,
    url=st.sampled_from(["https://monaluxe.app", "https://monaluxe.app/login?a=1&b=<2>"]),
    type=st.sampled_from(["HTTP", "KEYWORD"]),
    interval=st.integers(min_value=30, max_value=86400),
    timeout=st.integers(min_value=1, max_value=60),
    http_method=st.sampled_from(["HEAD", "GET", "POST"]),
    success_http_codes=st.lists(st.sampled_from(["2xx", "3xx", "200", "301"]), min_size=1),
    follow_redirections=st.booleans(),
    check_ssl_errors=st.booleans(),
    ssl_expiration_reminder=st.booleans(),
    domain_expiration_reminder=st.booleans(),
    keyword=st.none(),
    alert_contacts=st.lists(
        st.builds(
            ContactSpec,
            value=st.sampled_from(sorted(CONTACTS)),
            threshold=st.integers(0, 60),
            recurrence=st.integers(0, 60),
        ),
        min_size=1,
        max_size=3,
        unique_by=lambda c: c.value,
    ),
    tags=st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), max_size=3),
    paused=st.booleans(),
    keyword_type=st.sampled_from(["ALERT_EXISTS", "ALERT_NOT_EXISTS"]),
    keyword_case_type=st.sampled_from(["CaseSensitive", "CaseInsensitive"]),
).map(
    lambda s: (
        s.model_copy(update={"keyword": "Monaluxe"})
        if s.type == "KEYWORD"
        else s.model_copy(update={"keyword_type": None, "keyword_case_type": None})
    )
)


def uptimerobot_answer(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """API v3's answer to a create/PATCH body, with the quirks of docs/vendors/uptimerobot.md."""
    contacts = list(body["assignedAlertContacts"])
    rng.shuffle(contacts)
    answer = {
        **{k: v for k, v in body.items() if k not in ("tagNames", "assignedAlertContacts")},
        "id": 800,
        "friendlyName": html.escape(body["friendlyName"]),
        "url": html.escape(body["url"]),
        "tags": [{"id": i, "name": n, "color": "#000"} for i, n in enumerate(body["tagNames"])],
        "assignedAlertContacts": contacts,
        "status": "NOT_CHECKED",
        "interval": float(body["interval"]),
    }
    if "keywordCaseType" in body:
        # Read back as 0/1 whatever was sent (0 = case-sensitive).
        case = body["keywordCaseType"]
        answer["keywordCaseType"] = case if isinstance(case, int) else CASE_NUMBERS[case]
    return answer


CASE_NUMBERS = {"CaseSensitive": 0, "CaseInsensitive": 1}


@settings(max_examples=200, deadline=None)
@given(spec=monitor_specs, seed=st.integers(), operation=st.sampled_from(["create", "update"]))
def test_monitor_round_trip(spec: MonitorSpec, seed: int, operation: Any) -> None:
    body = monitor_to_api(spec, CONTACTS, operation)
    if spec.type == "KEYWORD":
        sent = body["keywordCaseType"]
        # Each operation gets what its own schema says: a word to create, 0/1 to update.
        assert isinstance(sent, str) if operation == "create" else sent in (0, 1)
    answer = uptimerobot_answer(body, random.Random(seed))
    if spec.paused:
        answer["status"] = "PAUSED"
    read_back = monitor_from_api(answer, {v: k for k, v in CONTACTS.items()})
    assert read_back == spec


alert_specs = (
    st.builds(
        AlertSpec,
        name=names,
        organization=st.just("mlpp"),
        project=st.just("mlpp-web"),
        environment=st.sampled_from(["production", "staging", None]),
        frequency_minutes=st.sampled_from([0, 5, 10, 30, 60, 180, 720, 1440]),
        enabled=st.booleans(),
        on_new_issue=st.booleans(),
        event_threshold=st.none() | st.integers(1, 10_000),
        event_interval=st.sampled_from(["1m", "5m", "15m", "1h", "1d", "1w", "30d"]),
    )
    .filter(lambda s: s.on_new_issue or s.event_threshold is not None)
    .map(
        lambda s: (
            s if s.event_threshold is not None else s.model_copy(update={"event_interval": None})
        )
    )
)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _camel_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel(k): _camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_keys(v) for v in value]
    return value


def sentry_answer(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """What the workflow API returns: camelCase, string ids, nested lists in any order."""
    answer: dict[str, Any] = _camel_keys(body)
    answer["id"] = "77"
    answer["detectorIds"] = [str(d) for d in answer["detectorIds"]]
    for i, condition in enumerate(answer["triggers"]["conditions"]):
        condition["id"] = str(100 + i)
    rng.shuffle(answer["triggers"]["conditions"])
    for group in answer["actionFilters"]:
        for action in group["actions"]:
            action.update(id="5", status="active", integrationId=None)
            action["config"]["targetIdentifier"] = rng.choice([None, ""])
        rng.shuffle(group["actions"])
    return answer


@settings(max_examples=200, deadline=None)
@given(spec=alert_specs, seed=st.integers())
def test_alert_round_trip(spec: AlertSpec, seed: int) -> None:
    answer = sentry_answer(alert_to_api(spec, 42), random.Random(seed))
    assert alert_from_api(answer, ("mlpp", "mlpp-web"), {42: "issue_stream"}) == spec


def test_hand_made_additions_show_as_drift() -> None:
    spec = AlertSpec(
        name="x",
        organization="mlpp",
        project="mlpp-web",
        environment="production",
        frequency_minutes=1440,
        on_new_issue=True,
    )
    answer = sentry_answer(alert_to_api(spec, 42), random.Random(0))
    answer["detectorIds"].append("43")
    answer["actionFilters"][0]["conditions"].append({"type": "level", "comparison": 40})
    live = alert_from_api(answer, ("mlpp", "mlpp-web"), {42: "issue_stream", 43: "error"})
    assert live.detectors == ["error", "issue_stream"]
    assert live.filters and live != spec
