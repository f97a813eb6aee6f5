"""Time from saving an article to the reload signal of ``newsgen serve``, on the demo site and a generated one.

    python benchmarks/serve_reload.py                      # demo site and a 1,000-article site, 10 saves each
    python benchmarks/serve_reload.py --articles 5000 --rounds 5
    python benchmarks/serve_reload.py --articles 10000 --change new   # each save adds a new article

Each site is copied to a temporary folder and served by a real ``python -m newsgen serve`` on a free port;
a client connects to the reload socket as livereload.js does, waits ``--idle`` seconds after the first build
(as a writer opens an editor), then an article is saved (a paragraph appended; with ``--change new``, a new
article newer than all the others is saved beside it) and the clock runs until the reload message arrives:
the watcher's latency, the time in which serve gathers a burst of saves, the rebuild (swapped in whole and
served where it is; copied into a snapshot first where the system cannot swap folders), and the signal.
The generated site comes from benchmarks/corpus.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from websockets.sync.client import connect

REPO = Path(__file__).resolve().parent.parent
# Which article, in path order, the saves edit (not the first: any one would do).
EDITED = 5


def demo_site(folder: Path) -> Path:
    site = folder / "demo"
    site.mkdir()
    shutil.copy(REPO / "newsgen.yaml", site / "newsgen.yaml")
    for name in ("content", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, site / name)
    return site


def generated_site(folder: Path, count: int) -> Path:
    corpus = folder / "corpus"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "corpus.py"), str(count), str(corpus)], check=True)
    return corpus / "newsgen"


def new_article(beside: Path, number: int) -> None:
    """Save a new article in the folder of ``beside``, dated a moment ago: newer than every other, not embargoed."""
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    (beside.parent / f"fresh-{published:%Y%m%d%H%M%S}-{number}.md").write_text(
        f"---\ntitle: Fresh story {number}\ndate: {published.isoformat()}\n"
        "byline: [Staff Reporter]\nsection: city\ntags: [city news]\n---\nA new story.\n"
    )


def measure(site: Path, rounds: int, idle: float, change: str) -> dict[str, float]:
    process = subprocess.Popen(
        [sys.executable, "-m", "newsgen", "serve", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(line.rstrip() for line in process.stdout or ()), daemon=True).start()

    def wait_for(pattern: str, after: int = 0, timeout: float = 600) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in lines[after:]:
                if found := re.search(pattern, line):
                    return found
            if process.poll() is not None:
                raise SystemExit("serve stopped:\n" + "\n".join(lines))
            time.sleep(0.01)
        raise SystemExit(f"no {pattern!r} in time:\n" + "\n".join(lines))

    try:
        port = int(wait_for(r"serving http://127\.0\.0\.1:(\d+)/").group(1))
        first_build = float(wait_for(r"^built .* in ([\d.]+) s").group(1))
        article = sorted((site / "content" / "articles").rglob("*.md"))[EDITED]
        original = article.read_text()
        latencies, builds = [], []
        with connect(f"ws://127.0.0.1:{port}/livereload", origin=f"http://127.0.0.1:{port}") as socket:
            socket.send(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
            socket.recv(timeout=10)
            socket.send(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/"}))
            socket.ping().wait(10)
            time.sleep(idle)
            for number in range(rounds):
                seen = len(lines)
                if change == "new":
                    new_article(article, number)
                else:
                    article.write_text(original + f"\nA paragraph added in save {number}.\n")
                saved = time.perf_counter()
                message = json.loads(socket.recv(timeout=600))
                latencies.append(time.perf_counter() - saved)
                assert message["command"] == "reload", message
                builds.append(float(wait_for(r"^built .* in ([\d.]+) s", after=seen).group(1)))
                time.sleep(0.5)
        return {
            "first build": first_build,
            "first save to reload": latencies[0],
            "save to reload, median": statistics.median(latencies),
            "save to reload, min": min(latencies),
            "save to reload, max": max(latencies),
            "rebuild, median": statistics.median(builds),
        }
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles in the generated site (default 1000)")
    parser.add_argument("--rounds", type=int, default=10, help="saves timed per site (default 10)")
    parser.add_argument(
        "--idle", type=float, default=5, help="seconds between the first build and the first save (default 5)"
    )
    parser.add_argument("--change", choices=("edit", "new"), default="edit", help="what each save does (default edit)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsgen-serve-bench-") as folder:
        sites = {
            "demo site": demo_site(Path(folder)),
            f"{args.articles:,} articles": generated_site(Path(folder), args.articles),
        }
        results = {name: measure(site, args.rounds, args.idle, args.change) for name, site in sites.items()}
    names = list(results)
    saves = "saves" if args.change == "edit" else "new articles"
    print(f"| seconds ({args.rounds} {saves}, {os.cpu_count()} CPUs) | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for measure_name in results[names[0]]:
        print(f"| {measure_name} | " + " | ".join(f"{results[name][measure_name]:.2f}" for name in names) + " |")


if __name__ == "__main__":
    main()
