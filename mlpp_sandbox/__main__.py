"""``python -m mlpp_sandbox``: run both emulators until SIGTERM or SIGINT.

On start it prints one JSON line with the two base URLs (and writes the same
JSON to ``--ready-file``, atomically); the ready file is removed on a clean
stop so that a stale one never announces a dead server.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .options import SandboxOptions, is_loopback
from .sentry import KEY_CASES
from .server import Sandbox
from .uptimerobot import CONTACT_STATES

DEFAULT_PORT = 8787


def _some_text(text: str) -> str:
    """An option's TEXT that must not be empty (an empty one would select everything)."""
    if not text:
        raise argparse.ArgumentTypeError(
            "'' selects every monitor: give some text, or leave the option out"
        )
    return text


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    defaults = SandboxOptions()
    parser = argparse.ArgumentParser(
        prog="python -m mlpp_sandbox",
        description="Local UptimeRobot v3 and Sentry API emulators on one loopback port.",
    )
    parser.add_argument(
        "--host", default=defaults.host, help="loopback address (default %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port, 0 for a free one (default %(default)s)",
    )
    parser.add_argument("--ready-file", type=Path, help="write the URLs as JSON here once serving")
    parser.add_argument("--journal", type=Path, help="append one JSON line per vendor request")
    parser.add_argument(
        "--state-file",
        type=Path,
        help="keep the accounts across runs (loaded at start, saved at stop)",
    )
    parser.add_argument("--uptimerobot-key", default=defaults.uptimerobot_key)
    parser.add_argument("--sentry-token", default=defaults.sentry_token)
    parser.add_argument(
        "--sentry-token-scopes",
        metavar="SCOPES",
        help="the token's scopes, space- or comma-separated (default: every scope); a call "
        "its endpoint does not allow answers 403",
    )
    parser.add_argument(
        "--uptimerobot-contact",
        default=defaults.uptimerobot_contact,
        help="e-mail of the account's alert contact (default %(default)s)",
    )
    parser.add_argument(
        "--uptimerobot-plan",
        default=defaults.uptimerobot_plan,
        choices=("free", "solo", "team", "enterprise"),
        help="the account's plan: its minimum interval and contact settings",
    )
    parser.add_argument(
        "--uptimerobot-list-lag",
        type=float,
        default=defaults.uptimerobot_list_lag,
        metavar="SECONDS",
        help="a created monitor shows in GET /monitors and GET /monitors/{id} only after "
        "this delay (default %(default)s)",
    )
    parser.add_argument(
        "--uptimerobot-list-lag-match",
        type=_some_text,
        default=defaults.uptimerobot_list_lag_match,
        metavar="TEXT",
        help="only monitors whose name or URL contains TEXT lag (default: every monitor)",
    )
    parser.add_argument(
        "--uptimerobot-contact-state",
        default=defaults.uptimerobot_contact_state,
        choices=tuple(CONTACT_STATES),
        help="the alert contact's state: not-activated (e-mail never confirmed), paused and "
        "up-only (notifies on UP only) page nobody when a monitor goes down "
        "(default %(default)s)",
    )
    parser.add_argument("--sentry-org", default=defaults.sentry_org)
    parser.add_argument("--sentry-project", default=defaults.sentry_project)
    parser.add_argument(
        "--sentry-environment",
        action="append",
        dest="sentry_environments",
        metavar="NAME",
        help="an environment of the org (repeatable; default: production)",
    )
    parser.add_argument(
        "--no-sentry-environment",
        action="store_true",
        help="start with no environment at all",
    )
    parser.add_argument(
        "--sentry-key-case",
        default=defaults.sentry_key_case,
        choices=KEY_CASES,
        help="camel-only: an older Sentry that silently ignores snake_case detector_ids "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="UptimeRobot requests per window before 429 (default: unlimited)",
    )
    parser.add_argument(
        "--rate-window",
        type=float,
        default=defaults.rate_window,
        metavar="SECONDS",
        help="length of the rate-limit window (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of random orders")
    return parser


def options_from_args(args: argparse.Namespace) -> SandboxOptions:
    """Turn parsed arguments into :class:`SandboxOptions`."""
    if args.no_sentry_environment:
        environments: tuple[str, ...] = ()
    elif args.sentry_environments:
        environments = tuple(args.sentry_environments)
    else:
        environments = ("production",)
    return SandboxOptions(
        host=args.host,
        port=args.port,
        journal_path=args.journal,
        state_path=args.state_file,
        uptimerobot_key=args.uptimerobot_key,
        sentry_token=args.sentry_token,
        sentry_token_scopes=(
            None
            if args.sentry_token_scopes is None
            else tuple(args.sentry_token_scopes.replace(",", " ").split())
        ),
        uptimerobot_contact=args.uptimerobot_contact,
        uptimerobot_plan=args.uptimerobot_plan,
        uptimerobot_list_lag=args.uptimerobot_list_lag,
        uptimerobot_list_lag_match=args.uptimerobot_list_lag_match,
        uptimerobot_contact_state=args.uptimerobot_contact_state,
        sentry_org=args.sentry_org,
        sentry_project=args.sentry_project,
        sentry_environments=environments,
        sentry_key_case=args.sentry_key_case,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        seed=args.seed,
    )


def write_atomically(path: Path, text: str) -> None:
    """Write a file so that readers see either nothing or all of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until a signal arrives; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"--host must be a loopback address, not {args.host!r}")
    if args.no_sentry_environment and args.sentry_environments:
        parser.error("--no-sentry-environment conflicts with --sentry-environment")
    if args.rate_limit is not None and args.rate_limit < 1:
        parser.error("--rate-limit must be at least 1")
    if args.rate_window <= 0:
        parser.error("--rate-window must be positive")
    if args.uptimerobot_list_lag < 0:
        parser.error("--uptimerobot-list-lag must not be negative")

    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        sandbox = Sandbox(options_from_args(args)).start()
    except OSError as error:
        print(f"sandbox: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    try:
        ready = json.dumps(sandbox.urls)
        print(ready, flush=True)
        if args.ready_file is not None:
            write_atomically(args.ready_file, ready + "\n")
        # Event.wait with a timeout keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
        if args.ready_file is not None:
            args.ready_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
