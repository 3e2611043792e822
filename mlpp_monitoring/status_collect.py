"""Read both vendors' APIs once and build the `status` report, with a fixed call budget.

Calls per run (each one request; urllib3 retries inside a call are not extra calls):

- UptimeRobot: 1 list of the account's monitors (one page of 200: a free account holds
  50), 1 list of the account's alert contacts when a declared monitor was found (who a
  DOWN pages, and whether it can), then per declared monitor found: 2 (24 h uptime, 24 h
  response time), plus for a monitor that is down: 1 (`GET /incidents/{lastIncidentId}`,
  which has the HTTP code), or 2 when the monitor names no ongoing incident
  (`GET /incidents?monitor_id=` first). At most 2 + 4 x declared monitors.
- Sentry: 3: the project (its id and latest release), one page of issues (100, most
  frequent first), one page of the project's workflows (100).

Both vendors are read in parallel. The HTTP policy is the project's, with short timeouts
and a short budget (the person on call needs an answer, not a five-minute retry) and no
pacing: the free plan's 10 requests per minute cover one run; a 429 is still retried
within the budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from mlpp_monitoring.config import (
    AlertConfig,
    ConfigError,
    MonitorConfig,
    MonitoringConfig,
    SentryConfig,
)
from mlpp_monitoring.http import (
    USER_AGENT,
    ApiError,
    AuthError,
    HttpPolicy,
    NotFound,
    Unavailable,
)
from mlpp_monitoring.procedures import (
    CRITICAL_FLOWS,
    PHASE_2_LEVELS,
    SENTRY_ISSUE,
    UPTIMEROBOT_DOWN,
    Procedure,
)
from mlpp_monitoring.sentry.api import SentryApi
from mlpp_monitoring.stackfile import StackFile
from mlpp_monitoring.status_model import (
    SCHEMA,
    SCHEMA_VERSION,
    AlertView,
    ApiCalls,
    Availability,
    CauseKind,
    ContactView,
    ExitCode,
    Finding,
    FrontErrors,
    IncidentView,
    IssueTrend,
    IssueView,
    MonitorState,
    MonitorView,
    NotMonitored,
    Problem,
    ProcedureView,
    StatusReport,
    StepView,
    Verdict,
)
from mlpp_monitoring.uptimerobot.api import UptimeRobotApi
from mlpp_monitoring.uptimerobot.contacts import ContactState, contact_states
from mlpp_monitoring.uptimerobot.monitor import natural_key
from mlpp_monitoring.vendors import (
    SENTRY,
    UPTIMEROBOT,
    ConfigLookup,
    CredentialUnavailable,
    MissingCredential,
    SecretUnreadable,
    VendorSettings,
)

STATUS_POLICY = HttpPolicy(
    connect_timeout=3.0,
    read_timeout=10.0,
    retries=2,
    backoff=0.5,
    backoff_max=5.0,
    budget=15.0,
    pace=False,
)
"""Short timeouts and budget: a status that hangs is worse than one that says "unknown"."""

STATUS_USER_AGENT = f"{USER_AGENT} status"

WINDOW = "24h"
WINDOW_SECONDS = 86_400
UPTIMEROBOT_CALLS_PER_MONITOR = 4
UPTIMEROBOT_CALLS_PER_RUN = 2
"""The monitor list and the alert contacts."""
SENTRY_CALLS = 3

Clock = Callable[[], float]

_STATES: dict[str, MonitorState] = {
    "UP": "up",
    "DOWN": "down",
    "LOOKS_DOWN": "looks_down",
    "PAUSED": "paused",
    "STARTED": "not_checked_yet",
}
_TIMEOUT_CAUSE = 333333  # UptimeRobot's code for "Connection Timeout"


# -- small helpers ------------------------------------------------------------------


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


def _iso_of(value: object) -> str | None:
    moment = parse_time(value)
    return None if moment is None else iso(moment)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _number(value: object) -> float | None:
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


def procedure_view(procedure: Procedure) -> ProcedureView:
    """A runbook procedure as report data (the French text, unchanged)."""
    return ProcedureView(
        key=procedure.key,
        title=procedure.title,
        steps=[StepView(text=s.text, details=list(s.details)) for s in procedure.steps],
    )


# -- Level 0: UptimeRobot -----------------------------------------------------------


def _cause(reason: str, code: int | None, http_code: int | None) -> CauseKind:
    # UptimeRobot documents no list of causes: read its reason text first (an SSL or
    # keyword failure can come with an HTTP 200), then its codes.
    text = reason.lower()
    if "ssl" in text or "certificate" in text or "tls" in text:
        return "ssl"
    if "keyword" in text:
        return "keyword"
    if "timeout" in text or "timed out" in text or code == _TIMEOUT_CAUSE:
        return "timeout"
    if http_code is not None:
        return "http"
    return "other"


def _ongoing(incident: Mapping[str, Any]) -> bool:
    return (
        incident.get("resolvedAt") is None and str(incident.get("status", "")).lower() != "resolved"
    )


def _current_incident(api: UptimeRobotApi, live: Mapping[str, Any]) -> IncidentView | None:
    """The ongoing incident of a monitor that is not up: 1 call, 2 if the monitor's
    `lastIncident` is not the ongoing one."""
    last: Mapping[str, Any] = live.get("lastIncident") or {}
    incident_id = live.get("lastIncidentId") or last.get("id")
    summary: Mapping[str, Any] | None = last if incident_id and _ongoing(last) else None
    if summary is None:
        recent = api.recent_incidents(str(live["id"]))
        summary = next((i for i in recent if _ongoing(i)), None)
        if summary is None:
            return None
        incident_id = summary.get("id")
    detail = api.get_incident(str(incident_id)) or {}
    source: Mapping[str, Any] = detail or summary
    root: Mapping[str, Any] = detail.get("rootCause") or {}
    reason = str(source.get("reason") or "")
    code = _int(source.get("cause"))
    http_code = _int(root.get("httpResponseCode"))
    if http_code is None and code is not None and 100 <= code <= 599:
        http_code = code
    return IncidentView(
        id=str(incident_id),
        started_at=_iso_of(source.get("startedAt")),
        reason=reason,
        cause=_cause(reason, code, http_code),
        cause_code=code,
        http_code=http_code,
    )


def _contact_views(
    live: Mapping[str, Any], contacts: Mapping[int, ContactState] | None
) -> list[ContactView]:
    """The monitor's assigned contacts and their state (None: the contacts were unread)."""
    views: list[ContactView] = []
    for assigned in live.get("assignedAlertContacts") or []:
        id_ = _int(assigned.get("alertContactId"))
        state = None if contacts is None or id_ is None else contacts.get(id_)
        if state is None:
            views.append(
                ContactView(value=f"id:{id_}", status=None, notifies_on=None, can_page=None)
            )
            continue
        views.append(
            ContactView(
                value=state.value,
                status=state.status,
                notifies_on=state.notifies_on,
                can_page=state.can_page,
            )
        )
    return sorted(views, key=lambda v: v.value)


def contact_advice(contact: ContactView) -> str:
    """Why a contact pages nobody, and what to do, in the runbook's language."""
    if contact.status == "NotActivated":
        return (
            "adresse jamais confirmée : ouvrir l'e-mail de confirmation envoyé par "
            "UptimeRobot (ou le renvoyer depuis Alert Contacts)"
        )
    if contact.status == "Paused":
        return "contact en pause : le réactiver dans UptimeRobot > Alert Contacts"
    return (
        f"ne prévient pas quand le site tombe (notifications : {contact.notifies_on}) : "
        "choisir DOWN (ou DOWN et UP) dans UptimeRobot > Alert Contacts"
    )


def _monitor_view(
    api: UptimeRobotApi,
    key: str,
    config: MonitorConfig,
    live: Mapping[str, Any],
    now: float,
    contacts: Mapping[int, ContactState] | None,
) -> MonitorView:
    vendor_status = str(live.get("status") or "")
    state: MonitorState = _STATES.get(vendor_status, "unknown")
    duration = _int(live.get("currentStateDuration"))
    id_ = str(live["id"])
    notes: list[str] = []
    uptime: float | None = None
    response_ms: float | None = None
    incident: IncidentView | None = None
    # The state is known from the list: a failed read below is noted, the answer kept.
    # The incident first: it is the "why" the person on call is waiting for.
    if state in ("down", "looks_down"):
        try:
            incident = _current_incident(api, live)
            if incident is None:
                notes.append("aucun incident en cours enregistré par UptimeRobot")
        except ApiError as error:
            notes.append(f"incident illisible : {error}")
    try:
        uptime = _number(api.uptime_stats(id_).get("uptime"))
        summary = api.response_time_stats(id_).get("summary") or {}
        response_ms = _number(summary.get("avg"))
    except ApiError as error:
        notes.append(f"statistiques 24 h indisponibles : {error}")
    note = " ; ".join(notes) or None
    return MonitorView(
        key=key,
        name=config.name,
        url=config.url,
        owner=config.owner,
        id=id_,
        state=state,
        vendor_status=vendor_status or None,
        since=None if duration is None else iso(now - duration),
        for_seconds=duration,
        uptime_24h=uptime,
        response_time_ms=response_ms,
        incident=incident,
        alert_contacts=_contact_views(live, contacts),
        note=note,
    )


def _unknown_monitor(
    key: str, config: MonitorConfig, state: MonitorState, note: str | None
) -> MonitorView:
    return MonitorView(
        key=key,
        name=config.name,
        url=config.url,
        owner=config.owner,
        id=None,
        state=state,
        vendor_status=None,
        since=None,
        for_seconds=None,
        uptime_24h=None,
        response_time_ms=None,
        incident=None,
        alert_contacts=[],
        note=note,
    )


def collect_availability(
    api: UptimeRobotApi | None,
    problem: Problem | None,
    monitors: Mapping[str, MonitorConfig],
    now: float,
) -> Availability:
    """Every declared monitor, matched by exact name and URL in one list call."""
    if api is None:
        return Availability(
            checked=False,
            problem=problem,
            monitors=[_unknown_monitor(k, m, "unknown", None) for k, m in monitors.items()],
        )
    try:
        live, more = api.monitors_page()
    except ApiError as error:
        return collect_availability(None, problem_of(error), monitors, now)
    # By the natural key (the API may answer names and URLs HTML-escaped).
    index = {natural_key(m): m for m in live}
    contacts: dict[int, ContactState] | None = None
    contacts_note: str | None = None
    if any((m.name, m.url) in index for m in monitors.values()):
        try:
            contacts = {c.id: c for c in contact_states(api.alert_contacts()).values()}
        except ApiError as error:
            contacts_note = f"contacts d'alerte illisibles : {error}"
    views: list[MonitorView] = []
    for key, config in monitors.items():
        found = index.get((config.name, config.url))
        if found is None:
            note = "aucun moniteur de ce nom et de cette URL dans le compte"
            if more:
                note += " (seuls les 200 premiers moniteurs ont été lus)"
            views.append(
                _unknown_monitor(key, config, "not_found", note + " : `pulumi up` le crée")
            )
            continue
        view = _monitor_view(api, key, config, found, now, contacts)
        if contacts_note:
            note = "; ".join(n for n in (view.note, contacts_note) if n)
            view = view.model_copy(update={"note": note})
        views.append(view)
    return Availability(checked=True, problem=None, monitors=views)


# -- Level 1: Sentry ----------------------------------------------------------------


def _trend(issue: Mapping[str, Any], now: float) -> IssueTrend | None:
    substatus = issue.get("substatus")
    if substatus == "escalating":
        # Sentry's own spike detection: events above the issue's forecast.
        return "spiking"
    first = parse_time(issue.get("firstSeen"))
    if first is not None and now - first <= WINDOW_SECONDS:
        return "new"
    if substatus == "regressed":
        return "regressed"
    return None


def _owner_for(trend: IssueTrend, alerts: Iterable[AlertConfig]) -> str | None:
    """The owner of the declared alert that fires on this kind of issue."""
    listed = list(alerts)
    if trend == "spiking":
        matching = [a for a in listed if a.event_threshold is not None]
    else:
        matching = [a for a in listed if a.on_new_issue]
    chosen = matching or listed
    return chosen[0].owner if chosen else None


def _issue_view(
    issue: Mapping[str, Any], trend: IssueTrend, alerts: Iterable[AlertConfig]
) -> IssueView:
    metadata: Mapping[str, Any] = issue.get("metadata") or {}
    culprit = issue.get("culprit")
    # The issue list has no transaction or URL: the culprit (for Flutter Web the
    # transaction or the failing function) and the metadata's code location are what
    # the critical-flow patterns can be matched on. The title is not: too noisy.
    texts = [culprit, metadata.get("function"), metadata.get("filename")]
    located = [t for t in texts if isinstance(t, str)]
    flows = [flow.key for flow in CRITICAL_FLOWS if flow.matches(*located)]
    return IssueView(
        id=str(issue.get("id")),
        short_id=issue.get("shortId"),
        title=str(issue.get("title") or ""),
        culprit=culprit if isinstance(culprit, str) and culprit else None,
        level=issue.get("level"),
        trend=trend,
        count=_int(issue.get("count")) or 0,
        users=_int(issue.get("userCount")) or 0,
        first_seen=_iso_of(issue.get("firstSeen")),
        last_seen=_iso_of(issue.get("lastSeen")),
        release=None,
        browser=None,
        blocking=bool(flows),
        flows=flows,
        permalink=issue.get("permalink"),
        owner=_owner_for(trend, alerts),
    )


def _alert_views(
    alerts: Mapping[str, AlertConfig], workflows: Sequence[Mapping[str, Any]] | None
) -> list[AlertView]:
    by_id = {str(w.get("id")): w for w in workflows or []}
    by_name = {str(w.get("name")): w for w in workflows or []}
    views = []
    for key, alert in alerts.items():
        live = None
        if workflows is not None:
            live = by_id.get(str(alert.adopt_id)) if alert.adopt_id else None
            live = live or by_name.get(alert.name)
        views.append(
            AlertView(
                key=key,
                name=alert.name,
                owner=alert.owner,
                environment=alert.environment,
                id=None if live is None else str(live.get("id")),
                found=live is not None,
                enabled=None if live is None else bool(live.get("enabled")),
                last_triggered=None if live is None else _iso_of(live.get("lastTriggered")),
            )
        )
    return views


def collect_front_errors(
    api: SentryApi | None, problem: Problem | None, config: SentryConfig, now: float
) -> FrontErrors:
    """New, spiking or regressed unresolved issues of the last 24 h, and the alerts."""
    environments = sorted({a.environment for a in config.alerts.values()})
    empty = FrontErrors(
        checked=False,
        problem=problem,
        organization=config.organization,
        project=config.project,
        environments=environments,
        window=WINDOW,
        latest_release=None,
        issues=[],
        other_active_issues=0,
        truncated=False,
        alerts=_alert_views(config.alerts, None),
        last_fired=None,
    )
    if api is None:
        return empty
    try:
        project = api.project_details()
        issues, hits, more = api.issues_page(environments=environments, stats_period=WINDOW)
        workflows, _ = api.workflows_page()
    except ApiError as error:
        return empty.model_copy(update={"problem": problem_of(error)})
    alerts = list(config.alerts.values())
    listed: list[IssueView] = []
    for issue in issues:
        trend = _trend(issue, now)
        if trend is not None:
            listed.append(_issue_view(issue, trend, alerts))
    # Blocking first, then the most frequent (the API's order).
    listed.sort(key=lambda i: not i.blocking)
    total = hits if hits is not None else len(issues)
    release = (project.get("latestRelease") or {}).get("version")
    alerts_seen = _alert_views(config.alerts, workflows)
    fired = [a for a in alerts_seen if a.last_triggered]
    return FrontErrors(
        checked=True,
        problem=None,
        organization=config.organization,
        project=config.project,
        environments=environments,
        window=WINDOW,
        latest_release=str(release) if release else None,
        issues=listed,
        other_active_issues=max(0, total - len(listed)),
        truncated=more,
        alerts=alerts_seen,
        last_fired=max(fired, key=lambda a: a.last_triggered or "").key if fired else None,
    )


# -- classification (the runbook's rules) ---------------------------------------------


def duration_fr(seconds: int | None) -> str:
    """12 min, 3 h 05, 2 j 4 h: how long, in the runbook's language."""
    if seconds is None:
        return "?"
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86_400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"
    return f"{seconds // 86_400} j {seconds % 86_400 // 3600} h"


def describe_incident(incident: IncidentView) -> str:
    """The cause in one phrase: HTTP 503 (Service Unavailable), délai dépassé, ..."""
    reason = incident.reason or "raison non précisée"
    if incident.cause == "http" and incident.http_code is not None:
        return f"HTTP {incident.http_code} ({reason})"
    label = {
        "timeout": "délai dépassé",
        "keyword": "mot-clé",
        "ssl": "SSL",
        "other": "autre",
        "http": "HTTP",
    }[incident.cause]
    return f"{label} ({reason})"


_NOT_WATCHING = {
    "paused": "moniteur en pause : personne ne surveille le site",
    "not_checked_yet": "moniteur pas encore vérifié par UptimeRobot",
    "not_found": "moniteur déclaré absent du compte UptimeRobot",
    "unknown": "état du moniteur inconnu",
}


def classify(availability: Availability, errors: FrontErrors) -> list[Finding]:
    """The findings, classified technical/business and blocking or not, with who acts."""
    findings: list[Finding] = []
    down = procedure_view(UPTIMEROBOT_DOWN)
    issue_procedure = procedure_view(SENTRY_ISSUE)
    if not availability.checked and availability.problem is not None:
        findings.append(_check_failed(0, "UptimeRobot", availability.problem))
    for monitor in availability.monitors:
        subject = f"{monitor.name} ({monitor.url})"
        if monitor.state in ("down", "looks_down"):
            cause = (
                describe_incident(monitor.incident)
                if monitor.incident
                else (monitor.note or "cause inconnue")
            )
            looks = monitor.state == "looks_down"
            findings.append(
                Finding(
                    kind="site_looks_down" if looks else "site_down",
                    category="technical",
                    severity="blocking",
                    level=0,
                    subject=subject,
                    detail=(
                        f"{'semble DOWN (confirmation en cours)' if looks else 'DOWN'} depuis "
                        f"{duration_fr(monitor.for_seconds)} : {cause}"
                    ),
                    since=(monitor.incident.started_at if monitor.incident else None)
                    or monitor.since,
                    owner=monitor.owner,
                    procedure=down,
                )
            )
        elif monitor.state != "up" and availability.checked:
            findings.append(
                Finding(
                    kind="not_watching",
                    category="technical",
                    severity="unknown",
                    level=0,
                    subject=subject,
                    detail=monitor.note or _NOT_WATCHING[monitor.state],
                    since=monitor.since,
                    owner=monitor.owner,
                    procedure=None,
                )
            )
        for contact in monitor.alert_contacts:
            if contact.can_page is False:
                findings.append(
                    Finding(
                        kind="contact_cannot_page",
                        category="technical",
                        severity="non_blocking",
                        level=0,
                        subject=f"contact d'alerte {contact.value} de {monitor.name}",
                        detail=f"un DOWN ne prévient personne par ce contact : "
                        f"{contact_advice(contact)}",
                        since=None,
                        owner=monitor.owner,
                        procedure=None,
                    )
                )
    if not errors.checked and errors.problem is not None:
        findings.append(_check_failed(1, "Sentry", errors.problem))
    for issue in errors.issues:
        trend = {"new": "nouvelle", "spiking": "en pic", "regressed": "régression"}[issue.trend]
        if issue.blocking:
            flows = ", ".join(f.label for f in CRITICAL_FLOWS if f.key in issue.flows)
            what = f"erreur bloquante (flux {flows})"
        else:
            what = "erreur non bloquante (aucun flux critique)"
        findings.append(
            Finding(
                kind="blocking_error" if issue.blocking else "non_blocking_error",
                category="technical",
                severity="blocking" if issue.blocking else "non_blocking",
                level=1,
                subject=issue.title,
                detail=(
                    f"{what}, {trend} : {issue.count} événement(s), {issue.users} utilisateur(s)"
                    + (f" ; culprit {issue.culprit}" if issue.culprit else "")
                ),
                since=issue.first_seen,
                owner=issue.owner,
                procedure=issue_procedure,
            )
        )
    if errors.checked:
        for alert in errors.alerts:
            if alert.found and alert.enabled:
                continue
            findings.append(
                Finding(
                    kind="alert_not_active",
                    category="technical",
                    severity="non_blocking",
                    level=1,
                    subject=alert.name,
                    detail=(
                        "alerte désactivée : elle ne notifie personne"
                        if alert.found
                        else "alerte déclarée absente de Sentry : `pulumi up` la crée"
                    ),
                    since=None,
                    owner=alert.owner,
                    procedure=None,
                )
            )
    order = {"blocking": 0, "unknown": 1, "non_blocking": 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.level))


def _check_failed(level: int, vendor: str, problem: Problem) -> Finding:
    return Finding(
        kind="check_failed",
        category="technical",
        severity="unknown",
        level=level,
        subject=f"{vendor} n'a pas pu être interrogé",
        detail=problem.message,
        since=None,
        owner=None,
        procedure=None,
    )


def not_monitored() -> list[NotMonitored]:
    """The planned levels (business invariants, backend/security): never shown as fine."""
    return [
        NotMonitored(
            level=level.number,
            name=level.name,
            category="business" if level.number == 2 else "technical",
            status="not_monitored",
            watches=list(level.watches),
        )
        for level in PHASE_2_LEVELS
    ]


def verdict_of(
    findings: list[Finding], availability: Availability, errors: FrontErrors
) -> tuple[Verdict, ExitCode]:
    """1 when something is down or a blocking error is active; else 2 when something
    could not be told; else 0 (non-blocking errors only make it `attention`)."""
    severities = {f.severity for f in findings}
    if "blocking" in severities:
        return "problem", 1
    if "unknown" in severities or not availability.checked or not errors.checked:
        return "unknown", 2
    if "non_blocking" in severities:
        return "attention", 0
    return "ok", 0


def headline_of(verdict: Verdict, findings: list[Finding], problem: Problem | None) -> str:
    """One line a person reads first."""
    if problem is not None:
        return "Impossible de conclure : la configuration de la stack est illisible"
    kinds = {f.kind for f in findings}
    if verdict == "problem":
        if "site_down" in kinds:
            return "PROD DOWN : action requise"
        if "site_looks_down" in kinds:
            return "PROD semble DOWN (confirmation en cours) : action requise"
        return "PROD UP, mais une erreur bloquante est active : action requise"
    if verdict == "unknown":
        return "Impossible de conclure : une vérification n'a pas abouti"
    if verdict == "attention":
        if kinds == {"contact_cannot_page"}:
            return "PROD UP ; mais un contact d'alerte ne prévient personne"
        return "PROD UP ; erreurs non bloquantes à trier"
    return "PROD UP ; rien à signaler"


# -- the whole report -------------------------------------------------------------------


def _vendor(
    make: Callable[[], VendorSettings],
) -> tuple[VendorSettings | None, Problem | None]:
    try:
        return make(), None
    except CredentialUnavailable as error:
        return None, problem_of(error)


def _config_failure(stack: str, now: float, error: Exception, started: float) -> StatusReport:
    problem = Problem(kind="config", message=str(error))
    availability = Availability(checked=False, problem=problem, monitors=[])
    errors = FrontErrors(
        checked=False,
        problem=problem,
        organization="",
        project="",
        environments=[],
        window=WINDOW,
        latest_release=None,
        issues=[],
        other_active_issues=0,
        truncated=False,
        alerts=[],
        last_fired=None,
    )
    return StatusReport(
        format=SCHEMA,
        version=SCHEMA_VERSION,
        stack=stack,
        checked_at=iso(now),
        verdict="unknown",
        exit_code=2,
        headline=headline_of("unknown", [], problem),
        problem=problem,
        availability=availability,
        front_errors=errors,
        findings=[],
        not_monitored=not_monitored(),
        api_calls=ApiCalls(uptimerobot=0, sentry=0, total=0, uptimerobot_max=0, sentry_max=0),
        elapsed_seconds=round(time.monotonic() - started, 3),
    )


def build_report(
    stack_name: str,
    project_dir: Path,
    *,
    clock: Clock = time.time,
    policy: HttpPolicy = STATUS_POLICY,
) -> StatusReport:
    """Read the stack, ask both vendors (in parallel), classify: the two-minute answer."""
    started = time.monotonic()
    now = clock()
    try:
        stack = StackFile(stack_name, project_dir)
        config: MonitoringConfig = stack.monitoring()
        lookup: ConfigLookup = stack.lookup()
    except (FileNotFoundError, ConfigError, yaml.YAMLError) as error:
        return _config_failure(stack_name, now, error, started)

    ur_settings, ur_problem = _vendor(lambda: UPTIMEROBOT.settings(lookup))
    sentry_vendor, sentry_problem = _vendor(lambda: SENTRY.settings(lookup))
    ur_api = sentry_api = None
    if ur_settings is not None:
        ur_api = UptimeRobotApi(ur_settings, policy, user_agent=STATUS_USER_AGENT)
    if sentry_vendor is not None:
        sentry_api = SentryApi(
            sentry_vendor,
            config.sentry.organization,
            config.sentry.project,
            policy,
            user_agent=STATUS_USER_AGENT,
        )

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="status") as pool:
        availability_job = pool.submit(
            collect_availability, ur_api, ur_problem, config.uptimerobot.monitors, now
        )
        errors_job = pool.submit(
            collect_front_errors, sentry_api, sentry_problem, config.sentry, now
        )
        availability = availability_job.result()
        errors = errors_job.result()

    findings = classify(availability, errors)
    verdict, exit_code = verdict_of(findings, availability, errors)
    # Each client's session counts the calls it sent: this run's, as it made both clients.
    ur_calls = ur_api.http.calls if ur_api else 0
    sentry_calls = sentry_api.http.calls if sentry_api else 0
    return StatusReport(
        format=SCHEMA,
        version=SCHEMA_VERSION,
        stack=stack_name,
        checked_at=iso(now),
        verdict=verdict,
        exit_code=exit_code,
        headline=headline_of(verdict, findings, None),
        problem=None,
        availability=availability,
        front_errors=errors,
        findings=findings,
        not_monitored=not_monitored(),
        api_calls=ApiCalls(
            uptimerobot=ur_calls,
            sentry=sentry_calls,
            total=ur_calls + sentry_calls,
            uptimerobot_max=UPTIMEROBOT_CALLS_PER_RUN
            + UPTIMEROBOT_CALLS_PER_MONITOR * len(config.uptimerobot.monitors),
            sentry_max=SENTRY_CALLS,
        ),
        elapsed_seconds=round(time.monotonic() - started, 3),
    )
