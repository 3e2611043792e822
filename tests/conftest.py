"""Suite-wide hooks: the slow tests start first, and a timing line per group ends the run.

`make test` runs the suite on several pytest-xdist workers, which take the tests in
collection order (the Makefile's XDIST). The end-to-end tests take seconds to a
minute and a half each while the others take milliseconds, so the slow ones are collected
first, the longest first: a worker that takes one last would leave the others idle at
the end.
The summary gives each group of tests (tests/<group>/) its summed time and its slowest
test, so a slow test is seen the day it is added.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import pytest

LONGEST = (
    "tests/e2e/test_faults.py",  # two tests of 100-140 s (the fault matrix, one per group)
    "tests/e2e/test_api_budget.py",  # 50 monitors paced by the free plan's rate windows
    "tests/workflows/test_first_run.py",  # the first day, about 35 s of engine runs
)
"""Node-id prefixes of the longest tests: scheduled first, each followed by a quick test."""

SLOW_FIRST = (*LONGEST, "tests/e2e/", "tests/workflows/")
"""Node-id prefixes scheduled before every other test, in this order: the longest tests
first, then the groups whose tests start engines or subprocesses."""


_STARTED = time.monotonic()


def group_of(nodeid: str) -> str:
    """The group a test belongs to: its directory under tests/ (e.g. `e2e`, `unit`)."""
    parts = nodeid.split("::", 1)[0].split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "tests" else parts[0]


def rank(nodeid: str) -> int:
    """Where a test goes in the schedule: the index of the first SLOW_FIRST prefix it has."""
    return next(
        (i for i, prefix in enumerate(SLOW_FIRST) if nodeid.startswith(prefix)), len(SLOW_FIRST)
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first, the longest each followed by a quick one, the order otherwise
    unchanged (the same on every worker).

    xdist's load scheduler gives each worker two tests at first and keeps two queued on
    it: the second waits for the first. Side by side, the two fault groups went to one
    worker, one after the other, the longest path of the run (make test 252 s); a quick
    test after each of the longest puts them on different workers. Only after those:
    spreading every slow test with quick ones repeated module fixtures on more workers
    (232 s against 219 s, more CPU).
    """
    ordered = sorted(items, key=lambda item: rank(item.nodeid))
    longest = [item for item in ordered if rank(item.nodeid) < len(LONGEST)]
    rest = ordered[len(longest) :]
    # The last tests of the order are the quickest (unit tests, no module fixtures).
    cut = max(len(rest) - len(longest), 0)
    rest, quick = rest[:cut], rest[cut:]
    paired = [item for pair in zip(longest, quick, strict=False) for item in pair]
    items[:] = paired + longest[len(quick) :] + rest


@dataclass
class GroupTime:
    """What one group of tests cost."""

    tests: int = 0
    seconds: float = 0.0
    slowest: str = ""
    slowest_seconds: float = 0.0


def timings(reports: list[pytest.TestReport]) -> dict[str, GroupTime]:
    """Summed setup + call + teardown seconds per group, with each group's slowest test."""
    per_test: dict[str, float] = defaultdict(float)
    for report in reports:
        per_test[report.nodeid] += report.duration
    groups: dict[str, GroupTime] = defaultdict(GroupTime)
    for nodeid, seconds in per_test.items():
        group = groups[group_of(nodeid)]
        group.tests += 1
        group.seconds += seconds
        if seconds > group.slowest_seconds:
            group.slowest, group.slowest_seconds = nodeid, seconds
    return dict(groups)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per group, the most expensive first, then the wall time of the run."""
    # Every phase counts: a passed setup or teardown is filed under "", not "passed".
    reports = [
        report
        for filed in terminalreporter.stats.values()
        for report in filed
        if isinstance(report, pytest.TestReport)
    ]
    if not reports:
        return
    groups = timings(reports)
    terminalreporter.section("time per group (seconds summed over tests)")
    width = max(len(name) for name in groups)
    for name, group in sorted(groups.items(), key=lambda item: -item[1].seconds):
        slowest = group.slowest.split("/", 2)[-1]
        terminalreporter.write_line(
            f"{name:<{width}} {group.seconds:7.1f} s  {group.tests:4d} tests  "
            f"slowest {group.slowest_seconds:5.1f} s  {slowest}"
        )
    workers = terminalreporter.config.getoption("numprocesses", None) or 0
    where = f"on {workers} workers" if workers else "in one process"
    terminalreporter.write_line(f"wall {time.monotonic() - _STARTED:.0f} s {where}")
