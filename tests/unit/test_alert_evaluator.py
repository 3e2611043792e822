"""The vendors' alerting rules, one by one, at their boundaries (sentry/firing.py,
uptimerobot/checks.py; sources in docs/vendors/)."""

from __future__ import annotations

from typing import Any

import pytest

from mlpp_monitoring.sentry import alert, firing
from mlpp_monitoring.sentry.alert import AlertSpec
from mlpp_monitoring.sentry.firing import IssueEvent
from mlpp_monitoring.uptimerobot import checks, monitor
from mlpp_monitoring.uptimerobot.checks import CheckResult
from mlpp_monitoring.uptimerobot.monitor import ContactSpec, MonitorSpec

MINUTE, HOUR = 60, 3600
DAY = 24 * HOUR


def _alert(**changes: Any) -> AlertSpec:
    """A spike alert on production: more than 10 events in 5 minutes, once a day per issue."""
    fields: dict[str, Any] = {
        "name": "spike",
        "organization": "org",
        "project": "web",
        "environment": "production",
        "frequency_minutes": 1440,
        "event_threshold": 10,
        "event_interval": "5m",
    }
    return AlertSpec(**{**fields, **changes})


def _burst(
    at: float, count: int, step: float, issue: str = "B", env: str = "production"
) -> list[IssueEvent]:
    return [IssueEvent(at + i * step, issue, env) for i in range(count)]


def _times(spec: AlertSpec, events: list[IssueEvent]) -> list[float]:
    return [n.at for n in firing.notifications(spec, events)]


# --- Sentry: event_frequency_count -------------------------------------------------------


def test_ten_events_in_the_interval_are_not_more_than_ten() -> None:
    assert _times(_alert(), _burst(0, 10, 10)) == []


def test_the_eleventh_event_in_the_interval_fires_at_its_own_time() -> None:
    assert _times(_alert(), _burst(0, 11, 10)) == [100]


def test_the_current_event_is_counted() -> None:
    # 11 events at the same instant: the 11th sees itself and the 10 before it.
    assert _times(_alert(), _burst(0, 11, 0)) == [0]


def test_the_window_is_the_trailing_interval_excluding_its_start() -> None:
    # Events at 0, 30, ..., 300: at 300 s the window (0, 300] holds 10 of them.
    assert _times(_alert(), _burst(0, 11, 30)) == []
    # One second less and the first event is still inside: 11 in (-1, 299].
    assert _times(_alert(), [*_burst(0, 10, 29.9), IssueEvent(299, "B", "production")]) == [299]


def test_threshold_counts_events_of_one_issue_only() -> None:
    events = _burst(0, 6, 10, issue="B") + _burst(1, 6, 10, issue="C")
    assert _times(_alert(), events) == []


def test_count_is_per_environment_and_other_environments_never_fire() -> None:
    events = _burst(0, 6, 10) + _burst(1, 6, 10, env="staging") + _burst(200, 50, 1, env="staging")
    assert _times(_alert(), events) == []
    # A workflow without an environment counts all of them: the 11th event overall fires.
    assert _times(_alert(environment=None), events) == [50]


# --- Sentry: first_seen_event --------------------------------------------------------------


def test_first_seen_is_the_first_event_in_the_workflows_environment() -> None:
    spec = _alert(on_new_issue=True, event_threshold=None, event_interval=None)
    events = [
        IssueEvent(0, "S", "staging"),
        IssueEvent(HOUR, "S", "production"),  # first in production: fires
        IssueEvent(2 * DAY, "S", "production"),  # not new any more, interval passed: silent
    ]
    assert _times(spec, events) == [HOUR]


def test_first_seen_without_environment_is_the_issues_very_first_event() -> None:
    spec = _alert(on_new_issue=True, event_threshold=None, event_interval=None, environment=None)
    events = [IssueEvent(0, "S", "staging"), IssueEvent(2 * DAY, "S", "production")]
    assert _times(spec, events) == [0]


def test_events_without_environment_do_not_reach_a_production_workflow() -> None:
    spec = _alert(on_new_issue=True, event_threshold=None, event_interval=None)
    assert _times(spec, [IssueEvent(0, "A", None)]) == []


# --- Sentry: trigger logic ------------------------------------------------------------------


def test_any_short_fires_on_a_new_issue_through_first_seen_alone() -> None:
    (only,) = firing.notifications(_alert(on_new_issue=True), [IssueEvent(0, "A", "production")])
    assert only.conditions == (alert.NEW_ISSUE,)


def test_any_lists_every_condition_that_held() -> None:
    spec = _alert(on_new_issue=True, trigger_logic="any", event_threshold=0)
    (only,) = firing.notifications(spec, [IssueEvent(0, "A", "production")])
    assert only.conditions == (alert.NEW_ISSUE, alert.EVENT_COUNT)


def test_all_needs_both_conditions_at_the_same_event() -> None:
    spec = _alert(on_new_issue=True, trigger_logic="all", frequency_minutes=0)
    # New (first event) but 1 event is not more than 10; later, 11 events but not new.
    assert _times(spec, _burst(0, 11, 1)) == []
    spec = _alert(on_new_issue=True, trigger_logic="all", event_threshold=0)
    assert _times(spec, [IssueEvent(0, "A", "production")]) == [0]


def test_none_fires_when_no_condition_holds() -> None:
    spec = _alert(on_new_issue=True, trigger_logic="none", frequency_minutes=0)
    # The first event is new: silent; the next ones are neither new nor a spike.
    assert _times(spec, _burst(0, 3, 1)) == [1, 2]


def test_an_empty_trigger_group_fires_on_every_event() -> None:
    spec = _alert(event_threshold=None, event_interval=None, frequency_minutes=0)
    assert _times(spec, _burst(0, 3, 1)) == [0, 1, 2]


# --- Sentry: the action interval ----------------------------------------------------------


def _every_event(**changes: Any) -> AlertSpec:
    # Threshold 0: every event is "more than 0", so only the interval decides.
    return _alert(event_threshold=0, **changes)


def test_exactly_frequency_minutes_later_is_silent_one_second_more_fires() -> None:
    at_interval = [IssueEvent(0, "B", "production"), IssueEvent(DAY, "B", "production")]
    assert _times(_every_event(), at_interval) == [0]
    one_more = [IssueEvent(0, "B", "production"), IssueEvent(DAY + 1, "B", "production")]
    assert _times(_every_event(), one_more) == [0, DAY + 1]


def test_the_interval_runs_from_the_last_notification_not_the_last_trigger() -> None:
    events = [IssueEvent(t, "B", "production") for t in (0, 20 * HOUR, 25 * HOUR)]
    # 20 h: suppressed (and does not restart the wait); 25 h is > 24 h after 0.
    assert _times(_every_event(), events) == [0, 25 * HOUR]


def test_each_issue_has_its_own_interval() -> None:
    events = [IssueEvent(0, "B", "production"), IssueEvent(1, "C", "production")]
    assert _times(_every_event(), events) == [0, 1]


def test_frequency_zero_fires_on_every_trigger_after_any_time() -> None:
    events = [IssueEvent(t, "B", "production") for t in (0, 1, 1)]
    # `now - last > 0`: a second event at the very same instant is still suppressed.
    assert _times(_every_event(frequency_minutes=0), events) == [0, 1]


def test_a_missing_frequency_is_zero_as_in_the_workflow_engine() -> None:
    events = [IssueEvent(t, "B", "production") for t in (0, 1)]
    assert _times(_every_event(frequency_minutes=-1), events) == [0, 1]


# --- Sentry: what never fires, what cannot be evaluated -----------------------------------


def test_a_disabled_alert_never_fires_even_with_conditions_it_cannot_model() -> None:
    spec = _every_event(enabled=False, other_triggers=['{"type":"regression_event"}'])
    assert firing.notifications(spec, _burst(0, 20, 1)) == []


def test_an_alert_without_detector_or_action_never_fires() -> None:
    assert firing.notifications(_every_event(detectors=[]), _burst(0, 20, 1)) == []
    assert firing.notifications(_every_event(actions=[]), _burst(0, 20, 1)) == []


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"other_triggers": ['{"type":"regression_event"}']}, "regression_event"),
        ({"filters": ['{"type":"tagged_event"}']}, "action filter conditions"),
        ({"detectors": ["error", "issue_stream"]}, "detectors other than the issue stream: error"),
        ({"trigger_logic": "sometimes"}, "trigger logic 'sometimes'"),
        ({"event_interval": "2m"}, "event interval '2m'"),
    ],
)
def test_what_the_evaluator_does_not_model_is_refused_by_name(
    changes: dict[str, Any], named: str
) -> None:
    with pytest.raises(firing.CannotEvaluate) as info:
        firing.notifications(_alert(**changes), [IssueEvent(0, "A", "production")])
    assert named in str(info.value) and "'spike'" in str(info.value)


def _live(spec: AlertSpec, extra_condition: dict[str, Any] | None = None) -> AlertSpec:
    """The spec Sentry's answer gives back for a workflow written from `spec`."""
    body = alert.to_api(spec, detector_id=7)
    if extra_condition:
        body["triggers"]["conditions"].append(extra_condition)
    return alert.from_api(body, ("org", "web"), {7: "issue_stream"})


def test_a_live_workflow_fires_as_its_declared_config() -> None:
    spec = _alert(on_new_issue=True)
    events = [IssueEvent(-2 * DAY, "B", "production"), *_burst(0, 11, 10)]
    assert firing.notifications(_live(spec), events) == firing.notifications(spec, events)
    assert len(firing.notifications(spec, events)) == 2


def test_a_condition_added_by_hand_to_the_live_workflow_cannot_be_evaluated() -> None:
    live = _live(
        _alert(), {"type": "regression_event", "comparison": True, "conditionResult": True}
    )
    with pytest.raises(firing.CannotEvaluate, match="regression_event"):
        firing.notifications(live, [IssueEvent(0, "A", "production")])


def test_the_event_log_refuses_events_out_of_time_order() -> None:
    log = firing.EventLog()
    log.record(IssueEvent(10, "A", "production"))
    with pytest.raises(ValueError, match="time order"):
        log.record(IssueEvent(5, "A", "production"))


def test_notifications_replays_events_given_in_any_order() -> None:
    events = _burst(0, 11, 10)
    assert _times(_alert(), list(reversed(events))) == [100]


# --- UptimeRobot: one check ----------------------------------------------------------------


def _monitor(**changes: Any) -> MonitorSpec:
    """The production monitor: HTTP, 2xx, redirects followed, SSL checked, 30 s timeout."""
    fields: dict[str, Any] = {
        "friendly_name": "site",
        "url": "https://monaluxe.app",
        "type": "HTTP",
        "interval": 300,
        "timeout": 30,
        "alert_contacts": [ContactSpec(value="ops@monaluxe.app")],
    }
    return MonitorSpec(**{**fields, **changes})


def _up(spec: MonitorSpec, **result: Any) -> bool:
    return checks.judge(spec, CheckResult(0, **result)).up


@pytest.mark.parametrize(
    ("codes", "status", "up"),
    [
        (["2xx"], 200, True),
        (["2xx"], 204, True),
        (["2xx"], 301, False),
        (["2xx"], 503, False),
        (["200"], 204, False),
        (["200", "404"], 404, True),
        (["2xx", "3xx"], 302, True),
    ],
)
def test_a_status_is_up_when_it_is_a_success_code_or_class(
    codes: list[str], status: int, up: bool
) -> None:
    # Not following redirects, so a 3xx is judged as it is.
    assert _up(_monitor(success_http_codes=codes, follow_redirections=False), status=status) is up


def test_a_redirect_is_judged_by_its_final_status_when_followed() -> None:
    assert _up(_monitor(), status=301, redirect_status=200)
    assert not _up(_monitor(), status=301, redirect_status=404)


def test_a_redirect_is_judged_as_itself_when_not_followed() -> None:
    assert not _up(_monitor(follow_redirections=False), status=301, redirect_status=200)
    spec = _monitor(follow_redirections=False, success_http_codes=["2xx", "3xx"])
    assert _up(spec, status=301, redirect_status=404)


def test_an_answer_slower_than_the_timeout_fails_one_within_it_passes() -> None:
    assert _up(_monitor(), status=200, response_seconds=30)
    verdict = checks.judge(_monitor(), CheckResult(0, 200, response_seconds=30.5))
    assert not verdict.up and verdict.reason == "timeout: no answer within 30 s"


def test_no_answer_at_all_fails() -> None:
    assert checks.judge(_monitor(), CheckResult(0)) == checks.Verdict(
        False, "no answer", "no-answer"
    )


@pytest.mark.parametrize(
    ("result", "failure", "status"),
    [
        (CheckResult(0, 503), "http", 503),
        (CheckResult(0, 301, redirect_status=404), "http", 404),
        (CheckResult(0, 200, response_seconds=31), "timeout", None),
        (CheckResult(0, 200, ssl_error=True), "ssl", None),
        (CheckResult(0), "no-answer", None),
    ],
)
def test_a_failure_says_its_kind_and_the_status_judged(
    result: CheckResult, failure: str, status: int | None
) -> None:
    # What the sandbox words its incidents from ("HTTP 404 - Not Found", the final status).
    verdict = checks.judge(_monitor(), result)
    assert (verdict.up, verdict.failure, verdict.http_status) == (False, failure, status)


def test_a_certificate_error_fails_only_when_ssl_errors_are_checked() -> None:
    assert not _up(_monitor(), status=200, ssl_error=True)
    assert _up(_monitor(check_ssl_errors=False), status=200, ssl_error=True)


# --- UptimeRobot: incidents and DOWN alerts ------------------------------------------------


def _alerts(
    spec: MonitorSpec, results: list[CheckResult], until: float | None = None
) -> list[float]:
    return [a.at for a in checks.run(spec, results, until).alerts]


def _series(*statuses: int | None, every: float = 5 * MINUTE) -> list[CheckResult]:
    return [CheckResult(i * every, status) for i, status in enumerate(statuses)]


def test_free_plan_one_down_alert_per_incident_however_long() -> None:
    assert _alerts(_monitor(), _series(503, 503, 502, None, 503)) == [0]


def test_recovery_then_a_new_failure_is_a_new_incident_and_alert() -> None:
    run = checks.run(_monitor(), _series(503, 200, 200, 503))
    assert [a.at for a in run.alerts] == [0, 15 * MINUTE]
    assert run.incidents == (
        checks.Incident(0, "HTTP 503", resolved_at=5 * MINUTE),
        checks.Incident(15 * MINUTE, "HTTP 503"),
    )


def test_step_opens_on_the_first_failure_and_closes_on_the_first_success() -> None:
    spec = _monitor()
    opened = checks.step(spec, None, CheckResult(60, 503)).opened
    assert opened == checks.Incident(60, "HTTP 503")
    assert checks.step(spec, opened, CheckResult(120, 502)) == checks.Step(
        checks.Verdict(False, "HTTP 502", "http", 502)
    )
    closed = checks.step(spec, opened, CheckResult(180, 200))
    assert closed.resolved == checks.Incident(60, "HTTP 503", resolved_at=180)
    assert checks.step(spec, None, CheckResult(240, 200)) == checks.Step(checks.Verdict(True))


def test_a_paused_monitor_never_alerts() -> None:
    assert checks.run(_monitor(paused=True), _series(503, 503)) == checks.MonitorRun((), ())


def test_threshold_delays_the_alert_and_a_recovery_before_it_cancels_it() -> None:
    spec = _monitor(alert_contacts=[ContactSpec(value="ops", threshold=10)])
    assert _alerts(spec, _series(503, 503, 503)) == [10 * MINUTE]
    # Recovered exactly when the delay ends: the alert is not sent.
    assert _alerts(spec, _series(503, 503, 200)) == []
    # Still down but the scenario ends before the delay: not sent yet.
    assert _alerts(spec, _series(503, 503)) == []


def test_recurrence_repeats_while_the_incident_is_open() -> None:
    spec = _monitor(alert_contacts=[ContactSpec(value="ops", recurrence=10)])
    results = [CheckResult(0, 503), CheckResult(35 * MINUTE, 200)]
    assert _alerts(spec, results) == [0, 10 * MINUTE, 20 * MINUTE, 30 * MINUTE]


def test_each_contact_has_its_own_threshold() -> None:
    contacts = [ContactSpec(value="a"), ContactSpec(value="b", threshold=5)]
    run = checks.run(_monitor(alert_contacts=contacts), _series(503, 503))
    assert [(a.at, a.contact) for a in run.alerts] == [(0, "a"), (5 * MINUTE, "b")]


def test_a_keyword_monitor_cannot_be_evaluated_from_status_codes() -> None:
    spec = _monitor(type="KEYWORD", keyword="Monaluxe")
    with pytest.raises(checks.CannotEvaluate, match="type KEYWORD"):
        checks.run(spec, _series(200))


def test_a_live_paused_monitor_reads_back_paused_and_never_alerts() -> None:
    body = monitor.to_api(_monitor(), {"ops@monaluxe.app": 1})
    live = monitor.from_api(
        {**body, "status": "PAUSED", "assignedAlertContacts": [{"alertContactId": 1}]},
        {1: "ops@monaluxe.app"},
    )
    assert live.paused and checks.run(live, _series(503)).alerts == ()
