"""docs/RUNBOOK.md is generated from the stack config: it is fresh, follows every config
change, never presents Phase 2 as covered, and renders the same text every time."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlpp_monitoring.commands import cli
from mlpp_monitoring.commands.runbook import procedures
from mlpp_monitoring.commands.runbook.command import RUNBOOK_PATH, write_runbook
from mlpp_monitoring.commands.runbook.render import REGENERATE_COMMAND, render_runbook
from mlpp_monitoring.config import MonitoringConfig, parse_config
from tests.stackfiles import REPO, project_raw

PRODUCTION = {k: json.loads(v) for k, v in project_raw("production").items()}
Mutation = Callable[[dict[str, Any]], None]


def _config(mutate: Mutation | None = None) -> MonitoringConfig:
    data = copy.deepcopy(PRODUCTION)
    if mutate:
        mutate(data)
    return parse_config({k: json.dumps(v) for k, v in data.items()})


def _render(mutate: Mutation | None = None) -> str:
    return render_runbook(_config(mutate), "production")


def _block(text: str, heading: str) -> str:
    """The lines from the heading containing `heading` to the next heading or rule."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if heading in line)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith(("#", "---"))),
        len(lines),
    )
    return "\n".join(lines[start:end])


def _section(text: str, title: str) -> str:
    """One `## ` section of the runbook, up to the next rule."""
    return text.split(f"## {title}", 1)[1].split("\n---\n", 1)[0]


def _monitor(data: dict[str, Any]) -> dict[str, Any]:
    monitor: dict[str, Any] = data["uptimerobot"]["monitors"]["monaluxe-app"]
    return monitor


def _alert(data: dict[str, Any], key: str = "spike") -> dict[str, Any]:
    alert: dict[str, Any] = data["sentry"]["alerts"][key]
    return alert


def test_committed_runbook_is_fresh() -> None:
    committed = (REPO / RUNBOOK_PATH).read_text(encoding="utf-8")
    config = parse_config(project_raw("production"))
    assert committed == render_runbook(config, "production"), (
        f"{RUNBOOK_PATH} is stale: regenerate it with "
        f"`{REGENERATE_COMMAND.format(stack='production')}` and commit it"
    )


def test_runbook_says_it_is_generated_and_how_to_regenerate() -> None:
    header = _render().split("## Objectif", 1)[0]
    assert "Fichier généré" in header and "ne pas le modifier à la main" in header
    assert "`mlpp-monitoring runbook --stack production`" in header
    assert "`Pulumi.production.yaml`" in header


def test_runbook_keeps_the_seed_structure() -> None:
    text = _render()
    titles = [line for line in text.splitlines() if line.startswith(("## ", "### "))]
    expected = [
        "## Objectif (règle des 2 minutes)",
        "## Périmètre",
        "## ✅ État actuel",
        "### Niveau 0 — Disponibilité (UptimeRobot)",
        "### Niveau 1 — Erreurs applicatives (Sentry)",
        "## Procédures (opérationnel)",
        '### Si UptimeRobot alerte "DOWN"',
        '### Si Sentry alerte "New issue" ou "Spike"',
        "### Flux critiques",
        "## Checkpoints & validation",
        "## Limites connues",
        "## Next (Phase 2",
    ]
    it = iter(titles)
    for title in expected:  # in this order, possibly with other titles between
        assert any(t.startswith(title) for t in it), f"missing or out of order: {title}"


def test_production_values_are_rendered() -> None:
    text = _render()
    monitor = _block(text, "Monitor `monaluxe-app`")
    for line in [
        "- URL surveillée : https://monaluxe.app",
        "- Type : HTTP(s), requête GET",
        "- Intervalle : 5 minutes (300 s) — minimum du plan free",
        "- Timeout : 30 s",
        "- Codes de succès : 2xx",
        "- Redirections : suivies",
        "- Erreurs SSL : vérifiées (certificat invalide = DOWN)",
        "  - ops@monaluxe.app (alerte dès le premier échec, sans répétition)",
        "- Qui agit : on-call",
    ]:
        assert line in monitor.splitlines()
    assert "- Plan : free — intervalle minimum 5 minutes (300 s)" in text
    new_issue, spike = _block(text, "Alerte `new-issue`"), _block(text, "Alerte `spike`")
    assert "- Déclencheur : « Un nouvel issue est créé »" in new_issue
    assert "OU « Plus de 10 événements dans un issue en 5 minutes »" in spike
    assert "logique OU" in spike and "« Un nouvel issue est créé »" in spike
    for alert in (new_issue, spike):
        assert "- Active : oui" in alert
        assert "- Filtre : tag environment == production" in alert
        assert "Suggested Assignees (issue owners), fallback All Project Members" in alert
        assert "- Intervalle d'action : 24h (1440 min)" in alert
        assert "- Qui agit : on-call" in alert


@pytest.mark.parametrize(
    ("mutate", "heading", "before", "after"),
    [
        pytest.param(
            lambda d: _monitor(d).update(interval=600),
            "Monitor `monaluxe-app`",
            "- Intervalle : 5 minutes (300 s) — minimum du plan free",
            "- Intervalle : 10 minutes (600 s)",
            id="interval-300-to-600",
        ),
        pytest.param(
            lambda d: _alert(d).update(event_threshold=20),
            "Alerte `spike`",
            "« Plus de 10 événements dans un issue en 5 minutes »",
            "« Plus de 20 événements dans un issue en 5 minutes »",
            id="threshold-10-to-20",
        ),
        pytest.param(
            lambda d: _alert(d).update(frequency_minutes=60),
            "Alerte `spike`",
            "- Intervalle d'action : 24h (1440 min)",
            "- Intervalle d'action : 1h (60 min) — au plus une notification par issue"
            " toutes les 1h",
            id="frequency-1440-to-60",
        ),
        pytest.param(
            lambda d: _alert(d).update(environment="prod"),
            "Alerte `spike`",
            "- Filtre : tag environment == production",
            "- Filtre : tag environment == prod",
            id="environment-renamed",
        ),
        pytest.param(
            lambda d: _alert(d).update(enabled=False),
            "Alerte `spike`",
            "- Active : oui",
            "- Active : **non — désactivée, ne notifie personne**",
            id="alert-disabled",
        ),
        pytest.param(
            lambda d: _alert(d).update(event_interval="1h"),
            "Alerte `spike`",
            "dans un issue en 5 minutes",
            "« Plus de 10 événements dans un issue en 1 heure »",
            id="event-interval-5m-to-1h",
        ),
        pytest.param(
            lambda d: _alert(d)["notify"].update(fallthrough="NoOne"),
            "Alerte `spike`",
            "fallback All Project Members",
            "fallback No One — **une issue sans propriétaire ne notifie personne**",
            id="fallthrough-no-one",
        ),
        pytest.param(
            lambda d: _alert(d).update(owner="alice"),
            "Alerte `spike`",
            "- Qui agit : on-call",
            "- Qui agit : alice",
            id="owner",
        ),
        pytest.param(
            lambda d: _monitor(d).update(paused=True),
            "Monitor `monaluxe-app`",
            "- État : actif",
            "- État : **EN PAUSE — ne surveille rien**",
            id="monitor-paused",
        ),
    ],
)
def test_config_change_changes_the_rendered_line(
    mutate: Mutation, heading: str, before: str, after: str
) -> None:
    assert before in _block(_render(), heading)
    changed = _block(_render(mutate), heading)
    assert after in changed
    assert before not in changed


def test_a_change_to_one_alert_leaves_the_other_alone() -> None:
    text = _render(lambda d: _alert(d).update(frequency_minutes=60, environment="prod"))
    assert _block(text, "Alerte `new-issue`") == _block(_render(), "Alerte `new-issue`")


def test_disabled_alert_and_paused_monitor_are_known_limits() -> None:
    def mutate(d: dict[str, Any]) -> None:
        _alert(d).update(enabled=False)
        _monitor(d).update(paused=True)

    limits = _section(_render(mutate), "Limites connues")
    assert "- Alerte `spike` désactivée : elle ne notifie personne." in limits
    assert "- Monitor `monaluxe-app` en pause : il ne surveille rien." in limits
    assert "désactivée" not in _section(_render(), "Limites connues")


def test_free_plan_limits_are_stated_and_go_with_the_plan() -> None:
    free = _section(_render(), "Limites connues")
    assert "- Plan free : intervalle minimum 5 minutes (300 s)" in free
    assert "Seuil et récurrence des contacts d'alerte fixés à 0 en free" in free
    assert '- Pas de "SSL expiry checks" / "domain expiry reminders" en free.' in free
    assert '- Pas de "smoke endpoint" dédié (on surveille la home/SPA).' in free

    def solo_plan(d: dict[str, Any]) -> None:
        d["uptimerobot"]["plan"] = "solo"
        _monitor(d)["interval"] = 60

    solo = _section(_render(solo_plan), "Limites connues")
    assert "- Plan solo : intervalle minimum 1 minute (60 s)" in solo
    assert "en free" not in solo


def test_smoke_endpoint_limit_goes_away_with_a_dedicated_path() -> None:
    limits = _section(
        _render(lambda d: _monitor(d).update(url="https://monaluxe.app/healthz")),
        "Limites connues",
    )
    assert "smoke endpoint" not in limits


def test_levels_2_and_3_are_reported_as_not_monitored() -> None:
    text = _render()
    perimetre = _section(text, "Périmètre")
    assert "- Niveau 2 : métier — **non surveillé pour l'instant (Phase 2)**" in perimetre
    assert "- Niveau 3 : backend/sécurité — **non surveillé pour l'instant (Phase 2)**" in (
        perimetre
    )
    assert "Niveau 2" not in _section(text, "✅ État actuel")
    assert "Niveau 3" not in _section(text, "✅ État actuel")
    assert "- Niveau 2 (métier) : non surveillé pour l'instant (Phase 2)." in _section(
        text, "Limites connues"
    )
    nxt = _section(text, "Next (Phase 2")
    assert "Niveau 2 (métier) — non surveillé pour l'instant (Phase 2) :" in nxt
    assert "invariants SQL" in nxt
    for line in text.splitlines():
        if "Niveau 2" in line or "Niveau 3" in line:
            assert "✅" not in line


def test_every_critical_flow_appears_in_the_procedures() -> None:
    procedures_section = _section(_render(), "Procédures (opérationnel)")
    assert "- Erreur bloquante (login, dashboard, réception, sortie)" in procedures_section
    assert [flow.label for flow in procedures.CRITICAL_FLOWS] == [
        "login",
        "dashboard",
        "réception",
        "sortie",
    ]
    for flow in procedures.CRITICAL_FLOWS:
        assert f"- **{flow.label}** — {flow.description}" in procedures_section
        for pattern in flow.patterns:
            assert f"`{pattern}`" in procedures_section


def test_every_procedure_step_is_rendered() -> None:
    text = _section(_render(), "Procédures (opérationnel)")
    for procedure in procedures.PROCEDURES:
        block = _block(text, procedure.title)
        for number, step in enumerate(procedure.steps, start=1):
            assert f"{number}) {step.text}" in block
            for detail in step.details:
                assert f"   - {detail}" in block


def test_checkpoints_are_historical_manual_tests() -> None:
    checkpoints = _section(_render(), "Checkpoints & validation")
    assert "tests manuels" in checkpoints and "créés à la main" in checkpoints
    for key, label in [
        ("A2", "test uptime"),
        ("B2", "test notification Sentry"),
        ("C", "doc runbook ajouté"),
    ]:
        assert f"- ✅ {key} ({label}) : OK" in checkpoints


@pytest.mark.parametrize(
    ("texts", "flows"),
    [
        (("/receptions/new",), ["reception"]),
        (("package:mlpp/features/auth/login_screen.dart",), ["login"]),
        (("GET /Dashboard", None, ""), ["dashboard"]),
        (("SortiesListScreen.build",), ["sortie"]),
        (("Réception", "/sorties"), ["reception", "sortie"]),
        (("ResizeObserver loop limit exceeded", "chrome-extension://abc"), []),
    ],
)
def test_critical_flows_match_transaction_url_or_culprit(
    texts: tuple[str | None, ...], flows: list[str]
) -> None:
    assert [flow.key for flow in procedures.critical_flows_in(*texts)] == flows


def test_procedure_for_each_alert_source() -> None:
    assert procedures.procedure_for("uptimerobot").key == "uptimerobot-down"
    assert procedures.procedure_for("sentry").key == "sentry-issue"


def test_render_is_deterministic() -> None:
    first, second = _render(), render_runbook(_config(), "production")
    assert first == second
    assert first.endswith("\n") and not first.endswith("\n\n")
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", first), "no date or time"


def test_stack_name_is_rendered() -> None:
    text = render_runbook(_config(), "staging")
    assert "`Pulumi.staging.yaml`" in text
    assert "`mlpp-monitoring runbook --stack staging`" in text


def test_write_runbook_reports_whether_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "RUNBOOK.md"
    assert write_runbook(_config(), "production", path) is True
    assert write_runbook(_config(), "production", path) is False
    assert path.read_text(encoding="utf-8") == _render()


def test_main_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.production.yaml").write_bytes(
        (REPO / "Pulumi.production.yaml").read_bytes()
    )
    args = ["runbook", "--stack", "production", "--cwd", str(tmp_path)]
    assert cli.main([*args, "--check"]) == 1
    assert "mlpp-monitoring runbook --stack production" in capsys.readouterr().err
    assert cli.main(args) == 0
    assert (tmp_path / RUNBOOK_PATH).read_text(encoding="utf-8") == _render()
    assert cli.main([*args, "--check"]) == 0
    assert cli.main(["runbook", "--stack", "nope", "--cwd", str(tmp_path)]) == 2
