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
from typing import Any, NoReturn, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Other = TypeVar("Other")
Progress = Callable[[int, int], None]

# Below this many items a pool's start-up (~0.1 s) costs more than it saves (for items of a few ms each, like
# converting an article's Markdown; callers with cheaper items ask for more).
MIN_PARALLEL_ITEMS = 200

# How much more of ``_shared``'s work this process takes than each forked one (at 10,000 articles, with equal
# runs, the forked half of a new article's pages took 0.02-0.025 s longer than this process's).
PARENT_SHARE = 1.25

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
    least ``min_items``; from ``min_shared`` items (when given) up to ``min_items``, cut in runs instead, one
    done here and each other one in a process forked for it (``_shared``)."""
    total = len(items)
    results: list[Result] = []
    if jobs > 1 and min_shared is not None and min_shared <= total < min_items and can_fork():
        results = _shared(function, items, jobs)
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
    first, second = parallel_map(_call, [here, elsewhere], jobs=min(jobs, 2), min_shared=2, min_items=3)
    return first, second  # type: ignore[return-value]


def _call(function: Callable[[], Result]) -> Result:
    return function()


def _shared(function: Callable[[Item], Result], items: Sequence[Item], jobs: int) -> list[Result]:
    """``[function(item) for item in items]`` with the items cut in ``jobs`` runs: this process does the first
    (the larger by ``PARENT_SHARE``) while a process forked for each of the others does it and sends its results
    back, pickled, through a pipe. For work too small to pay for a pool's start-up (a fork takes about 4 ms; an incremental build's few
    hundred pages are done in 0.1-0.3 s)."""
    total = len(items)
    # This process's run is the larger by PARENT_SHARE: a forked process's items take it longer, as it copies
    # each memory page it writes to (the objects its items touch) and starts with cold caches.
    cuts = [0, *(round(total * (PARENT_SHARE + part) / (PARENT_SHARE + jobs - 1)) for part in range(jobs - 1)), total]
    bounds = list(itertools.pairwise(cuts))
    parent = os.getpid()
    children: list[tuple[int, int]] = []  # each child's process id and the pipe end its results come from
    try:
        for start, stop in bounds[1:]:
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read)
                _run_child(function, items, range(start, stop), write, parent)
            os.close(write)
            children.append((pid, read))
        results = [function(items[index]) for index in range(*bounds[0])]
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
            results += outcome[1]
        return results
    finally:
        for pid, read in children:  # an error or an interruption here: the other processes are stopped
            with contextlib.suppress(OSError):
                os.close(read)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _run_child(
    function: Callable[[Item], Result], items: Sequence[Item], indices: range, write: int, parent: int
) -> NoReturn:
    """The forked process of ``_shared``: its results, or the exception its work raised, go to ``write``."""
    code = 1
    try:
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == parent:
            try:
                outcome: tuple[bool, object] = (True, [function(items[index]) for index in indices])
            except Exception as error:
                outcome = (False, error)
            with open(write, "wb") as stream:
                stream.write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
    finally:
        os._exit(code)
