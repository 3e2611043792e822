"""`mlpp-monitoring`: the commands people run besides `pulumi` itself.

The one argument parser of every command, and the one place a known failure becomes a
clear line and exit code 2 (`exit_codes` holds every code).

- `demo`      the main job against the local sandbox (`make demo`);
- `drift`     does production hold what was deployed, and was everything deployed? (exit 0
              in sync, 7 console edits, 8 undeployed changes only, 2 check failed or
              never deployed);
- `discover`  which existing monitors and alerts match the declared ones, and how to adopt;
- `bootstrap` the first run: create the stack if missing, then discover, then what is next;
- `status`    the two-minute answer for the person on call;
- `runbook`   regenerate docs/RUNBOOK.md from the stack config;
- `test-alerts` the scenarios the declared alerts and monitors must pass (alert-tests.yaml),
              and with --compare what a change does to them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mlpp_monitoring.commands import exit_codes
from mlpp_monitoring.commands.engine import EngineMissing, PulumiFailed
from mlpp_monitoring.commands.stackfile import RevisionUnreadable
from mlpp_monitoring.config import ConfigError
from mlpp_monitoring.http import ApiError
from mlpp_monitoring.vendors import CredentialUnavailable

Command = Callable[[argparse.Namespace], int]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack",
        default="production",
        help="stack name, short or fully qualified as in CI: organization/mlpp-monitoring/"
        "production (default production)",
    )
    parser.add_argument(
        "--cwd", type=Path, default=Path("."), help="project directory (default: current)"
    )


def _cmd_runbook(args: argparse.Namespace) -> int:
    from mlpp_monitoring.commands.runbook.command import run_runbook

    return run_runbook(args.stack, args.cwd, check=args.check)


def _cmd_drift(args: argparse.Namespace) -> int:
    from mlpp_monitoring.commands.drift import run_drift_check

    return run_drift_check(
        args.stack, args.cwd, report_path=args.report, result_path=args.result_json
    )


def _cmd_discover(args: argparse.Namespace) -> int:
    from mlpp_monitoring.commands.discover import run_discover

    return run_discover(args.stack, args.cwd)


def _cmd_bootstrap(args: argparse.Namespace) -> int:
    from mlpp_monitoring.commands.bootstrap import run_bootstrap

    return run_bootstrap(args.stack, args.cwd, secrets_provider=args.secrets_provider)


def _cmd_status(args: argparse.Namespace) -> int:
    from mlpp_monitoring.commands.status.command import run_status

    return run_status(args.stack, args.cwd, as_json=args.json)


def _cmd_test_alerts(args: argparse.Namespace) -> int:
    from mlpp_monitoring.commands.alert_tests.command import run_test_alerts

    return run_test_alerts(
        args.stack, args.cwd, file=args.file, compare_to=args.compare, markdown=args.markdown
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    from mlpp_monitoring.commands.demo import run_demo

    return run_demo(args.cwd)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="mlpp-monitoring", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="pulumi up of the sandbox stack against the sandbox")
    demo.add_argument("--cwd", type=Path, default=Path("."), help="project directory")
    demo.set_defaults(run=_cmd_demo)

    drift = sub.add_parser(
        "drift",
        help="console edits (exit 7) and undeployed changes (exit 8) since the last deploy",
    )
    _common(drift)
    drift.add_argument("--report", type=Path, help="write the Markdown drift report here")
    drift.add_argument(
        "--result-json", type=Path, help="write the result as JSON here (for the workflow)"
    )
    drift.set_defaults(run=_cmd_drift)

    discover = sub.add_parser("discover", help="list existing objects and how to adopt them")
    _common(discover)
    discover.set_defaults(run=_cmd_discover)

    bootstrap = sub.add_parser(
        "bootstrap", help="first run: create the stack if missing, list what to adopt"
    )
    _common(bootstrap)
    bootstrap.add_argument(
        "--secrets-provider",
        help="for a new stack (default: pulumi's, the passphrase on a self-managed backend)",
    )
    bootstrap.set_defaults(run=_cmd_bootstrap)

    status = sub.add_parser("status", help="is PROD up? why not? since when? who acts?")
    _common(status)
    status.add_argument("--json", action="store_true", help="stable JSON instead of a table")
    status.set_defaults(run=_cmd_status)

    runbook = sub.add_parser("runbook", help="regenerate docs/RUNBOOK.md from the stack")
    _common(runbook)
    runbook.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    runbook.set_defaults(run=_cmd_runbook)

    alerts = sub.add_parser(
        "test-alerts",
        help="run alert-tests.yaml against the declared alerts and monitors (exit 1: one fails)",
    )
    _common(alerts)
    alerts.add_argument(
        "--file", type=Path, help="the scenario file (default: alert-tests.yaml in --cwd)"
    )
    alerts.add_argument(
        "--compare",
        metavar="REF",
        help="also run on the stack file at git revision REF, changed outcomes first",
    )
    alerts.add_argument(
        "--markdown", action="store_true", help="Markdown (for a pull request's comment)"
    )
    alerts.set_defaults(run=_cmd_test_alerts)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mlpp-monitoring` script; returns the exit code."""
    args = build_parser().parse_args(argv)
    command: Command = args.run
    try:
        return command(args)
    except (
        ConfigError,
        CredentialUnavailable,
        ApiError,
        EngineMissing,
        PulumiFailed,
        RevisionUnreadable,
        FileNotFoundError,
    ) as exc:
        # Known failures get one clear line, never a traceback (and never a credential:
        # ApiError messages are redacted where they are made).
        print(f"error: {exc}", file=sys.stderr)
        return exit_codes.FAILED


if __name__ == "__main__":
    raise SystemExit(main())
