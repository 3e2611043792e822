"""The stack configuration, as typed values: the one source of truth for what is monitored.

Every value the runbook fixes (URL, interval, thresholds, environment, notification,
action interval) is a field here, read from the stack file under the project namespace,
so a change to any of them is a one-line diff a reviewer can see. Validation happens
before any resource is declared: a bad value stops the program with one message that
names the key, the value and what is allowed, and no API is called.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

PROJECT = "mlpp-monitoring"
"""The Pulumi project name, and so the namespace of this program's own config keys."""

# Sentry's allowed action intervals ("frequency"), in minutes, as its alert UI offers them.
SENTRY_FREQUENCIES = (0, 5, 10, 30, 60, 180, 720, 1440)
# Sentry's STANDARD_INTERVALS for event-frequency conditions (not the "5min" of the spec's help).
SENTRY_INTERVALS = ("1m", "5m", "15m", "1h", "1d", "1w", "30d")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ConfigError(ValueError):
    """A stack config value is invalid; the message names the key, the value and what is allowed."""


class _Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class UptimePlan(enum.StrEnum):
    """UptimeRobot plans, as far as their limits matter to a monitor's settings."""

    FREE = "free"
    SOLO = "solo"
    TEAM = "team"
    ENTERPRISE = "enterprise"

    @property
    def min_interval(self) -> int:
        """The shortest check interval, in seconds, the plan allows."""
        return {"free": 300, "solo": 60, "team": 60, "enterprise": 30}[self.value]

    @property
    def is_free(self) -> bool:
        """Whether this is the free plan (threshold/recurrence 0, no expiry reminders)."""
        return self is UptimePlan.FREE


MonitorType = Literal["HTTP", "KEYWORD"]
HttpMethod = Literal["HEAD", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class AlertContactRef(_Strict):
    """An UptimeRobot alert contact named by its value (e-mail address, phone, ...)."""

    value: NonEmpty
    threshold: int = Field(default=0, ge=0, description="minutes down before alerting")
    recurrence: int = Field(default=0, ge=0, description="minutes between repeat alerts")


class MonitorConfig(_Strict):
    """One UptimeRobot monitor (Level 0, availability)."""

    name: NonEmpty
    url: str
    type: MonitorType = "HTTP"
    interval: int = Field(description="seconds between checks")
    timeout: int = Field(default=30, ge=1, le=60, description="seconds before a check fails")
    http_method: HttpMethod = "GET"
    success_http_codes: tuple[str, ...] = ("2xx",)
    follow_redirections: bool = True
    check_ssl_errors: bool = True
    ssl_expiration_reminder: bool = False
    domain_expiration_reminder: bool = False
    keyword: str | None = Field(default=None, description="KEYWORD monitors: the text to look for")
    alert_contacts: tuple[AlertContactRef, ...]
    tags: tuple[str, ...] = ()
    paused: bool = False
    owner: NonEmpty = "on-call"
    adopt_id: int | None = Field(default=None, ge=1, description="existing monitor to take over")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
            raise ValueError(
                "must be an https:// URL with a host, for example https://monaluxe.app"
            )
        return value

    @field_validator("success_http_codes")
    @classmethod
    def _codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        for code in codes:
            if not re.fullmatch(r"[1-5](xx|\d\d)", code):
                raise ValueError(f"{code!r} is not an HTTP code or class such as '200' or '2xx'")
        if not codes:
            raise ValueError("at least one success code is needed, for example '2xx'")
        return codes

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        for tag in tags:
            if not tag or tag != tag.lower():
                raise ValueError(f"tag {tag!r} must be non-empty and lower case (UptimeRobot rule)")
        return tags

    @field_validator("alert_contacts")
    @classmethod
    def _contacts(cls, contacts: tuple[AlertContactRef, ...]) -> tuple[AlertContactRef, ...]:
        if not contacts:
            raise ValueError(
                "a monitor with no alert contact pages nobody: name at least one contact value"
            )
        return contacts

    @model_validator(mode="after")
    def _keyword(self) -> MonitorConfig:
        if self.type == "KEYWORD" and not self.keyword:
            raise ValueError("type KEYWORD needs 'keyword', the text the page must contain")
        if self.type != "KEYWORD" and self.keyword is not None:
            raise ValueError(f"'keyword' is only for type KEYWORD, not {self.type}")
        return self


class UptimeRobotConfig(_Strict):
    """Level 0: the UptimeRobot account's plan and its monitors, keyed by a stable resource name."""

    plan: UptimePlan
    monitors: dict[str, MonitorConfig]

    @model_validator(mode="after")
    def _plan_limits(self) -> UptimeRobotConfig:
        for key, monitor in self.monitors.items():
            where = f"monitors.{key}"
            if monitor.interval < self.plan.min_interval:
                raise _field_error(
                    f"{where}.interval",
                    monitor.interval,
                    f"at least {self.plan.min_interval} seconds on the {self.plan} plan",
                )
            if self.plan.is_free:
                for i, contact in enumerate(monitor.alert_contacts):
                    for attr in ("threshold", "recurrence"):
                        if getattr(contact, attr) != 0:
                            raise _field_error(
                                f"{where}.alert_contacts.{i}.{attr}",
                                getattr(contact, attr),
                                "0 on the free plan",
                            )
                for attr in ("ssl_expiration_reminder", "domain_expiration_reminder"):
                    if getattr(monitor, attr):
                        raise _field_error(
                            f"{where}.{attr}", True, "false on the free plan (a paid feature)"
                        )
        return self


class Notification(_Strict):
    """Who a Sentry alert e-mails: issue owners (suggested assignees), with a fallthrough."""

    target: Literal["issue_owners"] = "issue_owners"
    fallthrough: Literal["AllMembers", "ActiveMembers", "NoOne"] = "AllMembers"


class AlertConfig(_Strict):
    """One Sentry alert (Level 1): fires on a new issue and/or on an event-count spike."""

    name: NonEmpty
    on_new_issue: bool = False
    event_threshold: int | None = Field(
        default=None, description="fire when an issue gets MORE than this many events"
    )
    event_interval: str = "5m"
    environment: NonEmpty
    frequency_minutes: int = Field(description="at most one notification per issue per this")
    notify: Notification = Notification()
    enabled: bool = True
    owner: NonEmpty = "on-call"
    adopt_id: int | None = Field(default=None, ge=1, description="existing workflow to take over")

    @field_validator("event_threshold")
    @classmethod
    def _threshold(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise ValueError("must be a whole number above 0 (events in the interval)")
        return value

    @field_validator("event_interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        if value not in SENTRY_INTERVALS:
            raise ValueError(f"must be one of {', '.join(SENTRY_INTERVALS)}")
        return value

    @field_validator("frequency_minutes")
    @classmethod
    def _frequency(cls, value: int) -> int:
        if value not in SENTRY_FREQUENCIES:
            raise ValueError(f"must be one of {', '.join(map(str, SENTRY_FREQUENCIES))} (minutes)")
        return value

    @model_validator(mode="after")
    def _has_trigger(self) -> AlertConfig:
        if not self.on_new_issue and self.event_threshold is None:
            raise ValueError("an alert needs a trigger: on_new_issue: true and/or event_threshold")
        return self


class SentryConfig(_Strict):
    """Level 1: the Sentry organization, the Flutter Web project and its alerts."""

    organization: NonEmpty
    project: NonEmpty
    alerts: dict[str, AlertConfig]


class MonitoringConfig(_Strict):
    """Everything the program declares, as read from the stack's `mlpp-monitoring:*` keys."""

    uptimerobot: UptimeRobotConfig
    sentry: SentryConfig


class _FieldError(ValueError):
    """Raised inside model validators to point at a nested key with its own message."""

    def __init__(self, path: str, value: Any, allowed: str) -> None:
        super().__init__(allowed)
        self.path, self.value, self.allowed = path, value, allowed


def _field_error(path: str, value: Any, allowed: str) -> _FieldError:
    return _FieldError(path, value, allowed)


def _describe(error: Mapping[str, Any], top: str) -> str:
    loc = [str(part) for part in error["loc"]]
    key = f"{PROJECT}:{top}" + "".join(f".{part}" for part in loc)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (a typo?); remove it or fix its name"
    if error["type"] == "missing":
        return f"{key}: required key is missing"
    value = error.get("input")
    return f"{key}: {value!r} is not allowed: {message}"


def parse_config(raw: Mapping[str, str]) -> MonitoringConfig:
    """Validate the project's raw config: top-level key -> its value as JSON text.

    That is how Pulumi hands structured (YAML object) config to a program; parsing the
    JSON with the strict models keeps YAML's types (a quoted "300" is not an interval).

    Raises ConfigError listing every problem, each naming the full key, the value and
    what is allowed.
    """
    known = set(MonitoringConfig.model_fields)
    problems: list[str] = []
    for key in sorted(set(raw) - known):
        problems.append(
            f"{PROJECT}:{key}: unknown key (a typo?); known keys: "
            + ", ".join(f"{PROJECT}:{k}" for k in sorted(known))
        )
    sections: dict[str, Any] = {}
    for top, model in (("uptimerobot", UptimeRobotConfig), ("sentry", SentryConfig)):
        if top not in raw:
            problems.append(f"{PROJECT}:{top}: required key is missing")
            continue
        try:
            sections[top] = model.model_validate_json(raw[top])
        except ValidationError as exc:
            for error in exc.errors():
                ctx_error = (error.get("ctx") or {}).get("error")
                if isinstance(ctx_error, _FieldError):
                    problems.append(
                        f"{PROJECT}:{top}.{ctx_error.path}: {ctx_error.value!r} is not allowed: "
                        f"must be {ctx_error.allowed}"
                    )
                else:
                    problems.append(_describe(error, top))
    if problems:
        raise ConfigError("invalid stack config:\n  " + "\n  ".join(problems))
    return MonitoringConfig(**sections)
