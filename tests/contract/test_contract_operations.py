"""Each request is validated against its own operation's schema (create is not update), and
the sandbox refuses every body its operation's schema refuses.

UptimeRobot's create schema (`CreateKeywordMonitorDto`...) and update schema
(`UpdateMonitorDto`) differ: `keywordCaseType` is a word on create and a number on update,
`interval` has another minimum. A sandbox that accepted a body the vendor's schema refuses
would let a client bug through every test; so every property of both schemas is given
values its schema refuses, and the sandbox must answer 400 to each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mlpp_sandbox import Sandbox
from tests.vendor_bodies import http_monitor

from .openapi import ContractChecker

CREATE = ("POST", "/v3/monitors")
UPDATE = ("PATCH", "/v3/monitors/{id}")
UR_KEY = "sandbox-uptimerobot-key"


def _keyword(contact_id: int) -> dict[str, Any]:
    return {
        **http_monitor(contact_id),
        "type": "KEYWORD",
        "keywordType": "ALERT_NOT_EXISTS",
        "keywordCaseType": "CaseInsensitive",
        "keywordValue": "Monaluxe",
    }


def _refused_values(schema: dict[str, Any]) -> Iterator[Any]:
    """Values a (top-level, non-composite) property schema refuses."""
    kind = schema.get("type")
    if "enum" in schema:
        yield 99 if kind == "string" else "NOT_A_CHOICE"
        yield "NOT_A_CHOICE" if kind == "string" else 99
    if kind == "string":
        yield 12345
        if "maxLength" in schema:
            yield "x" * (int(schema["maxLength"]) + 1)
    elif kind == "number":
        yield "ten"
        if "minimum" in schema:
            yield schema["minimum"] - 1
        if "maximum" in schema:
            yield schema["maximum"] + 1
    elif kind == "boolean":
        yield "yes"
    elif kind == "array":
        yield "not-a-list"
    elif kind == "object":
        yield "not-an-object"


def _cases(checker: ContractChecker) -> list[tuple[str, str, str, Any]]:
    """(operation, base body kind, property, refused value) for both schemas."""
    schemas = checker.document("uptimerobot")["components"]["schemas"]
    cases: list[tuple[str, str, str, Any]] = []
    for operation, base, dto in (
        ("create", "HTTP", "CreateHttpMonitorDto"),
        ("create", "KEYWORD", "CreateKeywordMonitorDto"),
        ("update", "KEYWORD", "UpdateMonitorDto"),
    ):
        for name, schema in schemas[dto]["properties"].items():
            if name == "type":
                continue  # the discriminator: another type is another schema, not an error
            for value in _refused_values(schema):
                cases.append((operation, base, name, value))
    return cases


@pytest.fixture(scope="module")
def cases(contract_checker: ContractChecker) -> list[tuple[str, str, str, Any]]:
    found = _cases(contract_checker)
    assert len(found) > 60, "the schemas gave almost no property to test"
    return found


def test_keyword_case_is_checked_against_each_operations_own_schema(
    checker: ContractChecker,
) -> None:
    body = _keyword(1)
    word, number = "CaseInsensitive", 1
    path = "/v3/monitors/800000001"
    assert checker.request_problems("uptimerobot", "POST", "/v3/monitors", body) == []
    as_number = {**body, "keywordCaseType": number}
    assert checker.request_problems("uptimerobot", "POST", "/v3/monitors", as_number)
    assert checker.request_problems("uptimerobot", "PATCH", path, {"keywordCaseType": number}) == []
    assert checker.request_problems("uptimerobot", "PATCH", path, {"keywordCaseType": word})


def test_the_sandbox_refuses_what_each_schema_refuses(
    sandbox: Sandbox, checker: ContractChecker, cases: list[tuple[str, str, str, Any]]
) -> None:
    base_url = sandbox.urls["uptimerobot"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {UR_KEY}"
    contact = next(iter(sandbox.uptimerobot.alert_contacts))
    bases = {"HTTP": http_monitor(contact), "KEYWORD": _keyword(contact)}
    for body in bases.values():  # the unmutated bodies are valid for both
        assert checker.request_problems("uptimerobot", "POST", "/v3/monitors", body) == []
        assert session.post(f"{base_url}/monitors", json=body, timeout=5).status_code == 201
    target = session.post(f"{base_url}/monitors", json=bases["KEYWORD"], timeout=5).json()
    path = f"/v3/monitors/{target['id']}"
    before = session.get(f"{base_url}/monitors/{target['id']}", timeout=5).json()

    accepted: list[str] = []
    refused_by_schema = 0
    for operation, base, name, value in cases:
        if operation == "create":
            body = {**bases[base], name: value}
            method, url_path = CREATE
        else:
            body = {name: value}
            method, url_path = "PATCH", path
        if not checker.request_problems("uptimerobot", method, url_path, body):
            continue  # not refused by the schema after all (e.g. a lenient union)
        refused_by_schema += 1
        response = session.request(method, f"{base_url}{url_path.removeprefix('/v3')}", json=body)
        if response.status_code != 400:
            accepted.append(f"{operation} {name}={value!r}: HTTP {response.status_code}")
    assert not accepted, "the sandbox accepted what the schema refuses:\n" + "\n".join(accepted)
    assert refused_by_schema > 60
    # Nothing refused was stored: 3 monitors (the two bases and the target), unchanged.
    assert len(sandbox.uptimerobot.monitors) == 3
    after = session.get(f"{base_url}/monitors/{target['id']}", timeout=5).json()
    assert {k: v for k, v in after.items() if k != "currentStateDuration"} == {
        k: v for k, v in before.items() if k != "currentStateDuration"
    }
