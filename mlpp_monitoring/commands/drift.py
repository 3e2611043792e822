"""`mlpp-monitoring drift`: was a monitor or an alert edited behind Pulumi's back?

Runs `pulumi preview --refresh --expect-no-changes --json`: a refresh that reads the live
objects but never writes the state (a `refresh --yes` would record the drift as the new
truth). Exit codes (`exit_codes`): 0 no drift, 7 drift (Pulumi's own code for it), 2 the
check itself failed (credentials, network, config) — a failed check is never reported as
drift.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlpp_monitoring.commands.engine import PulumiCli
from mlpp_monitoring.commands.exit_codes import DRIFT, FAILED, OK

_QUIET_OPS = frozenset({"same", "refresh", "read"})


@dataclass(frozen=True)
class Finding:
    """One drifted resource: what changed, declared vs live."""

    resource: str
    op: str
    changes: tuple[tuple[str, Any, Any], ...]  # (property, declared, live)

    def summary(self) -> str:
        """One line for the terminal."""
        if self.op == "create":
            return f"{self.resource}: missing (deleted outside Pulumi); `up` re-creates it"
        if self.op == "delete":
            return f"{self.resource}: exists but is no longer declared; `up` deletes it"
        props = ", ".join(p for p, _, _ in self.changes) or "(no property named)"
        return f"{self.resource}: {props} differ from the declared values"


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def findings_from_preview(preview: dict[str, Any]) -> list[Finding]:
    """Drift findings from the JSON of `pulumi preview --refresh`."""
    findings = []
    for step in preview.get("steps") or []:
        op = str(step.get("op"))
        if op in _QUIET_OPS or step.get("urn", "").endswith("pulumi:pulumi:Stack"):
            continue
        live = (step.get("oldState") or {}).get("outputs") or {}
        declared = (step.get("newState") or {}).get("inputs") or {}
        changes = tuple(
            (key, declared.get(key), live.get(key))
            for key in sorted(set(declared) | set(live))
            if not key.startswith("__")
            and declared.get(key) != live.get(key)
            and op not in ("create", "delete")
        )
        findings.append(Finding(_name(str(step.get("urn"))), op, changes))
    return findings


def _value(value: Any) -> str:
    return "(unset)" if value is None else f"`{json.dumps(value, ensure_ascii=False)}`"


def render_report(stack: str, findings: list[Finding]) -> str:
    """The Markdown report: which resource, which property, declared vs live, the fix."""
    lines = [f"# Drift on stack `{stack}`", ""]
    if not findings:
        return "\n".join([*lines, "No drift: the live objects match the declared state.", ""])
    lines += [
        "The live objects no longer match the declared state "
        "(someone edited them in the UptimeRobot or Sentry web console, or deleted them).",
        "",
        "| resource | property | declared | live |",
        "|---|---|---|---|",
    ]
    for finding in findings:
        if not finding.changes:
            lines.append(f"| `{finding.resource}` | - | {finding.summary()} | |")
        for prop, declared, live in finding.changes:
            lines.append(
                f"| `{finding.resource}` | `{prop}` | {_value(declared)} | {_value(live)} |"
            )
    lines += [
        "",
        "To restore the declared state (after checking the edit was not meant to stay):",
        "",
        "```sh",
        f"pulumi up --refresh --stack {stack}",
        "```",
        "",
        "If the edit was intended, change the stack config instead, in a pull request.",
        "",
    ]
    return "\n".join(lines)


def run_drift_check(stack: str, project_dir: Path, report_path: Path | None = None) -> int:
    """Run the check; print a summary; write the report; return 0, 7 or 2."""
    cli = PulumiCli.for_stack(stack, project_dir)
    result = cli.run(["preview", "--refresh", "--expect-no-changes", "--json", "--stack", stack])
    try:
        preview = json.loads(result.stdout) if result.stdout.strip() else None
    except ValueError:
        preview = None
    # Pulumi answers 0 (no change) or 7 (changes, DRIFT is its code); anything else failed.
    if result.returncode not in (OK, DRIFT) or not isinstance(preview, dict):
        print(f"drift check failed (pulumi exited {result.returncode}):", file=sys.stderr)
        diagnostics = [
            d.get("message", "").strip()
            for d in (preview or {}).get("diagnostics") or []
            if d.get("severity") == "error"
        ]
        print("\n".join(diagnostics) or result.stderr.strip()[-2000:], file=sys.stderr)
        return FAILED
    findings = findings_from_preview(preview)
    report = render_report(stack, findings)
    if report_path:
        report_path.write_text(report, encoding="utf-8")
    if result.returncode == OK and not findings:
        print(f"no drift on stack {stack}")
        return OK
    print(f"DRIFT on stack {stack}:")
    for finding in findings:
        print(f"  - {finding.summary()}")
    print(f"repair: pulumi up --refresh --stack {stack}")
    return DRIFT
