"""Running one function over many items on every core, in forked worker processes.

The function and its items reach the workers by ``fork`` (inherited memory, so a
Markdown converter or a Jinja environment with compiled templates is built once in
the parent and shared, and nothing big is pickled); only index ranges go out and
results come back. Where ``fork`` is missing, or the work is small enough that
starting processes would cost more than it saves, the items are processed in this
process.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Progress = Callable[[int, int], None]

# Below this many items a pool's start-up (~0.1 s) costs more than it saves (for items of a few ms each, like
# converting an article's Markdown; callers with cheaper items ask for more).
MIN_PARALLEL_ITEMS = 200

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
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def parallel_map(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    *,
    jobs: int,
    progress: Progress | None = None,
    min_items: int = MIN_PARALLEL_ITEMS,
) -> list[Result]:
    """``[function(item) for item in items]``, in order, spread over ``jobs`` processes when there are at
    least ``min_items``."""
    total = len(items)
    results: list[Result] = []
    if jobs <= 1 or total < min_items or not can_fork():
        step = max(1, total // 100)
        for item in items:
            results.append(function(item))
            if progress and len(results) % step == 0:
                progress(len(results), total)
        if progress:
            progress(total, total)
        return results
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
