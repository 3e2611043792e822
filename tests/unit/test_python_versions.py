"""Which Pythons the project runs on: one answer everywhere, and scripts/ensure-venv (the
one way `make`, CI and the workflows install) picks one or says clearly which work.

The interpreters here are stubs: shell scripts that answer ensure-venv's probe with a
version, so the choice is tested for versions this machine does not have.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.pythons import supported_pythons as supported
from tests.stackfiles import REPO

SCRIPT = REPO / "scripts" / "ensure-venv"
# What ensure-venv runs besides Python: it gets these and nothing else on PATH.
TOOLS = ("bash", "sed", "tr", "cut", "cat", "dirname", "sha256sum", "rm", "env")


def test_supported_versions_start_at_3_11_and_include_3_13() -> None:
    assert supported()[0] == "3.11"
    assert {"3.12", "3.13"} <= set(supported())


def test_classifiers_name_exactly_the_supported_versions() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    prefix = "Programming Language :: Python :: "
    listed = [c.removeprefix(prefix) for c in project["classifiers"] if c.startswith(prefix)]
    assert [v for v in listed if v.count(".") == 1] == supported()


def test_ensure_venv_reads_the_same_versions_from_pyproject() -> None:
    out = subprocess.run(
        [str(SCRIPT), "--supported"], capture_output=True, text=True, check=True, timeout=30
    )
    assert out.stdout.split() == supported()


# --- choosing an interpreter, with stubs ----------------------------------------------------


def _stub(path: Path, answer: str | None) -> None:
    """An executable that answers ensure-venv's probe like CPython `answer` ("3.10.13"),
    or fails like a pyenv shim for a version that is not selected (answer None)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if answer is None:
        body = 'echo "pyenv: $(basename "$0"): command not found" >&2\nexit 127\n'
    else:
        minor = ".".join(answer.split(".")[:2])
        body = f'echo "{minor} {answer} /opt/python-{answer}"\n'
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, Path]:
    """A copy of the files ensure-venv reads, a PATH of stubs and basic tools only, and an
    empty home (no pyenv, no uv-managed Pythons unless a test adds them)."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, repo / "scripts" / "ensure-venv")
    for name in ("pyproject.toml", "requirements.txt"):
        shutil.copy(REPO / name, repo / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed to run ensure-venv"
        (bin_dir / tool).symlink_to(found)
    home = tmp_path / "home"
    home.mkdir()
    return {"repo": repo, "bin": bin_dir, "home": home}


def _run(
    sandbox: dict[str, Path], *args: str, python: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(sandbox["bin"]), "HOME": str(sandbox["home"])}
    if python is not None:
        env["PYTHON"] = python
    return subprocess.run(
        [str(sandbox["bin"] / "bash"), str(sandbox["repo"] / "scripts" / "ensure-venv"), *args],
        cwd=sandbox["repo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_supported_python_names_what_was_found_and_what_works(
    sandbox: dict[str, Path],
) -> None:
    _stub(sandbox["bin"] / "python3", "3.10.13")
    result = _run(sandbox)
    assert result.returncode == 1
    assert "no supported Python found (python3 is 3.10.13)" in result.stderr
    assert "runs on CPython " + ", ".join(supported()) in result.stderr
    assert "PYTHON=" in result.stderr  # how to name one
    assert not (sandbox["repo"] / ".venv").exists()


def test_an_unsupported_python_named_by_the_user_is_refused(sandbox: dict[str, Path]) -> None:
    _stub(sandbox["bin"] / "python3.9", "3.9.18")
    result = _run(sandbox, python="python3.9")
    assert result.returncode == 1
    assert "PYTHON=python3.9 is Python 3.9.18, which is not supported" in result.stderr
    assert not (sandbox["repo"] / ".venv").exists()


def test_a_python_that_does_not_run_is_refused(sandbox: dict[str, Path]) -> None:
    result = _run(sandbox, python="/no/such/python3")
    assert result.returncode == 1
    assert "PYTHON=/no/such/python3 does not run a CPython" in result.stderr


def test_a_version_found_through_pyenv_when_its_shim_is_not_selected(
    sandbox: dict[str, Path],
) -> None:
    """`python3.13` on PATH is a pyenv shim that fails unless 3.13 is selected: the install
    under ~/.pyenv/versions is used instead (make unit PYTHON=python3.13)."""
    _stub(sandbox["bin"] / "python3.13", None)
    installed = sandbox["home"] / ".pyenv" / "versions" / "3.13.0" / "bin" / "python3.13"
    _stub(installed, "3.13.0")
    result = _run(sandbox, "--find", "3.13")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(installed)
    missing = _run(sandbox, "--find", "3.12")
    assert missing.returncode == 1 and missing.stdout == ""


def test_a_non_venv_directory_in_the_way_is_left_alone(sandbox: dict[str, Path]) -> None:
    _stub(sandbox["bin"] / "python3", "3.12.4")
    keep = sandbox["repo"] / ".venv" / "notes.txt"
    keep.parent.mkdir()
    keep.write_text("mine", encoding="utf-8")
    result = _run(sandbox)
    assert result.returncode == 1
    assert ".venv exists but is not a virtualenv" in result.stderr
    assert keep.read_text(encoding="utf-8") == "mine"


def test_the_newest_supported_version_is_chosen_when_python3_is_too_old(
    sandbox: dict[str, Path],
) -> None:
    """With python3 too old, python3.X names are tried newest first; the stub cannot make a
    venv, so the run stops at `-m venv`, after saying which interpreter it chose."""
    _stub(sandbox["bin"] / "python3", "3.10.13")
    _stub(sandbox["bin"] / "python3.12", "3.12.4")
    _stub(sandbox["bin"] / "python3.11", "3.11.9")
    result = _run(sandbox)
    assert "with Python 3.12.4 (python3.12)" in result.stderr, result.stderr
    assert result.returncode != 0
