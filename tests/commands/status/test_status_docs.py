"""docs/STATUS.md shows what `status` prints, and documents every JSON key it prints."""

from __future__ import annotations

import json
import re
from typing import Any

from mlpp_monitoring.commands.status.model import SCHEMA_VERSION, StatusReport

from . import snapshot


def test_the_doc_snapshots_are_current() -> None:
    text = snapshot.DOC.read_text(encoding="utf-8")
    assert set(snapshot.blocks_in(text)) == {"human", "json"}
    assert snapshot.blocks_in(text) == snapshot.snapshots(), (
        "docs/STATUS.md is stale: run `.venv/bin/python -m tests.commands.status.snapshot`"
    )


def test_the_example_is_a_valid_report_of_the_documented_version() -> None:
    example = snapshot.blocks_in(snapshot.DOC.read_text(encoding="utf-8"))["json"]
    report = StatusReport.model_validate_json(example)
    assert report.version == SCHEMA_VERSION
    assert f"schema version {SCHEMA_VERSION}" in snapshot.DOC.read_text(encoding="utf-8")


def _keys(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        found: set[str] = set()
        for key, item in value.items():
            found.add(key)
            found |= _keys(item, key)
        return found
    if isinstance(value, list):
        return set().union(*(_keys(item, prefix) for item in value)) if value else set()
    return set()


def _model_keys(model: Any) -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        keys.add(name)
        for arg in _types_in(field.annotation):
            if hasattr(arg, "model_fields"):
                keys |= _model_keys(arg)
    return keys


def _types_in(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", ())
    return [annotation, *(t for arg in args for t in _types_in(arg))]


def test_every_key_of_the_schema_is_documented() -> None:
    text = snapshot.DOC.read_text(encoding="utf-8")
    prose = snapshot.BLOCK.sub("", text)
    documented = set(re.findall(r"`([a-z_0-9]+)`", prose))
    missing = _model_keys(StatusReport) - documented
    assert not missing, f"keys not documented in docs/STATUS.md: {sorted(missing)}"


def test_the_example_shows_every_top_level_key() -> None:
    example = json.loads(snapshot.blocks_in(snapshot.DOC.read_text(encoding="utf-8"))["json"])
    assert list(example) == list(StatusReport.model_fields)
    assert _keys(example) <= _model_keys(StatusReport)
