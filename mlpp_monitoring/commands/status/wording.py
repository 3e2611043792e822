"""The report's French phrases: durations, causes, what a finding says, the headline.

French, as the runbook and its procedures are; the JSON keys stay English (`model`).
`classify` writes them into the report, `render` shows them.
"""

from __future__ import annotations

from mlpp_monitoring.commands.status.model import (
    ContactView,
    Finding,
    IncidentView,
    Problem,
    Verdict,
)


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
        # UptimeRobot's own reason already reads "HTTP 503 - Service Unavailable": the code
        # is said once.
        phrase = reason.removeprefix(f"HTTP {incident.http_code}").lstrip(" -") or reason
        return f"HTTP {incident.http_code} ({phrase})"
    label = {
        "timeout": "délai dépassé",
        "keyword": "mot-clé",
        "ssl": "SSL",
        "other": "autre",
        "http": "HTTP",
    }[incident.cause]
    return f"{label} ({reason})"


NOT_WATCHING = {
    "paused": "moniteur en pause : personne ne surveille le site",
    "not_checked_yet": "moniteur pas encore vérifié par UptimeRobot",
    "not_found": "moniteur déclaré absent du compte UptimeRobot",
    "unknown": "état du moniteur inconnu",
}

"""What a monitor that is not up (nor down) means for the site: nobody is watching it."""


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
