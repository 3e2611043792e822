"""How long `status` takes against the sandbox, per scenario (a benchmark, not a test).

    .venv/bin/python -m tests.commands.status.benchmark

Two timings each: `run_status` in process (median of 5), and the whole CLI in a fresh
Python process (`python -m mlpp_monitoring.commands.cli status`, imports included).
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mlpp_monitoring.commands.status.command import run_status
from mlpp_sandbox import Sandbox

from . import scenarios

BUDGET_SECONDS = 5.0
Scenario = Callable[[Sandbox], object]


def _wrong_keys(sandbox: Sandbox) -> object:
    return scenarios.all_up(sandbox)


SCENARIOS: dict[str, Scenario] = {
    "all up": scenarios.all_up,
    "site down (503)": scenarios.site_down,
    "login spike": scenarios.login_spike,
    "credentials rejected": _wrong_keys,
}


def measure(name: str, scenario: Scenario) -> tuple[float, float, int]:
    with Sandbox() as sandbox, tempfile.TemporaryDirectory() as tmp:
        scenario(sandbox)
        project = scenarios.write_project(Path(tmp), sandbox)
        wrong = name == "credentials rejected"
        env = {
            **os.environ,
            "UPTIMEROBOT_API_KEY": "x" if wrong else sandbox.options.uptimerobot_key,
            "SENTRY_AUTH_TOKEN": "x" if wrong else sandbox.options.sentry_token,
        }
        os.environ.update(env)
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            code = run_status(scenarios.STACK, project, False, out=io.StringIO())
            runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        cli = subprocess.run(
            [sys.executable, "-m", "mlpp_monitoring.commands.cli", "status", "--cwd", str(project)],
            env=env,
            capture_output=True,
            check=False,
        )
        whole = time.perf_counter() - started
        assert cli.returncode == code, cli.stderr
        return statistics.median(runs), whole, code


def main() -> None:
    print(f"{'scenario':<22} {'in process':>11} {'whole CLI':>10}  exit")
    for name, scenario in SCENARIOS.items():
        inside, whole, code = measure(name, scenario)
        flag = "" if whole < BUDGET_SECONDS else f"  OVER {BUDGET_SECONDS} s"
        print(f"{name:<22} {inside * 1000:>9.0f} ms {whole:>8.2f} s  {code}{flag}")


if __name__ == "__main__":
    main()
