"""The comparison each kind of data condition takes, as Sentry's condition handlers' JSON
schemas define it (``docs/vendors/sentry.md``): `CONDITION_COMPARISONS`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

STANDARD_INTERVALS = ("1m", "5m", "15m", "1h", "1d", "1w", "30d")
COMPARISON_INTERVALS = ("5m", "15m", "1h", "1d", "1w", "30d")
MATCH_TYPES = ("co", "nc", "eq", "ne", "sw", "ew", "is", "ns")

Check = Callable[[Any], bool]


def is_int(value: Any) -> bool:
    """Whether a JSON value is an integer (10.0 counts, true does not)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _integer(minimum: int | None = None, choices: tuple[int, ...] | None = None) -> Check:
    def check(value: Any) -> bool:
        if not is_int(value):
            return False
        if minimum is not None and value < minimum:
            return False
        return choices is None or value in choices

    return check


def _number(minimum: float) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) and value >= minimum

    return check


def _string(value: Any) -> bool:
    return isinstance(value, str)


def _choice(*choices: str) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, str) and value in choices

    return check


def _array(value: Any) -> bool:
    return isinstance(value, list)


def _any_of(*checks: Check) -> Check:
    def check(value: Any) -> bool:
        return any(c(value) for c in checks)

    return check


def _object(required: dict[str, Check], optional: dict[str, Check] | None = None) -> Check:
    """A JSON-schema object with ``additionalProperties: false``."""
    extra = optional or {}

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        if set(value) - set(required) - set(extra) or set(required) - set(value):
            return False
        allowed = {**required, **extra}
        return all(allowed[key](item) for key, item in value.items())

    return check


_COUNT = _object(
    {"interval": _choice(*STANDARD_INTERVALS), "value": _integer(minimum=0)},
    {"filters": _array},
)
_PERCENT = _object(
    {
        "interval": _choice(*STANDARD_INTERVALS),
        "value": _number(0),
        "comparison_interval": _choice(*COMPARISON_INTERVALS),
    },
    {"filters": _array},
)
CONDITION_COMPARISONS: dict[str, Check] = {
    "first_seen_event": _boolean,
    "regression_event": _boolean,
    "reappeared_event": _boolean,
    "issue_resolved_trigger": _boolean,
    "new_high_priority_issue": _boolean,
    "existing_high_priority_issue": _boolean,
    "issue_priority_deescalating": _boolean,
    "latest_release": _boolean,
    "every_event": _boolean,
    "event_frequency_count": _COUNT,
    "event_unique_user_frequency_count": _COUNT,
    "event_frequency_percent": _PERCENT,
    "event_unique_user_frequency_percent": _PERCENT,
    "percent_sessions_count": _object(
        {"interval": _choice(*STANDARD_INTERVALS), "value": _number(0)}, {"filters": _array}
    ),
    "percent_sessions_percent": _PERCENT,
    "issue_priority_greater_or_equal": _integer(choices=(25, 50, 75)),
    "issue_occurrences": _object({"value": _integer(minimum=0)}),
    "age_comparison": _object(
        {
            "time": _choice("minute", "hour", "day", "week"),
            "value": _integer(minimum=0),
            "comparison_type": _choice("older", "newer"),
        }
    ),
    "level": _object(
        {
            "level": _integer(choices=(0, 10, 20, 30, 40, 50)),
            "match": _choice("eq", "gte", "lte"),
        }
    ),
    "tagged_event": _object({"key": _string, "match": _choice(*MATCH_TYPES)}, {"value": _string}),
    "event_attribute": _object(
        {"attribute": _string, "match": _choice(*MATCH_TYPES)}, {"value": _string}
    ),
    "issue_category": _object({"value": _integer()}),
    "assigned_to": _object(
        {"target_type": _choice("Unassigned", "Member", "Team")},
        {"target_identifier": _any_of(_integer(), _string)},
    ),
    "latest_adopted_release": _object(
        {
            "environment": _string,
            "age_comparison": _choice("older", "newer"),
            "release_age_type": _choice("oldest", "newest"),
        }
    ),
}
