"""Time what a CI run of the publish workflow does on a fresh checkout: ``newsgen check``, then ``newsgen
build``, with the build cache the run before left restored (``.newsgen-cache``, as the workflow's
``actions/cache`` step does) and without it.

    python benchmarks/corpus.py 10000 /tmp/corpus
    python benchmarks/fresh_checkout.py /tmp/corpus/newsgen --rounds 3

The site's sources (``newsgen.yaml``, ``content``, ``templates``, ``static``) are copied into
``SITE-fresh-checkout/site``, as a checkout writes them (new files, nothing built), once for each run: first
without a cache (check, then a cold build), then, in a new copy at the same place, with the cache that build
left. The site itself is only read. What each round leaves is moved aside and deleted when the run ends (see
``run.py`` on why not in between). Prints the median wall time, CPU time (children included) and the peak
memory of the largest process of each command.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SOURCES = ("newsgen.yaml", "content", "templates", "static")
CACHE = ".newsgen-cache"


def run(site: Path, command: list[str]) -> tuple[float, float, float]:
    """``newsgen COMMAND`` in ``site``: wall seconds, CPU seconds, peak MiB of the largest process."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "newsgen", *command], cwd=site, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"newsgen {' '.join(command)} failed in {site}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def checkout(sources: Path, site: Path, aside: Path, cache: bool) -> None:
    """A fresh copy of the ``sources`` at ``site`` (the copy before moved aside), with its cache if ``cache``."""
    moved = aside / str(len(list(aside.iterdir())))
    if site.exists():
        site.rename(moved)
    for part in SOURCES:
        if (sources / part).is_dir():
            shutil.copytree(sources / part, site / part)
        elif (sources / part).is_file():
            site.mkdir(exist_ok=True)
            shutil.copyfile(sources / part, site / part)
    if cache:
        (moved / CACHE).rename(site / CACHE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, help="a site folder (only read)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sources = args.site.resolve()
    work = sources.with_name(sources.name + "-fresh-checkout")
    site, aside = work / "site", work / "aside"
    aside.mkdir(parents=True)
    measured: dict[str, list[tuple[float, float, float]]] = {}
    try:
        for _ in range(args.rounds):
            for cache in (False, True):
                checkout(sources, site, aside, cache)
                label = "with the cache" if cache else "without the cache"
                for command in (["check"], ["build", "--quiet"]):
                    measured.setdefault(f"{command[0]}, {label}", []).append(run(site, command))
    finally:
        shutil.rmtree(work)
    for name, runs in measured.items():
        walls = [wall for wall, _, _ in runs]
        print(
            f"{name}: {statistics.median(walls):.2f} s wall (min {min(walls):.2f}, max {max(walls):.2f}),"
            f" {statistics.median(cpu for _, cpu, _ in runs):.2f} s CPU, {max(mib for _, _, mib in runs):.0f} MiB"
        )


if __name__ == "__main__":
    main()
