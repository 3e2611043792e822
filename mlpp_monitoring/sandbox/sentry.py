"""Sentry API emulator: projects, detectors, environments, workflows (alerts), issues.

Follows ``specs/sentry-openapi-subset.json`` and the facts in
``docs/vendors/sentry.md`` (each with its source in Sentry's code):

- 201 for POST, 200 for GET and PUT, 204 with an empty body for DELETE; 404
  ``{"detail":"The requested resource does not exist"}``; 401
  ``{"detail":"Invalid token"}`` (``Authentication credentials were not
  provided.`` without a header); every answer carries
  ``X-Sentry-Rate-Limit-*`` headers.
- Paths end with ``/``; without it the answer is a 301 to the slashed URL,
  as Django's APPEND_SLASH does [inferred]; a wrong method is 405. The
  organisation is addressed by slug or id.
- Ids are strings in responses; integers or digit strings are accepted in
  requests. Timestamps are ISO-8601 with microseconds and ``Z``.
- Request keys may be camelCase or snake_case (both forms of one key is a
  400); nested keys read back camelCased. With ``key_case="camel-only"`` the
  sandbox is an older server (built before getsentry/sentry#111760, March
  2026): the keys such a server read from the raw request body
  (``RAW_BODY_KEYS``: ``detectorIds`` on POST and PUT) are read in camelCase
  only, and their snake_case form is silently ignored, as it was: a POST with
  ``detector_ids`` makes a workflow attached to no detector.
- PUT is an id-matched upsert of nested groups, conditions and actions, with
  ``enabled`` defaulting to true and the three-way ``detectorIds`` rule;
  failures leave the workflow untouched.
- DELETE is a soft delete: GET, PUT and DELETE then answer 404 and lists omit
  the workflow.
- Lists page with ``per_page`` (issues: ``limit``; default and maximum 100;
  more is a 400 [inferred]) and ``cursor`` (``0:<offset>:<is_prev>``), and
  always send ``Link`` and ``X-Hits``. Conditions, actions, filter groups and
  ``detectorIds`` come back in a random (seeded) order.
- A ``project=`` filter naming an unknown project answers 403, as Sentry does
  for projects the token cannot see.
- The legacy ``/projects/{org}/{project}/rules/`` API answers 410 with the
  deprecation headers, as Sentry's brownouts do.

Marked [inferred] above and in ``sentry_validation``: behaviour no source
showed, chosen to be strict rather than lenient.

Deviations from the spec, and why (the live API is what the emulator follows):

- ``comparison`` of frequency conditions is an object (the spec types it
  boolean|integer); see ``docs/vendors/sentry.md``.
- Ids in request bodies may be digit strings (``"9001"``) although the spec
  types ``detectorIds`` and ``triggers.id`` as integers: DRF's IntegerField
  accepts both. A client echoing a GET into a PUT should still send ints.
- Organisation issues carry ``inbox``, ``owners``, ``integrationIssues``,
  ``sentryAppIssues``, ``latestEventHasAttachments`` and ``sessionCount`` only
  when ``expand=`` asks for them, as Sentry's serializer does, although the
  spec lists them as required.
"""

from __future__ import annotations

import copy
import itertools
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

from .sentry_validation import (
    UNSET,
    ActionInput,
    ConditionInput,
    GroupInput,
    SentryValidationError,
    WorkflowInput,
    camel_to_snake,
    parse_workflow,
    to_camel_keys,
    to_snake_keys,
)
from .wire import (
    ApiRequest,
    ApiResponse,
    BodyError,
    Handler,
    HttpError,
    JsonValue,
    Router,
    empty_response,
    iso_micro,
    json_response,
)

NOT_FOUND = {"detail": "The requested resource does not exist"}
KEY_CASES = ("both", "camel-only")
"""How request keys are read: both cases (current Sentry), or camelCase only for
`RAW_BODY_KEYS` (Sentry before getsentry/sentry#111760)."""
RAW_BODY_KEYS = ("detectorIds",)
"""Keys the workflow endpoints read from the raw request body, not through the validator's
key-case conversion, until getsentry/sentry#111760 moved them into `WorkflowValidator`."""
MAX_PER_PAGE = 100
DEPRECATED_RULES_DATE = "2026-05-14T00:00:00+00:00"
ISSUE_EXPANDS = (
    "inbox",
    "owners",
    "integrationIssues",
    "sentryAppIssues",
    "latestEventHasAttachments",
    "sessions",
)
ISSUE_SUBSTATUSES = (
    "archived_until_escalating",
    "archived_until_condition_met",
    "archived_forever",
    "escalating",
    "ongoing",
    "regressed",
    "new",
    None,
)
"""The substatuses the spec allows on an issue."""
_STATS_PERIOD = re.compile(r"(\d+)([smhdw])")
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

T = TypeVar("T")


class _Identified(Protocol):
    id: int


Item = TypeVar("Item", bound=_Identified)


def not_found() -> HttpError:
    """Sentry's 404."""
    return HttpError(json_response(404, dict(NOT_FOUND)))


def bad_request(detail: JsonValue) -> HttpError:
    """A 400 with a DRF error body."""
    return HttpError(json_response(400, detail))


@dataclass
class Organization:
    """The organisation every request addresses."""

    id: int
    slug: str
    name: str
    date_created: float


@dataclass
class Project:
    """A project of the organisation."""

    id: int
    slug: str
    name: str
    date_created: float
    platform: str | None = "javascript"


@dataclass
class Environment:
    """An organisation environment (created when events arrive, in real life)."""

    id: int
    name: str
    is_hidden: bool = False


@dataclass
class Detector:
    """A monitor (detector) of a project; two are seeded per project."""

    id: int
    project_id: int
    name: str
    type: str
    date_created: float


@dataclass
class Condition:
    """A stored data condition."""

    id: int
    type: str
    comparison: Any
    condition_result: Any


@dataclass
class Action:
    """A stored action (data/config keys in snake_case, as Sentry stores them)."""

    id: int
    type: str
    integration_id: int | None
    data: dict[str, Any]
    config: dict[str, Any]
    status: str = "active"


@dataclass
class ConditionGroup:
    """A data condition group: the triggers, or one action filter."""

    id: int
    logic_type: str
    conditions: list[Condition] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


@dataclass
class Workflow:
    """A stored workflow (an alert)."""

    id: int
    name: str
    date_created: float
    date_updated: float
    triggers: ConditionGroup
    action_filters: list[ConditionGroup]
    environment: str | None
    config: dict[str, Any]
    detector_ids: list[int]
    enabled: bool = True
    created_by: str | None = None
    status: str = "active"
    """``active`` or ``pending_deletion`` (soft-deleted)."""
    last_triggered: float | None = None
    """When the alert last fired (server-set; scenarios set it with ``trigger_workflow``)."""


@dataclass
class Issue:
    """A seeded issue (group)."""

    id: int
    project_id: int
    short_id: str
    title: str
    culprit: str
    level: str
    status: str
    environments: tuple[str, ...]
    count: int
    user_count: int
    first_seen: float
    last_seen: float
    metadata: dict[str, Any]
    type: str = "error"
    substatus: str | None = "new"
    priority: str | None = "high"


class SentryState:
    """Everything the emulated Sentry organisation holds, plus scenario helpers.

    Not thread-safe by itself: the sandbox serialises access with one lock.
    """

    def __init__(
        self,
        *,
        org_slug: str,
        project_slug: str,
        environments: Iterable[str],
        clock: Callable[[], float],
        seed: int = 0,
        key_case: str = "both",
    ) -> None:
        if key_case not in KEY_CASES:
            raise ValueError(f"unknown key case {key_case!r}: one of {', '.join(KEY_CASES)}")
        self.key_case = key_case
        self._org_slug = org_slug
        self._project_slug = project_slug
        self._seed_environments = tuple(environments)
        self._clock = clock
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget everything and seed the organisation afresh."""
        self.rng = random.Random(self._seed)
        self._last_stamp = 0.0
        self._project_ids = itertools.count(4_501)
        self._environment_ids = itertools.count(21)
        self._detector_ids = itertools.count(9_001)
        self._workflow_ids = itertools.count(7_001)
        # Groups, conditions and actions share one id space, so an id of one
        # kind sent where another is expected never matches by accident.
        self._nested_ids = itertools.count(50_001)
        self._issue_ids = itertools.count(6_000_000_001)
        self.user_id = "1000001"
        self.organization = Organization(
            id=1_000_101, slug=self._org_slug, name=self._org_slug.upper(), date_created=self.now()
        )
        self.projects: dict[int, Project] = {}
        self.environments: dict[str, Environment] = {}
        self.detectors: dict[int, Detector] = {}
        self.workflows: dict[int, Workflow] = {}
        self.issues: dict[int, Issue] = {}
        self.add_project(self._project_slug)
        for name in self._seed_environments:
            self.add_environment(name)

    def now(self) -> float:
        """The sandbox clock."""
        return self._clock()

    def stamp(self) -> float:
        """A timestamp strictly after the previous one, so dateUpdated always moves."""
        moment = max(self.now(), self._last_stamp + 1e-6)
        self._last_stamp = moment
        return moment

    # -- scenario helpers -------------------------------------------------

    def add_project(self, slug: str, *, name: str | None = None) -> Project:
        """Add a project with its two default detectors (issue stream, error)."""
        project = Project(
            id=next(self._project_ids), slug=slug, name=name or slug, date_created=self.now()
        )
        self.projects[project.id] = project
        for detector_type, detector_name in (
            ("issue_stream", "Issue Stream"),
            ("error", "Error Monitor"),
        ):
            detector = Detector(
                id=next(self._detector_ids),
                project_id=project.id,
                name=detector_name,
                type=detector_type,
                date_created=self.now(),
            )
            self.detectors[detector.id] = detector
        return project

    def add_environment(self, name: str, *, hidden: bool = False) -> Environment:
        """Create an organisation environment (idempotent)."""
        existing = self.environments.get(name)
        if existing is not None:
            return existing
        environment = Environment(id=next(self._environment_ids), name=name, is_hidden=hidden)
        self.environments[name] = environment
        return environment

    def remove_environment(self, name: str) -> None:
        """Delete an environment (for tests of the "not created" error)."""
        self.environments.pop(name, None)

    def add_issue(
        self,
        title: str,
        *,
        project: str | None = None,
        environment: str | Iterable[str] = "production",
        level: str = "error",
        status: str = "unresolved",
        count: int = 1,
        user_count: int = 1,
        first_seen: float | None = None,
        last_seen: float | None = None,
        culprit: str = "",
        metadata: dict[str, Any] | None = None,
        substatus: str | None = "new",
    ) -> Issue:
        """Seed an issue in a project (default: the configured project).

        ``substatus`` is Sentry's: ``escalating`` is how Sentry marks an issue whose
        events spike above its forecast, ``regressed`` one that came back after a fix.
        """
        if substatus not in ISSUE_SUBSTATUSES:
            raise ValueError(f"substatus must be one of {ISSUE_SUBSTATUSES}")
        target = self.project(project or self._project_slug)
        envs = (environment,) if isinstance(environment, str) else tuple(environment)
        for name in envs:
            self.add_environment(name)
        first = self.now() if first_seen is None else first_seen
        last = first if last_seen is None else last_seen
        number = sum(1 for i in self.issues.values() if i.project_id == target.id) + 1
        issue = Issue(
            id=next(self._issue_ids),
            project_id=target.id,
            short_id=f"{target.slug.upper()}-{number:X}",
            title=title,
            culprit=culprit,
            level=level,
            status=status,
            environments=envs,
            count=count,
            user_count=user_count,
            first_seen=first,
            last_seen=last,
            metadata=metadata if metadata is not None else {"title": title},
            substatus=substatus,
        )
        self.issues[issue.id] = issue
        return issue

    def trigger_workflow(self, raw_id: str | int, *, at: float | None = None) -> Workflow:
        """Record that an alert fired (``lastTriggered``), as Sentry does when it notifies."""
        workflow = self.live_workflow(str(raw_id))
        workflow.last_triggered = self.now() if at is None else at
        return workflow

    # -- lookups ------------------------------------------------------------

    def check_org(self, id_or_slug: str) -> Organization:
        """The organisation if the path names it (slug or id), else 404."""
        org = self.organization
        if id_or_slug not in (org.slug, str(org.id)):
            raise not_found()
        return org

    def project(self, id_or_slug: str) -> Project:
        """A project by slug or id, else 404."""
        for project in self.projects.values():
            if id_or_slug in (project.slug, str(project.id)):
                return project
        raise not_found()

    def live_workflow(self, raw_id: str) -> Workflow:
        """A workflow not pending deletion, else 404 (non-integer ids too)."""
        if not raw_id.isdigit():
            raise not_found()
        workflow = self.workflows.get(int(raw_id))
        if workflow is None or workflow.status != "active":
            raise not_found()
        return workflow

    def issue_stream_detector(self, project_slug: str | None = None) -> Detector:
        """The issue-stream detector of a project (default: the configured one)."""
        project = self.project(project_slug or self._project_slug)
        return next(
            d
            for d in self.detectors.values()
            if d.project_id == project.id and d.type == "issue_stream"
        )

    # -- workflows ----------------------------------------------------------

    def create_workflow(self, body: JsonValue) -> Workflow:
        """Validate a POST body (any key case) and store the workflow."""
        data = self._parse(body)
        if data.config is UNSET or data.triggers is UNSET:
            missing = "config" if data.config is UNSET else "triggers"
            raise bad_request({missing: ["This field is required."]})
        detector_ids = [] if data.detector_ids is UNSET else data.detector_ids
        self._check_detectors(detector_ids)
        # Ids inside a create body name nothing yet: they are ignored.
        triggers = self._new_group(data.triggers)
        filters = [] if data.action_filters is UNSET else data.action_filters
        now = self.stamp()
        workflow = Workflow(
            id=next(self._workflow_ids),
            name=data.name,
            date_created=now,
            date_updated=now,
            triggers=triggers,
            action_filters=[self._new_group(group) for group in filters],
            environment=None if data.environment is UNSET else data.environment,
            config=data.config,
            detector_ids=detector_ids,
            enabled=data.enabled,
            created_by=self.user_id,
        )
        self.workflows[workflow.id] = workflow
        return workflow

    def update_workflow(self, raw_id: str, body: JsonValue) -> Workflow:
        """Apply a PUT body: id-matched upsert, atomic (a failure changes nothing)."""
        current = self.live_workflow(raw_id)
        data = self._parse(body)
        draft = copy.deepcopy(current)
        draft.name = data.name
        draft.enabled = data.enabled
        if data.config is not UNSET:
            draft.config = data.config
        if data.environment is not UNSET:
            draft.environment = data.environment
        if data.detector_ids is not UNSET:
            self._check_detectors(data.detector_ids)
            draft.detector_ids = data.detector_ids
        if data.triggers is not UNSET:
            draft.triggers = self._upsert_group([current.triggers], data.triggers)
        if data.action_filters is not UNSET:
            draft.action_filters = [
                self._upsert_group(current.action_filters, group) for group in data.action_filters
            ]
        draft.date_updated = self.stamp()
        self.workflows[draft.id] = draft
        return draft

    def delete_workflow(self, raw_id: str) -> None:
        """Soft delete: pending deletion, invisible from then on."""
        workflow = self.live_workflow(raw_id)
        workflow.status = "pending_deletion"

    def _as_read(self, body: JsonValue) -> JsonValue:
        """The body as this server version reads it: an older one (camel-only) never sees
        the snake_case form of a key it read from the raw body (unless both forms were
        sent: the key-case conversion then refuses the collision, as ever)."""
        if self.key_case != "camel-only" or not isinstance(body, dict):
            return body
        ignored = {camel_to_snake(key) for key in RAW_BODY_KEYS if key not in body}
        return {key: value for key, value in body.items() if key not in ignored}

    def _parse(self, body: JsonValue) -> WorkflowInput:
        try:
            return parse_workflow(
                to_snake_keys(self._as_read(body)),
                environment_exists=lambda name: name in self.environments,
            )
        except SentryValidationError as error:
            raise bad_request(error.detail) from error

    def _check_detectors(self, detector_ids: list[int]) -> None:
        missing = sorted(i for i in detector_ids if i not in self.detectors)
        if missing:
            listed = ", ".join(str(i) for i in missing)
            raise bad_request([f"Some detectors do not exist: {{{listed}}}"])

    def _new_group(self, group: GroupInput) -> ConditionGroup:
        return ConditionGroup(
            id=next(self._nested_ids),
            logic_type=group.logic_type,
            conditions=[self._new_condition(c) for c in group.conditions],
            actions=[self._new_action(a) for a in group.actions],
        )

    def _new_condition(self, condition: ConditionInput) -> Condition:
        return Condition(
            next(self._nested_ids),
            condition.type,
            condition.comparison,
            condition.condition_result,
        )

    def _new_action(self, action: ActionInput) -> Action:
        return Action(
            next(self._nested_ids),
            action.type,
            action.integration_id,
            action.data,
            action.config,
        )

    def _upsert_group(self, existing: list[ConditionGroup], group: GroupInput) -> ConditionGroup:
        if group.id is None:
            return self._new_group(group)
        stored = next((g for g in existing if g.id == group.id), None)
        if stored is None:
            raise bad_request(
                [f"Data condition group with id {group.id} does not belong to this workflow"]
            )
        return ConditionGroup(
            id=stored.id,
            logic_type=group.logic_type,
            conditions=self._upsert_items(
                stored.conditions, group.conditions, self._new_condition, self._merge_condition
            ),
            actions=self._upsert_items(
                stored.actions, group.actions, self._new_action, self._merge_action
            ),
        )

    @staticmethod
    def _merge_condition(stored: Condition, given: ConditionInput) -> Condition:
        return Condition(stored.id, given.type, given.comparison, given.condition_result)

    @staticmethod
    def _merge_action(stored: Action, given: ActionInput) -> Action:
        return Action(stored.id, given.type, given.integration_id, given.data, given.config)

    @staticmethod
    def _upsert_items(
        stored: list[Item],
        given: list[Any],
        create: Callable[[Any], Item],
        merge: Callable[[Item, Any], Item],
    ) -> list[Item]:
        # Items with an id update the stored item, items without one are
        # created, stored items absent from the request are deleted.
        by_id = {item.id: item for item in stored}
        result: list[Item] = []
        for item in given:
            if item.id is None:
                result.append(create(item))
            elif item.id in by_id:
                result.append(merge(by_id[item.id], item))
            else:
                kind = "Condition" if isinstance(item, ConditionInput) else "Action"
                raise bad_request([f"{kind} with id {item.id} does not belong to this workflow"])
        return result

    # -- views --------------------------------------------------------------

    def _shuffled(self, items: list[T], shuffle: bool) -> list[T]:
        items = list(items)
        if shuffle:
            self.rng.shuffle(items)
        return items

    def _group_view(self, group: ConditionGroup, shuffle: bool) -> dict[str, Any]:
        return {
            "id": str(group.id),
            "organizationId": str(self.organization.id),
            "logicType": group.logic_type,
            "conditions": [
                {
                    "id": str(c.id),
                    "type": c.type,
                    "comparison": to_camel_keys(c.comparison),
                    "conditionResult": c.condition_result,
                }
                for c in self._shuffled(group.conditions, shuffle)
            ],
            "actions": [
                {
                    "id": str(a.id),
                    "type": a.type,
                    "integrationId": None if a.integration_id is None else str(a.integration_id),
                    "data": to_camel_keys(a.data),
                    "config": to_camel_keys(a.config),
                    "status": a.status,
                }
                for a in self._shuffled(group.actions, shuffle)
            ],
        }

    def workflow_view(self, workflow: Workflow, *, shuffle: bool = True) -> dict[str, Any]:
        """The workflow as GET answers it (nested order random unless shuffle=False)."""
        return {
            "id": str(workflow.id),
            "name": workflow.name,
            "organizationId": str(self.organization.id),
            "createdBy": workflow.created_by,
            "dateCreated": iso_micro(workflow.date_created),
            "dateUpdated": iso_micro(workflow.date_updated),
            "triggers": self._group_view(workflow.triggers, shuffle),
            "actionFilters": [
                self._group_view(g, shuffle)
                for g in self._shuffled(workflow.action_filters, shuffle)
            ],
            "environment": workflow.environment,
            "config": dict(workflow.config),
            "detectorIds": [str(i) for i in self._shuffled(workflow.detector_ids, shuffle)],
            "enabled": workflow.enabled,
            "lastTriggered": (
                None if workflow.last_triggered is None else iso_micro(workflow.last_triggered)
            ),
            "owner": None,
        }

    def detector_view(self, detector: Detector) -> dict[str, Any]:
        """A detector as the detectors endpoints answer it."""
        workflow_ids = [
            str(w.id)
            for w in self.workflows.values()
            if w.status == "active" and detector.id in w.detector_ids
        ]
        return {
            "id": str(detector.id),
            "projectId": str(detector.project_id),
            "name": detector.name,
            "description": None,
            "type": detector.type,
            "workflowIds": workflow_ids,
            "owner": None,
            "createdBy": None,
            "dateCreated": iso_micro(detector.date_created),
            "dateUpdated": iso_micro(detector.date_created),
            "dataSources": None,
            "conditionGroup": None,
            "config": {},
            "enabled": True,
            "latestGroup": None,
        }

    def project_view(self, project: Project) -> dict[str, Any]:
        """GET /projects/{org}/{project}/ (every field the spec requires)."""
        org = self.organization
        flags = (
            "hasAccess",
            "hasFeedbacks",
            "hasFlags",
            "hasMinifiedStackTrace",
            "hasMonitors",
            "hasNewFeedbacks",
            "hasProfiles",
            "hasReplays",
            "hasSessions",
            "hasInsightsHttp",
            "hasInsightsDb",
            "hasInsightsAssets",
            "hasInsightsAppStart",
            "hasInsightsScreenLoad",
            "hasInsightsVitals",
            "hasInsightsCaches",
            "hasInsightsQueues",
            "hasInsightsAgentMonitoring",
            "hasInsightsMCP",
            "hasLogs",
            "hasTraceMetrics",
        )
        view: dict[str, Any] = {flag: flag == "hasAccess" for flag in flags}
        view.update(
            {
                "id": str(project.id),
                "slug": project.slug,
                "name": project.name,
                "platform": project.platform,
                "dateCreated": iso_micro(project.date_created),
                "isBookmarked": False,
                "isMember": True,
                "features": [],
                "firstEvent": None,
                "firstTransactionEvent": False,
                "access": ["project:read", "alerts:read", "alerts:write", "org:read"],
                "isInternal": False,
                "isPublic": False,
                "avatar": {"avatarType": "letter_avatar", "avatarUuid": None, "avatarUrl": None},
                "color": "#3f70bf",
                "status": "active",
                "team": {"id": "1", "name": "Ops", "slug": "ops"},
                "teams": [{"id": "1", "name": "Ops", "slug": "ops"}],
                "latestRelease": None,
                "options": {},
                "digestsMinDelay": 300,
                "digestsMaxDelay": 1800,
                "subjectPrefix": "",
                "allowedDomains": ["*"],
                "resolveAge": 0,
                "dataScrubber": True,
                "dataScrubberDefaults": True,
                "safeFields": [],
                "storeCrashReports": None,
                "sensitiveFields": [],
                "subjectTemplate": "$shortID - $title",
                "securityToken": "0" * 32,
                "securityTokenHeader": None,
                "verifySSL": False,
                "scrubIPAddresses": False,
                "scrapeJavaScript": True,
                "enableAutoReleaseCreation": False,
                "highlightTags": [],
                "highlightContext": {},
                "highlightPreset": {"tags": [], "context": {}},
                "groupingConfig": "newstyle:2023-01-11",
                "derivedGroupingEnhancements": "",
                "groupingEnhancements": "",
                "secondaryGroupingExpiry": 0,
                "secondaryGroupingConfig": None,
                "fingerprintingRules": "",
                "organization": {
                    "id": str(org.id),
                    "slug": org.slug,
                    "name": org.name,
                    "status": {"id": "active", "name": "active"},
                    "dateCreated": iso_micro(org.date_created),
                    "isEarlyAdopter": False,
                    "require2FA": False,
                    "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
                    "links": {
                        "organizationUrl": f"https://{org.slug}.sentry.io",
                        "regionUrl": "https://us.sentry.io",
                    },
                    "hasAuthProvider": False,
                    "allowMemberInvite": True,
                    "allowMemberProjectCreation": True,
                    "allowSuperuserAccess": False,
                },
                "platforms": [project.platform] if project.platform else [],
                "processingIssues": 0,
                "defaultEnvironment": None,
                "relayPiiConfig": None,
                "builtinSymbolSources": [],
                "dynamicSamplingBiases": None,
                "symbolSources": "[]",
                "isDynamicallySampled": False,
                "tempestFetchScreenshots": False,
                "autofixAutomationTuning": "off",
                "seerScannerAutomation": False,
                "seerNightshiftTweaks": None,
                "scmSourceContextEnabled": False,
                "debugFilesRole": None,
            }
        )
        return view

    def issue_view(
        self, issue: Issue, *, expand: Iterable[str] = (), org_shape: bool
    ) -> dict[str, Any]:
        """An issue of the org or project issues list (the two shapes differ a little)."""
        project = self.projects[issue.project_id]
        view: dict[str, Any] = {
            "id": str(issue.id),
            "shareId": None,
            "shortId": issue.short_id,
            "title": issue.title,
            "culprit": issue.culprit,
            "permalink": (f"https://{self.organization.slug}.sentry.io/issues/{issue.id}/"),
            "logger": None,
            "level": issue.level,
            "status": issue.status,
            "statusDetails": {},
            "substatus": issue.substatus,
            "isPublic": False,
            "platform": project.platform,
            "priority": issue.priority,
            "priorityLockedAt": None,
            "seerFixabilityScore": None,
            "seerAutofixLastTriggered": None,
            "seerExplorerAutofixLastTriggered": None,
            "project": {
                "id": str(project.id),
                "name": project.name,
                "slug": project.slug,
                "platform": project.platform,
            },
            "type": issue.type,
            "issueType": "error",
            "issueCategory": "error",
            "metadata": dict(issue.metadata),
            "numComments": 0,
            "assignedTo": None,
            "isBookmarked": False,
            "isSubscribed": False,
            "subscriptionDetails": None,
            "hasSeen": False,
            "annotations": [],
            "isUnhandled": issue.level in ("error", "fatal"),
            "count": str(issue.count),
            "userCount": issue.user_count,
            "firstSeen": iso_micro(issue.first_seen),
            "lastSeen": iso_micro(issue.last_seen),
            "stats": {"24h": []},
        }
        if not org_shape:
            return view
        view.update(
            {
                "derivedData": {
                    "blocker": "",
                    "progress": "",
                    "status": "",
                    "viewCount": 0,
                    "hasOpenFixPr": False,
                    "isAssigned": False,
                    "hasRootCause": False,
                    "lastCompletedAutofixStep": "",
                    "lastProgressedAt": None,
                },
                "lifetime": {"count": str(issue.count), "userCount": issue.user_count},
                "filtered": None,
                "matchingEventId": None,
                "matchingEventEnvironment": None,
            }
        )
        wanted = set(expand)
        if "inbox" in wanted:
            view["inbox"] = {
                "reason": 0,
                "reason_details": None,
                "date_added": iso_micro(issue.first_seen),
            }
        if "owners" in wanted:
            view["owners"] = None
        if "integrationIssues" in wanted:
            view["integrationIssues"] = []
        if "sentryAppIssues" in wanted:
            view["sentryAppIssues"] = []
        if "latestEventHasAttachments" in wanted:
            view["latestEventHasAttachments"] = False
        if "sessions" in wanted:
            view["sessionCount"] = 0
        return view

    def snapshot(self) -> dict[str, Any]:
        """Everything, for GET /_sandbox/state (soft-deleted workflows included)."""
        return {
            "organization": {"id": str(self.organization.id), "slug": self.organization.slug},
            "projects": [
                {"id": str(p.id), "slug": p.slug, "name": p.name} for p in self.projects.values()
            ],
            "environments": [{"id": str(e.id), "name": e.name} for e in self.environments.values()],
            "detectors": [self.detector_view(d) for d in self.detectors.values()],
            "workflows": [
                {**self.workflow_view(w, shuffle=False), "status": w.status}
                for w in self.workflows.values()
            ],
            "issues": [self.issue_view(i, org_shape=False) for i in self.issues.values()],
        }


def rate_limit_headers(now: float) -> dict[str, str]:
    """The X-Sentry-Rate-Limit-* headers Sentry sends with every answer."""
    return {
        "X-Sentry-Rate-Limit-Limit": "40",
        "X-Sentry-Rate-Limit-Remaining": "39",
        "X-Sentry-Rate-Limit-Reset": str(int(now) + 1),
        "X-Sentry-Rate-Limit-ConcurrentLimit": "25",
        "X-Sentry-Rate-Limit-ConcurrentRemaining": "24",
    }


def deprecation_headers(date: str, replacement: str) -> dict[str, str]:
    """The two headers of a deprecated endpoint (brownout or not)."""
    return {"X-Sentry-Deprecation-Date": date, "X-Sentry-Replacement-Endpoint": replacement}


def gone_response(date: str, replacement: str) -> ApiResponse:
    """The 410 of a deprecated endpoint during a brownout."""
    return json_response(
        410, {"message": "This API no longer exists."}, deprecation_headers(date, replacement)
    )


_READ, _WRITE, _ADMIN = "read", "write", "admin"


def _scope_map(resource: str, **extra: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Sentry's usual `scope_map`: GET takes read/write/admin, POST and PUT write/admin,
    DELETE admin; `extra` adds scopes per method (the alerts:* scopes)."""
    base = {
        "GET": (_READ, _WRITE, _ADMIN),
        "POST": (_WRITE, _ADMIN),
        "PUT": (_WRITE, _ADMIN),
        "DELETE": (_ADMIN,),
    }
    return {
        method: tuple(f"{resource}:{level}" for level in levels) + extra.get(method, ())
        for method, levels in base.items()
    }


SCOPE_MAPS: dict[str, dict[str, tuple[str, ...]]] = {
    # src/sentry/api/bases/project.py: ProjectPermission, ProjectEventPermission.
    "project": _scope_map("project"),
    "project-event": _scope_map("event"),
    # src/sentry/api/bases/organization.py: OrganizationPermission, OrganizationEventPermission.
    "organization": _scope_map("org"),
    "organization-event": _scope_map("event"),
    # The workflow and detector endpoints (src/sentry/workflow_engine/endpoints/): reads take
    # alerts:read or any org scope; writes take alerts:write or org:write/org:admin
    # (ORGANIZATION_WORKFLOW_WRITE_SCOPES). Sentry's scope_map lets org:read attempt a write,
    # which then succeeds only for a member who may edit every connected detector: the
    # sandbox has no members, and refuses it (strict rather than lenient).
    "alerts": {
        "GET": ("org:read", "org:write", "org:admin", "alerts:read"),
        "POST": ("org:write", "org:admin", "alerts:write"),
        "PUT": ("org:write", "org:admin", "alerts:write"),
        "DELETE": ("org:write", "org:admin", "alerts:write"),
    },
}
"""Which token scopes each endpoint's permission class accepts, per method (any one)."""

FORBIDDEN = {"detail": "You do not have permission to perform this action."}
"""DRF's PermissionDenied body, what Sentry answers a token without the scope."""


class SentryApi:
    """Routes ``/api/0/...`` requests to handlers over a :class:`SentryState`.

    `scopes` are the token's scopes: each route checks them against its endpoint's
    `SCOPE_MAPS` entry and answers 403 without one; None grants every scope.
    """

    def __init__(self, state: SentryState, token: str, scopes: Iterable[str] | None = None) -> None:
        self.state = state
        self._token = token
        self._scopes = None if scopes is None else frozenset(scopes)
        self._router = Router()
        org = r"/api/0/organizations/(?P<org>[^/]+)"
        project = r"/api/0/projects/(?P<org>[^/]+)/(?P<project>[^/]+)"
        add = self._router.add
        add("GET", project + "/", self._get_project)
        add("GET", project + "/environments/", self._project_environments)
        add("GET", project + "/issues/", self._project_issues)
        self._permission: dict[Handler, str] = {
            self._get_project: "project",
            self._project_environments: "project",
            self._project_issues: "project-event",
            self._environments: "organization",
            self._org_issues: "organization-event",
            self._list_detectors: "alerts",
            self._get_detector: "alerts",
            self._list_workflows: "alerts",
            self._create_workflow: "alerts",
            self._get_workflow: "alerts",
            self._update_workflow: "alerts",
            self._delete_workflow: "alerts",
        }
        for method in ("GET", "POST", "PUT", "DELETE"):
            add(method, project + "/rules/", self._legacy_rules)
            add(method, project + r"/rules/(?P<rule>[^/]+)/", self._legacy_rules)
        add("GET", org + "/detectors/", self._list_detectors)
        add("GET", org + r"/detectors/(?P<id>[^/]+)/", self._get_detector)
        add("GET", org + "/environments/", self._environments)
        add("GET", org + "/issues/", self._org_issues)
        add("GET", org + "/workflows/", self._list_workflows)
        add("POST", org + "/workflows/", self._create_workflow)
        add("GET", org + r"/workflows/(?P<id>[^/]+)/", self._get_workflow)
        add("PUT", org + r"/workflows/(?P<id>[^/]+)/", self._update_workflow)
        add("DELETE", org + r"/workflows/(?P<id>[^/]+)/", self._delete_workflow)

    def authenticate(self, request: ApiRequest) -> ApiResponse | None:
        """None if the Bearer token matches, else Sentry's 401."""
        header = request.header("Authorization")
        if not header:
            return json_response(401, {"detail": "Authentication credentials were not provided."})
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self._token:
            return json_response(401, {"detail": "Invalid token"})
        return None

    def decorate(self, response: ApiResponse) -> ApiResponse:
        """Add the headers every Sentry API answer carries."""
        for key, value in rate_limit_headers(self.state.now()).items():
            response.headers.setdefault(key, value)
        return response

    def not_found_response(self) -> ApiResponse:
        """The answer a create-then-404 fault substitutes."""
        return json_response(404, dict(NOT_FOUND))

    def workflows_url(self) -> str:
        """Path of the workflows list, the replacement of the legacy rules API."""
        return f"/api/0/organizations/{self.state.organization.slug}/workflows/"

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer an authenticated request."""
        route = self._router.resolve(request.method, request.path)
        if route.handler is None and not request.path.endswith("/"):
            slashed = self._router.resolve(request.method, request.path + "/")
            if slashed.handler is not None or slashed.allowed:
                query = urlencode([(k, v) for k, vs in request.query.items() for v in vs])
                location = f"{request.base_url}{request.path}/" + (f"?{query}" if query else "")
                return empty_response(301, {"Location": location})
        if route.handler is None or route.match is None:
            if route.allowed:
                return json_response(405, {"detail": f'Method "{request.method}" not allowed.'})
            return json_response(404, dict(NOT_FOUND))
        try:
            self.state.check_org(route.match["org"])
            if not self._permitted(request.method, route.handler):
                return json_response(403, dict(FORBIDDEN))
            return route.handler(request, route.match)
        except HttpError as error:
            return error.response

    def _permitted(self, method: str, handler: Handler) -> bool:
        permission = self._permission.get(handler)
        if self._scopes is None or permission is None:
            return True
        return any(scope in self._scopes for scope in SCOPE_MAPS[permission][method])

    @staticmethod
    def _body(request: ApiRequest) -> JsonValue:
        try:
            return request.json()
        except BodyError as error:
            raise bad_request({"detail": f"JSON parse error - {error}"}) from error

    def _paginate(
        self, request: ApiRequest, items: list[T], *, size_param: str = "per_page"
    ) -> tuple[list[T], dict[str, str]]:
        """Slice one page and build Sentry's Link and X-Hits headers."""
        raw = request.first(size_param)
        try:
            per_page = int(raw) if raw else MAX_PER_PAGE
        except ValueError:
            raise bad_request({"detail": f"Invalid {size_param} parameter."}) from None
        if per_page > MAX_PER_PAGE:
            raise bad_request({"detail": f"Invalid per_page value. Cannot exceed {MAX_PER_PAGE}."})
        if per_page < 1:
            raise bad_request({"detail": "Invalid per_page parameter."})
        offset = 0
        cursor = request.first("cursor")
        if cursor:
            parts = cursor.split(":")
            if len(parts) != 3 or not all(p.lstrip("-").isdigit() for p in parts):
                raise bad_request({"detail": "Invalid cursor parameter."})
            offset = max(0, int(parts[1]))
        page = items[offset : offset + per_page]
        params = [(k, v) for k, vs in request.query.items() if k != "cursor" for v in vs]
        base = f"{request.base_url}{request.path}"

        def link(rel: str, position: int, is_prev: int, results: bool) -> str:
            token = f"0:{position}:{is_prev}"
            query = urlencode([*params, ("cursor", token)])
            flag = "true" if results else "false"
            return f'<{base}?{query}>; rel="{rel}"; results="{flag}"; cursor="{token}"'

        previous = link("previous", max(0, offset - per_page), 1, offset > 0)
        following = link("next", offset + per_page, 0, offset + per_page < len(items))
        return page, {"Link": f"{previous}, {following}", "X-Hits": str(len(items))}

    # -- projects, detectors, environments --------------------------------

    def _get_project(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        return json_response(200, self.state.project_view(self.state.project(match["project"])))

    def _environment_list(self, request: ApiRequest, *, project_shape: bool) -> ApiResponse:
        visibility = request.first("visibility") or "visible"
        if visibility not in ("all", "hidden", "visible"):
            raise bad_request(
                {"detail": "Invalid value for 'visibility', valid values are: all, hidden, visible"}
            )
        items = []
        for env in sorted(self.state.environments.values(), key=lambda e: e.name):
            if visibility == "visible" and env.is_hidden:
                continue
            if visibility == "hidden" and not env.is_hidden:
                continue
            item: dict[str, Any] = {"id": str(env.id), "name": env.name}
            if project_shape:
                item["isHidden"] = env.is_hidden
            items.append(item)
        return json_response(200, items)

    def _project_environments(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.state.project(match["project"])
        return self._environment_list(request, project_shape=True)

    def _environments(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        return self._environment_list(request, project_shape=False)

    def _project_ids(self, request: ApiRequest) -> set[int] | None:
        """The ``project=`` filter as project ids (None: no filter)."""
        values = [v for v in request.values("project") if v != "-1"]
        if not values:
            return None
        ids: set[int] = set()
        for value in values:
            try:
                ids.add(self.state.project(value).id)
            except HttpError:
                raise HttpError(
                    json_response(
                        403, {"detail": "You do not have permission to perform this action."}
                    )
                ) from None
        return ids

    @staticmethod
    def _query_terms(query: str) -> list[tuple[str | None, str]]:
        """Split ``name:"a b" type:error free`` into (key, value) pairs."""
        terms = []
        for match in re.finditer(r'(?:(\w+):)?(?:"([^"]*)"|(\S+))', query):
            key, quoted, bare = match.groups()
            terms.append((key, quoted if quoted is not None else bare))
        return terms

    def _list_detectors(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        projects = self._project_ids(request)
        ids = self._id_filter(request)
        detectors = sorted(self.state.detectors.values(), key=lambda d: d.id)
        for key, value in self._query_terms(request.first("query") or ""):
            if key == "type":
                detectors = [d for d in detectors if d.type == value]
            elif key == "name" or key is None:
                detectors = [d for d in detectors if value.lower() in d.name.lower()]
            else:
                raise bad_request({"detail": f"Invalid search key: {key}"})
        if ids is not None:
            detectors = [d for d in detectors if d.id in ids]
        elif projects is not None:
            detectors = [d for d in detectors if d.project_id in projects]
        page, headers = self._paginate(request, detectors)
        return json_response(200, [self.state.detector_view(d) for d in page], headers)

    def _get_detector(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        raw = match["id"]
        detector = self.state.detectors.get(int(raw)) if raw.isdigit() else None
        if detector is None:
            raise not_found()
        return json_response(200, self.state.detector_view(detector))

    # -- workflows ----------------------------------------------------------

    @staticmethod
    def _id_filter(request: ApiRequest) -> set[int] | None:
        raw = request.values("id")
        if not raw:
            return None
        if not all(v.isdigit() for v in raw):
            raise bad_request({"id": ["Invalid ID format"]})
        return {int(v) for v in raw}

    def _list_workflows(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        ids = self._id_filter(request)
        projects = self._project_ids(request)
        workflows = [w for w in self.state.workflows.values() if w.status == "active"]
        if ids is not None:
            # An id filter overrides the project filter.
            workflows = [w for w in workflows if w.id in ids]
        elif projects is not None:
            workflows = [
                w
                for w in workflows
                if any(
                    self.state.detectors[d].project_id in projects
                    for d in w.detector_ids
                    if d in self.state.detectors
                )
            ]
        for key, value in self._query_terms(request.first("query") or ""):
            needle = value.lower()
            if key == "name":
                workflows = [w for w in workflows if needle in w.name.lower()]
            elif key == "action":
                workflows = [w for w in workflows if needle in self._action_types(w)]
            elif key == "created_by":
                workflows = [w for w in workflows if w.created_by == value]
            elif key is None:
                workflows = [
                    w
                    for w in workflows
                    if needle in w.name.lower() or any(needle in t for t in self._action_types(w))
                ]
            else:
                raise bad_request({"detail": f"Invalid search key: {key}"})
        workflows = self._sorted_workflows(workflows, request.first("sortBy") or "id")
        page, headers = self._paginate(request, workflows)
        return json_response(200, [self.state.workflow_view(w) for w in page], headers)

    @staticmethod
    def _action_types(workflow: Workflow) -> set[str]:
        return {a.type for g in workflow.action_filters for a in g.actions}

    @staticmethod
    def _sorted_workflows(workflows: list[Workflow], sort_by: str) -> list[Workflow]:
        descending = sort_by.startswith("-")
        key_name = sort_by.lstrip("-")
        keys: dict[str, Callable[[Workflow], Any]] = {
            "id": lambda w: w.id,
            "name": lambda w: (w.name.lower(), w.id),
            "dateCreated": lambda w: (w.date_created, w.id),
            "dateUpdated": lambda w: (w.date_updated, w.id),
            "connectedDetectors": lambda w: (len(w.detector_ids), w.id),
            "actions": lambda w: (sum(len(g.actions) for g in w.action_filters), w.id),
        }
        if key_name not in keys:
            raise bad_request({"sortBy": [f'"{key_name}" is not a valid choice.']})
        return sorted(workflows, key=keys[key_name], reverse=descending)

    def _create_workflow(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        workflow = self.state.create_workflow(self._body(request))
        return json_response(201, self.state.workflow_view(workflow))

    def _get_workflow(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        return json_response(200, self.state.workflow_view(self.state.live_workflow(match["id"])))

    def _update_workflow(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        workflow = self.state.update_workflow(match["id"], self._body(request))
        return json_response(200, self.state.workflow_view(workflow))

    def _delete_workflow(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.state.delete_workflow(match["id"])
        return empty_response(204)

    def _legacy_rules(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.state.project(match["project"])
        return gone_response(DEPRECATED_RULES_DATE, self.workflows_url())

    # -- issues ---------------------------------------------------------------

    def _issues(
        self, request: ApiRequest, projects: set[int] | None, *, org_shape: bool
    ) -> ApiResponse:
        issues = sorted(self.state.issues.values(), key=lambda i: (i.last_seen, i.id), reverse=True)
        if projects is not None:
            issues = [i for i in issues if i.project_id in projects]
        environments = set(request.values("environment"))
        if environments:
            issues = [i for i in issues if environments & set(i.environments)]
        period = request.first("statsPeriod")
        if period:
            match = _STATS_PERIOD.fullmatch(period)
            if match is None:
                raise bad_request({"detail": f"Invalid statsPeriod: {period!r}"})
            since = self.state.now() - int(match[1]) * _PERIOD_SECONDS[match[2]]
            issues = [i for i in issues if i.last_seen >= since]
        query = request.first("query")
        if query is None:
            query = "is:unresolved"
        for key, value in self._query_terms(query):
            if key == "is":
                issues = [i for i in issues if i.status == value]
            elif key == "level":
                issues = [i for i in issues if i.level == value]
            elif key is None:
                issues = [i for i in issues if value.lower() in i.title.lower()]
        sort = request.first("sort") or "date"
        if sort == "new":
            issues.sort(key=lambda i: (i.first_seen, i.id), reverse=True)
        elif sort == "freq":
            issues.sort(key=lambda i: (i.count, i.id), reverse=True)
        elif sort == "user":
            issues.sort(key=lambda i: (i.user_count, i.id), reverse=True)
        expand = request.values("expand")
        page, headers = self._paginate(request, issues, size_param="limit")
        return json_response(
            200,
            [self.state.issue_view(i, expand=expand, org_shape=org_shape) for i in page],
            headers,
        )

    def _project_issues(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        project = self.state.project(match["project"])
        return self._issues(request, {project.id}, org_shape=False)

    def _org_issues(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        return self._issues(request, self._project_ids(request), org_shape=True)
