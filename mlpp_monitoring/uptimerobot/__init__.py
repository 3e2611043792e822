"""UptimeRobot (Level 0, availability): the v3 API client and the monitor resource."""
