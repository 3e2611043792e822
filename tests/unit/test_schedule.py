"""The suite's order (tests/conftest.py): every collected test is kept, the longest go first,
each followed by a quick one, so xdist's first pairs put them on different workers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from tests.conftest import pytest_collection_modifyitems


@dataclass
class FakeItem:
    """What the hook reads of a pytest item."""

    nodeid: str


def _ordered(nodeids: list[str]) -> list[str]:
    items = [FakeItem(nodeid) for nodeid in nodeids]
    pytest_collection_modifyitems(cast(Any, items))
    return [item.nodeid for item in items]


SUITE = [
    "tests/unit/test_config.py::test_a",
    "tests/unit/test_config.py::test_b",
    "tests/e2e/test_lifecycle.py::test_up",
    "tests/e2e/test_faults.py::test_faults[group1]",
    "tests/e2e/test_faults.py::test_faults[group2]",
    "tests/workflows/test_workflows.py::test_lint",
    "tests/providers/test_crud.py::test_create",
]


def test_every_test_is_kept_once_whatever_is_selected() -> None:
    for selection in (SUITE, SUITE[:2], SUITE[3:5], SUITE[2:4], []):
        assert sorted(_ordered(selection)) == sorted(selection)


def test_the_longest_tests_come_first_each_followed_by_a_quick_one() -> None:
    order = _ordered(SUITE)
    assert order[0] == "tests/e2e/test_faults.py::test_faults[group1]"
    assert order[2] == "tests/e2e/test_faults.py::test_faults[group2]"
    assert not order[1].startswith(("tests/e2e/", "tests/workflows/"))
    assert not order[3].startswith(("tests/e2e/", "tests/workflows/"))
    # Then the other slow groups, before every quick test left.
    assert order[4:6] == ["tests/e2e/test_lifecycle.py::test_up", SUITE[5]]
