"""The runbook's rules: what the collected state means, who acts, the verdict and exit code.

A site down (or looking down) or an error in a critical flow is blocking (technical,
level 0 or 1), an error elsewhere is not; what could not be checked is `unknown`, never
fine; Phase 2 levels are reported as not monitored. Each finding names its owner and the
runbook procedure that answers it (`runbook.procedures`).
"""

from __future__ import annotations

from mlpp_monitoring.commands.exit_codes import FAILED, OK, PROBLEM
from mlpp_monitoring.commands.runbook.procedures import (
    CRITICAL_FLOWS,
    PHASE_2_LEVELS,
    SENTRY_ISSUE,
    UPTIMEROBOT_DOWN,
    Procedure,
)
from mlpp_monitoring.commands.status.model import (
    Availability,
    ExitCode,
    Finding,
    FrontErrors,
    NotMonitored,
    Problem,
    ProcedureView,
    StepView,
    Verdict,
)
from mlpp_monitoring.commands.status.wording import (
    NOT_WATCHING,
    contact_advice,
    describe_incident,
    duration_fr,
)


def procedure_view(procedure: Procedure) -> ProcedureView:
    """A runbook procedure as report data (the French text, unchanged)."""
    return ProcedureView(
        key=procedure.key,
        title=procedure.title,
        steps=[StepView(text=s.text, details=list(s.details)) for s in procedure.steps],
    )


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
                    detail=monitor.note or NOT_WATCHING[monitor.state],
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
    """PROBLEM (1) when something is down or a blocking error is active; else FAILED (2)
    when something could not be told; else OK (0: non-blocking errors only make it
    `attention`)."""
    severities = {f.severity for f in findings}
    if "blocking" in severities:
        return "problem", PROBLEM
    if "unknown" in severities or not availability.checked or not errors.checked:
        return "unknown", FAILED
    if "non_blocking" in severities:
        return "attention", OK
    return "ok", OK
