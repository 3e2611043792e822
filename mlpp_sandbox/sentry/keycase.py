"""How Sentry reads request keys: camelCase or snake_case, and what an older server ignored.

Request bodies may use either case (both forms of one key is a 400); nested keys read
back camelCased. A server built before getsentry/sentry#111760 (March 2026) read some keys
(``RAW_BODY_KEYS``) from the raw body, in camelCase only: their snake_case form was
silently ignored (``docs/vendors/sentry.md``).
"""

from __future__ import annotations

import re
from typing import Any

KEY_CASES = ("both", "camel-only")
"""How request keys are read: both cases (current Sentry), or camelCase only for
`RAW_BODY_KEYS` (Sentry before getsentry/sentry#111760)."""
RAW_BODY_KEYS = ("detectorIds",)
"""Keys the workflow endpoints read from the raw request body, not through the validator's
key-case conversion, until getsentry/sentry#111760 moved them into `WorkflowValidator`."""


class KeyCollision(ValueError):
    """A body holds both forms of one key: Sentry answers 400 with `detail`."""

    def __init__(self, key: str, snake: str) -> None:
        super().__init__(f"{key} collides with {snake}")
        self.detail = {key: [f"{key} collides with {snake}, please pass only one value"]}


_CAMEL_BOUNDARY = re.compile(r"([a-z0-9])([A-Z])")


def camel_to_snake(key: str) -> str:
    """``detectorIds`` -> ``detector_ids`` (leading/trailing ``_`` dropped)."""
    return _CAMEL_BOUNDARY.sub(r"\1_\2", key).strip("_").lower()


def snake_to_camel(key: str) -> str:
    """``detector_ids`` -> ``detectorIds``."""
    words = key.strip("_").split("_")
    return words[0].lower() + "".join(word.capitalize() for word in words[1:])


def to_snake_keys(value: Any) -> Any:
    """Convert dict keys to snake_case recursively; both forms of a key is a KeyCollision."""
    if isinstance(value, list):
        return [to_snake_keys(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted: dict[str, Any] = {}
    for key, item in value.items():
        snake = camel_to_snake(key) if isinstance(key, str) else key
        if snake != key and snake in value:
            raise KeyCollision(key, snake)
        converted[snake] = to_snake_keys(item)
    return converted


def to_camel_keys(value: Any) -> Any:
    """Convert dict keys to camelCase recursively (how responses read back)."""
    if isinstance(value, list):
        return [to_camel_keys(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        (snake_to_camel(k) if isinstance(k, str) else k): to_camel_keys(v) for k, v in value.items()
    }


def as_read(body: Any, key_case: str) -> Any:
    """The body as a server of `key_case` reads it: an older one (camel-only) never sees
    the snake_case form of a key it read from the raw body (unless both forms were sent:
    the key-case conversion then refuses the collision, as ever)."""
    if key_case != "camel-only" or not isinstance(body, dict):
        return body
    ignored = {camel_to_snake(key) for key in RAW_BODY_KEYS if key not in body}
    return {key: value for key, value in body.items() if key not in ignored}
