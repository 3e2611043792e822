"""What the person on call does, as data: the runbook's procedures, critical flows and limits.

The French text comes from the hand-written runbook (runbook-monitoring-alerting.md) and is
kept here as typed constants, not as prose inside a renderer, so that every consumer tells
the same story: `runbook.py` renders it into docs/RUNBOOK.md, and a later `status` command
for the person on call can pick the procedure of an alert's source, match an issue's
transaction, URL or culprit against the critical flows, and show the same steps.

To change a step, edit the text below and regenerate the runbook
(`mlpp-monitoring runbook --stack production`); the freshness test fails until you do.
Nothing here depends on the stack config: what is monitored, and how, is rendered from
`MonitoringConfig` by `runbook.py`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Literal

AlertSource = Literal["uptimerobot", "sentry"]


@dataclass(frozen=True, slots=True)
class Step:
    """One numbered step of a procedure, with optional sub-points (rendered as a list)."""

    text: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Procedure:
    """What to do when one kind of alert arrives."""

    key: str
    source: AlertSource
    """Which tool's alerts this procedure answers (a status command picks it by source)."""
    title: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class CriticalFlow:
    """A user flow whose failure blocks the business: an error touching it is "bloquante".

    `patterns` are case-insensitive regular expressions searched in a Sentry issue's
    transaction, URL or culprit. They are hints written from the flow names, not a list
    checked against the app's routes: a match proposes "bloquante", a human confirms.
    """

    key: str
    label: str
    """The name the runbook uses (login, dashboard, réception, sortie)."""
    description: str
    patterns: tuple[str, ...]

    def matches(self, *texts: str | None) -> bool:
        """Whether any pattern occurs in any of the texts (None and empty texts are skipped)."""
        return any(
            re.search(pattern, text, re.IGNORECASE)
            for text in texts
            if text
            for pattern in self.patterns
        )


class LimitScope(enum.StrEnum):
    """When a known limit holds, so that the runbook only states the ones that apply."""

    ALWAYS = "always"
    FREE_PLAN = "free_plan"
    """Only on UptimeRobot's free plan."""
    HOME_PAGE_ONLY = "home_page_only"
    """Only while every UptimeRobot monitor watches a site's home page (no dedicated path)."""


@dataclass(frozen=True, slots=True)
class KnownLimit:
    """Something the monitoring does not see, stated so nobody believes it is covered."""

    key: str
    level: int
    """The monitoring level (0 = UptimeRobot, 1 = Sentry) the limit belongs to."""
    scope: LimitScope
    text: str


@dataclass(frozen=True, slots=True)
class PlannedLevel:
    """A monitoring level that is planned (Phase 2) and NOT monitored yet."""

    number: int
    name: str
    watches: tuple[str, ...]
    """What it will watch once built."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A validation done once, by hand, before this repository existed (a historical fact)."""

    key: str
    label: str
    result: str
    note: str


TWO_MINUTE_QUESTIONS: tuple[str, ...] = (
    "La PROD est-elle UP ?",
    "Si non, pourquoi ?",
    "Depuis quand ?",
    "Est-ce un incident technique ou un incident métier ?",
    "Qui doit agir ?",
)
"""The questions the on-call person must answer in under 2 minutes (the runbook's goal)."""


CRITICAL_FLOWS: tuple[CriticalFlow, ...] = (
    CriticalFlow(
        key="login",
        label="login",
        description="connexion à l'application",
        patterns=(r"log[-_ ]?in", r"sign[-_ ]?in", r"\bauth", r"connexion"),
    ),
    CriticalFlow(
        key="dashboard",
        label="dashboard",
        description="tableau de bord après connexion",
        patterns=(r"dashboard", r"tableau[-_ ]de[-_ ]bord"),
    ),
    CriticalFlow(
        key="reception",
        label="réception",
        description="saisie et validation des réceptions",
        patterns=(r"r[ée]ception",),
    ),
    CriticalFlow(
        key="sortie",
        label="sortie",
        description="saisie et validation des sorties",
        patterns=(r"sortie",),
    ),
)
"""The flows whose errors are "bloquantes", in the runbook's order."""

NON_BLOCKING_EXAMPLES: tuple[str, ...] = ("noise", "plugin", "navigateur")
"""What the runbook calls non-blocking errors (when no critical flow is touched)."""


def critical_flows_in(*texts: str | None) -> tuple[CriticalFlow, ...]:
    """The critical flows a Sentry issue touches, given its transaction, URL and/or culprit."""
    return tuple(flow for flow in CRITICAL_FLOWS if flow.matches(*texts))


BLOCKING_ERROR = "Erreur bloquante (" + ", ".join(flow.label for flow in CRITICAL_FLOWS) + ")"
NON_BLOCKING_ERROR = "Erreur non bloquante (" + " / ".join(NON_BLOCKING_EXAMPLES) + ")"


UPTIMEROBOT_DOWN = Procedure(
    key="uptimerobot-down",
    source="uptimerobot",
    title='Si UptimeRobot alerte "DOWN"',
    steps=(
        Step("Confirmer rapidement depuis un navigateur externe (4G si possible)"),
        Step("Vérifier Firebase Hosting (statut domaine / dernières releases)"),
        Step("Vérifier Supabase (status page + latence API si suspicion)"),
        Step(
            "Si impact confirmé : déclencher incident interne"
            " + appliquer runbook rollback (si disponible)"
        ),
    ),
)

SENTRY_ISSUE = Procedure(
    key="sentry-issue",
    source="sentry",
    title='Si Sentry alerte "New issue" ou "Spike"',
    steps=(
        Step('Ouvrir l\'Issue Sentry → "Stack Trace" + "Tags"'),
        Step(
            "Identifier :",
            ("environment (production/staging)", "release", "browser.name"),
        ),
        Step("Classer :", (BLOCKING_ERROR, NON_BLOCKING_ERROR)),
        Step(
            "Action :",
            (
                "Mitigation immédiate si possible (feature flag / revert / hotfix)",
                "Sinon : créer ticket correctif et prioriser",
            ),
        ),
    ),
)

PROCEDURES: tuple[Procedure, ...] = (UPTIMEROBOT_DOWN, SENTRY_ISSUE)
"""Every procedure, in the runbook's order."""


def procedure_for(source: AlertSource) -> Procedure:
    """The procedure that answers an alert from `source`."""
    return next(procedure for procedure in PROCEDURES if procedure.source == source)


KNOWN_LIMITS: tuple[KnownLimit, ...] = (
    KnownLimit(
        key="free-threshold-recurrence",
        level=0,
        scope=LimitScope.FREE_PLAN,
        text=(
            "Seuil et récurrence des contacts d'alerte fixés à 0 en free : alerte dès le"
            " premier échec constaté, sans délai de confirmation ni rappel tant que c'est DOWN."
        ),
    ),
    KnownLimit(
        key="free-expiry-reminders",
        level=0,
        scope=LimitScope.FREE_PLAN,
        text='Pas de "SSL expiry checks" / "domain expiry reminders" en free.',
    ),
    KnownLimit(
        key="no-smoke-endpoint",
        level=0,
        scope=LimitScope.HOME_PAGE_ONLY,
        text='Pas de "smoke endpoint" dédié (on surveille la home/SPA).',
    ),
)
"""The runbook's known limits; the renderer keeps those whose scope applies to the config."""


PHASE_2_LEVELS: tuple[PlannedLevel, ...] = (
    PlannedLevel(
        number=2,
        name="métier",
        watches=(
            "invariants SQL : stock négatif, snapshot absent, mélange propriétaire,"
            " sorties incohérentes, CDR bloqués, etc.",
        ),
    ),
    PlannedLevel(
        number=3,
        name="backend/sécurité",
        watches=("401/403 spikes (RLS), 5xx, requêtes lentes, rate limiting, etc.",),
    ),
)
"""Levels that are planned and not monitored: never to be presented as covered."""

NOT_MONITORED = "non surveillé pour l'instant (Phase 2)"


CHECKPOINTS_NOTE = (
    "Historique : tests manuels réalisés sur les objets créés à la main dans les consoles"
    " UptimeRobot et Sentry, avant que ce dépôt ne les déclare. Ils ne valident pas les objets"
    " déclarés ici."
)

HISTORICAL_CHECKPOINTS: tuple[Checkpoint, ...] = (
    Checkpoint("A2", "test uptime", "OK", "alerte UptimeRobot reçue (test manuel)"),
    Checkpoint("B2", "test notification Sentry", "OK", "alerte Sentry reçue (test manuel)"),
    Checkpoint(
        "C",
        "doc runbook ajouté",
        "OK",
        "runbook écrit à la main, remplacé depuis par ce fichier généré",
    ),
)
"""The seed runbook's checkpoints, as they were recorded."""
