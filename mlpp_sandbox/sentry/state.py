"""The emulated Sentry organisation: what it holds, how each write changes it, scenario helpers.

A workflow write is read by `validation` first (a refused body changes nothing); PUT is an
id-matched upsert of nested groups, conditions and actions, applied to a draft so that a
failure leaves the workflow untouched; DELETE is a soft delete.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..ids import IdSequence
from ..wire import HttpError, JsonValue, json_response
from .keycase import KEY_CASES
from .objects import (
    UNSET,
    Action,
    ActionInput,
    Condition,
    ConditionGroup,
    ConditionInput,
    Detector,
    Environment,
    GroupInput,
    Issue,
    Organization,
    Project,
    Workflow,
    WorkflowInput,
)
from .validation import SentryValidationError, parse_request

if TYPE_CHECKING:  # the provider's evaluator, imported where events are processed (`events`)
    from mlpp_monitoring.sentry.firing import AlertMemory, EventLog

NOT_FOUND = {"detail": "The requested resource does not exist"}
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


class _Identified(Protocol):
    id: int


Item = TypeVar("Item", bound=_Identified)


def not_found() -> HttpError:
    """Sentry's 404."""
    return HttpError(json_response(404, dict(NOT_FOUND)))


def bad_request(detail: JsonValue) -> HttpError:
    """A 400 with a DRF error body."""
    return HttpError(json_response(400, detail))


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
        self._project_ids = IdSequence(4_501)
        self._environment_ids = IdSequence(21)
        self._detector_ids = IdSequence(9_001)
        self._workflow_ids = IdSequence(7_001)
        # Groups, conditions and actions share one id space, so an id of one
        # kind sent where another is expected never matches by accident.
        self._nested_ids = IdSequence(50_001)
        self._issue_ids = IdSequence(6_000_000_001)
        self.user_id = "1000001"
        self.organization = Organization(
            id=1_000_101, slug=self._org_slug, name=self._org_slug.upper(), date_created=self.now()
        )
        self.projects: dict[int, Project] = {}
        self.environments: dict[str, Environment] = {}
        self.detectors: dict[int, Detector] = {}
        self.workflows: dict[int, Workflow] = {}
        self.issues: dict[int, Issue] = {}
        self.event_logs: dict[int, EventLog] = {}
        """Each project's events so far (`events`), by project id."""
        self.alert_memory: dict[int, AlertMemory] = {}
        """When each workflow last notified, per issue (`events`), by workflow id."""
        self.add_project(self._project_slug)
        for name in self._seed_environments:
            self.add_environment(name)

    def __setstate__(self, saved: dict[str, Any]) -> None:
        # An accounts file written before the sandbox took events has no event state: the
        # organisation it holds has received none.
        saved.setdefault("event_logs", {})
        saved.setdefault("alert_memory", {})
        self.__dict__.update(saved)

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

    def default_project(self) -> Project:
        """The project the sandbox was started with."""
        return self.project(self._project_slug)

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

    def _parse(self, body: JsonValue) -> WorkflowInput:
        try:
            return parse_request(
                body,
                key_case=self.key_case,
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
