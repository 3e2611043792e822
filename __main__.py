"""The Pulumi program: everything lives in the importable package `mlpp_monitoring`."""

from mlpp_monitoring.stack import declare_stack

declare_stack()
