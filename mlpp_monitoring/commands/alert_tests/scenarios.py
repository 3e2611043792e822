"""The scenario file of `mlpp-monitoring test-alerts`: Sentry events and UptimeRobot check
results, and how many notifications each declared alert and monitor must send.

The file (`alert-tests.yaml` at the repository root)::

    scenarios:
      - name: 11 events in 3 minutes on an issue first seen two days ago
        events:      # Sentry events
          - {at: -48h, issue: B, environment: production}
          - {at: 0s, issue: B, environment: production, count: 11, over: 3m}
        checks:      # UptimeRobot check results
          - {at: 0s, status: 301, redirect_status: 200}
        expect: {new-issue: 1, spike: 2, monaluxe-app: 0}

- Times are durations from t0: a whole number with a unit, d, h, m or s, or several
  (`1h30m`), optionally negative (`-48h`). A bare number is refused: `90` could be
  seconds or minutes, and YAML reads `1:30` as 90.
- An event is one event of an issue (any name) in an environment. `count: N` is N events,
  spread evenly from `at` over `over` (event i at `at + i * over / N`, so all N fall within
  `over`); `over` needs a count above 1.
- A check is one scheduled check as UptimeRobot concluded it: `status` (the HTTP status;
  left out, no HTTP answer at all), `redirect_status` (the status at the end of a redirect:
  required with 301, 302, 303, 307 and 308, refused with any other status),
  `response_seconds` (default 0), `ssl_error` (default false), `monitor` (the config key
  of the one monitor it is for; default every monitor).
- `expect` maps config keys (an alert or a monitor of the stack) to a count over the whole
  scenario: for an alert, how many times it notifies (all its actions count as one); for a
  monitor, how many DOWN alerts it sends (several contacts alerted at the same moment
  count as one). Keys left out are not checked.

Bad input (an unknown key, a malformed time, a key in `expect` the stack does not
declare...) raises ScenarioError naming the scenario, the key, the value and what is
allowed; the command exits 2 on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from mlpp_monitoring.config import ConfigError, MonitoringConfig
from mlpp_monitoring.sentry import firing
from mlpp_monitoring.uptimerobot import checks as uptime

DEFAULT_FILE = "alert-tests.yaml"
"""The scenario file at the repository root, run by default."""

MAX_COUNT = 10_000
"""Events one entry may stand for: enough for any spike, small enough to stay instant."""

_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_DURATION = re.compile(r"(-?)((?:\d+[dhms])+)")
_PART = re.compile(r"(\d+)([dhms])")
_DURATION_HELP = (
    "must be a duration such as -48h, 0s, 3m, 90s or 1h30m "
    "(a whole number with a unit d, h, m or s; may be negative)"
)


class ScenarioError(ConfigError):
    """The scenario file is invalid; the message names the scenario, the key, the value and
    what is allowed (one problem per line). A ConfigError, so that the command line reports
    it as it reports a bad stack config: one message, exit 2."""


def parse_duration(value: object) -> float:
    """Seconds of a duration such as `-48h`, `0s`, `3m`, `90s` or `1h30m`."""
    if not isinstance(value, str):
        raise ValueError(_DURATION_HELP)
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        raise ValueError(_DURATION_HELP)
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(match.group(2)))
    return float(-seconds if match.group(1) else seconds)


def format_duration(seconds: float) -> str:
    """A time from t0 as the file writes it: `-48h`, `0s`, `2m43.6s` (to a tenth of a second)."""
    tenths = round(abs(seconds) * 10)
    if tenths == 0:
        return "0s"
    hours, rest = divmod(tenths, 36_000)
    minutes, rest = divmod(rest, 600)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    if rest:
        parts.append(f"{rest // 10}s" if rest % 10 == 0 else f"{rest / 10:.1f}s")
    return ("-" if seconds < 0 else "") + "".join(parts)


Duration = Annotated[float, BeforeValidator(parse_duration)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
HttpStatus = Annotated[int, Field(ge=100, le=599)]


class _Strict(BaseModel):
    """Unknown keys are errors and values are not coerced across types (YAML's are kept)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class EventEntry(_Strict):
    """`events[]`: one Sentry event, or `count` of them spread over `over`."""

    at: Duration
    issue: Name
    environment: Name
    count: int = Field(default=1, ge=1, le=MAX_COUNT)
    over: Annotated[Duration, Field(ge=0)] = 0.0

    @model_validator(mode="after")
    def _spread(self) -> EventEntry:
        if self.over > 0 and self.count == 1:
            raise ValueError("over spreads `count` events: give count above 1, or leave over out")
        return self

    def events(self) -> list[firing.IssueEvent]:
        """The events this entry stands for."""
        step = self.over / self.count
        return [
            firing.IssueEvent(self.at + i * step, self.issue, self.environment)
            for i in range(self.count)
        ]


class CheckEntry(_Strict):
    """`checks[]`: one scheduled check of a monitor (of every monitor without `monitor`)."""

    at: Duration
    status: HttpStatus | None = None
    redirect_status: HttpStatus | None = None
    response_seconds: float = Field(default=0.0, ge=0)
    ssl_error: bool = False
    monitor: Name | None = None

    @model_validator(mode="after")
    def _redirect(self) -> CheckEntry:
        redirects = ", ".join(map(str, sorted(uptime.REDIRECTS)))
        if self.status in uptime.REDIRECTS and self.redirect_status is None:
            raise ValueError(
                f"status {self.status} is a redirect: give redirect_status, the status at "
                "the end of the redirect"
            )
        if self.redirect_status is not None and self.status not in uptime.REDIRECTS:
            raise ValueError(
                f"redirect_status is only for a redirect status ({redirects}), not {self.status}"
            )
        return self

    def result(self) -> uptime.CheckResult:
        """The check result the evaluator reads."""
        return uptime.CheckResult(
            self.at, self.status, self.redirect_status, self.response_seconds, self.ssl_error
        )


class Scenario(_Strict):
    """One scenario: what happens, and how many notifications each object must send."""

    name: Name
    events: list[EventEntry] = Field(default_factory=list)
    checks: list[CheckEntry] = Field(default_factory=list)
    expect: dict[Name, Annotated[int, Field(ge=0)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_check_at_a_time(self) -> Scenario:
        # A check without `monitor` is for every monitor, so it clashes with any other.
        by_time: dict[float, list[str | None]] = {}
        for entry in self.checks:
            by_time.setdefault(entry.at, []).append(entry.monitor)
        for at, monitors in by_time.items():
            if len(monitors) > 1 and (None in monitors or len(set(monitors)) < len(monitors)):
                raise ValueError(
                    f"two checks of one monitor at {format_duration(at)}: a monitor is "
                    "checked once at a time (give each check its own `at`, or `monitor`)"
                )
        return self

    def issue_events(self) -> list[firing.IssueEvent]:
        """Every Sentry event of the scenario, in file order."""
        return [event for entry in self.events for event in entry.events()]

    def check_results(self, monitor: str) -> list[uptime.CheckResult]:
        """The check results of one monitor (its own and those for every monitor)."""
        return [c.result() for c in self.checks if c.monitor in (None, monitor)]

    def end(self) -> float:
        """The scenario's last moment: its latest event or check."""
        times = [e.at for e in self.issue_events()] + [c.at for c in self.checks]
        return max(times, default=0.0)


_MODELS: dict[str, type[BaseModel]] = {"events": EventEntry, "checks": CheckEntry}


def _where(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: Mapping[str, Any]) -> str:
    loc = list(error["loc"])
    where = _where(loc)
    if error["type"] == "extra_forbidden":
        model = _MODELS.get(str(loc[0]), Scenario) if len(loc) > 2 else Scenario
        allowed = ", ".join(model.model_fields)
        return f"{where}: unknown key (a typo?); allowed: {allowed}"
    if error["type"] == "missing":
        return f"{where}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "value_error" and (not loc or isinstance(loc[-1], int)):
        # A rule across keys (its message names them and their values).
        return f"{where}: {message}" if where else message
    return f"{where}: {error.get('input')!r} is not allowed: {message}"


def load_scenarios(text: str, source: str = DEFAULT_FILE) -> list[Scenario]:
    """Parse and validate a scenario file's text.

    Raises ScenarioError listing every problem, each naming its scenario, key and value.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        what = "empty" if data is None else f"not a mapping ({type(data).__name__})"
        raise ScenarioError(f"{source}: the file is {what}: it must hold one key, scenarios")
    unknown = ", ".join(sorted(map(str, set(data) - {"scenarios"})))
    if unknown:
        raise ScenarioError(
            f"{source}: {unknown}: unknown key (a typo?); the file holds one key, scenarios"
        )
    if "scenarios" not in data:
        raise ScenarioError(f"{source}: scenarios: required key is missing")
    raw = data["scenarios"]
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(f"{source}: scenarios must be a non-empty list, not {raw!r}")
    problems: list[str] = []
    scenarios: list[Scenario] = []
    for number, item in enumerate(raw, start=1):
        name = item.get("name") if isinstance(item, dict) else None
        named = isinstance(name, str) and name.strip()
        label = f"scenario {name!r}" if named else f"scenario #{number}"
        if not isinstance(item, dict):
            problems.append(f"{label}: must be a mapping with name, events, checks, expect")
            continue
        try:
            scenarios.append(Scenario.model_validate(item))
        except ValidationError as exc:
            problems.extend(f"{label}: {_describe(e)}" for e in exc.errors())
    names = [s.name for s in scenarios]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"scenario {name!r}: the name is used twice; names must be unique")
    if problems:
        raise ScenarioError(f"{source}:\n  " + "\n  ".join(problems))
    return scenarios


def check_keys(
    scenarios: Sequence[Scenario], configs: Sequence[MonitoringConfig], source: str = DEFAULT_FILE
) -> None:
    """Every key the scenarios name (in `expect`, or a check's `monitor`) must be an alert
    or a monitor of one of `configs` (of either, to compare a base and a pull request).

    Raises ScenarioError naming the scenario, the key and the keys the stack declares.
    """
    alerts = sorted({k for c in configs for k in c.sentry.alerts})
    monitors = sorted({k for c in configs for k in c.uptimerobot.monitors})
    declared = f"alerts: {', '.join(alerts) or 'none'}; monitors: {', '.join(monitors) or 'none'}"
    problems: list[str] = []
    for scenario in scenarios:
        label = f"scenario {scenario.name!r}"
        for key in scenario.expect:
            if key in alerts and key in monitors:
                problems.append(
                    f"{label}: expect.{key}: names both an alert and a monitor of the stack; "
                    "rename one of them"
                )
            elif key not in alerts and key not in monitors:
                problems.append(
                    f"{label}: expect.{key}: {key!r} is not an alert or a monitor of the "
                    f"stack ({declared})"
                )
        for i, entry in enumerate(scenario.checks):
            if entry.monitor is not None and entry.monitor not in monitors:
                problems.append(
                    f"{label}: checks[{i}].monitor: {entry.monitor!r} is not a monitor of the "
                    f"stack (monitors: {', '.join(monitors) or 'none'})"
                )
    if problems:
        raise ScenarioError(f"{source}:\n  " + "\n  ".join(problems))
