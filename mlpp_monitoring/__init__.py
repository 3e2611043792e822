"""mlpp-monitoring: the ML_PP production monitoring (UptimeRobot + Sentry) as a Pulumi program."""
