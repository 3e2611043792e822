"""The accounts file (`--state-file`, what `make demo` keeps between runs) survives upgrades."""

from __future__ import annotations

import inspect
import itertools
import pickle
import sys
import types
from pathlib import Path

import pytest

from mlpp_sandbox import Sandbox, SandboxOptions
from mlpp_sandbox.ids import IdSequence
from mlpp_sandbox.sentry import objects as sentry_objects
from mlpp_sandbox.sentry import state as sentry_state
from mlpp_sandbox.uptimerobot import objects as uptimerobot_objects
from mlpp_sandbox.uptimerobot import state as uptimerobot_state
from tests.vendor_bodies import http_monitor, workflow_body

RELEASE_0_1_MODULES = {
    "mlpp_monitoring.sandbox.uptimerobot": (uptimerobot_state, uptimerobot_objects),
    "mlpp_monitoring.sandbox.sentry": (sentry_state, sentry_objects),
}
"""Release 0.1.0 kept each emulator in one module of `mlpp_monitoring.sandbox`."""


def _as_release_0_1(accounts: tuple[object, object], monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The accounts pickled as release 0.1.0 wrote them: every class at its old path, and
    each id sequence an `itertools.count` (which Python 3.14 can no longer unpickle)."""
    with monkeypatch.context() as patch:
        patch.setattr(
            IdSequence, "__reduce__", lambda ids: (itertools.count, (ids.next_id,)), raising=False
        )
        for name, modules in RELEASE_0_1_MODULES.items():
            old = types.ModuleType(name)
            patch.setitem(sys.modules, name, old)
            for module in modules:
                for cls_name, cls in inspect.getmembers(module, inspect.isclass):
                    if cls.__module__ == module.__name__:
                        setattr(old, cls_name, cls)
                        patch.setattr(cls, "__module__", name)
        return pickle.dumps(accounts)


def test_an_accounts_file_written_before_the_sandbox_moved_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox() as sb:
        contact = next(iter(sb.uptimerobot.alert_contacts))
        monitor = sb.uptimerobot.create_monitor(http_monitor(contact))
        detector = sb.sentry.issue_stream_detector().id
        workflow = sb.sentry.create_workflow(workflow_body(detector))
        saved = _as_release_0_1((sb.uptimerobot, sb.sentry), monkeypatch)
    assert b"mlpp_monitoring.sandbox.uptimerobot" in saved and b"mlpp_sandbox" not in saved
    assert b"itertools" in saved
    accounts = tmp_path / "sandbox-accounts.pickle"
    accounts.write_bytes(saved)

    with Sandbox(SandboxOptions(state_path=accounts)) as sb:
        assert list(sb.uptimerobot.monitors) == [monitor.id]
        assert sb.uptimerobot.monitors[monitor.id].friendly_name == monitor.friendly_name
        assert list(sb.sentry.workflows) == [workflow.id]
        # Its id sequences go on where they stopped.
        second = sb.uptimerobot.create_monitor(http_monitor(contact, friendlyName="second"))
        assert second.id == monitor.id + 1
    # Saved again at stop, now at the new paths: the next run loads it without help.
    assert b"mlpp_sandbox.uptimerobot" in accounts.read_bytes()


def test_the_accounts_file_pickles_on_every_supported_python(tmp_path: Path) -> None:
    # Python 3.14 refuses to pickle itertools objects: an id sequence kept as one would
    # make every `make demo` fail to save its accounts there.
    accounts = tmp_path / "sandbox-accounts.pickle"
    with Sandbox(SandboxOptions(state_path=accounts)) as sb:
        contact = next(iter(sb.uptimerobot.alert_contacts))
        sb.uptimerobot.create_monitor(http_monitor(contact))
    saved = accounts.read_bytes()
    assert b"itertools" not in saved

    with Sandbox(SandboxOptions(state_path=accounts)) as sb:
        # Ids go on from where the saved accounts stopped.
        second = sb.uptimerobot.create_monitor(http_monitor(contact, friendlyName="second"))
        assert sorted(sb.uptimerobot.monitors) == [second.id - 1, second.id]
