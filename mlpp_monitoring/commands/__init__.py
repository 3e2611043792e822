"""What people run besides `pulumi` itself: `mlpp-monitoring demo | drift | discover | status
| runbook | test-alerts` (`cli`), and what those commands share: running the Pulumi CLI (`engine`),
reading a stack file (`stackfile`), the exit codes (`exit_codes`)."""
