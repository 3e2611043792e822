"""`mlpp-monitoring test-alerts [--stack NAME] [--file FILE] [--compare REF] [--markdown]`.

Runs the scenario file (default `alert-tests.yaml` in the project directory) against the
stack's declared alerts and monitors and prints one row per expectation. With
`--compare REF`, also against the stack file as the git revision REF holds it (a missing
file there declares nothing), changed outcomes first: what a pull request changes in
behaviour. `--markdown` prints Markdown for a pull request's comment; with `--compare` it
prints nothing when no alert or monitor differs from REF, so the comment leaves the
section out.

Only the stack file's own keys are read: no credential, no network, no Pulumi CLI.
Exit codes (`exit_codes`): 0 every expectation holds (on the current config, with
`--compare`), 1 one does not, 2 the scenario file, a stack file or REF cannot be used.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from mlpp_monitoring.commands import exit_codes
from mlpp_monitoring.commands.alert_tests.outcomes import changed_objects, compare, run
from mlpp_monitoring.commands.alert_tests.render import (
    render_comparison,
    render_markdown_comparison,
    render_markdown_table,
    render_table,
)
from mlpp_monitoring.commands.alert_tests.scenarios import DEFAULT_FILE, Scenario, load_scenarios
from mlpp_monitoring.commands.stackfile import StackFile
from mlpp_monitoring.config import (
    ConfigError,
    MonitoringConfig,
    SentryConfig,
    UptimeRobotConfig,
)


def _scenarios(project_dir: Path, file: Path | None) -> tuple[list[Scenario], str]:
    """The scenarios of `file` (default: the project's alert-tests.yaml), and its name as
    messages give it."""
    path = file if file is not None else project_dir / DEFAULT_FILE
    source = str(file) if file is not None else DEFAULT_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"no scenario file {path}: write one (README, 'Testing alerts') or give --file"
        )
    return load_scenarios(path.read_text(encoding="utf-8"), source=source), source


def nothing_declared(like: MonitoringConfig) -> MonitoringConfig:
    """A config with no alert and no monitor: a stack file missing at the base revision."""
    return MonitoringConfig(
        uptimerobot=UptimeRobotConfig(plan=like.uptimerobot.plan, monitors={}),
        sentry=SentryConfig(
            organization=like.sentry.organization, project=like.sentry.project, alerts={}
        ),
    )


def _base_config(
    stack: str, project_dir: Path, revision: str, head: MonitoringConfig
) -> MonitoringConfig:
    base = StackFile.at_revision(stack, project_dir, revision)
    if base is None:
        return nothing_declared(head)
    try:
        return base.monitoring()
    except ConfigError as exc:
        raise ConfigError(f"{base.path.name} at {revision}: {exc}") from None


def run_test_alerts(
    stack: str,
    project_dir: Path,
    *,
    file: Path | None = None,
    compare_to: str | None = None,
    markdown: bool = False,
    out: TextIO | None = None,
) -> int:
    """Run the command, printing to `out` (default stdout); returns its exit code.

    Raises ScenarioError, ConfigError, RevisionUnreadable or FileNotFoundError (exit 2, in
    `cli.main`)."""
    out = out or sys.stdout
    scenarios, source = _scenarios(project_dir, file)
    head = StackFile(stack, project_dir).monitoring()
    if compare_to is None:
        rows = run(scenarios, head, source)
        print(render_markdown_table(rows) if markdown else render_table(rows), file=out)
        return exit_codes.OK if all(row.holds for row in rows) else exit_codes.PROBLEM
    base = _base_config(stack, project_dir, compare_to, head)
    compared = compare(scenarios, base, head, source)
    changed = changed_objects(base, head)
    if not markdown:
        differs = ", ".join(changed) or "none"
        print(f"alerts and monitors that differ from {compare_to}: {differs}\n", file=out)
        print(render_comparison(compared), file=out)
    elif changed:
        print(render_markdown_comparison(compared, changed, source), file=out)
    else:
        print(f"no alert or monitor differs from {compare_to}: nothing to show", file=sys.stderr)
    return exit_codes.OK if all(row.holds for row in compared) else exit_codes.PROBLEM
