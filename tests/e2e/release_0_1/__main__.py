"""The Pulumi program as release 0.1.0 declared the stack, for the type-token migration test.

The same resources (names, inputs, outputs) through the same provider classes, so the
state records the same provider references; the one difference is the type token:
release 0.1.0's resources subclassed `pulumi.dynamic.Resource` without naming a module or
a type, so each was `pulumi-python:dynamic:Resource`.
"""

from typing import Any

import pulumi
from pulumi.dynamic import Resource

from mlpp_monitoring.config import ConfigError, parse_config
from mlpp_monitoring.program import Declared, export, project_config
from mlpp_monitoring.sentry.alert import AlertSpec, ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import MonitorSpec, UptimeMonitorProvider


class UptimeMonitor(Resource):
    """Release 0.1.0's monitor resource: the SDK's default type token."""

    def __init__(self, name: str, spec: MonitorSpec, *, adopt_id: int | None = None) -> None:
        props: dict[str, Any] = spec.model_dump(mode="json")
        props["adopt_id"] = adopt_id
        super().__init__(UptimeMonitorProvider(), name, props)


class ErrorAlert(Resource):
    """Release 0.1.0's alert resource: the SDK's default type token."""

    def __init__(self, name: str, spec: AlertSpec, *, adopt_id: int | None = None) -> None:
        props: dict[str, Any] = spec.model_dump(mode="json")
        props["adopt_id"] = adopt_id
        super().__init__(ErrorAlertProvider(), name, props)


try:
    config = parse_config(project_config())
except ConfigError as exc:
    raise pulumi.RunError(str(exc)) from None
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
export(Declared(monitors=monitors, alerts=alerts), config)  # type: ignore[arg-type]
