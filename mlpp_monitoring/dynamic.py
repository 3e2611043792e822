"""The one generic Pulumi dynamic provider: desired state in, vendor calls out.

Each vendor object (an UptimeRobot monitor, a Sentry alert) supplies an `ObjectKind`: its
spec model (the normalized desired state) and five calls (create, read, update, delete,
find by natural key). Everything Pulumi-specific is written once here:

- check validates the inputs through the spec model, so bad values never reach an API;
- diff compares normalized specs field by field, and names the fields that force a replace;
- read fetches the live object and returns it as both outputs and inputs, which is what
  makes `pulumi refresh` and `pulumi preview --refresh` see edits made in a web console;
- create adopts an existing object when told its id; after a failure that leaves the
  outcome unknown (a timeout, a dropped connection, a 5xx, UptimeRobot's 404 to a create
  that worked) it keeps looking the object up by its natural key, with back-off, for the
  policy's `create_wait` (vendors' lists lag a create), and never sends the create again:
  only a failure that proves nothing was done (a 429, a refused connection) is retried;
- credentials are read in `configure` (the provider process), never pickled.
"""

from __future__ import annotations

import abc
import json
import sys
import threading
import time
import traceback
import types
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pydantic import BaseModel, ValidationError

from mlpp_monitoring.http import AGAIN_LATER, ApiError, HttpPolicy, NotFound, Unavailable
from mlpp_monitoring.vendors import ConfigLookup

CREDENTIALS = "credentials"
"""The pseudo-property check failures name when the vendor or its credential is the problem."""

ADOPT_KEY = "adopt_id"
"""Input naming an existing vendor object that `create` takes over instead of creating one."""

ADOPT_CHANGES_KEY = "adopt_changes"
"""Preview-only input of an adoption: what taking the object over changes on it."""

CREATE_ATTEMPTS = 3
"""POSTs one `create` may send: a second one only after an answer that proves the first was
not performed (a refused connection); an ambiguous answer is followed by look-ups only."""

LOOKUP_FIRST_WAIT = 0.5
LOOKUP_MAX_WAIT = 15.0
"""Back-off of the look-ups after an ambiguous create: 0.5 s, doubling up to 15 s (the
last look is at the end of `HttpPolicy.create_wait`)."""

_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN during preview

Spec = TypeVar("Spec", bound=BaseModel)


class ProviderError(Exception):
    """An error shown to the user by the engine: one actionable sentence, no traceback.

    `field` names the input the error is about, when there is one: `check` reports it
    as that property's problem.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class _HostTraceback(types.ModuleType):
    """The `traceback` module as the provider host sees it: a ProviderError is its message.

    The Python dynamic provider host (`python -m pulumi.dynamic`) reports every exception
    a provider raises with `traceback.format_exc()`, so each explained failure (a vendor
    down, a wrong adopt_id) reached the user under a page of Python frames. Only
    ProviderError is shortened: any other exception is a bug and keeps its traceback.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def format_exc(limit: int | None = None, chain: bool = True) -> str:
        """The message of a ProviderError; the usual traceback of anything else."""
        error = sys.exc_info()[1]
        if isinstance(error, ProviderError):
            return str(error)
        return traceback.format_exc(limit, chain)


def _shorten_host_tracebacks() -> None:
    host = sys.modules.get("__main__")
    spec = getattr(host, "__spec__", None)
    if getattr(spec, "name", None) == "pulumi.dynamic.__main__" and (
        getattr(host, "traceback", None) is traceback
    ):
        host.traceback = _HostTraceback("traceback")  # type: ignore[union-attr]


_shorten_host_tracebacks()  # this module is imported in the host when a provider is unpickled


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


def _already_exists(label: str, ids: list[str]) -> str:
    return (
        f"{label} with the same natural key already exists (id {', '.join(ids)}), made "
        "outside this stack (or by an earlier run whose create got no clear answer): take "
        f"it over by setting {ADOPT_KEY} for this resource in the "
        "stack config (`mlpp-monitoring discover` prints the line), or delete it; Pulumi "
        "does not create a second one"
    )


def _missing_adoptee(label: str, id_: str) -> str:
    return (
        f"{label} {id_} named by {ADOPT_KEY} does not exist: remove {ADOPT_KEY} to create "
        "a new one, or fix the id (`mlpp-monitoring discover` lists the existing ones)"
    )


def _has_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return bool(value == _UNKNOWN)


def _without_unknowns(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_unknowns(v) for k, v in value.items() if v != _UNKNOWN}
    if isinstance(value, list):
        return [_without_unknowns(v) for v in value if v != _UNKNOWN]
    return value


class SpecProvider(ResourceProvider, Generic[Spec]):
    """A dynamic provider for one `ObjectKind`. Subclasses say how to build the kind.

    Instances hold nothing when pickled (the state stores a reference to the class); the
    kind and its API client are built in the provider process from the stack config.
    """

    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, policy: HttpPolicy | None = None) -> None:
        self._config: ConfigLookup | None = None
        # Tests shorten timeouts with a policy; Pulumi always builds the default one.
        self._policy = policy

    def __getstate__(self) -> dict[str, Any]:
        # Nothing of a configured provider (client, credential) may reach the state.
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._config = None
        self._policy = None

    @abc.abstractmethod
    def build_kind(
        self, config: ConfigLookup | None, policy: HttpPolicy | None
    ) -> ObjectKind[Spec]:
        """Build the object kind (and its API client) from the stack config or environment."""

    def configure(self, req: ConfigureRequest) -> None:
        """Remember how to read the stack config; credentials are looked up lazily."""
        self._config = req.config.get

    def _kind(self) -> ObjectKind[Spec]:
        with self._lock:
            kind: ObjectKind[Spec] | None = self.__dict__.get("_built")
            if kind is None:
                try:
                    # Pulumi runs build the default policy, with MLPP_HTTP_* overrides.
                    policy = self._policy or HttpPolicy.from_env()
                    kind = self.build_kind(self._config, policy)
                except ValueError as exc:
                    raise ProviderError(str(exc), field=CREDENTIALS) from None
                self.__dict__["_built"] = kind
                self.__dict__["_built_policy"] = policy
            return kind

    def _create_wait(self) -> float:
        """How long an ambiguous create is looked for (the policy `_kind` was built with)."""
        self._kind()
        policy: HttpPolicy = self.__dict__["_built_policy"]
        return policy.create_wait

    # -- spec helpers -------------------------------------------------------------------

    def _spec(self, props: Mapping[str, Any]) -> Spec:
        model = self._model()
        fields = {k: v for k, v in props.items() if k in model.model_fields}
        spec: Spec = model.model_validate(fields)  # type: ignore[assignment]
        return spec

    def _model(self) -> type[BaseModel]:
        return type(self).kind_type().spec_model

    def _last(self, props: Mapping[str, Any]) -> Spec:
        """The last known spec from the state, which may predate the current model.

        Read and delete only need it to scope the lookup (organization, project): state
        written before a field was added must still refresh and destroy, not crash.
        """
        try:
            return self._spec(props)
        except ValidationError:
            model = self._model()
            known = {k: v for k, v in props.items() if k in model.model_fields}
            last: Spec = model.model_construct(**known)  # type: ignore[assignment]
            return last

    @classmethod
    @abc.abstractmethod
    def kind_type(cls) -> type[ObjectKind[Spec]]:
        """The ObjectKind class this provider manages (no instance needed: no API call)."""

    @staticmethod
    def _outputs(spec: BaseModel, props: Mapping[str, Any]) -> dict[str, Any]:
        outs = spec.model_dump(mode="json")
        if props.get(ADOPT_KEY) is not None:
            outs[ADOPT_KEY] = props[ADOPT_KEY]
        return outs

    # -- the ResourceProvider interface -------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalize the inputs; report each bad field to the engine."""
        # During preview a value computed from another resource is unknown: such a field
        # cannot be judged yet, so it is left out instead of being reported as missing.
        unknown = {k for k, v in news.items() if _has_unknown(v)}
        try:
            spec = self._spec({k: v for k, v in news.items() if k not in unknown})
        except ValidationError as exc:
            failures = [
                CheckFailure(
                    ".".join(str(p) for p in err["loc"]) or "(inputs)",
                    f"{err['msg']} (got {err.get('input')!r})",
                )
                for err in exc.errors()
                if not (err["loc"] and err["loc"][0] in unknown)
            ]
            return CheckResult(news, failures)
        if unknown:
            return CheckResult(news, [])
        old: Spec | None = None
        if _olds:
            try:
                old = self._spec(_olds)
            except ValidationError:
                old = None
        if old != spec:
            try:
                self._kind().prepare(spec, old)
            except ProviderError as exc:
                return CheckResult(news, [CheckFailure(exc.field or CREDENTIALS, str(exc))])
            except ApiError as exc:
                # An API that cannot answer during check: usually a credential or scope.
                return CheckResult(news, [CheckFailure(CREDENTIALS, str(exc))])
        inputs = self._outputs(spec, news)
        if not _olds and news.get(ADOPT_KEY) is not None:
            try:
                inputs[ADOPT_CHANGES_KEY] = self._adoption_changes(spec, news[ADOPT_KEY])
            except (ApiError, ProviderError) as exc:
                return CheckResult(news, [CheckFailure(ADOPT_KEY, str(exc))])
        return CheckResult(inputs, [])

    def _adoption_changes(self, spec: Spec, adopt: Any) -> dict[str, str]:
        """What taking over object `adopt` will change on it: field -> "live => declared".

        The engine can only show a resource it does not hold yet as a create, so the
        preview of an adoption carries this map; an id that does not exist fails here,
        before anything is created.
        """
        kind = self._kind()
        id_ = str(int(adopt))
        live = kind.read(id_, spec)
        if live is None:
            raise ProviderError(_missing_adoptee(kind.label, id_))
        was, will = live.model_dump(mode="json"), spec.model_dump(mode="json")
        return {
            field: f"{json.dumps(was.get(field))} => {json.dumps(will.get(field))}"
            for field in will
            if was.get(field) != will.get(field)
        }

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Changed spec fields; `olds` are the last outputs, i.e. the last known live spec."""
        model = self._model()
        changed: list[str] = []
        try:
            new_spec = self._spec(_without_unknowns(news)).model_dump(mode="json")
            old_spec = self._spec(olds).model_dump(mode="json")
        except ValidationError:
            # Old state from another version of the model: let update rewrite it.
            return DiffResult(changes=True, replaces=[], delete_before_replace=True)
        for field in model.model_fields:
            if news.get(field) == _UNKNOWN or old_spec.get(field) != new_spec.get(field):
                changed.append(field)
        if olds.get(ADOPT_KEY) != news.get(ADOPT_KEY):
            changed.append(ADOPT_KEY)
        replaces = [f for f in changed if f in type(self).kind_type().replace_on]
        return DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces)
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the object, or take over the one named by `adopt_id`."""
        kind, spec = self._kind(), self._spec(props)
        adopt = props.get(ADOPT_KEY)
        try:
            if adopt is not None:
                id_ = str(int(adopt))
                if kind.read(id_, spec) is None:
                    raise ProviderError(_missing_adoptee(kind.label, id_))
                live = kind.update(id_, spec)
                return CreateResult(id_, self._outputs(live, props))
            # A twin made by hand (or by an earlier create whose answer was lost) would
            # page twice at night: never create next to it, say how to take it over.
            existing = kind.find(spec)
            if existing:
                raise ProviderError(_already_exists(kind.label, existing))
            return self._create_once(kind, spec, props)
        except ApiError as exc:
            raise ProviderError(str(exc)) from None

    def _create_once(
        self, kind: ObjectKind[Spec], spec: Spec, props: Mapping[str, Any]
    ) -> CreateResult:
        """Create exactly one object, whatever the answers: a second POST only when the
        first provably did nothing; after any other failure, look (and keep looking)."""
        attempts = 0
        while True:
            attempts += 1
            try:
                id_, live = kind.create(spec)
                return CreateResult(id_, self._outputs(live, props))
            except (Unavailable, NotFound) as exc:
                failure = exc
            # The answer proves nothing was made (a refused connection): sending again cannot
            # make a twin. After a 429 the rate-limit budget is spent: it would be refused.
            if failure.not_performed:
                if attempts < CREATE_ATTEMPTS and failure.status != 429:
                    continue
                # The vendor's reason last, with its one hint of what to do next.
                hint = "" if AGAIN_LATER in str(failure) else f"; {AGAIN_LATER}"
                raise ProviderError(
                    f"{kind.label} could not be created after {attempts} attempt(s), and "
                    f"none exists: {failure}{hint}"
                )
            # Ambiguous: the vendor may have created it (UptimeRobot has answered 404 to a
            # create that succeeded, and its list lags a create; a timeout may hide a
            # success). Keep looking; never POST again in this run.
            adopted = self._await_created(kind, spec, failure, self._create_wait())
            if adopted is not None:
                return CreateResult(adopted[0], self._outputs(adopted[1], props))
            raise ProviderError(
                f"{kind.label} create got no clear answer ({failure}), and no object with its "
                f"natural key appeared in {self._create_wait():g} s of looking: it was most "
                "likely not created. Run the same command again: it looks for the object "
                "before creating one, so it never makes a second"
            )

    @classmethod
    def _await_created(
        cls, kind: ObjectKind[Spec], spec: Spec, failure: ApiError, wait: float
    ) -> tuple[str, Spec] | None:
        """Look for the object an ambiguous create may have made, again and again with
        back-off, for `wait` seconds; the object brought to `spec`, or None."""
        deadline = time.monotonic() + wait
        pause = LOOKUP_FIRST_WAIT
        while True:
            try:
                found = kind.find(spec, fresh=True)
                lookup_error: ApiError | None = None
            except ApiError as exc:
                found, lookup_error = [], exc
            if found:
                return cls._adopt_created(kind, spec, failure, found)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(pause, left))
            pause = min(pause * 2, LOOKUP_MAX_WAIT)
        if lookup_error is not None:
            raise ProviderError(
                f"{kind.label} create failed ({failure}) and looking for the object it may "
                f"have made failed too ({lookup_error}): check by hand before running again, "
                f"and set {ADOPT_KEY} to its id if it exists"
            )
        return None

    @staticmethod
    def _adopt_created(
        kind: ObjectKind[Spec], spec: Spec, failure: ApiError, found: list[str]
    ) -> tuple[str, Spec]:
        """The one object an ambiguous create made, brought to `spec`."""
        if len(found) > 1:
            raise ProviderError(
                f"{kind.label} create failed ({failure}) and {len(found)} objects with the "
                f"same name now exist (ids {', '.join(found)}): delete the extras by hand"
            )
        try:
            return found[0], kind.update(found[0], spec)
        except ApiError as exc:
            raise ProviderError(
                f"{kind.label} {found[0]} was created, but bringing it to the declared state "
                f"failed ({exc}): set {ADOPT_KEY} to {found[0]} (or delete it) before running "
                "again, so that no second one is created"
            ) from None

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live object as outputs and inputs; an empty id when it was deleted."""
        try:
            live = self._kind().read(id_, self._last(props))
        except ApiError as exc:
            raise ProviderError(str(exc)) from None
        if live is None:
            return ReadResult(None, {})
        outs = self._outputs(live, props)
        return ReadResult(id_, outs, dict(outs))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Bring the live object to the declared spec."""
        kind, spec = self._kind(), self._spec(news)
        try:
            live = kind.update(id_, spec)
        except NotFound as exc:
            raise ProviderError(self._update_not_found(kind, id_, spec, exc)) from None
        except ApiError as exc:
            raise ProviderError(str(exc)) from None
        return UpdateResult(self._outputs(live, news))

    @staticmethod
    def _update_not_found(kind: ObjectKind[Spec], id_: str, spec: Spec, exc: NotFound) -> str:
        # Confirm before telling the user the object is gone: UptimeRobot has answered
        # 404 for objects that exist, and the advice would then be wrong.
        try:
            still_there = kind.read(id_, spec) is not None
        except ApiError:
            still_there = False
        if still_there:
            return (
                f"{kind.label} {id_} exists, but the vendor answered 404 to the update "
                f"({exc}): nothing was changed; run the same command again"
            )
        return (
            f"{kind.label} {id_} was deleted outside Pulumi: run `pulumi refresh` "
            "(or `pulumi up --refresh`) and Pulumi will create it again"
        )

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        """Delete the object; already gone is fine."""
        try:
            self._kind().delete(id_, self._last(_props))
        except ApiError as exc:
            raise ProviderError(str(exc)) from None
