"""Served where it is built: while saves rebuild the site, every response is a whole file of one build, the builds
never go back in time, and no copy of the build is made for serving it."""

from __future__ import annotations

import bisect
import http.client
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .conftest import BRIDGE_URL, CONFIG, Server, article, start_server, wait_for_reload, write_site

EDITION = re.compile(r"The Test Gazette, edition (\d+)")
SAVES = 8


def edition(number: int) -> str:
    return CONFIG.replace("title: The Test Gazette", f"title: The Test Gazette, edition {number}")


def larger_site(root: Path) -> Path:
    """The test site with forty more articles over many days: enough pages that a rebuild writes for a while."""
    site = write_site(root)
    (site / "newsgen.yaml").write_text(edition(0))
    for number in range(40):
        (site / f"content/articles/story-{number}.md").write_text(
            article(f"Story number {number}", date=f"2026-01-{1 + number % 28:02d}T{number % 24:02d}:00:00+00:00")
            .replace("section: news", f"section: {('news', 'opinion')[number % 2]}")
            .replace("byline: Sana Mirza", f"byline: Reporter {number % 5}")
        )
    return site


# Files that every build has; the feed comes first in what a build writes, pages after it.
PATHS = [
    "/feed.xml",
    "/",
    BRIDGE_URL,
    "/about/",
    "/news/",
    "/opinion/feed.xml",
    "/authors/sana-mirza/",
    "/archive/2026/01/05/",
    "/news/2026/01/27/story-26/",
    "/opinion/2026/01/28/story-27/",
]


@dataclass(frozen=True)
class Fetched:
    started: float
    ended: float
    path: str
    problem: str  # empty for a whole file of one build
    edition: int


def fetch(server: Server, path: str) -> Fetched:
    started = time.monotonic()
    try:
        response = server.get(path)
    except (OSError, http.client.HTTPException) as exc:  # a response cut short, say
        return Fetched(started, time.monotonic(), path, f"{type(exc).__name__}: {exc}", -1)
    ended = time.monotonic()
    found = EDITION.findall(response.body)
    ending = "</feed>" if path.endswith(".xml") else "</html>"
    problem = ""
    if response.status != 200:
        problem = f"status {response.status}"
    elif int(response.headers.get("Content-Length", -1)) != len(response.body.encode()):
        problem = "a length other than the one announced"
    elif not response.body.rstrip().endswith(ending):
        problem = f"no {ending} at the end"
    elif len(set(found)) != 1:
        problem = f"editions {sorted(set(found))} in one file"
    return Fetched(started, ended, path, problem, int(found[0]) if found else -1)


def test_every_response_during_saves_is_a_whole_file_of_one_build_never_an_older_one(tmp_path: Path) -> None:
    site = larger_site(tmp_path / "site")
    running = start_server(site)
    seen: list[Fetched] = []
    done = threading.Event()

    def keep_fetching() -> None:
        while not done.is_set():
            for path in PATHS:
                seen.append(fetch(running, path))

    readers = [threading.Thread(target=keep_fetching) for _ in range(2)]
    try:
        with running.reload_socket() as reload_socket:
            for reader in readers:
                reader.start()
            for number in range(1, SAVES + 1):
                (site / "newsgen.yaml").write_text(edition(number))  # every page shows it: every page is rewritten
                wait_for_reload(reload_socket)
        time.sleep(0.2)
    finally:
        done.set()
        for reader in readers:
            reader.join(timeout=30)
        running.stop()
    assert running.count(r"^built ") == SAVES + 1, running.output
    problems = [(item.path, item.problem) for item in seen if item.problem]
    assert not problems, problems[:20]
    assert {item.edition for item in seen} >= {0, SAVES}
    assert len({item.edition for item in seen}) >= 4  # responses came during the stream of rebuilds
    # What a request gets is the build live when it opened the file: never older than what a request that
    # ended before it began got. A folder updated file by file would serve new and old files side by side:
    # serving the build folder while newsgen builds it in place (build(..., spare=False), a journal applied
    # file by file) fails here on every run, with pages of the old edition after the feed of the new one.
    by_end = sorted(seen, key=lambda item: item.ended)
    ends = [item.ended for item in by_end]
    newest_so_far = []
    for item in by_end:
        newest_so_far.append(max(item.edition, newest_so_far[-1] if newest_so_far else -1))
    older = []
    for item in seen:
        before = bisect.bisect_left(ends, item.started)
        if before and newest_so_far[before - 1] > item.edition:
            older.append((item.path, item.edition, newest_so_far[before - 1]))
    assert not older, older[:20]


def test_no_copy_of_the_build_is_made_to_serve_it(server: Server, site: Path) -> None:
    # The spare tree through which updates are swapped in is made while serve waits for the first save (were it
    # left to the first update, the first save would wait for it).
    spare = server.builds / ".build.newsgen-spare"
    deadline = time.monotonic() + 30
    while not (spare / "state.json").is_file():
        assert time.monotonic() < deadline, f"no spare tree without a save: {server.output}"
        time.sleep(0.05)
    assert sorted(entry.name for entry in server.builds.iterdir()) == [".build.newsgen-spare", "build"]
    assert sorted(path.name for path in (spare / "tree").iterdir()) == sorted(
        path.name for path in (server.builds / "build").iterdir()
    )
    listings = []
    with server.reload_socket() as reload_socket:
        for number in range(3):
            (site / "content/articles/bridge.md").write_text(article(f"Bridge reopens, take {number}"))
            wait_for_reload(reload_socket)
            server.wait_for_page(BRIDGE_URL, lambda response, number=number: f"take {number}" in response.body)
            listings.append(sorted(entry.name for entry in server.builds.iterdir()))
    # The build folder and its spare tree: nothing more, however many saves.
    assert listings == [[".build.newsgen-spare", "build"]] * 3
    assert "take 2" in (server.builds / "build" / BRIDGE_URL.strip("/") / "index.html").read_text()
