"""What the emulated Sentry organisation holds, and what a workflow request asks for.

Stored records (organisation, projects, environments, detectors, workflows with their
condition groups, conditions and actions, issues) keep keys in snake_case, as Sentry
stores them; `views` turns each into the JSON the API answers with. The `*Input` records
are a request body as `validation` read it (`UNSET`: a field the request left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


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
    fingerprint: str | None = None
    """What groups events into this issue: the name events sent through the control API
    give it (None for an issue seeded whole)."""


class Unset(Enum):
    """Marks a field the request did not send (distinct from an explicit null)."""

    TOKEN = 0


UNSET = Unset.TOKEN


@dataclass
class ConditionInput:
    """A data condition as sent (id None: create it)."""

    id: int | None
    type: str
    comparison: Any
    condition_result: Any


@dataclass
class ActionInput:
    """An action as sent (id None: create it); data/config keys in snake_case."""

    id: int | None
    type: str
    integration_id: int | None
    data: dict[str, Any]
    config: dict[str, Any]


@dataclass
class GroupInput:
    """A data condition group (the WHEN triggers or one IF action filter)."""

    id: int | None
    logic_type: str
    conditions: list[ConditionInput]
    actions: list[ActionInput]


@dataclass
class WorkflowInput:
    """A validated workflow body; UNSET marks what the request left out."""

    name: str
    enabled: bool
    config: dict[str, Any] | Unset
    environment: str | Unset | None
    detector_ids: list[int] | Unset
    triggers: GroupInput | Unset
    action_filters: list[GroupInput] | Unset
