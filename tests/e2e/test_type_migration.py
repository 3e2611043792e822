"""A stack made by release 0.1.0 is taken over in place by this one, through the real CLI.

Release 0.1.0 declared every resource with the SDK's default type token
(`pulumi-python:dynamic:Resource`); each kind now has its own
(`pulumi-python:dynamic/uptimerobot:Monitor`, `pulumi-python:dynamic/sentry:Alert`), with
an alias of the old one. Without the alias, `up` would replace every monitor and alert
(delete and create: a window with no monitoring, new ids). The state also holds each
provider by reference (`__provider`, a pickle naming its class): refresh, read and delete
of an old stack load those classes, so they must stay where release 0.1.0 put them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    ALERT_NEW_ISSUE,
    ALERT_SPIKE,
    ALERT_TYPE,
    LEGACY_TYPE,
    MONITOR,
    MONITOR_TYPE,
    REPO,
    Project,
    assert_runbook_state,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

RELEASE_0_1_PROGRAM = Path(__file__).parent / "release_0_1" / "__main__.py"

_MONITOR_PROVIDER = (
    "gASVRwAAAAAAAACMI21scHBfbW9uaXRvcmluZy51cHRpbWVyb2JvdC5tb25pdG9ylIwVVXB0aW1lTW9uaXRvclBy"
    "b3ZpZGVylJOUKYGUfZRiLg=="
)
_ALERT_PROVIDER = (
    "gASVPQAAAAAAAACMHG1scHBfbW9uaXRvcmluZy5zZW50cnkuYWxlcnSUjBJFcnJvckFsZXJ0UHJvdmlkZXKUk5Qp"
    "gZR9lGIu"
)
RELEASE_0_1_PROVIDERS = {
    MONITOR: _MONITOR_PROVIDER,
    ALERT_NEW_ISSUE: _ALERT_PROVIDER,
    ALERT_SPIKE: _ALERT_PROVIDER,
}
"""`__provider` as release 0.1.0 wrote it in the state (dill pickles of
`mlpp_monitoring.uptimerobot.monitor.UptimeMonitorProvider` and
`mlpp_monitoring.sentry.alert.ErrorAlertProvider`, by reference, with no state)."""


def _resources(project: Project) -> dict[str, dict[str, Any]]:
    """The stack's monitor and alerts in its state, by Pulumi name, secrets in clear."""
    exported = project.pulumi("stack", "export", "--show-secrets", check=True).stdout
    resources = json.loads(exported)["deployment"]["resources"]
    return {
        r["urn"].rsplit("::", 1)[-1]: r
        for r in resources
        if r["urn"].rsplit("::", 1)[-1] in RELEASE_0_1_PROVIDERS
    }


def _provider(resource: dict[str, Any]) -> str:
    """The resource's `__provider` input (a secret: its plaintext when exported so)."""
    value = resource["inputs"]["__provider"]
    if isinstance(value, dict):
        plaintext: str = json.loads(value["plaintext"])
        return plaintext
    return str(value)


def _live_ids(project: Project) -> set[str]:
    sandbox = project.sandbox
    return {str(m["id"]) for m in sandbox.monitors()} | {str(w["id"]) for w in sandbox.workflows()}


def test_a_stack_made_by_release_0_1_is_updated_in_place(project: Project) -> None:
    shutil.copy(RELEASE_0_1_PROGRAM, project.dir / "__main__.py")
    project.up()
    old = _resources(project)
    assert {name: r["type"] for name, r in old.items()} == dict.fromkeys(old, LEGACY_TYPE)
    assert {name: _provider(r) for name, r in old.items()} == RELEASE_0_1_PROVIDERS
    ids = {name: r["id"] for name, r in old.items()}
    assert set(ids.values()) == _live_ids(project)

    shutil.copy(REPO / "__main__.py", project.dir / "__main__.py")
    mark = project.sandbox.journal_mark()
    # Before any up with the new code: the providers the old state names still load.
    refreshed = project.pulumi("refresh", "--yes", "--skip-preview")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert {name: r["id"] for name, r in _resources(project).items()} == ids

    # The engine matches each resource to its old state through the alias: all the same.
    preview = project.preview_json()
    assert preview["changeSummary"] == {"same": 1 + len(ids)}, preview["changeSummary"]
    up = project.up()
    summary = up.stdout.split("Resources:", 1)[1].strip().split("\n\n", 1)[0]
    assert summary.split() == [str(1 + len(ids)), "unchanged"], up.stdout

    new = _resources(project)
    assert {name: r["type"] for name, r in new.items()} == {
        MONITOR: MONITOR_TYPE,
        ALERT_NEW_ISSUE: ALERT_TYPE,
        ALERT_SPIKE: ALERT_TYPE,
    }
    assert {name: r["id"] for name, r in new.items()} == ids
    assert _live_ids(project) == set(ids.values())
    assert_runbook_state(project.sandbox)
    # Nothing was written at the vendors: no create, update or delete, only reads.
    methods = {entry["method"] for entry in project.sandbox.journal_since(mark)}
    assert methods == {"GET"}, methods

    clean = project.pulumi("preview", "--refresh", "--expect-no-changes")
    assert clean.returncode == 0, clean.stdout + clean.stderr
