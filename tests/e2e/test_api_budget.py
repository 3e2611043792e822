"""API budget through the real engine: vendor calls per operation, counted in the journal.

A stack of 12 monitors and the two alerts: `preview` calls nothing, `preview --refresh`
reads each kind with one list call (plus a constant), `up` with no change writes nothing.
Then `up` of 50 monitors from empty under the free plan's rate limit, scaled down in time
tenfold (10 calls per 6 s instead of per minute): the pacer keeps it free of 429 answers.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlpp_monitoring.batching import BATCH_ENV
from tests.e2e.harness import REPO, CaseFailures, Project, SandboxProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

MONITORS = 12
MONITORS_PATH = "/v3/monitors"
WORKFLOWS_PATH = "/api/0/organizations/mlpp/workflows/"
SENTRY_REFRESH = sorted(
    ["/api/0/projects/mlpp/mlpp-web/", "/api/0/organizations/mlpp/detectors/", WORKFLOWS_PATH]
)
"""A refresh's Sentry calls whatever the number of alerts: project, detectors, workflows."""


def monitors_config(count: int) -> dict[str, Any]:
    """The sandbox stack's `uptimerobot` section with `count` monitors like the runbook's."""
    stack = yaml.safe_load((REPO / "Pulumi.sandbox.yaml").read_text())
    section: dict[str, Any] = stack["config"]["mlpp-monitoring:uptimerobot"]
    (template,) = section["monitors"].values()
    section["monitors"] = {
        f"m{i:03d}": {**template, "name": f"ML_PP {i:03d}", "url": f"https://m{i:03d}.monaluxe.app"}
        for i in range(count)
    }
    return section


def _since(project: Project, mark: int) -> list[dict[str, Any]]:
    return project.sandbox.journal_since(mark)


def _writes(entries: list[dict[str, Any]]) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in entries if e["method"] != "GET"]


def _preview_without_refresh_makes_no_vendor_call(project: Project) -> None:
    mark = project.sandbox.journal_mark()

    preview = project.preview_json()

    assert {s["op"] for s in preview["steps"]} == {"same"}
    assert _since(project, mark) == []


def _preview_refresh_reads_each_kind_with_one_list_call(project: Project) -> None:
    mark = project.sandbox.journal_mark()

    project.pulumi("preview", "--refresh", "--expect-no-changes", check=True)

    entries = _since(project, mark)
    uptimerobot = [e["path"] for e in entries if e["vendor"] == "uptimerobot"]
    assert sorted(uptimerobot) == sorted(
        [MONITORS_PATH] * math.ceil(MONITORS / 200) + ["/v3/user/alert-contacts"]
    )
    assert sorted(e["path"] for e in entries if e["vendor"] == "sentry") == SENTRY_REFRESH
    assert _writes(entries) == []


def _batching_switched_off_reads_each_monitor_by_id(project: Project) -> None:
    mark = project.sandbox.journal_mark()

    project.pulumi(
        "preview",
        "--refresh",
        "--expect-no-changes",
        check=True,
        env={**project.env, BATCH_ENV: "0"},
    )

    paths = [e["path"] for e in _since(project, mark) if e["vendor"] == "uptimerobot"]
    assert MONITORS_PATH not in paths
    assert sum(p.startswith(f"{MONITORS_PATH}/") for p in paths) == MONITORS


def _up_with_no_change_writes_nothing(project: Project) -> None:
    mark = project.sandbox.journal_mark()

    result = project.up()

    assert "unchanged" in result.stdout
    assert _writes(_since(project, mark)) == []


BUDGETS = {
    "preview-without-refresh-makes-no-vendor-call": _preview_without_refresh_makes_no_vendor_call,
    "preview-refresh-reads-each-kind-with-one-list-call": (
        _preview_refresh_reads_each_kind_with_one_list_call
    ),
    "batching-switched-off-reads-each-monitor-by-id": (
        _batching_switched_off_reads_each_monitor_by_id
    ),
    "up-with-no-change-writes-nothing": _up_with_no_change_writes_nothing,
}
"""Operations on the deployed stack that read or change nothing: they share one deployment
in one test (a module-scoped fixture would deploy once per pytest-xdist worker)."""


def test_operations_on_a_deployed_stack_stay_within_their_budget(project: Project) -> None:
    project.set_project_config("uptimerobot", monitors_config(MONITORS))
    project.up()
    assert len(project.sandbox.monitors()) == MONITORS and len(project.sandbox.workflows()) == 2
    failures = CaseFailures()
    for name, check in BUDGETS.items():
        with failures.check(name):
            check(project)
    failures.raise_if_any()


def test_up_of_50_monitors_under_the_free_plan_limit_gets_no_429(tmp_path: Path) -> None:
    # UptimeRobot's free plan allows 10 calls a minute; the sandbox enforces 10 per 6 s.
    sandbox = SandboxProcess(
        workdir=tmp_path / "sandbox", args=["--rate-limit", "10", "--rate-window", "6"]
    ).start()
    try:
        project = Project.create(tmp_path / "project", sandbox)
        project.set_project_config("uptimerobot", monitors_config(50))
        started = time.monotonic()

        project.up()

        elapsed = time.monotonic() - started
        entries = sandbox.journal()
        state = sandbox.control("GET", "/state").json()  # not a vendor call: not limited
        assert len(state["uptimerobot"]["monitors"]) == 50
        refused = [f"{e['method']} {e['path']}" for e in entries if e["status"] == 429]
        assert refused == []
        uptimerobot = [e for e in entries if e["vendor"] == "uptimerobot"]
        # contacts twice (preview, update), one list for the 50 twin look-ups, 50 POSTs
        assert len(uptimerobot) <= 53
        assert elapsed < 90
    finally:
        sandbox.stop()
