"""The UptimeRobot monitor: its spec, the mapping to and from API v3, and the Pulumi resource.

The spec is the normalized desired state. `from_api` is the one normalizer: it turns the
monitor the API returns into a spec, undoing every read-back quirk that would otherwise
show as a perpetual diff (HTML-escaped names, tags as objects, alert contacts by id and
in any order, keywordCaseType as 0/1).

`to_api` writes each operation's body as its own schema says: the create schema
(`CreateKeywordMonitorDto`) takes `keywordCaseType` as the word `CaseSensitive` /
`CaseInsensitive`, the update schema (`UpdateMonitorDto`) as the number 0 / 1
(0 = case-sensitive, as UptimeRobot's Terraform provider reads it; docs/vendors/uptimerobot.md).
"""

from __future__ import annotations

import html
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlpp_monitoring.config import MonitorConfig
from mlpp_monitoring.dynamic import SpecProvider, SpecResource
from mlpp_monitoring.http import HttpPolicy
from mlpp_monitoring.object_kind import ObjectKind
from mlpp_monitoring.provider_host import ProviderError
from mlpp_monitoring.uptimerobot.api import Monitor, UptimeRobotApi
from mlpp_monitoring.uptimerobot.contacts import contact_states
from mlpp_monitoring.vendors import UPTIMEROBOT, ConfigLookup

KEYWORD_MISSING = "ALERT_NOT_EXISTS"
CASE_INSENSITIVE = "CaseInsensitive"
KEYWORD_CASE_NUMBERS = {"CaseSensitive": 0, "CaseInsensitive": 1}
"""keywordCaseType as the update schema and the read-back give it."""


class ContactSpec(BaseModel):
    """An alert contact of a monitor, by its value (e-mail, phone...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str
    threshold: int = 0
    recurrence: int = 0


class MonitorSpec(BaseModel):
    """The desired state of one UptimeRobot monitor, in the form it is compared in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Only types here: the stack config enforces the policy (plan limits, https...), and a
    # live monitor outside that policy must still read back, so that drift can be shown.
    friendly_name: str
    url: str
    type: str
    interval: int
    timeout: int
    http_method: str = "GET"
    success_http_codes: list[str] = Field(default_factory=lambda: ["2xx"])
    follow_redirections: bool = True
    check_ssl_errors: bool = True
    ssl_expiration_reminder: bool = False
    domain_expiration_reminder: bool = False
    keyword: str | None = None
    keyword_type: str | None = None
    """KEYWORD monitors: ALERT_EXISTS or ALERT_NOT_EXISTS (this project: alert when missing)."""
    keyword_case_type: str | None = None
    """KEYWORD monitors: CaseSensitive or CaseInsensitive (this project: case-insensitive)."""
    alert_contacts: list[ContactSpec]
    tags: list[str] = Field(default_factory=list)
    paused: bool = False

    @field_validator("success_http_codes", "tags")
    @classmethod
    def _as_set(cls, values: list[str]) -> list[str]:
        return sorted(set(values))

    @field_validator("alert_contacts")
    @classmethod
    def _contacts_as_set(cls, contacts: list[ContactSpec]) -> list[ContactSpec]:
        # The API returns contacts in no stable order: compare them as a set.
        return sorted(set(contacts), key=lambda c: (c.value, c.threshold, c.recurrence))

    @model_validator(mode="after")
    def _keyword_defaults(self) -> MonitorSpec:
        # A KEYWORD monitor declared without them alerts when the text is missing, in any
        # case (the stack config offers no other choice); state written before these fields
        # existed reads the same way.
        if self.type == "KEYWORD":
            if self.keyword_type is None:
                object.__setattr__(self, "keyword_type", KEYWORD_MISSING)
            if self.keyword_case_type is None:
                object.__setattr__(self, "keyword_case_type", CASE_INSENSITIVE)
        return self

    @classmethod
    def from_config(cls, monitor: MonitorConfig) -> MonitorSpec:
        """The spec a monitor of the stack config declares."""
        keyword = monitor.type == "KEYWORD"
        return cls(
            friendly_name=monitor.name,
            url=monitor.url,
            type=monitor.type,
            interval=monitor.interval,
            timeout=monitor.timeout,
            http_method=monitor.http_method,
            success_http_codes=list(monitor.success_http_codes),
            follow_redirections=monitor.follow_redirections,
            check_ssl_errors=monitor.check_ssl_errors,
            ssl_expiration_reminder=monitor.ssl_expiration_reminder,
            domain_expiration_reminder=monitor.domain_expiration_reminder,
            keyword=monitor.keyword,
            # Alert when the expected text is missing from the page, whatever its case.
            keyword_type=KEYWORD_MISSING if keyword else None,
            keyword_case_type=CASE_INSENSITIVE if keyword else None,
            alert_contacts=[
                ContactSpec(value=c.value, threshold=c.threshold, recurrence=c.recurrence)
                for c in monitor.alert_contacts
            ],
            tags=list(monitor.tags),
            paused=monitor.paused,
        )


def natural_key(monitor: Monitor) -> tuple[str, str]:
    """A live monitor's natural key: its exact name and URL (the API may answer both
    HTML-escaped). `find` (before a create), `discover` and `status` match monitors by it."""
    return (
        html.unescape(str(monitor.get("friendlyName"))),
        html.unescape(str(monitor.get("url"))),
    )


Operation = Literal["create", "update"]


def to_api(
    spec: MonitorSpec, contact_ids: dict[str, int], operation: Operation = "create"
) -> dict[str, Any]:
    """The request body of `operation` (POST or PATCH) for a spec; `contact_ids` maps
    value -> id."""
    body: dict[str, Any] = {
        "friendlyName": spec.friendly_name,
        "url": spec.url,
        "type": spec.type,
        "interval": spec.interval,
        "timeout": spec.timeout,
        "httpMethodType": spec.http_method,
        "successHttpResponseCodes": spec.success_http_codes,
        "followRedirections": spec.follow_redirections,
        "checkSSLErrors": spec.check_ssl_errors,
        "sslExpirationReminder": spec.ssl_expiration_reminder,
        "domainExpirationReminder": spec.domain_expiration_reminder,
        "tagNames": spec.tags,
        "assignedAlertContacts": [
            {
                "alertContactId": contact_ids[c.value],
                "threshold": c.threshold,
                "recurrence": c.recurrence,
            }
            for c in spec.alert_contacts
        ],
    }
    if spec.type == "KEYWORD":
        case = spec.keyword_case_type or CASE_INSENSITIVE
        body.update(
            keywordValue=spec.keyword,
            keywordType=spec.keyword_type or KEYWORD_MISSING,
            # The create schema takes the word, the update schema the number.
            keywordCaseType=case if operation == "create" else KEYWORD_CASE_NUMBERS[case],
        )
    return body


def _keyword_case(value: Any) -> str | None:
    """keywordCaseType read back (0/1, or a word): the word; None when absent."""
    if value is None or isinstance(value, bool):
        return None
    for word, number in KEYWORD_CASE_NUMBERS.items():
        if value in (word, number, str(number)):
            return word
    return str(value)


def from_api(monitor: Monitor, contact_values: dict[int, str]) -> MonitorSpec:
    """The spec of a live monitor; `contact_values` maps alert contact id -> value."""
    contacts = [
        ContactSpec(
            # A contact that is not the account's any more shows as its id, so drift is seen.
            value=contact_values.get(int(c["alertContactId"]), f"id:{int(c['alertContactId'])}"),
            threshold=int(c.get("threshold") or 0),
            recurrence=int(c.get("recurrence") or 0),
        )
        for c in monitor.get("assignedAlertContacts") or []
    ]
    tags = [t["name"] if isinstance(t, dict) else str(t) for t in monitor.get("tags") or []]
    monitor_type = str(monitor.get("type"))
    return MonitorSpec(
        friendly_name=html.unescape(str(monitor.get("friendlyName") or "")),
        url=html.unescape(str(monitor.get("url") or "")),
        type=monitor_type,
        interval=int(monitor.get("interval") or 0),
        timeout=int(monitor.get("timeout") or 0),
        http_method=str(monitor.get("httpMethodType") or "HEAD"),
        success_http_codes=list(monitor.get("successHttpResponseCodes") or ["2xx", "3xx"]),
        follow_redirections=bool(monitor.get("followRedirections")),
        check_ssl_errors=bool(monitor.get("checkSSLErrors")),
        ssl_expiration_reminder=bool(monitor.get("sslExpirationReminder")),
        domain_expiration_reminder=bool(monitor.get("domainExpirationReminder")),
        keyword=(monitor.get("keywordValue") or None) if monitor_type == "KEYWORD" else None,
        keyword_type=(monitor.get("keywordType") or None) if monitor_type == "KEYWORD" else None,
        keyword_case_type=(
            _keyword_case(monitor.get("keywordCaseType")) if monitor_type == "KEYWORD" else None
        ),
        alert_contacts=contacts,
        tags=[t.lower() for t in tags],
        paused=monitor.get("status") == "PAUSED",
    )


class MonitorKind(ObjectKind[MonitorSpec]):
    """UptimeRobot monitors through API v3."""

    label: ClassVar[str] = "UptimeRobot monitor"
    spec_model: ClassVar[type[BaseModel]] = MonitorSpec
    # UptimeRobot cannot change a monitor's type: a type change is delete + create.
    replace_on: ClassVar[frozenset[str]] = frozenset({"type"})

    def __init__(self, api: UptimeRobotApi) -> None:
        self.api = api

    def _contact_ids(self, spec: MonitorSpec) -> dict[str, int]:
        """The declared contacts' ids; raises naming a contact that is not the account's
        or that cannot page anyone (never confirmed, paused, not notified on DOWN)."""
        states = contact_states(self.api.alert_contacts())
        missing = [c.value for c in spec.alert_contacts if c.value not in states]
        if missing:
            known = ", ".join(sorted(states)) or "none"
            raise ProviderError(
                f"alert contact {', '.join(missing)} is not an alert contact of this "
                f"UptimeRobot account (it has: {known}); add it in UptimeRobot first "
                "or fix alert_contacts in the stack config",
                field="alert_contacts",
            )
        silent = [
            f"alert contact {c.value} cannot page anyone: {states[c.value].problem()}"
            for c in spec.alert_contacts
            if not states[c.value].can_page
        ]
        if silent:
            raise ProviderError(
                "; ".join(silent) + " (nothing was created or changed)", field="alert_contacts"
            )
        return {value: state.id for value, state in states.items()}

    def _spec_of(self, monitor: Monitor) -> MonitorSpec:
        values = {int(c["id"]): str(c.get("value")) for c in self.api.alert_contacts()}
        return from_api(monitor, values)

    def prepare(self, spec: MonitorSpec, old: MonitorSpec | None) -> None:
        """Resolve the alert contacts now, so a preview names one that is unknown or cannot
        page anyone: create and update refuse the same contacts (called only when the
        monitor will be written; one call per operation, the contacts are read once)."""
        self._contact_ids(spec)

    def create(self, spec: MonitorSpec) -> tuple[str, MonitorSpec]:
        """Create the monitor (then pause it if declared paused)."""
        created = self.api.create_monitor(to_api(spec, self._contact_ids(spec)))
        id_ = str(int(created["id"]))
        if spec.paused:
            self.api.set_paused(id_, True)
            created = {**created, "status": "PAUSED"}
        return id_, self._spec_of(created)

    def read(self, id_: str, last: MonitorSpec) -> MonitorSpec | None:
        """The live monitor's spec, None when deleted."""
        monitor = self.api.monitor(id_)
        return None if monitor is None else self._spec_of(monitor)

    def update(self, id_: str, spec: MonitorSpec) -> MonitorSpec:
        """PATCH every managed field, then pause or start to match."""
        updated = self.api.update_monitor(id_, to_api(spec, self._contact_ids(spec), "update"))
        live_paused = updated.get("status") == "PAUSED"
        if live_paused != spec.paused:
            self.api.set_paused(id_, spec.paused)
            updated = {**updated, "status": "PAUSED" if spec.paused else "NOT_CHECKED"}
        return self._spec_of(updated)

    def delete(self, id_: str, last: MonitorSpec) -> None:
        """Delete; a monitor already deleted is fine."""
        self.api.delete_monitor(id_)

    def find(self, spec: MonitorSpec, *, fresh: bool = False) -> list[str]:
        """Monitors with exactly this name and URL (the natural key)."""
        return [
            str(int(m["id"]))
            for m in self.api.monitors_like(url=spec.url, fresh=fresh)
            if natural_key(m) == (spec.friendly_name, spec.url)
        ]


class UptimeMonitorProvider(SpecProvider[MonitorSpec]):
    """Pulumi dynamic provider for UptimeRobot monitors."""

    kind_class = MonitorKind

    def build_kind(
        self, config: ConfigLookup | None, policy: HttpPolicy | None
    ) -> ObjectKind[MonitorSpec]:
        """A MonitorKind over an API client built from the stack config or environment."""
        return MonitorKind(UptimeRobotApi(UPTIMEROBOT.settings(config), policy))


class UptimeMonitor(SpecResource, module="uptimerobot", name="Monitor"):
    """An UptimeRobot monitor declared by this program (type `dynamic/uptimerobot:Monitor`)."""

    provider_class = UptimeMonitorProvider
