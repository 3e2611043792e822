"""A dynamic provider that makes no call: the baseline the project's providers are timed against.

It does what the engine needs and nothing else (check passes inputs through, diff compares
them, read returns the state), so a stack of N of these measures the engine, the Python
language host and the provider host alone. When MLPP_NOOP_TRACE names a file, each call
appends "<pid> <method>" to it: that is how the benchmark shows which process served
which phase of `pulumi up` (one provider host per engine operation).
"""

from __future__ import annotations

import os
from typing import Any

from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)


def _trace(method: str) -> None:
    path = os.environ.get("MLPP_NOOP_TRACE")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {method}\n")


class NoopProvider(ResourceProvider):
    """Stores its inputs as outputs; never calls anything."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        _trace("check")
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        _trace("diff")
        changed = [k for k in news if k != "__provider" and olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        _trace("create")
        return CreateResult(f"noop-{props['name']}", dict(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        _trace("read")
        return ReadResult(id_, dict(props), dict(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _trace("update")
        return UpdateResult(dict(news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        _trace("delete")


class NoopResource(Resource):
    """One no-op resource with a few inputs, about the size of a monitor's."""

    def __init__(self, name: str, props: dict[str, Any]) -> None:
        super().__init__(NoopProvider(), name, {"name": name, **props}, None)
