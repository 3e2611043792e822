"""docs/RUNBOOK.md, generated from the stack config: the runbook can no longer drift from it.

`render_runbook` turns a `MonitoringConfig` into the French runbook, in the structure of
the hand-written one: one function per section, in the order they appear in the document.
What is monitored (URL, interval, conditions, notification...) comes from the config; what
the on-call person does (procedures, critical flows, known limits, Phase 2) is data from
`procedures.py`. The render is pure and deterministic (no date, no clock), so the committed
file can be compared with a fresh render by a test.

To change a section, edit its `_section` function (or the data in `procedures.py`), then
regenerate: `mlpp-monitoring runbook --stack production` (`command.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from mlpp_monitoring.commands.runbook import procedures as p
from mlpp_monitoring.config import AlertConfig, MonitorConfig, MonitoringConfig, UptimePlan

REGENERATE_COMMAND = "mlpp-monitoring runbook --stack {stack}"
"""The command that regenerates the runbook (named in the file itself and in test failures)."""

PROCEDURES_PATH = "mlpp_monitoring/commands/runbook/procedures.py"
"""Where the procedures are written (the runbook says so, for whoever wants to change one)."""

# Sentry's event-frequency intervals: French for the runbook, English as Sentry's UI says it.
_INTERVALS_FR = {
    "1m": "1 minute",
    "5m": "5 minutes",
    "15m": "15 minutes",
    "1h": "1 heure",
    "1d": "1 jour",
    "1w": "1 semaine",
    "30d": "30 jours",
}
_INTERVALS_UI = {
    "1m": "one minute",
    "5m": "5 minutes",
    "15m": "15 minutes",
    "1h": "one hour",
    "1d": "one day",
    "1w": "one week",
    "30d": "30 days",
}
# Sentry's "fallthrough" options, as its UI labels them, when an issue has no owner.
_FALLTHROUGH = {
    "AllMembers": "All Project Members",
    "ActiveMembers": "Recently Active Members",
    "NoOne": "No One",
}
_MONITOR_TYPES = {"HTTP": "HTTP(s)", "KEYWORD": "Keyword (HTTP(s) + mot-clé)"}


# --- Formatting helpers ---------------------------------------------------------------------


def _seconds(value: int) -> str:
    """300 -> '5 minutes (300 s)'; 90 -> '90 s'."""
    if value % 60:
        return f"{value} s"
    minutes = value // 60
    return f"{minutes} minute{'s' if minutes > 1 else ''} ({value} s)"


def _minutes(value: int) -> str:
    """1440 -> '24h'; 30 -> '30 min'."""
    return f"{value // 60}h" if value >= 60 and value % 60 == 0 else f"{value} min"


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count > 1 else ''}"


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"


def _is_home_page(url: str) -> bool:
    return urlsplit(url).path in ("", "/")


# --- Sentry alerts in French ----------------------------------------------------------------


def alert_conditions(alert: AlertConfig) -> list[str]:
    """The alert's trigger conditions in French, each with Sentry's English UI label."""
    conditions = []
    if alert.on_new_issue:
        conditions.append("« Un nouvel issue est créé » (Sentry : *A new issue is created*)")
    if alert.event_threshold is not None:
        count, interval = alert.event_threshold, alert.event_interval
        events = "événements" if count > 1 else "événement"
        conditions.append(
            f"« Plus de {count} {events} dans un issue en {_INTERVALS_FR[interval]} »"
            f" (Sentry : *Number of events in an issue is more than {count}"
            f" in {_INTERVALS_UI[interval]}*)"
        )
    return conditions


def _notification(alert: AlertConfig) -> str:
    fallthrough = _FALLTHROUGH[alert.notify.fallthrough]
    line = f"e-mail aux Suggested Assignees (issue owners), fallback {fallthrough}"
    if alert.notify.fallthrough == "NoOne":
        line += " — **une issue sans propriétaire ne notifie personne**"
    return line


def _action_interval(minutes: int) -> str:
    if minutes == 0:
        return "aucun (0 min) — une notification à chaque déclenchement"
    return (
        f"{_minutes(minutes)} ({minutes} min) — au plus une notification par issue"
        f" toutes les {_minutes(minutes)}"
    )


# --- Sections, in the document's order -----------------------------------------------------


def _header(stack: str) -> list[str]:
    return [
        "# Runbook — Monitoring & Alerting (ML_PP)",
        "",
        f"> **Fichier généré** depuis `Pulumi.{stack}.yaml` (stack `{stack}`) :"
        " ne pas le modifier à la main.",
        f"> Pour le changer : modifier la config de la stack (ou `{PROCEDURES_PATH}`"
        f" pour les procédures), puis régénérer avec `{REGENERATE_COMMAND.format(stack=stack)}`.",
    ]


def _objectif() -> list[str]:
    return [
        "## Objectif (règle des 2 minutes)",
        "Pouvoir répondre en moins de 2 minutes à :",
        *(f"- {question}" for question in p.TWO_MINUTE_QUESTIONS),
    ]


def _perimetre(config: MonitoringConfig) -> list[str]:
    monitors, alerts = len(config.uptimerobot.monitors), len(config.sentry.alerts)
    return [
        "## Périmètre",
        'Phase 1 = "Niveau 0 + Niveau 1", déclarés dans ce dépôt :',
        f"- Niveau 0 : disponibilité (site web) — UptimeRobot, {_count(monitors, 'monitor')}",
        "- Niveau 1 : erreurs applicatives front (Flutter Web) — Sentry,"
        f" {_count(alerts, 'alerte')}",
        *(
            f"- Niveau {level.number} : {level.name} — **{p.NOT_MONITORED}**"
            for level in p.PHASE_2_LEVELS
        ),
    ]


def _etat_actuel(config: MonitoringConfig, stack: str) -> list[str]:
    return [
        f"## ✅ État actuel — déclaré dans la stack `{stack}`",
        f"Configuration déclarée dans `Pulumi.{stack}.yaml`, appliquée par `pulumi up` ;"
        f" l'écart avec les consoles se voit avec `pulumi preview --refresh --stack {stack}`.",
        "",
        *_niveau_0(config),
        "",
        *_niveau_1(config),
    ]


def _niveau_0(config: MonitoringConfig) -> list[str]:
    plan = config.uptimerobot.plan
    lines = [
        "### Niveau 0 — Disponibilité (UptimeRobot)",
        f"- Plan : {plan} — intervalle minimum {_seconds(plan.min_interval)}"
        " ; ses limites : voir Limites connues",
    ]
    for key, monitor in config.uptimerobot.monitors.items():
        lines += ["", *_monitor(key, monitor, plan)]
    return lines


def _monitor(key: str, monitor: MonitorConfig, plan: UptimePlan) -> list[str]:
    interval = _seconds(monitor.interval)
    if monitor.interval == plan.min_interval:
        interval += f" — minimum du plan {plan}"
    lines = [
        f"#### Monitor `{key}` — {monitor.name}",
        f"- État : {'**EN PAUSE — ne surveille rien**' if monitor.paused else 'actif'}",
        f"- URL surveillée : {monitor.url}",
        f"- Type : {_MONITOR_TYPES[monitor.type]}, requête {monitor.http_method}",
    ]
    if monitor.keyword is not None:
        lines.append(f"- Mot-clé attendu dans la page : « {monitor.keyword} »")
    lines += [
        f"- Intervalle : {interval}",
        f"- Timeout : {monitor.timeout} s",
        f"- Codes de succès : {', '.join(monitor.success_http_codes)}",
        f"- Redirections : {'suivies' if monitor.follow_redirections else 'non suivies'}",
        "- Erreurs SSL : "
        + ("vérifiées (certificat invalide = DOWN)" if monitor.check_ssl_errors else "ignorées"),
        f"- Rappel d'expiration SSL : {_yes_no(monitor.ssl_expiration_reminder)}",
        f"- Rappel d'expiration du domaine : {_yes_no(monitor.domain_expiration_reminder)}",
        "- Contacts d'alerte :",
    ]
    for contact in monitor.alert_contacts:
        when = (
            "dès le premier échec"
            if contact.threshold == 0
            else f"après {contact.threshold} min de panne"
        )
        repeat = (
            "sans répétition"
            if contact.recurrence == 0
            else f"répétée toutes les {contact.recurrence} min"
        )
        lines.append(f"  - {contact.value} (alerte {when}, {repeat})")
    if monitor.tags:
        lines.append(f"- Tags : {', '.join(monitor.tags)}")
    if monitor.adopt_id is not None:
        lines.append(f"- Reprend le monitor créé à la main n° {monitor.adopt_id}")
    down_if = [
        f"le code HTTP n'est pas {' / '.join(monitor.success_http_codes)}",
        f"pas de réponse en {monitor.timeout} s (timeout)",
        "site injoignable (downtime)",
    ]
    if monitor.check_ssl_errors:
        down_if.append("erreur de certificat SSL")
    if monitor.keyword is not None:
        down_if.append(f"mot-clé « {monitor.keyword} » absent")
    lines += [
        f"- Résultat attendu : alerte DOWN si {' / '.join(down_if)}",
        f"- Qui agit : {monitor.owner}",
    ]
    return lines


def _niveau_1(config: MonitoringConfig) -> list[str]:
    sentry = config.sentry
    environments = sorted({alert.environment for alert in sentry.alerts.values()})
    lines = [
        "### Niveau 1 — Erreurs applicatives (Sentry)",
        f"- Produit : Sentry — organisation `{sentry.organization}`, projet `{sentry.project}`",
        "- Intégration : sentry_flutter (Flutter Web)",
        "- Configuration via --dart-define",
        "  - SENTRY_DSN",
        "  - APP_ENV (ex: production / staging) : les alertes ci-dessous ne voient que"
        f" environment == {' / '.join(environments)}",
        "  - APP_RELEASE (ex: mlpp-web)",
        "",
        "**Règles d'alerting déclarées**",
    ]
    for number, (key, alert) in enumerate(sentry.alerts.items(), start=1):
        lines += ["", *_alert(number, key, alert)]
    return lines


def _alert(number: int, key: str, alert: AlertConfig) -> list[str]:
    conditions = alert_conditions(alert)
    if len(conditions) == 1:
        trigger = [f"- Déclencheur : {conditions[0]}"]
    else:
        trigger = [
            "- Déclencheurs (logique OU : une seule condition suffit) :",
            f"  - {conditions[0]}",
            *(f"  - OU {condition}" for condition in conditions[1:]),
        ]
    enabled = "oui" if alert.enabled else "**non — désactivée, ne notifie personne**"
    return [
        f"#### {number}) Alerte `{key}` — {alert.name}",
        f"- Active : {enabled}",
        *trigger,
        f"- Filtre : tag environment == {alert.environment}",
        f"- Notification : {_notification(alert)}",
        f"- Intervalle d'action : {_action_interval(alert.frequency_minutes)}",
        f"- Qui agit : {alert.owner}",
    ]


def _procedures() -> list[str]:
    lines = ["## Procédures (opérationnel)"]
    for procedure in p.PROCEDURES:
        lines += ["", f"### {procedure.title}"]
        for number, step in enumerate(procedure.steps, start=1):
            lines.append(f"{number}) {step.text}")
            lines += [f"   - {detail}" for detail in step.details]
    lines += [
        "",
        "### Flux critiques (erreur bloquante)",
        "Une issue dont la transaction, l'URL ou le culprit correspond à un de ces repères"
        " touche un flux critique :",
    ]
    for flow in p.CRITICAL_FLOWS:
        patterns = ", ".join(f"`{pattern}`" for pattern in flow.patterns)
        lines.append(f"- **{flow.label}** — {flow.description} — repères : {patterns}")
    return lines


def _checkpoints() -> list[str]:
    return [
        "## Checkpoints & validation",
        p.CHECKPOINTS_NOTE,
        "",
        *(f"- ✅ {c.key} ({c.label}) : {c.result} — {c.note}" for c in p.HISTORICAL_CHECKPOINTS),
    ]


def _limites(config: MonitoringConfig) -> list[str]:
    plan = config.uptimerobot.plan
    monitors = config.uptimerobot.monitors.values()
    applies = {
        p.LimitScope.ALWAYS: True,
        p.LimitScope.FREE_PLAN: plan.is_free,
        p.LimitScope.HOME_PAGE_ONLY: all(_is_home_page(m.url) for m in monitors),
    }
    level_0 = [
        f"Plan {plan} : intervalle minimum {_seconds(plan.min_interval)}, une panne peut"
        " rester invisible pendant un intervalle complet.",
        *(
            f"Monitor `{key}` en pause : il ne surveille rien."
            for key, m in config.uptimerobot.monitors.items()
            if m.paused
        ),
    ]
    level_1 = [
        f"Alerte `{key}` désactivée : elle ne notifie personne."
        for key, alert in config.sentry.alerts.items()
        if not alert.enabled
    ]
    for limit in p.KNOWN_LIMITS:
        if applies[limit.scope]:
            (level_0 if limit.level == 0 else level_1).append(limit.text)
    lines = ["## Limites connues", "Niveau 0 (UptimeRobot) :", "", *_bullets(level_0)]
    if level_1:
        lines += ["", "Niveau 1 (Sentry) :", "", *_bullets(level_1)]
    lines += [
        "",
        "Non couvert :",
        "",
        *_bullets(
            f"Niveau {level.number} ({level.name}) : {p.NOT_MONITORED}."
            for level in p.PHASE_2_LEVELS
        ),
    ]
    return lines


def _next() -> list[str]:
    lines = ["## Next (Phase 2 — à planifier)"]
    for level in p.PHASE_2_LEVELS:
        lines += ["", f"Niveau {level.number} ({level.name}) — {p.NOT_MONITORED} :", ""]
        lines += _bullets(level.watches)
    return lines


def _bullets(items: Iterable[str]) -> list[str]:
    return [f"- {item}" for item in items]


def render_runbook(config: MonitoringConfig, stack: str) -> str:
    """The French runbook for `stack`, as Markdown; the same config always gives the same text."""
    sections = [
        [*_header(stack), "", *_objectif()],
        _perimetre(config),
        _etat_actuel(config, stack),
        _procedures(),
        _checkpoints(),
        _limites(config),
        _next(),
    ]
    return "\n\n---\n\n".join("\n".join(section) for section in sections) + "\n"
