"""The Sentry alert: its spec, the mapping to and from a workflow, and the Pulumi resource.

A runbook rule becomes one workflow: WHEN (`triggers`, logic `any-short`) holds the
"new issue" and/or "more than N events in an interval" conditions, one IF group holds no
filter and the e-mail action (suggested assignees, falling through to all members), the
environment and the action interval (`config.frequency`) are workflow fields, and the
workflow is attached to the project's `issue_stream` detector.

`to_api` writes camelCase keys (`detectorIds`, `logicType`, `conditionResult`,
`actionFilters`, `integrationId`, `targetType`, `fallthroughType`...), as Sentry's own UI,
its API reference examples and the Terraform provider do: Sentry servers built before its
workflow validator took `detector_ids` (getsentry/sentry#111760, March 2026) read only
`detectorIds` from the raw body, and silently attach no detector otherwise
(docs/vendors/sentry.md).

`from_api` is the one normalizer. Sentry returns nested lists in random order, ids as
strings and keys in camelCase; it is also where anything added by hand in the web console
(another condition, a filter, an action, another detector) becomes a visible spec field.
"""

from __future__ import annotations

import json
import threading
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mlpp_monitoring.config import AlertConfig, SentryConfig
from mlpp_monitoring.dynamic import SpecProvider, SpecResource
from mlpp_monitoring.http import HttpPolicy, InvalidRequest, NotFound
from mlpp_monitoring.object_kind import ObjectKind
from mlpp_monitoring.provider_host import ProviderError
from mlpp_monitoring.sentry.api import SentryApi, Workflow
from mlpp_monitoring.vendors import SENTRY, ConfigLookup, VendorSettings

NEW_ISSUE = "first_seen_event"
EVENT_COUNT = "event_frequency_count"
ISSUE_STREAM = "issue_stream"


class ActionSpec(BaseModel):
    """One notification action of an alert."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = "email"
    target_type: str = "issue_owners"
    target_identifier: str | None = None
    fallthrough: str | None = "AllMembers"


class AlertSpec(BaseModel):
    """The desired state of one Sentry alert (workflow), in the form it is compared in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    organization: str
    project: str
    environment: str | None
    frequency_minutes: int
    enabled: bool = True
    on_new_issue: bool = False
    event_threshold: int | None = None
    event_interval: str | None = None
    trigger_logic: str = "any-short"
    detectors: list[str] = Field(default_factory=lambda: [ISSUE_STREAM])
    actions: list[ActionSpec] = Field(default_factory=lambda: [ActionSpec()])
    other_triggers: list[str] = Field(default_factory=list)
    filters: list[str] = Field(default_factory=list)

    @field_validator("detectors", "other_triggers", "filters")
    @classmethod
    def _as_set(cls, values: list[str]) -> list[str]:
        return sorted(values)

    @field_validator("actions")
    @classmethod
    def _actions_as_set(cls, actions: list[ActionSpec]) -> list[ActionSpec]:
        return sorted(actions, key=lambda a: a.model_dump_json())

    @classmethod
    def from_config(cls, sentry: SentryConfig, alert: AlertConfig) -> AlertSpec:
        """The spec an alert of the stack config declares."""
        return cls(
            name=alert.name,
            organization=sentry.organization,
            project=sentry.project,
            environment=alert.environment,
            frequency_minutes=alert.frequency_minutes,
            enabled=alert.enabled,
            on_new_issue=alert.on_new_issue,
            event_threshold=alert.event_threshold,
            event_interval=alert.event_interval if alert.event_threshold is not None else None,
            actions=[
                ActionSpec(target_type=alert.notify.target, fallthrough=alert.notify.fallthrough)
            ],
        )


def natural_key(workflow: Workflow, issue_stream: int) -> str | None:
    """A live workflow's natural key: its exact name, when it is attached to the project's
    issue-stream detector (`issue_stream`, its id); None when it is not (no alert of ours
    can be it). `find` (before a create) and `discover` match alerts by it."""
    if str(issue_stream) not in [str(d) for d in workflow.get("detectorIds") or []]:
        return None
    return str(workflow.get("name"))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _trigger_conditions(spec: AlertSpec) -> list[dict[str, Any]]:
    conditions: list[dict[str, Any]] = []
    if spec.on_new_issue:
        conditions.append({"type": NEW_ISSUE, "comparison": True, "conditionResult": True})
    if spec.event_threshold is not None:
        conditions.append(
            {
                "type": EVENT_COUNT,
                "comparison": {"value": spec.event_threshold, "interval": spec.event_interval},
                "conditionResult": True,
            }
        )
    return conditions


def _action_body(action: ActionSpec) -> dict[str, Any]:
    return {
        "type": action.type,
        "integrationId": None,  # must be null for e-mail actions
        "data": {"fallthroughType": action.fallthrough} if action.fallthrough else {},
        "config": {
            "targetType": action.target_type,
            "targetIdentifier": action.target_identifier,
            "targetDisplay": None,
        },
    }


def _with_id(item: dict[str, Any], live: dict[str, Any] | None) -> dict[str, Any]:
    # PUT matches nested items by id: echoing the live ids keeps them stable instead of
    # deleting and re-creating every condition and action on each update.
    return {"id": int(live["id"]), **item} if live and live.get("id") is not None else item


def to_api(spec: AlertSpec, detector_id: int, live: Workflow | None = None) -> dict[str, Any]:
    """The request body (POST, or PUT with `live` ids echoed) for a spec, in camelCase."""
    live_triggers: dict[str, Any] = (live or {}).get("triggers") or {}
    live_conditions = {c.get("type"): c for c in live_triggers.get("conditions") or []}
    live_groups: list[dict[str, Any]] = (live or {}).get("actionFilters") or []
    live_group = live_groups[0] if live_groups else None
    live_actions = list((live_group or {}).get("actions") or [])
    actions = [
        _with_id(_action_body(a), live_actions[i] if i < len(live_actions) else None)
        for i, a in enumerate(spec.actions)
    ]
    return {
        "name": spec.name,
        "enabled": spec.enabled,
        "environment": spec.environment,
        "config": {"frequency": spec.frequency_minutes},
        "detectorIds": [detector_id],
        "triggers": _with_id(
            {
                "logicType": spec.trigger_logic,
                "conditions": [
                    _with_id(c, live_conditions.get(c["type"])) for c in _trigger_conditions(spec)
                ],
            },
            live_triggers or None,
        ),
        "actionFilters": [
            _with_id({"logicType": "all", "conditions": [], "actions": actions}, live_group)
        ],
    }


def from_api(
    workflow: Workflow, spec_scope: tuple[str, str], detector_types: dict[int, str]
) -> AlertSpec:
    """The spec of a live workflow. `spec_scope` is (organization, project)."""
    triggers = workflow.get("triggers") or {}
    on_new_issue, threshold, interval, other = False, None, None, []
    for condition in triggers.get("conditions") or []:
        kind, comparison = condition.get("type"), condition.get("comparison")
        result = condition.get("conditionResult", condition.get("condition_result"))
        if kind == NEW_ISSUE and comparison is True and result is True and not on_new_issue:
            on_new_issue = True
        elif (
            kind == EVENT_COUNT
            and isinstance(comparison, dict)
            and result is True
            and threshold is None
        ):
            threshold, interval = int(comparison.get("value", 0)), comparison.get("interval")
        else:
            other.append(_canonical({"type": kind, "comparison": comparison, "result": result}))
    filters: list[str] = []
    actions: list[ActionSpec] = []
    for group in workflow.get("actionFilters") or []:
        for condition in group.get("conditions") or []:
            filters.append(
                _canonical(
                    {
                        "logic": group.get("logicType"),
                        "type": condition.get("type"),
                        "comparison": condition.get("comparison"),
                    }
                )
            )
        for action in group.get("actions") or []:
            data, config = action.get("data") or {}, action.get("config") or {}
            actions.append(
                ActionSpec(
                    type=str(action.get("type")),
                    target_type=str(config.get("targetType")),
                    # Sentry may return "" or null for an unset identifier: same thing.
                    target_identifier=config.get("targetIdentifier") or None,
                    fallthrough=data.get("fallthroughType") or None,
                )
            )
    frequency = (workflow.get("config") or {}).get("frequency")
    logic = str(triggers.get("logicType") or "any-short")
    return AlertSpec(
        name=str(workflow.get("name")),
        organization=spec_scope[0],
        project=spec_scope[1],
        environment=workflow.get("environment") or None,
        frequency_minutes=int(frequency) if frequency is not None else -1,
        enabled=bool(workflow.get("enabled")),
        on_new_issue=on_new_issue,
        event_threshold=threshold,
        event_interval=interval,
        trigger_logic=logic,
        detectors=[
            detector_types.get(int(d), f"id:{int(d)}") for d in workflow.get("detectorIds") or []
        ],
        actions=actions,
        other_triggers=other,
        filters=filters,
    )


class AlertKind(ObjectKind[AlertSpec]):
    """Sentry alerts through the workflow API."""

    label: ClassVar[str] = "Sentry alert"
    spec_model: ClassVar[type[BaseModel]] = AlertSpec
    # A workflow belongs to one organization: moving it means a new one.
    replace_on: ClassVar[frozenset[str]] = frozenset({"organization"})

    def __init__(self, settings: VendorSettings, policy: HttpPolicy | None = None) -> None:
        self._settings, self._policy = settings, policy
        self._apis: dict[tuple[str, str], SentryApi] = {}
        self._lock = threading.Lock()

    def _api(self, spec: AlertSpec) -> SentryApi:
        # One client per (organization, project), so its lookups are shared by all alerts.
        with self._lock:
            scope = self._scope(spec)
            if scope not in self._apis:
                self._apis[scope] = SentryApi(self._settings, *scope, policy=self._policy)
            return self._apis[scope]

    @staticmethod
    def _project_missing(spec: AlertSpec, exc: NotFound) -> ProviderError:
        # A ProviderError, not NotFound: a missing project must not read as "alert deleted"
        # (update) nor as an ambiguous create answer (create would look it up and retry).
        return ProviderError(
            f"Sentry project {spec.organization}/{spec.project} or its issue-stream detector "
            f"was not found ({exc}): check sentry.organization and sentry.project in the "
            "stack config, and that the token can see that project",
            field="project",
        )

    def _issue_stream(self, api: SentryApi, spec: AlertSpec) -> int:
        try:
            return api.issue_stream_detector()
        except NotFound as exc:
            raise self._project_missing(spec, exc) from None

    def _detector_types(self, api: SentryApi, spec: AlertSpec) -> dict[int, str]:
        try:
            return {int(d["id"]): str(d.get("type")) for d in api.detectors()}
        except NotFound as exc:
            raise self._project_missing(spec, exc) from None

    def _check_environment(self, api: SentryApi, spec: AlertSpec) -> None:
        if spec.environment and spec.environment not in api.environments():
            raise ProviderError(
                f"Sentry environment {spec.environment!r} does not exist yet in organization "
                f"{spec.organization!r}: Sentry creates it with the first event the app sends "
                f"with APP_ENV={spec.environment} (--dart-define). Send one event from that "
                "build (or fix the environment name: it is case-sensitive), then run again.",
                field="environment",
            )

    def prepare(self, spec: AlertSpec, old: AlertSpec | None) -> None:
        """Name a missing environment or project during preview, not as a bare 400 later."""
        if old is None or old.environment != spec.environment or old.project != spec.project:
            api = self._api(spec)
            self._issue_stream(api, spec)
            self._check_environment(api, spec)

    def _scope(self, spec: AlertSpec) -> tuple[str, str]:
        return spec.organization, spec.project

    def create(self, spec: AlertSpec) -> tuple[str, AlertSpec]:
        """POST the workflow attached to the project's issue-stream detector."""
        api = self._api(spec)
        try:
            created = api.create_workflow(to_api(spec, self._issue_stream(api, spec)))
        except InvalidRequest as exc:
            if "environment" in str(exc.body):
                self._check_environment(api, spec)
            raise
        types = self._detector_types(api, spec)
        return str(created["id"]), from_api(created, self._scope(spec), types)

    def read(self, id_: str, last: AlertSpec) -> AlertSpec | None:
        """The live workflow's spec, None when deleted."""
        api = self._api(last)
        try:
            workflow = api.workflow(id_)
        except NotFound as exc:  # the project's workflow list: the project is missing
            raise self._project_missing(last, exc) from None
        if workflow is None:
            return None
        return from_api(workflow, self._scope(last), self._detector_types(api, last))

    def update(self, id_: str, spec: AlertSpec) -> AlertSpec:
        """PUT the full workflow, echoing the live nested ids."""
        api = self._api(spec)
        live = api.get_workflow(id_)
        if live is None:
            raise NotFound(f"Sentry workflow {id_} not found")
        detector = self._issue_stream(api, spec)
        updated = api.update_workflow(id_, to_api(spec, detector, live))
        return from_api(updated, self._scope(spec), self._detector_types(api, spec))

    def delete(self, id_: str, last: AlertSpec) -> None:
        """Delete; a workflow already deleted is fine."""
        self._api(last).delete_workflow(id_)

    def find(self, spec: AlertSpec, *, fresh: bool = False) -> list[str]:
        """Workflows of the project with exactly this name (the natural key)."""
        api = self._api(spec)
        detector = self._issue_stream(api, spec)
        return [
            str(w["id"])
            for w in api.workflows_named(spec.name, fresh=fresh)
            if natural_key(w, detector) == spec.name
        ]


class ErrorAlertProvider(SpecProvider[AlertSpec]):
    """Pulumi dynamic provider for Sentry alerts (workflows)."""

    kind_class = AlertKind

    def build_kind(
        self, config: ConfigLookup | None, policy: HttpPolicy | None
    ) -> ObjectKind[AlertSpec]:
        """An AlertKind whose clients use the stack config's or environment's token."""
        return AlertKind(SENTRY.settings(config), policy)


class ErrorAlert(SpecResource, module="sentry", name="Alert"):
    """A Sentry alert (workflow) declared by this program (type `dynamic/sentry:Alert`)."""

    provider_class = ErrorAlertProvider
