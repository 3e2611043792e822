"""The runbook, docs/RUNBOOK.md, generated from the stack config so that it cannot drift.

`procedures` is what the person on call does (data, also read by `status`), `render` turns
a stack config and the procedures into the French Markdown, `command` writes or checks the
file (`mlpp-monitoring runbook`).
"""
