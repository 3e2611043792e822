"""Every exit code of `mlpp-monitoring`, in one table: scripts, CI and the person on call
rely on them (README, docs/STATUS.md, docs/GITHUB-ACTIONS.md).

A command never reports a failed check as a finding: it could not tell is `FAILED`, not
`PROBLEM`, `CONSOLE_EDITS` or `UNDEPLOYED`.
"""

from __future__ import annotations

from typing import Final

OK: Final = 0
"""Done, nothing to report: no drift; PROD up and no blocking error; the runbook written or
fresh."""

PROBLEM: Final = 1
"""`status`: something declared is down, or a blocking error is active. `runbook --check`:
docs/RUNBOOK.md is stale. `test-alerts`: a scenario's expectation does not hold."""

FAILED: Final = 2
"""The command could not do its job or tell: the stack config, credentials missing or
rejected, the network, no engine; `test-alerts`: the scenario file, or the git revision to
compare with."""

CONSOLE_EDITS: Final = 7
"""`drift`: a monitor or an alert was edited or deleted behind Pulumi's back (undeployed
changes may come with them: see the report). It is Pulumi's own code for
`--expect-no-changes` finding changes."""

UNDEPLOYED: Final = 8
"""`drift`: the program differs from the last deployed state, and nothing was edited by
hand: a merged change waits for its deploy."""
