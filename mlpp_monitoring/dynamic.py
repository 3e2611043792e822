"""The one generic Pulumi dynamic provider, and the one resource base: desired state in,
vendor calls out.

Each vendor object (an UptimeRobot monitor, a Sentry alert) supplies an `ObjectKind`
(`object_kind`): its spec model and five calls. Everything Pulumi-specific is written once
here, in `SpecProvider`:

- check validates the inputs through the spec model, so bad values never reach an API;
- diff compares normalized specs field by field, and names the fields that force a replace;
- read fetches the live object and returns it as both outputs and inputs, which is what
  makes `pulumi refresh` and `pulumi preview --refresh` see edits made in a web console;
- create adopts an existing object when told its id, else creates exactly one
  (`exactly_once`: never next to a twin, never twice after an unclear answer);
- credentials are read in `configure` (the provider process), never pickled: the state
  stores a reference to the provider class, so the classes must stay importable where
  they are (`uptimerobot.monitor.UptimeMonitorProvider`, `sentry.alert.ErrorAlertProvider`).

`SpecResource` is the resource base: a spec as inputs, a type token of its own per kind
(`pulumi-python:dynamic/uptimerobot:Monitor`, `pulumi-python:dynamic/sentry:Alert`), and an
alias of the SDK's default token, which every resource had up to release 0.1.0.
"""

from __future__ import annotations

import abc
import json
import threading
from collections.abc import Mapping
from typing import Any, ClassVar, Generic

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pydantic import BaseModel, ValidationError

from mlpp_monitoring.exactly_once import create_exactly_once
from mlpp_monitoring.http import ApiError, HttpPolicy, NotFound
from mlpp_monitoring.object_kind import ADOPT_KEY, ObjectKind, Spec
from mlpp_monitoring.provider_host import ProviderError
from mlpp_monitoring.vendors import ConfigLookup

CREDENTIALS = "credentials"
"""The pseudo-property check failures name when the vendor or its credential is the problem."""

ADOPT_CHANGES_KEY = "adopt_changes"
"""Preview-only input of an adoption: what taking the object over changes on it."""

LEGACY_TYPE = "pulumi-python:dynamic:Resource"
"""The type token of every resource up to release 0.1.0 (the SDK's default): an alias of
each kind's own token, so that a stack made then is updated in place, not replaced."""

_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN during preview


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

    kind_class: ClassVar[type[ObjectKind[Any]]]
    """The ObjectKind class this provider manages (its model, no API call)."""

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
        return self.kind_class.spec_model

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
        replaces = [f for f in changed if f in self.kind_class.replace_on]
        return DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces)
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the object (exactly once, `exactly_once`), or take over the one named
        by `adopt_id`."""
        kind, spec = self._kind(), self._spec(props)
        adopt = props.get(ADOPT_KEY)
        try:
            if adopt is not None:
                id_ = str(int(adopt))
                if kind.read(id_, spec) is None:
                    raise ProviderError(_missing_adoptee(kind.label, id_))
                live = kind.update(id_, spec)
            else:
                id_, live = create_exactly_once(kind, spec, self._create_wait())
        except ApiError as exc:
            raise ProviderError(str(exc)) from None
        return CreateResult(id_, self._outputs(live, props))

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


class SpecResource(Resource):
    """A vendor object this program declares: its spec as inputs, its own type token.

    A subclass names its provider class and, in its class statement, its type token:
    `class UptimeMonitor(SpecResource, module="uptimerobot", name="Monitor")` declares
    `pulumi-python:dynamic/uptimerobot:Monitor`.
    """

    provider_class: ClassVar[type[SpecProvider[Any]]]

    def __init__(
        self,
        name: str,
        spec: BaseModel,
        *,
        adopt_id: int | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = spec.model_dump(mode="json")
        props[ADOPT_KEY] = adopt_id
        # A stack made by release 0.1.0 holds this object under the old type token.
        legacy = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=LEGACY_TYPE)])
        super().__init__(
            self.provider_class(), name, props, pulumi.ResourceOptions.merge(opts, legacy)
        )

    @classmethod
    def type_token(cls) -> str:
        """The resource's type, as URNs, previews and the state show it."""
        return f"pulumi-python:{cls._resource_type_name}"
