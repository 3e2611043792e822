"""A vendor credential as the HTTP layer knows it: its value, and what to say about it.

Errors say which credential is wrong, which scope a call needs and how to set another,
without ever showing the value: the wording of "how to set it" comes from the vendor
table (`mlpp_monitoring.vendors`), the scopes per call from each vendor's permissions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CallScope:
    """The permission one kind of call needs: `method` (or `*`) and a path pattern."""

    method: str
    path: str
    """A regular expression matched from the start of the path under the API's base URL."""
    scope: str


@dataclass(frozen=True)
class Credential:
    """Where a secret comes from, so errors can say which one is wrong without showing it."""

    vendor: str
    value: str
    scopes: str
    """Everything the commands together need, e.g. for a message about a missing secret."""
    how_to_set: str
    """How a user sets this credential, for error messages (the vendor table writes it)."""
    call_scopes: tuple[CallScope, ...] = ()
    """The scope each call needs, first match wins; a call none matches needs `scopes`."""

    def scope_for(self, method: str, path: str) -> str:
        """The scope (or key kind) one call needs, for the message of a 403."""
        for rule in self.call_scopes:
            if rule.method in ("*", method.upper()) and re.match(rule.path, path):
                return rule.scope
        return self.scopes
