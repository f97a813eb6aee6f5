"""Incremental builds make the same bytes as cold builds, whatever sequence of edits comes between them.

Seeded random sequences of edits (add, edit body, edit title, change tags, change
section, change date, delete, rename, draft ↔ published, embargo lifting as ``now``
moves, template edit, config edit) are applied to a site; after each step the site is
built incrementally, a copy of it is built cold, and the two output trees must hold
the same files with the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jinja2.bccache import bc_magic

import newsgen.build
from newsgen.build import MIN_PARALLEL_PAGES, MIN_SHARED_PAGES, BuildOptions, build, check, read
from newsgen.cache import (
    BODIES_FOLDER,
    CACHE_FILE,
    CACHE_FOLDER,
    CODE_VERSION,
    StoredBody,
    _model_shard,
    load_cache,
)
from newsgen.config import load_config
from newsgen.content import RACY_NANOSECONDS, read_source, stat_source
from newsgen.errors import BuildFailed
from newsgen.fingerprint import Fingerprints
from newsgen.models import Article, Body
from newsgen.output import MARKER

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SECTIONS = ("city", "region", "sport")
TAGS = ("water", "budget", "schools", "transport", "health")
AUTHORS = ("Sana Mirza", "Omar Siddiqui", "Hina Khan")
CONFIG = """title: The Test Ledger
base_url: https://test.example.org/
timezone: UTC
sections:
  - {key: city, title: City}
  - {key: region, title: Region}
  - {key: sport, title: Sport}
per_page: 3
"""


def article_text(rng: random.Random, title: str, published: datetime, *, draft: bool = False) -> str:
    tags = rng.sample(TAGS, rng.randint(0, 3))
    body = "\n\n".join(f"Paragraph {rng.randint(1, 999)} about {rng.choice(TAGS)}." for _ in range(rng.randint(1, 4)))
    return (
        f"---\ntitle: {title!r}\ndate: {published.isoformat()}\nbyline: [{rng.choice(AUTHORS)}]\n"
        f"section: {rng.choice(SECTIONS)}\ntags: [{', '.join(tags)}]\n"
        + ("draft: true\n" if draft else "")
        + f"---\n{body}\n\n## More\n\nMore text.\n"
    )


def output_tree(out: Path) -> dict[str, bytes]:
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != MARKER
    }


def cold_tree(site: Path, scratch: Path, now: datetime) -> dict[str, bytes]:
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(site, scratch / "site", ignore=shutil.ignore_patterns(CACHE_FOLDER, "public"))
    build(load_config(scratch / "site"), scratch / "out", now=now, clean=True, jobs=1)
    return output_tree(scratch / "out")


def _front_matter_set(path: Path, key: str, value: str) -> None:
    lines = path.read_text().split("\n")
    closing = lines.index("---", 1)
    lines = [line for number, line in enumerate(lines) if not (0 < number < closing and line.startswith(f"{key}:"))]
    lines.insert(1, f"{key}: {value}")
    path.write_text("\n".join(lines))


class Site:
    """A small site on disk and the edits a newsroom makes to it."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root, self.rng, self.counter = root, rng, 0
        (root / "content" / "articles").mkdir(parents=True)
        (root / "content" / "pages").mkdir()
        (root / "templates").mkdir()
        (root / "newsgen.yaml").write_text(CONFIG)
        (root / "content" / "pages" / "about.md").write_text("---\ntitle: About us\n---\nWho we are.\n")
        (root / "templates" / "404.html").write_text('{% extends "theme/404.html" %}\n')
        for _ in range(8):
            self.add()

    @property
    def articles(self) -> list[Path]:
        return sorted((self.root / "content" / "articles").rglob("*.md"))

    @property
    def bodies(self) -> list[Path]:
        return sorted(path for path in (self.root / CACHE_FOLDER / BODIES_FOLDER).rglob("*") if path.is_file())

    def pick(self) -> Path:
        return self.rng.choice(self.articles)

    def add(self, published: datetime | None = None) -> None:
        self.counter += 1
        when = published or NOW - timedelta(hours=self.rng.randint(1, 24 * 20))
        folder = self.root / "content" / "articles" / f"{when:%Y}"
        folder.mkdir(exist_ok=True)
        (folder / f"story-{self.counter}.md").write_text(article_text(self.rng, f"Story {self.counter}", when))

    def edit(self, operation: str, now: datetime) -> datetime:
        rng = self.rng
        if operation == "add":
            self.add()
        elif operation == "embargo":
            self.add(now + timedelta(hours=rng.randint(1, 5)))
        elif operation == "time passes":
            return now + timedelta(hours=rng.randint(1, 8))
        elif len(self.articles) < 3:
            self.add()
        elif operation == "body":
            path = self.pick()
            path.write_text(path.read_text() + f"\nAn added paragraph {rng.randint(1, 99)}.\n")
        elif operation == "title":
            _front_matter_set(self.pick(), "title", f"'A new headline {rng.randint(1, 99)}'")
        elif operation == "tags":
            _front_matter_set(self.pick(), "tags", f"[{', '.join(rng.sample(TAGS, rng.randint(0, 3)))}]")
        elif operation == "section":
            _front_matter_set(self.pick(), "section", rng.choice(SECTIONS))
        elif operation == "byline":
            # Another of the site's writers: the article moves between author pages, its URL and tags stay.
            _front_matter_set(self.pick(), "byline", f"[{rng.choice(AUTHORS)}]")
        elif operation == "date":
            when = NOW - timedelta(hours=rng.randint(1, 24 * 30))
            _front_matter_set(self.pick(), "date", when.isoformat())
        elif operation == "delete":
            self.pick().unlink()
        elif operation == "rename":
            path = self.pick()
            self.counter += 1
            path.rename(path.with_name(f"renamed-{self.counter}.md"))
        elif operation == "draft":
            path = self.pick()
            text = path.read_text()
            if "draft: true\n" in text:
                path.write_text(text.replace("draft: true\n", ""))
            else:
                _front_matter_set(path, "draft", "true")
        elif operation == "template":
            template = self.root / "templates" / "404.html"
            template.write_text(template.read_text() + f"<p>Sorry {rng.randint(1, 99)}.</p>\n")
        elif operation == "partial":
            # An override of a partial that list pages use (and its removal): the pages using it, not the others.
            partial = self.root / "templates" / "partials" / "article_card.html"
            if partial.exists():
                partial.unlink()
            else:
                partial.parent.mkdir(exist_ok=True)
                partial.write_text(
                    '{% include "theme/partials/article_card.html" %}' + f"<!-- card {rng.randint(1, 99)} -->\n"
                )
        elif operation == "profile":
            # An author's profile: a new slug moves their page (and every byline link to it), a role their feed.
            name = rng.choice(AUTHORS)
            profile = f"{name}:\n  role: Reporter {rng.randint(1, 9)}\n"
            if rng.random() < 0.5:
                profile += f"  slug: writer-{rng.randint(1, 9)}\n"
            (self.root / "content" / "authors.yaml").write_text(profile)
        elif operation == "page":
            # A standalone page is in every page's footer.
            number = rng.randint(1, 3)
            (self.root / "content" / "pages" / f"page-{number}.md").write_text(
                f"---\ntitle: Page {number} v{rng.randint(1, 99)}\n---\nText.\n"
            )
        elif operation == "damage":
            # A body in the cache's store altered or lost: found when a page needs it, and the build runs cold.
            bodies = self.bodies
            if bodies:
                body = rng.choice(bodies)
                if rng.random() < 0.5:
                    body.unlink()
                else:
                    body.write_bytes(b"<p>Not the body that was stored.</p>")
        elif operation == "config":
            config = self.root / "newsgen.yaml"
            text = config.read_text()
            if "tagline:" in text:
                config.write_text("\n".join(line for line in text.split("\n") if not line.startswith("tagline:")))
            else:
                config.write_text(text + f"tagline: Edition {rng.randint(1, 99)}\n")
        return now


OPERATIONS = (
    "add",
    "body",
    "title",
    "tags",
    "section",
    "byline",
    "date",
    "delete",
    "rename",
    "draft",
    "embargo",
    "time passes",
    "template",
    "config",
    "profile",
    "page",
    "partial",
    "damage",
)


@pytest.mark.parametrize(("seed", "remember"), [(1, False), (2, False), (3, False), (4, True)])
def test_random_edit_sequences_build_the_same_bytes_as_cold_builds(tmp_path: Path, seed: int, remember: bool) -> None:
    """``remember``: each build is given the cache the last one left in memory, as ``newsgen serve`` does, while
    every third step another build, into another folder, rewrites the cache on disk (and its store of bodies)."""
    rng = random.Random(seed)
    site = Site(tmp_path / "site", rng)
    out = tmp_path / "site" / "public"
    now = NOW
    report = first = build(load_config(site.root), out, now=now, jobs=1)
    assert first.rendered == first.pages
    steps = [*OPERATIONS, *(rng.choice(OPERATIONS) for _ in range(8))]
    rng.shuffle(steps)
    reused = 0
    for step, operation in enumerate(steps):
        now = site.edit(operation, now)
        if remember and step % 3 == 2:
            build(load_config(site.root), tmp_path / "elsewhere", now=now, jobs=1)
        remembered = report.cache if remember else None
        report = build(load_config(site.root), out, now=now, jobs=1, remembered=remembered)
        reused += report.reused
        incremental, cold = output_tree(out), cold_tree(site.root, tmp_path / "cold", now)
        assert sorted(incremental) == sorted(cold), f"step {step} ({operation}): different files"
        for path, data in cold.items():
            assert incremental[path] == data, f"step {step} ({operation}): {path} differs from a cold build"
    assert reused > 0, "no page was ever reused: the cache is not working"


def test_a_rebuild_with_no_change_renders_and_writes_nothing(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(7))
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    again = build(load_config(site.root), out, now=NOW + timedelta(minutes=5), jobs=1)
    assert (again.parsed, again.rendered, again.written) == (0, 0, 0)
    assert again.reused == again.pages


def test_an_edit_rewrites_the_one_file_of_the_cache_that_holds_its_model(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(8))
    for _ in range(40):
        site.add()
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)

    def models() -> dict[str, tuple[int, bytes]]:
        """Each file of models, by name: its inode (a file written again is a new one, renamed over) and bytes."""
        files = (site.root / CACHE_FOLDER).glob("parsed-*.cache")
        return {path.name: (path.stat().st_ino, path.read_bytes()) for path in files}

    before = models()
    assert len(before) > 10
    path = site.pick()
    path.write_text(path.read_text() + "\nAn added line.\n")
    build(load_config(site.root), out, now=NOW, jobs=1)
    after = models()
    assert after.keys() == before.keys()
    [edited] = [name for name in after if after[name][0] != before[name][0]]
    assert after[edited][1] != before[edited][1]
    path.unlink()  # a model dropped: its file is written again, without it
    build(load_config(site.root), out, now=NOW, jobs=1)
    last = models()
    [dropped] = [name for name in last if last[name][0] != after[name][0]]
    assert str(path).encode() in after[dropped][1] and str(path).encode() not in last[dropped][1]


def test_a_loaded_file_of_models_holds_each_path_section_tag_and_name_once(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(8))
    for _ in range(40):
        site.add()
    build(load_config(site.root), site.root / "public", now=NOW, jobs=1)
    by_file: dict[int, list[Article]] = {}
    for name, (_, model, _) in load_cache(site.root).parsed.items():
        assert name is model.source  # the key is the model's own path string
        if isinstance(model, Article):
            by_file.setdefault(_model_shard(name), []).append(model)
    repeated = 0
    for articles in by_file.values():
        texts = [text for article in articles for text in (article.section, *article.tags, *article.byline)]
        texts += [article.body.folder for article in articles if isinstance(article.body, StoredBody)]
        assert len({id(text) for text in texts}) == len(set(texts))  # one string object for each value
        repeated += len(texts) - len(set(texts))
    assert repeated > 40


def test_a_damaged_or_foreign_cache_is_ignored(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(8))
    out = site.root / "public"
    files = len(site.articles) + 1
    build(load_config(site.root), out, now=NOW, jobs=1)
    cache = site.root / CACHE_FOLDER / CACHE_FILE
    data = cache.read_bytes()
    middle = len(data) // 2
    cache.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    damaged = build(load_config(site.root), out, now=NOW, jobs=1)
    assert (damaged.parsed, damaged.rendered) == (files, damaged.pages)
    cache.write_bytes(cache.read_bytes().replace(f"newsgen {CODE_VERSION};".encode(), b"newsgen 0.0.0-other;", 1))
    foreign = build(load_config(site.root), out, now=NOW, jobs=1)
    assert (foreign.parsed, foreign.rendered) == (files, foreign.pages)
    cache.write_bytes(b"not a cache at all")
    garbage = build(load_config(site.root), out, now=NOW, jobs=1)
    assert garbage.parsed == files
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)


def stored_articles(site: Site) -> list[Article]:
    return [model for _, model, _ in load_cache(site.root).parsed.values() if isinstance(model, Article)]


def test_article_bodies_are_kept_in_the_store_and_only_the_current_ones(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(14))
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    articles = stored_articles(site)
    assert len(articles) == len(site.articles)
    assert all(isinstance(article.body, StoredBody) for article in articles)
    before = {path.name for path in site.bodies}
    assert before == {article.body.sha for article in articles if isinstance(article.body, StoredBody)}
    edited = site.articles[0]
    edited.write_text(edited.read_text() + "\nA paragraph only this edit adds.\n")
    build(load_config(site.root), out, now=NOW, jobs=1)
    after = {path.name for path in site.bodies}
    assert after == {article.body.sha for article in stored_articles(site) if isinstance(article.body, StoredBody)}
    assert len(after - before) == len(before - after) == 1  # the old body of the edited article is gone
    shown = [path for path, data in output_tree(out).items() if b"A paragraph only this edit adds." in data]
    # Its page and its entries in the feeds (the site's, its section's, its author's), read from the store.
    assert len([path for path in shown if path.endswith(".html")]) == 1
    assert "feed.xml" in shown and len(shown) == 4
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    # A deleted article's body goes too; a body another article still shows (the same text) stays.
    twin, deleted = site.articles[1], site.articles[2]
    twin.write_text(deleted.read_text().replace("title:", "title: Twin of", 1))
    build(load_config(site.root), out, now=NOW, jobs=1)
    shared = {
        article.body.sha
        for article in stored_articles(site)
        if article.source == str(twin) and isinstance(article.body, StoredBody)
    }
    deleted.unlink()
    site.articles[3].unlink()
    build(load_config(site.root), out, now=NOW, jobs=1)
    left = {path.name for path in site.bodies}
    assert left == {article.body.sha for article in stored_articles(site) if isinstance(article.body, StoredBody)}
    assert shared <= left and len(left) == len(site.articles)


def test_an_articles_sub_sections_are_kept_with_its_body(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(15))
    headed = site.articles[0]
    headed.write_text(headed.read_text() + "\n## First part\n\nText.\n\n## Second part\n\nMore text.\n")
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    [model] = [article for article in stored_articles(site) if article.source == str(headed)]
    assert [(part.id, part.title) for part in model.subsections] == [
        ("more", "More"),  # every article of these sites has a "## More"
        ("first-part", "First part"),
        ("second-part", "Second part"),
    ]
    assert isinstance(model.body, StoredBody)  # the model holds only the body's name
    [stored] = [path for path in site.bodies if path.name == model.body.sha]
    listed = b'[["more", "More"], ["first-part", "First part"], ["second-part", "Second part"]]\n'
    assert stored.read_bytes().startswith(listed)
    other = next(path for path in site.articles if path != headed)
    other.write_text(other.read_text() + "\nAn added line.\n")
    build(load_config(site.root), out, now=NOW, jobs=1)  # the headed article's page is kept or made from the store
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    assert b'<nav class="toc"' in next(data for path, data in output_tree(out).items() if b"Second part</a>" in data)


@pytest.mark.parametrize("damage", ["altered", "missing", "all missing"])
def test_a_damaged_body_store_makes_a_cold_build_and_a_right_check(tmp_path: Path, damage: str) -> None:
    site = Site(tmp_path / "site", random.Random(15))
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    if damage == "altered":  # a link to no page: a check that showed this body would fail
        site.bodies[0].write_bytes(b'[]\n<p><a href="/nowhere/">Not the body that was stored.</a></p>')
    elif damage == "missing":
        site.bodies[0].unlink()
    else:
        shutil.rmtree(site.root / CACHE_FOLDER / BODIES_FOLDER)
    site.edit("config", NOW)  # every page is rendered again, and reads its article's body
    checked = check(load_config(site.root), now=NOW, options=BuildOptions())
    assert checked.pages == sum(path.endswith(".html") for path in output_tree(out))
    report = build(load_config(site.root), out, now=NOW, jobs=1)
    assert report.parsed == len(site.articles) + 1  # cold
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    assert len(site.bodies) == len(site.articles)


def test_a_body_store_that_cannot_be_written_keeps_the_bodies_in_memory(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(16))
    (site.root / CACHE_FOLDER).mkdir()
    (site.root / CACHE_FOLDER / BODIES_FOLDER).write_text("a file where the store's folder would be")
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    assert all(isinstance(article.body, Body) for article in stored_articles(site))
    site.edit("body", NOW)
    build(load_config(site.root), out, now=NOW, jobs=1)
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)


def test_clean_ignores_the_cache(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(9))
    build(load_config(site.root), site.root / "public", now=NOW, jobs=1)
    clean = build(load_config(site.root), site.root / "public", now=NOW, jobs=1, clean=True)
    assert clean.parsed == len(site.articles) + 1
    assert clean.rendered == clean.pages


def test_parallel_and_serial_builds_make_the_same_bytes(tmp_path: Path) -> None:
    rng = random.Random(10)
    site = Site(tmp_path / "site", rng)
    for _ in range(220):  # enough files for the build to start worker processes
        site.add()
    serial = build(load_config(site.root), tmp_path / "serial", now=NOW, jobs=1, options=BuildOptions())
    parallel = build(load_config(site.root), tmp_path / "parallel", now=NOW, jobs=2, clean=True)
    assert serial.pages == parallel.pages > 200
    assert output_tree(tmp_path / "serial") == output_tree(tmp_path / "parallel")


def test_files_read_again_with_the_same_bytes_keep_the_models_of_the_cache(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(18))
    for _ in range(220):  # enough files for the build to read them in worker processes
        site.add()
    out = site.root / "public"
    first = build(load_config(site.root), out, now=NOW, jobs=2)
    for path in site.articles:  # a new signature, the same bytes: as in a fresh checkout
        status = path.stat()
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 10**9))
    again = build(load_config(site.root), out, now=NOW, jobs=2, remembered=first.cache)
    assert first.cache is not None and again.cache is not None and again.parsed == 0
    # Not sent back from the workers that read the files: the cache's own objects.
    assert all(again.cache.parsed[name][1] is model for name, (_, model, _) in first.cache.parsed.items())
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)


def test_check_renders_in_worker_processes_and_reports_every_broken_link(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(17))
    for _ in range(420):  # enough pages for check to render them in worker processes
        site.add()
    config = load_config(site.root)
    assert check(config, now=NOW, options=BuildOptions(), jobs=2).pages >= MIN_PARALLEL_PAGES
    broken = site.articles[100:102]
    for number, path in enumerate(broken):
        path.write_text(path.read_text() + f"\nSee [the other story](/nowhere-{number}/).\n")
    found = []
    for jobs in (2, 1):
        with pytest.raises(BuildFailed) as failed:
            check(config, now=NOW, options=BuildOptions(), jobs=jobs)
        found.append([str(error) for error in failed.value.errors])
    assert found[0] == found[1]
    assert len(found[0]) == 2
    for number, (path, error) in enumerate(zip(broken, found[0], strict=True)):
        lines = len(path.read_text().splitlines())
        assert error == f"{path}:{lines}: broken link to /nowhere-{number}/ (no such page in the site)"
    assert not (site.root / "public").exists()


def test_the_cards_of_a_parallel_build_are_kept_and_a_new_article_makes_only_its_own(tmp_path: Path) -> None:
    rng = random.Random(14)
    site = Site(tmp_path / "site", rng)
    for _ in range(420):  # enough pages for the build to render them in worker processes
        site.add()
    out = site.root / "public"
    cold = build(load_config(site.root), out, now=NOW, jobs=2)
    assert cold.rendered >= MIN_PARALLEL_PAGES and cold.cache is not None
    listed = {key[:32] for key in cold.cache.cards}
    assert len(listed) == len(site.articles)  # each article's card came back from the worker that made it
    assert load_cache(site.root).cards == cold.cache.cards
    site.add(NOW - timedelta(minutes=1))  # on top of every list it is in: every other card moves
    added = build(load_config(site.root), out, now=NOW, jobs=2)  # rendered here and in one forked process
    assert added.cache is not None and MIN_SHARED_PAGES <= added.rendered < MIN_PARALLEL_PAGES
    made = added.cache.cards.keys() - cold.cache.cards.keys()
    assert len({key[:32] for key in made}) == 1  # the new article's cards, and no other
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)


def test_only_the_cards_of_the_newest_articles_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(newsgen.build, "CARD_ARTICLES", 5)
    site = Site(tmp_path / "site", random.Random(15))
    for _ in range(20):
        site.add()
    first = build(load_config(site.root), site.root / "public", now=NOW, jobs=1)
    assert first.cache is not None and len({key[:32] for key in first.cache.cards}) == 5
    site.add(NOW - timedelta(minutes=1))
    again = build(load_config(site.root), site.root / "public", now=NOW, jobs=1)
    assert again.cache is not None and len({key[:32] for key in again.cache.cards}) == 5
    assert output_tree(site.root / "public") == cold_tree(site.root, tmp_path / "cold", NOW)


def test_only_the_pages_showing_an_edited_article_or_of_a_changed_group_are_digested_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = Site(tmp_path / "site", random.Random(16))
    for _ in range(30):
        site.add()
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    digested: list[str] = []
    real = Fingerprints.call_encoding

    def call_encoding(self: Fingerprints, function: Any, args: tuple[Any, ...]) -> bytes:
        digested.append(function.__name__)
        return real(self, function, args)

    monkeypatch.setattr(Fingerprints, "call_encoding", call_encoding)
    path = site.pick()
    path.write_text(path.read_text() + "\nAn added line.\n")
    edited = build(load_config(site.root), out, now=NOW, jobs=1)
    assert 1 < len(digested) == edited.rendered < edited.pages // 4  # the pages that show it, and only those
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    digested.clear()
    _front_matter_set(path, "tags", "[a new tag]")  # moves it between lists, and changes related articles
    moved = build(load_config(site.root), out, now=NOW, jobs=1)
    # The pages of the lists it left or joined and of the articles near it, not the others (groups unchanged).
    assert moved.rendered <= len(digested) < moved.pages
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    digested.clear()
    ranked = load_cache(site.root).ranking.chosen
    site.add(NOW - timedelta(minutes=1))  # on top of every list it is in
    added = build(load_config(site.root), out, now=NOW, jobs=1)
    assert added.rendered <= len(digested) < added.pages
    # Of the articles' pages, only the new one's and those whose related articles changed.
    moved_related = [
        url
        for url, (_, urls) in load_cache(site.root).ranking.chosen.items()
        if ranked.get(url, (None, urls))[1] != urls
    ]
    assert digested.count("article_context") == 1 + len(moved_related) < len(ranked)
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    # The same for a new article by someone no byline named before: a person who first appears is on no other page.
    digested.clear()
    ranked = load_cache(site.root).ranking.chosen
    site.add(NOW - timedelta(seconds=30))
    (added_path,) = (path for path in site.articles if path.name == f"story-{site.counter}.md")
    _front_matter_set(added_path, "byline", "[First Time Contributor]")
    newcomer = build(load_config(site.root), out, now=NOW, jobs=1)
    moved_related = [
        url
        for url, (_, urls) in load_cache(site.root).ranking.chosen.items()
        if ranked.get(url, (None, urls))[1] != urls
    ]
    assert digested.count("article_context") == 1 + len(moved_related) < len(ranked)
    assert newcomer.rendered <= len(digested) < newcomer.pages
    assert "First Time Contributor" in (out / "authors" / "first-time-contributor" / "index.html").read_text()
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)


def test_a_template_naming_another_by_a_variable_is_rendered_again_when_any_template_changes(
    tmp_path: Path,
) -> None:
    site = Site(tmp_path / "site", random.Random(17))
    templates = site.root / "templates"
    (templates / "404.html").write_text(
        '{% extends "theme/404.html" %}{% block content %}{% set name = "extra.html" %}{% include name %}'
        "{% endblock %}\n"
    )
    (templates / "extra.html").write_text("<p>First words.</p>\n")
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    (templates / "extra.html").write_text("<p>Second words.</p>\n")
    report = build(load_config(site.root), out, now=NOW, jobs=1)
    assert "Second words." in (out / "404.html").read_text()
    assert report.rendered == 1  # only the page whose template may use it
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)


def test_a_build_killed_at_any_moment_is_put_right_by_the_next(tmp_path: Path) -> None:
    """SIGKILL an incremental build at several moments; the next build must leave exactly a cold build's tree."""
    rng = random.Random(11)
    site = Site(tmp_path / "site", rng)
    for _ in range(12):
        site.add()
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    environment = {**os.environ, "SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))}
    for delay in (0.1, 0.3, 0.6):
        for _ in range(3):
            site.edit(rng.choice(("add", "title", "tags", "delete", "section")), NOW)
        process = subprocess.Popen(
            [sys.executable, "-m", "newsgen", "build", str(site.root), "--quiet", "--jobs", "1"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        build(load_config(site.root), out, now=NOW, jobs=1)
        assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW), f"wrong after a kill at {delay} s"
        assert [path.name for path in tmp_path.glob("site/.public.newsgen-*")] == [".public.newsgen-spare"]


def _signatures(site: Path) -> set[str]:
    """The content files whose signature the cache keeps."""
    return {name for name, (_, _, signature) in load_cache(site).parsed.items() if signature is not None}


def test_unchanged_files_are_not_read_again_and_a_same_size_edit_is_still_seen(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(12))
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    # Just written, the files are too new for their signatures to be trusted; once settled, they are.
    assert not _signatures(site.root)
    time.sleep(RACY_NANOSECONDS / 1e9 + 0.2)
    build(load_config(site.root), out, now=NOW, jobs=1)
    previous = load_cache(site.root)
    assert len(_signatures(site.root)) == len(site.articles) + 1
    assert all(source.data is None for source in read(load_config(site.root), previous).files)
    # Same size and modification time, other bytes: only the change time (which no program sets) differs.
    edited = site.articles[:3]
    for path in edited:
        status = path.stat()
        path.write_text(path.read_text().replace("Paragraph", "Pxragraph", 1))
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
        assert (path.stat().st_size, path.stat().st_mtime_ns) == (status.st_size, status.st_mtime_ns)
    report = build(load_config(site.root), out, now=NOW, jobs=1)
    assert report.parsed == len(edited)
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    # Read while still racy, the edited files are read again next time; the others are not.
    signatures = _signatures(site.root)
    assert not any(str(path) in signatures for path in edited)
    assert len(signatures) == len(site.articles) + 1 - len(edited)
    # A file replaced by another of the same size (a new inode) is read too.
    first, second = site.articles[3], site.articles[4]
    replacement = first.with_suffix(".new")
    replacement.write_text(first.read_text().replace("Paragraph", "Pxragraph", 1))
    os.replace(replacement, first)
    assert build(load_config(site.root), out, now=NOW, jobs=1).parsed == 1
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    # --clean reads every file again.
    assert build(load_config(site.root), out, now=NOW, jobs=1, clean=True).parsed == len(site.articles) + 1
    assert second.exists()


def test_a_source_read_just_after_a_change_leaves_no_signature(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\n---\nText.\n")
    fresh = stat_source("page", str(path), {}, time.time_ns())
    assert fresh.data is None and fresh.digest == "" and fresh.signature is None
    settled = stat_source("page", str(path), {}, time.time_ns() + RACY_NANOSECONDS + 1_000_000)
    assert settled.signature is not None and settled.digest == ""
    read = read_source(settled)
    assert read.data == path.read_bytes() and read.digest == hashlib.sha256(read.data).hexdigest()
    skipped = stat_source("page", str(path), {str(path): (settled.signature, read.digest)}, time.time_ns())
    assert skipped.data is None and skipped.digest == read.digest


def _html(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in tree.items() if path.endswith(".html")}


def test_an_edit_re_renders_only_the_pages_that_show_it(tmp_path: Path) -> None:
    rng = random.Random(13)
    site = Site(tmp_path / "site", rng)
    for _ in range(40):
        site.add()
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    for operation in ("title", "title", "new author", "body", "template", "partial", "partial"):
        before = _html(output_tree(out))
        if operation == "new author":
            path = site.pick()
            _front_matter_set(path, "byline", f"[Newcomer {rng.randint(1, 99)}]")
        else:
            site.edit(operation, NOW)
        report = build(load_config(site.root), out, now=NOW, jobs=1)
        after = _html(output_tree(out))
        changed = {path for path in after if before.get(path) != after[path]}
        # A list shows an article's title; its page, its body: a body edit re-renders the lists holding it too
        # (an override of a list template may show bodies), though only its own page changes.
        if operation == "template":
            # Only the 404 page uses the edited 404.html (whose added text, outside any block, shows nowhere).
            assert report.rendered == 1
        elif operation == "body":
            assert len(changed) <= report.rendered
        elif operation == "partial":
            # Every page whose template includes the card (articles too, for related ones), not the others.
            assert len(changed) <= report.rendered < report.pages
        else:
            assert report.rendered == len(changed), f"{operation}: {report.rendered} rendered, {len(changed)} changed"
        if operation != "partial":  # article cards are on every list page
            assert 0 < report.rendered < report.pages // 4


def test_compiled_templates_are_kept_for_the_configuration_they_were_compiled_under(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(12))
    out = site.root / "public"
    compiled = site.root / CACHE_FOLDER / "templates"
    build(load_config(site.root), out, now=NOW, jobs=1)
    first = sorted(path.name for path in compiled.iterdir())
    assert len({name.split("-")[0] for name in first}) == 1
    assert len(first) >= 5  # the page templates and the ones they extend and include
    # Jinja applies filters to constant arguments when it compiles: a new base path must not reuse the code.
    config = site.root / "newsgen.yaml"
    config.write_text(config.read_text().replace("https://test.example.org/", "https://test.example.org/paper/"))
    site.edit("body", NOW)
    build(load_config(site.root), out, now=NOW, jobs=1)
    second = sorted(path.name for path in compiled.iterdir())
    assert len({name.split("-")[0] for name in second}) == 1
    assert not set(first) & set(second)
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    # A template edit is compiled afresh from the same cache.
    (site.root / "templates" / "404.html").write_text('{% extends "theme/404.html" %}\n{# edited #}\n')
    build(load_config(site.root), out, now=NOW, jobs=1)
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    # Damaged files (Jinja's header, then garbage) are compiled again, not trusted and not fatal.
    for path in compiled.iterdir():
        path.write_bytes(bc_magic + b"garbage")
    site.edit("title", NOW)
    assert build(load_config(site.root), out, now=NOW, jobs=1).rendered > 0
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)


def test_a_template_replaced_by_a_link_the_loader_refuses_is_seen(tmp_path: Path) -> None:
    site = Site(tmp_path / "site", random.Random(13))
    out = site.root / "public"
    override = site.root / "templates" / "page.html"
    override.write_text('{% extends "theme/page.html" %}\n{% block title %}OVERRIDDEN{% endblock %}\n')
    build(load_config(site.root), out, now=NOW, jobs=1)
    assert b"OVERRIDDEN" in (out / "about" / "index.html").read_bytes()
    # The same bytes, now through a link out of the site, which the site's loader refuses: the theme's
    # page.html is used instead, although every template file holds the bytes it held.
    outside = tmp_path / "elsewhere.html"
    outside.write_bytes(override.read_bytes())
    override.unlink()
    override.symlink_to(outside)
    build(load_config(site.root), out, now=NOW, jobs=1)
    assert b"OVERRIDDEN" not in (out / "about" / "index.html").read_bytes()
    build(load_config(site.root), tmp_path / "clean", now=NOW, jobs=1, clean=True)  # the site as it is, links kept
    assert output_tree(out) == output_tree(tmp_path / "clean")


def test_a_page_whose_articles_are_unchanged_is_rendered_again_when_the_people_it_names_change(
    tmp_path: Path,
) -> None:
    """An author without a profile is named as the newest article spells the name: a new article spelling it
    otherwise changes the older articles' pages, though their lists and related articles are the same."""
    site = Site(tmp_path / "site", random.Random(18))
    (site.root / "templates" / "partials").mkdir()
    (site.root / "templates" / "partials" / "byline.html").write_text(
        "{% for name in item.byline %}{{ people[name].author.name }}{% endfor %}\n"
    )
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    # The older articles' own pages (/{section}/{yyyy}/{mm}/{dd}/{slug}/) naming her.
    named = [path for path in out.glob("*/*/*/*/*/index.html") if "Hina Khan" in path.read_text()]
    assert named
    folder = site.root / "content" / "articles" / "2026"
    (folder / "shouted.md").write_text(
        f"---\ntitle: Shouted\ndate: {(NOW - timedelta(minutes=1)).isoformat()}\nbyline: [HINA KHAN]\n"
        "section: sport\ntags: []\n---\nA story.\n"
    )
    build(load_config(site.root), out, now=NOW, jobs=1)
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    assert all("HINA KHAN" in path.read_text() for path in named)


def test_an_edit_undone_with_a_new_article_builds_the_undone_text(tmp_path: Path) -> None:
    """After an edit in place, the groups of pages showing the article are keyed anew: undoing the edit in a
    build that also adds an article (so every group is compared by key) must not find the old key current."""
    site = Site(tmp_path / "site", random.Random(19))
    out = site.root / "public"
    build(load_config(site.root), out, now=NOW, jobs=1)
    path = site.pick()
    original = path.read_text()
    path.write_text(original.replace("\n---\n", "\n---\nAn inserted first paragraph.\n\n", 1))
    build(load_config(site.root), out, now=NOW, jobs=1)
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    path.write_text(original)
    site.add()
    build(load_config(site.root), out, now=NOW, jobs=1)
    assert output_tree(out) == cold_tree(site.root, tmp_path / "cold", NOW)
    assert not any(b"An inserted first paragraph." in data for data in output_tree(out).values())
