"""Events reaching the emulated Sentry (`POST /_sandbox/sentry/events`), processed as Sentry
processes them: each event creates or updates its issue, then every workflow of the
project is evaluated on it, and a workflow that notifies gets its `lastTriggered`.

The firing rules are the provider's evaluator (`mlpp_monitoring.sentry.firing`), reading
each stored workflow the way the provider reads a live one (`alert.from_api`, on the JSON
the API answers with): the rules are written once, each cited from Sentry's source, and
`test-alerts` and the sandbox apply the same ones. A second copy here could only drift from
them. A workflow holding what the evaluator does not model (a condition added by hand)
does not fire, and the answer says why.

- `lastTriggered` is the workflow's latest notification (Sentry's serializer reads it from
  fire history, which only notifications write: docs/vendors/sentry.md, "When an alert
  fires"), not its latest trigger: a trigger inside the action interval leaves it alone.
- An event in an environment the organisation has not seen creates it, as Sentry does.
- An event of a resolved issue makes it unresolved again, `regressed`.

The evaluator decides at every event; Sentry evaluates "more than N events" in batches a
few seconds later (docs/vendors/sentry.md): a notification's time can differ by seconds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mlpp_monitoring.sentry import alert, firing
from mlpp_monitoring.sentry.firing import AlertMemory, EventLog, IssueEvent

from ..bodies import Moment, read
from ..wire import iso_micro
from .objects import Issue, Project, Workflow
from .state import SentryState
from .views import issue_view, workflow_view

MAX_EVENTS = 10_000
"""Events one request may stand for: enough for any burst, small enough to answer at once."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
SHAPE = (
    '{"events": [{"issue": NAME, "environment": ENV, "at"?, "count"?, "over"?, "title"?, '
    '"culprit"?, "level"?}], "project"?}'
)


class SentEvent(BaseModel):
    """One entry of `events`: an event of an issue, or `count` of them spread over `over`
    seconds from `at` (epoch seconds or ISO-8601; default now)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issue: Name
    """The issue's name: events with the same name are one issue (its fingerprint)."""
    environment: Name
    at: Moment | None = None
    count: int = Field(default=1, ge=1, le=MAX_EVENTS)
    over: float = Field(default=0.0, ge=0)
    title: Name | None = None
    """The issue's title when the event creates it (default: its name)."""
    culprit: str = ""
    level: str = "error"

    def times(self, now: float) -> list[float]:
        """When each of the `count` events happens."""
        start = now if self.at is None else self.at
        return [start + i * self.over / self.count for i in range(self.count)]


class SentEvents(BaseModel):
    """The body of `POST /_sandbox/sentry/events`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    events: list[SentEvent] = Field(min_length=1)
    project: Name | None = None
    """A project slug (default: the sandbox's project)."""


def _issue_for(state: SentryState, project: Project, event: SentEvent, at: float) -> Issue:
    """The issue the event belongs to, created by its first event or updated."""
    state.add_environment(event.environment)
    for issue in state.issues.values():
        if issue.project_id == project.id and issue.fingerprint == event.issue:
            regressed = issue.status == "resolved"
            environments = issue.environments
            if event.environment not in environments:
                environments = (*environments, event.environment)
            updated = replace(
                issue,
                count=issue.count + 1,
                last_seen=max(issue.last_seen, at),
                environments=environments,
                status="unresolved" if regressed else issue.status,
                substatus="regressed" if regressed else issue.substatus,
            )
            state.issues[issue.id] = updated
            return updated
    created = state.add_issue(
        event.title or event.issue,
        project=project.slug,
        environment=event.environment,
        level=event.level,
        first_seen=at,
        culprit=event.culprit,
    )
    created.fingerprint = event.issue
    return created


def _readable(
    state: SentryState, project: Project
) -> tuple[list[tuple[Workflow, alert.AlertSpec]], list[dict[str, str]]]:
    """The project's live workflows as the evaluator reads them, and those it cannot."""
    detectors = {d.id: d.type for d in state.detectors.values() if d.project_id == project.id}
    scope = (state.organization.slug, project.slug)
    evaluable: list[tuple[Workflow, alert.AlertSpec]] = []
    refused: list[dict[str, str]] = []
    for workflow in state.workflows.values():
        if workflow.status != "active" or not set(workflow.detector_ids) & set(detectors):
            continue
        spec = alert.from_api(workflow_view(state, workflow, shuffle=False), scope, detectors)
        try:
            firing.check(spec)
        except firing.CannotEvaluate as error:
            refused.append({"workflowId": str(workflow.id), "reason": str(error)})
            continue
        evaluable.append((workflow, spec))
    return evaluable, refused


def receive(state: SentryState, body: Any) -> dict[str, Any]:
    """Process a `POST /_sandbox/sentry/events` body; returns the answer.

    Raises ValueError (nothing changed) for a body that is not as documented, or events
    older than the latest the project received (Sentry processes events as they come).
    """
    sent = read(SentEvents, body, SHAPE)
    project = state.project(sent.project) if sent.project else state.default_project()
    now = state.now()
    timeline = sorted(
        ((at, n, event) for n, event in enumerate(sent.events) for at in event.times(now)),
        key=lambda item: (item[0], item[1]),
    )
    log = state.event_logs.setdefault(project.id, EventLog())
    if log.latest is not None and timeline[0][0] < log.latest:
        raise ValueError(
            f"events must not be older than the latest one {project.slug} received "
            f"({iso_micro(log.latest)}); the first one is at {iso_micro(timeline[0][0])}"
        )
    evaluable, refused = _readable(state, project)
    notifications: list[dict[str, Any]] = []
    touched: dict[int, None] = {}  # the issues the events went to, in order
    for at, _, event in timeline:
        issue = _issue_for(state, project, event, at)
        touched[issue.id] = None
        facts = log.record(IssueEvent(at, str(issue.id), event.environment))
        for workflow, spec in evaluable:
            memory = state.alert_memory.setdefault(workflow.id, AlertMemory())
            fired = firing.fire(spec, log, facts, memory)
            if fired is None:
                continue
            workflow.last_triggered = fired.at
            notifications.append(
                {
                    "workflowId": str(workflow.id),
                    "workflow": workflow.name,
                    "issueId": str(issue.id),
                    "issue": event.issue,
                    "at": iso_micro(fired.at),
                    "conditions": list(fired.conditions),
                }
            )
    return {
        "received": len(timeline),
        "issues": [issue_view(state, state.issues[id_], org_shape=False) for id_ in touched],
        "notifications": notifications,
        "notEvaluated": refused,
    }
