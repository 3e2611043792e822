"""API budget and scale: vendor calls and wall time of each Pulumi operation, for N monitors.

    .venv/bin/python benchmarks/api_budget.py          # N = 1, 10, 50, 200: docs/PERFORMANCE.md
    .venv/bin/python benchmarks/api_budget.py --quick  # N = 1, 10, 50: printed only

For each N, the project's stack declares N monitors (distinct names and URLs, the
production monitor's settings) and the two alerts, and runs through the real `pulumi`
CLI against an in-process sandbox (its monitor limit raised to N + 50): the program under
Pulumi's mocks, `up` from empty, `preview`, `preview --refresh`, `refresh`, and `up` with
no change. Calls are counted in the sandbox's journal, by vendor, reads (GET) and writes.
The same sequence runs with batching switched off (MLPP_BATCH_READS=0) on a fresh sandbox
and state, and a baseline stack of N + 2 no-op dynamic resources (benchmarks/baseline/,
a provider that calls nothing) runs it too, all in the same run: "x baseline" is this
project's time over the baseline's.

Pacing: the sandbox enforces no rate limit in the runs above (it then announces
UptimeRobot's paid-plan cap, 5000 a minute, which the pacer spreads to ~12 ms a call).
A separate run does `up` of 50 monitors from empty under the free plan's limit scaled
down in time tenfold: 10 calls per 6 s instead of 10 per 60 s (`--rate-limit 10
--rate-window 6` of the sandbox), and counts the 429 answers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlpp_monitoring.batching import BATCH_ENV  # noqa: E402
from mlpp_monitoring.commands.engine import PULUMI_VERSION, find_bin_dir  # noqa: E402
from mlpp_sandbox import Sandbox, SandboxOptions  # noqa: E402
from tests.e2e.harness import SANDBOX_PASSPHRASE, Project  # noqa: E402

HERE = Path(__file__).resolve().parent
PYTHON = REPO / ".venv" / "bin" / "python"
DOC = REPO / "docs" / "PERFORMANCE.md"
PAGE = 200
"""UptimeRobot's largest page: one list call per 200 monitors."""

SENTRY_CONSTANT = 3
"""Sentry calls of a refresh whatever the number of alerts: project, detectors, workflows."""
UPTIMEROBOT_CONSTANT = 1
"""UptimeRobot calls of a refresh besides the list: the account's alert contacts."""

FREE_LIMIT, SCALED_WINDOW = 10, 6.0
"""The free plan's 10 calls a minute, scaled down in time tenfold (10 per 6 s)."""
PACING_N = 50

OPERATIONS = (
    ("evaluate", "program under mocks"),
    ("up-empty", "`up` from empty"),
    ("preview", "`preview`"),
    ("preview-refresh", "`preview --refresh`"),
    ("refresh", "`refresh`"),
    ("up-nochange", "`up` with no change"),
)
COMMANDS = {
    "up-empty": ("up", "--yes"),
    "preview": ("preview",),
    "preview-refresh": ("preview", "--refresh"),
    "refresh": ("refresh", "--yes"),
    "up-nochange": ("up", "--yes"),
}


@dataclass
class Calls:
    """Vendor calls of one operation, from the sandbox journal."""

    ur_reads: int = 0
    ur_writes: int = 0
    sentry_reads: int = 0
    sentry_writes: int = 0
    ur_lists: int = 0
    ur_gets_by_id: int = 0
    sentry_lists: int = 0
    sentry_gets_by_id: int = 0
    status_429: int = 0

    @property
    def total(self) -> int:
        """Every vendor call."""
        return self.ur_reads + self.ur_writes + self.sentry_reads + self.sentry_writes

    @property
    def writes(self) -> int:
        """Calls that change something."""
        return self.ur_writes + self.sentry_writes

    def cell(self) -> str:
        """`UR r/w · S r/w` for the table."""
        return (
            f"{self.ur_reads}/{self.ur_writes} · {self.sentry_reads}/{self.sentry_writes}"
            if self.total
            else "0"
        )

    @classmethod
    def of(cls, entries: list[dict[str, Any]]) -> Calls:
        """Count journal entries."""
        calls = cls()
        for entry in entries:
            read = entry["method"] == "GET"
            path: str = entry["path"]
            if entry["vendor"] == "uptimerobot":
                if read:
                    calls.ur_reads += 1
                    calls.ur_lists += path == "/v3/monitors"
                    calls.ur_gets_by_id += path.startswith("/v3/monitors/")
                else:
                    calls.ur_writes += 1
            elif entry["vendor"] == "sentry":
                if read:
                    calls.sentry_reads += 1
                    calls.sentry_lists += path.endswith("/workflows/")
                    calls.sentry_gets_by_id += "/workflows/" in path and not path.endswith(
                        "/workflows/"
                    )
                else:
                    calls.sentry_writes += 1
            calls.status_429 += entry["status"] == 429
        return calls


@dataclass
class Measure:
    """One operation: wall time and calls."""

    seconds: float
    calls: Calls = field(default_factory=Calls)


def monitors_config(count: int) -> dict[str, Any]:
    """The sandbox stack's `uptimerobot` section with `count` monitors like the production one."""
    stack = yaml.safe_load((REPO / "Pulumi.sandbox.yaml").read_text())
    section: dict[str, Any] = stack["config"]["mlpp-monitoring:uptimerobot"]
    (template,) = section["monitors"].values()
    section["monitors"] = {
        f"bench-{i:03d}": {
            **template,
            "name": f"ML_PP bench {i:03d}",
            "url": f"https://bench-{i:03d}.monaluxe.app",
        }
        for i in range(count)
    }
    return section


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        cmd, cwd=cwd, env=env, text=True, capture_output=True, stdin=subprocess.DEVNULL
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {result.returncode}\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-3000:]}"
        )
    return seconds


def _pulumi(args: tuple[str, ...], cwd: Path, env: dict[str, str]) -> float:
    return _run([str(find_bin_dir() / "pulumi"), *args, "--non-interactive"], cwd, env)


def _evaluate(which: str, arg: str) -> float:
    out = subprocess.run(
        [str(PYTHON), str(HERE / "evaluate.py"), which, arg],
        text=True,
        capture_output=True,
        check=True,
    ).stdout
    seconds: float = json.loads(out.strip().splitlines()[-1])["seconds"]
    return seconds


@contextmanager
def sandbox(count: int, **options: Any) -> Iterator[Sandbox]:
    """An in-process sandbox whose account holds up to count + 50 monitors."""
    sb = Sandbox(SandboxOptions(uptimerobot_monitor_limit=count + 50, **options)).start()
    try:
        yield sb
    finally:
        sb.stop()


def project_run(count: int, workdir: Path, *, batched: bool) -> dict[str, Measure]:
    """Every operation of this project's stack with `count` monitors, on a fresh sandbox."""
    results: dict[str, Measure] = {}
    with sandbox(count) as sb:
        project = Project.create(workdir, sb)  # type: ignore[arg-type]
        project.set_project_config("uptimerobot", monitors_config(count))
        env = {**project.env, BATCH_ENV: "1" if batched else "0"}
        config = workdir / "program-config.json"
        stack = yaml.safe_load(project.stack_file.read_text())["config"]
        config.write_text(
            json.dumps(
                {
                    k: v if isinstance(v, str) else json.dumps(v)
                    for k, v in stack.items()
                    if k.startswith("mlpp-monitoring:")
                }
            )
        )
        results["evaluate"] = Measure(_evaluate("project", str(config)))
        for key, args in COMMANDS.items():
            mark = len(sb.journal)
            seconds = _pulumi(args, project.dir, env)
            results[key] = Measure(seconds, Calls.of(sb.journal[mark:]))
    return results


def baseline_run(count: int, workdir: Path) -> dict[str, Measure]:
    """Every operation of the no-op baseline stack with `count` resources."""
    workdir.mkdir(parents=True)
    for name in ("__main__.py", "noop_provider.py"):
        shutil.copy(HERE / "baseline" / name, workdir / name)
    (workdir / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "mlpp-baseline",
                "runtime": {
                    "name": "python",
                    "options": {"toolchain": "pip", "virtualenv": str(REPO / ".venv")},
                },
            }
        )
    )
    (workdir / ".state").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PULUMI_BACKEND_URL"},
        "PATH": f"{find_bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_HOME": str(workdir / ".pulumi-home"),
        "PULUMI_BACKEND_URL": (workdir / ".state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": SANDBOX_PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    _pulumi(("stack", "select", "--create", "bench"), workdir, env)
    _pulumi(("config", "set", "count", str(count)), workdir, env)
    results = {"evaluate": Measure(_evaluate("baseline", str(count)))}
    for key, args in COMMANDS.items():
        results[key] = Measure(_pulumi(args, workdir, env))
    return results


def pacing_run(workdir: Path, *, batched: bool) -> Measure:
    """`up` of 50 monitors from empty under 10 calls per 6 s (the free plan, 10x faster)."""
    with sandbox(PACING_N, rate_limit=FREE_LIMIT, rate_window=SCALED_WINDOW) as sb:
        project = Project.create(workdir, sb)  # type: ignore[arg-type]
        project.set_project_config("uptimerobot", monitors_config(PACING_N))
        env = {**project.env, BATCH_ENV: "1" if batched else "0"}
        mark = len(sb.journal)
        seconds = _pulumi(COMMANDS["up-empty"], project.dir, env)
        return Measure(seconds, Calls.of(sb.journal[mark:]))


# -- the report --------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    version = subprocess.run(
        [str(find_bin_dir() / "pulumi"), "version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "pulumi": f"{version} (built from source, pinned {PULUMI_VERSION})",
    }


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def _calls_ratio(a: Calls, b: Calls) -> str:
    if not a.total and not b.total:
        return "-"
    return _ratio(a.total, b.total)


def table(results: dict[str, Any]) -> list[str]:
    """The main table, Markdown."""
    lines = [
        "| N | operation | calls batched (UR r/w · Sentry r/w) | calls unbatched | calls "
        "b/u | time batched (s) | time unbatched (s) | time b/u | baseline (s) | "
        "batched x baseline |",
        "|---:|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n, runs in results["sizes"].items():
        for key, label in OPERATIONS:
            b, u, base = (runs[mode][key] for mode in ("batched", "unbatched", "baseline"))
            lines.append(
                f"| {n} | {label} | {b.calls.cell()} | {u.calls.cell()} | "
                f"{_calls_ratio(b.calls, u.calls)} | {b.seconds:.2f} | {u.seconds:.2f} | "
                f"{_ratio(b.seconds, u.seconds)} | {base.seconds:.2f} | "
                f"{_ratio(b.seconds, base.seconds)}x |"
            )
    return lines


def targets(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """(target, met, measured) for each target of the issue."""
    checks: list[tuple[str, bool, str]] = []
    sizes: dict[int, dict[str, dict[str, Measure]]] = results["sizes"]
    previews = [(n, r[m]["preview"].calls.total) for n, r in sizes.items() for m in ("batched",)]
    checks.append(
        (
            "`preview`: 0 vendor API calls",
            all(total == 0 for _, total in previews),
            ", ".join(f"N={n}: {t}" for n, t in previews),
        )
    )
    for key, operations in (("preview-refresh", 1), ("refresh", 2)):
        label = dict(OPERATIONS)[key]
        if operations > 1:
            label += f" ({operations} engine operations: its preview, then the refresh)"
        measured, met = [], True
        for n, runs in sizes.items():
            c = runs["batched"][key].calls
            lists = math.ceil(n / PAGE)
            ok = (
                c.ur_lists <= lists * operations
                and c.ur_reads - c.ur_lists <= UPTIMEROBOT_CONSTANT * operations
                and c.sentry_reads <= SENTRY_CONSTANT * operations
                and c.writes == 0
            )
            met = met and ok
            measured.append(
                f"N={n}: {c.ur_lists} list + {c.ur_reads - c.ur_lists} other UR, "
                f"{c.sentry_reads} Sentry"
            )
        checks.append(
            (
                f"{label}: per engine operation, at most one UptimeRobot list call per 200 "
                f"monitors (+ the alert contacts), Sentry a constant {SENTRY_CONSTANT} "
                "(project, detectors, workflows list)",
                met,
                "; ".join(measured),
            )
        )
    nochange = [
        (n, m, r[m]["up-nochange"].calls.writes)
        for n, r in sizes.items()
        for m in ("batched", "unbatched")
    ]
    checks.append(
        (
            "`up` with no change: 0 writes",
            all(w == 0 for _, _, w in nochange),
            ", ".join(f"N={n} {m}: {w}" for n, m, w in nochange if m == "batched")
            + " (unbatched: "
            + ", ".join(str(w) for _, m, w in nochange if m == "unbatched")
            + ")",
        )
    )
    biggest = max(sizes)
    b = sizes[biggest]["batched"]["preview-refresh"].seconds
    base = sizes[biggest]["baseline"]["preview-refresh"].seconds
    checks.append(
        (
            f"`preview --refresh` at N={biggest} (pacing off): under 1.5x the baseline",
            b / base < 1.5,
            f"{b:.2f} s / {base:.2f} s = {b / base:.2f}x",
        )
    )
    pacing = results.get("pacing") or {}
    if "batched" in pacing:
        p = pacing["batched"]
        checks.append(
            (
                f"`up` of {PACING_N} monitors from empty under {FREE_LIMIT} calls per "
                f"{SCALED_WINDOW:g} s: zero 429 answers",
                p.calls.status_429 == 0,
                f"{p.calls.status_429} x 429 in {p.calls.total} calls, {p.seconds:.1f} s",
            )
        )
    return checks


def report(results: dict[str, Any], quick: bool) -> str:
    """docs/PERFORMANCE.md."""
    m = results["machine"]
    out = [
        "# Performance: API budget and scale",
        "",
        "Generated by `benchmarks/api_budget.py` (do not edit by hand; run "
        "`.venv/bin/python benchmarks/api_budget.py` to regenerate, a few minutes).",
        f"Measured {results['when']}{' (--quick)' if quick else ''}.",
        "",
        "## Machine",
        "",
        f"- {m['cores']} cores ({m['cpu']}), {m['memory']} memory, {m['os']}",
        f"- Python {m['python']}, pulumi {m['pulumi']}",
        "",
        "## What is measured",
        "",
        "For N monitors (distinct names and URLs, the production monitor's settings) plus the",
        "two Sentry alerts, each operation runs through the real `pulumi` CLI against the",
        "sandbox (in process, its monitor limit raised to N + 50). Calls come from the sandbox",
        "journal: `UR r/w · Sentry r/w` is UptimeRobot reads (GET) / writes, then Sentry's.",
        "`unbatched` is the same sequence on a fresh sandbox and state with",
        f"`{BATCH_ENV}=0` (every read a GET by id, every look-up before a create a filtered list",
        "call). `baseline` is a stack of N + 2 no-op dynamic resources",
        "(`benchmarks/baseline/`: a provider that calls nothing), measured in the same run;",
        "`batched x baseline` is this project's time over the baseline's. Every operation",
        "runs once; times are wall-clock seconds of the whole CLI command (`up` = its preview",
        "and its update, each with its own provider host). Program evaluation is the program",
        "under Pulumi's mocks in a fresh interpreter, imports included (no API call).",
        "",
        "Pacing is off in the main table: the sandbox enforces no rate limit (it announces",
        "UptimeRobot's paid-plan cap, 5000 calls a minute, which the pacer spreads to about",
        "12 ms a call). The pacing run below enforces the free plan's 10 calls a minute scaled",
        f"down in time tenfold: {FREE_LIMIT} calls per {SCALED_WINDOW:g} s (sandbox "
        f"`--rate-limit {FREE_LIMIT} --rate-window {SCALED_WINDOW:g}`).",
        "",
        "## Calls and wall time",
        "",
        *table(results),
        "",
    ]
    pacing = results.get("pacing") or {}
    if pacing:
        out += [
            f"## Pacing: `up` of {PACING_N} monitors from empty, {FREE_LIMIT} calls per "
            f"{SCALED_WINDOW:g} s",
            "",
            "| reads | calls (UR r/w · Sentry r/w) | UptimeRobot calls | 429 answers | time (s) "
            "| real free plan (x10) |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for mode, p in pacing.items():
            ur = p.calls.ur_reads + p.calls.ur_writes
            out.append(
                f"| {mode} | {p.calls.cell()} | {ur} | {p.calls.status_429} | "
                f"{p.seconds:.1f} | ~{p.seconds * 10 / 60:.0f} min |"
            )
        out.append("")
    out += [
        "## Targets",
        "",
        "| target | result | measured |",
        "|---|---|---|",
    ]
    for text, met, measured in targets(results):
        out.append(f"| {text} | {'PASS' if met else 'FAIL'} | {measured} |")
    out += [
        "",
        "## How reads are batched",
        "",
        "See `mlpp_monitoring/batching.py`. Per provider host process (one per engine",
        "operation: a `pulumi up` is two, its preview and its update), the first read of a",
        "kind lists every object (UptimeRobot: 200 monitors a page; Sentry: the project's",
        "workflows, 100 a page) and the host's other threads wait for that one call; reads",
        "and the twin look-ups before each create are answered from it. An object the list",
        "does not hold is read by id (404 = gone). A write makes that object read by id from",
        "then on and updates the look-up view with the vendor's answer; a write whose outcome",
        "is unknown drops the list. Nothing outlives the process.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the report (and write it, for a full run or --output)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 1, 10, 50; no unbatched pacing")
    parser.add_argument("--sizes", help="comma-separated N values (overrides the defaults)")
    parser.add_argument("--no-pacing", action="store_true", help="skip the rate-limited run")
    parser.add_argument("--output", type=Path, help=f"write the report here (full run: {DOC})")
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON")
    args = parser.parse_args(argv)
    sizes = [1, 10, 50] if args.quick else [1, 10, 50, 200]
    if args.sizes:
        sizes = [int(n) for n in args.sizes.split(",")]
    output = args.output or (None if args.quick or args.sizes else DOC)

    started = time.perf_counter()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "sizes": {},
        "pacing": {},
    }
    with tempfile.TemporaryDirectory(prefix="mlpp-bench-") as tmp:
        work = Path(tmp)
        for n in sizes:
            runs = {
                "batched": project_run(n, work / f"{n}-batched", batched=True),
                "unbatched": project_run(n, work / f"{n}-unbatched", batched=False),
                "baseline": baseline_run(n + 2, work / f"{n}-baseline"),
            }
            results["sizes"][n] = runs
            print(f"N={n} done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        if not args.no_pacing:
            modes = ("batched",) if args.quick else ("batched", "unbatched")
            for mode in modes:
                results["pacing"][mode] = pacing_run(
                    work / f"pacing-{mode}", batched=mode == "batched"
                )
                elapsed = time.perf_counter() - started
                print(f"pacing {mode} done ({elapsed:.0f} s)", file=sys.stderr)
    text = report(results, args.quick)
    print(text)
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if output:
        output.write_text(text)
        print(f"wrote {output}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, default=asdict, indent=1))
    return 0 if all(met for _, met, _ in targets(results)) else 1


if __name__ == "__main__":
    sys.exit(main())
