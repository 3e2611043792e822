"""Running the Pulumi CLI the way a user would: the same binary, offline, non-interactive.

The commands people run (drift, discover, status, the demo) and the end-to-end tests all
go through `PulumiCli`, so there is one place that knows where the engine is and which
environment it needs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The project directory (where Pulumi.yaml is)."""

PULUMI_VERSION = (REPO / ".pulumi-version").read_text(encoding="utf-8").strip()
"""The CLI version, from `.pulumi-version`: the one file scripts/ensure-pulumi builds from and
the workflows install from (pulumi/actions `pulumi-version-file`); engine/go.mod pins the
same one (tests/unit/test_pulumi_version.py)."""

SANDBOX_STACK = "sandbox"
SANDBOX_PASSPHRASE = "mlpp-sandbox"
"""The sandbox stack's secrets (the sandbox's demo credentials) are encrypted with this
public passphrase; it protects nothing else and is never used for another stack."""

PASSPHRASE_VARS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")


def short_stack_name(stack: str) -> str:
    """`production` for `production`, `org/production` or `org/mlpp-monitoring/production`.

    Pulumi keys a stack's config file (`Pulumi.<name>.yaml`) by this last part, however
    the name is qualified; CI names stacks fully (`organization/mlpp-monitoring/production`
    on a self-managed backend, `<org>/mlpp-monitoring/production` on Pulumi Cloud), since a
    fresh runner has no default organisation.
    """
    return stack.rsplit("/", 1)[-1]


PULUMI_STACK_NOT_FOUND, PULUMI_CHANGES = 6, 7
"""The CLI's exit codes for "no such stack" and for `--expect-no-changes` with changes
proposed (stable once released: pkg/cmd/pulumi/cmd/exit_codes.go)."""


class EngineMissing(RuntimeError):
    """No usable `pulumi` CLI was found."""


class PulumiFailed(RuntimeError):
    """A `pulumi` command failed; the message holds what was run and pulumi's own words."""


def last_error(stderr: str) -> str:
    """The CLI's own words: its last `error:` line, else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    return (errors or lines or [""])[-1][:300]


def cache_bin_dir() -> Path:
    """Where scripts/ensure-pulumi installs the CLI it builds."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "mlpp-monitoring" / f"pulumi-v{PULUMI_VERSION}" / "bin"


def find_bin_dir() -> Path:
    """The directory holding `pulumi` and its Python language host.

    Order: $MLPP_PULUMI_BIN, the build cache, then a `pulumi` on PATH.
    """
    explicit = os.environ.get("MLPP_PULUMI_BIN")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(cache_bin_dir())
    on_path = shutil.which("pulumi")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for candidate in candidates:
        if (candidate / "pulumi").is_file():
            return candidate
    raise EngineMissing(
        "no pulumi CLI found: run scripts/ensure-pulumi (it builds one with Go), or install "
        "it from https://www.pulumi.com/docs/install/ and put it on PATH"
    )


def engine_env(
    *,
    backend_url: str | None = None,
    base: Mapping[str, str] | None = None,
    stack: str | None = None,
) -> dict[str, str]:
    """The environment for the CLI: its directory first on PATH, no update check, no
    plugin downloads, and a backend (the caller's, else a local one in the repository).

    For the sandbox stack, its public demo passphrase, whatever the shell holds (a
    passphrase exported for production would not open it): every command on the sandbox
    stack works without setting one.
    """
    env = dict(os.environ if base is None else base)
    if stack is not None and short_stack_name(stack) == SANDBOX_STACK:
        for name in PASSPHRASE_VARS:
            env.pop(name, None)
        env["PULUMI_CONFIG_PASSPHRASE"] = SANDBOX_PASSPHRASE
    bin_dir = find_bin_dir()
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    if backend_url:
        env["PULUMI_BACKEND_URL"] = backend_url
    elif not env.get("PULUMI_BACKEND_URL") and not env.get("PULUMI_ACCESS_TOKEN"):
        state = REPO / ".pulumi-state"
        state.mkdir(exist_ok=True)
        env["PULUMI_BACKEND_URL"] = state.as_uri()
    return env


@dataclass
class PulumiCli:
    """The `pulumi` command in one project directory."""

    cwd: Path = REPO
    env: dict[str, str] = field(default_factory=engine_env)
    bin_dir: Path = field(default_factory=find_bin_dir)

    @classmethod
    def for_stack(cls, stack: str, cwd: Path) -> PulumiCli:
        """The CLI in `cwd`, with what `stack` needs (the sandbox stack's passphrase)."""
        return cls(cwd=cwd, env=engine_env(stack=stack))

    def updates(self, stack: str) -> int | None:
        """How many updates (`pulumi up`) the stack's history holds, 0 when it was never
        deployed; None when there is no such stack. Raises PulumiFailed otherwise."""
        result = self.run(["stack", "history", "--json", "--stack", stack])
        if result.returncode == PULUMI_STACK_NOT_FOUND:
            return None
        try:
            history = json.loads(result.stdout) if result.returncode == 0 else None
        except ValueError:
            history = None
        if not isinstance(history, list):
            said = last_error(result.stderr) or f"exit {result.returncode}"
            raise PulumiFailed(f"could not read the history of stack {stack}: {said}")
        return sum(
            1 for entry in history if isinstance(entry, dict) and entry.get("kind") == "update"
        )

    def run(
        self, args: Sequence[str], *, capture: bool = True, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """Run `pulumi ARGS --non-interactive`; output captured unless `capture` is False."""
        return subprocess.run(
            [
                str(Path(self.env["PATH"].split(os.pathsep)[0]) / "pulumi"),
                *args,
                "--non-interactive",
            ],
            cwd=self.cwd,
            env=self.env,
            text=True,
            capture_output=capture,
            check=check,
            stdin=subprocess.DEVNULL,
        )
