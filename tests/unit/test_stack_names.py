"""Fully qualified stack names (`organization/mlpp-monitoring/production`), as CI passes
them: a fresh runner has no default organisation, so `--stack production` alone is not
found there. Pulumi still keys the config file by the stack's own name."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpp_monitoring.commands.engine import SANDBOX_PASSPHRASE, engine_env, short_stack_name
from mlpp_monitoring.commands.stackfile import StackFile

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "name",
    ["production", "organization/production", "organization/mlpp-monitoring/production"],
)
def test_every_form_reads_pulumi_production_yaml(name: str) -> None:
    stack = StackFile(name, REPO)
    assert stack.path == REPO / "Pulumi.production.yaml"
    assert stack.stack == name, "the CLI is still given the name as written"
    assert short_stack_name(name) == "production"
    assert stack.monitoring().uptimerobot.monitors


def test_a_missing_stack_file_names_the_file_and_the_stack() -> None:
    with pytest.raises(FileNotFoundError, match=r"Pulumi\.staging\.yaml.*--stack acme/x/staging"):
        StackFile("acme/x/staging", REPO)


def test_a_qualified_sandbox_stack_gets_its_demo_passphrase() -> None:
    env = engine_env(
        base={"PATH": "/usr/bin", "PULUMI_CONFIG_PASSPHRASE": "production-one"},
        stack="organization/mlpp-monitoring/sandbox",
    )
    assert env["PULUMI_CONFIG_PASSPHRASE"] == SANDBOX_PASSPHRASE
