"""What UptimeRobot's API refuses, with its messages: each operation's schema and the plan.

Create and update bodies are each checked against their own schema
(``specs/uptimerobot-openapi-v3.yaml``: the create DTOs and ``UpdateMonitorDto``), as a
NestJS ValidationPipe with ``forbidNonWhitelisted`` does it: every message is collected,
an unknown property is refused. The plan's rules (intervals, contact threshold and
recurrence, paid features) and the references (alert contacts, groups) are checked after
the schema passed, as the live API does.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from typing import Any, TypeGuard

from ..wire import JsonValue

FREE_PLAN_MIN_INTERVAL = 300
# Shortest interval per plan (seconds); only the free plan refuses contact threshold/recurrence.
PLAN_MIN_INTERVAL = {"free": FREE_PLAN_MIN_INTERVAL, "solo": 60, "team": 60, "enterprise": 30}
MAX_INTERVAL = 2_678_400
MONITOR_TYPES = (
    "HTTP",
    "KEYWORD",
    "PING",
    "PORT",
    "HEARTBEAT",
    "DNS",
    "API",
    "UDP",
    "VISUAL_COMPARISON",
)
HTTP_METHODS = ("HEAD", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY")
AUTH_TYPES = ("NONE", "HTTP_BASIC", "DIGEST", "BEARER")
KEYWORD_TYPES = ("ALERT_EXISTS", "ALERT_NOT_EXISTS")
KEYWORD_CASE_NAMES = {"CaseSensitive": 0, "CaseInsensitive": 1}
POST_VALUE_TYPES = ("KEY_VALUE", "RAW_JSON")
REGIONS = ("na", "eu", "as", "oc")
IP_VERSIONS = ("ipv4Only", "ipv6Only")

# Properties each create DTO declares (from the spec), used to refuse others.
_COMMON_FIELDS = frozenset(
    {
        "friendlyName",
        "interval",
        "assignedAlertContacts",
        "tagNames",
        "maintenanceWindowsIds",
        "regionData",
        "regionalData",
        "responseTimeThreshold",
        "groupId",
        "customFields",
        "type",
        "url",
        "timeout",
        "config",
    }
)
_HTTP_FIELDS = frozenset(
    {
        "httpMethodType",
        "authType",
        "httpUsername",
        "httpPassword",
        "postValueData",
        "postValueType",
        "customHttpHeaders",
        "successHttpResponseCodes",
        "checkSSLErrors",
        "sslExpirationReminder",
        "domainExpirationReminder",
        "followRedirections",
    }
)
_KEYWORD_FIELDS = frozenset({"keywordType", "keywordCaseType", "keywordValue"})
CREATE_FIELDS: dict[str, frozenset[str]] = {
    "HTTP": _COMMON_FIELDS | _HTTP_FIELDS,
    "KEYWORD": _COMMON_FIELDS | _HTTP_FIELDS | _KEYWORD_FIELDS,
    "API": _COMMON_FIELDS | _HTTP_FIELDS,
    "PING": _COMMON_FIELDS,
    "PORT": _COMMON_FIELDS | {"port"},
    "UDP": _COMMON_FIELDS | {"port"},
    "HEARTBEAT": (_COMMON_FIELDS - {"url", "timeout", "config"}) | {"gracePeriod"},
    "DNS": _COMMON_FIELDS - {"timeout"},
    "VISUAL_COMPARISON": _COMMON_FIELDS - {"timeout"},
}
CREATE_REQUIRED: dict[str, tuple[str, ...]] = {
    "HTTP": ("friendlyName", "interval", "type", "url", "timeout"),
    "KEYWORD": (
        "friendlyName",
        "interval",
        "type",
        "url",
        "timeout",
        "keywordType",
        "keywordCaseType",
        "keywordValue",
    ),
    "PING": ("friendlyName", "interval", "type", "url", "timeout"),
    "PORT": ("friendlyName", "interval", "type", "url", "port", "timeout"),
    "HEARTBEAT": ("friendlyName", "interval", "type"),
    "DNS": ("friendlyName", "interval", "type", "url", "config"),
    "API": ("friendlyName", "interval", "type", "url", "timeout", "config"),
    "UDP": ("friendlyName", "interval", "type", "url", "port", "timeout", "config"),
    "VISUAL_COMPARISON": ("friendlyName", "interval", "type", "url", "config"),
}
UPDATE_FIELDS = _COMMON_FIELDS | _HTTP_FIELDS | _KEYWORD_FIELDS | {"port", "gracePeriod"}
CONFIG_KEYS = frozenset(
    {
        "sslExpirationPeriodDays",
        "ipVersion",
        "applicationErrorRetries",
        "dnsRecords",
        "apiAssertions",
        "udp",
        "visualComparison",
    }
)
_SUCCESS_CODE = re.compile(r"[1-5](\d\d|xx)")


class ValidationFailed(Exception):
    """A request the real API refuses with 400 (NestJS shape: a list of messages)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _is_number(value: object) -> TypeGuard[int | float]:
    # bool is an int subclass in Python; JSON true is not a number.
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_int_if_whole(value: float) -> int | float:
    # Clients such as Pulumi send 300.0 for 300; the API stores numbers.
    return int(value) if float(value).is_integer() else value


class _Checker:
    """class-validator style checks that collect every message, as NestJS does."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.messages: list[str] = []

    def fail(self, message: str) -> None:
        self.messages.append(message)

    def string(self, key: str, *, max_length: int | None = None, non_empty: bool = False) -> None:
        if key not in self.body:
            return
        value = self.body[key]
        if not isinstance(value, str):
            self.fail(f"{key} must be a string")
            return
        if non_empty and not value.strip():
            self.fail(f"{key} should not be empty")
        if max_length is not None and len(value) > max_length:
            self.fail(f"{key} must be shorter than or equal to {max_length} characters")

    def number(
        self, key: str, *, minimum: float | None = None, maximum: float | None = None
    ) -> None:
        if key not in self.body:
            return
        value = self.body[key]
        if not _is_number(value):
            self.fail(f"{key} must be a number conforming to the specified constraints")
            return
        if minimum is not None and value < minimum:
            self.fail(f"{key} must not be less than {as_int_if_whole(minimum)}")
        if maximum is not None and value > maximum:
            self.fail(f"{key} must not be greater than {as_int_if_whole(maximum)}")

    def boolean(self, key: str) -> None:
        if key in self.body and not isinstance(self.body[key], bool):
            self.fail(f"{key} must be a boolean value")

    def enum(self, key: str, choices: Iterable[object], *, nullable: bool = False) -> None:
        if key not in self.body:
            return
        value = self.body[key]
        if value is None and nullable:
            return
        allowed = list(choices)
        if value not in allowed or isinstance(value, bool):
            listed = ", ".join(str(choice) for choice in allowed)
            self.fail(f"{key} must be one of the following values: {listed}")

    def obj(self, key: str) -> dict[str, Any] | None:
        if key not in self.body:
            return None
        value = self.body[key]
        if not isinstance(value, dict):
            self.fail(f"{key} must be an object")
            return None
        return value

    def array(self, key: str) -> list[Any] | None:
        if key not in self.body:
            return None
        value = self.body[key]
        if not isinstance(value, list):
            self.fail(f"{key} must be an array")
            return None
        return value


def check_create(body: JsonValue) -> tuple[str, dict[str, Any]]:
    """Check a POST /monitors body against its type's create schema; return the monitor
    type and the body.

    Raises ValidationFailed with every message (the plan is `check_plan`'s)."""
    if not isinstance(body, dict):
        raise ValidationFailed(["body must be an object"])
    raw_type = body.get("type")
    if not isinstance(raw_type, str) or raw_type.upper() not in MONITOR_TYPES:
        listed = ", ".join(MONITOR_TYPES)
        raise ValidationFailed([f"type must be one of the following values: {listed}"])
    monitor_type = raw_type.upper()
    checker = _Checker(body)
    for key in sorted(set(body) - CREATE_FIELDS[monitor_type]):
        checker.fail(f"property {key} should not exist")
    for key in CREATE_REQUIRED[monitor_type]:
        if key not in body or body[key] is None:
            checker.fail(f"{key} should not be empty")
    checker.enum("keywordCaseType", KEYWORD_CASE_NAMES)  # CreateKeywordMonitorDto
    _check_fields(checker, monitor_type, "create")
    if checker.messages:
        raise ValidationFailed(checker.messages)
    return monitor_type, body


def check_update(body: dict[str, Any], monitor_type: str) -> None:
    """Check a PATCH /monitors/{id} body against `UpdateMonitorDto`, for a monitor of
    `monitor_type` (which no update can change). Raises ValidationFailed."""
    checker = _Checker(body)
    for key in sorted(set(body) - UPDATE_FIELDS):
        checker.fail(f"property {key} should not exist")
    checker.enum("type", MONITOR_TYPES)
    checker.enum("keywordCaseType", KEYWORD_CASE_NAMES.values())  # UpdateMonitorDto: 0/1
    _check_fields(checker, monitor_type, "update")
    if checker.messages:
        raise ValidationFailed(checker.messages)
    if "type" in body and body["type"] != monitor_type:
        raise ValidationFailed(["Monitor type cannot be changed."])


def check_plan(body: dict[str, Any], plan: str, contact_ids: Container[int]) -> None:
    """Plan and referential rules, checked after the schema passed: raises ValidationFailed."""
    messages: list[str] = []
    interval = body.get("interval")
    minimum = PLAN_MIN_INTERVAL[plan]
    if _is_number(interval) and interval < minimum:
        messages.append(f"interval must not be less than {minimum} on your current plan")
    for item in body.get("assignedAlertContacts") or []:
        contact_id = item["alertContactId"]
        if contact_id not in contact_ids:
            messages.append(f"Alert contact {as_int_if_whole(contact_id)} not found")
        if plan == "free" and (item["threshold"] != 0 or item["recurrence"] != 0):
            messages.append(
                "threshold and recurrence of alert contacts are only available on paid plans; use 0"
            )
    for name in body.get("tagNames") or []:
        if name != name.lower():
            messages.append(f"tag name {name!r} must be lower case")
    if body.get("maintenanceWindowsIds"):
        messages.append("Maintenance window not found")
    if _is_number(body.get("groupId")) and body["groupId"] != 0:
        messages.append("Monitor group not found")
    if body.get("customFields"):
        messages.append("customFields are only available on paid plans")
    if messages:
        raise ValidationFailed(messages)


def _check_fields(checker: _Checker, monitor_type: str, operation: str) -> None:
    """Type and range checks of create and update, where their schemas differ too
    (the create DTOs and `UpdateMonitorDto`)."""
    body = checker.body
    checker.string("friendlyName", max_length=250, non_empty=True)
    checker.string("url", max_length=10_000, non_empty=monitor_type != "HEARTBEAT")
    minimum = 30 if operation == "create" else 15
    checker.number("interval", minimum=minimum, maximum=MAX_INTERVAL)
    checker.number("timeout", minimum=0, maximum=60)
    checker.number("port", minimum=1, maximum=65_535)
    checker.number("gracePeriod", minimum=0, maximum=86_400)
    checker.number("responseTimeThreshold", minimum=0, maximum=60_000)
    checker.number("groupId", minimum=0)
    checker.enum("httpMethodType", HTTP_METHODS, nullable=True)
    checker.enum("authType", AUTH_TYPES)
    checker.enum("postValueType", POST_VALUE_TYPES)
    checker.enum("keywordType", KEYWORD_TYPES)
    checker.enum("regionalData", REGIONS)
    checker.string("httpUsername", max_length=255)
    checker.string("httpPassword", max_length=255)
    checker.string("keywordValue", max_length=500)
    for key in (
        "checkSSLErrors",
        "sslExpirationReminder",
        "domainExpirationReminder",
        "followRedirections",
    ):
        checker.boolean(key)
    # The create DTOs take a string or an object, UpdateMonitorDto an object only.
    post_data = (str, dict) if operation == "create" else (dict,)
    if "postValueData" in body and not isinstance(body["postValueData"], post_data):
        kinds = "a string or an object" if operation == "create" else "an object"
        checker.fail(f"postValueData must be {kinds}")
    headers = checker.obj("customHttpHeaders")
    if headers is not None and not all(
        isinstance(v, str) or _is_number(v) for v in headers.values()
    ):
        checker.fail("customHttpHeaders values must be strings")
    codes = checker.array("successHttpResponseCodes")
    if codes is not None and not all(
        isinstance(code, str) and _SUCCESS_CODE.fullmatch(code) for code in codes
    ):
        checker.fail("each value in successHttpResponseCodes must be a code like 200 or 2xx")
    tags = checker.array("tagNames")
    if tags is not None and not all(isinstance(t, str) and t.strip() for t in tags):
        checker.fail("each value in tagNames must be a non-empty string")
    windows = checker.array("maintenanceWindowsIds")
    if windows is not None and not all(_is_number(w) for w in windows):
        checker.fail("each value in maintenanceWindowsIds must be a number")
    custom = checker.obj("customFields")
    if custom is not None and not all(isinstance(v, str) for v in custom.values()):
        checker.fail("customFields values must be strings")
    contacts = checker.array("assignedAlertContacts")
    for index, item in enumerate(contacts or []):
        prefix = f"assignedAlertContacts.{index}"
        if not isinstance(item, dict):
            checker.fail(f"{prefix} must be an object")
            continue
        for key in ("alertContactId", "threshold", "recurrence"):
            if key not in item:
                checker.fail(f"{prefix}.{key} should not be empty")
            elif not _is_number(item[key]) or (key != "alertContactId" and item[key] < 0):
                checker.fail(f"{prefix}.{key} must be a number not less than 0")
    region = checker.obj("regionData")
    if region is not None:
        regions = region.get("REGION")
        if not isinstance(regions, list) or not regions or not all(r in REGIONS for r in regions):
            checker.fail("regionData.REGION must be a non-empty array of na, eu, as, oc")
    _check_config(checker, monitor_type)


def _check_config(checker: _Checker, monitor_type: str) -> None:
    if "config" not in checker.body or checker.body["config"] is None:
        return
    config = checker.obj("config")
    if config is None:
        return
    for key in sorted(set(config) - CONFIG_KEYS):
        checker.fail(f"config.property {key} should not exist")
    days = config.get("sslExpirationPeriodDays")
    if days is not None and (
        not isinstance(days, list)
        or len(days) > 10
        or not all(_is_number(d) and 0 <= d <= 365 for d in days)
    ):
        checker.fail("config.sslExpirationPeriodDays must hold at most 10 numbers 0-365")
    if config.get("ipVersion") not in (None, *IP_VERSIONS):
        checker.fail("config.ipVersion must be one of the following values: ipv4Only, ipv6Only")
    retries = config.get("applicationErrorRetries")
    if retries is not None and not (_is_number(retries) and 0 <= retries <= 3):
        checker.fail("config.applicationErrorRetries must be a number from 0 to 3")
    if monitor_type in ("HEARTBEAT", "PING", "PORT") and "apiAssertions" in config:
        checker.fail("config.apiAssertions is only allowed on API monitors")
