"""End-to-end harness: the real `pulumi` CLI, a copy of this project, a sandbox process.

Nothing here talks to the provider objects: tests run `pulumi` (CLI or Automation API)
exactly as a user would, and check outcomes by reading the sandbox's vendor APIs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml
from pulumi import automation as auto

from mlpp_monitoring.engine import PULUMI_VERSION, find_bin_dir

REPO = Path(__file__).resolve().parents[2]
SANDBOX_PASSPHRASE = "mlpp-sandbox"
UPTIMEROBOT_KEY = "sandbox-uptimerobot-key"
SENTRY_TOKEN = "sandbox-sentry-token"


@dataclass
class SandboxProcess:
    """`python -m mlpp_monitoring.sandbox` on a free loopback port, with a journal file."""

    workdir: Path
    args: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[str] | None = None

    @property
    def journal_path(self) -> Path:
        """The JSON-lines journal of every vendor request."""
        return self.workdir / "journal.jsonl"

    def start(self) -> SandboxProcess:
        """Start and wait for the ready file."""
        ready = self.workdir / "ready.json"
        ready.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mlpp_monitoring.sandbox",
                "--port",
                "0",
                "--ready-file",
                str(ready),
                "--journal",
                str(self.journal_path),
                *self.args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox did not start: {self.proc.stderr}")
            time.sleep(0.05)
        self.urls = json.loads(ready.read_text())
        return self

    def stop(self) -> None:
        """SIGTERM, then wait."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return self.urls["sentry"]

    def uptimerobot(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A call to the sandbox's UptimeRobot API, as a person in the web console would."""
        headers = {"Authorization": f"Bearer {UPTIMEROBOT_KEY}"}
        return requests.request(
            method, f"{self.urls['uptimerobot']}{path}", headers=headers, timeout=10, **kwargs
        )

    def sentry(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A call to the sandbox's Sentry API (`path` after /api/0)."""
        headers = {"Authorization": f"Bearer {SENTRY_TOKEN}"}
        return requests.request(
            method, f"{self.base}/api/0{path}", headers=headers, timeout=10, **kwargs
        )

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The sandbox's own control API (/_sandbox/...)."""
        return requests.request(method, f"{self.base}/_sandbox{path}", timeout=10, **kwargs)

    def monitors(self) -> list[dict[str, Any]]:
        """Every live monitor of the account."""
        data: list[dict[str, Any]] = self.uptimerobot("GET", "/monitors?limit=200").json()["data"]
        return data

    def workflows(self) -> list[dict[str, Any]]:
        """Every live workflow of the organization."""
        data: list[dict[str, Any]] = self.sentry("GET", "/organizations/mlpp/workflows/").json()
        return data

    def journal(self) -> list[dict[str, Any]]:
        """The journal entries so far."""
        if not self.journal_path.exists():
            return []
        return [json.loads(line) for line in self.journal_path.read_text().splitlines() if line]


@dataclass
class Project:
    """A copy of this Pulumi project whose sandbox stack points at one sandbox process."""

    dir: Path
    sandbox: SandboxProcess
    backend: Path
    stack_name: str = "sandbox"

    @classmethod
    def create(cls, root: Path, sandbox: SandboxProcess, backend: Path | None = None) -> Project:
        """Copy Pulumi.yaml (venv made absolute), __main__.py and the sandbox stack file."""
        root.mkdir(parents=True, exist_ok=True)
        project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
        shutil.copy(REPO / "__main__.py", root / "__main__.py")
        stack = yaml.safe_load((REPO / "Pulumi.sandbox.yaml").read_text())
        stack["config"]["uptimerobot:apiUrl"] = sandbox.urls["uptimerobot"]
        stack["config"]["sentry:baseUrl"] = sandbox.urls["sentry"]
        (root / "Pulumi.sandbox.yaml").write_text(yaml.safe_dump(stack, sort_keys=False))
        backend = backend or root / ".state"
        backend.mkdir(parents=True, exist_ok=True)
        made = cls(dir=root, sandbox=sandbox, backend=backend)
        made.pulumi("stack", "select", "--create", made.stack_name, check=True)
        return made

    @property
    def env(self) -> dict[str, str]:
        """What a user's shell would have: the built CLI first on PATH, offline switches."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("UPTIMEROBOT_API_KEY", "SENTRY_AUTH_TOKEN", "PULUMI_BACKEND_URL")
        }
        env.update(
            PATH=f"{find_bin_dir()}{os.pathsep}{env.get('PATH', '')}",
            PULUMI_HOME=str(self.backend.parent / ".pulumi-home"),
            PULUMI_BACKEND_URL=self.backend.as_uri(),
            PULUMI_CONFIG_PASSPHRASE=SANDBOX_PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        )
        return env

    def pulumi(
        self, *args: str, check: bool = False, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the CLI in the project copy; stdout and stderr captured."""
        result = subprocess.run(
            [str(find_bin_dir() / "pulumi"), *args, "--non-interactive"],
            cwd=self.dir,
            env=env or self.env,
            text=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} exited {result.returncode}\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def stack(self) -> auto.Stack:
        """The sandbox stack through the Automation API, with the same CLI and env."""
        workspace = auto.LocalWorkspace(
            work_dir=str(self.dir),
            pulumi_command=auto.PulumiCommand(root=str(find_bin_dir().parent)),
            env_vars=self.env,
        )
        return auto.Stack.select(self.stack_name, workspace)

    def set_project_value(self, path: str, value: Any) -> None:
        """Change one value of the project's config (e.g. 'uptimerobot.monitors.x.interval')
        in the stack file, as a reviewer would see it in a diff."""
        file = self.dir / "Pulumi.sandbox.yaml"
        data = yaml.safe_load(file.read_text())
        top, *rest = path.split(".")
        node = data["config"][f"mlpp-monitoring:{top}"]
        for part in rest[:-1]:
            node = node[part]
        node[rest[-1]] = value
        file.write_text(yaml.safe_dump(data, sort_keys=False))


def engine_version_ok() -> bool:
    """The CLI the tests use is the version this project pins."""
    out = subprocess.run(
        [str(find_bin_dir() / "pulumi"), "version"], capture_output=True, text=True, check=True
    ).stdout
    return out.strip().lstrip("v").startswith(PULUMI_VERSION.rsplit(".", 1)[0])


@contextmanager
def running_sandbox(workdir: Path, *args: str) -> Iterator[SandboxProcess]:
    """A sandbox process for the duration of a block."""
    sandbox = SandboxProcess(workdir=workdir, args=list(args)).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()
