"""Every request `status` sends, and every sandbox answer, validates against the vendors' specs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlpp_sandbox import Sandbox
from tests.contract.openapi import ContractChecker

from . import scenarios
from .conftest import StatusRunner
from .scenarios import HOUR, MINUTE, NOW


@pytest.fixture(scope="module")
def checker() -> ContractChecker:
    """Compiling both specs takes seconds: once for this module."""
    return ContractChecker()


def _down_behind_a_resolved_incident(sandbox: Sandbox) -> scenarios.Deployed:
    # The longest path: the incidents list, then the incident's detail.
    deployed = scenarios.login_spike(sandbox)
    sandbox.uptimerobot.add_incident(deployed.monitor_id, started_at=NOW - HOUR, cause=503)
    sandbox.uptimerobot.add_incident(
        deployed.monitor_id, started_at=NOW - 30 * MINUTE, resolved_at=NOW - 20 * MINUTE
    )
    return deployed


@pytest.mark.parametrize(
    "scenario",
    [
        scenarios.all_up,
        scenarios.site_down,
        scenarios.login_spike,
        _down_behind_a_resolved_incident,
    ],
)
def test_status_traffic_validates(
    sandbox: Sandbox,
    status: StatusRunner,
    checker: ContractChecker,
    scenario: Callable[[Sandbox], scenarios.Deployed],
) -> None:
    scenario(sandbox)
    status(as_json=True)
    problems = checker.check_journal(sandbox.journal)
    assert not problems, "\n".join(problems)
    operations = {op.operation_id for op in checker.coverage.operations.values()}
    assert {
        "MonitorsController_list",
        "MonitorsController_getMonitorUptimeStats",
        "MonitorsController_getMonitorResponseTimeStats",
        "getProject",
        "listOrganizationIssues",
        "listOrganizationWorkflows",
    } <= operations
