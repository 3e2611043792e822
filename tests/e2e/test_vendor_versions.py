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


def test_preview_refuses_a_contact_that_never_confirmed_its_address(tmp_path: Path) -> None:
    # The account's contact exists but its e-mail was never confirmed: a monitor using it
    # would page nobody. Preview says so, names the contact, and nothing is created.
    args = ("--uptimerobot-contact-state", "not-activated")
    with running_sandbox(tmp_path / "sandbox", *args) as sandbox:
        project = Project.create(tmp_path / "project", sandbox)
        preview = project.pulumi("preview")
        output = preview.stdout + preview.stderr
        assert preview.returncode != 0, output
        assert "alert contact ops@monaluxe.app cannot page anyone" in output
        assert "never confirmed" in output and "confirmation e-mail" in output
        assert "Traceback" not in output
        up = project.pulumi("up", "--yes")  # its own preview fails the same way first
        assert up.returncode != 0
        assert sandbox.monitors() == [] and sandbox.workflows() == []
        assert [e for e in sandbox.journal() if e["method"] != "GET"] == []
        # discover shows the contact's state and what to do.
        found = project.mlpp("discover")
        assert found.returncode == 0, found.stdout + found.stderr
        row = next(line for line in found.stdout.splitlines() if "ops@monaluxe.app" in line)
        assert "NotActivated" in row and "NO" in row and "monaluxe-app" in row
        assert "alert contact ops@monaluxe.app cannot page anyone" in found.stdout
