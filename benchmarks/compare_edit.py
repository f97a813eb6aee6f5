"""Compare two newsgen source trees on a one-article edit (or a new article) and a no-change rebuild, run
alternately.

    python benchmarks/corpus.py 1000 /tmp/corpus-a && python benchmarks/corpus.py 1000 /tmp/corpus-b
    python benchmarks/compare_edit.py /tmp/corpus-a/newsgen OLD/src /tmp/corpus-b/newsgen NEW/src --rounds 7

Each site is built first (cold if its cache is missing or from other code). Then, per round and for each
side in turn, one article's title and body are edited (with ``--change new``: a new article, newer than all
others, is added to the city section) and the site rebuilt (``python -m newsgen build`` with ``PYTHONPATH``
set to the side's source tree), then rebuilt again with nothing changed. Alternating the
sides spreads the load of a shared machine over both. Prints the median wall and CPU time (children
included) of each, and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def build(site: Path, source: str) -> tuple[float, float]:
    started = time.perf_counter()
    command = [sys.executable, "-m", "newsgen", "build", "--quiet"]
    process = subprocess.Popen(command, cwd=site, env={**os.environ, "PYTHONPATH": source})
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"the build of {site} with {source} failed")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def edit(site: Path, round_: int) -> None:
    articles = sorted(site.rglob("story-*.md"))
    path = articles[len(articles) // 2 + round_]
    text = path.read_text().replace('title: "', f'title: "Update {round_}: ', 1)
    path.write_text(text + f"\nA paragraph added in edit {round_}.\n")


def add(site: Path, round_: int) -> None:
    folder = site / "content" / "articles" / "2030" / "01"
    folder.mkdir(parents=True, exist_ok=True)
    # Dated a moment ago: newer than every article of the corpus, and not embargoed.
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    stamp = published.strftime("%Y%m%d%H%M%S")
    (folder / f"fresh-{stamp}-{round_}.md").write_text(
        f"---\ntitle: Fresh story {stamp} {round_}\ndate: {published.isoformat()}\n"
        "byline: [Staff Reporter]\nsection: city\ntags: [city news]\n---\nA new story.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site_a", type=Path)
    parser.add_argument("source_a")
    parser.add_argument("site_b", type=Path)
    parser.add_argument("source_b")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--change", choices=("edit", "new"), default="edit", help="what each round changes")
    args = parser.parse_args()
    change, label = (edit, "one-article edit") if args.change == "edit" else (add, "new article")
    sides = {"A": (args.site_a, args.source_a), "B": (args.site_b, args.source_b)}
    for site, source in sides.values():
        build(site, source)
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    loads = [os.getloadavg()[0]]
    for round_ in range(args.rounds):
        for name, (site, source) in sides.items():
            change(site, round_)
            runs.setdefault((name, label), []).append(build(site, source))
            runs.setdefault((name, "no change"), []).append(build(site, source))
        loads.append(os.getloadavg()[0])
    for (name, scenario), measured in runs.items():
        walls, cpus = [wall for wall, _ in measured], [cpu for _, cpu in measured]
        print(
            f"{name} {scenario}: {statistics.median(walls):.2f} s wall (min {min(walls):.2f}, max {max(walls):.2f}),"
            f" {statistics.median(cpus):.2f} s CPU"
        )
    print("load average (1 min) before and after each round:", ", ".join(f"{load:.1f}" for load in loads))


if __name__ == "__main__":
    main()
