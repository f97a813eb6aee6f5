"""Running one function over many items on every core, in forked worker processes.

The function and its items reach the workers by ``fork`` (inherited memory, so a
Markdown converter or a Jinja environment with compiled templates is built once in
the parent and shared, and nothing big is pickled); only index ranges go out and
results come back. Where ``fork`` is missing, or the work is small enough that
starting processes would cost more than it saves, the items are processed in this
process.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import itertools
import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NoReturn, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Other = TypeVar("Other")
Progress = Callable[[int, int], None]

# Below this many items a pool's start-up (~0.1 s) costs more than it saves (for items of a few ms each, like
# converting an article's Markdown; callers with cheaper items ask for more).
MIN_PARALLEL_ITEMS = 200

# ``_shared`` hands its items out one by one through a pipe, each as its number in this many bytes (a pipe's
# read of that many is never split); the pipe holds 64 KiB, so at most this many items.
_NUMBER_BYTES = 4
MAX_SHARED_ITEMS = 65536 // _NUMBER_BYTES

# Set in each worker process by the pool's initializer (inherited by fork, never shared back):
# the function to run and the items it runs over.
_task: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


_PR_SET_PDEATHSIG = 1


def _load_prctl() -> ctypes._NamedFuncPointer | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function: ctypes._NamedFuncPointer = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function


_PRCTL = _load_prctl()


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _install(function: Callable[[Any], Any], items: Sequence[Any], parent: int) -> None:
    global _task
    _task = (function, items)
    # A worker of a build killed outright (SIGKILL) would wait for work for ever, holding what it inherited,
    # the output folder's lock among them: it is killed with its parent instead.
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _run(bounds: tuple[int, int]) -> list[Any]:
    assert _task is not None, "worker started without a task"
    function, items = _task
    results = [function(items[index]) for index in range(*bounds)]
    # Builds run with the cyclic collector paused (see cli.py), which a worker inherits; the reference cycles its
    # items leave (Python-Markdown's raw-HTML pass makes one per call) are collected here, chunk by chunk, so a
    # worker's memory does not grow with the number of items. Only the young generation: a fraction of a ms.
    gc.collect(0)
    return results


def can_fork() -> bool:
    # Only where fork is the platform's own way (Linux): on macOS system libraries are not fork-safe.
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def parallel_map(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    *,
    jobs: int,
    progress: Progress | None = None,
    min_items: int = MIN_PARALLEL_ITEMS,
    min_shared: int | None = None,
) -> list[Result]:
    """``[function(item) for item in items]``, in order, spread over ``jobs`` processes when there are at
    least ``min_items``; from ``min_shared`` items (when given) up to ``min_items``, shared instead between
    this process and ``jobs - 1`` forked for it, each taking the next item when it is free (``_shared``)."""
    total = len(items)
    results: list[Result] = []
    if jobs > 1 and min_shared is not None and min_shared <= total < min(min_items, MAX_SHARED_ITEMS) and can_fork():
        results = _shared(function, items, jobs, claimed=True)
        if progress:
            progress(total, total)
        return results
    if jobs <= 1 or total < min_items or not can_fork():
        step = max(1, total // 100)
        for item in items:
            results.append(function(item))
            if progress and len(results) % step == 0:
                progress(len(results), total)
        if progress:
            progress(total, total)
        return results
    # Imported only for a pool (7 ms at start otherwise, in every build, though an incremental one needs no pool).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, min(64, total // (jobs * 8)))
    chunks = [(start, min(start + size, total)) for start in range(0, total, size)]
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_install,
        initargs=(function, items, os.getpid()),
    ) as pool:
        for chunk in pool.map(_run, chunks):
            results.extend(chunk)
            if progress:
                progress(len(results), total)
    return results


def both(here: Callable[[], Result], elsewhere: Callable[[], Other], *, jobs: int) -> tuple[Result, Other]:
    """``(here(), elsewhere())``, ``elsewhere`` run in a process forked for it (``_shared``) while this one runs
    ``here``, when ``jobs`` allows it and fork is there; else one after the other. What ``elsewhere`` returns
    comes back pickled: plain values. Forking copies nothing at first but each memory page either process
    writes to then, so this pays while this process is small (early in a build)."""
    if jobs < 2 or not can_fork():
        return here(), elsewhere()
    first, second = _shared(_call, [here, elsewhere], 2, claimed=False)
    return first, second  # type: ignore[return-value]


def _call(function: Callable[[], Result]) -> Result:
    return function()


def _shared(function: Callable[[Item], Result], items: Sequence[Item], jobs: int, *, claimed: bool) -> list[Result]:
    """``[function(item) for item in items]``, done by this process and ``jobs - 1`` processes forked for it,
    which send their results back, pickled, through a pipe. ``claimed``: each process takes the next item as
    it comes free, from a pipe that holds every item's number (so that a process slowed down, as a forked one
    is when it copies each memory page it writes to, takes fewer); else the items are cut in ``jobs`` equal
    runs, this process doing the first. For work too small to pay for a pool's start-up (a fork takes about
    4 ms; an incremental build's few hundred pages are done in 0.1-0.3 s)."""
    total = len(items)
    queue: int | None = None
    runs: list[range | int]  # what each process works on: a run of the items, or the queue
    if claimed:
        assert total <= MAX_SHARED_ITEMS, "more items than the queue pipe holds"
        queue, filling = os.pipe()
        os.write(filling, b"".join(number.to_bytes(_NUMBER_BYTES, "little") for number in range(total)))
        os.close(filling)  # the processes read to the end of the pipe: every item taken
        runs = [queue] * jobs
    else:
        runs = [
            range(start, stop) for start, stop in itertools.pairwise(total * part // jobs for part in range(jobs + 1))
        ]
    parent = os.getpid()
    children: list[tuple[int, int]] = []  # each child's process id and the pipe end its results come from
    slots: list[Any] = [None] * total
    try:
        for numbers in runs[1:]:
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read)
                _run_child(partial(_work, function, items, numbers), write, parent)
            os.close(write)
            children.append((pid, read))
        for number, result in _work(function, items, runs[0]):
            slots[number] = result
        while children:
            pid, read = children[0]
            with open(read, "rb", closefd=False) as stream:
                data = stream.read()
            os.close(read)
            children.pop(0)
            _, status = os.waitpid(pid, 0)
            outcome = pickle.loads(data) if status == 0 and data else None
            if not isinstance(outcome, tuple):
                raise ChildProcessError(f"a build process ended before its work was done (status {status})")
            if not outcome[0]:
                raise outcome[1]
            for number, result in outcome[1]:
                slots[number] = result
        return slots
    finally:
        if queue is not None:
            os.close(queue)
        for pid, read in children:  # an error or an interruption here: the other processes are stopped
            with contextlib.suppress(OSError):
                os.close(read)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _work(function: Callable[[Item], Result], items: Sequence[Item], numbers: range | int) -> list[tuple[int, Result]]:
    """``function`` over the items ``numbers`` names, or (an ``int``: the queue pipe of ``_shared``) over those
    it takes from the queue, one at a time; each result with its item's number."""
    if isinstance(numbers, range):
        return [(number, function(items[number])) for number in numbers]
    done: list[tuple[int, Result]] = []
    while taken := os.read(numbers, _NUMBER_BYTES):
        number = int.from_bytes(taken, "little")
        done.append((number, function(items[number])))
    return done


def _run_child(work: Callable[[], object], write: int, parent: int) -> NoReturn:
    """A forked process of ``_shared``: what ``work`` returns, or the exception it raised, goes to ``write``."""
    code = 1
    try:
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == parent:
            try:
                outcome: tuple[bool, object] = (True, work())
            except Exception as error:
                outcome = (False, error)
            with open(write, "wb") as stream:
                stream.write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
    finally:
        os._exit(code)
