"""docs/RELIABILITY.md is the rendering of a complete, all-good, current fault matrix.

The fault suite (tests/e2e/test_faults.py) collects the matrix into
build/reliability/matrix.json; this test never rewrites the committed doc, it fails with
the command that does.
"""

from __future__ import annotations

from tests.e2e.reliability import (
    CONVERGED,
    DOC,
    FAILED_CLEAN,
    REGENERATE,
    ROWS,
    STEP_NAMES,
    Cell,
    doc_problems,
    load,
    parse_doc,
    render,
)


def test_the_committed_doc_shows_every_cell_good_and_matches_the_last_run() -> None:
    assert DOC.is_file(), f"docs/RELIABILITY.md is missing: run {REGENERATE}"
    problems = doc_problems(DOC.read_text(encoding="utf-8"), load())
    assert not problems, (
        f"docs/RELIABILITY.md is stale or shows a defect; fix the code, then run {REGENERATE}"
        " and commit the doc:\n  " + "\n  ".join(problems)
    )


def _cell(row: str, step: str, outcome: str = CONVERGED, duplicates: int = 0) -> Cell:
    return Cell(row, step, outcome, 1, 7, 2, duplicates, "", 1.0)


def _matrix(**changes: Cell) -> dict[tuple[str, str], Cell]:
    cells = {(r.label, s): _cell(r.label, s) for r in ROWS for s in STEP_NAMES}
    cells.update({(c.row, c.step): c for c in changes.values()})
    return cells


def test_a_rendered_matrix_reads_back_cell_by_cell() -> None:
    failed = _cell(ROWS[1].label, "read", FAILED_CLEAN)
    cells = _matrix(failed=failed)
    shown = parse_doc(render(cells))
    assert set(shown) == set(cells)
    assert shown[(failed.row, "read")] == (FAILED_CLEAN, 7, 0)
    assert doc_problems(render(cells), cells) == []


def test_a_duplicate_a_missing_cell_or_a_newer_run_is_reported() -> None:
    bad = _cell(ROWS[0].label, "read", "did not converge: 2 monitors", duplicates=1)
    text = render(_matrix(bad=bad))
    assert any("did not converge, 1 duplicates" in p for p in doc_problems(text, {}))

    good = render(_matrix())
    rows = [line for line in good.splitlines() if not line.startswith(f"| `{ROWS[-1].label}`")]
    assert any("missing" in p for p in doc_problems("\n".join(rows), {}))

    newer = {(ROWS[2].label, "update"): _cell(ROWS[2].label, "update", FAILED_CLEAN)}
    assert any("the last run" in p for p in doc_problems(good, newer))
