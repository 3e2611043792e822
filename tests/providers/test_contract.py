"""The contract ledger can fail: an entry outside the vendor specs is reported.

Every provider test's journal goes through the session ledger when the test ends (see
`conftest.start_sandbox`); these tests show that the check is not vacuous.
"""

from __future__ import annotations

import copy

from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import MONITORS_PATH, declared_monitor
from .contract import ContractLedger, field_paths


def test_ledger_reports_a_request_outside_the_spec(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    monitors.create(declared_monitor())
    entry = next(e for e in sb.journal if e["method"] == "POST" and e["path"] == MONITORS_PATH)
    fresh = ContractLedger()
    assert fresh.check([entry], "as sent") == []

    bad = copy.deepcopy(entry)
    bad["request_body"]["interval"] = "every five minutes"
    problems = fresh.check([bad], "tampered")
    assert problems and "interval" in " ".join(problems)


def test_ledger_reports_a_response_outside_the_spec(
    sb: Sandbox, monitors: UptimeMonitorProvider
) -> None:
    monitors.create(declared_monitor())
    entry = next(e for e in sb.journal if e["method"] == "POST" and e["path"] == MONITORS_PATH)
    bad = copy.deepcopy(entry)
    bad["response_body"]["assignedAlertContacts"] = "ops@monaluxe.app"
    problems = ContractLedger().check([bad], "tampered")
    assert problems and "response" in " ".join(problems)


def test_field_paths_name_nested_fields() -> None:
    body = {"a": 1, "b": {"c": [{"d": 2}]}}
    assert field_paths(body) == {"a", "b", "b.c", "b.c[].d"}
