"""The Pulumi program: everything lives in the importable package `mlpp_monitoring`."""

from mlpp_monitoring.program import declare_stack

declare_stack()
