"""How the provider host shows this project's errors: `ProviderError`, one sentence, no traceback.

The Python dynamic provider host (`python -m pulumi.dynamic`) reports every exception a
provider raises with `traceback.format_exc()`, so each explained failure (a vendor down, a
wrong adopt_id) reached the user under a page of Python frames. Importing this module in
the host (unpickling a provider imports it) shortens a ProviderError to its message; any
other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
import traceback
import types
from typing import Any


class ProviderError(Exception):
    """An error shown to the user by the engine: one actionable sentence, no traceback.

    `field` names the input the error is about, when there is one: `check` reports it
    as that property's problem.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class _HostTraceback(types.ModuleType):
    """The `traceback` module as the provider host sees it: a ProviderError is its message."""

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
