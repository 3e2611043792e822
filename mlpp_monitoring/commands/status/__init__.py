"""`mlpp-monitoring status`: the two-minute answer for the person on call.

`command` reads the stack and builds the report: `collect` asks both vendors in parallel
(`availability`: UptimeRobot, level 0; `front_errors`: Sentry, level 1), `classify` applies
the runbook's rules, `wording` holds the French phrases; `render` prints the screen and
`model` is the report as typed data, the JSON of docs/STATUS.md.
"""
