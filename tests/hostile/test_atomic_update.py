"""An incremental update is atomic: killed at any moment, the output is the whole old or the whole new site.

Real ``python -m newsgen build`` processes update a site of a few hundred pages (the
site title changed, so every page is rewritten, plus articles added and deleted) and
are killed with SIGKILL at moments spread over the whole build and at the moment the
output is first seen to change. After each kill the output must hold, byte for byte,
the tree of a cold build of the old site or of the new one; the next build must then
leave exactly the new site.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsgen.cache import CACHE_FOLDER

from .sitekit import article, build, run, site, write_tree

EPOCH = "1790000000"  # builds in this process and in the killed ones share one "now"
ENV = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONDONTWRITEBYTECODE": "1"}
SECTIONS = "sections:\n  - {key: news, title: News}\n  - {key: city, title: City}\n  - {key: sport, title: Sport}\n"
CONFIG = "base_url: https://news.example.org/\ntimezone: UTC\nper_page: 2\n" + SECTIONS


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (the marker included) by relative path, with a hash of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def assert_unlocked(folder: Path) -> None:
    """The lock a build holds on the output's parent is free (within seconds) once the build is killed: nothing it
    forked (render workers) lives on holding it, which would make the next build wait for ever."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                assert time.monotonic() < deadline, "a killed build's processes still hold the output's lock"
                time.sleep(0.05)
    finally:
        os.close(descriptor)


def story(number: int) -> str:
    section = ("news", "city", "sport")[number % 3]
    front = (
        f"title: Story number {number}\ndate: 2026-01-{1 + number % 28:02d}T{number % 24:02d}:00:00+00:00\n"
        f"byline: [Reporter {number % 7}]\nsection: {section}\ntags: [tag{number % 11}, tag{number % 5}]\n"
    )
    return article(front, f"Body of story {number}.\n\nA second paragraph, number {number}.\n")


def make_site(root: Path, title: str, numbers: range) -> Path:
    site(root, {f"story-{number}.md": story(number) for number in numbers})
    write_tree(root, {"newsgen.yaml": f"title: {title}\n{CONFIG}"})
    return root


def newsgen(root: Path, out: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "newsgen", "build", str(root), "--out", str(out), "--quiet"]
    return subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def cold_tree(root: Path, scratch: Path) -> dict[str, str]:
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(root, scratch / "site", ignore=shutil.ignore_patterns(CACHE_FOLDER, "public", ".public.*"))
    assert run("build", str(scratch / "site"), "--out", str(scratch / "out"), "--clean").code == 0
    return tree(scratch / "out")


def test_sigkill_during_an_incremental_update_leaves_the_old_or_the_new_site_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = make_site(tmp_path / "site", "The Old Ledger", range(80))
    out = root / "public"
    kept = [out, root / ".public.newsgen-spare", root / CACHE_FOLDER]
    # Two builds, so that the update starts as usual: a spare tree one version behind, a cache describing it.
    assert build(root).code == 0
    write_tree(root, {"content/articles/story-80.md": story(80)})
    assert build(root).code == 0
    old = tree(out)
    assert old == cold_tree(root, tmp_path / "cold")
    saved = tmp_path / "saved"
    saved.mkdir()
    # One cp for all three keeps the hard links between the output and its spare.
    subprocess.run(["cp", "-a", *(str(path) for path in kept if path.exists()), str(saved)], check=True)

    # The update: a new site title (every page changes), ten articles added, ten deleted.
    write_tree(root, {"newsgen.yaml": f"title: The New Ledger\n{CONFIG}"})
    write_tree(root, {f"content/articles/story-{number}.md": story(number) for number in range(81, 91)})
    for number in range(0, 20, 2):
        (root / f"content/articles/story-{number}.md").unlink()
    new = cold_tree(root, tmp_path / "cold")
    assert len(new) > 300 and len(set(new.items()) ^ set(old.items())) > 300

    trash = tmp_path / "trash"
    trash.mkdir()

    def restore() -> None:
        # Moved aside rather than deleted (deleting folders is slow on a busy disk); the copy is made of hard
        # links, which is safe because a build replaces files and never changes one in place.
        for path in kept:
            if path.exists():
                path.rename(trash / f"{len(list(trash.iterdir()))}")
        subprocess.run(["cp", "-al", *(str(path) for path in saved.iterdir()), str(root)], check=True)

    started = time.monotonic()
    process = newsgen(root, out)
    assert process.wait() == 0, process.stderr.read() if process.stderr else ""
    duration = time.monotonic() - started
    assert tree(out) == new

    moments = random.Random(20261126)
    outcomes: list[str] = []
    spread = 5
    for attempt in range(spread + 3):
        restore()
        watched = out / "feed.xml"
        before = watched.stat().st_ino
        process = newsgen(root, out)
        if attempt < spread:
            time.sleep(duration * (attempt + moments.random()) / spread)
        else:
            # The moment the output is first seen to change: where an update applied file by file is half done.
            while process.poll() is None:
                try:
                    if watched.stat().st_ino != before:
                        break
                except FileNotFoundError:
                    break
        process.kill()
        process.wait()
        assert_unlocked(root)
        state = tree(out) if out.is_dir() else {}
        outcome = "new" if state == new else "old" if state == old else "broken"
        outcomes.append(outcome)
        assert outcome != "broken", f"attempt {attempt}: the output is neither the old nor the new site: {outcomes}"
        if attempt % 2 or attempt >= spread:
            result = build(root)
            assert result.code == 0, result.stderr
            assert tree(out) == new, f"attempt {attempt}: the build after the kill did not leave the new site"
    print("kill outcomes:", outcomes)
    assert "old" in outcomes and "new" in outcomes
