"""Ids handed out in order, the way each vendor numbers its objects."""

from __future__ import annotations

from typing import Self


class IdSequence:
    """The next id of one kind of object, from `start` on: `next(ids)`.

    A plain object rather than `itertools.count`, because the sandbox pickles its accounts
    (`--state-file`, what `make demo` keeps between runs) and Python 3.14 no longer pickles
    itertools objects (deprecated in 3.12): a saved sandbox must load on every supported
    Python. An accounts file written with `itertools.count` still loads: its unpickler
    builds an `IdSequence` where it finds one (`server.py`).
    """

    def __init__(self, start: int = 1) -> None:
        self.next_id = start

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value
