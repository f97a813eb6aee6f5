"""Worker processes: the reference cycles their items leave are collected while the cyclic collector is paused."""

from __future__ import annotations

import gc
import weakref

from newsgen.workers import parallel_map


class Node:
    """An object that refers to itself: freed only by the cyclic collector."""

    def __init__(self) -> None:
        self.me = self


# Each forked worker has its own copy: the cycles made in that worker and not yet collected.
_alive: weakref.WeakSet[Node] = weakref.WeakSet()


def make_cycle(_: int) -> int:
    _alive.add(Node())
    return len(_alive)


def test_a_worker_collects_the_cycles_of_each_chunk_while_the_collector_is_paused() -> None:
    items = 2000  # 64 to a chunk, about 1,000 to a worker
    gc.disable()  # as a build runs
    try:
        alive = parallel_map(make_cycle, range(items), jobs=2)
    finally:
        gc.enable()
    assert len(alive) == items
    # Never more than one chunk's cycles alive at once; without the collection it reaches ~1,000.
    assert max(alive) <= 64
