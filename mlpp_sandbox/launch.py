"""Run the sandbox in a process of its own: start it, wait until it serves, stop it.

The demo and the end-to-end tests reach the sandbox from another process, as `pulumi`
reaches the real vendors; `launch()` is the one way they start it. The process is
`python -m mlpp_sandbox` with this interpreter; it announces its URLs in a ready file
(written atomically once it listens, removed when it stops cleanly).
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

READY_TIMEOUT = 20.0
"""Seconds a sandbox may take to listen before `launch` gives up."""


class SandboxFailed(RuntimeError):
    """The sandbox process did not start serving."""


@dataclass
class LaunchedSandbox:
    """A sandbox process that serves: its URLs, as the ready file announced them."""

    process: subprocess.Popen[str]
    urls: dict[str, str]
    """{"uptimerobot": "http://127.0.0.1:PORT/v3", "sentry": "http://127.0.0.1:PORT"}"""

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (the sandbox saves its accounts and removes its ready file), then wait;
        returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def __enter__(self) -> LaunchedSandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def launch(
    ready_file: Path,
    *args: str,
    port: int = 0,
    log_file: Path | None = None,
    stdout: int | None = subprocess.DEVNULL,
    timeout: float = READY_TIMEOUT,
) -> LaunchedSandbox:
    """Start `python -m mlpp_sandbox --port PORT --ready-file READY_FILE ARGS` and wait until
    it serves (port 0: a free one). Its messages go to `log_file` (None: this process's
    stderr); `stdout` is `subprocess`'s (the URLs line). Raises SandboxFailed when it exits
    first or takes over `timeout` s."""
    ready_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "mlpp_sandbox", "--port", str(port)]
    with contextlib.ExitStack() as files:
        log = None if log_file is None else files.enter_context(log_file.open("w"))
        process = subprocess.Popen(
            [*command, "--ready-file", str(ready_file), *args],
            stdout=stdout,
            stderr=log,
            text=True,
        )
    deadline = time.monotonic() + timeout
    while not ready_file.exists():
        if process.poll() is not None:
            hint = f" (is port {port} already in use?)" if port else ""
            said = log_file.read_text(encoding="utf-8").strip()[-2000:] if log_file else ""
            raise SandboxFailed(
                f"the sandbox could not start{hint}" + (f": {said}" if said else "")
            )
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise SandboxFailed(f"the sandbox did not start within {timeout:g} s")
        time.sleep(0.05)
    return LaunchedSandbox(process, json.loads(ready_file.read_text(encoding="utf-8")))
