"""The reliability matrix: fault x step -> outcome, API calls, duplicates.

`tests/e2e/test_faults.py` runs every row of `ROWS` through the four steps of `STEPS` with
the real engine and records one `Cell` per step in `build/reliability/matrix.json` (the
latest result of each cell; not committed). `docs/RELIABILITY.md` is rendered from that
file by

    scripts/reliability-report          # runs the fault suite, then writes the doc
    scripts/reliability-report --no-run # writes the doc from the last collected matrix

and `tests/unit/test_reliability_doc.py` fails, naming that command, when the committed
doc lacks a cell, shows a cell that did not converge cleanly or a duplicate, or no longer
matches the last collected matrix.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "build" / "reliability" / "matrix.json"
TIMING = RESULTS.parent / "suite-seconds.txt"
"""How long the last whole run of the suite took (written by the report command)."""
LOGS = RESULTS.parent / "logs"
"""Each run's full output, by group of rows, step and run (by row for the read step's
first runs), for reading a red cell."""
DOC = REPO / "docs" / "RELIABILITY.md"
REGENERATE = "scripts/reliability-report"

CONVERGED = "converged"
FAILED_CLEAN = "failed clean, then converged"
GOOD_OUTCOMES = (CONVERGED, FAILED_CLEAN)
"""Everything else (a dirty message, no convergence on the second run) is a defect."""
NEVER_HIT = "fault never hit"
"""The step ran, but no call of the row met its fault: the cell tested nothing."""


@dataclass(frozen=True)
class Step:
    """One step of a resource's life, the command that runs it and what the fault hits."""

    name: str
    command: tuple[str, ...]
    targets: tuple[tuple[str, str], ...]
    """(method, path glob) of the calls the fault is armed on, one per vendor."""
    what: str
    batched: bool = True
    """Every row in one command, each row's fault narrowed to its own objects (`match`);
    False: one command per row (the read step: see `STEPS`)."""


STEPS = (
    Step(
        "create",
        ("up", "--yes"),
        (("POST", "/v3/monitors"), ("POST", "/api/0/organizations/*/workflows/")),
        "`pulumi up` from an empty state and sandbox",
    ),
    # Reads are batched by the provider (mlpp_monitoring/batching.py: one list call serves
    # every read of a kind), so a fault on a list call would hit every row at once: each
    # row reads in a command of its own, `refresh` targeted at its resources (the same
    # provider reads as `up --refresh`, without running the program and its preview).
    Step(
        "read",
        ("refresh", "--yes"),
        (("GET", "/v3/monitors*"), ("GET", "/api/0/organizations/*/workflows/*")),
        "`pulumi refresh --target` the row's monitor and alerts after the deploy (the "
        "provider reads them: listed, or by id)",
        batched=False,
    ),
    Step(
        "update",
        ("up", "--yes"),
        (("PATCH", "/v3/monitors/*"), ("PUT", "/api/0/organizations/*/workflows/*/")),
        "`pulumi up` after changing the monitor's interval and both alerts' frequency",
    ),
    Step(
        "delete",
        ("destroy", "--yes"),
        (("DELETE", "/v3/monitors/*"), ("DELETE", "/api/0/organizations/*/workflows/*/")),
        "`pulumi destroy`",
    ),
)
STEP_NAMES = tuple(step.name for step in STEPS)


@dataclass(frozen=True)
class FaultRow:
    """A fault kind and how many matching requests it spoils (per vendor)."""

    kind: str
    times: int
    why: str
    list_lag: float = 0.0
    """Seconds the sandbox's UptimeRobot list lags a create (`--uptimerobot-list-lag`)."""

    @property
    def label(self) -> str:
        """How the row is named in the doc, e.g. `503 x20`, `create-then-404 x1 lag 2s`."""
        lag = f" lag {self.list_lag:g}s" if self.list_lag else ""
        return f"{self.kind} x{self.times}{lag}"

    def sandbox_args(self, token: str) -> tuple[str, ...]:
        """The sandbox's command-line options for this row, whose objects carry `token`
        (the lag is limited to them: the sandbox holds other rows' objects too)."""
        if not self.list_lag:
            return ()
        lag = ("--uptimerobot-list-lag", f"{self.list_lag:g}")
        return (*lag, "--uptimerobot-list-lag-match", f"[{token}]")

    @property
    def retry_after(self) -> int:
        """Seconds a 429/503 announces: 1 for a short fault (waited for), 0 for a lasting one
        (the retries are spent at once, so the suite stays fast)."""
        return 1 if self.times <= 2 else 0


ROWS = (
    FaultRow("429", 2, "rate limited twice: Retry-After honoured, the call retried"),
    FaultRow("429", 20, "rate limited past the retries (Retry-After: 0)"),
    FaultRow("500", 2, "two server errors"),
    FaultRow("500", 20, "a server error that lasts"),
    FaultRow("502", 2, "two load-balancer errors (HTML body)"),
    FaultRow("502", 20, "a load-balancer outage"),
    FaultRow("503", 2, "unavailable twice (HTML body, Retry-After)"),
    FaultRow("503", 20, "unavailable for longer than the retries (Retry-After: 0)"),
    FaultRow("410", 2, "a Sentry deprecation brownout, twice"),
    FaultRow("410", 20, "a brownout that lasts"),
    FaultRow("hang", 1, "performed, answer held past the client's read timeout"),
    FaultRow("hang", 20, "every matching call performed but never answered in time"),
    FaultRow("drop", 1, "connection closed, nothing done"),
    FaultRow("drop", 20, "every matching call dropped"),
    FaultRow("create-then-404", 1, "performed, then answered 404"),
    FaultRow("create-then-404", 20, "every matching call performed, then answered 404"),
    FaultRow(
        "create-then-404",
        1,
        "performed, then answered 404, and the UptimeRobot list shows the new monitor only "
        "2 s later (as UptimeRobot's has lagged): looked for until it shows, never posted twice",
        list_lag=2.0,
    ),
)


def _groups(count: int) -> tuple[tuple[FaultRow, ...], ...]:
    """The rows in `count` groups. Rows come in pairs of one fault kind (x2, then x20, or
    x1, x20); pairs are dealt in turn, so each group gets short and lasting faults alike."""
    return tuple(
        tuple(row for i, row in enumerate(ROWS) if (i // 2) % count == group)
        for group in range(count)
    )


GROUPS = _groups(2)
"""Each group of rows runs in a test of its own, on its own sandbox and stack, so that
pytest-xdist can run them side by side: `scripts/reliability-report` does (on 2 cores, about
two thirds of the wall time of one group of every row, for about a third more CPU time:
each group pays its own create, update and delete); `make test` may run them on one worker
in turn while the other workers keep the cores busy."""


@dataclass(frozen=True)
class Cell:
    """What one step did under one fault row."""

    row: str
    step: str
    outcome: str
    runs: int
    """Commands run: 1, or 2 when the first failed (the second runs without the fault)."""
    calls: int
    """Vendor API calls of the row over all runs of the step, from the sandbox journal: the
    calls naming the row (its token in the body, its ids in the path), plus an even share
    of the calls naming no row (lists) of each command the row took part in."""
    faulted: int
    """Calls the row's fault spoiled."""
    duplicates: int
    """Live objects sharing a declared natural key, minus one each (worst seen)."""
    message: str
    """The first run's errors (empty when it succeeded): the first of each vendor's failing
    resources (the monitor's, then an alert's), one per line."""
    seconds: float
    """Wall time of the step: of its commands, shared by every row they served."""

    @property
    def good(self) -> bool:
        """Converged, or failed with a clean message and converged on the second run."""
        return self.outcome in GOOD_OUTCOMES and self.duplicates == 0


# -- collection ------------------------------------------------------------------------------


def load(path: Path = RESULTS) -> dict[tuple[str, str], Cell]:
    """The last collected cells, by (row label, step); empty when nothing was collected."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    cells = (Cell(**item) for item in data.get("cells", []))
    return {(cell.row, cell.step): cell for cell in cells}


def record(cells: Iterable[Cell], path: Path = RESULTS) -> None:
    """Merge `cells` into the collected matrix (the newest result of each cell wins).

    Safe when several processes record at once (pytest-xdist workers, one per group of
    rows): the read, merge and write happen under an exclusive lock on a file beside it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / (path.name + ".lock")).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        merged = load(path)
        merged.update({(cell.row, cell.step): cell for cell in cells})
        order = {row.label: i for i, row in enumerate(ROWS)}
        steps = {name: i for i, name in enumerate(STEP_NAMES)}
        ordered = sorted(
            merged.values(), key=lambda c: (order.get(c.row, len(order)), steps.get(c.step, 9))
        )
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        body = {"recorded": time.strftime("%Y-%m-%d"), "cells": [asdict(c) for c in ordered]}
        text = json.dumps(body, indent=1, ensure_ascii=False) + "\n"
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)


# -- the document --------------------------------------------------------------------------

_CELL = re.compile(r"(?P<outcome>[a-z][a-z ,]*?) · (?P<calls>\d+) calls · (?P<dups>\d+) dup")


def category(outcome: str) -> str:
    """An outcome without its details: `did not converge: 2 monitors` -> `did not converge`."""
    return outcome.split(":", 1)[0]


def _cell_text(cell: Cell) -> str:
    mark = "✅" if cell.outcome == CONVERGED else ("🔁" if cell.good else "❌")
    return f"{mark} {category(cell.outcome)} · {cell.calls} calls · {cell.duplicates} dup"


def render(cells: dict[tuple[str, str], Cell], *, suite_seconds: float | None = None) -> str:
    """docs/RELIABILITY.md for a complete matrix (raises ValueError naming missing cells)."""
    missing = [(r.label, s) for r in ROWS for s in STEP_NAMES if (r.label, s) not in cells]
    if missing:
        raise ValueError(
            "the collected matrix lacks "
            + ", ".join(f"{row}/{step}" for row, step in missing)
            + f": run the whole fault suite ({REGENERATE})"
        )
    every = [cells[(r.label, s)] for r in ROWS for s in STEP_NAMES]
    good = sum(cell.good for cell in every)
    failed_first = sum(cell.outcome == FAILED_CLEAN for cell in every)
    lines = [
        "# Reliability: what `pulumi` does when the vendors misbehave",
        "",
        f"<!-- Generated by {REGENERATE} from the fault suite (tests/e2e/test_faults.py);",
        "     do not edit by hand: a stale copy fails tests/unit/test_reliability_doc.py. -->",
        "",
        "Every row injects one fault into one step of the stack's life (both vendors at",
        "once: the UptimeRobot call and the Sentry call of the step), run with the real",
        "`pulumi` CLI. Each row has its own copy of the runbook's objects (one monitor, two",
        "alerts, the row's token in their names and the monitor's URL), and a group of rows",
        f"shares one sandbox and one stack ({len(GROUPS)} groups, tests of their own). Create,",
        "update and delete run once per group, with `--continue-on-error`: each row's fault",
        "is narrowed to the row's own objects (the sandbox fault's `match`: the row's token",
        "in a create's body, its ids in the path of an update or a delete), and each row's",
        "errors are those of its own resources in the CLI's `Diagnostics:`. Reads cannot be",
        "shared: the provider reads every object of a kind with one list call (batched",
        "reads), so a fault on that call would hit every row. Each row's read is a command",
        "of its own, `pulumi refresh` targeted at the row's three resources (the provider",
        "reads that `pulumi up --refresh` makes, without running the program), its fault",
        "armed alone; then one `pulumi preview --expect-no-changes` of the group, without",
        "faults, must plan no step for the row (what the program would do with the state the",
        "read wrote: the rest of what `up --refresh` did).",
        "",
        "A step **converged** for a row when the command succeeded for the row's resources",
        "and the sandbox holds exactly one live object per declared resource of the row,",
        "with the declared values and the ids Pulumi's state holds (none after `destroy`),",
        "and no object of no row. **Failed clean, then converged**: each failing resource of",
        "the row failed with an error that names the vendor, the call and what to do, with",
        "no Python traceback, no `error: null` and no credential, and the same command run",
        "again without faults (once for every row that failed) converged. A cell where the",
        "fault of either vendor hit no call is not good (**fault never hit**): it tested",
        "nothing. A traceback, an empty error or a credential anywhere in the output counts",
        "against every row that failed in that run. *calls* counts the",
        "row's vendor requests over the step's runs: those naming the row (its token in the",
        "body, one of its ids in the path), plus an even share of the requests naming no row",
        "(the list calls) of each command the row took part in; *dup* counts live objects",
        "sharing a declared natural key (monitor name + URL, alert name on the issue-stream",
        "detector), minus one.",
        "",
        "| step | command | fault armed on |",
        "|---|---|---|",
    ]
    for step in STEPS:
        targets = ", ".join(f"`{m} {p}`" for m, p in step.targets)
        lines.append(f"| {step.name} | {step.what} | {targets} |")
    lines += [
        "",
        f"**{good} of {len(every)} cells good** ({len(every) - failed_first} converged in one "
        f"run, {failed_first} failed clean and converged on the second run); "
        f"**{sum(c.duplicates for c in every)} duplicates**.",
        "",
        "| fault | " + " | ".join(STEP_NAMES) + " |",
        "|---|" + "---|" * len(STEP_NAMES),
    ]
    for row in ROWS:
        texts = [_cell_text(cells[(row.label, s)]) for s in STEP_NAMES]
        lines.append(f"| `{row.label}` | " + " | ".join(texts) + " |")
    lines += ["", "Faults, per row:", ""]
    lines += [f"- `{row.label}`: {row.why}." for row in ROWS]
    lines += [
        "",
        "## What the first run said, when it failed",
        "",
        "The message the engine printed for the row's first failing resource of each vendor",
        "(the monitor, an alert), the row's ids shown as `{id}`. Each says which call failed",
        "and what to do next.",
        "",
        "| fault | step | message |",
        "|---|---|---|",
    ]
    for cell in every:
        for message in cell.message.splitlines():
            text = message.replace("|", "\\|")
            lines.append(f"| `{cell.row}` | {cell.step} | {text} |")
    lines += [
        "",
        "## Running it",
        "",
        "```sh",
        f"{REGENERATE}            # runs tests/e2e/test_faults.py, then rewrites this file",
        f"{REGENERATE} --no-run   # rewrites it from build/reliability/matrix.json",
        "```",
        "",
        f"The report runs the suite on {len(GROUPS)} pytest-xdist workers, one per group of",
        "rows. The suite shortens the providers' HTTP policy through the environment of `pulumi`",
        "(`MLPP_HTTP_READ_TIMEOUT`, `MLPP_HTTP_BACKOFF`, `MLPP_HTTP_BACKOFF_MAX`,",
        "`MLPP_HTTP_BUDGET`, `MLPP_HTTP_CREATE_WAIT`; see the README), so a hang costs seconds",
        "instead of minutes; retry counts and rules are the production ones. A create whose",
        "answer is unclear (5xx, a dropped connection) is looked for during",
        "`MLPP_HTTP_CREATE_WAIT` and never sent twice in one run: when nothing appears, the",
        "step fails clean and its second run creates the object.",
    ]
    if suite_seconds is not None:
        lines += ["", f"Last whole run of the suite: {suite_seconds:.0f} s (2 cores)."]
    return "\n".join(lines) + "\n"


def parse_doc(text: str) -> dict[tuple[str, str], tuple[str, int, int]]:
    """The matrix table of a rendered doc: (row, step) -> (outcome, calls, duplicates)."""
    cells: dict[tuple[str, str], tuple[str, int, int]] = {}
    steps: list[str] = []
    for line in text.splitlines():
        parts = [part.strip() for part in line.strip().strip("|").split("|")]
        if parts[0] == "fault" and parts[1:] and set(parts[1:]) <= set(STEP_NAMES):
            steps = parts[1:]  # the matrix's header row
        elif steps and line.startswith("| `"):
            for step, shown in zip(steps, parts[1:], strict=False):
                match = _CELL.search(shown)
                if match:
                    cells[(parts[0].strip("`"), step)] = (
                        match["outcome"],
                        int(match["calls"]),
                        int(match["dups"]),
                    )
        elif steps and not line.strip():
            steps = []  # the table ended
    return cells


def doc_problems(text: str, collected: dict[tuple[str, str], Cell]) -> list[str]:
    """Why the doc is not the rendering of a complete, all-good, current matrix."""
    shown = parse_doc(text)
    problems: list[str] = []
    for row in ROWS:
        for step in STEP_NAMES:
            shown_cell = shown.get((row.label, step))
            if shown_cell is None:
                problems.append(f"{row.label}/{step}: missing from the doc")
                continue
            outcome, _calls, duplicates = shown_cell
            if outcome not in GOOD_OUTCOMES or duplicates:
                problems.append(f"{row.label}/{step}: {outcome}, {duplicates} duplicates")
    extra = sorted(set(shown) - {(r.label, s) for r in ROWS for s in STEP_NAMES})
    problems += [f"{row}/{step}: in the doc but not in ROWS" for row, step in extra]
    for key, cell in collected.items():
        last = (category(cell.outcome), cell.duplicates)
        if key in shown and (shown[key][0], shown[key][2]) != last:
            problems.append(
                f"{key[0]}/{key[1]}: the doc says {shown[key][0]} ({shown[key][2]} dup), the "
                f"last run {cell.outcome} ({cell.duplicates} dup)"
            )
    return problems


# -- the command ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fault suite (unless --no-run) and write docs/RELIABILITY.md from its matrix."""
    parser = argparse.ArgumentParser(prog=REGENERATE, description=main.__doc__)
    parser.add_argument("--no-run", action="store_true", help="use the last collected matrix")
    args = parser.parse_args(argv)
    seconds: float | None = None
    if not args.no_run:
        workers = str(len(GROUPS))  # one pytest-xdist worker per group of rows
        started = time.monotonic()
        suite = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers, _SUITE],
            cwd=REPO,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            check=False,
        )
        seconds = time.monotonic() - started
        if suite.returncode not in (0, 1):
            print(f"the fault suite could not run (exit {suite.returncode})", file=sys.stderr)
            return 2
        TIMING.write_text(f"{seconds:.0f}\n", encoding="utf-8")
    elif TIMING.is_file():
        seconds = float(TIMING.read_text(encoding="utf-8"))
    try:
        text = render(load(), suite_seconds=seconds)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    DOC.write_text(text, encoding="utf-8")
    problems = doc_problems(text, {})
    print(f"wrote {DOC.relative_to(REPO)}" + (f"; {len(problems)} bad cells" if problems else ""))
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


_SUITE = "tests/e2e/test_faults.py"


if __name__ == "__main__":
    raise SystemExit(main())
