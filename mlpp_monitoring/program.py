"""Config -> resources: what the program declares (Level 0 uptime, Level 1 error alerts).

Importing this module declares nothing; `__main__.py` calls `declare_stack()`, tests call
`declare()` with a config of their own under Pulumi's mocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from mlpp_monitoring.config import PROJECT, ConfigError, MonitoringConfig, parse_config
from mlpp_monitoring.sentry.alert import AlertSpec, ErrorAlert
from mlpp_monitoring.uptimerobot.monitor import MonitorSpec, UptimeMonitor


@dataclass(frozen=True)
class Declared:
    """The resources one run of the program declared, by their config key."""

    monitors: Mapping[str, UptimeMonitor]
    alerts: Mapping[str, ErrorAlert]


def project_config() -> dict[str, str]:
    """This project's raw config keys (without the namespace) and their JSON values."""
    raw: dict[str, Any] = {**get_config_env(), **CONFIG.get()}
    prefix = f"{PROJECT}:"
    return {k.removeprefix(prefix): str(v) for k, v in raw.items() if k.startswith(prefix)}


def declare(config: MonitoringConfig) -> Declared:
    """Declare one monitor per configured monitor and one alert per configured alert."""
    monitors = {
        key: UptimeMonitor(
            f"monitor-{key}", MonitorSpec.from_config(monitor), adopt_id=monitor.adopt_id
        )
        for key, monitor in config.uptimerobot.monitors.items()
    }
    alerts = {
        key: ErrorAlert(
            f"alert-{key}", AlertSpec.from_config(config.sentry, alert), adopt_id=alert.adopt_id
        )
        for key, alert in config.sentry.alerts.items()
    }
    return Declared(monitors=monitors, alerts=alerts)


def export(declared: Declared, config: MonitoringConfig) -> None:
    """Stack outputs: vendor ids and what each object watches, for people and scripts."""
    pulumi.export(
        "monitors",
        {
            key: {"id": res.id, "url": config.uptimerobot.monitors[key].url}
            for key, res in declared.monitors.items()
        },
    )
    pulumi.export(
        "alerts",
        {
            key: {"id": res.id, "environment": config.sentry.alerts[key].environment}
            for key, res in declared.alerts.items()
        },
    )


def declare_stack() -> Declared:
    """Read and validate the stack config, then declare and export everything.

    A config error stops the program with Pulumi's plain error output (no traceback)
    before any resource is declared, so no API is called.
    """
    try:
        config = parse_config(project_config())
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None
    declared = declare(config)
    export(declared, config)
    return declared
