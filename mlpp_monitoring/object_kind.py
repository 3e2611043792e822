"""`ObjectKind`: what each kind of vendor object supplies to the one generic provider.

Its spec model (the normalized desired state), what the vendor cannot change in place,
and five calls: create, read, update, delete, and find by natural key. An UptimeRobot
monitor (`uptimerobot.monitor.MonitorKind`) and a Sentry alert (`sentry.alert.AlertKind`)
are the two kinds; `dynamic.SpecProvider` does everything Pulumi-specific once for both.
"""

from __future__ import annotations

import abc
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel

Spec = TypeVar("Spec", bound=BaseModel)

ADOPT_KEY = "adopt_id"
"""Input naming an existing vendor object that `create` takes over instead of creating one."""


class ObjectKind(abc.ABC, Generic[Spec]):
    """How one kind of vendor object maps to and from its spec. One instance per process."""

    label: ClassVar[str]
    """What users call this object, e.g. 'UptimeRobot monitor'."""

    spec_model: ClassVar[type[BaseModel]]
    """The pydantic model of the normalized desired state."""

    replace_on: ClassVar[frozenset[str]] = frozenset()
    """Spec fields the vendor cannot change in place: a change replaces the object."""

    def prepare(self, spec: Spec, old: Spec | None) -> None:
        """Check, with the vendor, what a preview should report early (may call the API).

        Called from `check` only when the object will be created or a field this hook
        cares about changes, so a preview with nothing to do makes no call.
        """

    @abc.abstractmethod
    def create(self, spec: Spec) -> tuple[str, Spec]:
        """Create the object; return its id and its live spec."""

    @abc.abstractmethod
    def read(self, id_: str, last: Spec) -> Spec | None:
        """The live spec of the object, or None when it no longer exists.

        `last` is the last known spec (from the state): it scopes the lookup where the
        vendor needs more than the id (Sentry's organization and project).
        """

    @abc.abstractmethod
    def update(self, id_: str, spec: Spec) -> Spec:
        """Bring the object to `spec`; return its live spec. Raises NotFound if it is gone."""

    @abc.abstractmethod
    def delete(self, id_: str, last: Spec) -> None:
        """Delete the object; an object already gone is not an error."""

    @abc.abstractmethod
    def find(self, spec: Spec, *, fresh: bool = False) -> list[str]:
        """Ids of live objects with the spec's natural key (e.g. name + URL).

        `fresh`: ask the vendor again rather than answer from a list read earlier in this
        operation (each look-up after an ambiguous create must see the vendor's now).
        """
