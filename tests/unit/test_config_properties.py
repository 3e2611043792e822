"""Bad input, tried for real: malformed values of every type are rejected with a message
naming the key, never a crash; valid values always parse."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mlpp_monitoring.config import ConfigError, parse_config
from tests.stackfiles import project_raw

PRODUCTION = {k: json.loads(v) for k, v in project_raw("production").items()}


# Every leaf of the production config, as a path of keys.
def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, (*path, i))]
    return [path]


LEAVES = _leaves(PRODUCTION)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(LEAVES), value=json_values)
def test_any_value_anywhere_parses_or_names_the_key(path: tuple[Any, ...], value: Any) -> None:
    data = copy.deepcopy(PRODUCTION)
    _set(data, path, value)
    raw = {k: json.dumps(v) for k, v in data.items()}
    try:
        parse_config(raw)
    except ConfigError as exc:
        # The message names the changed key down to its monitor or alert at least (a
        # whole-object rule, such as "needs a trigger", names the object itself).
        dotted = ".".join(str(p) for p in path[:3])
        assert f"mlpp-monitoring:{dotted}" in str(exc)


@settings(max_examples=200, deadline=None)
@given(raw=st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=4))
def test_garbage_text_never_crashes(raw: dict[str, str]) -> None:
    try:
        parse_config(raw)
    except ConfigError as exc:
        assert str(exc).startswith("invalid stack config")


@settings(max_examples=100, deadline=None)
@given(
    interval=st.integers(min_value=300, max_value=86_400),
    threshold=st.integers(min_value=1, max_value=1_000_000),
    frequency=st.sampled_from([0, 5, 10, 30, 60, 180, 720, 1440]),
)
def test_valid_values_always_parse(interval: int, threshold: int, frequency: int) -> None:
    data = copy.deepcopy(PRODUCTION)
    data["uptimerobot"]["monitors"]["monaluxe-app"]["interval"] = interval
    data["sentry"]["alerts"]["spike"]["event_threshold"] = threshold
    data["sentry"]["alerts"]["spike"]["frequency_minutes"] = frequency
    config = parse_config({k: json.dumps(v) for k, v in data.items()})
    assert config.uptimerobot.monitors["monaluxe-app"].interval == interval
    assert config.sentry.alerts["spike"].event_threshold == threshold
