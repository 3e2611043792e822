"""The committed stack files, read the way Pulumi hands them to the program."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlpp_monitoring.commands.stackfile import StackFile

REPO = Path(__file__).resolve().parent.parent


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` mapping of `Pulumi.<stack>.yaml`, as committed."""
    return StackFile(stack, REPO).values


def project_raw(stack: str) -> dict[str, str]:
    """This project's keys of a stack file, as JSON text (what Pulumi gives the program)."""
    return StackFile(stack, REPO).project_raw()
