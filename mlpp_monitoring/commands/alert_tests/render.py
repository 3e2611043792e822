"""The results of `test-alerts`: a plain table for the terminal, Markdown for a pull
request's comment (the preview workflow's behaviour section)."""

from __future__ import annotations

from collections.abc import Sequence

from mlpp_monitoring.commands.alert_tests.outcomes import ComparedRow, Outcome, Row


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


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _markdown_table(header: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    rows = [header, ["---"] * len(header), *lines]
    return "\n".join("| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows)


def _outcome(outcome: Outcome, expected: int | None = None) -> str:
    """`3: B at -48h, 2m`, with FAIL when it is not the expected count."""
    text = _count(outcome.count)
    if expected is not None and outcome.count != expected:
        text += " **FAIL**"
    return f"{text}: {outcome.detail}" if outcome.detail else text


def render_markdown_table(rows: Sequence[Row]) -> str:
    """The results as a Markdown table, failures first."""
    lines = [
        [
            row.scenario,
            f"`{row.key}`",
            str(row.expected),
            _outcome(Outcome(row.got, row.detail), row.expected),
        ]
        for row in sorted(rows, key=lambda row: row.holds)
    ]
    held = sum(row.holds for row in rows)
    table = _markdown_table(["scenario", "object", "expected", "got"], lines)
    return f"{held} of {len(rows)} expectations hold.\n\n{table}"


def render_markdown_comparison(
    rows: Sequence[ComparedRow], changed_objects: Sequence[str], source: str
) -> str:
    """The behaviour section of a pull request's comment: what the alerts and monitors the
    pull request changes (`changed_objects`) do in each scenario of `source`, on the base
    branch's config and on the pull request's; changed outcomes first, the others folded."""
    changed = [row for row in rows if row.changed]
    same = [row for row in rows if not row.changed]
    failing = sum(not row.holds for row in rows)
    objects = ", ".join(f"`{key}`" for key in changed_objects)
    summary = [
        f"#### Behaviour: the scenarios of `{source}` on the base branch and on this pull request",
        "",
        f"This pull request changes {objects}: **{len(changed)} of {len(rows)} outcomes change**."
        if changed
        else f"This pull request changes {objects}: no outcome of the {len(rows)} changes.",
        "",
        f"**{failing} of {len(rows)} expectations fail** on this pull request: change the rule "
        f"back, or the scenario in `{source}` if the new behaviour is intended "
        "(`mlpp-monitoring test-alerts`)."
        if failing
        else f"Every expectation of `{source}` holds on this pull request.",
    ]
    parts = ["\n".join(summary)]
    if changed:
        parts.append(
            _markdown_table(
                ["scenario", "object", "expected", "base", "this pull request"],
                [
                    [
                        row.scenario,
                        f"`{row.key}`",
                        str(row.expected),
                        _outcome(row.base),
                        _outcome(row.head, row.expected),
                    ]
                    for row in changed
                ],
            )
        )
    if same:
        table = _markdown_table(
            ["scenario", "object", "expected", "base and this pull request"],
            [
                [row.scenario, f"`{row.key}`", str(row.expected), _outcome(row.head, row.expected)]
                for row in same
            ],
        )
        summary_line = f"<summary>{_plural(len(same), 'unchanged outcome')}</summary>"
        parts.append(f"<details>{summary_line}\n\n{table}\n\n</details>")
    return "\n\n".join(parts)
