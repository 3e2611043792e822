"""Ask both vendors, once and in parallel, what the declared objects are doing now.

Calls per run (each one request; urllib3 retries inside a call are not extra calls), each
counted by the client's own `ApiSession`:

- UptimeRobot (`availability`): at most 2 + 4 per declared monitor.
- Sentry (`front_errors`): 3.

The HTTP policy is the project's, with short timeouts and a short budget (the person on
call needs an answer, not a five-minute retry) and no pacing: the free plan's 10 requests
per minute cover one run; a 429 is still retried within the budget. A vendor whose
credential cannot be had is not asked: its level is reported as not checked, and why.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from mlpp_monitoring.commands.status.availability import collect_availability
from mlpp_monitoring.commands.status.front_errors import collect_front_errors
from mlpp_monitoring.commands.status.model import (
    ApiCalls,
    Availability,
    FrontErrors,
    Problem,
    problem_of,
)
from mlpp_monitoring.config import MonitoringConfig
from mlpp_monitoring.http import USER_AGENT, HttpPolicy
from mlpp_monitoring.sentry.api import SentryApi
from mlpp_monitoring.uptimerobot.api import UptimeRobotApi
from mlpp_monitoring.vendors import (
    SENTRY,
    UPTIMEROBOT,
    ConfigLookup,
    CredentialUnavailable,
    VendorSettings,
)

STATUS_POLICY = HttpPolicy(
    connect_timeout=3.0,
    read_timeout=10.0,
    retries=2,
    backoff=0.5,
    backoff_max=5.0,
    budget=15.0,
    pace=False,
)
"""Short timeouts and budget: a status that hangs is worse than one that says "unknown"."""

STATUS_USER_AGENT = f"{USER_AGENT} status"

UPTIMEROBOT_CALLS_PER_MONITOR = 4
UPTIMEROBOT_CALLS_PER_RUN = 2
"""The monitor list and the alert contacts."""
SENTRY_CALLS = 3


@dataclass(frozen=True)
class Collected:
    """Both levels as the vendors answered, and the calls it took."""

    availability: Availability
    front_errors: FrontErrors
    api_calls: ApiCalls


def _vendor(
    make: Callable[[], VendorSettings],
) -> tuple[VendorSettings | None, Problem | None]:
    try:
        return make(), None
    except CredentialUnavailable as error:
        return None, problem_of(error)


def collect(
    config: MonitoringConfig, lookup: ConfigLookup, now: float, policy: HttpPolicy
) -> Collected:
    """Read both vendors in parallel, each with a client of its own that counts its calls."""
    ur_settings, ur_problem = _vendor(lambda: UPTIMEROBOT.settings(lookup))
    sentry_vendor, sentry_problem = _vendor(lambda: SENTRY.settings(lookup))
    ur_api = sentry_api = None
    if ur_settings is not None:
        ur_api = UptimeRobotApi(ur_settings, policy, user_agent=STATUS_USER_AGENT)
    if sentry_vendor is not None:
        sentry_api = SentryApi(
            sentry_vendor,
            config.sentry.organization,
            config.sentry.project,
            policy,
            user_agent=STATUS_USER_AGENT,
        )

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="status") as pool:
        availability_job = pool.submit(
            collect_availability, ur_api, ur_problem, config.uptimerobot.monitors, now
        )
        errors_job = pool.submit(
            collect_front_errors, sentry_api, sentry_problem, config.sentry, now
        )
        availability = availability_job.result()
        errors = errors_job.result()

    # Each client's session counts the calls it sent: this run's, as it made both clients.
    ur_calls = ur_api.http.calls if ur_api else 0
    sentry_calls = sentry_api.http.calls if sentry_api else 0
    calls = ApiCalls(
        uptimerobot=ur_calls,
        sentry=sentry_calls,
        total=ur_calls + sentry_calls,
        uptimerobot_max=UPTIMEROBOT_CALLS_PER_RUN
        + UPTIMEROBOT_CALLS_PER_MONITOR * len(config.uptimerobot.monitors),
        sentry_max=SENTRY_CALLS,
    )
    return Collected(availability, errors, calls)
