"""Worker processes: small work stays in this process, and workers collect the cycles their items leave."""

from __future__ import annotations

import gc
import os
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


def test_work_below_the_threshold_stays_in_this_process_and_above_it_goes_to_workers() -> None:
    here = os.getpid()
    assert set(parallel_map(lambda _: os.getpid(), range(300), jobs=2, min_items=301)) == {here}
    workers = set(parallel_map(lambda _: os.getpid(), range(300), jobs=2, min_items=300))
    assert workers and here not in workers
