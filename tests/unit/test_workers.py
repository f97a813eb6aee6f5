"""Worker processes: small work stays in this process, and workers collect the cycles their items leave."""

from __future__ import annotations

import gc
import os
import signal
import time
import weakref

import pytest

from newsgen.workers import both, parallel_map


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


def slow_pid(item: int) -> tuple[int, int]:
    time.sleep(0.002)
    return item, os.getpid()


def test_between_min_shared_and_min_items_the_work_is_shared_with_forked_processes_item_by_item() -> None:
    here = os.getpid()
    done = parallel_map(slow_pid, range(101), jobs=2, min_items=1000, min_shared=100)
    assert [item for item, _ in done] == list(range(101))  # in order, each item once
    pids = [pid for _, pid in done]
    # Each process takes the next item when it is free: both take a fair part (each item takes 2 ms).
    assert len(set(pids) - {here}) == 1 and 20 < pids.count(here) < 81
    assert parallel_map(lambda item: item * item, range(300), jobs=3, min_items=1000, min_shared=100) == [
        item * item for item in range(300)
    ]
    assert set(parallel_map(lambda _: os.getpid(), range(99), jobs=2, min_items=1000, min_shared=100)) == {here}
    assert set(parallel_map(lambda _: os.getpid(), range(101), jobs=1, min_items=1000, min_shared=100)) == {here}


def fail_late(item: int) -> int:
    if item == 150:
        raise ValueError(f"item {item} failed")
    return item


def test_an_error_in_a_forked_run_is_raised_here() -> None:
    descriptors = len(os.listdir("/proc/self/fd"))
    with pytest.raises(ValueError, match="item 150 failed"):
        parallel_map(fail_late, range(200), jobs=2, min_items=1000, min_shared=100)
    parallel_map(fail_late, range(150), jobs=3, min_items=1000, min_shared=100)
    assert len(os.listdir("/proc/self/fd")) == descriptors  # every pipe closed, each time


def test_a_forked_run_killed_is_an_error_not_a_short_result() -> None:
    here = os.getpid()

    def die_elsewhere(item: int) -> int:
        time.sleep(0.001)  # so that the forked process takes items too
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        return item

    with pytest.raises(ChildProcessError, match="ended before its work was done"):
        parallel_map(die_elsewhere, range(200), jobs=2, min_items=1000, min_shared=100)


def test_both_runs_the_second_function_in_a_forked_process_at_the_same_time() -> None:
    here = os.getpid()
    read, write = os.pipe()

    def first() -> int:
        # Waits for the second function's word: the two run at once, or this never returns.
        with open(read, "rb") as stream:
            assert stream.read(2) == b"go"
        return os.getpid()

    def second() -> tuple[int, str]:
        os.write(write, b"go")
        return os.getpid(), "plain values come back"

    signal.alarm(10)  # SIGALRM ends the test should the two run one after the other
    try:
        pid, (other, text) = both(first, second, jobs=2)
    finally:
        signal.alarm(0)
        os.close(write)
    assert pid == here != other and text == "plain values come back"
    assert both(os.getpid, os.getpid, jobs=1) == (here, here)
