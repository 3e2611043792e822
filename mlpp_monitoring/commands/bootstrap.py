"""`mlpp-monitoring bootstrap --stack ORG/mlpp-monitoring/production`: the first run.

The monitor and the alerts already exist, made by hand, and the stack does not: a first
`pulumi up` would stop on "already exists ... set adopt_id", and a drift check would have
no state to compare with. Bootstrap, run once from a laptop logged in to the team's state
backend:

1. creates the stack if it is missing (`pulumi stack init`; on a self-managed backend the
   passphrase provider adds an `encryptionsalt:` line to `Pulumi.<stack>.yaml`), or says
   it exists and how often it was deployed;
2. runs `discover`: what exists at UptimeRobot and Sentry, what matches a declared
   resource, and the `pulumi config set ... adopt_id` lines that adopt those;
3. says what comes next: the adoption lines and the stack file go through a pull request
   (whose preview shows what adopting changes on each live object), then the deploy
   workflow runs once, then drift is switched on.

It never deploys and never adopts by itself: adopting is a config change reviewers see.
It only reads at the vendors, so the read-only keys are enough.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from mlpp_monitoring.commands.discover import run_discover
from mlpp_monitoring.commands.engine import PulumiCli, PulumiFailed, last_error
from mlpp_monitoring.commands.stackfile import StackFile

NEXT_STEPS = """\
Next (docs/GITHUB-ACTIONS.md, checklist):
  1. run the adoption lines above, if any: they write adopt_id into {file};
  2. commit {file} (and its encryptionsalt line, on a self-managed backend)
     in a pull request: its preview shows what adopting changes on each live object;
  3. merge, then run the deploy workflow once (Actions > deploy > Run workflow) and
     approve it;
  4. then switch drift on (Actions > drift > Run workflow: it must end green)."""


def ensure_stack(cli: PulumiCli, stack: str, secrets_provider: str | None) -> str:
    """Create the stack if missing; one line saying what was found or done."""
    updates = cli.updates(stack)
    if updates is not None:
        deployed = f"deployed {updates} time(s)" if updates else "never deployed yet"
        return f"stack {stack} exists ({deployed}): nothing to create"
    args = ["stack", "init", stack]
    if secrets_provider:
        args += ["--secrets-provider", secrets_provider]
    result = cli.run(args)
    if result.returncode != 0:
        raise PulumiFailed(f"could not create stack {stack}: {last_error(result.stderr)}")
    return f"created stack {stack}"


def run_bootstrap(
    stack: str,
    project_dir: Path,
    secrets_provider: str | None = None,
    console: Console | None = None,
) -> int:
    """Create the stack if missing, list what to adopt, say what is next; exit code 0."""
    console = console or Console(width=100)
    # The stack file holds what is declared: without it, nothing to create a stack for.
    stack_file = StackFile(stack, project_dir)
    cli = PulumiCli.for_stack(stack, project_dir)
    console.print(ensure_stack(cli, stack, secrets_provider), highlight=False)
    run_discover(stack, project_dir, console=console)
    console.print(NEXT_STEPS.format(file=stack_file.path.name), highlight=False, soft_wrap=True)
    return 0
