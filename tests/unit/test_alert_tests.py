"""Alert tests: the scenario file, its errors, and the committed alert-tests.yaml against the
production stack (mlpp_monitoring/commands/alert_tests/)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlpp_monitoring.commands.alert_tests import outcomes, render, scenarios
from mlpp_monitoring.commands.alert_tests.outcomes import ComparedRow, Outcome, Row
from mlpp_monitoring.commands.alert_tests.scenarios import ScenarioError, load_scenarios
from mlpp_monitoring.config import PROJECT, MonitoringConfig, parse_config

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / scenarios.DEFAULT_FILE


def _stack(name: str = "production") -> dict[str, Any]:
    """The project's keys of a committed stack file, as plain data."""
    config = yaml.safe_load((REPO / f"Pulumi.{name}.yaml").read_text(encoding="utf-8"))["config"]
    return {
        key.removeprefix(f"{PROJECT}:"): value
        for key, value in config.items()
        if key.startswith(f"{PROJECT}:")
    }


def _config(mutate: Any = None) -> MonitoringConfig:
    """The production stack's config (as Pulumi hands it to the program), maybe changed."""
    data = _stack()
    if mutate:
        mutate(data)
    return parse_config({key: json.dumps(value) for key, value in data.items()})


def _committed() -> list[scenarios.Scenario]:
    return load_scenarios(SCENARIOS.read_text(encoding="utf-8"))


def _failing(config: MonitoringConfig) -> set[tuple[str, str]]:
    return {(r.scenario, r.key) for r in outcomes.run(_committed(), config) if not r.holds}


# --- the committed scenarios -----------------------------------------------------------------


def test_the_committed_scenarios_hold_on_the_production_stack() -> None:
    rows = outcomes.run(_committed(), _config())
    assert rows and all(row.holds for row in rows), render.render_table(rows)


def test_every_alert_and_monitor_of_production_is_tested_both_ways() -> None:
    config = _config()
    declared = set(config.sentry.alerts) | set(config.uptimerobot.monitors)
    rows = outcomes.run(_committed(), config)
    for key in declared:
        counts = {row.expected for row in rows if row.key == key}
        assert 0 in counts and counts - {0}, f"{key}: needs a silent and a notifying scenario"


def _spike(data: dict[str, Any], **changes: Any) -> None:
    data["sentry"]["alerts"]["spike"].update(changes)


def test_raising_the_spike_threshold_to_20_fails_the_spike_scenarios() -> None:
    failing = _failing(_config(lambda d: _spike(d, event_threshold=20)))
    assert failing == {
        (
            "11 events in 3 minutes on an issue first seen two days ago notify through the "
            "spike rule",
            "spike",
        ),
        (
            "A second spike 2 hours after the first notifies nobody (24 h interval per issue)",
            "spike",
        ),
        ("A spike 25 hours after the last notification notifies again", "spike"),
        ("The 24 h run from the last notification, not from the last spike", "spike"),
        (
            "Each issue has its own 24 h interval (a spike on another issue the same hour "
            "notifies)",
            "spike",
        ),
    }


def test_shortening_the_interval_to_an_hour_fails_the_24_hour_scenarios() -> None:
    def hourly(data: dict[str, Any]) -> None:
        for key in ("spike", "new-issue"):
            data["sentry"]["alerts"][key]["frequency_minutes"] = 60

    assert _failing(_config(hourly)) == {
        (
            "More events of a new issue the same day notify nobody again (one notification "
            "per issue per 24 h)",
            "spike",
        ),
        (
            "A second spike 2 hours after the first notifies nobody (24 h interval per issue)",
            "spike",
        ),
        ("The 24 h run from the last notification, not from the last spike", "spike"),
    }


def test_monitor_changes_fail_the_monitor_scenarios() -> None:
    def lax(data: dict[str, Any]) -> None:
        data["uptimerobot"]["monitors"]["monaluxe-app"].update(
            follow_redirections=False, check_ssl_errors=False, timeout=40
        )

    assert _failing(_config(lax)) == {
        (
            "A redirect 301 to a page that answers 200 is up (redirects are followed)",
            "monaluxe-app",
        ),
        ("No answer within the 30 s timeout is down", "monaluxe-app"),
        (
            "A certificate error is down even when the page answers 200 (SSL errors are checked)",
            "monaluxe-app",
        ),
    }


def test_compare_puts_the_rows_a_change_alters_first() -> None:
    head = _config(lambda d: _spike(d, frequency_minutes=60))
    rows = outcomes.compare(_committed(), _config(), head)
    changed = [row for row in rows if row.changed]
    assert rows[: len(changed)] == changed and len(changed) == 3
    second = next(r for r in changed if r.scenario.startswith("A second spike 2 hours"))
    assert (second.base.count, second.head.count) == (2, 3)
    assert second.head.detail == "B at -48h, 2m43.6s, 2h2m43.6s"


def test_compare_shows_an_alert_only_one_side_declares_as_not_declared() -> None:
    def without_spike(data: dict[str, Any]) -> None:
        del data["sentry"]["alerts"]["spike"]

    rows = outcomes.compare(_committed(), _config(without_spike), _config())
    spike = [row for row in rows if row.key == "spike"]
    assert spike and all(r.changed and r.base == Outcome(None, "not declared") for r in spike)


def test_an_object_the_evaluator_cannot_model_is_reported_not_guessed() -> None:
    def keyword(data: dict[str, Any]) -> None:
        data["uptimerobot"]["monitors"]["monaluxe-app"].update(type="KEYWORD", keyword="Monaluxe")

    loaded = load_scenarios("scenarios: [{name: s, checks: [{at: 0s}], expect: {monaluxe-app: 1}}]")
    (row,) = outcomes.run(loaded, _config(keyword))
    assert row.got is None and not row.holds
    assert row.detail.startswith(
        "cannot evaluate: monitor 'ML_PP production - monaluxe.app' is of type KEYWORD"
    )


# --- the format ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0s", 0), ("90s", 90), ("3m", 180), ("-48h", -172_800), ("1h30m", 5_400), ("2d", 172_800)],
)
def test_durations(text: str, seconds: float) -> None:
    assert scenarios.parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (-172_800, "-48h"), (163.636, "2m43.6s"), (90_163.6, "25h2m43.6s"), (300, "5m")],
)
def test_times_are_shown_as_the_file_writes_them(seconds: float, text: str) -> None:
    assert scenarios.format_duration(seconds) == text


def test_count_over_spreads_events_evenly_within_over() -> None:
    (scenario,) = load_scenarios(
        "scenarios: [{name: s, events: [{at: 1m, issue: B, environment: production, "
        "count: 4, over: 2m}], expect: {spike: 0}}]"
    )
    events = scenario.issue_events()
    assert [e.at for e in events] == [60, 90, 120, 150]
    assert {(e.issue, e.environment) for e in events} == {("B", "production")}


def test_a_check_with_monitor_is_that_monitors_only() -> None:
    def two_monitors(data: dict[str, Any]) -> None:
        monitors = data["uptimerobot"]["monitors"]
        monitors["api"] = {**monitors["monaluxe-app"], "name": "api", "url": "https://api.example"}

    (scenario,) = load_scenarios(
        "scenarios: [{name: s, checks: [{at: 0s, status: 503, monitor: api}, "
        "{at: 5m, status: 200}, {at: 10m, status: 503}], expect: {monaluxe-app: 1, api: 2}}]"
    )
    rows = outcomes.run([scenario], _config(two_monitors))
    assert [(r.key, r.got, r.detail) for r in rows] == [
        ("monaluxe-app", 1, "DOWN at 10m (HTTP 503)"),
        ("api", 2, "DOWN at 0s (HTTP 503), 10m (HTTP 503)"),
    ]


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenarios(textwrap.dedent(text))
    return str(info.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{at: 0s, issue: B, environment: production, cuont: 3}",
            "events[0].cuont: unknown key (a typo?); allowed: at, issue, environment, count, over",
        ),
        (
            "{at: 3x, issue: B, environment: production}",
            "events[0].at: '3x' is not allowed: must be a duration such as -48h, 0s, 3m, 90s or "
            "1h30m (a whole number with a unit d, h, m or s; may be negative)",
        ),
        (
            "{at: 90, issue: B, environment: production}",
            "events[0].at: 90 is not allowed: must be a duration such as -48h, 0s, 3m, 90s or "
            "1h30m (a whole number with a unit d, h, m or s; may be negative)",
        ),
        ("{at: 0s, issue: B}", "events[0].environment: required key is missing"),
        (
            "{at: 0s, issue: B, environment: production, count: 0}",
            "events[0].count: 0 is not allowed: Input should be greater than or equal to 1",
        ),
        (
            "{at: 0s, issue: B, environment: production, count: 2, over: -3m}",
            "events[0].over: '-3m' is not allowed: Input should be greater than or equal to 0",
        ),
        (
            "{at: 0s, issue: B, environment: production, over: 3m}",
            "events[0]: over spreads `count` events: give count above 1, or leave over out",
        ),
    ],
)
def test_event_errors_name_the_scenario_the_key_and_the_value(entry: str, message: str) -> None:
    text = (
        f"scenarios:\n  - name: spike at the threshold\n    events: [{entry}]\n"
        "    expect: {spike: 1}\n"
    )
    assert _error(text) == f"alert-tests.yaml:\n  scenario 'spike at the threshold': {message}"


@pytest.mark.parametrize(
    ("checks", "message"),
    [
        (
            "[{at: 0s, status: 301}]",
            "checks[0]: status 301 is a redirect: give redirect_status, the status at the end of "
            "the redirect",
        ),
        (
            "[{at: 0s, status: 200, redirect_status: 200}]",
            "checks[0]: redirect_status is only for a redirect status (301, 302, 303, 307, 308), "
            "not 200",
        ),
        (
            "[{at: 0s, status: 700}]",
            "checks[0].status: 700 is not allowed: Input should be less than or equal to 599",
        ),
        (
            "[{at: 0s, status: 200, timeout: 31}]",
            "checks[0].timeout: unknown key (a typo?); allowed: at, status, redirect_status, "
            "response_seconds, ssl_error, monitor",
        ),
        (
            "[{at: 0s, status: 503}, {at: 0s, status: 200, monitor: other}]",
            "two checks of one monitor at 0s: a monitor is checked once at a time (give each "
            "check its own `at`, or `monitor`)",
        ),
    ],
)
def test_check_errors_name_the_scenario_the_key_and_the_value(checks: str, message: str) -> None:
    text = f"scenarios:\n  - name: a 503\n    checks: {checks}\n    expect: {{monaluxe-app: 1}}\n"
    assert _error(text) == f"alert-tests.yaml:\n  scenario 'a 503': {message}"


def test_scenario_level_errors_are_all_listed() -> None:
    text = """\
        scenarios:
          - name: one
            expect: {spike: 1}
            evnets: []
          - name: one
            expect: {spike: -1}
          - events: []
    """
    assert _error(text) == (
        "alert-tests.yaml:\n"
        "  scenario 'one': evnets: unknown key (a typo?); allowed: name, events, checks, expect\n"
        "  scenario 'one': expect.spike: -1 is not allowed: Input should be greater than or "
        "equal to 0\n"
        "  scenario #3: name: required key is missing\n"
        "  scenario #3: expect: required key is missing"
    )


def test_duplicate_names_are_refused() -> None:
    text = "scenarios: [{name: a, expect: {spike: 0}}, {name: a, expect: {spike: 0}}]"
    assert _error(text) == (
        "alert-tests.yaml:\n  scenario 'a': the name is used twice; names must be unique"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "alert-tests.yaml: the file is empty: it must hold one key, scenarios"),
        (
            "- a",
            "alert-tests.yaml: the file is not a mapping (list): it must hold one key, scenarios",
        ),
        (
            "scenarios: []\ntests: []",
            "alert-tests.yaml: tests: unknown key (a typo?); the file holds one key, scenarios",
        ),
        ("{}", "alert-tests.yaml: scenarios: required key is missing"),
        ("scenarios: {}", "alert-tests.yaml: scenarios must be a non-empty list, not {}"),
        (
            "scenarios: [3]",
            "alert-tests.yaml:\n  scenario #1: must be a mapping with name, events, checks, expect",
        ),
    ],
)
def test_file_level_errors(text: str, message: str) -> None:
    assert _error(text) == message


def test_invalid_yaml_is_named() -> None:
    assert _error("scenarios: [").startswith("alert-tests.yaml: not valid YAML: ")


def test_a_key_the_stack_does_not_declare_is_refused_with_the_declared_ones() -> None:
    loaded = load_scenarios(
        "scenarios: [{name: typo, checks: [{at: 0s, status: 200, monitor: site}], "
        "expect: {spik: 1, monaluxe-app: 0}}]"
    )
    with pytest.raises(ScenarioError) as info:
        outcomes.run(loaded, _config())
    assert str(info.value) == (
        "alert-tests.yaml:\n"
        "  scenario 'typo': expect.spik: 'spik' is not an alert or a monitor of the stack "
        "(alerts: new-issue, spike; monitors: monaluxe-app)\n"
        "  scenario 'typo': checks[0].monitor: 'site' is not a monitor of the stack "
        "(monitors: monaluxe-app)"
    )


# --- the table -----------------------------------------------------------------------------


def test_render_table_is_aligned_and_says_what_holds() -> None:
    rows = [
        Row("new issue in production", "new-issue", 1, 1, "A at 0s"),
        Row("at the threshold", "spike", 1, 2, "B at -48h, 2m43.6s"),
        Row("keyword", "site", 0, None, "cannot evaluate: type KEYWORD"),
    ]
    assert render.render_table(rows) == (
        "scenario                 object     expected  got  result  when\n"
        "new issue in production  new-issue  1         1    ok      A at 0s\n"
        "at the threshold         spike      1         2    FAIL    B at -48h, 2m43.6s\n"
        "keyword                  site       0         ?    FAIL    cannot evaluate: type KEYWORD\n"
        "\n"
        "1 of 3 expectations hold"
    )


def test_render_comparison_marks_what_changes() -> None:
    rows = [
        ComparedRow(
            "second spike 2 h later",
            "spike",
            2,
            Outcome(2, "B at -48h, 2m"),
            Outcome(3, "B at -48h, 2m, 2h2m"),
        ),
        ComparedRow("503", "monaluxe-app", 1, Outcome(1, "DOWN"), Outcome(1, "DOWN")),
    ]
    assert render.render_comparison(rows) == (
        "         scenario                object        expected  base  PR  result  "
        "base: when     PR: when\n"
        "changed  second spike 2 h later  spike         2         2     3   FAIL    "
        "B at -48h, 2m  B at -48h, 2m, 2h2m\n"
        "         503                     monaluxe-app  1         1     1   ok      "
        "DOWN           DOWN\n"
        "\n"
        "1 of 2 outcomes change; 1 of 2 expectations hold on the PR"
    )
