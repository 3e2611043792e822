"""Fixtures for the contract checks: one spec load per session, a fresh sandbox per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlpp_sandbox import Sandbox

from .openapi import ContractChecker


@pytest.fixture(scope="session")
def contract_checker() -> ContractChecker:
    """Loading and compiling both specs takes seconds: do it once."""
    return ContractChecker()


@pytest.fixture
def checker(contract_checker: ContractChecker) -> ContractChecker:
    """A checker with a fresh coverage tally (the compiled specs are shared)."""
    return ContractChecker(contract_checker.directory)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb
