"""A site's templates/ override the built-in theme, and an override can extend the template it replaces."""

from __future__ import annotations

from pathlib import Path

from newsgen.build import build
from newsgen.config import load_config
from tests.conftest import NOW, site_copy
from tests.integration.htmltree import broken_links, page

ARTICLE = "news/2026/11/10/hello/index.html"


def test_an_override_extends_the_built_in_article_page(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(load_config(site_copy("theme_override", tmp_path / "site")), out, now=NOW)
    document = page(out, ARTICLE)
    article = document.find("article", class_="article")
    assert article.find("h1", class_="headline").text == "Hello from an overridden theme"
    assert article.find("aside", class_="site-note").text == "Letters to the editor: The Override Post, Ada Reporter."
    assert article.find("time").attrs["datetime"] == "2026-11-10T10:00:00+00:00"
    # The built-in page around the override is all there: masthead, body, comment area.
    assert document.find("header", class_="masthead")
    assert article.find("div", class_="article-body").text == "The article page of this site extends the built-in one."
    giscus = document.find("section", class_="comments").find("script")
    assert giscus.attrs["src"] == "https://giscus.app/client.js"
    assert (giscus.attrs["data-repo"], giscus.attrs["data-category-id"]) == ("example/comments", "DIC_1")
    assert broken_links(out) == []


def test_an_overridden_partial_is_used_by_built_in_templates(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(load_config(site_copy("theme_override", tmp_path / "site")), out, now=NOW)
    for relative in (ARTICLE, "index.html", "news/index.html"):
        bylines = page(out, relative).find_all("span", class_="override-byline")
        assert [span.text for span in bylines][:1] == ["Ada Reporter"], relative
    assert page(out, "news/index.html").find_all("a", rel="author") == []
