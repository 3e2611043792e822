"""The fault suite: every fault kind on every step of the stack's life, through the engine.

One project per fault row goes create -> read (refresh) -> update -> delete; before each
step the row's fault is armed on that step's calls (both vendors), the step's command
runs, and the fault is cleared. The step must converge (exactly one live object per
declared resource, declared values, the ids in Pulumi's state), or fail with a clean,
actionable error after which the same command converges. Each step is recorded as a cell
of the reliability matrix (`tests/e2e/reliability.py`, rendered into docs/RELIABILITY.md).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    RESOURCE_TYPES,
    Project,
    SandboxProcess,
    leaked_secrets,
    running_sandbox,
)
from tests.e2e.reliability import (
    CONVERGED,
    FAILED_CLEAN,
    LOGS,
    ROWS,
    STEPS,
    Cell,
    FaultRow,
    Step,
    record,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

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

MONITOR_KEY = ("ML_PP production - monaluxe.app", "https://monaluxe.app")
ALERT_NAMES = (
    "[mlpp-web] New issue (production)",
    "[mlpp-web] Spike: more than 10 events in 5 minutes (production)",
)
DECLARED = {"created": (300, 1440), "updated": (600, 60)}
"""(monitor interval, alert frequency) the stack declares before and after the update step."""

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


# -- arming faults ---------------------------------------------------------------------------


def _arm(sandbox: SandboxProcess, row: FaultRow, step: Step) -> None:
    faults = [
        {
            "kind": row.kind,
            "method": method,
            "path": path,
            "times": row.times,
            "retryAfter": row.retry_after,
            "seconds": HANG_SECONDS,
        }
        for method, path in step.targets
    ]
    response = sandbox.control("POST", "/faults", json=faults)
    assert response.status_code == 201, response.text


def _disarm(sandbox: SandboxProcess) -> None:
    assert sandbox.control("DELETE", "/faults").ok


# -- what converged means ---------------------------------------------------------------------


def _state_ids(project: Project) -> dict[str, str]:
    exported = project.pulumi("stack", "export", check=True).stdout
    resources = json.loads(exported).get("deployment", {}).get("resources") or []
    return {
        r["urn"].rsplit("::", 1)[-1]: str(r.get("id"))
        for r in resources
        if r.get("type") in RESOURCE_TYPES
    }


def _observe(project: Project, stage: str) -> tuple[list[str], int]:
    """What is wrong with the sandbox and state after a step (empty: converged), duplicates."""
    sandbox = project.sandbox
    monitors = sandbox.monitors()
    workflows = sandbox.workflows()
    mine = [m for m in monitors if (m["friendlyName"], m["url"]) == MONITOR_KEY]
    alerts = {name: [w for w in workflows if w["name"] == name] for name in ALERT_NAMES}
    duplicates = max(0, len(mine) - 1) + sum(max(0, len(a) - 1) for a in alerts.values())
    state = _state_ids(project)
    problems: list[str] = []
    if stage == "destroyed":
        if monitors or workflows:
            problems.append(f"{len(monitors)} monitors, {len(workflows)} workflows left")
        if state:
            problems.append(f"state still holds {sorted(state)}")
        return problems, duplicates
    interval, frequency = DECLARED[stage]
    if len(monitors) != 1 or len(mine) != 1:
        problems.append(f"{len(monitors)} monitors ({len(mine)} with the declared name + URL)")
    elif mine[0]["interval"] != interval:
        problems.append(f"monitor interval {mine[0]['interval']}, declared {interval}")
    elif state.get("monitor-monaluxe-app") != str(mine[0]["id"]):
        problems.append(f"state id {state.get('monitor-monaluxe-app')} != live {mine[0]['id']}")
    if len(workflows) != 2 or any(len(a) != 1 for a in alerts.values()):
        problems.append(f"{len(workflows)} workflows: {[w['name'] for w in workflows]}")
    else:
        for resource, name in zip(("alert-new-issue", "alert-spike"), ALERT_NAMES, strict=True):
            (live,) = alerts[name]
            if live["config"] != {"frequency": frequency}:
                problems.append(f"{resource} frequency {live['config']}, declared {frequency}")
            if state.get(resource) != str(live["id"]):
                problems.append(f"{resource}: state id {state.get(resource)} != live {live['id']}")
    return problems, duplicates


# -- what a clean failure means --------------------------------------------------------------

_GENERIC = re.compile(
    r"update failed|preview failed|destroy failed|refresh failed|"
    r"Resource monitor has terminated|one or more errors"
)


def error_message(output: str) -> str:
    """The first resource error the engine printed (its `Diagnostics:` section)."""
    diagnostics = output.split("Diagnostics:", 1)[-1]
    for line in diagnostics.splitlines():
        text = line.strip()
        if text.startswith("error:") and not _GENERIC.search(text):
            return text.removeprefix("error:").strip()
    return ""


def unclean(output: str, message: str) -> list[str]:
    """Why a failing run's output is not a clean, actionable failure."""
    problems = []
    if "Traceback" in output:
        problems.append("a Python traceback")
    if "error: null" in output or "None" in message:
        problems.append("an empty error")
    if leaked_secrets(output):
        problems.append("a credential")
    if not message:
        problems.append("no resource error")
    elif not any(vendor in message for vendor in ("UptimeRobot", "Sentry")):
        problems.append(f"no vendor named in {message!r}")
    elif not any(hint in message for hint in ACTION_HINTS):
        problems.append(f"nothing to do in {message!r}")
    return problems


# -- one step, one row ------------------------------------------------------------------------


def _run(
    project: Project, row: FaultRow, step: Step, env: dict[str, str], run: int
) -> subprocess.CompletedProcess[str]:
    result = project.pulumi(*step.command, env=env)
    # Every run's output, for whoever reads a red cell (build/ is not committed).
    name = f"{row.label.replace(' ', '')}-{step.name}-{run}.log"
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / name).write_text(
        f"$ pulumi {' '.join(step.command)}\nexit {result.returncode}\n"
        f"{result.stdout}\n{result.stderr}",
        encoding="utf-8",
    )
    return result


def run_step(project: Project, row: FaultRow, step: Step, env: dict[str, str]) -> Cell:
    """Arm, run, disarm; run again if the first run failed; judge the result."""
    sandbox = project.sandbox
    stage = {"create": "created", "read": "created", "update": "updated"}.get(
        step.name, "destroyed"
    )
    started, mark = time.monotonic(), sandbox.journal_mark()
    _arm(sandbox, row, step)
    first = _run(project, row, step, env, 1)
    _disarm(sandbox)
    problems, duplicates = _observe(project, stage)
    runs, message, outcome = 1, "", CONVERGED
    if first.returncode != 0:
        output = first.stdout + first.stderr
        message = error_message(output)
        dirty = unclean(output, message)
        second = _run(project, row, step, env, 2)
        runs = 2
        problems, after = _observe(project, stage)
        duplicates = max(duplicates, after)
        if dirty:
            outcome = "failed unclean: " + "; ".join(dirty)
        elif second.returncode != 0:
            again = error_message(second.stdout + second.stderr)
            outcome = f"failed twice: {again or 'see the log'}"
        else:
            outcome = FAILED_CLEAN
    if problems and outcome in (CONVERGED, FAILED_CLEAN):
        outcome = "did not converge: " + "; ".join(problems)
    calls = sandbox.journal_since(mark)
    return Cell(
        row=row.label,
        step=step.name,
        outcome=outcome,
        runs=runs,
        calls=len(calls),
        faulted=sum(1 for c in calls if c.get("fault")),
        duplicates=duplicates,
        message=_stable(message),
        seconds=round(time.monotonic() - started, 1),
    )


def _stable(message: str) -> str:
    """The message without what changes from run to run (sandbox ids, timings)."""
    return re.sub(r"\d+(\.\d+)?s\b", "Ns", message)


def _update_values(project: Project) -> None:
    interval, frequency = DECLARED["updated"]
    project.set_project_value("uptimerobot.monitors.monaluxe-app.interval", interval)
    project.set_project_value("sentry.alerts.new-issue.frequency_minutes", frequency)
    project.set_project_value("sentry.alerts.spike.frequency_minutes", frequency)


@pytest.mark.parametrize("row", ROWS, ids=[row.label.replace(" ", "") for row in ROWS])
def test_fault_through_the_lifecycle(tmp_path: Path, row: FaultRow) -> None:
    cells: list[Cell] = []
    with running_sandbox(tmp_path / "sandbox", *row.sandbox_args) as sandbox:
        project = Project.create(tmp_path / "project", sandbox)
        env: dict[str, Any] = {**project.env, **FAST_POLICY}
        for step in STEPS:
            if step.name == "update":
                _update_values(project)
            cells.append(run_step(project, row, step, env))
    record(cells)
    bad = [f"{c.step}: {c.outcome}, {c.duplicates} dup ({c.message})" for c in cells if not c.good]
    assert not bad, "\n".join(bad)
