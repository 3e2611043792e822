"""Bodies of the control API's endpoints that take events and check results, read with
pydantic: a time given as epoch seconds or ISO-8601, and a refusal that names each key, the
value and what is wrong, with the shape the endpoint takes."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError

from .wire import parse_iso

Body = TypeVar("Body", bound=BaseModel)


def _moment(value: Any) -> Any:
    """Epoch seconds as they are; an ISO-8601 text as epoch seconds."""
    if isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError:
            raise ValueError("must be epoch seconds or an ISO-8601 time") from None
    return value


Moment = Annotated[float, BeforeValidator(_moment)]
"""A time in a control body: epoch seconds, or an ISO-8601 text (`Z`, an offset, or UTC)."""


def read(model: type[Body], body: Any, shape: str) -> Body:
    """`body` as `model`; raises ValueError naming each problem's key, then `shape` (the
    body the endpoint takes, for the person who sent another)."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in e['loc']) or 'body'}: {e['msg']} "
            f"(got {e.get('input')!r})"
            for e in error.errors()
        ]
        raise ValueError(f"{'; '.join(problems)}. The body is {shape}") from None
