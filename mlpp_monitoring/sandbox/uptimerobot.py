"""UptimeRobot API v3 emulator: monitors, account, alert contacts, incidents, stats.

Follows ``specs/uptimerobot-openapi-v3.yaml`` and the facts in
``docs/vendors/uptimerobot.md`` (each with its source). The account is a FREE plan with exactly
one e-mail alert contact.

Behaviour mimicked on purpose (each one a trap a client must handle):

- Create answers 201, PATCH 200, DELETE 200 with an empty body, pause and
  start 201 with the monitor, reset 201 with an empty body; pause, start and
  reset refuse a body that is not ``application/json`` with 415.
- Errors: 401 ``{"message":"Invalid token.","code":"003-005"}``, 404
  ``{"message":"Monitor not found","code":"000-004"}``, validation 400 in
  NestJS' shape ``{"message":[...],"error":"Bad Request","statusCode":400}``
  (both observed live by public clients); an unknown route is NestJS' 404
  ``{"message":"Cannot GET /v3/x","error":"Not Found","statusCode":404}``.
- Free plan: interval at least 300 s, alert-contact threshold and recurrence
  0, no custom fields; the monitor limit of the account is enforced.
- Unknown properties are refused ("property x should not exist"), as a
  NestJS ValidationPipe with ``forbidNonWhitelisted`` does [inferred].
- Create and update bodies are each checked against their own schema: the
  create DTOs take ``keywordCaseType`` as ``CaseSensitive``/``CaseInsensitive``,
  ``UpdateMonitorDto`` as 0/1 (0 = case-sensitive); each refuses the other form.
  (UptimeRobot's Terraform provider sends 0/1 on create too, so the live create
  evidently accepts numbers: the sandbox holds clients to the documents.)
- Read-back differences: ``tagNames`` come back as ``tags`` objects,
  ``keywordCaseType`` as 0/1,
  ``keywordValue`` trimmed, ``responseTimeThreshold`` always 0,
  ``assignedAlertContacts`` in a random (seeded) order, ``customHttpHeaders``
  keys lower-cased, and ``friendlyName``/``url`` HTML-escaped (``&``, ``<``,
  ``>``).
- A new monitor reads ``status: "STARTED"`` (observed) until a scenario sets
  another status; pause makes it ``PAUSED``.
- List pages: cursor = id of the last monitor of the page, ``nextLink`` points
  at ``/v3/monitors/?...&cursor=<id>`` (trailing slash, as observed live).
- ``list_lag`` (seconds, default 0): a new monitor shows in ``GET /monitors``
  and ``GET /monitors/{id}`` (404 until then) only that long after its create,
  as the official Terraform provider saw the live API's read path lag a create
  (docs/vendors/uptimerobot.md); writes reach it at once.

Deviations from the spec, and why:

- ``nextLink`` is always present (null on the last page) as the spec requires,
  although public clients saw the live API omit the key on the last page:
  clients must accept both.
- Incident ids are digit strings beyond 2**53, as observed live; unresolved
  incidents read ``status: "Ongoing"`` [inferred: no live sample].
- Only HTTP, KEYWORD, PING, PORT and HEARTBEAT monitors are validated field by
  field; DNS, API, UDP and VISUAL_COMPARISON are accepted with their required
  fields only.
"""

from __future__ import annotations

import html
import itertools
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeGuard
from urllib.parse import urlencode

from .wire import (
    ApiRequest,
    ApiResponse,
    BodyError,
    HttpError,
    JsonValue,
    Router,
    empty_response,
    iso_milli,
    json_response,
    parse_iso,
)

FREE_PLAN_MIN_INTERVAL = 300
CONTACT_STATES = {
    "active": ("Active", "UpAndDown"),
    "not-activated": ("NotActivated", "UpAndDown"),
    "paused": ("Paused", "UpAndDown"),
    "up-only": ("Active", "Up"),
}
"""The seeded contact's (status, enableNotificationsFor) per `contact_state`: the words
UptimeRobot's Terraform provider reads (docs/vendors/uptimerobot.md)."""
# Shortest interval per plan (seconds); only the free plan refuses contact threshold/recurrence.
PLAN_MIN_INTERVAL = {"free": FREE_PLAN_MIN_INTERVAL, "solo": 60, "team": 60, "enterprise": 30}
FREE_PLAN_MONITOR_LIMIT = 50
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
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
MONITOR_STATUSES = ("PAUSED", "STARTED", "UP", "LOOKS_DOWN", "DOWN")
HTTP_METHODS = ("HEAD", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY")
AUTH_TYPES = ("NONE", "HTTP_BASIC", "DIGEST", "BEARER")
KEYWORD_TYPES = ("ALERT_EXISTS", "ALERT_NOT_EXISTS")
KEYWORD_CASE_NAMES = {"CaseSensitive": 0, "CaseInsensitive": 1}
POST_VALUE_TYPES = ("KEY_VALUE", "RAW_JSON")
REGIONS = ("na", "eu", "as", "oc")
IP_VERSIONS = ("ipv4Only", "ipv6Only")
TAG_COLORS = ("#3B82F6", "#10B981", "#F59E0B", "#EF4444", "#8B5CF6", "#EC4899")

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


def not_found(message: str = "Monitor not found") -> HttpError:
    """The 404 UptimeRobot answers for a missing object (observed live)."""
    return HttpError(json_response(404, {"message": message, "code": "000-004"}))


def bad_request(messages: list[str]) -> ApiResponse:
    """NestJS' validation answer, as observed live."""
    return json_response(400, {"message": messages, "error": "Bad Request", "statusCode": 400})


def unauthorized() -> ApiResponse:
    """The 401 for a missing or wrong API key (observed live)."""
    return json_response(401, {"message": "Invalid token.", "code": "003-005"})


def _is_number(value: object) -> TypeGuard[int | float]:
    # bool is an int subclass in Python; JSON true is not a number.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_int_if_whole(value: float) -> int | float:
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
            self.fail(f"{key} must not be less than {_as_int_if_whole(minimum)}")
        if maximum is not None and value > maximum:
            self.fail(f"{key} must not be greater than {_as_int_if_whole(maximum)}")

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


@dataclass
class AlertContact:
    """An alert contact of the account (the sandbox has one e-mail contact).

    `status` (Active, Paused, NotActivated) and `enable_notifications_for` (UpAndDown,
    Down, Up, None) are the two fields that decide whether it pages anyone on DOWN.
    """

    id: int
    value: str
    type: str = "Email"
    friendly_name: str | None = None
    status: str = "Active"
    enable_notifications_for: str = "UpAndDown"

    def view(self) -> dict[str, Any]:
        """The AlertContactDto the API answers with."""
        return {
            "id": self.id,
            "friendlyName": self.friendly_name,
            "type": self.type,
            "value": self.value,
            "customValue": None,
            "enableNotificationsFor": self.enable_notifications_for,
            "sslExpirationReminder": True,
            "httpUsername": None,
            "httpPassword": None,
            "authType": True,
            "customHeaders": None,
            "mobileProviderId": None,
            "status": self.status,
            "orgAlertContactId": None,
            "config": None,
        }


@dataclass
class Tag:
    """An account-level tag; monitors reference tags by name on input."""

    id: int
    name: str
    color: str

    def view(self) -> dict[str, Any]:
        """The tag object of a monitor read-back."""
        return {"id": self.id, "name": self.name, "color": self.color}


@dataclass
class AssignedContact:
    """An alert contact assigned to a monitor."""

    alert_contact_id: int
    threshold: int = 0
    recurrence: int = 0

    def view(self) -> dict[str, Any]:
        """The assignedAlertContacts item of a monitor read-back."""
        return {
            "alertContactId": self.alert_contact_id,
            "threshold": self.threshold,
            "recurrence": self.recurrence,
        }


@dataclass
class Monitor:
    """A monitor as stored: input fields normalised, server fields alongside."""

    id: int
    type: str
    friendly_name: str
    url: str
    interval: int | float
    timeout: int | float | None
    created_at: float
    status: str = "STARTED"
    status_since: float = 0.0
    http_method_type: str | None = None
    success_http_response_codes: list[str] = field(default_factory=lambda: ["2xx", "3xx"])
    follow_redirections: bool = True
    check_ssl_errors: bool = False
    ssl_expiration_reminder: bool = False
    domain_expiration_reminder: bool = False
    auth_type: str = "NONE"
    http_username: str = ""
    http_password: str = ""
    custom_http_headers: dict[str, Any] = field(default_factory=dict)
    post_value_data: Any = None
    post_value_type: str | None = None
    port: int | float | None = None
    grace_period: int | float | None = 30
    keyword_type: str | None = None
    keyword_case_type: int = 0
    keyword_value: str = ""
    config: dict[str, Any] | None = field(default_factory=dict)
    regional_data: dict[str, Any] = field(
        default_factory=lambda: {
            "REGION": ["na"],
            "MANUAL_SELECTED": False,
            "INFRASTRUCTURE": "New",
            "THRESHOLD": {},
        }
    )
    tags: list[str] = field(default_factory=list)
    """Tag names, in the order they were given."""
    alert_contacts: list[AssignedContact] = field(default_factory=list)
    group_id: int = 0
    custom_fields: dict[str, str] = field(default_factory=dict)
    response_time_ms: int | None = None
    """Seeded average response time, for the stats endpoint (None: no data)."""
    api_key: str = ""


@dataclass
class Incident:
    """A downtime (or slow response) of a monitor."""

    id: str
    monitor_id: int
    monitor_name: str
    started_at: float
    resolved_at: float | None = None
    type: str = "Downtime"
    cause: int = 333333
    reason: str = "Connection Timeout"
    http_response_code: int | None = None
    include_in_reports: bool = True

    @property
    def status(self) -> str:
        """``Resolved`` once resolved, else ``Ongoing``."""
        return "Resolved" if self.resolved_at is not None else "Ongoing"

    @property
    def duration(self) -> int | None:
        """Seconds from start to resolution; None while ongoing."""
        if self.resolved_at is None:
            return None
        return int(self.resolved_at - self.started_at)


class UptimeRobotState:
    """Everything the emulated UptimeRobot account holds, plus scenario helpers.

    Not thread-safe by itself: the sandbox serialises access with one lock.
    """

    def __init__(
        self,
        *,
        contact_email: str,
        clock: Callable[[], float],
        seed: int = 0,
        monitor_limit: int = FREE_PLAN_MONITOR_LIMIT,
        plan: str = "free",
        list_lag: float = 0.0,
        contact_state: str = "active",
    ) -> None:
        if plan not in PLAN_MIN_INTERVAL:
            raise ValueError(f"unknown plan {plan!r}: one of {', '.join(PLAN_MIN_INTERVAL)}")
        if list_lag < 0:
            raise ValueError("list_lag must not be negative")
        if contact_state not in CONTACT_STATES:
            raise ValueError(
                f"unknown contact state {contact_state!r}: one of {', '.join(CONTACT_STATES)}"
            )
        self.list_lag = list_lag
        self.contact_state = contact_state
        self.contact_email = contact_email
        self.monitor_limit = monitor_limit
        self.plan = plan
        self._clock = clock
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget everything and seed the account afresh."""
        self.rng = random.Random(self._seed)
        self.user_id = 3_100_001
        self.monitors: dict[int, Monitor] = {}
        self.tags: dict[str, Tag] = {}
        self.incidents: dict[str, Incident] = {}
        self._monitor_ids = itertools.count(800_000_001)
        self._tag_ids = itertools.count(41_001)
        self._incident_ids = itertools.count(358_000_000_000_000_001)
        self._contact_ids = itertools.count(8_700_001)
        self.alert_contacts: dict[int, AlertContact] = {}
        self.add_alert_contact(self.contact_email)
        self.set_contact_state(self.contact_state)

    def now(self) -> float:
        """The sandbox clock."""
        return self._clock()

    # -- monitors ---------------------------------------------------------

    def get_monitor(self, monitor_id: int) -> Monitor:
        """The monitor with that id, or the API's 404."""
        monitor = self.monitors.get(monitor_id)
        if monitor is None:
            raise not_found()
        return monitor

    def readable(self, monitor: Monitor) -> bool:
        """Whether the read path (list, GET by id) shows the monitor yet (`list_lag`)."""
        return self.now() - monitor.created_at >= self.list_lag

    def create_monitor(self, body: JsonValue) -> Monitor:
        """Validate a POST /monitors body like the API and store the monitor."""
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
        self._check_fields(checker, monitor_type, "create")
        if checker.messages:
            raise ValidationFailed(checker.messages)
        self._check_plan(body)
        if len(self.monitors) >= self.monitor_limit:
            raise ValidationFailed([f"You have reached the monitor limit of {self.monitor_limit}."])
        now = self.now()
        monitor = Monitor(
            id=next(self._monitor_ids),
            type=monitor_type,
            friendly_name=body["friendlyName"],
            url=body.get("url", ""),
            interval=_as_int_if_whole(body["interval"]),
            timeout=_as_int_if_whole(body["timeout"]) if "timeout" in body else None,
            created_at=now,
            status_since=now,
            http_method_type={"HTTP": "HEAD", "KEYWORD": "HEAD", "API": "GET"}.get(monitor_type),
            grace_period=30 if monitor_type != "HEARTBEAT" else 300,
            api_key=f"hb-{self.rng.getrandbits(64):016x}" if monitor_type == "HEARTBEAT" else "",
        )
        self._apply(monitor, body)
        self.monitors[monitor.id] = monitor
        return monitor

    def update_monitor(self, monitor_id: int, body: JsonValue) -> Monitor:
        """Validate a PATCH /monitors/{id} body and apply it."""
        if not isinstance(body, dict):
            raise ValidationFailed(["body must be an object"])
        checker = _Checker(body)
        for key in sorted(set(body) - UPDATE_FIELDS):
            checker.fail(f"property {key} should not exist")
        checker.enum("type", MONITOR_TYPES)
        checker.enum("keywordCaseType", KEYWORD_CASE_NAMES.values())  # UpdateMonitorDto: 0/1
        monitor = self.get_monitor(monitor_id)
        self._check_fields(checker, monitor.type, "update")
        if checker.messages:
            raise ValidationFailed(checker.messages)
        if "type" in body and body["type"] != monitor.type:
            raise ValidationFailed(["Monitor type cannot be changed."])
        self._check_plan(body)
        self._apply(monitor, body)
        return monitor

    def delete_monitor(self, monitor_id: int) -> None:
        """Delete a monitor and its incidents."""
        self.get_monitor(monitor_id)
        del self.monitors[monitor_id]
        for incident_id in [i.id for i in self.incidents.values() if i.monitor_id == monitor_id]:
            del self.incidents[incident_id]

    def pause_monitor(self, monitor_id: int) -> Monitor:
        """Pause (idempotent)."""
        monitor = self.get_monitor(monitor_id)
        if monitor.status != "PAUSED":
            self._set_status(monitor, "PAUSED")
        return monitor

    def start_monitor(self, monitor_id: int) -> Monitor:
        """Start a paused monitor (idempotent on an active one)."""
        monitor = self.get_monitor(monitor_id)
        if monitor.status == "PAUSED":
            self._set_status(monitor, "STARTED")
        return monitor

    def reset_monitor(self, monitor_id: int) -> None:
        """Forget the monitor's incidents (its statistics)."""
        self.get_monitor(monitor_id)
        for incident_id in [i.id for i in self.incidents.values() if i.monitor_id == monitor_id]:
            del self.incidents[incident_id]

    def _set_status(self, monitor: Monitor, status: str) -> None:
        monitor.status = status
        monitor.status_since = self.now()

    def _check_fields(self, checker: _Checker, monitor_type: str, operation: str) -> None:
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
            if (
                not isinstance(regions, list)
                or not regions
                or not all(r in REGIONS for r in regions)
            ):
                checker.fail("regionData.REGION must be a non-empty array of na, eu, as, oc")
        self._check_config(checker, monitor_type)

    def _check_config(self, checker: _Checker, monitor_type: str) -> None:
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

    def _check_plan(self, body: dict[str, Any]) -> None:
        """Plan and referential rules, checked after the DTO passed."""
        messages: list[str] = []
        interval = body.get("interval")
        minimum = PLAN_MIN_INTERVAL[self.plan]
        if _is_number(interval) and interval < minimum:
            messages.append(f"interval must not be less than {minimum} on your current plan")
        for item in body.get("assignedAlertContacts") or []:
            contact_id = item["alertContactId"]
            if contact_id not in self.alert_contacts:
                messages.append(f"Alert contact {_as_int_if_whole(contact_id)} not found")
            if self.plan == "free" and (item["threshold"] != 0 or item["recurrence"] != 0):
                messages.append(
                    "threshold and recurrence of alert contacts are only available "
                    "on paid plans; use 0"
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

    def _apply(self, monitor: Monitor, body: dict[str, Any]) -> None:
        """Store the fields present in a validated body."""
        simple: dict[str, str] = {
            "friendlyName": "friendly_name",
            "url": "url",
            "httpMethodType": "http_method_type",
            "authType": "auth_type",
            "httpUsername": "http_username",
            "httpPassword": "http_password",
            "postValueData": "post_value_data",
            "postValueType": "post_value_type",
            "keywordType": "keyword_type",
            "checkSSLErrors": "check_ssl_errors",
            "sslExpirationReminder": "ssl_expiration_reminder",
            "domainExpirationReminder": "domain_expiration_reminder",
            "followRedirections": "follow_redirections",
        }
        for key, attribute in simple.items():
            if key in body:
                setattr(monitor, attribute, body[key])
        if body.get("httpMethodType", "") is None:
            # null resets the method to the type's default.
            monitor.http_method_type = "HEAD" if monitor.type in ("HTTP", "KEYWORD") else "GET"
        for key, attribute in (
            ("interval", "interval"),
            ("timeout", "timeout"),
            ("port", "port"),
            ("gracePeriod", "grace_period"),
        ):
            if key in body:
                setattr(monitor, attribute, _as_int_if_whole(body[key]))
        if "keywordCaseType" in body:
            value = body["keywordCaseType"]
            monitor.keyword_case_type = KEYWORD_CASE_NAMES.get(value, value)
        if "keywordValue" in body:
            monitor.keyword_value = (body["keywordValue"] or "").strip()
        if "customHttpHeaders" in body:
            monitor.custom_http_headers = dict(body["customHttpHeaders"])
        if "successHttpResponseCodes" in body:
            monitor.success_http_response_codes = list(body["successHttpResponseCodes"])
        if "config" in body:
            monitor.config = self._merged_config(monitor.config, body["config"])
        if "regionData" in body:
            region = body["regionData"]
            monitor.regional_data = {
                "REGION": list(region["REGION"]),
                "MANUAL_SELECTED": bool(region.get("MANUAL_SELECTED", True)),
                "INFRASTRUCTURE": "New",
                "THRESHOLD": dict(region.get("THRESHOLD", {})),
            }
        elif "regionalData" in body:
            monitor.regional_data = {
                "REGION": [body["regionalData"]],
                "MANUAL_SELECTED": True,
                "INFRASTRUCTURE": "New",
                "THRESHOLD": {},
            }
        if "tagNames" in body:
            monitor.tags = []
            for name in body["tagNames"]:
                self._tag(name)
                if name not in monitor.tags:
                    monitor.tags.append(name)
        if "assignedAlertContacts" in body:
            assigned: dict[int, AssignedContact] = {}
            for item in body["assignedAlertContacts"]:
                contact_id = int(item["alertContactId"])
                assigned[contact_id] = AssignedContact(
                    contact_id, int(item["threshold"]), int(item["recurrence"])
                )
            monitor.alert_contacts = list(assigned.values())

    @staticmethod
    def _merged_config(
        current: dict[str, Any] | None, patch: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        # Spec: top-level shallow merge; a null key removes it; null clears all.
        if patch is None:
            return None
        merged = dict(current or {})
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged

    def _tag(self, name: str) -> Tag:
        tag = self.tags.get(name)
        if tag is None:
            tag_id = next(self._tag_ids)
            tag = Tag(id=tag_id, name=name, color=TAG_COLORS[tag_id % len(TAG_COLORS)])
            self.tags[name] = tag
        return tag

    # -- scenario helpers -------------------------------------------------

    def set_contact_state(self, state: str) -> None:
        """Put the seeded contact in one of `CONTACT_STATES` (e.g. never confirmed)."""
        status, notifies = CONTACT_STATES[state]
        self.contact_state = state
        for contact in self.alert_contacts.values():
            if contact.value == self.contact_email:
                contact.status, contact.enable_notifications_for = status, notifies

    def add_alert_contact(self, value: str, *, contact_type: str = "Email") -> AlertContact:
        """Add an alert contact to the account (the seed has only the e-mail one)."""
        contact = AlertContact(id=next(self._contact_ids), value=value, type=contact_type)
        self.alert_contacts[contact.id] = contact
        return contact

    def set_monitor_status(
        self,
        monitor_id: int,
        status: str,
        *,
        since: float | None = None,
        response_time_ms: int | None = None,
    ) -> Monitor:
        """Force a monitor's status (UP, DOWN, LOOKS_DOWN, PAUSED, STARTED)."""
        if status not in MONITOR_STATUSES:
            raise ValueError(f"status must be one of {', '.join(MONITOR_STATUSES)}")
        monitor = self.get_monitor(monitor_id)
        monitor.status = status
        monitor.status_since = self.now() if since is None else since
        if response_time_ms is not None:
            monitor.response_time_ms = response_time_ms
        return monitor

    def add_incident(
        self,
        monitor_id: int,
        *,
        started_at: float | None = None,
        resolved_at: float | None = None,
        reason: str = "Connection Timeout",
        cause: int = 333333,
        incident_type: str = "Downtime",
        http_response_code: int | None = None,
    ) -> Incident:
        """Record an incident; an ongoing one also turns the monitor DOWN."""
        monitor = self.get_monitor(monitor_id)
        start = self.now() if started_at is None else started_at
        incident = Incident(
            id=str(next(self._incident_ids)),
            monitor_id=monitor.id,
            monitor_name=monitor.friendly_name,
            started_at=start,
            resolved_at=resolved_at,
            type=incident_type,
            cause=cause,
            reason=reason,
            http_response_code=http_response_code,
        )
        self.incidents[incident.id] = incident
        if resolved_at is None and monitor.status != "PAUSED":
            monitor.status = "DOWN"
            monitor.status_since = start
        return incident

    def resolve_incident(self, incident_id: str, *, at: float | None = None) -> Incident:
        """Resolve an incident; its monitor goes back UP if it was DOWN."""
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise KeyError(incident_id)
        incident.resolved_at = self.now() if at is None else at
        monitor = self.monitors.get(incident.monitor_id)
        if monitor is not None and monitor.status in ("DOWN", "LOOKS_DOWN"):
            monitor.status = "UP"
            monitor.status_since = incident.resolved_at
        return incident

    # -- views ------------------------------------------------------------

    def last_incident(self, monitor_id: int) -> Incident | None:
        """The monitor's most recent incident."""
        mine = [i for i in self.incidents.values() if i.monitor_id == monitor_id]
        return max(mine, key=lambda i: (i.started_at, int(i.id))) if mine else None

    def monitor_view(self, monitor: Monitor, *, shuffle: bool = True) -> dict[str, Any]:
        """The MonitorDto the API answers with, read-back traps included."""
        contacts = [c.view() for c in monitor.alert_contacts]
        if shuffle:
            self.rng.shuffle(contacts)
        last = self.last_incident(monitor.id)
        return {
            "type": monitor.type,
            "interval": monitor.interval,
            "sslBrand": None,
            "sslExpiryDateTime": None,
            "domainExpireDate": None,
            "checkSSLErrors": monitor.check_ssl_errors,
            "sslExpirationReminder": monitor.ssl_expiration_reminder,
            "domainExpirationReminder": monitor.domain_expiration_reminder,
            "followRedirections": monitor.follow_redirections,
            "authType": monitor.auth_type,
            "httpUsername": monitor.http_username,
            "httpPassword": monitor.http_password,
            "customHttpHeaders": {k.lower(): v for k, v in monitor.custom_http_headers.items()},
            "httpMethodType": monitor.http_method_type,
            "successHttpResponseCodes": list(monitor.success_http_response_codes),
            "timeout": monitor.timeout,
            "postValueData": monitor.post_value_data,
            "postValueType": monitor.post_value_type,
            "port": monitor.port,
            "gracePeriod": monitor.grace_period,
            "keywordValue": monitor.keyword_value,
            "keywordCaseType": monitor.keyword_case_type,
            "keywordType": monitor.keyword_type,
            "responseTimeThreshold": 0,
            "config": None if monitor.config is None else dict(monitor.config),
            "regionalData": dict(monitor.regional_data),
            "maintenanceWindows": [],
            "psps": [],
            "id": monitor.id,
            "friendlyName": html.escape(monitor.friendly_name, quote=False),
            "status": monitor.status,
            "url": html.escape(monitor.url, quote=False),
            "currentStateDuration": max(0, int(self.now() - monitor.status_since)),
            "lastIncidentId": last.id if last else None,
            "userId": self.user_id,
            "tags": [self.tags[name].view() for name in monitor.tags],
            "assignedAlertContacts": contacts,
            "lastIncident": self._last_incident_view(last),
            "lastDayUptimes": {"bucketSize": 0, "histogram": []},
            "createDateTime": iso_milli(monitor.created_at),
            "apiKey": monitor.api_key,
            "groupId": monitor.group_id,
            "customFields": dict(monitor.custom_fields),
        }

    @staticmethod
    def _last_incident_view(incident: Incident | None) -> dict[str, Any] | None:
        if incident is None:
            return None
        return {
            "id": incident.id,
            "status": incident.status,
            "cause": incident.cause,
            "reason": incident.reason,
            "startedAt": iso_milli(incident.started_at),
            "duration": incident.duration,
        }

    def incident_summary(self, incident: Incident) -> dict[str, Any]:
        """An item of GET /incidents."""
        return {
            "id": incident.id,
            "status": incident.status,
            "type": incident.type,
            "cause": incident.cause,
            "reason": incident.reason,
            "monitor": {"id": incident.monitor_id, "friendlyName": incident.monitor_name},
            "commentsCount": 0,
            "startedAt": iso_milli(incident.started_at),
            "resolvedAt": None if incident.resolved_at is None else iso_milli(incident.resolved_at),
            "duration": incident.duration,
            "includeInReports": incident.include_in_reports,
        }

    def incident_detail(self, incident: Incident) -> dict[str, Any]:
        """GET /incidents/{id}."""
        monitor = self.monitors.get(incident.monitor_id)
        url = f"HEAD {monitor.url}" if monitor else ""
        return {
            "id": incident.id,
            "status": incident.status,
            "cause": incident.cause,
            "reason": incident.reason,
            "duration": incident.duration,
            "startedAt": iso_milli(incident.started_at),
            "resolvedAt": None if incident.resolved_at is None else iso_milli(incident.resolved_at),
            "rootCause": {
                "url": url,
                "requestHeaders": {"Connection": "close"},
                "responseHeaders": {},
                "httpResponseCode": incident.http_response_code,
                "responseDownloadUrl": "",
            },
        }

    def user_view(self) -> dict[str, Any]:
        """GET /user/me: the account and its plan."""
        return {
            "email": self.contact_email,
            "fullName": "Sandbox Account",
            "monitorsCount": len(self.monitors),
            "monitorLimit": self.monitor_limit,
            "smsCredits": 0,
            "activeSubscription": {
                "plan": self.plan.title(),
                "monitorLimit": self.monitor_limit,
                "status": "active",
            },
        }

    def snapshot(self) -> dict[str, Any]:
        """Everything, for GET /_sandbox/state (no random order, no escaping traps)."""
        return {
            "account": self.user_view(),
            "alertContacts": [c.view() for c in self.alert_contacts.values()],
            "tags": [t.view() for t in self.tags.values()],
            "monitors": [
                {
                    **self.monitor_view(m, shuffle=False),
                    "friendlyName": m.friendly_name,
                    "url": m.url,
                    "responseTimeMs": m.response_time_ms,
                }
                for m in self.monitors.values()
            ],
            "incidents": [self.incident_summary(i) for i in self.incidents.values()],
        }


def _monitor_id(text: str) -> int:
    if not text.isdigit():
        raise HttpError(
            json_response(
                400,
                {
                    "message": "Validation failed (numeric string is expected)",
                    "error": "Bad Request",
                    "statusCode": 400,
                },
            )
        )
    return int(text)


def _number_param(request: ApiRequest, name: str, messages: list[str]) -> float | None:
    raw = request.first(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        messages.append(f"{name} must be a number conforming to the specified constraints")
        return None


class UptimeRobotApi:
    """Routes ``/v3/...`` requests to handlers over an :class:`UptimeRobotState`."""

    def __init__(self, state: UptimeRobotState, api_key: str) -> None:
        self.state = state
        self._api_key = api_key
        self._router = Router()
        monitor = r"/v3/monitors/(?P<id>[^/]+)"
        self._router.add("GET", r"/v3/monitors/?", self._list_monitors)
        self._router.add("POST", r"/v3/monitors/?", self._create_monitor)
        self._router.add("GET", monitor, self._get_monitor)
        self._router.add("PATCH", monitor, self._update_monitor)
        self._router.add("DELETE", monitor, self._delete_monitor)
        self._router.add("POST", monitor + "/pause", self._pause_monitor)
        self._router.add("POST", monitor + "/start", self._start_monitor)
        self._router.add("POST", monitor + "/reset", self._reset_monitor)
        self._router.add("GET", monitor + "/stats/uptime", self._uptime_stats)
        self._router.add("GET", monitor + "/stats/response-time", self._response_time_stats)
        self._router.add("GET", r"/v3/user/me", self._me)
        self._router.add("GET", r"/v3/user/alert-contacts", self._alert_contacts)
        self._router.add("GET", r"/v3/incidents/?", self._list_incidents)
        self._router.add("GET", r"/v3/incidents/(?P<id>[^/]+)", self._get_incident)

    def authenticate(self, request: ApiRequest) -> ApiResponse | None:
        """None if the Bearer key matches, else the API's 401."""
        header = request.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self._api_key:
            return unauthorized()
        return None

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer an authenticated request."""
        route = self._router.resolve(request.method, request.path)
        if route.handler is None or route.match is None:
            # NestJS answers 404 for unknown routes and for wrong methods alike.
            return json_response(
                404,
                {
                    "message": f"Cannot {request.method} {request.path}",
                    "error": "Not Found",
                    "statusCode": 404,
                },
            )
        try:
            return route.handler(request, route.match)
        except HttpError as error:
            return error.response
        except ValidationFailed as error:
            return bad_request(error.messages)

    def not_found_response(self) -> ApiResponse:
        """The answer a create-then-404 fault substitutes."""
        return json_response(404, {"message": "Monitor not found", "code": "000-004"})

    @staticmethod
    def _body(request: ApiRequest) -> JsonValue:
        try:
            return request.json()
        except BodyError as error:
            raise ValidationFailed([f"Unexpected token in JSON: {error}"]) from error

    @staticmethod
    def _require_json(request: ApiRequest) -> None:
        # Observed live: pause/start/reset answer 415 without a JSON content type.
        if request.content_type != "application/json":
            raise HttpError(
                json_response(
                    415,
                    {
                        "message": "Content-Type must be application/json",
                        "error": "Unsupported Media Type",
                        "statusCode": 415,
                    },
                )
            )

    def _monitor_response(self, status: int, monitor: Monitor) -> ApiResponse:
        return json_response(status, self.state.monitor_view(monitor))

    def _list_monitors(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        messages: list[str] = []
        limit = _number_param(request, "limit", messages)
        cursor = _number_param(request, "cursor", messages)
        group_id = _number_param(request, "groupId", messages)
        if limit is not None and not 1 <= limit <= MAX_PAGE_SIZE:
            messages.append(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        statuses = [s.strip().upper() for s in (request.first("status") or "").split(",") if s]
        for status in statuses:
            if status not in MONITOR_STATUSES:
                messages.append(
                    f"status must be one of the following values: {', '.join(MONITOR_STATUSES)}"
                )
        if messages:
            raise ValidationFailed(messages)
        name = (request.first("name") or "").lower()
        url = (request.first("url") or "").lower()
        tags = {t.strip() for t in (request.first("tags") or "").split(",") if t.strip()}
        custom = [c.split(":", 1) for c in request.values("customField") if ":" in c]
        page_size = int(limit) if limit is not None else DEFAULT_PAGE_SIZE
        # The cursor is the id of the last monitor of the previous page.
        after = cursor if cursor is not None else float("-inf")

        def wanted(monitor: Monitor) -> bool:
            return (
                monitor.id > after
                and self.state.readable(monitor)
                and name in monitor.friendly_name.lower()
                and url in monitor.url.lower()
                and (not statuses or monitor.status in statuses)
                and (not tags or bool(tags & set(monitor.tags)))
                and (group_id is None or monitor.group_id == group_id)
                and all(monitor.custom_fields.get(k) == v for k, v in custom)
            )

        matches = [m for m in sorted(self.state.monitors.values(), key=lambda m: m.id) if wanted(m)]
        page = matches[:page_size]
        next_link = None
        if len(matches) > page_size:
            params = [(k, v) for k, vs in request.query.items() if k != "cursor" for v in vs]
            params.append(("cursor", str(page[-1].id)))
            next_link = f"{request.base_url}/v3/monitors/?{urlencode(params)}"
        return json_response(
            200,
            {"data": [self.state.monitor_view(m) for m in page], "nextLink": next_link},
        )

    def _create_monitor(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        monitor = self.state.create_monitor(self._body(request))
        return self._monitor_response(201, monitor)

    def _get_monitor(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        monitor = self.state.get_monitor(_monitor_id(match["id"]))
        if not self.state.readable(monitor):
            raise not_found()
        return self._monitor_response(200, monitor)

    def _update_monitor(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        monitor_id = _monitor_id(match["id"])
        monitor = self.state.update_monitor(monitor_id, self._body(request))
        return self._monitor_response(200, monitor)

    def _delete_monitor(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.state.delete_monitor(_monitor_id(match["id"]))
        return empty_response(200)

    def _pause_monitor(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self._require_json(request)
        return self._monitor_response(201, self.state.pause_monitor(_monitor_id(match["id"])))

    def _start_monitor(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self._require_json(request)
        return self._monitor_response(201, self.state.start_monitor(_monitor_id(match["id"])))

    def _reset_monitor(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self._require_json(request)
        self.state.reset_monitor(_monitor_id(match["id"]))
        return empty_response(201)

    def _window(self, request: ApiRequest) -> tuple[float, float]:
        now = self.state.now()
        try:
            start = parse_iso(request.first("from") or "") if request.first("from") else now - 86400
            end = parse_iso(request.first("to") or "") if request.first("to") else now
        except ValueError as error:
            raise ValidationFailed(["from and to must be ISO 8601 dates"]) from error
        if end <= start:
            raise ValidationFailed(["to must be after from"])
        if end - start > 90 * 86400:
            raise ValidationFailed(["the date range must not exceed 90 days"])
        return start, end

    def _uptime_stats(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        monitor = self.state.get_monitor(_monitor_id(match["id"]))
        start, end = self._window(request)
        downtime = 0.0
        count = 0
        for incident in self.state.incidents.values():
            if incident.monitor_id != monitor.id or incident.type != "Downtime":
                continue
            stop = incident.resolved_at if incident.resolved_at is not None else end
            overlap = min(stop, end) - max(incident.started_at, start)
            if overlap > 0:
                downtime += overlap
                count += 1
        span = end - start
        return json_response(
            200,
            {
                "uptime": round(100.0 * (1 - downtime / span), 4),
                "total_downtime_seconds": int(downtime),
                "incident_count": count,
                "mtbf": int(span / count) if count else None,
                "from": iso_milli(start),
                "to": iso_milli(end),
            },
        )

    def _response_time_stats(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        monitor = self.state.get_monitor(_monitor_id(match["id"]))
        start, end = self._window(request)
        value = monitor.response_time_ms
        points = int((end - start) // monitor.interval) if value is not None else 0
        body: dict[str, Any] = {
            "summary": {"min": value, "max": value, "avg": value},
            "data_points": points,
            "from": iso_milli(start),
            "to": iso_milli(end),
        }
        if (request.first("includeTimeSeries") or "").lower() == "true" and value is not None:
            body["time_series"] = [
                {"timestamp": iso_milli(start + i * monitor.interval), "value": value}
                for i in range(points)
            ]
        return json_response(200, body)

    def _me(self, _: ApiRequest, __: re.Match[str]) -> ApiResponse:
        return json_response(200, self.state.user_view())

    def _alert_contacts(self, _: ApiRequest, __: re.Match[str]) -> ApiResponse:
        return json_response(200, [c.view() for c in self.state.alert_contacts.values()])

    def _list_incidents(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        messages: list[str] = []
        cursor = request.first("cursor")
        if cursor is not None and not cursor.isdigit():
            messages.append("cursor must contain only digits")
        monitor_id = _number_param(request, "monitor_id", messages)
        bounds: dict[str, float] = {}
        for key in ("started_after", "started_before"):
            raw = request.first(key)
            if raw:
                try:
                    bounds[key] = parse_iso(raw)
                except ValueError:
                    messages.append(f"{key} must be a valid ISO 8601 date string")
        if messages:
            raise ValidationFailed(messages)
        name = (request.first("monitor_name") or "").lower()

        def wanted(incident: Incident) -> bool:
            return (
                (cursor is None or int(incident.id) < int(cursor))
                and (monitor_id is None or incident.monitor_id == monitor_id)
                and name in incident.monitor_name.lower()
                # Both bounds are inclusive, to the millisecond (observed live).
                and incident.started_at >= bounds.get("started_after", float("-inf"))
                and incident.started_at <= bounds.get("started_before", float("inf"))
            )

        ordered = sorted(self.state.incidents.values(), key=lambda i: int(i.id), reverse=True)
        matches = [i for i in ordered if wanted(i)]
        page = matches[:DEFAULT_PAGE_SIZE]
        next_link = None
        if len(matches) > DEFAULT_PAGE_SIZE:
            params = [(k, v) for k, vs in request.query.items() if k != "cursor" for v in vs]
            params.append(("cursor", page[-1].id))
            next_link = f"{request.base_url}/v3/incidents/?{urlencode(params)}"
        return json_response(
            200,
            {"data": [self.state.incident_summary(i) for i in page], "nextLink": next_link},
        )

    def _get_incident(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        incident = self.state.incidents.get(match["id"])
        if incident is None:
            raise not_found(f"Incident {match['id']} not found")
        return json_response(200, self.state.incident_detail(incident))
