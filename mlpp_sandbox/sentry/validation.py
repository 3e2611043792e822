"""Validation of Sentry workflow (alert) bodies, as Sentry's WorkflowValidator does it.

Source of the rules: Sentry's workflow validators, as written up (with the file
of Sentry's source each rule comes from) in ``docs/vendors/sentry.md``.
Bodies are first converted to snake_case recursively (`keycase`: camelCase and
snake_case are both accepted; both forms of one key is a 400), then checked
field by field (conditions' comparisons: `conditions`). Error bodies use camelCase keys, as Sentry's
``CamelSnakeSerializer`` renders them. Messages follow DRF's wording where the
vendor docs give none; clients must treat them as opaque.

Deliberate differences from the live API:

- A POST without ``config`` or ``triggers`` answers 400 "This field is
  required." where Sentry's indexed ``create`` fails with a 500 (KeyError):
  a clear error is more useful in tests, and both mean "always send them".
- ``triggers.actions`` must be empty [inferred: the engine never reads them].
- Only e-mail actions are fully validated; ``webhook`` and ``plugin`` are
  accepted as given; every integration-based action type fails because the
  sandbox organisation has no integrations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .conditions import CONDITION_COMPARISONS, is_int
from .keycase import KeyCollision, as_read, to_camel_keys, to_snake_keys
from .objects import UNSET, ActionInput, ConditionInput, GroupInput, Unset, WorkflowInput

Parsed = TypeVar("Parsed", ConditionInput, ActionInput)

LOGIC_TYPES = ("any", "any-short", "all", "none")
EMAIL_TARGET_TYPES = ("issue_owners", "user", "team")
FALLTHROUGH_TYPES = ("AllMembers", "ActiveMembers", "NoOne")
INTEGRATION_ACTION_TYPES = frozenset(
    {
        "slack",
        "msteams",
        "discord",
        "pagerduty",
        "opsgenie",
        "github",
        "github_enterprise",
        "gitlab",
        "jira",
        "jira_server",
        "azure_devops",
        "sentry_app",
    }
)
PLAIN_ACTION_TYPES = frozenset({"webhook", "plugin"})


class SentryValidationError(Exception):
    """A 400 whose body is ``detail`` (a DRF error dict or a list of strings)."""

    def __init__(self, detail: dict[str, Any] | list[str]) -> None:
        super().__init__(str(detail))
        self.detail = detail


def parse_request(
    body: Any, *, key_case: str, environment_exists: Callable[[str], bool]
) -> WorkflowInput:
    """Read a POST/PUT workflow body as a server of `key_case` does; raise on a 400."""
    try:
        snake = to_snake_keys(as_read(body, key_case))
    except KeyCollision as collision:
        raise SentryValidationError(collision.detail) from collision
    return parse_workflow(snake, environment_exists=environment_exists)


_TRUE_VALUES = (True, 1, "1", "true", "True", "TRUE", "t", "yes", "on")
_FALSE_VALUES = (False, 0, "0", "false", "False", "FALSE", "f", "no", "off")


def _type_name(value: Any) -> str:
    return type(value).__name__


def _parse_id(value: Any) -> int | None:
    """An id as a request may carry it (int or digit string); None if invalid."""
    if is_int(value):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def parse_workflow(body: Any, *, environment_exists: Callable[[str], bool]) -> WorkflowInput:
    """Validate a POST/PUT workflow body (already snake_cased); raise on a 400."""
    if not isinstance(body, dict):
        raise SentryValidationError(
            {
                "nonFieldErrors": [
                    f"Invalid data. Expected a dictionary, but got {_type_name(body)}."
                ]
            }
        )
    errors: dict[str, Any] = {}

    name = body.get("name")
    if "name" not in body:
        errors["name"] = ["This field is required."]
    elif name is None:
        errors["name"] = ["This field may not be null."]
    elif not isinstance(name, str):
        errors["name"] = ["Not a valid string."]
    elif not name.strip():
        errors["name"] = ["This field may not be blank."]
    elif len(name) > 256:
        errors["name"] = ["Ensure this field has no more than 256 characters."]

    enabled = True  # DRF default=True on a non-partial serializer, also on PUT
    if "enabled" in body:
        raw = body["enabled"]
        if raw in _TRUE_VALUES and not isinstance(raw, float):
            enabled = True
        elif raw in _FALSE_VALUES and not isinstance(raw, float):
            enabled = False
        else:
            errors["enabled"] = ["Must be a valid boolean."]

    config: dict[str, Any] | Unset = UNSET
    if "config" in body:
        parsed_config = _parse_config(body["config"], errors)
        if parsed_config is not None:
            config = parsed_config

    environment: str | Unset | None = UNSET
    if "environment" in body:
        raw_env = body["environment"]
        if raw_env is None:
            environment = None
        elif not isinstance(raw_env, str):
            errors["environment"] = ["Not a valid string."]
        elif not raw_env:
            errors["environment"] = ["This field may not be blank."]
        elif not environment_exists(raw_env):
            errors["environment"] = ["This environment has not been created."]
        else:
            environment = raw_env

    detector_ids: list[int] | Unset = UNSET
    if "detector_ids" in body:
        raw_ids = body["detector_ids"]
        if not isinstance(raw_ids, list):
            errors["detectorIds"] = [
                f'Expected a list of items but got type "{_type_name(raw_ids)}".'
            ]
        else:
            bad = {
                str(i): ["A valid integer is required."]
                for i, v in enumerate(raw_ids)
                if _parse_id(v) is None
            }
            if bad:
                errors["detectorIds"] = bad
            else:
                detector_ids = sorted({pid for v in raw_ids if (pid := _parse_id(v)) is not None})

    triggers: GroupInput | Unset = UNSET
    if "triggers" in body:
        group_errors: dict[str, Any] = {}
        group = _parse_group(body["triggers"], group_errors, is_trigger=True)
        if group_errors:
            errors["triggers"] = group_errors
        elif group is not None:
            triggers = group

    action_filters: list[GroupInput] | Unset = UNSET
    if "action_filters" in body:
        parsed_filters = _parse_filters(body["action_filters"], errors)
        if parsed_filters is not None:
            action_filters = parsed_filters

    if errors:
        raise SentryValidationError(errors)
    assert isinstance(name, str)
    return WorkflowInput(
        name=name,
        enabled=enabled,
        config=config,
        environment=environment,
        detector_ids=detector_ids,
        triggers=triggers,
        action_filters=action_filters,
    )


def _parse_config(raw: Any, errors: dict[str, Any]) -> dict[str, Any] | None:
    # Workflow.config_schema: only "frequency", an integer >= 0.
    if not isinstance(raw, dict):
        errors["config"] = [f'Expected a dictionary of items but got type "{_type_name(raw)}".']
        return None
    extra = sorted(set(raw) - {"frequency"})
    if extra:
        errors["config"] = [
            f"Additional properties are not allowed ({', '.join(extra)} unexpected)"
        ]
        return None
    if "frequency" in raw:
        frequency = raw["frequency"]
        if not is_int(frequency) or frequency < 0:
            errors["config"] = [
                f"{frequency!r} is not a valid frequency: an integer >= 0 is required"
            ]
            return None
        return {"frequency": int(frequency)}
    return {}


def _parse_filters(raw: Any, errors: dict[str, Any]) -> list[GroupInput] | None:
    if not isinstance(raw, list):
        errors["actionFilters"] = [f'Expected a list of items but got type "{_type_name(raw)}".']
        return None
    groups: list[GroupInput] = []
    for item in raw:
        if isinstance(item, dict) and "actions" not in item:
            errors["actionFilters"] = ["Missing actions key in action filter"]
            return None
        if isinstance(item, dict) and "conditions" not in item:
            errors["actionFilters"] = ["Missing conditions key in action filter"]
            return None
        group_errors: dict[str, Any] = {}
        group = _parse_group(item, group_errors, is_trigger=False)
        if group_errors:
            errors["actionFilters"] = group_errors
            return None
        if group is not None:
            groups.append(group)
    return groups


def _parse_group(raw: Any, errors: dict[str, Any], *, is_trigger: bool) -> GroupInput | None:
    if not isinstance(raw, dict):
        errors["nonFieldErrors"] = [
            f"Invalid data. Expected a dictionary, but got {_type_name(raw)}."
        ]
        return None
    group_id = None
    if raw.get("id") is not None:
        group_id = _parse_id(raw["id"])
        if group_id is None:
            errors["id"] = ["A valid integer is required."]
    logic_type = raw.get("logic_type")
    if "logic_type" not in raw:
        errors["logicType"] = ["This field is required."]
    elif logic_type not in LOGIC_TYPES:
        errors["logicType"] = [f'"{logic_type}" is not a valid choice.']
    conditions: list[ConditionInput] = []
    raw_conditions = raw.get("conditions", [])
    if not isinstance(raw_conditions, list):
        errors["conditions"] = [
            f'Expected a list of items but got type "{_type_name(raw_conditions)}".'
        ]
    else:
        conditions = _parse_each(raw_conditions, _parse_condition, errors, "conditions")
    actions: list[ActionInput] = []
    raw_actions = raw.get("actions", [])
    if not isinstance(raw_actions, list):
        errors["actions"] = [f'Expected a list of items but got type "{_type_name(raw_actions)}".']
    elif is_trigger and raw_actions:
        errors["actions"] = ["Triggers cannot have actions; put them in actionFilters."]
    else:
        actions = _parse_each(raw_actions, _parse_action, errors, "actions")
    if errors:
        return None
    assert isinstance(logic_type, str)
    return GroupInput(id=group_id, logic_type=logic_type, conditions=conditions, actions=actions)


def _parse_each(
    raw: list[Any],
    parse: Callable[[Any, dict[str, Any]], Parsed | None],
    errors: dict[str, Any],
    key: str,
) -> list[Parsed]:
    """Every item of a list the request sent, read by `parse`; the items' errors go, all
    together, under `errors[key]`."""
    item_errors: dict[str, Any] = {}
    parsed = [item for item in (parse(one, item_errors) for one in raw) if item is not None]
    if item_errors:
        errors[key] = item_errors
    return parsed


def _parse_condition(raw: Any, errors: dict[str, Any]) -> ConditionInput | None:
    if not isinstance(raw, dict):
        errors["nonFieldErrors"] = [
            f"Invalid data. Expected a dictionary, but got {_type_name(raw)}."
        ]
        return None
    condition_id = _parse_id(raw["id"]) if raw.get("id") is not None else None
    if raw.get("id") is not None and condition_id is None:
        errors["id"] = ["A valid integer is required."]
    condition_type = raw.get("type")
    if "type" not in raw:
        errors["type"] = ["This field is required."]
        return None
    check = CONDITION_COMPARISONS.get(condition_type) if isinstance(condition_type, str) else None
    if check is None:
        errors["type"] = [f"Invalid condition type: {condition_type}"]
        return None
    if "comparison" not in raw:
        errors["comparison"] = ["This field is required."]
    elif not check(raw["comparison"]):
        errors["comparison"] = [
            f"Value, {to_camel_keys(raw['comparison'])!r} does not match JSON Schema for comparison"
        ]
    if "condition_result" not in raw:
        errors["conditionResult"] = ["This field is required."]
    elif not isinstance(raw["condition_result"], bool):
        errors["conditionResult"] = ["Must be a valid boolean."]
    if errors:
        return None
    assert isinstance(condition_type, str)
    comparison = raw["comparison"]
    if isinstance(comparison, dict) and "value" in comparison and is_int(comparison["value"]):
        # Clients such as Pulumi send 10.0 for 10; the schema's integer accepts it.
        comparison = {**comparison, "value": int(comparison["value"])}
    return ConditionInput(condition_id, condition_type, comparison, raw["condition_result"])


def _parse_action(raw: Any, errors: dict[str, Any]) -> ActionInput | None:
    if not isinstance(raw, dict):
        errors["nonFieldErrors"] = [
            f"Invalid data. Expected a dictionary, but got {_type_name(raw)}."
        ]
        return None
    action_id = _parse_id(raw["id"]) if raw.get("id") is not None else None
    action_type = raw.get("type")
    if "type" not in raw:
        errors["type"] = ["This field is required."]
        return None
    data = raw.get("data", {})
    config = raw.get("config", {})
    integration = raw.get("integration_id")
    if not isinstance(data, dict):
        errors["data"] = [f'Expected a dictionary of items but got type "{_type_name(data)}".']
    if not isinstance(config, dict):
        errors["config"] = [f'Expected a dictionary of items but got type "{_type_name(config)}".']
    if errors:
        return None
    if action_type == "email":
        _check_email_action(integration, data, config, errors)
    elif action_type in PLAIN_ACTION_TYPES:
        if integration is not None:
            errors["integrationId"] = [f"{action_type} actions do not take an integration."]
    elif action_type in INTEGRATION_ACTION_TYPES:
        if integration is None:
            errors["integrationId"] = [f"An integration is required for {action_type} actions."]
        else:
            errors["integrationId"] = [f"Integration {integration} does not exist."]
    else:
        errors["type"] = [f'"{action_type}" is not a valid choice.']
    if errors:
        return None
    assert isinstance(action_type, str)
    return ActionInput(action_id, action_type, None, dict(data), dict(config))


def _check_email_action(
    integration: Any, data: dict[str, Any], config: dict[str, Any], errors: dict[str, Any]
) -> None:
    if integration is not None:
        errors["integrationId"] = ["Email actions do not accept an integrationId."]
    target_type = config.get("target_type")
    if target_type not in EMAIL_TARGET_TYPES:
        errors["config"] = [
            f"targetType must be one of {', '.join(EMAIL_TARGET_TYPES)}, not {target_type!r}"
        ]
    elif target_type in ("user", "team") and not config.get("target_identifier"):
        errors["config"] = [f"targetIdentifier is required when targetType is {target_type}"]
    fallthrough = data.get("fallthrough_type")
    if fallthrough is not None and fallthrough not in FALLTHROUGH_TYPES:
        errors["data"] = [
            f"fallthroughType must be one of {', '.join(FALLTHROUGH_TYPES)}, not {fallthrough!r}"
        ]
    if not all(isinstance(value, str) for value in data.values()):
        errors["data"] = ["data values must be strings"]
