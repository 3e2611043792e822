"""The fault suite: every fault kind on every step of the stack's life, through the engine.

Each fault row has its own copy of the runbook's objects (one monitor, two alerts, named
with the row's token: `use_runbook_copies`), and a group of rows shares one sandbox and
one stack, which goes create -> read -> update -> delete. Create, update and delete run
once for the whole group: before the step each row's fault is armed on that step's calls
(both vendors), narrowed to the row's own objects (`match`: its token in a create's body,
its ids in the path of an update or a delete), the command runs with
`--continue-on-error`, and each row's errors are read from the resources of its own in the
`Diagnostics:` section. The read step cannot be shared (the provider reads every object of
a kind with one list call, so a fault on that call would hit every row): each row runs
`pulumi refresh` targeted at its three resources, with its fault armed alone.

Per row, the step must converge (exactly one live object per declared resource, declared
values, the ids in Pulumi's state), or fail with a clean, actionable error after which the
same command, run again without faults, converges; and the row's fault must have hit at
least one call. Each (row, step) is recorded as a cell of the reliability matrix
(`tests/e2e/reliability.py`, rendered into docs/RELIABILITY.md).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    DRIFT_EXIT_CODE,
    RESOURCE_TYPES,
    RUNBOOK_ALERT_KEYS,
    RUNBOOK_MONITOR_KEY,
    Project,
    RunbookCopy,
    SandboxProcess,
    leaked_secrets,
    parse_diff,
    running_sandbox,
    use_runbook_copies,
)
from tests.e2e.reliability import (
    CONVERGED,
    FAILED_CLEAN,
    GOOD_OUTCOMES,
    GROUPS,
    LOGS,
    NEVER_HIT,
    ROWS,
    STEPS,
    Cell,
    FaultRow,
    Step,
    record,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

FAST_POLICY = {
    "MLPP_HTTP_READ_TIMEOUT": "1",
    "MLPP_HTTP_BACKOFF": "0.05",
    "MLPP_HTTP_BACKOFF_MAX": "0.2",
    "MLPP_HTTP_BUDGET": "30",
    "MLPP_HTTP_CREATE_WAIT": "5",
}
"""The providers' HTTP policy, shortened through pulumi's environment (retry rules unchanged);
an unclear create is looked for 5 s, past the 2 s list lag of the lagging row."""

HANG_SECONDS = 1.5
"""How long a `hang` holds its answer: past MLPP_HTTP_READ_TIMEOUT."""

DECLARED = {"created": (300, 1440), "updated": (600, 60)}
"""(monitor interval, alert frequency) the stack declares before and after the update step."""
STAGE = {"create": "created", "read": "created", "update": "updated", "delete": "destroyed"}
"""What the stack declares once a step is done."""

ACTION_HINTS = (
    "run the same command",
    "run again",
    "pulumi refresh",
    "pulumi up --refresh",
    "adopt_id",
    "by hand",
    "in the stack config",
)
"""A failing step's message must tell the user what to do: one of these."""

TOKENS = {row.label: f"fault-{i:02d}" for i, row in enumerate(ROWS, 1)}
"""Each row's token: in its objects' config keys, names and monitor URL."""


@dataclass
class Member:
    """One row in a group's stack: its copy of the runbook's objects, their last seen ids."""

    row: FaultRow
    copy: RunbookCopy
    ids: set[str] = field(default_factory=set)
    """Every vendor id its objects had (state or live): names its calls in paths."""

    @property
    def token(self) -> str:
        """The row's token (`fault-01`): in its objects' config keys, names and URL."""
        return self.copy.token

    @property
    def names(self) -> tuple[str, ...]:
        """Its resources' Pulumi names: the monitor's, then the alerts'."""
        return self.copy.resources

    @property
    def tag(self) -> str:
        """How its objects' names end: `... [fault-01]`."""
        return self.copy.suffix.strip()

    def owns(self, segments: set[str], body: str) -> bool:
        """Whether a request names this row: its token or one of its ids as a path segment or
        in the body (the rule of the sandbox's fault `match`)."""
        return any(name in segments or name in body for name in (self.token, *self.ids))


def _shares(
    entries: Sequence[dict[str, Any]], members: Sequence[Member], served: Sequence[Member]
) -> dict[str, float]:
    """Each member's calls in one run: those naming it, plus an even share among the
    members the run `served` of those naming no member (lists, look-ups)."""
    shares = dict.fromkeys((m.token for m in members), 0.0)
    for entry in entries:
        segments = set(entry["path"].split("/"))
        body = entry.get("request_body")
        text = "" if body is None else json.dumps(body, ensure_ascii=False)
        owner = next((m for m in members if m.owns(segments, text)), None)
        if owner is not None:
            shares[owner.token] += 1
        else:
            for member in served:
                shares[member.token] += 1 / len(served)
    return shares


# -- the journal, read from where the last read stopped ---------------------------------


@dataclass
class JournalCursor:
    """The sandbox's journal file, read on from a byte offset (it grows with every run)."""

    path: Path
    offset: int = 0

    def new(self) -> list[dict[str, Any]]:
        """The entries journaled since the last call."""
        if not self.path.exists():
            return []
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        return [json.loads(line) for line in complete.splitlines() if line.strip()]


# -- arming faults ---------------------------------------------------------------------------


def _arm(
    sandbox: SandboxProcess, step: Step, members: Sequence[Member], *, match: bool
) -> dict[int, str]:
    """Arm each member's fault on the step's calls, narrowed to the member's own objects
    when `match`; the token of each armed fault's member, by fault id."""
    faults: list[dict[str, Any]] = []
    owners: list[str] = []
    for member in members:
        # A create's body carries the row's name; an update or a delete names the object
        # by its id in the path.
        strings = [member.token] if step.name == "create" else sorted(member.ids)
        for method, path in step.targets:
            fault: dict[str, Any] = {
                "kind": member.row.kind,
                "method": method,
                "path": path,
                "times": member.row.times,
                "retryAfter": member.row.retry_after,
                "seconds": HANG_SECONDS,
            }
            if match:
                fault["match"] = strings
            faults.append(fault)
            owners.append(member.token)
    response = sandbox.control("POST", "/faults", json=faults)
    assert response.status_code == 201, response.text
    return {added["id"]: owner for added, owner in zip(response.json(), owners, strict=True)}


def _disarm(sandbox: SandboxProcess, armed: dict[int, str]) -> dict[str, list[int]]:
    """Clear every fault; how many calls each of each member's faults hit (one per vendor)."""
    hits: dict[str, list[int]] = {token: [] for token in armed.values()}
    for fault in sandbox.control("GET", "/faults").json():
        if fault["id"] in armed:
            hits[armed[fault["id"]]].append(fault["hits"])
    assert sandbox.control("DELETE", "/faults").ok
    return hits


# -- what converged means ---------------------------------------------------------------------


def _state_ids(project: Project) -> dict[str, str]:
    exported = project.pulumi("stack", "export", check=True).stdout
    resources = json.loads(exported).get("deployment", {}).get("resources") or []
    return {
        r["urn"].rsplit("::", 1)[-1]: str(r.get("id"))
        for r in resources
        if r.get("type") in RESOURCE_TYPES
    }


@dataclass
class Seen:
    """One observation of one row: what is wrong (empty: converged), its duplicates."""

    problems: list[str]
    duplicates: int


def _observe(project: Project, members: Sequence[Member], stage: str) -> dict[str, Seen]:
    """Each member's objects in the sandbox and the state after a step, judged against what
    the stack declares; remembers the ids seen. An object of no member is every member's
    problem (it cannot be told apart)."""
    sandbox = project.sandbox
    monitors = sandbox.monitors()
    workflows = sandbox.workflows()
    state = _state_ids(project)
    config = {
        "monitors": project.project_config("uptimerobot")["monitors"],
        "alerts": project.project_config("sentry")["alerts"],
    }
    tags = [member.tag for member in members]
    strays = [
        name
        for name in [m["friendlyName"] for m in monitors] + [w["name"] for w in workflows]
        if not any(tag in name for tag in tags)
    ]
    seen: dict[str, Seen] = {}
    for member in members:
        theirs = [m for m in monitors if member.tag in m["friendlyName"]]
        alerts = [w for w in workflows if member.tag in w["name"]]
        member.ids |= {str(o["id"]) for o in theirs + alerts}
        ids = {name: state[name] for name in member.names if name in state}
        member.ids |= set(ids.values())
        declared = config["monitors"][member.copy.key(RUNBOOK_MONITOR_KEY)]
        mine = [
            m
            for m in theirs
            if (m["friendlyName"], m["url"]) == (declared["name"], declared["url"])
        ]
        names = [config["alerts"][member.copy.key(key)]["name"] for key in RUNBOOK_ALERT_KEYS]
        by_name = {name: [w for w in alerts if w["name"] == name] for name in names}
        duplicates = max(0, len(mine) - 1) + sum(max(0, len(a) - 1) for a in by_name.values())
        problems = [f"{len(strays)} objects of no row: {strays}"] if strays else []
        if stage == "destroyed":
            if theirs or alerts:
                problems.append(f"{len(theirs)} monitors, {len(alerts)} workflows left")
            if ids:
                problems.append(f"state still holds {sorted(ids)}")
            seen[member.token] = Seen(problems, duplicates)
            continue
        interval, frequency = DECLARED[stage]
        monitor_name = member.names[0]
        if len(theirs) != 1 or len(mine) != 1:
            problems.append(f"{len(theirs)} monitors ({len(mine)} with the declared name + URL)")
        elif mine[0]["interval"] != interval:
            problems.append(f"monitor interval {mine[0]['interval']}, declared {interval}")
        elif ids.get(monitor_name) != str(mine[0]["id"]):
            problems.append(f"state id {ids.get(monitor_name)} != live {mine[0]['id']}")
        if len(alerts) != 2 or any(len(a) != 1 for a in by_name.values()):
            problems.append(f"{len(alerts)} workflows: {[w['name'] for w in alerts]}")
        else:
            for resource, name in zip(member.names[1:], names, strict=True):
                (live,) = by_name[name]
                if live["config"] != {"frequency": frequency}:
                    problems.append(f"{resource} frequency {live['config']}, declared {frequency}")
                if ids.get(resource) != str(live["id"]):
                    problems.append(
                        f"{resource}: state id {ids.get(resource)} != live {live['id']}"
                    )
        seen[member.token] = Seen(problems, duplicates)
    return seen


# -- what a clean failure means --------------------------------------------------------------

_GENERIC = re.compile(
    r"update failed|preview failed|destroy failed|refresh failed|"
    r"Resource monitor has terminated|one or more errors"
)
_BLOCK = re.compile(r"^  (?P<type>\S+) \((?P<name>[^)]+)\):\s*$")


def diagnostics(output: str) -> dict[str, list[str]]:
    """The `Diagnostics:` sections of a run, by resource name (the stack's under its own):
    each resource's lines, in the order printed."""
    blocks: dict[str, list[str]] = {}
    for section in output.split("Diagnostics:")[1:]:
        current: list[str] | None = None
        for line in section.splitlines():
            header = _BLOCK.match(line)
            if header:
                current = blocks.setdefault(header["name"], [])
            elif line.strip() and not line.startswith("    "):
                break  # the section ended (Outputs:, Resources:, ...)
            elif current is not None and line.strip():
                current.append(line.strip())
    return blocks


def error_message(lines: Sequence[str]) -> str:
    """The first resource error among diagnostics lines (not the engine's summary)."""
    for text in lines:
        if text.startswith("error:") and not _GENERIC.search(text):
            return text.removeprefix("error:").strip()
    return ""


def unclean(output: str, messages: Sequence[str]) -> list[str]:
    """Why a failing run's output is not a clean, actionable failure: `messages` are the
    errors of the failing resources, each of which must name the vendor and what to do."""
    problems = []
    if "Traceback" in output:
        problems.append("a Python traceback")
    if "error: null" in output or any("None" in message for message in messages):
        problems.append("an empty error")
    if leaked_secrets(output):
        problems.append("a credential")
    if not messages:
        problems.append("no resource error")
    for message in messages:
        if not any(vendor in message for vendor in ("UptimeRobot", "Sentry")):
            problems.append(f"no vendor named in {message!r}")
        elif not any(hint in message for hint in ACTION_HINTS):
            problems.append(f"nothing to do in {message!r}")
    return problems


@dataclass
class Verdict:
    """What one run said about one row."""

    failed: bool
    errors: dict[str, str]
    """The error of each of its failing resources, by Pulumi name: the monitor's first,
    then the alerts'."""
    view: str
    """The row's part of the output: its resources' diagnostics, plus those of no row (the
    stack's), for the cleanliness checks."""

    @property
    def messages(self) -> list[str]:
        """Every error of the row's resources."""
        return list(self.errors.values())

    def shown(self, monitor: str) -> list[str]:
        """What the doc shows: the first error of each vendor, the `monitor`'s first."""
        alerts = [text for name, text in self.errors.items() if name != monitor]
        return [text for text in (self.errors.get(monitor), *alerts[:1]) if text]


def _verdicts(
    result: subprocess.CompletedProcess[str], members: Sequence[Member]
) -> dict[str, Verdict]:
    """Each member's errors in a run, from the resources of its own in `Diagnostics:`. A
    failing run with no error of any resource failed every member (e.g. the program)."""
    output = result.stdout + result.stderr
    blocks = diagnostics(output)
    owned = {name for member in members for name in member.names}
    shared = [line for name, lines in blocks.items() if name not in owned for line in lines]
    nobody = result.returncode != 0 and not any(
        error_message(blocks.get(name, [])) for name in owned
    )
    # A credential, a traceback or an empty error anywhere in the output (progress lines,
    # stderr) is every row's problem: it cannot be placed.
    stray = [*leaked_secrets(output), *(m for m in ("Traceback", "error: null") if m in output)]
    verdicts = {}
    for member in members:
        lines = [line for name in member.names for line in blocks.get(name, [])]
        errors = {name: error_message(blocks.get(name, [])) for name in member.names}
        errors = {name: text for name, text in errors.items() if text}
        view = "\n".join([*lines, *shared, *stray])
        # An `error:` line of its own, even the engine's generic one, means the row failed
        # (then `unclean` asks for its resource error).
        failed = nobody or any(line.startswith("error:") for line in lines)
        verdicts[member.token] = Verdict(failed, errors, view)
    return verdicts


# -- running a step ---------------------------------------------------------------------------


def _run(
    project: Project, command: Sequence[str], env: dict[str, str], log: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = project.pulumi(*command, env=env)
    # Every run's output, for whoever reads a red cell (build/ is not committed).
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / f"{log}.log").write_text(
        f"$ pulumi {' '.join(command)}\nexit {result.returncode}\n{result.stdout}\n{result.stderr}",
        encoding="utf-8",
    )
    return result, time.monotonic() - started


@dataclass
class Tally:
    """One row's share of one step: its calls (`_shares`) and the time of its runs."""

    calls: float = 0.0
    seconds: float = 0.0

    def add(self, calls: float, seconds: float) -> None:
        """Count one run the row took part in."""
        self.calls += calls
        self.seconds += seconds


def _stable(message: str, member: Member) -> str:
    """The message without what changes from run to run (sandbox ids, fault ids, timings)
    nor the row's token: as it reads for the runbook's own objects."""
    for id_ in sorted(member.ids, key=len, reverse=True):
        message = re.sub(rf"\b{re.escape(id_)}\b", "{id}", message)
    message = message.replace(f" {member.tag}", "").replace(f"-{member.token}", "")
    message = re.sub(r'"errorId": "[0-9a-f]+"', '"errorId": "{id}"', message)
    return re.sub(r"\d+(\.\d+)?s\b", "Ns", message)


def _cell(
    member: Member,
    step: Step,
    first: Verdict,
    second: Verdict | None,
    seen: Sequence[Seen],
    hits: Sequence[int],
    tally: Tally,
) -> Cell:
    """Judge one row's step: its first run's verdict, its second's (None: it had none),
    every observation since the step began (the worst counts)."""
    outcome = CONVERGED
    again = (second.messages or ["see the log"])[0] if second is not None else ""
    if first.failed:
        dirty = unclean(first.view, first.messages)
        if dirty:
            outcome = "failed unclean: " + "; ".join(dirty)
        elif second is not None and second.failed:
            outcome = f"failed twice: {again}"
        else:
            outcome = FAILED_CLEAN
        # What the faulty run left is the second run's to mend: judge what came after it.
        problems = [p for s in seen[1:] for p in s.problems]
    else:
        if second is not None and second.failed:
            outcome = f"failed in another row's second run: {again}"
        problems = [p for s in seen for p in s.problems]
    if problems and outcome in GOOD_OUTCOMES:
        outcome = "did not converge: " + "; ".join(dict.fromkeys(problems))
    # Each vendor's fault must have hit a call: a fault that missed tested nothing.
    if min(hits, default=0) == 0 and outcome in GOOD_OUTCOMES:
        outcome = NEVER_HIT
    return Cell(
        row=member.row.label,
        step=step.name,
        outcome=outcome,
        runs=2 if first.failed else 1,
        calls=round(tally.calls),
        faulted=sum(hits),
        duplicates=max(s.duplicates for s in seen),
        message="\n".join(_stable(text, member) for text in first.shown(member.names[0])),
        seconds=round(tally.seconds, 1),
    )


@dataclass
class StepRuns:
    """What the runs of one step said about each row of a group, as they come."""

    step: Step
    members: Sequence[Member]
    first: dict[str, Verdict] = field(default_factory=dict)
    second: dict[str, Verdict] = field(default_factory=dict)
    hits: dict[str, list[int]] = field(default_factory=dict)
    seen: dict[str, list[Seen]] = field(default_factory=dict)
    tallies: dict[str, Tally] = field(default_factory=dict)

    def count(
        self, entries: Sequence[dict[str, Any]], served: Sequence[Member], seconds: float
    ) -> None:
        """Add one run's calls (`_shares`) and time to the rows it `served`."""
        shares = _shares(entries, self.members, served)
        for member in self.members:
            tally = self.tallies.setdefault(member.token, Tally())
            tally.add(shares[member.token], seconds if member in served else 0.0)

    def observe(self, project: Project) -> None:
        """Look at every row's objects and state (`_observe`)."""
        for token, seen in _observe(project, self.members, STAGE[self.step.name]).items():
            self.seen.setdefault(token, []).append(seen)

    def again(
        self,
        project: Project,
        env: dict[str, str],
        journal: JournalCursor,
        log: str,
        *,
        targeted: bool,
    ) -> None:
        """The second run, without faults, when any row failed: the step's command over the
        whole stack (every row is judged again), or `targeted` at the failing rows only."""
        failing = [m for m in self.members if self.first[m.token].failed]
        if not failing:
            return
        command = [
            *self.step.command,
            *(_targets(project, failing) if targeted else ["--continue-on-error"]),
        ]
        journal.new()  # the observations' own list calls are not the step's
        result, seconds = _run(project, command, env, log)
        self.count(journal.new(), failing, seconds)
        self.second = _verdicts(result, failing if targeted else self.members)
        self.observe(project)

    def check_nothing_planned(self, project: Project, env: dict[str, str], log: str) -> None:
        """After the reads, the program against the state they wrote plans no step (what
        `up --refresh`, the read step's command before rows shared a stack, went on to
        show): a read that wrote wrong values into the state is its row's problem."""
        result, _ = _run(project, ("preview", "--expect-no-changes", "--diff"), env, log)
        planned = [b for b in parse_diff(result.stdout) if b.op not in ("same", "refresh")]
        broken = result.returncode not in (0, DRIFT_EXIT_CODE)
        for member in self.members:
            mine = [f"{b.op} {b.name}" for b in planned if b.name in member.names]
            problems = [f"the preview after the read plans {', '.join(mine)}"] if mine else []
            if broken:
                problems.append(f"the preview after the read exited {result.returncode}")
            self.seen.setdefault(member.token, []).append(Seen(problems, 0))

    def cells(self) -> list[Cell]:
        """One cell per row (`_cell`)."""
        return [
            _cell(
                m,
                self.step,
                self.first[m.token],
                self.second.get(m.token),
                self.seen[m.token],
                self.hits[m.token],
                self.tallies[m.token],
            )
            for m in self.members
        ]


@dataclass
class Group:
    """A group of rows on one sandbox and one stack, and what its steps run with."""

    name: str
    project: Project
    members: Sequence[Member]
    env: dict[str, str]
    journal: JournalCursor


def run_batched(group: Group, step: Step) -> list[Cell]:
    """One command for every row (each row's fault on its own objects); once more without
    faults when any row failed."""
    project, members, journal = group.project, group.members, group.journal
    runs = StepRuns(step, members)
    journal.new()
    armed = _arm(project.sandbox, step, members, match=True)
    command = [*step.command, "--continue-on-error"]
    result, seconds = _run(project, command, group.env, f"{group.name}-{step.name}-1")
    runs.hits = _disarm(project.sandbox, armed)
    runs.count(journal.new(), members, seconds)
    runs.first = _verdicts(result, members)
    runs.observe(project)
    runs.again(project, group.env, journal, f"{group.name}-{step.name}-2", targeted=False)
    return runs.cells()


def run_read(group: Group, step: Step) -> list[Cell]:
    """One targeted refresh per row with its fault alone (the provider's batched reads would
    spread a shared fault over every row); then one refresh, without faults, of every row
    that failed."""
    project, members, journal = group.project, group.members, group.journal
    runs = StepRuns(step, members)
    journal.new()
    for member in members:
        armed = _arm(project.sandbox, step, [member], match=False)
        command = [*step.command, *_targets(project, [member])]
        log = f"{member.row.label.replace(' ', '')}-{step.name}-1"
        result, seconds = _run(project, command, group.env, log)
        runs.hits.update(_disarm(project.sandbox, armed))
        runs.count(journal.new(), [member], seconds)
        runs.first.update(_verdicts(result, [member]))
    # Each refresh touched its own row's state and no object: one look serves every row.
    runs.observe(project)
    runs.again(project, group.env, journal, f"{group.name}-{step.name}-2", targeted=True)
    runs.check_nothing_planned(project, group.env, f"{group.name}-{step.name}-preview")
    return runs.cells()


def _targets(project: Project, members: Sequence[Member]) -> list[str]:
    return [arg for m in members for name in m.names for arg in ("--target", project.urn(name))]


def _update_values(project: Project, members: Sequence[Member]) -> None:
    interval, frequency = DECLARED["updated"]
    uptimerobot, sentry = project.project_config("uptimerobot"), project.project_config("sentry")
    for member in members:
        uptimerobot["monitors"][member.copy.key(RUNBOOK_MONITOR_KEY)]["interval"] = interval
        for key in RUNBOOK_ALERT_KEYS:
            sentry["alerts"][member.copy.key(key)]["frequency_minutes"] = frequency
    project.set_project_config("uptimerobot", uptimerobot)
    project.set_project_config("sentry", sentry)


@pytest.mark.parametrize("rows", GROUPS, ids=[f"group{i}" for i in range(1, len(GROUPS) + 1)])
def test_faults_through_the_lifecycle(tmp_path: Path, rows: tuple[FaultRow, ...]) -> None:
    tokens = [TOKENS[row.label] for row in rows]
    args = [arg for row, token in zip(rows, tokens, strict=True) for arg in row.sandbox_args(token)]
    assert sum(bool(row.list_lag) for row in rows) <= 1, "one lagging row per sandbox"
    cells: list[Cell] = []
    with running_sandbox(tmp_path / "sandbox", *args) as sandbox:
        project = Project.create(tmp_path / "project", sandbox)
        copies = use_runbook_copies(project, tokens)
        members = [Member(row, copies[token]) for row, token in zip(rows, tokens, strict=True)]
        # The engine sends every row's resources at once (its default is 4 per core); the
        # provider host still serves 4 calls at a time.
        env = {**project.env, **FAST_POLICY, "PULUMI_PARALLEL": str(3 * len(members))}
        journal = JournalCursor(sandbox.journal_path)
        group = Group(f"group{GROUPS.index(rows) + 1}", project, members, env, journal)
        try:
            for step in STEPS:
                if step.name == "update":
                    _update_values(project, members)
                cells += run_batched(group, step) if step.batched else run_read(group, step)
        finally:
            record(cells)  # what was judged, even when a later step could not run
    bad = [
        f"{c.row} {c.step}: {c.outcome}, {c.duplicates} dup ({c.message})"
        for c in cells
        if not c.good
    ]
    assert not bad, "\n".join(bad)
