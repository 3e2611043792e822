"""requirements.txt, the lock every install uses, agrees with what pyproject.toml declares.

Every pin of pyproject.toml (dependencies, each extra, [build-system]) is in the lock at
exactly that version, the lock names no direct requirement pyproject.toml lacks, every
locked package carries its hashes, and requirements.in (the compile's input, written by
`make lock`) holds exactly pyproject.toml's pins. The lock's direct requirements are told
by uv's `# via -r requirements.in` annotations, however else a package is also needed.
Cheap and exact: no resolver runs.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.pythons import supported_pythons
from tests.stackfiles import REPO

FIX = "run `make lock`"
HASH = re.compile(r"^sha256:[0-9a-f]{64}$")
# Options the lock may carry: wheels only (an `-e` or URL line would defeat the hashes).
ALLOWED_OPTIONS = {"--only-binary :all:"}


@dataclass
class Locked:
    """One `name==version [; marker]` entry of the lock."""

    name: str
    version: str
    marker: str | None
    hashes: list[str] = field(default_factory=list)
    via: set[str] = field(default_factory=set)

    @property
    def direct(self) -> bool:
        return any(v.startswith("-r requirements.in") for v in self.via)


def parse_lock(text: str) -> tuple[list[str], list[Locked], list[str]]:
    """The lock's option lines, entries, and lines it could not read."""
    options: list[str] = []
    entries: list[Locked] = []
    unreadable: list[str] = []
    current: Locked | None = None
    in_via = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or line.startswith("#"):
            continue
        if not line[0].isspace():
            current, in_via = None, False
            if stripped.startswith("-"):
                options.append(stripped)
                continue
            try:
                req = Requirement(stripped.rstrip("\\ "))
            except ValueError:
                unreadable.append(line)
                continue
            pins = [s for s in req.specifier if s.operator == "=="]
            if len(pins) != 1 or len(req.specifier) != 1:
                unreadable.append(line)
                continue
            marker = str(req.marker) if req.marker else None
            current = Locked(canonicalize_name(req.name), pins[0].version, marker)
            entries.append(current)
        elif current is None:
            unreadable.append(line)
        elif stripped.startswith("--hash="):
            current.hashes.append(stripped.removeprefix("--hash=").rstrip("\\ "))
        elif stripped == "# via":
            in_via = True
        elif stripped.startswith("# via "):
            current.via.add(stripped.removeprefix("# via ").strip())
        elif in_via and stripped.startswith("#   "):
            current.via.add(stripped.removeprefix("#").strip())
        else:
            unreadable.append(line)
    return options, entries, unreadable


def pins_of(where: str, requirements: list[str]) -> tuple[dict[str, str], set[str], list[str]]:
    """name -> pinned version, every name, and the requirements that are no `==` pin."""
    pins: dict[str, str] = {}
    names: set[str] = set()
    problems: list[str] = []
    for text in requirements:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        names.add(name)
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            problems.append(f"{where}: {text!r} is not pinned with ==; pin it, then {FIX}")
            continue
        pins[name] = specs[0].version
    return pins, names, problems


def pyproject_requirements(pyproject: dict[str, Any]) -> list[str]:
    """Dependencies, every extra's, and the build backend's."""
    project = pyproject["project"]
    found = list(project.get("dependencies", []))
    for requirements in project.get("optional-dependencies", {}).values():
        found += requirements
    return found + list(pyproject["build-system"]["requires"])


def requirements_in_lines(text: str) -> list[str]:
    return [
        line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()
    ]


def disagreements(pyproject_text: str, requirements_in: str, lock_text: str) -> list[str]:
    """Everything on which the lock and its inputs disagree, one sentence each."""
    pins, declared, problems = pins_of(
        "pyproject.toml", pyproject_requirements(tomllib.loads(pyproject_text))
    )
    in_pins, _, in_problems = pins_of("requirements.in", requirements_in_lines(requirements_in))
    problems += in_problems
    for name in sorted(set(pins) | set(in_pins)):
        if pins.get(name) != in_pins.get(name):
            problems.append(
                f"requirements.in is not pyproject.toml's pins: {name} "
                f"{in_pins.get(name, 'absent')} there, {pins.get(name, 'absent')} in "
                f"pyproject.toml; {FIX}"
            )
    options, entries, unreadable = parse_lock(lock_text)
    problems += [f"requirements.txt: cannot read {line!r}; {FIX}" for line in unreadable]
    problems += [
        f"requirements.txt: option {o!r} is not one of {sorted(ALLOWED_OPTIONS)}; {FIX}"
        for o in options
        if o not in ALLOWED_OPTIONS
    ]
    locked: dict[str, list[Locked]] = {}
    for entry in entries:
        locked.setdefault(entry.name, []).append(entry)
        if not entry.hashes or not all(HASH.match(h) for h in entry.hashes):
            problems.append(f"requirements.txt: {entry.name}=={entry.version} has no sha256 hashes")
    for name, version in sorted(pins.items()):
        found = sorted({e.version for e in locked.get(name, [])})
        if not found:
            problems.append(f"{name}=={version} is declared but not in requirements.txt; {FIX}")
        elif found != [version]:
            problems.append(
                f"{name} is pinned =={version} but requirements.txt holds "
                f"{' and '.join(found)}; {FIX}"
            )
    direct = {e.name for e in entries if e.direct}
    for name in sorted(direct - declared):
        problems.append(
            f"requirements.txt holds {name} as a direct requirement that pyproject.toml "
            f"does not declare any more; {FIX}"
        )
    return problems


def _read(name: str) -> str:
    return (REPO / name).read_text(encoding="utf-8")


def _committed_disagreements(
    pyproject: str | None = None, requirements_in: str | None = None, lock: str | None = None
) -> list[str]:
    return disagreements(
        pyproject if pyproject is not None else _read("pyproject.toml"),
        requirements_in if requirements_in is not None else _read("requirements.in"),
        lock if lock is not None else _read("requirements.txt"),
    )


def test_the_lock_agrees_with_pyproject_and_requirements_in() -> None:
    assert _committed_disagreements() == []


def test_the_lock_holds_many_packages_all_hashed() -> None:
    """The parser reads the real lock: every package, not just the dozen direct ones."""
    options, entries, unreadable = parse_lock(_read("requirements.txt"))
    assert unreadable == []
    assert options == ["--only-binary :all:"]
    assert len(entries) > 60
    assert all(e.hashes for e in entries)
    assert {"pulumi", "grpcio", "protobuf", "pydantic-core", "urllib3"} <= {e.name for e in entries}
    direct = {e.name for e in entries if e.direct}
    assert {"pulumi", "pydantic", "pytest", "moto", "uv", "setuptools"} <= direct
    assert "grpcio" not in direct  # only pulumi needs it


def _pyproject_with(old: str, new: str) -> str:
    text = _read("pyproject.toml")
    assert old in text
    return text.replace(old, new)


def _inputs_with(old: str, *new: str) -> list[str]:
    """Both inputs edited alike, `old` replaced by the `new` requirements (requirements.in
    rewritten, the compile not run): what is left to see is the lock."""
    if len(new) == 1:
        pyproject = _pyproject_with(f'"{old}"', f'"{new[0]}"')
    else:
        pyproject = _pyproject_with(f'"{old}",', "".join(f'"{n}",' for n in new))
    requirements_in = _read("requirements.in")
    assert f"\n{old}\n" in requirements_in
    requirements_in = requirements_in.replace(f"\n{old}\n", "".join(f"\n{n}" for n in new) + "\n")
    return _committed_disagreements(pyproject=pyproject, requirements_in=requirements_in)


def test_a_pin_changed_in_pyproject_only_is_reported() -> None:
    problems = _committed_disagreements(
        pyproject=_pyproject_with('"pydantic==2.13.4"', '"pydantic==2.13.5"')
    )
    assert problems == [
        f"requirements.in is not pyproject.toml's pins: pydantic 2.13.4 there, 2.13.5 in "
        f"pyproject.toml; {FIX}",
        f"pydantic is pinned ==2.13.5 but requirements.txt holds 2.13.4; {FIX}",
    ]


def test_a_pin_changed_without_compiling_the_lock_is_reported() -> None:
    assert _inputs_with("pydantic==2.13.4", "pydantic==2.13.5") == [
        f"pydantic is pinned ==2.13.5 but requirements.txt holds 2.13.4; {FIX}"
    ]


def test_a_dependency_added_to_pyproject_is_reported() -> None:
    assert _inputs_with("rich==15.0.0", "rich==15.0.0", "tenacity==9.1.2") == [
        f"tenacity==9.1.2 is declared but not in requirements.txt; {FIX}"
    ]


def test_a_dependency_dropped_from_pyproject_is_reported() -> None:
    assert _inputs_with("rich==15.0.0") == [
        "requirements.txt holds rich as a direct requirement that pyproject.toml does not "
        f"declare any more; {FIX}"
    ]


def test_a_dev_pin_counts_like_a_runtime_pin() -> None:
    assert _inputs_with("pytest==9.2.0", "pytest==9.1.0") == [
        f"pytest is pinned ==9.1.0 but requirements.txt holds 9.2.0; {FIX}"
    ]


def test_the_build_backend_counts_like_a_runtime_pin() -> None:
    assert _inputs_with("setuptools==84.2.1", "setuptools==84.2.0") == [
        f"setuptools is pinned ==84.2.0 but requirements.txt holds 84.2.1; {FIX}"
    ]


def test_an_edit_of_requirements_in_alone_is_reported() -> None:
    """requirements.in is written by `make lock`: an edit of it alone (a hand, or a bot that
    did not touch pyproject.toml) shows."""
    problems = _committed_disagreements(
        requirements_in=_read("requirements.in").replace("\nrich==15.0.0\n", "\nrich==15.1.0\n")
    )
    assert problems == [
        f"requirements.in is not pyproject.toml's pins: rich 15.1.0 there, 15.0.0 in "
        f"pyproject.toml; {FIX}"
    ]


def test_an_unpinned_requirement_is_reported() -> None:
    problems = _committed_disagreements(
        pyproject=_pyproject_with('"requests==2.34.2"', '"requests>=2.34"')
    )
    assert problems == [
        f"pyproject.toml: 'requests>=2.34' is not pinned with ==; pin it, then {FIX}",
        f"requirements.in is not pyproject.toml's pins: requests 2.34.2 there, absent in "
        f"pyproject.toml; {FIX}",
    ]


def test_an_unhashed_or_editable_lock_is_reported() -> None:
    lock = _read("requirements.txt")
    start = lock.index("\nrich==15.0.0")
    end = lock.index("# via", start)
    unhashed = lock[:start] + "\nrich==15.0.0\n    " + lock[end:]
    assert _committed_disagreements(lock=unhashed) == [
        "requirements.txt: rich==15.0.0 has no sha256 hashes"
    ]
    editable = lock + "-e .\n"
    assert _committed_disagreements(lock=editable) == [
        f"requirements.txt: option '-e .' is not one of ['--only-binary :all:']; {FIX}"
    ]


# --- one oldest Python everywhere ---------------------------------------------------------


def _pyproject() -> dict[str, Any]:
    return tomllib.loads(_read("pyproject.toml"))


def oldest_supported() -> Version:
    return Version(supported_pythons()[0])


@pytest.mark.parametrize(
    ("setting", "read"),
    [
        (
            "[tool.uv.pip] python-version (the lock's oldest Python)",
            lambda p: p["tool"]["uv"]["pip"]["python-version"],
        ),
        ("[tool.mypy] python_version", lambda p: p["tool"]["mypy"]["python_version"]),
        (
            "[tool.ruff] target-version",
            lambda p: p["tool"]["ruff"]["target-version"].replace("py3", "3."),
        ),
    ],
)
def test_tools_target_the_oldest_supported_python(setting: str, read: Any) -> None:
    """The lock resolves from, and the type checker and linter judge the code by, the oldest
    Python requires-python admits, so nothing newer-only slips in."""
    oldest = oldest_supported()
    assert Version(read(_pyproject())) == oldest, f"{setting} must be {oldest}"


def test_installs_verify_the_hashes() -> None:
    """scripts/ensure-venv, the one installer, makes pip check every hash of the lock and
    install the project itself without resolving anything."""
    script = _read("scripts/ensure-venv")
    assert "LOCK=requirements.txt" in script
    assert 'install --require-hashes -r "$LOCK"' in script
    assert "install --no-deps --no-build-isolation -e ." in script
