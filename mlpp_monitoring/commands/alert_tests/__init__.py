"""`mlpp-monitoring test-alerts`: what `promtool test rules` is to Prometheus rules, for the
declared Sentry alerts and UptimeRobot monitors.

A reviewer reads what a change does ("a second spike two hours later is now paged")
instead of imagining it from a diff (`frequency_minutes: 1440 -> 60`). `scenarios` reads
the scenario file (`alert-tests.yaml`), `outcomes` runs it against a stack's config
through the vendors' rules (`sentry/firing.py`, `uptimerobot/checks.py`), or against two
configs to compare them, `render` prints the results, `command` is the command.
"""
