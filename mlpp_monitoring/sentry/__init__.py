"""Sentry (Level 1, front-end errors): the workflow API client and the alert resource."""
