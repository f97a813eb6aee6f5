"""The demo newspaper at the repository root builds, and holds every kind of article the README promises."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsgen.build import BuildOptions, BuildReport, build, check
from newsgen.config import load_config
from tests.conftest import REPO, Run, copy_demo
from tests.integration.htmltree import Element, broken_links, page

# After every dated demo article, before the embargoed one.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    folder = tmp_path_factory.mktemp("demo")
    out = folder / "public"
    return out, build(load_config(copy_demo(folder / "site")), out, now=NOW)


@pytest.fixture(scope="module")
def out(built: tuple[Path, BuildReport]) -> Path:
    return built[0]


def article_pages(out: Path) -> dict[str, Element]:
    pages = {}
    for path in sorted(out.rglob("index.html")):
        document = page(out, path.relative_to(out).as_posix())
        if document.find_all("article", class_="article"):
            pages[path.relative_to(out).as_posix()] = document
    return pages


def test_the_demo_builds_with_no_broken_links(out: Path) -> None:
    assert broken_links(out) == []


def test_the_demo_passes_check() -> None:
    checked = check(load_config(REPO), now=NOW, options=BuildOptions())
    assert len(checked.index.articles) >= 12


def test_the_demo_has_enough_articles_sections_and_authors(out: Path, built: tuple[Path, BuildReport]) -> None:
    articles = article_pages(out)
    assert len(articles) >= 12
    sections = {path.split("/")[0] for path in articles}
    assert len(sections) >= 4, sections
    authors = [path for path in (out / "authors").iterdir() if (path / "index.html").is_file()]
    assert len(authors) >= 4
    profiles = [page(out, f"authors/{path.name}/index.html").find("section", class_="profile") for path in authors]
    assert sum(bool(profile.find_all("p", class_="profile-bio")) for profile in profiles) >= 4
    report = built[1]
    assert report.drafts_left_out >= 1
    assert len(report.embargoed) >= 1


def test_the_demo_has_each_kind_of_article(out: Path) -> None:
    articles = list(article_pages(out).values())
    bodies = [document.find("article", class_="article") for document in articles]
    assert any(len(body.find("div", class_="article-body").find_all("h2")) >= 2 for body in bodies)
    assert any(
        body.find_all("section", class_="corrections") and body.find_all("span", class_="updated") for body in bodies
    )
    assert any(body.attrs.get("lang") == "ur" and body.attrs.get("dir") == "rtl" for body in bodies)
    assert any(body.find_all("figure", class_="lead-image") for body in bodies)


def test_the_demo_pages_override_and_logo(out: Path) -> None:
    assert page(out, "about/index.html").find("h1", class_="headline").text
    assert page(out, "privacy/index.html").find("h1", class_="headline").text
    for document in article_pages(out).values():
        assert document.find_all("aside", class_="reader-note")
    assert (out / "logo.svg").read_bytes() == (REPO / "static/logo.svg").read_bytes()
    assert page(out, "index.html").find("img", class_="logo").attrs["src"] == "/logo.svg"


def test_the_demo_builds_with_drafts_and_future(tmp_path: Path, run_process: Callable[..., Run]) -> None:
    result = run_process("build", copy_demo(tmp_path / "site"), "--out", tmp_path / "out", "--drafts", "--future")
    assert result.code == 0, result.err
    assert broken_links(tmp_path / "out") == []
    assert len(article_pages(tmp_path / "out")) >= 14
