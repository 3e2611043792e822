"""Idempotent create: whatever the vendor answers to the POST, one declared resource ends
as exactly one live object, and never more.

Faults are injected on the create endpoint: `create-then-404` (UptimeRobot has answered
404 to a create that worked) and `hang` (the object is made but the answer outlives the
read timeout) leave an object the look-ups find; 500, 502, 503 and `drop` (the connection
closes without an answer) leave nothing, but their answer cannot prove it, so the provider
looks for `create_wait`, sends no second POST, and fails saying to run again. Only a
refused connection (and a 429, retried by the HTTP policy) proves nothing was made. When a
create gives up, Pulumi records nothing and the next `pulumi up` calls create again: the
tests play that second run too.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from mlpp_monitoring.exactly_once import CREATE_ATTEMPTS
from mlpp_monitoring.http import HttpPolicy, Unavailable
from mlpp_monitoring.provider_host import ProviderError
from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.sentry.api import SentryApi
from mlpp_monitoring.uptimerobot.api import UptimeRobotApi
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import (
    MONITORS_PATH,
    SHORT,
    WORKFLOWS_PATH,
    Console,
    configured,
    declared_alert,
    declared_monitor,
    live_monitors,
    live_workflows,
    posts,
    stack_config,
)


class Vendor:
    """One kind under test: its provider, create path and live objects."""

    def __init__(self, name: str) -> None:
        self.name = name
        # Create and list share a path on both APIs (POST and GET).
        self.path = MONITORS_PATH if name == "uptimerobot" else WORKFLOWS_PATH
        self.list_path = self.path

    def provider(self, sb: Sandbox, policy: HttpPolicy = SHORT) -> Any:
        cls = UptimeMonitorProvider if self.name == "uptimerobot" else ErrorAlertProvider
        return configured(cls, stack_config(sb), policy)

    def declared(self, **changes: Any) -> dict[str, Any]:
        if self.name == "uptimerobot":
            return declared_monitor(**changes)
        return declared_alert("spike", **changes)

    def live_ids(self, sb: Sandbox) -> list[str]:
        objects = live_monitors(sb) if self.name == "uptimerobot" else live_workflows(sb)
        return [str(o.id) for o in objects]

    def lookups(self, sb: Sandbox) -> int:
        return sum(1 for e in sb.journal if e["method"] == "GET" and e["path"] == self.list_path)


VENDORS = [Vendor("uptimerobot"), Vendor("sentry")]


def _inject(sb: Sandbox, vendor: Vendor, faults: Sequence[str]) -> None:
    for kind in faults:
        sb.inject(kind, method="POST", path=vendor.path, times=1, seconds=3.0)


def _up(provider: Any, inputs: dict[str, Any]) -> tuple[str | None, str | None]:
    """One `pulumi up` of the resource: its id, or the error it ended with."""
    try:
        return provider.create(inputs).id, None
    except ProviderError as error:
        return None, str(error)


MADE = ["create-then-404", "hang"]
"""Faults after which the object exists although the answer said otherwise (or nothing)."""
NOT_MADE = ["500", "502", "503", "drop"]
"""Faults after which nothing exists, but whose answer cannot prove it."""


@pytest.mark.parametrize("fault", MADE)
@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_a_create_that_worked_despite_its_answer_is_found_not_sent_again(
    sb: Sandbox, vendor: Vendor, fault: str
) -> None:
    _inject(sb, vendor, [fault])
    provider = vendor.provider(sb)
    inputs = provider.check({}, vendor.declared()).inputs

    id_, error = _up(provider, inputs)

    assert error is None
    assert vendor.live_ids(sb) == [id_]
    assert posts(sb, vendor.path) == 1
    assert provider.read(id_, inputs).outs == inputs  # and it is the declared object


@pytest.mark.parametrize("fault", NOT_MADE)
@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_an_unclear_failure_is_looked_for_then_fails_clean_and_the_next_run_creates(
    sb: Sandbox, vendor: Vendor, fault: str
) -> None:
    _inject(sb, vendor, [fault])
    provider = vendor.provider(sb)
    inputs = provider.check({}, vendor.declared()).inputs
    mark = vendor.lookups(sb)

    started = time.monotonic()
    id_, error = _up(provider, inputs)

    assert id_ is None and error is not None
    assert "no clear answer" in error and "Run the same command again" in error
    assert time.monotonic() - started >= SHORT.create_wait
    assert posts(sb, vendor.path) == 1  # never a second POST on an unclear answer
    assert vendor.lookups(sb) - mark >= 3  # before the POST, at once after it, and again
    assert vendor.live_ids(sb) == []

    id_, error = _up(provider, inputs)
    assert error is None
    assert vendor.live_ids(sb) == [id_]


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_a_refused_connection_is_sent_again_because_nothing_was_made(
    sb: Sandbox, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_class: Any = UptimeRobotApi if vendor.name == "uptimerobot" else SentryApi
    method = "create_monitor" if vendor.name == "uptimerobot" else "create_workflow"
    real: Callable[..., Any] = getattr(api_class, method)
    refusals = iter(range(CREATE_ATTEMPTS - 1))

    def refused_then_real(self: Any, body: dict[str, Any]) -> Any:
        if next(refusals, None) is not None:
            raise Unavailable("connection refused", not_performed=True)
        return real(self, body)

    monkeypatch.setattr(api_class, method, refused_then_real)
    provider = vendor.provider(sb)

    id_, error = _up(provider, vendor.declared())

    assert error is None
    assert vendor.live_ids(sb) == [id_]
    assert posts(sb, vendor.path) == 1  # the refused attempts never reached the vendor


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_a_create_that_keeps_failing_makes_nothing_then_one_on_the_next_run(
    sb: Sandbox, vendor: Vendor
) -> None:
    sb.inject("503", method="POST", path=vendor.path, times=None, retry_after=0)
    provider = vendor.provider(sb)
    inputs = vendor.declared()

    id_, error = _up(provider, inputs)
    assert id_ is None and error is not None
    assert "no clear answer" in error and "503" in error
    assert vendor.live_ids(sb) == []
    assert posts(sb, vendor.path) == 1

    sb.faults.clear()
    id_, error = _up(provider, inputs)
    assert error is None
    assert vendor.live_ids(sb) == [id_]


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_hung_create_then_a_flaky_lookup_still_finds_the_object(
    sb: Sandbox, vendor: Vendor
) -> None:
    _inject(sb, vendor, ["hang"])
    sb.inject("500", method="GET", path=vendor.list_path, times=2)  # retried: a GET
    provider = vendor.provider(sb)

    id_, error = _up(provider, vendor.declared())

    assert error is None
    assert vendor.live_ids(sb) == [id_]
    assert posts(sb, vendor.path) == 1


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_lookup_that_cannot_answer_says_how_to_avoid_a_duplicate(
    sb: Sandbox, vendor: Vendor
) -> None:
    _inject(sb, vendor, ["hang"])
    # The look-up before the POST answers (no twin); every look-up after the hang fails.
    sb.inject("503", method="GET", path=vendor.list_path, times=None, retry_after=0, after=1)
    provider = vendor.provider(sb)

    id_, error = _up(provider, vendor.declared())

    assert id_ is None and error is not None
    assert "adopt_id" in error and "check by hand" in error
    assert posts(sb, vendor.path) == 1  # never a blind second POST
    assert len(vendor.live_ids(sb)) == 1


def test_monitor_declared_paused_survives_an_ambiguous_create(sb: Sandbox) -> None:
    vendor = VENDORS[0]
    _inject(sb, vendor, ["create-then-404"])
    provider = vendor.provider(sb)
    inputs = provider.check({}, vendor.declared(paused=True)).inputs

    id_, error = _up(provider, inputs)

    assert error is None
    (monitor,) = live_monitors(sb)
    assert (str(monitor.id), monitor.status) == (id_, "PAUSED")


def test_monitor_pause_failing_after_the_post_is_not_a_second_monitor(sb: Sandbox) -> None:
    vendor = VENDORS[0]
    sb.inject("503", method="POST", path="/v3/monitors/*/pause", times=1)
    provider = vendor.provider(sb)

    id_, error = _up(provider, vendor.declared(paused=True))

    assert error is None
    (monitor,) = live_monitors(sb)
    assert (str(monitor.id), monitor.status) == (id_, "PAUSED")


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_rate_limited_create_is_retried_because_it_was_not_processed(
    sb: Sandbox, vendor: Vendor
) -> None:
    sb.inject("429", method="POST", path=vendor.path, times=2, retry_after=0)
    provider = vendor.provider(sb)

    id_, error = _up(provider, vendor.declared())

    assert error is None
    assert vendor.live_ids(sb) == [id_]
    posted = [e["status"] for e in sb.journal if e["path"] == vendor.path and e["method"] == "POST"]
    assert posted == [429, 429, 201]
    assert vendor.lookups(sb) == 1  # the look before the first POST; a 429 is not ambiguous


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_rate_limited_create_waits_for_retry_after(sb: Sandbox, vendor: Vendor) -> None:
    sb.inject("429", method="POST", path=vendor.path, times=1, retry_after=1)
    provider = vendor.provider(sb)
    inputs = vendor.declared()
    provider.check({}, inputs)  # the look-ups first, so only the create is timed

    started = time.monotonic()
    id_, error = _up(provider, inputs)

    assert error is None
    assert time.monotonic() - started >= 1.0
    assert vendor.live_ids(sb) == [id_]


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_rate_limit_past_the_budget_stops_without_hammering(sb: Sandbox, vendor: Vendor) -> None:
    sb.inject("429", method="POST", path=vendor.path, times=None, retry_after=0)
    provider = vendor.provider(sb)

    id_, error = _up(provider, vendor.declared())

    assert id_ is None and error is not None and "429" in error
    assert vendor.live_ids(sb) == []
    assert posts(sb, vendor.path) == SHORT.retries + 1  # one create attempt, the policy's retries


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_random_fault_sequences_never_make_two(sb: Sandbox, vendor: Vendor, seed: int) -> None:
    rng = random.Random(seed)
    kinds = ["create-then-404", "500", "502", "503", "drop", "hang", "429"]
    faults = [rng.choice(kinds) for _ in range(rng.randint(1, 5))]
    for kind in faults:
        sb.inject(kind, method="POST", path=vendor.path, times=1, seconds=3.0, retry_after=0)
    provider = vendor.provider(sb)
    inputs = vendor.declared()

    ids: list[str | None] = []
    for _ in range(len(faults) + 1):  # each run spends at least one fault
        id_, _error = _up(provider, inputs)
        ids.append(id_)
        assert len(vendor.live_ids(sb)) <= 1, faults
        if id_ is not None:
            break
    assert vendor.live_ids(sb) == [ids[-1]], faults


def test_monitor_lookup_follows_next_links(
    sb: Sandbox, console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look-up after an ambiguous create sees monitors beyond the first page."""
    monkeypatch.setattr("mlpp_monitoring.uptimerobot.api.PAGE_SIZE", 2)
    for n in range(4):
        console.create_monitor(friendlyName=f"monaluxe copy {n}")
    vendor = VENDORS[0]
    _inject(sb, vendor, ["create-then-404"])

    id_, error = _up(vendor.provider(sb), vendor.declared())

    assert error is None
    assert len(live_monitors(sb)) == 5
    # pages of 2 and 2 before the POST (no twin yet), then 2, 2 and 1 after it (holding it)
    assert vendor.lookups(sb) == 5
    assert id_ == str(max(m.id for m in live_monitors(sb)))


def test_alert_lookup_follows_link_headers(sb: Sandbox) -> None:
    """The look-up after an ambiguous create sees workflows beyond the first page of 100."""
    vendor = VENDORS[1]
    name = vendor.declared()["name"]
    detector = sb.sentry.issue_stream_detector().id
    with sb.lock:
        for n in range(100):  # same name plus a suffix: the API's name filter matches them
            sb.sentry.create_workflow(
                {
                    "name": f"{name} (copy {n})",
                    "config": {"frequency": 60},
                    "detector_ids": [detector],
                    "triggers": {"logic_type": "any-short", "conditions": []},
                }
            )
    _inject(sb, vendor, ["create-then-404"])

    id_, error = _up(vendor.provider(sb), vendor.declared())

    assert error is None
    assert len(live_workflows(sb)) == 101
    assert vendor.lookups(sb) == 3  # one page of 100 before the POST, two pages after
    assert [str(w.id) for w in live_workflows(sb) if w.name == name] == [id_]


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_rate_limit_pause_past_the_budget_is_not_retried_early(sb: Sandbox, vendor: Vendor) -> None:
    """Asked to wait 30 s with 1 s of budget: give up at once, without hammering."""
    sb.inject("429", method="POST", path=vendor.path, times=None, retry_after=30)
    cls = UptimeMonitorProvider if vendor.name == "uptimerobot" else ErrorAlertProvider
    policy = HttpPolicy(read_timeout=0.5, retries=3, backoff=0.01, budget=1.0)
    provider = configured(cls, stack_config(sb), policy)
    inputs = vendor.declared()
    provider.check({}, inputs)

    started = time.monotonic()
    id_, error = _up(provider, inputs)

    assert time.monotonic() - started < 2.5  # the budget, and the pacer capped by it
    assert id_ is None and error is not None and "429" in error
    assert posts(sb, vendor.path) == 1
    assert vendor.live_ids(sb) == []


def test_a_lagging_list_after_a_404_create_is_waited_for_not_doubled(
    start_sandbox: Callable[..., Sandbox],
) -> None:
    # UptimeRobot answered 404 to a create that worked, and its list shows the monitor
    # only a second later: one immediate look would miss it, and a second POST would
    # make a twin that pages every outage twice.
    sb = start_sandbox(uptimerobot_list_lag=1.0)
    vendor = VENDORS[0]
    _inject(sb, vendor, ["create-then-404"])
    policy = dataclasses.replace(SHORT, create_wait=4.0)
    provider = vendor.provider(sb, policy)
    inputs = provider.check({}, vendor.declared()).inputs

    started = time.monotonic()
    id_, error = _up(provider, inputs)

    assert error is None
    assert vendor.live_ids(sb) == [id_]
    assert posts(sb, vendor.path) == 1
    assert 1.0 <= time.monotonic() - started < 4.0
    assert vendor.lookups(sb) >= 3  # the list was read again on each look, not reused
    assert provider.read(id_, inputs).outs == inputs


def test_a_list_lagging_past_the_wait_fails_without_a_twin(
    start_sandbox: Callable[..., Sandbox],
) -> None:
    sb = start_sandbox(uptimerobot_list_lag=30.0)
    vendor = VENDORS[0]
    _inject(sb, vendor, ["create-then-404"])
    provider = vendor.provider(sb)

    id_, error = _up(provider, vendor.declared())

    assert id_ is None and error is not None and "Run the same command again" in error
    assert len(live_monitors(sb)) == 1 and posts(sb, vendor.path) == 1
