"""Fixtures of the end-to-end tests: a sandbox process per test module, a project copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlpp_monitoring.commands.engine import EngineMissing, find_bin_dir
from tests.e2e.harness import Project, SandboxProcess, engine_version_ok


@pytest.fixture(scope="session", autouse=True)
def engine() -> Path:
    """The built CLI. Missing engine is a failure, never a skip: run `make test`."""
    try:
        bin_dir = find_bin_dir()
    except EngineMissing as exc:
        pytest.fail(str(exc))
    assert engine_version_ok(), "the pulumi CLI is not the pinned version"
    return bin_dir


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox process for the test module."""
    process = SandboxProcess(workdir=tmp_path_factory.mktemp("sandbox")).start()
    yield process
    process.stop()


@pytest.fixture
def fresh_sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    """A sandbox of its own for one test."""
    process = SandboxProcess(workdir=tmp_path / "sandbox").start()
    yield process
    process.stop()


@pytest.fixture
def project(tmp_path: Path, fresh_sandbox: SandboxProcess) -> Project:
    """A project copy with an empty state, wired to a fresh sandbox."""
    return Project.create(tmp_path / "project", fresh_sandbox)


@pytest.fixture
def deployed(project: Project) -> Project:
    """The project after `pulumi up --yes` from empty: the runbook's objects exist."""
    project.up()
    return project
