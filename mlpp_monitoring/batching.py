"""Batched reads: one list call serves every read of one kind of object in one operation.

`pulumi refresh` (and `preview --refresh`, `up --refresh`) reads each resource with its
own call: 50 monitors would be 50 GETs, five minutes of UptimeRobot's free plan (10 calls a
minute). Both vendors list full objects, 200 monitors or 100 workflows per page, so a
`SharedList` reads the whole list once and answers every read and every natural-key
look-up of the process from it.

Where it lives and how long: one `SharedList` per API client, and a client lives in one
provider host process. The engine starts one provider host per operation (a `pulumi up`
is two: its preview, then its update), so no answer outlives the operation it was read
for; nothing is written to disk.

Shared by the provider host's threads (it runs four calls at once): the first reader
sends the list call and the others wait for it (single flight), then all read the same
snapshot; a failed list fails every reader that waited for it, and the next reader tries
again.

Writes: the client reports each write of this kind. The object written is never served
from the list again: its reads GET it by id, so a read after an update sees the update.
The write's answer replaces the object's entry for natural-key look-ups (a create adds
it, a delete removes it), so the look-up before each create of an `up` needs no new
list. A write whose outcome is unknown (an error, a timeout) drops the whole list: the
next reader lists again.

`MLPP_BATCH_READS=0` in the environment of `pulumi` switches batching off (every read is
a GET by id, every look-up a filtered list call), for comparison and as an escape hatch.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from mlpp_monitoring.http import ApiError

BATCH_ENV = "MLPP_BATCH_READS"
"""`0` (or `false`, `no`, `off`) switches batched reads off; anything else leaves them on."""

Item = dict[str, Any]


def batch_reads_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether reads are batched: on unless MLPP_BATCH_READS says 0/false/no/off."""
    value = (os.environ if environ is None else environ).get(BATCH_ENV, "").strip().lower()
    return value not in ("0", "false", "no", "off")


class _Flight:
    """One list call in progress, awaited by every reader that arrives meanwhile."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch
        self.done = threading.Event()
        self.result: dict[str, Item] | None = None
        self.error: BaseException | None = None


class SharedList:
    """The objects of one kind, listed once per process, for reads and look-ups.

    `fetch` returns every object (all pages); `ident` gives an object's id as a string.
    """

    def __init__(self, fetch: Callable[[], list[Item]], ident: Callable[[Item], str]) -> None:
        self._fetch = fetch
        self._ident = ident
        self._lock = threading.Lock()
        self._items: dict[str, Item] | None = None
        self._flight: _Flight | None = None
        self._epoch = 0
        self._written: dict[str, Item | None] = {}
        """This process's writes since the list was read: the answer, None once deleted."""
        self._stale: set[str] = set()
        """Ids written by this process: never served from the list again."""
        self.loads = 0
        """How many times the list was fetched (each is one call per page)."""

    def get(self, id_: str) -> Item | None:
        """The object as listed, or None when the list cannot tell (not listed, or written
        since): the caller then GETs it by id, and a 404 there means it is gone."""
        with self._lock:
            if id_ in self._stale:
                return None
        return self._snapshot().get(id_)

    def items(self) -> list[Item]:
        """Every object as listed, with this process's writes applied (for look-ups)."""
        listed = self._snapshot()
        with self._lock:
            merged = {**listed, **self._written}
        return [item for item in merged.values() if item is not None]

    def changed(self, id_: str, answer: Item) -> None:
        """A create or update succeeded and the vendor answered with the object."""
        with self._lock:
            self._stale.add(id_)
            self._written[id_] = answer

    def touched(self, id_: str) -> None:
        """A write changed the object without changing its natural key (pause, start)."""
        with self._lock:
            self._stale.add(id_)

    def deleted(self, id_: str) -> None:
        """The object was deleted (a 404 is a failed write: `lost`)."""
        with self._lock:
            self._stale.add(id_)
            self._written[id_] = None

    def lost(self) -> None:
        """A write's outcome is unknown: forget the list, the next reader lists again."""
        with self._lock:
            self._items = None
            self._written.clear()
            self._epoch += 1

    def _snapshot(self) -> dict[str, Item]:
        with self._lock:
            if self._items is not None:
                return self._items
            flight, leader = self._flight, False
            if flight is None:
                flight = self._flight = _Flight(self._epoch)
                leader = True
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            assert flight.result is not None
            return flight.result
        try:
            listed = {self._ident(item): item for item in self._fetch()}
        except BaseException as exc:
            flight.error = exc
            with self._lock:
                self._flight = None
            flight.done.set()
            raise
        with self._lock:
            self.loads += 1
            self._flight = None
            # A write of unknown outcome during the call: this answer may predate it, so
            # it serves the readers that were already waiting, and nobody after them.
            if flight.epoch == self._epoch:
                self._items = listed
        flight.result = listed
        flight.done.set()
        return listed


class _Unshared:
    """What a write reports to when reads are not batched: nothing to keep honest."""

    def changed(self, id_: str, answer: Item) -> None:
        """Nothing listed: nothing to update."""

    def touched(self, id_: str) -> None:
        """Nothing listed: nothing to update."""

    def deleted(self, id_: str) -> None:
        """Nothing listed: nothing to update."""


@contextmanager
def writing(shared: SharedList | None) -> Iterator[SharedList | _Unshared]:
    """Wrap one write call, and yield what to report its answer to (`changed`, `touched`,
    `deleted`): the shared list, or nothing without batching. When the call fails (its
    outcome unknown, a 404 included), the shared list is dropped and the next reader
    lists again."""
    try:
        yield _Unshared() if shared is None else shared
    except ApiError:
        if shared is not None:
            shared.lost()
        raise
