"""Sentry request bodies are camelCase: an older Sentry reads `detectorIds` only.

Sentry servers built before getsentry/sentry#111760 (March 2026; self-hosted releases lag
further) read `detectorIds` from the raw request body, so a snake_case `detector_ids` is
silently ignored and the workflow is attached to no detector: it never fires, and every
refresh shows a diff. The sandbox's `camel-only` mode is such a server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mlpp_monitoring.sentry import alert
from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_sandbox import Sandbox
from mlpp_sandbox.sentry.keycase import to_snake_keys

from .conftest import WORKFLOWS_PATH, configured, declared_alert, live_workflows, stack_config


@pytest.fixture
def old_sentry(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox(sentry_key_case="camel-only")


def _created(sb: Sandbox) -> tuple[ErrorAlertProvider, Any, dict[str, Any]]:
    provider: ErrorAlertProvider = configured(ErrorAlertProvider, stack_config(sb))
    checked = provider.check({}, declared_alert("spike"))
    assert checked.failures == []
    return provider, provider.create(checked.inputs), checked.inputs


def test_every_key_sent_is_camel_case(sb: Sandbox) -> None:
    _created(sb)
    (post,) = [e for e in sb.journal if e["method"] == "POST" and e["path"] == WORKFLOWS_PATH]
    body = post["request_body"]
    assert sorted(key for key in _keys(body) if "_" in key) == []
    assert {"detectorIds", "logicType", "conditionResult", "actionFilters"} <= _keys(body)
    assert {"integrationId", "fallthroughType", "targetType", "targetIdentifier"} <= _keys(body)
    assert "targetDisplay" in _keys(body)


def test_an_old_server_attaches_the_detector_and_shows_no_diff(old_sentry: Sandbox) -> None:
    provider, created, inputs = _created(old_sentry)
    (workflow,) = live_workflows(old_sentry)
    assert workflow.detector_ids == [old_sentry.sentry.issue_stream_detector().id]
    read = provider.read(created.id, created.outs)
    assert read.outs["detectors"] == ["issue_stream"]
    assert not provider.diff(created.id, read.outs, inputs).changes
    # An update (PUT) keeps the detector on the old server too.
    updated = provider.update(created.id, read.outs, {**inputs, "frequency_minutes": 60})
    assert updated.outs["detectors"] == ["issue_stream"]
    assert live_workflows(old_sentry)[0].detector_ids == workflow.detector_ids


def test_snake_case_bodies_would_make_a_workflow_that_never_fires(
    old_sentry: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the provider sent before: the same body in snake_case. The old server answers
    # 201 and attaches nothing; the next refresh shows a diff that `up` cannot repair.
    camel = alert.to_api
    monkeypatch.setattr(alert, "to_api", lambda *a, **k: to_snake_keys(camel(*a, **k)))
    provider, created, inputs = _created(old_sentry)
    (workflow,) = live_workflows(old_sentry)
    assert workflow.detector_ids == []
    read = provider.read(created.id, created.outs)
    assert read.outs["detectors"] == []
    assert provider.diff(created.id, read.outs, inputs).changes


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()
