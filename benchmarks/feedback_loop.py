"""How long the feedback loop takes: `make unit` and `make test`, warm and cold, against targets.

    .venv/bin/python benchmarks/feedback_loop.py           # warm: make unit, make test
    .venv/bin/python benchmarks/feedback_loop.py --cold    # also a fresh clone, empty HOME

Warm runs in this checkout, with its .venv, the cached engine and actionlint. Cold clones
the committed HEAD into an empty temporary folder and runs `make test` there with an
empty HOME (no pip, Go or engine cache: the engine is built from the Go module proxy),
the way a new machine runs the README's test command. Each command's own per-group
timing lines (tests/conftest.py) are kept in the logs under build/benchmarks/.

Targets (issue 13, on 2 cores): make unit < 30 s; make test < 4 min warm, < 10 min cold.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOGS = REPO / "build" / "benchmarks"


@dataclass(frozen=True)
class Run:
    """One timed command and its target."""

    name: str
    command: tuple[str, ...]
    target_seconds: float
    cold: bool = False


RUNS = (
    Run("make unit (warm)", ("make", "unit"), 30),
    Run("make test (warm)", ("make", "test"), 4 * 60),
    Run("make test (cold: fresh clone, empty HOME)", ("make", "test"), 10 * 60, cold=True),
)


def _timed(run: Run, cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Run one command, its output to a log; (seconds, exit code)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / (
        run.name.split(" (")[0].replace(" ", "-") + ("-cold" if run.cold else "") + ".log"
    )
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(
            run.command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        ).returncode
    return time.monotonic() - started, code


def _cold_env(home: Path) -> dict[str, str]:
    """What a new machine's shell has: the system PATH, an empty HOME, no caches."""
    keep = ("PATH", "LANG", "LC_ALL", "TERM", "PYENV_ROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), GOPATH=str(home / "go"))
    env["GOMODCACHE"] = str(home / "go" / "pkg" / "mod")
    env["GOCACHE"] = str(home / ".cache" / "go-build")
    return env


def main(argv: list[str] | None = None) -> int:
    """Time the runs and print a table (exit 1 when a run failed)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cold", action="store_true", help="also time a cold make test")
    args = parser.parse_args(argv)
    rows: list[tuple[str, float, int, float]] = []
    for run in RUNS:
        if run.cold and not args.cold:
            continue
        if run.cold:
            with tempfile.TemporaryDirectory(prefix="mlpp-cold-") as tmp:
                clone, home = Path(tmp) / "clone", Path(tmp) / "home"
                home.mkdir()
                subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
                seconds, code = _timed(run, clone, _cold_env(home))
                # Go's module cache is read-only: make it removable with the folder.
                subprocess.run(["chmod", "-R", "u+w", tmp], check=False)
        else:
            seconds, code = _timed(run, REPO, dict(os.environ))
        rows.append((run.name, seconds, code, run.target_seconds))
        print(f"{run.name}: {seconds:.0f} s (exit {code})", file=sys.stderr)
    print(f"{'run':<45} {'seconds':>8} {'target':>8}  result")
    for name, seconds, code, target in rows:
        verdict = "FAILED" if code else ("ok" if seconds <= target else "over target")
        print(f"{name:<45} {seconds:8.0f} {target:8.0f}  {verdict}")
    print(f"on {os.cpu_count()} CPUs; logs in {LOGS.relative_to(REPO)}/")
    return 1 if any(code for _, _, code, _ in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
