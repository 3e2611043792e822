"""The `status` report for a person: one screen, the runbook's questions in its order.

Rich renders it: colours and a table on a terminal, plain text when stdout is not one
(a pipe, a CI log); never wider than 100 columns. The words are French, as the runbook
and its procedures are; the JSON keys stay English (`model`).
"""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime
from typing import TextIO

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from mlpp_monitoring.commands.runbook.procedures import (
    CRITICAL_FLOWS,
    NOT_MONITORED,
    TWO_MINUTE_QUESTIONS,
)
from mlpp_monitoring.commands.status.model import (
    AlertView,
    ContactView,
    Finding,
    IssueView,
    MonitorView,
    Problem,
    ProcedureView,
    StatusReport,
    parse_time,
)
from mlpp_monitoring.commands.status.wording import describe_incident, duration_fr

MAX_WIDTH = 100

_STATE_LABELS = {
    "up": ("UP", "bold green"),
    "down": ("DOWN", "bold red"),
    "looks_down": ("DOWN ?", "bold red"),
    "paused": ("EN PAUSE", "bold yellow"),
    "not_checked_yet": ("PAS ENCORE VÉRIFIÉ", "yellow"),
    "not_found": ("INTROUVABLE", "bold yellow"),
    "unknown": ("INCONNU", "bold yellow"),
}
_VERDICT_STYLES = {
    "ok": "bold green",
    "attention": "bold yellow",
    "problem": "bold white on red",
    "unknown": "bold black on yellow",
}
_TRENDS = {"new": "nouvelle", "spiking": "en pic", "regressed": "régression"}
_CONTACT_STATUS = {
    "Active": "actif",
    "Paused": "en pause",
    "NotActivated": "adresse jamais confirmée",
    "ToMigrate": "à migrer",
}
_CONTACT_NOTIFIES = {
    "UpAndDown": "prévient sur DOWN et UP",
    "Down": "prévient sur DOWN",
    "Up": "prévient sur UP seulement",
    "None": "ne prévient jamais",
}
_SEVERITIES = {"blocking": "bloquant", "unknown": "à vérifier", "non_blocking": "non bloquant"}
_CATEGORIES = {"technical": "Technique", "business": "Métier"}


def terminal_console(file: TextIO) -> Console:
    """A console for a terminal: colours, as wide as the terminal but at most 100 columns."""
    width = min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns)
    return Console(file=file, width=width, highlight=False)


def render_text(report: StatusReport, width: int = MAX_WIDTH) -> str:
    """The report as plain text (no colour codes, no trailing blanks): pipes, logs, docs."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, highlight=False, no_color=True, force_terminal=False
    )
    render(report, console)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def _when(value: str | None) -> str:
    moment = parse_time(value)
    if moment is None:
        return "?"
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _ago(value: str | None, now: str) -> str:
    moment, reference = parse_time(value), parse_time(now)
    if moment is None or reference is None:
        return "?"
    return f"il y a {duration_fr(max(0, int(reference - moment)))}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} %".replace(".", ",")


def _millis(value: float | None) -> str:
    return "—" if value is None else f"{round(value)} ms"


def _at(indent: int, text: RenderableType, style: str = "") -> Padding:
    """`text` indented by `indent` columns, its wrapped lines too."""
    body = Text(text, style=style) if isinstance(text, str) else text
    return Padding(body, (0, 0, 0, indent), expand=False)


def _header(report: StatusReport, console: Console) -> None:
    style = _VERDICT_STYLES[report.verdict]
    console.print(
        Text(f" {report.headline} ", style=style),
        Text(f" (code de sortie {report.exit_code})"),
    )
    calls = report.api_calls
    elapsed = f"{report.elapsed_seconds:.2f}".replace(".", ",")
    console.print(
        f"stack {escape(report.stack)} · vérifié le {_when(report.checked_at)} · "
        f"{calls.total} appels API (UptimeRobot {calls.uptimerobot}, Sentry {calls.sentry})"
        f" · {elapsed} s",
        style="dim",
    )
    if report.problem is not None:
        console.print(_at(0, f"Configuration : {report.problem.message}", style="bold red"))


def _section(console: Console, title: str) -> None:
    console.print()
    console.print(Text(title, style="bold underline"))


def _monitor_table(monitors: list[MonitorView]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("Moniteur", ratio=3, overflow="fold")
    table.add_column("État", no_wrap=True)
    table.add_column("Depuis", no_wrap=True)
    table.add_column("Uptime 24 h", justify="right", no_wrap=True)
    table.add_column("Réponse", justify="right", no_wrap=True)
    table.add_column("Owner", no_wrap=True)
    for monitor in monitors:
        label, style = _STATE_LABELS[monitor.state]
        table.add_row(
            Text(f"{monitor.name}\n{monitor.url}"),
            Text(label, style=style),
            duration_fr(monitor.for_seconds) if monitor.for_seconds is not None else "—",
            _percent(monitor.uptime_24h),
            _millis(monitor.response_time_ms),
            Text(monitor.owner),
        )
    return table


def _contact_text(contact: ContactView) -> Text:
    if contact.can_page is None:
        return Text(f"{contact.value} (état illisible)", style="yellow")
    words = [_CONTACT_STATUS.get(contact.status or "", contact.status or "état inconnu")]
    if contact.status not in ("NotActivated", "Paused"):  # else it notifies nobody anyway
        words.append(_CONTACT_NOTIFIES.get(contact.notifies_on or "", contact.notifies_on or "?"))
    text = Text(f"{contact.value} ({', '.join(words)})")
    if not contact.can_page:
        text.append(" : NE PRÉVIENT PERSONNE", style="bold red")
    return text


def _contacts(monitors: list[MonitorView], console: Console) -> None:
    """Who a DOWN pages, per monitor (the runbook's checkpoint A2)."""
    for monitor in monitors:
        if not monitor.alert_contacts:
            continue
        line = Text(f"{monitor.name} alerte : " if len(monitors) > 1 else "Alerte : ")
        for number, contact in enumerate(monitor.alert_contacts):
            if number:
                line.append(" ; ")
            line.append_text(_contact_text(contact))
        console.print(_at(2, line))


def _unanswered(console: Console, vendor: str, problem: Problem | None) -> None:
    message = problem.message if problem else "raison inconnue"
    console.print(_at(2, f"{vendor} n'a pas répondu : {message}", style="yellow"))


def _why(report: StatusReport, console: Console) -> None:
    availability = report.availability
    if not availability.checked:
        _unanswered(console, "UptimeRobot", availability.problem)
        return
    troubled = [m for m in availability.monitors if m.state != "up"]
    if not troubled:
        console.print(_at(2, "Tous les moniteurs déclarés sont UP : pas d'incident en cours."))
        return
    for monitor in troubled:
        label, style = _STATE_LABELS[monitor.state]
        line = Text(f"{monitor.name} : ")
        line.append(label, style=style)
        if monitor.for_seconds is not None:
            line.append(f" depuis {duration_fr(monitor.for_seconds)} ({_when(monitor.since)})")
        console.print(_at(2, line))
        if monitor.incident is not None:
            incident = monitor.incident
            cause = Text("cause : ")
            cause.append(describe_incident(incident), style="bold")
            cause.append(f" · incident {incident.id}")
            if incident.started_at != monitor.since:
                cause.append(f" ouvert le {_when(incident.started_at)}")
            console.print(_at(4, cause))
        if monitor.note:
            console.print(_at(4, monitor.note))


def _issue_table(issues: list[IssueView]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("Classement", no_wrap=True)
    table.add_column("Issue", ratio=1, overflow="fold")
    table.add_column("Évén.", justify="right", no_wrap=True)
    table.add_column("Util.", justify="right", no_wrap=True)
    table.add_column("1re vue", no_wrap=True)
    table.add_column("Tendance", no_wrap=True)
    for issue in issues:
        if issue.blocking:
            flows = ", ".join(f.label for f in CRITICAL_FLOWS if f.key in issue.flows)
            cls = Text(f"BLOQUANTE\n({flows})", style="bold red")
        else:
            cls = Text("non bloquante", style="yellow")
        what = Text(issue.title, style="bold")
        for extra in (issue.culprit, issue.permalink):
            if extra:
                what.append(f"\n{extra}", style="dim")
        table.add_row(
            cls,
            what,
            str(issue.count),
            str(issue.users),
            _when(issue.first_seen).removesuffix(" UTC"),
            _TRENDS[issue.trend],
        )
    return table


def _alert_lines(alert: AlertView, now: str) -> list[Padding]:
    if not alert.found:
        state = "absente de Sentry"
    elif alert.last_triggered is None:
        state = "jamais déclenchée"
    else:
        state = f"déclenchée {_ago(alert.last_triggered, now)} ({_when(alert.last_triggered)})"
    if alert.found and not alert.enabled:
        state += ", désactivée"
    return [_at(4, alert.name), _at(6, f"{state} · owner {alert.owner}", style="dim")]


def _errors(report: StatusReport, console: Console) -> None:
    errors = report.front_errors
    if not errors.checked:
        _unanswered(console, "Sentry", errors.problem)
        return
    if errors.issues:
        console.print(_at(2, _issue_table(errors.issues)))
    else:
        console.print(_at(2, "Aucune issue nouvelle, en pic ou en régression sur 24 h."))
    extra = f"+ {errors.other_active_issues} autre(s) issue(s) non résolue(s) vue(s) sur 24 h"
    if errors.truncated:
        extra += " (liste tronquée aux 100 plus fréquentes)"
    console.print(_at(2, extra, style="dim"))
    console.print(
        _at(
            2,
            "release et navigateur : onglet Tags de chaque issue · dernière release du projet : "
            + (errors.latest_release or "inconnue"),
            style="dim",
        )
    )
    # Which declared alert fired last: the most recent first.
    console.print(_at(2, "Alertes déclarées (la plus récente d'abord) :"))
    for alert in sorted(errors.alerts, key=lambda a: a.last_triggered or "", reverse=True):
        for line in _alert_lines(alert, report.checked_at):
            console.print(line)


def _finding_lines(finding: Finding) -> list[Padding]:
    style = {"blocking": "bold red", "unknown": "bold yellow", "non_blocking": "yellow"}[
        finding.severity
    ]
    line = Text(f"{_CATEGORIES[finding.category]} · {_SEVERITIES[finding.severity]}", style=style)
    line.append(f" (niveau {finding.level}) : {finding.subject}", style="")
    return [_at(2, line), _at(4, finding.detail)]


def _technical_or_business(report: StatusReport, console: Console) -> None:
    if not report.findings:
        console.print(_at(2, "Technique : rien à signaler (niveaux 0 et 1)."))
    for finding in report.findings:
        for line in _finding_lines(finding):
            console.print(line)
    for level in report.not_monitored:
        category = _CATEGORIES[level.category]
        name = "" if level.name == category.lower() else f", {level.name}"
        title = f"{category} (niveau {level.level}{name}) : {NOT_MONITORED}"
        console.print(_at(2, title, style="bold magenta"))
        console.print(_at(4, "; ".join(level.watches)))


def _procedure(procedure: ProcedureView, console: Console) -> None:
    for number, step in enumerate(procedure.steps, 1):
        console.print(_at(6, f"{number}. {step.text}"))
        for detail in step.details:
            console.print(_at(9, f"- {detail}"))


def _who_acts(report: StatusReport, console: Console) -> None:
    if not report.findings:
        console.print(_at(2, "Personne : rien n'est à traiter."))
        return
    # One entry per owner and procedure, listing what it is for.
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.findings:
        owner = finding.owner or "la personne qui lance cette commande"
        what = finding.procedure.key if finding.procedure else finding.kind
        groups.setdefault((owner, what), []).append(finding)
    for (owner, _), findings in groups.items():
        line = Text(owner, style="bold")
        procedure = findings[0].procedure
        if procedure is None:
            line.append(f" : {findings[0].subject}")
            console.print(_at(2, line))
            for finding in findings:
                console.print(_at(4, finding.detail))
            continue
        line.append(f" suit la procédure du runbook : {procedure.title}")
        console.print(_at(2, line))
        console.print(_at(4, "pour : " + " ; ".join(f.subject for f in findings), style="dim"))
        _procedure(procedure, console)


def render(report: StatusReport, console: Console) -> None:
    """Print the report: verdict, then the runbook's five questions in order."""
    _header(report, console)
    up, why, since, kind, who = TWO_MINUTE_QUESTIONS
    _section(console, f"1. {up} (UptimeRobot, niveau 0)")
    if report.availability.monitors:
        console.print(_at(2, _monitor_table(report.availability.monitors)))
        _contacts(report.availability.monitors, console)
    else:
        console.print(_at(2, "Aucun moniteur lu.", style="yellow"))
    _section(console, f"2. {why} {since}")
    _why(report, console)
    errors = report.front_errors
    envs = ", ".join(errors.environments) or "?"
    _section(
        console,
        f"3. Erreurs front (Sentry {errors.organization}/{errors.project}, env {envs},"
        f" {errors.window.replace('h', ' h')})",
    )
    _errors(report, console)
    _section(console, f"4. {kind}")
    _technical_or_business(report, console)
    _section(console, f"5. {who}")
    _who_acts(report, console)
