"""The README stays true: its on-call snapshot is the one the status tests keep fresh, and
its two set-up commands are the Makefile's and CI's."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_readme_status_snapshot_is_the_checked_one() -> None:
    checked = (REPO / "docs" / "STATUS.md").read_text(encoding="utf-8")
    block = checked.split("<!-- snapshot:human -->", 1)[1].split("<!-- /snapshot -->", 1)[0]
    assert block.strip() in (REPO / "README.md").read_text(encoding="utf-8"), (
        "README's status snapshot differs from docs/STATUS.md: copy the block over"
    )


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "\ntest:" in makefile and "\ndemo:" in makefile
