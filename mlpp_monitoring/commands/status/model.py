"""The `status` report as typed data: what `mlpp-monitoring status --json` prints.

The JSON document is a public interface (scripts, the scheduled check, people piping it
into `jq`): its keys are fixed, documented in docs/STATUS.md, and any change that removes
or renames a key or changes a value's meaning bumps `SCHEMA_VERSION`. Adding a key does
not. Every key is always present; what is unknown is `null`, never omitted.

Times are UTC ISO-8601 to the second (`2026-05-01T10:36:00Z`); durations are seconds.
The last section turns the vendors' values into the report's (times, numbers, failures).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from mlpp_monitoring.http import AuthError, NotFound, Unavailable
from mlpp_monitoring.vendors import MissingCredential, SecretUnreadable

SCHEMA: Final = "mlpp-monitoring/status"
SCHEMA_VERSION: Final = 1

ProblemKind = Literal[
    "config",
    "missing_credentials",
    "credentials_unreadable",
    "credentials_rejected",
    "unavailable",
    "not_found",
    "api_error",
]
MonitorState = Literal[
    "up", "down", "looks_down", "paused", "not_checked_yet", "not_found", "unknown"
]
CauseKind = Literal["http", "timeout", "keyword", "ssl", "other"]
IssueTrend = Literal["new", "spiking", "regressed"]
FindingKind = Literal[
    "site_down",
    "site_looks_down",
    "blocking_error",
    "non_blocking_error",
    "not_watching",
    "alert_not_active",
    "contact_cannot_page",
    "check_failed",
]
Category = Literal["technical", "business"]
Severity = Literal["blocking", "unknown", "non_blocking"]
Verdict = Literal["ok", "attention", "problem", "unknown"]
ExitCode = Literal[0, 1, 2]
"""`exit_codes`' OK, PROBLEM and FAILED: the exit code `status` returns."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Problem(_Model):
    """Why something could not be checked; `message` is safe to print (no credential)."""

    kind: ProblemKind
    message: str


class IncidentView(_Model):
    """The current (ongoing) UptimeRobot incident of a monitor that is not up."""

    id: str
    started_at: str | None
    reason: str
    """UptimeRobot's own words, e.g. "Service Unavailable", "Connection Timeout"."""
    cause: CauseKind
    cause_code: int | None
    """UptimeRobot's numeric cause (an HTTP status, or its own codes such as 333333)."""
    http_code: int | None
    """The HTTP status the check received, when there was one."""


class ContactView(_Model):
    """An alert contact of a declared monitor: who a DOWN pages, and whether it can."""

    value: str
    """The contact's address (or `id:N` when the account no longer has it)."""
    status: str | None
    """UptimeRobot's word: Active, Paused, NotActivated (address never confirmed), ..."""
    notifies_on: str | None
    """UptimeRobot's word: UpAndDown, Down, Up, None."""
    can_page: bool | None
    """False when a DOWN reaches nobody through it; null when it could not be read."""


class MonitorView(_Model):
    """One declared UptimeRobot monitor, as the account shows it now."""

    key: str
    """The monitor's key in the stack config (`mlpp-monitoring:uptimerobot.monitors.<key>`)."""
    name: str
    url: str
    owner: str
    id: str | None
    state: MonitorState
    vendor_status: str | None
    """UptimeRobot's status word (UP, DOWN, LOOKS_DOWN, PAUSED, STARTED)."""
    since: str | None
    for_seconds: int | None
    """How long the monitor has been in this state (UptimeRobot's currentStateDuration)."""
    uptime_24h: float | None
    """Percent, over the last 24 hours."""
    response_time_ms: float | None
    """Average over the last 24 hours."""
    incident: IncidentView | None
    alert_contacts: list[ContactView]
    """Who a DOWN pages (the monitor's assigned alert contacts), with their state."""
    note: str | None


class Availability(_Model):
    """Level 0: the declared UptimeRobot monitors."""

    checked: bool
    """False when the account could not be read: every state is then `unknown`."""
    problem: Problem | None
    monitors: list[MonitorView]


class IssueView(_Model):
    """An unresolved Sentry issue that is new, spiking or regressed in the window."""

    id: str
    short_id: str | None
    title: str
    culprit: str | None
    level: str | None
    trend: IssueTrend
    count: int
    users: int
    first_seen: str | None
    last_seen: str | None
    release: str | None
    """Not in Sentry's issue list: always null for now (see docs/STATUS.md)."""
    browser: str | None
    """Not in Sentry's issue list: always null for now (see docs/STATUS.md)."""
    blocking: bool
    flows: list[str]
    """Keys of the critical flows (procedures.CRITICAL_FLOWS) the culprit matches."""
    permalink: str | None
    owner: str | None


class AlertView(_Model):
    """One declared Sentry alert (workflow) and when it last fired."""

    key: str
    name: str
    owner: str
    environment: str
    id: str | None
    found: bool
    enabled: bool | None
    last_triggered: str | None


class FrontErrors(_Model):
    """Level 1: Sentry issues of the declared project, in the declared alerts' environments."""

    checked: bool
    problem: Problem | None
    organization: str
    project: str
    environments: list[str]
    window: str
    latest_release: str | None
    """The project's latest release (from the project), a hint for the issues' release."""
    issues: list[IssueView]
    other_active_issues: int
    """Unresolved issues seen in the window that are neither new, spiking nor regressed."""
    truncated: bool
    """More issues matched than the one page read (100, most frequent first)."""
    alerts: list[AlertView]
    last_fired: str | None
    """Key of the declared alert that fired most recently (null: none ever fired)."""


class StepView(_Model):
    """One step of a runbook procedure (French, from procedures.py)."""

    text: str
    details: list[str]


class ProcedureView(_Model):
    """The runbook procedure the owner follows."""

    key: str
    title: str
    steps: list[StepView]


class Finding(_Model):
    """Something the person on call must know, classified with the runbook's rules."""

    kind: FindingKind
    category: Category
    severity: Severity
    level: int
    """The monitoring level it comes from: 0 availability, 1 front-end errors."""
    subject: str
    detail: str
    since: str | None
    owner: str | None
    procedure: ProcedureView | None


class NotMonitored(_Model):
    """A planned level nobody watches yet: stated, so that silence is never read as fine."""

    level: int
    name: str
    category: Category
    status: Literal["not_monitored"]
    watches: list[str]


class ApiCalls(_Model):
    """Requests this run sent (retries inside one call not counted), and the bounds."""

    uptimerobot: int
    sentry: int
    total: int
    uptimerobot_max: int
    sentry_max: int


class StatusReport(_Model):
    """The whole two-minute answer."""

    format: Literal["mlpp-monitoring/status"]
    version: Literal[1]
    stack: str
    checked_at: str
    verdict: Verdict
    exit_code: ExitCode
    headline: str
    problem: Problem | None
    """A failure before any API could be asked (stack file, config)."""
    availability: Availability
    front_errors: FrontErrors
    findings: list[Finding]
    not_monitored: list[NotMonitored]
    api_calls: ApiCalls
    elapsed_seconds: float


# -- the report's values from the vendors' ---------------------------------------------------


def iso(timestamp: float) -> str:
    """UTC ISO-8601 to the second, the report's one time format."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object) -> float | None:
    """A vendor timestamp (ISO-8601, `Z` or offset, any fraction) as epoch seconds."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def iso_of(value: object) -> str | None:
    """A vendor timestamp in the report's time format (None when absent or unreadable)."""
    moment = parse_time(value)
    return None if moment is None else iso(moment)


def as_int(value: object) -> int | None:
    """A vendor number that must be whole (an int, 3.0, "3"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def as_number(value: object) -> float | None:
    """A vendor number (never a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def problem_of(error: Exception) -> Problem:
    """A vendor failure as the report states it."""
    if isinstance(error, MissingCredential):
        return Problem(kind="missing_credentials", message=str(error))
    if isinstance(error, SecretUnreadable):
        return Problem(kind="credentials_unreadable", message=str(error))
    if isinstance(error, AuthError):
        return Problem(kind="credentials_rejected", message=str(error))
    if isinstance(error, NotFound):
        return Problem(kind="not_found", message=str(error))
    if isinstance(error, Unavailable):
        return Problem(kind="unavailable", message=str(error))
    return Problem(kind="api_error", message=str(error))
