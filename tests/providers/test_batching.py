"""API budget: batched reads (one list call per page per operation) and the rate-limit pacer.

A provider object configured afresh stands for one Pulumi operation: the engine starts one
provider host per operation and the host builds one provider per kind, which is what
`configured(...)` does here. Calls are counted in the sandbox's journal.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from mlpp_monitoring.batching import BATCH_ENV, SharedList, batch_reads_enabled
from mlpp_monitoring.http import HttpPolicy, pacer_for
from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import MonitorSpec, UptimeMonitorProvider, to_api
from mlpp_sandbox import Sandbox

from .conftest import (
    MONITORS_PATH,
    WORKFLOWS_PATH,
    Console,
    configured,
    declared_alert,
    declared_monitor,
    live_monitors,
    stack_config,
)

THREADS = 4
"""The provider host runs up to four calls at once (a thread pool of 4)."""


def _gets(sb: Sandbox, path: str) -> int:
    return sum(1 for e in sb.journal if e["method"] == "GET" and e["path"] == path)


def _gets_by_id(sb: Sandbox, prefix: str) -> int:
    return sum(
        1
        for e in sb.journal
        if e["method"] == "GET" and e["path"].startswith(prefix) and e["path"] != prefix
    )


def _seed_monitors(sb: Sandbox, count: int) -> list[tuple[str, dict[str, Any]]]:
    """`count` monitors made straight in the sandbox's state (no journal entry), with the
    state Pulumi would hold for each: (id, outputs)."""
    contact_ids = {c.value: c.id for c in sb.uptimerobot.alert_contacts.values()}
    seeded = []
    with sb.lock:
        for n in range(count):
            props = declared_monitor(
                friendly_name=f"bench {n:03d}", url=f"https://m{n}.monaluxe.app"
            )
            spec = MonitorSpec.model_validate({k: v for k, v in props.items() if k != "adopt_id"})
            monitor = sb.uptimerobot.create_monitor(to_api(spec, contact_ids))
            seeded.append((str(monitor.id), props))
    return seeded


def _read_all(provider: Any, resources: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda r: provider.read(*r), resources))


# -- one list call per page, shared by the provider host's threads ----------------------


@pytest.mark.parametrize("count", [1, 10, 200, 201])
def test_reads_of_n_monitors_by_4_threads_make_one_list_call_per_200(
    start_sandbox: Callable[..., Sandbox], count: int
) -> None:
    sb = start_sandbox(uptimerobot_monitor_limit=300)
    seeded = _seed_monitors(sb, count)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))

    reads = _read_all(monitors, seeded)

    assert [r.id for r in reads] == [id_ for id_, _ in seeded]
    assert [r.outs for r in reads] == [_spec(props) for _, props in seeded]
    assert [r.outs["friendly_name"] for r in reads] == [p["friendly_name"] for _, p in seeded]
    assert _gets(sb, MONITORS_PATH) == math.ceil(count / 200)
    assert _gets_by_id(sb, f"{MONITORS_PATH}/") == 0


def test_reads_from_the_list_are_the_live_objects_with_their_drift(
    sb: Sandbox, console: Console
) -> None:
    seeded = _seed_monitors(sb, 3)
    console.patch_monitor(seeded[1][0], interval=600)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))

    reads = _read_all(monitors, seeded)

    assert [r.outs["interval"] for r in reads] == [300, 600, 300]
    assert monitors.diff(seeded[1][0], reads[1].outs, seeded[1][1]).changes is True
    assert monitors.diff(seeded[0][0], reads[0].outs, seeded[0][1]).changes is False


def test_alerts_are_read_from_one_workflow_list(sb: Sandbox) -> None:
    first = configured(ErrorAlertProvider, stack_config(sb))
    created = [first.create(declared_alert(key)) for key in ("new-issue", "spike")]
    mark = len(sb.journal)
    alerts = configured(ErrorAlertProvider, stack_config(sb))  # the next operation

    reads = _read_all(alerts, [(c.id, c.outs) for c in created])

    assert [r.outs for r in reads] == [c.outs for c in created]
    paths = sorted(e["path"] for e in sb.journal[mark:])
    # The constant of the Sentry side: project, detector list, workflow list.
    assert paths == sorted(
        [
            "/api/0/projects/mlpp/mlpp-web/",
            "/api/0/organizations/mlpp/detectors/",
            WORKFLOWS_PATH,
        ]
    )


def test_a_failed_list_fails_its_waiters_and_the_next_reader_lists_again(sb: Sandbox) -> None:
    seeded = _seed_monitors(sb, 8)
    policy = HttpPolicy(connect_timeout=1.0, read_timeout=0.5, retries=0, budget=5.0)
    monitors = configured(UptimeMonitorProvider, stack_config(sb), policy)
    sb.inject("503", method="GET", path=MONITORS_PATH, times=1)

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(lambda r: _outcome(monitors.read, *r), seeded))

    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert failed, "the injected 503 reached no reader"
    assert all("503" in str(e) for e in failed)
    assert _gets(sb, MONITORS_PATH) == 2  # the failed one, then one for all the rest
    assert monitors.read(*seeded[0]).id == seeded[0][0]
    assert _gets(sb, MONITORS_PATH) == 2


def _outcome(call: Callable[..., Any], *args: Any) -> Any:
    try:
        return call(*args)
    except Exception as exc:
        return exc


# -- never stale: writes invalidate, operations never share ------------------------------


def test_a_read_after_an_update_sees_the_new_value(sb: Sandbox) -> None:
    (seeded,) = _seed_monitors(sb, 1)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))
    assert monitors.read(*seeded).outs["interval"] == 300  # served by the list

    monitors.update(seeded[0], seeded[1], {**seeded[1], "interval": 600})

    assert monitors.read(*seeded).outs["interval"] == 600
    assert _gets(sb, MONITORS_PATH) == 1
    assert _gets_by_id(sb, f"{MONITORS_PATH}/") == 1  # the written one is read by id


def test_a_read_after_a_pause_and_a_delete_sees_them(sb: Sandbox) -> None:
    a, b = _seed_monitors(sb, 2)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))
    assert [r.outs["paused"] for r in _read_all(monitors, [a, b])] == [False, False]

    monitors.update(a[0], a[1], {**a[1], "paused": True})
    monitors.delete(b[0], b[1])

    assert monitors.read(*a).outs["paused"] is True
    assert monitors.read(*b).id is None


def test_a_read_after_an_alert_update_sees_the_new_value(sb: Sandbox) -> None:
    created = configured(ErrorAlertProvider, stack_config(sb)).create(declared_alert())
    alerts = configured(ErrorAlertProvider, stack_config(sb))
    assert alerts.read(created.id, created.outs).outs["frequency_minutes"] == 1440

    alerts.update(created.id, created.outs, {**created.outs, "frequency_minutes": 60})

    assert alerts.read(created.id, created.outs).outs["frequency_minutes"] == 60


def test_an_update_answered_404_is_confirmed_from_a_fresh_list(sb: Sandbox) -> None:
    """UptimeRobot has answered 404 to monitors that exist: no guess from the old list."""
    (seeded,) = _seed_monitors(sb, 1)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))
    monitors.read(*seeded)
    sb.inject("create-then-404", method="PATCH", path=f"{MONITORS_PATH}/*", times=1)

    with pytest.raises(Exception, match="exists"):
        monitors.update(seeded[0], seeded[1], {**seeded[1], "interval": 600})

    assert monitors.read(*seeded).outs["interval"] == 600
    assert _gets(sb, MONITORS_PATH) == 2


def test_the_next_operation_lists_again_and_sees_hand_edits(sb: Sandbox, console: Console) -> None:
    (seeded,) = _seed_monitors(sb, 1)
    assert configured(UptimeMonitorProvider, stack_config(sb)).read(*seeded).outs["timeout"] == 30
    console.patch_monitor(seeded[0], timeout=10)

    again = configured(UptimeMonitorProvider, stack_config(sb)).read(*seeded)

    assert again.outs["timeout"] == 10
    assert _gets(sb, MONITORS_PATH) == 2


# -- the fallback: GET by id when the list does not hold the object ----------------------


def test_a_monitor_missing_from_the_list_is_read_by_id(sb: Sandbox, console: Console) -> None:
    (seeded,) = _seed_monitors(sb, 1)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))
    monitors.read(*seeded)  # the list is read now, before the next monitor exists
    made_later = console.create_monitor(friendlyName="made after the list", url="https://x.app")
    props = declared_monitor(friendly_name="made after the list", url="https://x.app")

    read = monitors.read(str(made_later["id"]), props)

    assert read.id == str(made_later["id"])
    assert read.outs["friendly_name"] == "made after the list"
    assert _gets(sb, MONITORS_PATH) == 1
    assert _gets_by_id(sb, f"{MONITORS_PATH}/") == 1


def test_a_monitor_deleted_by_hand_is_gone_after_one_get(sb: Sandbox, console: Console) -> None:
    kept, deleted = _seed_monitors(sb, 2)
    console.delete_monitor(deleted[0])
    monitors = configured(UptimeMonitorProvider, stack_config(sb))

    reads = _read_all(monitors, [kept, deleted])

    assert [r.id for r in reads] == [kept[0], None]
    assert _gets(sb, MONITORS_PATH) == 1
    assert [e["status"] for e in sb.journal if e["path"] == f"{MONITORS_PATH}/{deleted[0]}"] == [
        200,  # the console's DELETE
        404,  # the fallback GET: gone
    ]


def test_an_alert_missing_from_the_list_is_read_by_id(sb: Sandbox, console: Console) -> None:
    """A project filter hides a workflow detached from every detector: GET finds it."""
    created = configured(ErrorAlertProvider, stack_config(sb)).create(declared_alert())
    console.edit_workflow(created.id, lambda body: body.update(detectorIds=[]))
    alerts = configured(ErrorAlertProvider, stack_config(sb))
    mark = len(sb.journal)

    read = alerts.read(created.id, created.outs)

    assert read.id == created.id and read.outs["detectors"] == []
    assert [e["path"] for e in sb.journal[mark:] if "workflows" in e["path"]] == [
        WORKFLOWS_PATH,
        f"{WORKFLOWS_PATH}{created.id}/",
    ]


# -- the natural-key look-ups before create use the same list -----------------------------


def test_creates_by_4_threads_look_up_twins_in_one_list(sb: Sandbox) -> None:
    monitors = configured(UptimeMonitorProvider, stack_config(sb))
    declared = [
        declared_monitor(friendly_name=f"new {n}", url=f"https://n{n}.monaluxe.app")
        for n in range(12)
    ]

    with ThreadPoolExecutor(THREADS) as pool:
        created = list(pool.map(monitors.create, declared))

    assert len({c.id for c in created}) == 12 == len(live_monitors(sb))
    assert _gets(sb, MONITORS_PATH) == 1
    assert sum(1 for e in sb.journal if e["method"] == "POST") == 12


def test_a_twin_made_by_hand_is_still_refused(sb: Sandbox, console: Console) -> None:
    console.create_monitor(friendlyName="ML_PP production - monaluxe.app")
    monitors = configured(UptimeMonitorProvider, stack_config(sb))

    with pytest.raises(Exception, match="already exists"):
        monitors.create(declared_monitor())
    assert len(live_monitors(sb)) == 1


def test_a_replace_deletes_then_creates_without_seeing_the_deleted_one(sb: Sandbox) -> None:
    (seeded,) = _seed_monitors(sb, 1)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))
    monitors.read(*seeded)

    monitors.delete(*seeded)  # delete_before_replace: same name and URL, new type
    created = monitors.create({**seeded[1], "type": "KEYWORD", "keyword": "ML_PP"})

    assert [str(m.id) for m in live_monitors(sb)] == [created.id]
    assert _gets(sb, MONITORS_PATH) == 1


def test_a_create_with_an_unknown_outcome_looks_again_in_a_fresh_list(sb: Sandbox) -> None:
    monitors = configured(UptimeMonitorProvider, stack_config(sb))
    sb.inject("hang", method="POST", path=MONITORS_PATH, times=1, seconds=1.0)

    created = monitors.create(declared_monitor())

    (monitor,) = live_monitors(sb)
    assert created.id == str(monitor.id)
    assert _gets(sb, MONITORS_PATH) == 2  # before the POST, then after its timeout


# -- switched off ----------------------------------------------------------------------------


def test_batching_off_reads_each_monitor_by_id(
    start_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BATCH_ENV, "0")
    sb = start_sandbox()
    seeded = _seed_monitors(sb, 5)
    monitors = configured(UptimeMonitorProvider, stack_config(sb))

    reads = _read_all(monitors, seeded)

    assert [r.id for r in reads] == [id_ for id_, _ in seeded]
    assert _gets(sb, MONITORS_PATH) == 0
    assert _gets_by_id(sb, f"{MONITORS_PATH}/") == 5


@pytest.mark.parametrize(
    ("value", "enabled"), [("", True), ("1", True), ("0", False), ("false", False), ("off", False)]
)
def test_the_switch_is_read_from_the_environment(value: str, enabled: bool) -> None:
    assert batch_reads_enabled({BATCH_ENV: value}) is enabled


# -- SharedList itself: single flight --------------------------------------------------------


def test_concurrent_readers_wait_for_the_one_list_in_flight() -> None:
    release, calls = threading.Event(), []

    def fetch() -> list[dict[str, Any]]:
        calls.append(1)
        release.wait(5)
        return [{"id": n} for n in range(3)]

    shared = SharedList(fetch, lambda item: str(item["id"]))
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(shared.get, str(n)) for n in range(4)]
        time.sleep(0.2)
        release.set()
        results = [f.result() for f in futures]

    assert results == [{"id": 0}, {"id": 1}, {"id": 2}, None]
    assert len(calls) == 1 and shared.loads == 1


def test_a_list_answered_after_a_lost_write_is_not_kept() -> None:
    release = threading.Event()
    version = [0]

    def fetch() -> list[dict[str, Any]]:
        version[0] += 1
        if version[0] == 1:
            release.wait(5)
        return [{"id": 1, "v": version[0]}]

    shared = SharedList(fetch, lambda item: str(item["id"]))
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(shared.get, "1")
        time.sleep(0.1)
        shared.lost()  # a write of unknown outcome while the list was on its way
        release.set()
        assert first.result() == {"id": 1, "v": 1}
    assert shared.get("1") == {"id": 1, "v": 2}


# -- pacing: the rate limit spent evenly, shared by threads and clients -----------------------


def test_four_threads_creating_under_a_tight_limit_never_get_429(
    start_sandbox: Callable[..., Sandbox],
) -> None:
    # 24 creates and a few look-ups against 10 calls per 2 s: unpaced, four threads would
    # spend a window in a fraction of a second and collect 429s.
    sb = start_sandbox(rate_limit=10, rate_window=2.0)
    monitors = configured(UptimeMonitorProvider, stack_config(sb), HttpPolicy(budget=30.0))
    declared = [
        declared_monitor(friendly_name=f"paced {n}", url=f"https://p{n}.monaluxe.app")
        for n in range(24)
    ]

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(monitors.create, declared))

    assert len(live_monitors(sb)) == 24
    assert [e for e in sb.journal if e["status"] == 429] == []
    _assert_evenly_spent(sb, limit=10, window=2.0)


def test_two_providers_of_one_account_share_one_pacer(
    start_sandbox: Callable[..., Sandbox],
) -> None:
    sb = start_sandbox(rate_limit=6, rate_window=2.0)
    config = stack_config(sb)
    one, two = (configured(UptimeMonitorProvider, config, HttpPolicy(budget=30.0)) for _ in "12")
    seeded = _seed_monitors(sb, 1)[0]
    assert one._kind().api.http._pacer is two._kind().api.http._pacer  # type: ignore[attr-defined]

    def hammer(provider: Any) -> None:
        for _ in range(7):
            provider.update(seeded[0], seeded[1], seeded[1])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(hammer, (one, two)))

    assert [e for e in sb.journal if e["status"] == 429] == []


def test_sentry_clients_of_one_token_share_a_pacer(sb: Sandbox) -> None:
    alerts = configured(ErrorAlertProvider, stack_config(sb))
    kind = alerts._kind()
    a = kind._api(kind.spec_model.model_validate(_spec(declared_alert())))  # type: ignore[attr-defined]
    b = kind._api(kind.spec_model.model_validate(_spec(declared_alert(project="other"))))  # type: ignore[attr-defined]
    assert a is not b
    assert a.http._pacer is b.http._pacer is pacer_for(a.http.base_url, a.http.credential)


def _spec(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "adopt_id"}


def _assert_evenly_spent(sb: Sandbox, *, limit: int, window: float) -> None:
    """No burst: any `limit` consecutive calls span at least half a window."""
    from datetime import datetime

    times = [datetime.fromisoformat(e["ts"]).timestamp() for e in sb.journal]
    spans = [times[i + limit - 1] - times[i] for i in range(len(times) - limit + 1)]
    assert min(spans) >= window / 2, f"{limit} calls within {min(spans):.2f}s"
