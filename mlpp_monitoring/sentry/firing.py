"""When a Sentry alert notifies: the workflow engine's rules, replayed on a timeline of events.

The evaluator works on `AlertSpec`, the one normalized form of an alert: the stack config
(`AlertSpec.from_config`) and a live workflow (`alert.from_api`) both produce it, so the
same rules answer "what does the declared alert do" (`test-alerts`) and "what would the
live workflow do" (the sandbox).

Each rule below names where Sentry implements it (getsentry/sentry, paths under
`src/sentry/`), with a commit where the text was read at one, or the pull request that
made it; docs/vendors/sentry.md ("When an alert fires") lists them with what is not
modelled. In short, for each event of an issue, in the order Sentry processes them:

1. the workflow must be enabled, attached to the issue stream, and its environment must be
   the event's (or none);
2. its WHEN group (`trigger_logic` over "a new issue" and "more than N events in I") must
   hold, with "new" meaning the issue's first event *in the workflow's environment*;
3. its actions fire for that issue only if strictly more than `frequency_minutes` have
   passed since they last fired for it: a suppressed trigger does not restart the wait.

Times are seconds from an arbitrary t0. Everything here is pure and deterministic: the
same spec and events give the same notifications.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

from mlpp_monitoring.sentry.alert import EVENT_COUNT, ISSUE_STREAM, NEW_ISSUE, AlertSpec

INTERVAL_SECONDS = {
    "1m": 60,
    "5m": 5 * 60,
    "15m": 15 * 60,
    "1h": 60 * 60,
    "1d": 24 * 60 * 60,
    "1w": 7 * 24 * 60 * 60,
    "30d": 30 * 24 * 60 * 60,
}
"""Sentry's STANDARD_INTERVALS for event-frequency conditions, in seconds
(`rules/conditions/event_frequency.py`, the only values the condition's schema accepts:
`workflow_engine/handlers/condition/event_frequency_handlers.py` @ 0c7f660)."""

TRIGGER_LOGICS = ("any", "any-short", "all", "none")
"""`DataConditionGroup.Type` (`workflow_engine/models/data_condition_group.py`)."""


class CannotEvaluate(ValueError):
    """The alert holds something this evaluator does not model (a condition or filter added
    by hand, another detector...): its outcome is reported as unknown, never guessed."""


@dataclass(frozen=True)
class IssueEvent:
    """One event Sentry received: when, for which issue (any stable name), in which
    environment (None: the event carried none, Sentry's empty-named environment)."""

    at: float
    issue: str
    environment: str | None


@dataclass(frozen=True)
class EventFacts:
    """What Sentry knows about an event once it is stored (its `group_state`)."""

    event: IssueEvent
    is_new: bool
    """The event created the issue (`GroupState.is_new`)."""
    is_new_group_environment: bool
    """The issue's first event in the event's environment (`is_new_group_environment`)."""


@dataclass(frozen=True)
class Notification:
    """An alert's actions fired for an issue."""

    at: float
    issue: str
    conditions: tuple[str, ...]
    """The WHEN conditions that held (empty for a group with none, or logic `none`)."""


class EventLog:
    """The project's events so far, in the order Sentry processed them.

    One log serves every alert of the project: the issue's history does not depend on
    which workflow looks at it.
    """

    def __init__(self) -> None:
        self._times: dict[tuple[str, str | None], list[float]] = {}
        self._issue_times: dict[str, list[float]] = {}
        self._last: float | None = None

    def record(self, event: IssueEvent) -> EventFacts:
        """Store an event (times must not go backwards) and say whether it is new.

        The flags are those of `event_manager._get_or_create_group_environment`:
        `is_new_group_environment` is the "created" flag of
        `GroupEnvironment.get_or_create(group, environment)`, so it is true exactly once per
        (issue, environment) (getsentry/sentry PR #6933 added the model, PR #7016 the flag).
        """
        if self._last is not None and event.at < self._last:
            raise ValueError(
                f"events must be recorded in time order: {event.at} comes after {self._last}"
            )
        self._last = event.at
        in_issue = self._issue_times.setdefault(event.issue, [])
        in_environment = self._times.setdefault((event.issue, event.environment), [])
        facts = EventFacts(event, not in_issue, not in_environment)
        in_issue.append(event.at)
        in_environment.append(event.at)
        return facts

    @property
    def latest(self) -> float | None:
        """The time of the latest event recorded (None: none yet); the next one must not be
        earlier."""
        return self._last

    def count(self, issue: str, environment: str | None, since: float) -> int:
        """Events of `issue` recorded so far with time after `since`; `environment` None
        counts every environment."""
        times = (
            self._issue_times.get(issue, [])
            if environment is None
            else self._times.get((issue, environment), [])
        )
        return len(times) - bisect.bisect_right(times, since)


@dataclass
class AlertMemory:
    """One alert's state: when its actions last fired, per issue."""

    last_fired: dict[str, float] = field(default_factory=dict)


def unmodelled(spec: AlertSpec) -> list[str]:
    """Why the evaluator cannot say what `spec` does (empty when it can)."""
    reasons: list[str] = []
    if spec.other_triggers:
        reasons.append(
            "trigger conditions this evaluator does not model: " + ", ".join(spec.other_triggers)
        )
    if spec.filters:
        reasons.append("action filter conditions: " + ", ".join(spec.filters))
    if spec.trigger_logic not in TRIGGER_LOGICS:
        reasons.append(f"trigger logic {spec.trigger_logic!r}")
    if spec.event_threshold is not None and spec.event_interval not in INTERVAL_SECONDS:
        reasons.append(f"event interval {spec.event_interval!r}")
    others = [d for d in spec.detectors if d != ISSUE_STREAM]
    if others:
        reasons.append("attached to detectors other than the issue stream: " + ", ".join(others))
    return reasons


def listens(spec: AlertSpec) -> bool:
    """Whether any event reaches the workflow at all.

    Sentry evaluates only enabled workflows attached to the event's detectors
    (`workflow_engine/processors/workflow.py`, `process_workflows` @ 012aa60; the model's own
    comment: a workflow that is not enabled "will not be evaluated / invoke actions",
    `workflow_engine/models/workflow.py`). A workflow attached to no detector gets no event
    (docs/vendors/sentry.md, PR #96245). One without actions notifies nobody: fire
    history and the interval's status exist per action (`processors/action.py`).
    """
    return spec.enabled and ISSUE_STREAM in spec.detectors and bool(spec.actions)


def check(spec: AlertSpec) -> None:
    """Raise CannotEvaluate naming what `spec` holds that the evaluator does not model.

    An alert that never listens (disabled, attached to no detector) can always be
    evaluated: nothing it holds can make it fire.
    """
    reasons = unmodelled(spec) if listens(spec) else []
    if reasons:
        raise CannotEvaluate(f"alert {spec.name!r}: " + "; ".join(reasons))


def sees(spec: AlertSpec, event: IssueEvent) -> bool:
    """Whether the workflow evaluates this event at all: its environment is none (every
    environment) or the event's.

    Workflows are selected with `environment IS NULL OR environment = <event's>`
    (`workflow_engine/processors/workflow.py`, `process_workflows` @ 012aa60; getsentry/sentry
    PR #87418, which mirrors the legacy rule processor).
    """
    return spec.environment is None or spec.environment == event.environment


def first_seen(spec: AlertSpec, facts: EventFacts) -> bool:
    """`first_seen_event`: the issue's first event in the workflow's environment, or its
    very first event for a workflow without one.

    `workflow_engine/handlers/condition/first_seen_event_handler.py` @ 2c28d43, lines 8-17
    (`is_new_event`: `is_new_group_environment` when the workflow has an environment, else
    `is_new`); getsentry/sentry PR #82822. The comparison value is ignored.
    """
    return facts.is_new if spec.environment is None else facts.is_new_group_environment


def over_threshold(spec: AlertSpec, log: EventLog, facts: EventFacts) -> bool:
    """`event_frequency_count`: the issue's events in the workflow's environment during the
    trailing interval, the current one included, are strictly more than the value.

    - strictly more: `EventFrequencyCountHandler.evaluate_value` returns
      `value[0] > comparison["value"]`
      (`workflow_engine/handlers/condition/event_frequency_handlers.py` @ 0c7f660, line 37);
    - the window is (t - interval, t] with t the event's processing time
      (`event_frequency_base_handler.py` @ 10213d5, `get_query_window`: start = end -
      interval; `processors/delayed_workflow.py` queries at the latest buffered event's
      timestamp);
    - counted in the workflow's environment only (`delayed_workflow.generate_unique_queries`
      passes the workflow's environment to the query); every environment without one;
    - the current event is counted: it is stored before post-processing evaluates it
      (post-processing follows Snuba's commit log, `eventstream/kafka/backend.py`).
    """
    if spec.event_threshold is None or spec.event_interval is None:
        return False
    window = INTERVAL_SECONDS[spec.event_interval]
    events = log.count(facts.event.issue, spec.environment, facts.event.at - window)
    return events > spec.event_threshold


def triggered(spec: AlertSpec, log: EventLog, facts: EventFacts) -> tuple[str, ...] | None:
    """The WHEN group's result: None when it does not hold, else the conditions that held.

    `workflow_engine/processors/data_condition_group.py` @ 301ff69
    (`evaluate_condition_group`): a group with no condition holds; `any-short` stops at the
    first condition that holds, `any` needs one, `all` every one, `none` no one. The fast
    `first_seen_event` is evaluated before the slow `event_frequency_count`
    (`split_conditions_by_speed`), so under `any-short` a new issue fires through it alone.
    """
    results: list[tuple[str, bool]] = []
    if spec.on_new_issue:
        results.append((NEW_ISSUE, first_seen(spec, facts)))
    if spec.event_threshold is not None:
        results.append((EVENT_COUNT, over_threshold(spec, log, facts)))
    if not results:
        return ()
    held = tuple(name for name, value in results if value)
    logic = spec.trigger_logic
    if logic == "any-short":
        return held[:1] or None
    if logic == "any":
        return held or None
    if logic == "all":
        return held if len(held) == len(results) else None
    return None if held else ()  # "none"


def frequency_seconds(spec: AlertSpec) -> int:
    """The action interval in seconds. A workflow whose config has no frequency (read back
    as -1) fires every time: the workflow engine reads `config.get("frequency", 0)`
    (`workflow_engine/processors/action.py`, `process_workflow_action_group_statuses`)."""
    return max(spec.frequency_minutes, 0) * 60


def interval_allows(spec: AlertSpec, memory: AlertMemory, issue: str, at: float) -> bool:
    """Whether the actions may fire for `issue` at `at`: never fired for it, or strictly
    more than the frequency since they last fired.

    `workflow_engine/processors/action.py`, `process_workflow_action_group_statuses`:
    `now - status.date_updated > frequency`, with `date_updated` moved only for statuses
    that fire; one status per (workflow, action, issue) (`WorkflowActionGroupStatus`,
    getsentry/sentry PR #91993; `>` kept "consistent with the previous implementation",
    PR #92588). All actions of one workflow fire together, so one time per issue suffices.
    Frequency 0 therefore fires on every trigger.
    """
    last = memory.last_fired.get(issue)
    return last is None or at - last > frequency_seconds(spec)


def fire(
    spec: AlertSpec, log: EventLog, facts: EventFacts, memory: AlertMemory
) -> Notification | None:
    """Evaluate one stored event for one alert, updating its memory when it notifies.

    Raises CannotEvaluate when the alert holds what the evaluator does not model.
    """
    check(spec)
    if not listens(spec) or not sees(spec, facts.event):
        return None
    held = triggered(spec, log, facts)
    if held is None or not interval_allows(spec, memory, facts.event.issue, facts.event.at):
        return None
    memory.last_fired[facts.event.issue] = facts.event.at
    return Notification(facts.event.at, facts.event.issue, held)


def in_time_order(events: Iterable[IssueEvent]) -> list[IssueEvent]:
    """Events in the order Sentry processes them: by time, ties in the given order."""
    return sorted(events, key=lambda e: e.at)


def notifications(spec: AlertSpec, events: Iterable[IssueEvent]) -> list[Notification]:
    """Every notification `spec` sends for these events (in any order; ties at the same
    time are processed in the given order).

    Raises CannotEvaluate when the alert holds what the evaluator does not model.
    """
    check(spec)
    log, memory = EventLog(), AlertMemory()
    fired: list[Notification] = []
    for event in in_time_order(events):
        notification = fire(spec, log, log.record(event), memory)
        if notification is not None:
            fired.append(notification)
    return fired
