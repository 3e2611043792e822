"""`MLPP_HTTP_*` environment variables override the providers' HTTP policy, field by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpp_monitoring.http import POLICY_ENV, HttpPolicy
from mlpp_monitoring.provider_host import ProviderError
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider


def test_no_variable_is_the_default_policy() -> None:
    assert HttpPolicy.from_env({}) == HttpPolicy()


def test_each_variable_sets_its_field() -> None:
    policy = HttpPolicy.from_env(
        {
            "MLPP_HTTP_CONNECT_TIMEOUT": "1.5",
            "MLPP_HTTP_READ_TIMEOUT": "2",
            "MLPP_HTTP_RETRIES": "0",
            "MLPP_HTTP_BACKOFF": "0.05",
            "MLPP_HTTP_BACKOFF_MAX": "0.2",
            "MLPP_HTTP_BUDGET": "20",
            "MLPP_HTTP_CREATE_WAIT": "0",
            "MLPP_HTTP_UNRELATED": "x",
        }
    )
    assert policy == HttpPolicy(
        connect_timeout=1.5,
        read_timeout=2.0,
        retries=0,
        backoff=0.05,
        backoff_max=0.2,
        budget=20,
        create_wait=0,
    )
    assert set(POLICY_ENV.values()) <= set(HttpPolicy.__dataclass_fields__)


def test_the_readme_table_lists_every_variable_with_its_default() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    defaults = HttpPolicy()
    for var, field in POLICY_ENV.items():
        value = getattr(defaults, field)
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        assert f"| `{var}` | {shown}" in readme, f"README's policy table lacks {var} ({shown})"


@pytest.mark.parametrize(
    ("var", "raw"),
    [
        ("MLPP_HTTP_READ_TIMEOUT", "0"),
        ("MLPP_HTTP_READ_TIMEOUT", "soon"),
        ("MLPP_HTTP_RETRIES", "2.5"),
        ("MLPP_HTTP_BUDGET", "-1"),
        ("MLPP_HTTP_CREATE_WAIT", "-5"),
    ],
)
def test_a_bad_value_names_the_variable(var: str, raw: str) -> None:
    with pytest.raises(ValueError) as error:
        HttpPolicy.from_env({var: raw})
    assert var in str(error.value) and repr(raw) in str(error.value)


def test_a_provider_reports_a_bad_value_as_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLPP_HTTP_READ_TIMEOUT", "soon")
    monkeypatch.setenv("UPTIMEROBOT_API_KEY", "k")
    with pytest.raises(ProviderError, match="MLPP_HTTP_READ_TIMEOUT"):
        UptimeMonitorProvider().read("1", {})
