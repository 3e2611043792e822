"""Rate limits: the client spreads its calls over the window UptimeRobot announces."""

from __future__ import annotations

from collections.abc import Callable

from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import configured, declared_monitor, live_monitors, stack_config


def test_monitor_lifecycle_stays_under_the_announced_limit(
    start_sandbox: Callable[..., Sandbox],
) -> None:
    # 9 calls against 5 per 2-second window: without pacing the 6th would be refused.
    sb = start_sandbox(rate_limit=5, rate_window=2.0)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))

    created = monitors.create(declared_monitor())
    for _ in range(4):
        monitors.read(created.id, created.outs)
    monitors.update(created.id, created.outs, {**created.outs, "interval": 600})
    monitors.delete(created.id, created.outs)

    assert live_monitors(sb) == []
    assert [e["status"] for e in sb.journal if e["status"] == 429] == []
    assert len(sb.journal) == 9  # contacts, twin look-up, POST, 4 reads, PATCH, DELETE
