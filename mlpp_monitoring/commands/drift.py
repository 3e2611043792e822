"""`mlpp-monitoring drift`: does production still hold what was last deployed, and was
everything the program declares deployed?

Two different questions, two Pulumi runs, and neither writes the state:

- **console edits**: `pulumi refresh --preview-only` reads the live objects and compares
  them with the last deployed state. A difference means someone edited or deleted a
  monitor or an alert in the UptimeRobot or Sentry web console.
- **undeployed changes**: `pulumi preview --refresh=false` compares the program (and its
  stack config) with the last deployed state, without reading the vendors' objects. A
  difference means a change reached main but was not deployed: waiting for approval,
  deploy on merge switched off, or the last deploy failed.

`preview --refresh` would mix both and blame every difference on the console. A stack
that was never deployed has no state to compare with: the check says so and fails,
rather than calling every declared object "deleted" or "undeployed".

Both runs stream the engine's events as JSON (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW`):
unlike the summary JSON, those carry each resource's state before and after, which is
how a refreshed monitor's live values are known (the summary shows a refreshed resource's
new state only when the provider returns a detailed diff, which dynamic providers cannot:
pkg/backend/display/json.go in pulumi v3.274).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlpp_monitoring.commands import exit_codes
from mlpp_monitoring.commands.engine import PULUMI_CHANGES, PulumiCli, PulumiFailed

CONSOLE_EDITS, UNDEPLOYED = "console-edits", "undeployed"
KINDS = (CONSOLE_EDITS, UNDEPLOYED)

_QUIET_OPS = frozenset({"same", "refresh", "read"})
_STREAMING = {"PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "true"}

DEPLOY_ADVICE = (
    "run the **deploy** workflow (Actions > deploy > Run workflow, from `main`); it runs "
    "`pulumi up` behind the `production` environment's approval"
)


@dataclass(frozen=True)
class Kind:
    """How one kind of drift is found and told."""

    key: str
    title: str
    command: tuple[str, ...]
    before: str
    after: str
    state: str
    """Which side of an event holds the values compared: live outputs, or declared inputs."""
    explanation: str
    repair: tuple[str, ...]


KIND = {
    CONSOLE_EDITS: Kind(
        key=CONSOLE_EDITS,
        title="console edits",
        command=("refresh", "--preview-only"),
        before="deployed",
        after="live",
        state="outputs",
        explanation=(
            "The live objects differ from the last deployed state: someone changed them in "
            "the UptimeRobot or Sentry web console, or deleted them."
        ),
        repair=(
            "To put back the deployed state (after checking the edit was not meant to stay): "
            f"{DEPLOY_ADVICE}, with **refresh** ticked (`pulumi up --refresh`: it reads the "
            "live objects first, then reverts them to the program).",
            "If the edit was meant to stay, make the same change to the stack config in a pull "
            "request instead; once it is deployed, this clears.",
        ),
    ),
    UNDEPLOYED: Kind(
        key=UNDEPLOYED,
        title="undeployed changes",
        command=("preview", "--refresh=false"),
        before="deployed",
        after="program",
        state="inputs",
        explanation=(
            "The program (with its stack config) differs from the last deployed state: a "
            "change was merged but not deployed (waiting for approval, deploy on merge "
            "switched off, or the last deploy failed). Nothing was edited by hand."
        ),
        repair=(f"To deploy it: {DEPLOY_ADVICE}.",),
    ),
}


@dataclass(frozen=True)
class Finding:
    """One resource that differs: how, and which properties (before vs after)."""

    resource: str
    op: str
    changes: tuple[tuple[str, Any, Any], ...] = ()

    def what(self, kind: str) -> str:
        """What differs, in a few words."""
        if kind == CONSOLE_EDITS and self.op == "delete":
            return "deleted outside Pulumi (it exists in the deployed state)"
        if self.op == "create":
            return "declared, never deployed"
        if self.op == "delete":
            return "no longer declared, still deployed"
        props = ", ".join(p for p, _, _ in self.changes) or "(no property named)"
        return f"{props} differ"

    def summary(self, kind: str) -> str:
        """One line for the terminal."""
        return f"{self.resource}: {self.what(kind)}"


@dataclass
class Check:
    """The outcome of the whole check."""

    stack: str
    result: str
    """in-sync, drift, never-deployed or failed."""
    message: str = ""
    findings: dict[str, list[Finding]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """The command's exit code (see `exit_codes`)."""
        if self.result in ("failed", "never-deployed"):
            return exit_codes.FAILED
        if self.findings.get(CONSOLE_EDITS):
            return exit_codes.CONSOLE_EDITS
        if self.findings.get(UNDEPLOYED):
            return exit_codes.UNDEPLOYED
        return exit_codes.OK


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _events(stdout: str) -> list[dict[str, Any]]:
    """The engine events of a streamed JSON run (one JSON object a line; others ignored)."""
    events = []
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def findings_from_events(kind: str, events: list[dict[str, Any]]) -> list[Finding]:
    """What differs, from the engine events of the kind's Pulumi run.

    The last step event of each resource counts: for a refresh, its outputs event carries
    the operation the read turned into (update: it changed, delete: it is gone).
    """
    side = KIND[kind].state
    last: dict[str, dict[str, Any]] = {}
    for event in events:
        for key in ("resourcePreEvent", "resOutputsEvent"):
            metadata = (event.get(key) or {}).get("metadata")
            if isinstance(metadata, dict) and metadata.get("urn"):
                last[str(metadata["urn"])] = metadata
    findings = []
    for urn, metadata in last.items():
        op = str(metadata.get("op"))
        if op in _QUIET_OPS or urn.endswith("pulumi:pulumi:Stack"):
            continue
        before = (metadata.get("old") or {}).get(side) or {}
        after = (metadata.get("new") or {}).get(side) or {}
        changes: tuple[tuple[str, Any, Any], ...] = ()
        if op not in ("create", "delete"):
            changes = tuple(
                (key, before.get(key), after.get(key))
                for key in sorted(set(before) | set(after))
                if not key.startswith("__") and before.get(key) != after.get(key)
            )
        findings.append(Finding(_name(urn), op, changes))
    return sorted(findings, key=lambda f: f.resource)


def _errors(events: list[dict[str, Any]], stderr: str) -> str:
    """The engine's error diagnostics, else the end of stderr."""
    messages = [
        str(d.get("message", "")).strip()
        for d in (e.get("diagnosticEvent") for e in events)
        if isinstance(d, dict) and d.get("severity") == "error"
    ]
    return "\n".join(m for m in messages if m) or stderr.strip()[-2000:]


def _value(value: Any) -> str:
    return "(unset)" if value is None else f"`{json.dumps(value, ensure_ascii=False)}`"


def render_section(kind: str, findings: list[Finding]) -> str:
    """One kind's Markdown section: what differs, why that happens, how to repair."""
    spec = KIND[kind]
    heading = f"## {spec.title.capitalize()}"
    if not findings:
        return f"{heading}: none\n"
    lines = [
        f"{heading}: {len(findings)} resource(s)",
        "",
        spec.explanation,
        "",
        f"| resource | property | {spec.before} | {spec.after} |",
        "|---|---|---|---|",
    ]
    for finding in findings:
        if not finding.changes:
            lines.append(f"| `{finding.resource}` | - | {finding.what(kind)} | |")
        for prop, before, after in finding.changes:
            lines.append(
                f"| `{finding.resource}` | `{prop}` | {_value(before)} | {_value(after)} |"
            )
    lines.append("")
    for paragraph in spec.repair:
        lines += [paragraph, ""]
    return "\n".join(lines)


def render_report(check: Check) -> str:
    """The Markdown report: one section per kind."""
    found = [KIND[k].title for k in KINDS if check.findings.get(k)]
    title = f"# Drift on stack `{check.stack}`: {' and '.join(found) or 'none'}"
    sections = [render_section(k, check.findings.get(k, [])) for k in KINDS]
    return "\n".join([title, "", *sections])


def result_json(check: Check) -> dict[str, Any]:
    """The check for scripts (the drift workflow): result, exit code, each kind's section."""
    return {
        "stack": check.stack,
        "result": check.result,
        "exit_code": check.exit_code,
        "message": check.message,
        "kinds": {
            kind: {
                "title": KIND[kind].title,
                "found": len(check.findings.get(kind, [])),
                "report": render_section(kind, check.findings.get(kind, [])),
            }
            for kind in KINDS
        }
        if check.result in ("in-sync", "drift")
        else {},
    }


def _deployed(cli: PulumiCli, stack: str) -> Check | None:
    """None when the stack exists and was deployed; else the failed Check saying why."""
    try:
        updates = cli.updates(stack)
    except PulumiFailed as exc:
        return Check(stack, "failed", str(exc))
    if updates is None:
        return Check(
            stack,
            "failed",
            f"no stack {stack} in this backend: create it with "
            f"`mlpp-monitoring bootstrap --stack {stack}` (or check the name, "
            "fully qualified, and PULUMI_BACKEND_URL)",
        )
    if updates == 0:
        return Check(
            stack,
            "never-deployed",
            f"stack {stack} was never deployed: there is no deployed state to compare "
            "with. Adopt the existing objects (`mlpp-monitoring bootstrap`) and run the "
            "deploy workflow once; drift is checked from then on.",
        )
    return None


def check_drift(stack: str, project_dir: Path) -> Check:
    """Run both checks (console edits first); a failure of either fails the whole check."""
    cli = PulumiCli.for_stack(stack, project_dir)
    cli.env.update(_STREAMING)
    not_deployed = _deployed(cli, stack)
    if not_deployed is not None:
        return not_deployed
    check = Check(stack, "in-sync")
    for kind in KINDS:
        args = [*KIND[kind].command, "--expect-no-changes", "--json", "--stack", stack]
        result = cli.run(args)
        events = _events(result.stdout)
        if result.returncode not in (0, PULUMI_CHANGES):
            said = _errors(events, result.stderr) or f"exit {result.returncode}"
            check.result = "failed"
            check.message = (
                f"pulumi {' '.join(KIND[kind].command)} exited {result.returncode}: {said}"
            )
            check.findings = {}
            return check
        findings = findings_from_events(kind, events)
        if result.returncode == PULUMI_CHANGES and not findings:
            findings = [Finding("(the engine named no resource)", "update")]
        check.findings[kind] = findings
        if findings:
            check.result = "drift"
    return check


def run_drift_check(
    stack: str,
    project_dir: Path,
    report_path: Path | None = None,
    result_path: Path | None = None,
) -> int:
    """Run the check; print a summary; write the report and result; return the exit code."""
    check = check_drift(stack, project_dir)
    if result_path:
        result_path.write_text(json.dumps(result_json(check), indent=2) + "\n", encoding="utf-8")
    if check.result in ("failed", "never-deployed"):
        print(f"drift check failed on stack {stack}: {check.message}", file=sys.stderr)
        return check.exit_code
    if report_path:
        report_path.write_text(render_report(check), encoding="utf-8")
    if check.result == "in-sync":
        print(
            f"no drift on stack {stack}: the live objects and the program match what was "
            "last deployed"
        )
        return check.exit_code
    for kind in KINDS:
        findings = check.findings.get(kind, [])
        if findings:
            print(f"{KIND[kind].title.upper()} on stack {stack}:")
            for finding in findings:
                print(f"  - {finding.summary(kind)}")
    print(f"repair: {DEPLOY_ADVICE.replace('**', '').replace('`', '')}")
    if check.findings.get(CONSOLE_EDITS):
        print("  (with refresh ticked, to revert the console edits)")
    return check.exit_code
