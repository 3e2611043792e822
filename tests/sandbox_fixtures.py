"""An in-process sandbox on a settable clock: the fixtures the sandbox and status suites share.

A conftest takes them with `from tests.sandbox_fixtures import clock, sandbox` (and names
them in its `__all__`); a test then asks for `sandbox` and, to move time, `clock`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlpp_sandbox import Sandbox, SandboxOptions

NOW = 1_800_000_000.0
"""2027-01-15T08:00:00Z: the fixed "now" of the sandbox and of `status` in these tests."""


class FakeClock:
    """A settable epoch clock, so time-dependent behaviour needs no sleeping."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(clock=clock)) as sb:
        yield sb
