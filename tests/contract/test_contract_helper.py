"""The contract-check helper itself: it must catch what it claims to catch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .openapi import ContractChecker, SpecsMissing, specs_dir

AUTH_UR = {"Authorization": "Bearer k"}


def _entry(
    vendor: str, method: str, path: str, status: int | None, body: Any = None, **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "seq": 1,
        "vendor": vendor,
        "method": method,
        "path": path,
        "query": {},
        "request_headers": dict(AUTH_UR),
        "request_body": None,
        "status": status,
        "response_headers": {"Content-Type": "application/json"},
        "response_body": body,
    }
    entry.update(extra)
    return entry


def test_a_broken_response_is_reported(checker: ContractChecker) -> None:
    problems = checker.check_entry(_entry("uptimerobot", "GET", "/v3/monitors/1", 200, {"id": 1}))
    assert len(problems) == 1
    assert "response" in problems[0] and "'interval' is a required property" in problems[0]


def test_a_broken_request_is_reported(checker: ContractChecker) -> None:
    entry = _entry(
        "uptimerobot",
        "POST",
        "/v3/monitors",
        400,
        {"message": ["x"]},
        request_body={
            "friendlyName": "x",
            "type": "HTTP",
            "url": "u",
            "interval": 10,
            "timeout": 30,
        },
    )
    problems = checker.check_entry(entry)
    assert len(problems) == 1 and "request" in problems[0]


def test_missing_auth_is_a_request_problem(checker: ContractChecker) -> None:
    entry = _entry("sentry", "GET", "/api/0/organizations/mlpp/environments/", 401, {"detail": "x"})
    entry["request_headers"] = {}
    assert any("Security" in p for p in checker.check_entry(entry))


def test_undocumented_error_status_is_counted_not_reported(checker: ContractChecker) -> None:
    assert (
        checker.check_entry(_entry("uptimerobot", "GET", "/v3/monitors/1", 404, {"message": "x"}))
        == []
    )
    (tally,) = checker.coverage.operations.values()
    assert tally.undocumented[404] == 1 and tally.responses == 0


def test_undocumented_success_status_is_reported(checker: ContractChecker) -> None:
    problems = checker.check_entry(_entry("uptimerobot", "POST", "/v3/monitors/1/pause", 200, None))
    assert problems and "Unknown response http status: 200" in problems[0]


def test_paths_outside_the_specs_are_reported(checker: ContractChecker) -> None:
    assert checker.check_entry(_entry("uptimerobot", "GET", "/v3/nothing", 404))
    assert checker.check_entry(_entry("unknown", "GET", "/v2/getMonitors", 404))
    assert checker.check_entry(_entry("sentry", "GET", "/api/0/projects/mlpp/mlpp-web/rules/", 410))
    assert "not in any spec" in checker.coverage.summary()


def test_dropped_connections_check_only_the_request(checker: ContractChecker) -> None:
    assert checker.check_entry(_entry("uptimerobot", "GET", "/v3/user/me", None)) == []
    assert checker.coverage.dropped == 1


def test_patched_defects_pass(checker: ContractChecker) -> None:
    incidents = _entry(
        "uptimerobot",
        "GET",
        "/v3/incidents",
        200,
        {"data": [], "nextLink": None},
        query={"cursor": ["358"]},
    )
    assert checker.check_entry(incidents) == []
    camel = _entry(
        "sentry",
        "POST",
        "/api/0/organizations/mlpp/workflows/",
        400,
        {"detail": "x"},
        request_body={
            "name": "x",
            "detectorIds": [1],
            "triggers": {"logicType": "all", "conditions": []},
        },
    )
    assert checker.check_entry(camel) == []


def test_summary_lists_operations(checker: ContractChecker) -> None:
    checker.check_entry(_entry("uptimerobot", "GET", "/v3/monitors/1", 404, {"message": "x"}))
    summary = checker.coverage.summary()
    assert "MonitorsController_get" in summary and "1 requests and 0 responses" in summary


def test_missing_specs_fail_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLPP_SPECS_DIR", str(tmp_path))
    with pytest.raises(SpecsMissing, match="MLPP_SPECS_DIR"):
        specs_dir()


def test_specs_dir_honours_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    real = specs_dir()
    monkeypatch.setenv("MLPP_SPECS_DIR", str(real))
    assert specs_dir() == real
