"""The results of `test-alerts`, as plain tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from mlpp_monitoring.commands.alert_tests.outcomes import ComparedRow, Row


def _table(header: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *lines]
    )


def _count(count: int | None) -> str:
    return "?" if count is None else str(count)


def render_table(rows: Sequence[Row]) -> str:
    """The results as a plain monospace table, then how many expectations hold."""
    lines = [
        [
            row.scenario,
            row.key,
            str(row.expected),
            _count(row.got),
            "ok" if row.holds else "FAIL",
            row.detail,
        ]
        for row in rows
    ]
    held = sum(row.holds for row in rows)
    table = _table(["scenario", "object", "expected", "got", "result", "when"], lines)
    return f"{table}\n\n{held} of {len(rows)} expectations hold"


def render_comparison(rows: Sequence[ComparedRow]) -> str:
    """Base and pull-request outcomes as a plain monospace table, changed rows marked."""
    lines = [
        [
            "changed" if row.changed else "",
            row.scenario,
            row.key,
            str(row.expected),
            _count(row.base.count),
            _count(row.head.count),
            "ok" if row.holds else "FAIL",
            row.base.detail,
            row.head.detail,
        ]
        for row in rows
    ]
    changed = sum(row.changed for row in rows)
    held = sum(row.holds for row in rows)
    header = ["", "scenario", "object", "expected", "base", "PR", "result", "base: when"]
    table = _table([*header, "PR: when"], lines)
    return (
        f"{table}\n\n{changed} of {len(rows)} outcomes change; "
        f"{held} of {len(rows)} expectations hold on the PR"
    )
