"""Vendor behaviours our own emulator does not show by default, through the real engine.

Each test starts a sandbox in one of its vendor-behaviour modes (see the README's sandbox
options) and runs `pulumi` as a user would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import Project, assert_runbook_state, running_sandbox

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def test_up_against_an_older_camel_only_sentry_converges(tmp_path: Path) -> None:
    # A Sentry built before its validator took `detector_ids` reads `detectorIds` only:
    # a snake_case body would make workflows attached to no detector, and a refresh would
    # then show a diff forever.
    with running_sandbox(tmp_path / "sandbox", "--sentry-key-case", "camel-only") as sandbox:
        project = Project.create(tmp_path / "project", sandbox)
        project.up()
        assert_runbook_state(sandbox)
        detector = next(
            d["id"]
            for d in sandbox.sentry("GET", "/organizations/mlpp/detectors/").json()
            if d["type"] == "issue_stream"
        )
        assert [w["detectorIds"] for w in sandbox.workflows()] == [[detector], [detector]]
        refreshed = project.pulumi("preview", "--refresh", "--expect-no-changes")
        assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
