"""When an UptimeRobot monitor alerts: check results -> incidents and DOWN alerts.

The evaluator works on `MonitorSpec`, the one normalized form of a monitor: the stack
config (`MonitorSpec.from_config`) and a live monitor (`monitor.from_api`) both produce it,
so the same rules answer "what does the declared monitor do" (`test-alerts`) and "what
would the live monitor do" (the sandbox).

One `CheckResult` is the outcome of one scheduled check *as UptimeRobot concludes it*:
UptimeRobot asks three checker nodes and reports an incident only if all three fail
(help center, "Understanding UptimeRobot locations and multi-location",
https://help.uptimerobot.com/en/articles/11358522), after retrying connection errors and
0-3 times application errors (spec `HttpKeywordMonitorConfigDto.applicationErrorRetries`,
specs/uptimerobot-openapi-v3.yaml lines 4700-4707). Those steps are not replayed here.

Each rule names its source: the spec (specs/uptimerobot-openapi-v3.yaml, by line), the
help center (by URL), UptimeRobot's Terraform provider (uptimerobot/
terraform-provider-uptimerobot @ b41c1c3, by file and line). docs/vendors/uptimerobot.md
("When a monitor alerts") lists them with what is not modelled.

Times are seconds from an arbitrary t0. Everything here is pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from mlpp_monitoring.uptimerobot.monitor import MonitorSpec

REDIRECTS = frozenset({301, 302, 303, 307, 308})
"""Statuses that send the client to another URL (RFC 9110 section 15.4), the only ones a
monitor following redirections can follow."""


class CannotEvaluate(ValueError):
    """The monitor is of a kind this evaluator does not model: its outcome is reported as
    unknown, never guessed."""


@dataclass(frozen=True)
class CheckResult:
    """One scheduled check of the monitored URL, as UptimeRobot concluded it."""

    at: float
    status: int | None = None
    """The HTTP status answered to the monitored URL; None: no HTTP answer at all
    (refused connection, DNS failure, nothing before the timeout)."""
    redirect_status: int | None = None
    """For a redirect: the status at the end of the redirects."""
    response_seconds: float = 0.0
    """How long the answer took."""
    ssl_error: bool = False
    """The certificate is invalid (expired, wrong host, broken chain)."""


Failure = Literal["http", "timeout", "ssl", "no-answer"]
"""Why a check failed: a status outside the success codes, no answer within the timeout, a
certificate error, no HTTP answer at all."""


@dataclass(frozen=True)
class Verdict:
    """Whether one check found the monitor up, and why not."""

    up: bool
    reason: str = ""
    failure: Failure | None = None
    http_status: int | None = None
    """For an `http` failure, the status judged (the final one of a followed redirect)."""


@dataclass(frozen=True)
class Incident:
    """A period the monitor was down: from the failing check that opened it to the passing
    check that closed it (None while still open)."""

    started_at: float
    reason: str
    resolved_at: float | None = None


@dataclass(frozen=True)
class DownAlert:
    """A DOWN notification to one alert contact."""

    at: float
    contact: str
    incident: Incident


@dataclass(frozen=True)
class MonitorRun:
    """What a monitor did over a series of checks."""

    incidents: tuple[Incident, ...]
    alerts: tuple[DownAlert, ...]


def check(spec: MonitorSpec) -> None:
    """Raise CannotEvaluate when the monitor is not an HTTP(s) monitor.

    A KEYWORD monitor is judged on the page's text, which check results do not carry; the
    other types (ping, port, heartbeat...) on no HTTP answer at all.
    """
    if spec.type != "HTTP":
        raise CannotEvaluate(
            f"monitor {spec.friendly_name!r} is of type {spec.type}: only HTTP monitors are "
            "evaluated (a check result carries no page text, ping or port answer)"
        )


def is_success(spec: MonitorSpec, status: int) -> bool:
    """Whether `status` is one of the monitor's success codes, given as codes ("200") or
    classes ("2xx").

    Spec `CreateHttpMonitorDto.successHttpResponseCodes` (lines 4845-4852: "specific codes
    or ranges like 2xx"); help center "Up HTTP Status Codes", the codes considered up
    (https://help.uptimerobot.com/en/articles/11360863).
    """
    for code in spec.success_http_codes:
        if code.lower().endswith("xx") and code[:1].isdigit():
            if status // 100 == int(code[0]):
                return True
        elif code.isdigit() and int(code) == status:
            return True
    return False


def judge(spec: MonitorSpec, result: CheckResult) -> Verdict:
    """Whether one check finds the monitor up.

    - a certificate error fails the check when `check_ssl_errors` is on: "when an SSL error
      is detected, the monitor switches to DOWN" (help center, "SSL certificate expiration &
      errors", https://help.uptimerobot.com/en/articles/11358746; spec `checkSSLErrors`,
      lines 4855-4857); with it off the answer is judged as if the certificate were fine;
    - no answer, or none within `timeout` seconds, fails it: the timeout is the longest
      UptimeRobot waits before it considers the server unresponsive (help center
      11360863; spec `timeout`, lines 4879-4884). An answer in exactly `timeout` seconds
      came within the wait;
    - a redirect is followed when `follow_redirections` is on and the final status is
      judged; with it off UptimeRobot "returns these redirection codes instead of following
      them" (help center 11360863; spec `followRedirections`, lines 4866-4868), so the 3xx
      itself is judged (as is a redirect whose final status the result does not give);
    - the status judged must be one of the success codes (`is_success`).
    """
    if result.ssl_error and spec.check_ssl_errors:
        return Verdict(False, "SSL certificate error", "ssl")
    if result.response_seconds > spec.timeout:
        return Verdict(False, f"timeout: no answer within {spec.timeout} s", "timeout")
    if result.status is None:
        return Verdict(False, "no answer", "no-answer")
    status = result.status
    if (
        spec.follow_redirections
        and result.status in REDIRECTS
        and result.redirect_status is not None
    ):
        status = result.redirect_status
    if is_success(spec, status):
        return Verdict(True)
    after = f" after a {result.status} redirect" if status != result.status else ""
    return Verdict(False, f"HTTP {status}{after}", "http", status)


@dataclass(frozen=True)
class Step:
    """What one check does to a monitor: its verdict, and the incident it opened or closed."""

    verdict: Verdict
    opened: Incident | None = None
    resolved: Incident | None = None
    """The incident the check closed, with its `resolved_at`."""


def step(spec: MonitorSpec, current: Incident | None, result: CheckResult) -> Step:
    """One check of a monitor whose open incident is `current` (None: it is up).

    A failing check opens an incident unless one is open; a passing check closes it. One
    check suffices either way: UptimeRobot's own confirmation (three nodes, retries) is
    inside one check result (module docstring). The caller skips paused monitors
    (`incidents`).
    """
    verdict = judge(spec, result)
    if current is None and not verdict.up:
        return Step(verdict, opened=Incident(result.at, verdict.reason))
    if current is not None and verdict.up:
        return Step(verdict, resolved=replace(current, resolved_at=result.at))
    return Step(verdict)


def incidents(spec: MonitorSpec, results: Iterable[CheckResult]) -> tuple[Incident, ...]:
    """The monitor's incidents over these checks (in any order; one per time), each check
    taken by `step`.

    A paused monitor is not checked at all: pausing means "the monitor will stop being
    checked until it is resumed" (spec `paths./monitors/{id}/pause`, line 1084).
    """
    check(spec)
    if spec.paused:
        return ()
    found: list[Incident] = []
    current: Incident | None = None
    for result in sorted(results, key=lambda r: r.at):
        taken = step(spec, current, result)
        if taken.opened is not None:
            current = taken.opened
        elif taken.resolved is not None:
            found.append(taken.resolved)
            current = None
    if current is not None:
        found.append(current)
    return tuple(found)


def down_alerts(incident: Incident, spec: MonitorSpec, until: float) -> list[DownAlert]:
    """The DOWN alerts one incident sends to each contact, up to `until`.

    Each assigned contact has a `threshold`, the "delay of notification in minutes, after
    the monitor is down", and a `recurrence`, "repeat notifications every X minutes" (spec
    `AlertContactSettings`, lines 4666 and 4670), while the incident remains open
    (Terraform provider `internal/provider/monitor/monitor_schema.go` lines 372-418:
    threshold 0 notifies at once, recurrence 0 never repeats). Both are always 0 on the
    free plan (spec lines 4721-4725): one DOWN alert per incident, when it opens. An alert
    falls due at its time whether or not a check runs then; one due when the incident has
    already closed is not sent.
    """
    closed = incident.resolved_at

    def due(at: float) -> bool:
        return at <= until and (closed is None or at < closed)

    sent: list[DownAlert] = []
    for contact in spec.alert_contacts:
        at = incident.started_at + 60 * contact.threshold
        while due(at):
            sent.append(DownAlert(at, contact.value, incident))
            if contact.recurrence <= 0:
                break
            at += 60 * contact.recurrence
    return sent


def run(
    spec: MonitorSpec, results: Iterable[CheckResult], until: float | None = None
) -> MonitorRun:
    """Incidents and DOWN alerts of a monitor over these checks, up to `until` (default: the
    last check), in time order.

    Raises CannotEvaluate for a monitor type the evaluator does not model.
    """
    results = list(results)
    found = incidents(spec, results)
    horizon = until if until is not None else max((r.at for r in results), default=0.0)
    alerts = [a for incident in found for a in down_alerts(incident, spec, horizon)]
    return MonitorRun(found, tuple(sorted(alerts, key=lambda a: (a.at, a.contact))))
