"""Running the Pulumi CLI the way a user would: the same binary, offline, non-interactive.

The commands people run (drift, discover, status, the demo) and the end-to-end tests all
go through `PulumiCli`, so there is one place that knows where the engine is and which
environment it needs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PULUMI_VERSION = "3.274.1"
"""The CLI version scripts/ensure-pulumi builds and the Python SDK pin is compatible with."""

REPO = Path(__file__).resolve().parent.parent


class EngineMissing(RuntimeError):
    """No usable `pulumi` CLI was found."""


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
    *, backend_url: str | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment for the CLI: its directory first on PATH, no update check, no
    plugin downloads, and a backend (the caller's, else a local one in the repository)."""
    env = dict(os.environ if base is None else base)
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
