"""The internal link check over rendered pages."""

from __future__ import annotations

from pathlib import Path

from newsgen.links import broken_links
from newsgen.models import OutputFile

EXISTING = {"index.html", "city/index.html", "assets/newsgen.abc.css", "about/index.html", "404.html"}


def page(path: str, body: str) -> OutputFile:
    return OutputFile(path, f"<html><body>{body}</body></html>".encode())


def messages(files: list[OutputFile], base_path: str = "/", sources: dict[str, Path] | None = None) -> list[str]:
    return [str(error) for error in broken_links(files, EXISTING, base_path, sources or {})]


def test_links_to_built_files_pass() -> None:
    body = (
        '<a href="/">f</a><a href="/city/">c</a><a href="/city">c</a><a href="/city/#top">c</a>'
        '<a href="/about/?ref=x&amp;y=1">a</a><link rel="stylesheet" href="/assets/newsgen.abc.css">'
        '<a href="https://example.org/nowhere/">out</a><a href="mailto:x@example.org">m</a><a href="#fn:1">n</a>'
    )
    assert messages([page("index.html", body)]) == []


def test_a_missing_target_is_reported_once_per_page_at_its_source() -> None:
    body = '<a href="/sport/">s</a><a href="/sport/">again</a><img src="/media/missing.png" alt="">'
    files = [page("city/2026/a/index.html", body), page("tags/x/index.html", '<a href="/gone/">g</a>')]
    assert messages(files, sources={"city/2026/a/index.html": Path("content/articles/a.md")}) == [
        "content/articles/a.md: broken link to /sport/ (no such page in the site)",
        "content/articles/a.md: broken link to /media/missing.png (no such page in the site)",
        "tags/x/index.html: broken link to /gone/ (no such page in the site)",
    ]


def test_under_a_sub_path_only_links_under_it_are_the_sites_own() -> None:
    good = page("index.html", '<a href="/paper/city/">c</a><a href="/other-site/x/">x</a>')
    bad = page("about/index.html", '<a href="/paper/sport/">s</a>')
    assert messages([good, bad], "/paper/") == [
        "about/index.html: broken link to /paper/sport/ (no such page in the site)"
    ]


def test_percent_encoded_links_are_decoded() -> None:
    existing = EXISTING | {"tags/کتاب/index.html"}
    files = [page("index.html", '<a href="/tags/%DA%A9%D8%AA%D8%A7%D8%A8/">t</a>')]
    assert broken_links(files, existing, "/", {}) == []


def test_only_html_files_are_read() -> None:
    assert messages([OutputFile("feed.xml", b'<link href="/nowhere/"/>')]) == []


def test_the_place_is_the_line_holding_the_link_as_written() -> None:
    texts = {Path("a.md"): "---\ntitle: A\n---\nFine.\n\nSee [the desk](/sport/) and ![x](/media/gone%20away.png).\n"}
    files = [
        page("a/index.html", '<a href="/paper/sport/">s</a><img src="/paper/media/gone%20away.png" alt="">'),
        page("b/index.html", '<a href="/paper/nav/">n</a>'),
    ]
    sources = {"a/index.html": Path("a.md"), "b/index.html": Path("b.md")}
    found = broken_links(files, EXISTING, "/paper/", sources, lambda path: texts.get(path, ""))
    assert [str(error) for error in found] == [
        "a.md:6: broken link to /paper/sport/ (no such page in the site)",
        "a.md:6: broken link to /paper/media/gone%20away.png (no such page in the site)",
        "b.md: broken link to /paper/nav/ (no such page in the site)",
    ]
