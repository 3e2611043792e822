"""`mlpp-monitoring runbook`: regenerate docs/RUNBOOK.md from the stack config, or check it.

The committed runbook is fresh when it is exactly what `render_runbook` makes of the
stack file; `--check` (for CI) writes nothing and exits 1 when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mlpp_monitoring.commands.exit_codes import FAILED, OK, PROBLEM
from mlpp_monitoring.commands.runbook.render import REGENERATE_COMMAND, render_runbook
from mlpp_monitoring.commands.stackfile import StackFile
from mlpp_monitoring.config import ConfigError, MonitoringConfig

RUNBOOK_PATH = Path("docs/RUNBOOK.md")
"""Where the runbook lives, relative to the project directory."""


def load_stack(stack: str, project_dir: Path) -> MonitoringConfig:
    """The validated config of `Pulumi.<stack>.yaml` in `project_dir` (raises ConfigError)."""
    return StackFile(stack, project_dir).monitoring()


def write_runbook(config: MonitoringConfig, stack: str, path: Path) -> bool:
    """Write the rendered runbook to `path`; return whether its content changed."""
    text = render_runbook(config, stack)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return True


def run_runbook(stack: str, project_dir: Path, *, check: bool = False) -> int:
    """Write `project_dir`/docs/RUNBOOK.md for `stack` (or, with `check`, only say whether
    it is fresh); returns the exit code: 0, 1 stale, 2 no valid stack file."""
    output = project_dir / RUNBOOK_PATH
    try:
        config = load_stack(stack, project_dir)
    except FileNotFoundError as exc:
        print(f"error: {exc} (run from the project directory)", file=sys.stderr)
        return FAILED
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    if check:
        fresh = output.is_file() and output.read_text(encoding="utf-8") == render_runbook(
            config, stack
        )
        if not fresh:
            command = REGENERATE_COMMAND.format(stack=stack)
            print(f"{output} is stale; regenerate it with: {command}", file=sys.stderr)
        return OK if fresh else PROBLEM
    changed = write_runbook(config, stack, output)
    print(f"{output}: {'written' if changed else 'already up to date'}")
    return OK
