"""The session's contract ledger: every journal entry of the provider tests, checked.

Each sandbox a provider test starts hands its journal to the ledger when it stops; the
ledger validates every request our clients sent and every answer the sandbox gave against
``specs/`` (through ``ContractChecker``) and keeps the coverage for the summary
printed at the end of the run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from tests.contract.openapi import ContractChecker


def field_paths(value: Any, prefix: str = "") -> set[str]:
    """Dotted paths of every key in a JSON value (`a.b`, `items[].c`)."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.add(path)
            paths |= field_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= field_paths(item, f"{prefix}[]")
    return paths


class ContractLedger:
    """Validates journals and tallies operations, statuses and fields exercised."""

    def __init__(self) -> None:
        self.checker = ContractChecker()
        self.entries = 0
        self.sandboxes = 0
        self.problems: list[str] = []
        self.request_fields: defaultdict[str, set[str]] = defaultdict(set)
        self.query_params: defaultdict[str, set[str]] = defaultdict(set)
        self.response_fields: defaultdict[str, set[str]] = defaultdict(set)

    def check(self, journal: Iterable[Mapping[str, Any]], where: str) -> list[str]:
        """Validate one sandbox's journal; return (and keep) its problems."""
        self.sandboxes += 1
        problems: list[str] = []
        for entry in journal:
            self.entries += 1
            problems += [f"{where}: {p}" for p in self.checker.check_entry(entry)]
            self._tally(entry)
        self.problems += problems
        return problems

    def _tally(self, entry: Mapping[str, Any]) -> None:
        spec = self.checker.specs.get(entry["vendor"])
        if spec is None:
            return
        path = entry["path"]
        if entry["vendor"] == "uptimerobot" and path.endswith("/"):
            path = path.rstrip("/")
        operation = spec.find(entry["method"], path)
        if operation is None:
            return
        key = f"{entry['vendor']}:{operation.operation_id}"
        self.request_fields[key] |= field_paths(entry.get("request_body"))
        self.query_params[key] |= set(entry.get("query") or {})
        if entry.get("status") is not None and entry["status"] < 300:
            self.response_fields[key] |= field_paths(entry.get("response_body"))

    def summary(self) -> str:
        """What was checked, per operation, for the lead to quote."""
        coverage = self.checker.coverage
        lines = [
            f"provider tests contract: {self.entries} journal entries from {self.sandboxes} "
            f"sandboxes; {coverage.requests_checked} requests and {coverage.responses_checked} "
            f"responses validated against {len(coverage.operations)} operations; "
            f"{len(self.problems)} problems",
        ]
        for key, op in sorted(coverage.operations.items()):
            statuses = ", ".join(f"{code}x{n}" for code, n in sorted(op.statuses.items()))
            undocumented = (
                f" (undocumented: {', '.join(str(c) for c in sorted(op.undocumented))})"
                if op.undocumented
                else ""
            )
            lines.append(
                f"  {op.method.upper():6} {op.template}  req={op.requests} resp={op.responses} "
                f"fields sent={len(self.request_fields[key])} "
                f"query params={len(self.query_params[key])} "
                f"fields read={len(self.response_fields[key])}  "
                f"statuses: {statuses}{undocumented}"
            )
        if coverage.dropped:
            lines.append(f"  dropped connections (no response to check): {coverage.dropped}")
        lines += [f"  PROBLEM {p}" for p in self.problems[:20]]
        return "\n".join(lines)
