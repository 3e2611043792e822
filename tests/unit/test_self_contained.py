"""The repository carries everything its code, tests and readers need.

A clone in an empty folder has no sibling folders: a tracked file that points at one
(the team's reference folder beside the main checkout) works on one machine and fails,
or misleads, everywhere else. The vendors' documents live in `specs/`, the vendor facts
in `docs/vendors/`.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Built from pieces, so that this file does not match its own pattern.
_SIBLING = re.escape("..") + "/" + "shared"
_FOLDERS = "|".join(re.escape("shared" + "/" + name) for name in ("specs", "design", "seed"))
_ABSOLUTE = re.escape("/work" + "/shared")
SIBLING_REFERENCE = re.compile(f"{_SIBLING}|{_FOLDERS}|{_ABSOLUTE}")


def tracked_files() -> list[Path]:
    """Every file git tracks in this checkout (the lone clone's content)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    return [REPO / name for name in listed.split("\0") if name]


def sibling_references(files: list[Path]) -> list[str]:
    """`path:line: text` of every line naming the sibling reference folder."""
    found: list[str] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if SIBLING_REFERENCE.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}")
    return found


def test_no_tracked_file_refers_to_a_sibling_folder() -> None:
    files = tracked_files()
    assert len(files) > 50, "git ls-files found almost nothing: not a checkout?"
    found = sibling_references(files)
    assert not found, (
        "these lines point at a folder a clone does not have; use specs/ or "
        "docs/vendors/ instead:\n" + "\n".join(found)
    )


def test_the_check_catches_each_form() -> None:
    # The pattern must catch what it claims: each spelling, built from pieces.
    lines = [
        "see " + ".." + "/shared" + "/specs/x.yaml",
        "the notes in " + "shared" + "/design/sentry.md",
        "from " + "shared" + "/seed/runbook.md",
        "open " + "/work" + "/shared" + "/specs",
        "specs/uptimerobot-openapi-v3.yaml is ours",
        "one shared list per page",
    ]
    flagged = [line for line in lines if SIBLING_REFERENCE.search(line)]
    assert flagged == lines[:4]


def test_the_specs_and_vendor_docs_are_in_the_repository() -> None:
    for name in (
        "specs/uptimerobot-openapi-v3.yaml",
        "specs/sentry-openapi-subset.json",
        "specs/README.md",
        "docs/vendors/uptimerobot.md",
        "docs/vendors/sentry.md",
    ):
        assert (REPO / name).is_file(), f"{name} is missing from the repository"
