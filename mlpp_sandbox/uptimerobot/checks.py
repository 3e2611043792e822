"""Check results reaching the emulated UptimeRobot (`POST /_sandbox/uptimerobot/checks`),
taken as UptimeRobot takes a scheduled check: a failing check puts the monitor DOWN with an
incident and sends its DOWN alerts, a passing check resolves the incident and puts it UP.

The rules are the provider's evaluator (`mlpp_monitoring.uptimerobot.checks`: `step` for
one check, `down_alerts` for who is told when), reading each stored monitor the way the
provider reads a live one (`monitor.from_api`, on the JSON the API answers with): the rules
are written once, each cited from UptimeRobot's documents, and `test-alerts` and the
sandbox apply the same ones. A second copy here could only drift from them. A monitor the
evaluator cannot model (not HTTP) is not checked, and the answer says why; a paused one is
not checked either, as UptimeRobot does not check it.

An incident's wording (docs/vendors/uptimerobot.md, "The sandbox's incidents"): for an
HTTP failure, `cause` is the status and `reason` "HTTP 503 - Service Unavailable", as
UptimeRobot reports them (the final status of a followed redirect); for the others the
reason says what failed and `cause` is `NO_HTTP_CAUSE`, a placeholder: UptimeRobot's own
numbers for them are documented nowhere found.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from mlpp_monitoring.uptimerobot import checks as rules
from mlpp_monitoring.uptimerobot.monitor import from_api

from ..bodies import Moment, read
from ..wire import iso_milli
from .objects import Incident, Monitor
from .state import UptimeRobotState
from .views import monitor_view

NO_HTTP_CAUSE = 333333
"""`cause` of an incident without an HTTP status (timeout, certificate, no answer): the
number the sandbox has always used for "Connection Timeout". No UptimeRobot source gives
it; tests assert on the reason, never on this number."""

REASONS = {"timeout": "Connection Timeout", "ssl": "SSL Error", "no-answer": "Connection Failed"}
"""The reason of a failure without an HTTP status. "Connection Timeout" is UptimeRobot's
wording as its alerts show it; the other two are the sandbox's words."""


HttpStatus = Annotated[int, Field(ge=100, le=599)]
SHAPE = (
    '{"checks": [{"monitorId"?, "at"?, "status"?, "redirectStatus"?, "responseSeconds"?, '
    '"sslError"?}]}'
)


class SentCheck(BaseModel):
    """One entry of `checks`: one scheduled check of a monitor (of every monitor without
    `monitorId`) as UptimeRobot concluded it, at `at` (default now)."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel)

    monitor_id: int | None = None
    at: Moment | None = None
    status: HttpStatus | None = None
    """The HTTP status answered; left out: no HTTP answer at all."""
    redirect_status: HttpStatus | None = None
    """For a redirect: the status at the end of the redirects."""
    response_seconds: float | None = Field(default=None, ge=0)
    ssl_error: bool = False


class SentChecks(BaseModel):
    """The body of `POST /_sandbox/uptimerobot/checks`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    checks: list[SentCheck] = Field(min_length=1)


def incident_wording(verdict: rules.Verdict) -> tuple[int, str, int | None]:
    """(cause, reason, rootCause.httpResponseCode) of the incident a failed check opens."""
    if verdict.failure == "http" and verdict.http_status is not None:
        code = verdict.http_status
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Unknown Status"
        return code, f"HTTP {code} - {phrase}", code
    return NO_HTTP_CAUSE, REASONS[verdict.failure or "no-answer"], None


def _open_incident(state: UptimeRobotState, monitor: Monitor) -> Incident | None:
    ongoing = [
        i for i in state.incidents.values() if i.monitor_id == monitor.id and i.resolved_at is None
    ]
    return max(ongoing, key=lambda i: i.started_at) if ongoing else None


def _take(
    state: UptimeRobotState, monitor: Monitor, sent: SentCheck, at: float, contacts: dict[int, str]
) -> dict[str, Any]:
    """One check of one monitor: the state it changes, and what it says of it."""
    answer: dict[str, Any] = {"monitorId": monitor.id, "at": iso_milli(at)}
    if monitor.status == "PAUSED":
        return {**answer, "checked": False, "why": "paused: UptimeRobot does not check it"}
    spec = from_api(monitor_view(state, monitor, shuffle=False), contacts)
    try:
        rules.check(spec)
    except rules.CannotEvaluate as error:
        return {**answer, "checked": False, "why": str(error)}
    result = rules.CheckResult(
        at, sent.status, sent.redirect_status, sent.response_seconds or 0.0, sent.ssl_error
    )
    stored = _open_incident(state, monitor)
    current = None if stored is None else rules.Incident(stored.started_at, stored.reason)
    previous = monitor.last_checked_at
    step = rules.step(spec, current, result)
    monitor.last_checked_at = at
    if sent.status is not None and sent.response_seconds is not None:
        monitor.response_time_ms = round(sent.response_seconds * 1000)
    incident = stored
    if step.opened is not None:
        cause, reason, http_code = incident_wording(step.verdict)
        incident = state.add_incident(
            monitor.id, started_at=at, reason=reason, cause=cause, http_response_code=http_code
        )
    elif step.resolved is not None and stored is not None:
        state.resolve_incident(stored.id, at=at)
    elif step.verdict.up and monitor.status != "UP":
        state.set_monitor_status(monitor.id, "UP", since=at)
    # DOWN alerts that fell due since the previous check (all of them, at the opening one).
    timed = step.opened or step.resolved or current
    alerts = [] if timed is None else rules.down_alerts(timed, spec, until=at)
    if step.opened is None and previous is not None:
        alerts = [a for a in alerts if a.at > previous]
    return {
        **answer,
        "checked": True,
        "up": step.verdict.up,
        "why": step.verdict.reason,
        "status": monitor.status,
        "incidentId": None if incident is None else incident.id,
        "opened": step.opened is not None,
        "resolved": step.resolved is not None,
        "downAlerts": [{"contact": a.contact, "at": iso_milli(a.at)} for a in alerts],
    }


def receive(state: UptimeRobotState, body: Any) -> dict[str, Any]:
    """Process a `POST /_sandbox/uptimerobot/checks` body; returns the answer.

    Raises ValueError (nothing changed) for a body that is not as documented, or a check
    older than the monitor's latest; the API's 404 for a monitor that does not exist.
    """
    sent = read(SentChecks, body, SHAPE)
    now = state.now()
    planned: list[tuple[float, int, Monitor, SentCheck]] = []
    for n, check in enumerate(sent.checks):
        at = now if check.at is None else check.at
        monitors = (
            [state.get_monitor(check.monitor_id)]
            if check.monitor_id is not None
            else list(state.monitors.values())
        )
        planned.extend((at, n, monitor, check) for monitor in monitors)
    planned.sort(key=lambda item: (item[0], item[1]))
    latest: dict[int, float] = {}
    for at, _, monitor, _ in planned:
        before = latest.get(monitor.id, monitor.last_checked_at)
        if before is not None and at <= before:
            raise ValueError(
                f"monitor {monitor.id} is checked once at a time: a check at {iso_milli(at)} "
                f"comes at or before its check at {iso_milli(before)}"
            )
        latest[monitor.id] = at
    contacts = {c.id: c.value for c in state.alert_contacts.values()}
    return {
        "checks": [_take(state, monitor, check, at, contacts) for at, _, monitor, check in planned]
    }
