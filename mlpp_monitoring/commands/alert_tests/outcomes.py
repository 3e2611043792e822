"""What each declared alert and monitor does in each scenario: against one stack config
(`run`), or against two, the base branch's and a pull request's (`compare`).

An alert's outcome is how many times it notifies (`sentry/firing.py`), a monitor's how
many DOWN alerts it sends (`uptimerobot/checks.py`), both read from the stack config the
way the program declares them (`AlertSpec.from_config`, `MonitorSpec.from_config`), so the
scenarios judge exactly what `pulumi up` would create.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from mlpp_monitoring.commands.alert_tests.scenarios import (
    DEFAULT_FILE,
    Scenario,
    check_keys,
    format_duration,
)
from mlpp_monitoring.config import MonitoringConfig
from mlpp_monitoring.sentry import firing
from mlpp_monitoring.sentry.alert import AlertSpec
from mlpp_monitoring.uptimerobot import checks as uptime
from mlpp_monitoring.uptimerobot.monitor import MonitorSpec


@dataclass(frozen=True)
class Outcome:
    """What one object did in one scenario: how many notifications, and when.

    `count` is None when the object is not declared by the config or cannot be evaluated;
    `detail` then says which.
    """

    count: int | None
    detail: str


def _alert_outcome(spec: AlertSpec, scenario: Scenario) -> Outcome:
    sent = firing.notifications(spec, scenario.issue_events())
    by_issue: dict[str, list[str]] = {}
    for notification in sent:
        by_issue.setdefault(notification.issue, []).append(format_duration(notification.at))
    detail = "; ".join(f"{issue} at {', '.join(times)}" for issue, times in by_issue.items())
    return Outcome(len(sent), detail)


def _monitor_outcome(spec: MonitorSpec, key: str, scenario: Scenario) -> Outcome:
    run = uptime.run(spec, scenario.check_results(key), until=scenario.end())
    moments = sorted({alert.at: alert.incident.reason for alert in run.alerts}.items())
    detail = ", ".join(f"{format_duration(at)} ({reason})" for at, reason in moments)
    return Outcome(len(moments), f"DOWN at {detail}" if moments else "")


def outcome(scenario: Scenario, key: str, config: MonitoringConfig) -> Outcome:
    """What the object `key` of `config` does in `scenario`."""
    try:
        if key in config.sentry.alerts:
            spec = AlertSpec.from_config(config.sentry, config.sentry.alerts[key])
            return _alert_outcome(spec, scenario)
        if key in config.uptimerobot.monitors:
            monitor = MonitorSpec.from_config(config.uptimerobot.monitors[key])
            return _monitor_outcome(monitor, key, scenario)
    except (firing.CannotEvaluate, uptime.CannotEvaluate) as exc:
        return Outcome(None, f"cannot evaluate: {exc}")
    return Outcome(None, "not declared")


@dataclass(frozen=True)
class Row:
    """One expectation of one scenario, and what the object did."""

    scenario: str
    key: str
    expected: int
    got: int | None
    detail: str

    @property
    def holds(self) -> bool:
        """Whether the object sent exactly the expected number of notifications."""
        return self.got == self.expected


def run(
    scenarios: Sequence[Scenario], config: MonitoringConfig, source: str = DEFAULT_FILE
) -> list[Row]:
    """Every scenario's expectations against `config`, in file order.

    Raises ScenarioError when a scenario names a key the config does not declare.
    """
    check_keys(scenarios, [config], source)
    rows: list[Row] = []
    for scenario in scenarios:
        for key, expected in scenario.expect.items():
            got = outcome(scenario, key, config)
            rows.append(Row(scenario.name, key, expected, got.count, got.detail))
    return rows


@dataclass(frozen=True)
class ComparedRow:
    """One expectation of one scenario on two configs: the base branch's and a pull
    request's."""

    scenario: str
    key: str
    expected: int
    base: Outcome
    head: Outcome

    @property
    def changed(self) -> bool:
        """Whether the pull request changes what the object does in this scenario."""
        return self.base != self.head

    @property
    def holds(self) -> bool:
        """Whether the pull request's config sends the expected number of notifications."""
        return self.head.count == self.expected


def compare(
    scenarios: Sequence[Scenario],
    base: MonitoringConfig,
    head: MonitoringConfig,
    source: str = DEFAULT_FILE,
) -> list[ComparedRow]:
    """The scenarios run on both configs: rows whose outcome changed first, then the
    others, each group in file order. A key declared by only one config is "not declared"
    on the other.

    Raises ScenarioError when a scenario names a key neither config declares.
    """
    check_keys(scenarios, [base, head], source)
    rows = [
        ComparedRow(
            scenario.name,
            key,
            expected,
            outcome(scenario, key, base),
            outcome(scenario, key, head),
        )
        for scenario in scenarios
        for key, expected in scenario.expect.items()
    ]
    return sorted(rows, key=lambda row: not row.changed)


def declared(config: MonitoringConfig) -> dict[str, BaseModel]:
    """Every alert and monitor of `config` by config key, as the spec the program declares."""
    specs: dict[str, BaseModel] = {
        key: AlertSpec.from_config(config.sentry, alert)
        for key, alert in config.sentry.alerts.items()
    }
    for key, monitor in config.uptimerobot.monitors.items():
        specs[key] = MonitorSpec.from_config(monitor)
    return specs


def changed_objects(base: MonitoringConfig, head: MonitoringConfig) -> list[str]:
    """The config keys of the alerts and monitors `head` adds, removes or changes against
    `base`, sorted. What the program declares is compared, so a change that creates or
    changes nothing at a vendor (an `owner`) is no change here."""
    before, after = declared(base), declared(head)
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
