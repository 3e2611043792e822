"""Check journaled requests and responses against the vendors' OpenAPI documents.

The documents live in ``<repo>/specs`` (see its README for their provenance;
override with the ``MLPP_SPECS_DIR`` environment variable); a missing directory
is an error, not a skip, because a contract check that silently checks nothing is worse than
none.

Usage::

    checker = ContractChecker()
    problems = checker.check_journal(sandbox.journal)
    assert not problems, "\\n".join(problems)
    print(checker.coverage.summary())

Each journal entry (see ``mlpp_sandbox.journal.JournalEntry``) is
matched to a spec operation by vendor, method and path; its request and its
response are validated with openapi-core. Undocumented error statuses (the
specs document few of them) are counted, not reported; an undocumented
success status is a problem.

Spec defects worked around here (each one written up, with its source, in
``docs/vendors/``; the live API is what counts):

1. UptimeRobot ``GET /incidents``: the ``cursor`` parameter's pattern is the
   JavaScript literal ``/^\\d+$/``, which as a regular expression requires
   slashes around the digits and refuses every real cursor. Patched to
   ``^\\d+$``.
2. UptimeRobot: the ``nextLink`` the live API hands out points at
   ``/v3/monitors/?...`` (trailing slash), which NestJS routes like
   ``/v3/monitors``; the spec only has the bare path. A trailing slash is
   stripped from UptimeRobot paths before matching.
3. Sentry request bodies are documented with snake_case keys (the
   serializer's field names, e.g. ``triggers.logic_type`` required), although
   the API takes camelCase and converts it (``CamelSnakeSerializer``). Request
   bodies are converted to snake_case, as the server does, before validation.
4. Sentry workflows: ``comparison`` of a data condition is typed
   ``boolean | integer``, but frequency conditions carry an object
   (``{"value": 10, "interval": "5m"}``; ``docs/vendors/sentry.md``). Objects are
   allowed.
5. Sentry ``GET /organizations/{org}/issues/``: ``inbox``, ``owners``,
   ``integrationIssues``, ``sentryAppIssues``, ``latestEventHasAttachments``
   and ``sessionCount`` are marked required although Sentry only sends them
   when ``expand=`` asks for them. They are made optional.
6. Both specs: ``oneOf: [{}, {type: string}]`` (generated from a union such as
   ``Date | string``, e.g. UptimeRobot ``createDateTime``) can never hold,
   because every string matches both branches. Such a ``oneOf`` becomes an
   ``anyOf``.
7. Both specs: ``nullable: true`` next to an ``enum`` or a ``oneOf`` (e.g.
   UptimeRobot ``postValueType``, ``postValueData``) does not admit null under
   OpenAPI 3.0.3's reading, which openapi-core follows, although the schema
   plainly means "may be null" and the live API sends null. Null is added to
   such enums and unions.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from openapi_core import OpenAPI
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse

SPECS_ENV = "MLPP_SPECS_DIR"
SPEC_FILES = {
    "uptimerobot": "uptimerobot-openapi-v3.yaml",
    "sentry": "sentry-openapi-subset.json",
}
# Hosts of the specs' servers: journal paths are replayed against them so that
# openapi-core's server matching works unchanged (UptimeRobot's server already
# ends in /v3, the journal path starts with it).
VENDOR_HOSTS = {
    "uptimerobot": "https://api.uptimerobot.com",
    "sentry": "https://us.sentry.io",
}
PATH_PREFIXES = {"uptimerobot": "/v3", "sentry": ""}
EXPAND_ONLY_ISSUE_FIELDS = (
    "inbox",
    "owners",
    "integrationIssues",
    "sentryAppIssues",
    "latestEventHasAttachments",
    "sessionCount",
)
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class SpecsMissing(RuntimeError):
    """The specs directory or one of its files is not there."""


def repo_root() -> Path:
    """The repository root (this file is ``tests/contract/openapi.py``)."""
    return Path(__file__).resolve().parents[2]


def specs_dir() -> Path:
    """``$MLPP_SPECS_DIR`` or ``<repo>/specs``; raise if missing."""
    configured = os.environ.get(SPECS_ENV)
    directory = Path(configured) if configured else repo_root() / "specs"
    missing = [name for name in SPEC_FILES.values() if not (directory / name).is_file()]
    if missing:
        raise SpecsMissing(
            f"OpenAPI specs not found in {directory} (missing {', '.join(missing)}); "
            f"set {SPECS_ENV} to the directory holding them"
        )
    return directory


def _load_document(vendor: str, directory: Path) -> dict[str, Any]:
    path = directory / SPEC_FILES[vendor]
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = (
            yaml.safe_load(handle) if path.suffix in (".yaml", ".yml") else json.load(handle)
        )
    return document


def _patch_unions(document: dict[str, Any]) -> None:
    for schema in _walk(document):
        # Defect 6: a oneOf with an unconstrained branch.
        if isinstance(schema.get("oneOf"), list) and {} in schema["oneOf"]:
            schema["anyOf"] = schema.pop("oneOf")
    for schema in _walk(document):
        # Defect 7: nullable enums and unions.
        if schema.get("nullable") is not True:
            continue
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            schema["enum"].append(None)
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and {"enum": [None]} not in branches:
                branches.append({"enum": [None]})


def _patch_uptimerobot(document: dict[str, Any]) -> None:
    # Defect 1: a JavaScript regex literal used as a pattern.
    for parameter in document["paths"]["/incidents"]["get"]["parameters"]:
        if parameter["name"] == "cursor":
            parameter["schema"]["pattern"] = r"^\d+$"


def _walk(node: Any) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _patch_sentry(document: dict[str, Any]) -> None:
    # Defect 4: comparison objects of frequency conditions.
    for path, item in document["paths"].items():
        if "/workflows/" not in path:
            continue
        for schema in _walk(item):
            comparison = schema.get("properties", {}).get("comparison")
            if isinstance(comparison, dict) and "anyOf" in comparison:
                kinds = comparison["anyOf"]
                if {"type": "object"} not in kinds:
                    kinds.append({"type": "object"})
    # Defect 5: expand-only fields of organisation issues.
    issues = document["paths"]["/api/0/organizations/{organization_id_or_slug}/issues/"]["get"]
    items = issues["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    items["required"] = [f for f in items["required"] if f not in EXPAND_ONLY_ISSUE_FIELDS]


@dataclass(frozen=True)
class Operation:
    """A spec operation and the journal paths it matches."""

    vendor: str
    method: str
    template: str
    operation_id: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class VendorSpec:
    """One vendor's patched OpenAPI document, ready to validate against."""

    vendor: str
    api: OpenAPI
    operations: tuple[Operation, ...]

    def find(self, method: str, path: str) -> Operation | None:
        """The operation serving ``method path`` (the most literal template wins)."""
        for operation in self.operations:
            if operation.method == method.lower() and operation.pattern.fullmatch(path):
                return operation
        return None


def _operations(vendor: str, document: dict[str, Any]) -> tuple[Operation, ...]:
    prefix = PATH_PREFIXES[vendor]
    found: list[Operation] = []
    for template, item in document["paths"].items():
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(prefix + template))
        for method in HTTP_METHODS:
            if method in item:
                operation_id = item[method].get("operationId") or f"{method} {template}"
                found.append(Operation(vendor, method, template, operation_id, re.compile(regex)))
    # Literal segments before parameters: /monitors/uptime-stats before /monitors/{id}.
    found.sort(key=lambda op: (op.template.count("{"), -len(op.template)))
    return tuple(found)


@lru_cache(maxsize=4)
def load_vendor_spec(vendor: str, directory: Path) -> VendorSpec:
    """Load, patch and compile one vendor's spec (cached: it takes seconds)."""
    document = copy.deepcopy(_load_document(vendor, directory))
    _patch_unions(document)
    if vendor == "uptimerobot":
        _patch_uptimerobot(document)
    else:
        _patch_sentry(document)
    return VendorSpec(vendor, OpenAPI.from_dict(document), _operations(vendor, document))


@dataclass
class OperationCoverage:
    """How much of one operation the checked traffic exercised."""

    operation_id: str
    method: str
    template: str
    requests: int = 0
    responses: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    undocumented: Counter[int] = field(default_factory=Counter)


@dataclass
class Coverage:
    """What a :class:`ContractChecker` has checked so far."""

    operations: dict[str, OperationCoverage] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    dropped: int = 0
    """Entries without a response (connection dropped by a fault)."""

    @property
    def requests_checked(self) -> int:
        """Requests validated against an operation."""
        return sum(op.requests for op in self.operations.values())

    @property
    def responses_checked(self) -> int:
        """Responses validated against a documented status."""
        return sum(op.responses for op in self.operations.values())

    def summary(self) -> str:
        """A human-readable table: operation, requests, responses, statuses seen."""
        lines = [
            f"{self.requests_checked} requests and {self.responses_checked} responses checked "
            f"against {len(self.operations)} operations"
        ]
        for op in sorted(self.operations.values(), key=lambda o: (o.template, o.method)):
            statuses = ", ".join(f"{code}x{count}" for code, count in sorted(op.statuses.items()))
            extra = ""
            if op.undocumented:
                codes = ", ".join(str(code) for code in sorted(op.undocumented))
                extra = f" (undocumented: {codes})"
            lines.append(
                f"  {op.method.upper():6} {op.template}  [{op.operation_id}]  "
                f"req={op.requests} resp={op.responses} statuses: {statuses}{extra}"
            )
        if self.unmatched:
            lines.append(f"  not in any spec: {', '.join(sorted(set(self.unmatched)))}")
        if self.dropped:
            lines.append(f"  dropped connections (no response to check): {self.dropped}")
        return "\n".join(lines)


def _camel_to_snake(key: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).strip("_").lower()


def _snake_keys(value: Any) -> Any:
    if isinstance(value, list):
        return [_snake_keys(item) for item in value]
    if isinstance(value, dict):
        return {_camel_to_snake(k): _snake_keys(v) for k, v in value.items()}
    return value


def _encode(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _describe(error: Exception) -> str:
    """openapi-core errors hide the useful part in their causes."""
    details: list[str] = []
    cause: BaseException | None = error
    while cause is not None:
        for schema_error in getattr(cause, "schema_errors", None) or []:
            where = "/".join(str(p) for p in schema_error.absolute_path) or "(root)"
            details.append(f"{where}: {schema_error.message[:240]}")
        cause = cause.__cause__
    text = f"{type(error).__name__}: {str(error)[:240]}"
    return text + ("; " + "; ".join(details) if details else "")


class ContractChecker:
    """Validate journal entries against the vendor specs and keep a coverage tally."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or specs_dir()
        self.specs = {vendor: load_vendor_spec(vendor, self.directory) for vendor in SPEC_FILES}
        self.coverage = Coverage()

    def check_journal(self, entries: Iterable[Mapping[str, Any]]) -> list[str]:
        """Check every entry; return all problems found."""
        problems: list[str] = []
        for entry in entries:
            problems.extend(self.check_entry(entry))
        return problems

    def check_entry(self, entry: Mapping[str, Any]) -> list[str]:
        """Check one entry's request and response; return its problems."""
        vendor = entry["vendor"]
        method = entry["method"]
        path = entry["path"]
        label = f"#{entry.get('seq', '?')} {method} {path}"
        spec = self.specs.get(vendor)
        if spec is None:
            self.coverage.unmatched.append(f"{method} {path}")
            return [f"{label}: not an UptimeRobot or Sentry path"]
        if vendor == "uptimerobot" and len(path) > len("/v3/") and path.endswith("/"):
            path = path.rstrip("/")  # defect 2
        operation = spec.find(method, path)
        if operation is None:
            self.coverage.unmatched.append(f"{method} {path}")
            return [f"{label}: no operation in the {vendor} spec"]
        tally = self.coverage.operations.setdefault(
            f"{vendor}:{operation.operation_id}",
            OperationCoverage(operation.operation_id, operation.method, operation.template),
        )
        request = self._request(vendor, entry, path)
        problems = [
            f"{label}: request: {_describe(e)}" for e in spec.api.iter_request_errors(request)
        ]
        tally.requests += 1
        status = entry.get("status")
        if status is None:
            self.coverage.dropped += 1
            return problems
        tally.statuses[status] += 1
        response = self._response(entry)
        for error in spec.api.iter_response_errors(request, response):
            if isinstance(error, ResponseNotFound) and status >= 300:
                tally.undocumented[status] += 1
                return problems
            problems.append(f"{label} -> {status}: response: {_describe(error)}")
        tally.responses += 1
        return problems

    def request_problems(self, vendor: str, method: str, path: str, body: Any = None) -> list[str]:
        """What the spec operation serving `method path` says of a request body (nothing
        is recorded in the coverage): the check a request gets in `check_entry`."""
        spec = self.specs[vendor]
        operation = spec.find(method, path)
        if operation is None:
            return [f"{method} {path}: no operation in the {vendor} spec"]
        entry = {
            "method": method,
            "path": path,
            "request_headers": {"Authorization": "Bearer k", "Content-Type": "application/json"},
            "request_body": body,
        }
        request = self._request(vendor, entry, path)
        return [_describe(e) for e in spec.api.iter_request_errors(request)]

    def document(self, vendor: str) -> dict[str, Any]:
        """The vendor's patched OpenAPI document (as validated against)."""
        document = copy.deepcopy(_load_document(vendor, self.directory))
        _patch_unions(document)
        (_patch_uptimerobot if vendor == "uptimerobot" else _patch_sentry)(document)
        return document

    @staticmethod
    def _request(vendor: str, entry: Mapping[str, Any], path: str) -> MockRequest:
        headers = dict(entry.get("request_headers") or {})
        body = entry.get("request_body")
        if vendor == "sentry" and isinstance(body, dict | list):
            body = _snake_keys(body)  # defect 3
        content_type = (_header(headers, "Content-Type") or "application/json").split(";")[0]
        return MockRequest(
            VENDOR_HOSTS[vendor],
            entry["method"].lower(),
            path,
            args=dict(entry.get("query") or {}),
            headers=headers,
            data=_encode(body) or None,
            content_type=content_type,
        )

    @staticmethod
    def _response(entry: Mapping[str, Any]) -> MockResponse:
        headers = dict(entry.get("response_headers") or {})
        content_type = (_header(headers, "Content-Type") or "").split(";")[0].strip()
        return MockResponse(
            _encode(entry.get("response_body")),
            status_code=int(entry["status"]),
            headers=headers,
            content_type=content_type or "application/json",
        )
