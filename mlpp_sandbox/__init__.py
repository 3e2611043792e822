"""Local emulators of the UptimeRobot v3 and Sentry APIs, for tests and demos.

One loopback port serves both: ``/v3/...`` is UptimeRobot, ``/api/0/...`` is
Sentry, ``/_sandbox/...`` is a control API (state, reset, faults, scenario
seeding). Every vendor request is journaled; faults can be injected per
method and path. The responses follow the vendors' published OpenAPI
documents (``specs/`` in the repository) and the live behaviour written up,
with sources, in ``docs/vendors/``; each emulator module lists its deliberate
deviations.

Python::

    from mlpp_sandbox import Sandbox, SandboxOptions

    with Sandbox(SandboxOptions(rate_limit=10)) as sb:
        sb.urls            # {"uptimerobot": "http://127.0.0.1:PORT/v3", "sentry": "http://127.0.0.1:PORT"}
        sb.inject("503", method="POST", path="/v3/monitors", times=2)
        ...
        sb.journal         # list of JournalEntry
        sb.calls("POST", "/v3/monitors")

Command line: ``python -m mlpp_sandbox --port 0 --ready-file ready.json``; from another
process (the demo, the end-to-end tests): ``launch()`` in ``mlpp_sandbox.launch``.
"""

from .faults import Fault, FaultKind, FaultPlan
from .journal import Journal, JournalEntry
from .options import SandboxOptions
from .sentry import SentryState
from .server import Sandbox
from .uptimerobot import UptimeRobotState

__all__ = [
    "Fault",
    "FaultKind",
    "FaultPlan",
    "Journal",
    "JournalEntry",
    "Sandbox",
    "SandboxOptions",
    "SentryState",
    "UptimeRobotState",
]
