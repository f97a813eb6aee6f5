"""No script from content: hostile front-matter and bodies are escaped or sanitised in every page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .sitekit import build, check_output, scan, site, write_tree

MARKER = "PWNED"
ATOM = "{http://www.w3.org/2005/Atom}"
PAYLOADS = (
    f"</title><script>alert('{MARKER}')</script>",
    f'"><img src=x onerror=alert("{MARKER}")>',
    f"' onmouseover='alert(1)' data-x='{MARKER}",
    f"</script><script>{MARKER}()</script><!--",
    f"{{{{ 7*7 }}}} {{% raw %}}{MARKER}",
)


def _quoted(value: str) -> str:
    return json.dumps(value)


def _hostile_article(payload: str) -> str:
    q = _quoted(payload)
    return f"""---
title: {q}
date: 2026-01-05T09:00:00+00:00
byline: [{q}, Sana Mirza]
section: news
tags: [{q}, plain]
summary: {q}
location: {q}
image: /media/lead.jpg
image_alt: {q}
image_caption: {q}
image_credit: {q}
corrections:
  - date: 2026-01-06
    text: {q}
---
Body paragraph one.

Body paragraph two.
"""


def _authors(payload: str) -> str:
    q = _quoted(payload)
    return f"""{q}:
  role: {q}
  bio: {q}
  links: {{{q}: https://example.org/profile}}
Sana Mirza:
  bio: {q}
"""


@pytest.mark.parametrize("payload", PAYLOADS)
def test_front_matter_fields_are_escaped_in_every_page(tmp_path: Path, payload: str) -> None:
    root = site(
        tmp_path,
        {"hostile.md": _hostile_article(payload)},
        {
            "content/authors.yaml": _authors(payload),
            "content/pages/about.md": f"---\ntitle: {_quoted(payload)}\n---\nAbout.\n",
        },
    )
    result = build(root)
    assert result.code == 0, result.stderr
    out = root / "public"
    assert check_output(out, MARKER) == []
    article_page = next(out.glob("news/2026/01/05/*/index.html")).read_text(encoding="utf-8")
    # The payload reaches the page as text: the headline reads exactly as written.
    assert payload in _text_of(article_page)
    title = article_page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title
    # Every other context carries the same text back: meta tags, JSON-LD, the feed, the sitemap.
    found = scan(article_page)
    assert payload in found.meta.values()
    for attrs, text in found.scripts:
        if attrs.get("type") == "application/ld+json":
            assert json.loads(text)["headline"] == payload
    feed = ElementTree.parse(out / "feed.xml").getroot()
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert payload in titles
    ElementTree.parse(out / "sitemap.xml")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _text_of(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return "".join(reader.parts)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("image", "javascript:alert(1)"),
        ("image", "data:text/html;base64,PHNjcmlwdD4="),
        ("image", "//evil.example/x.jpg"),
        ("image", " JavaScript:alert(1)"),
        ("image", "vbscript:msgbox"),
        ("image", "/\\evil.example/x.jpg"),
        ("image", "/\t/evil.example/x.jpg"),
        ("image", "http:evil.example"),
        ("image", "https:///x.jpg"),
    ],
)
def test_unsafe_image_url_is_an_error_at_its_line(tmp_path: Path, key: str, value: str) -> None:
    text = f"---\ntitle: T\ndate: 2026-01-05\nbyline: A\nsection: news\n{key}: {_quoted(value)}\nimage_alt: x\n---\nBody.\n"
    root = site(tmp_path, {"bad.md": text})
    result = build(root)
    assert result.code == 1
    assert "bad.md:6: 'image' must be an http(s) URL" in result.stderr
    assert not (root / "public").exists()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "//evil.example/", "file:///etc/passwd"])
def test_unsafe_author_links_and_photos_are_errors(tmp_path: Path, url: str) -> None:
    authors = f"Sana Mirza:\n  photo: {_quoted(url)}\n  links: {{Site: {_quoted(url)}}}\n"
    root = site(
        tmp_path,
        {"a.md": "---\n" + "title: T\ndate: 2026-01-05\nbyline: Sana Mirza\nsection: news\n---\nx\n"},
        {"content/authors.yaml": authors},
    )
    result = build(root)
    assert result.code == 1
    assert "authors.yaml:2: 'photo' must be" in result.stderr
    assert "authors.yaml:3: link 'Site' must be an http(s), mailto or site-relative URL" in result.stderr


HOSTILE_BODY = f"""Intro paragraph.

<script>alert("{MARKER}")</script>

<img src="/x.jpg" alt="x" onerror="alert('{MARKER}')">

<a href="javascript:alert('{MARKER}')">click</a> <a href="data:text/html,{MARKER}">data</a>
<a href="JaVaScRiPt&#58;alert(1)">encoded</a>

[md link](javascript:alert\\(1\\)) ![md image](data:image/svg+xml,{MARKER})

<iframe src="https://evil.example/{MARKER}"></iframe>

<iframe src="https://www.youtube-nocookie.com/embed/abc" width="560" height="315"></iframe>

<iframe src="https://evil.example\\@www.youtube-nocookie.com/embed/x"></iframe>
<iframe src="https://user@www.youtube-nocookie.com/embed/y"></iframe>
<iframe src="https://evil.example/?www.youtube-nocookie.com"></iframe>

<svg><script>{MARKER}</script></svg><math><mtext><style>x</style></mtext></math>

<form action="https://evil.example/"><input name="q"></form>

<object data="x.swf"></object><embed src="x.swf"><style>body{{display:none}}</style>

<figure><img src="/media/a.jpg" alt="A"><figcaption>Caption</figcaption></figure>

| a | b |
|---|---|
| 1 | 2 |

<p style="position:fixed;top:0">overlay</p>
"""


def test_raw_html_in_bodies_is_sanitised_but_article_markup_stays(tmp_path: Path) -> None:
    root = site(
        tmp_path, {"body.md": "---\ntitle: T\ndate: 2026-01-05\nbyline: A\nsection: news\n---\n" + HOSTILE_BODY}
    )
    result = build(root)
    assert result.code == 0, result.stderr
    out = root / "public"
    assert check_output(out, MARKER) == []
    page = next(out.glob("news/2026/01/05/body/index.html")).read_text(encoding="utf-8")
    found = scan(page)
    for tag in ("figure", "figcaption", "table", "iframe"):
        assert tag in found.tags, tag
    for tag in ("form", "input", "object", "embed", "svg", "math", "style"):
        assert tag not in found.tags, tag
    assert "www.youtube-nocookie.com/embed/abc" in page
    assert "embed/x" not in page and "embed/y" not in page
    assert "evil.example" not in page
    assert "position:fixed" not in page


def test_embed_hosts_in_config_decide_which_iframes_stay(tmp_path: Path) -> None:
    body = '<iframe src="https://maps.example.org/embed?x=1"></iframe>\n\n<iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe>\n\n<iframe src="http://maps.example.org/plain"></iframe>\n'
    root = site(tmp_path, {"e.md": "---\ntitle: T\ndate: 2026-01-05\nbyline: A\nsection: news\n---\n" + body})
    config = (root / "newsgen.yaml").read_text() + "embed_hosts: [maps.example.org]\n"
    write_tree(root, {"newsgen.yaml": config})
    assert build(root).code == 0
    page = (root / "public/news/2026/01/05/e/index.html").read_text(encoding="utf-8")
    assert "https://maps.example.org/embed?x=1" in page
    assert "youtube-nocookie" not in page
    assert "http://maps.example.org/plain" not in page


def test_trusted_html_keeps_raw_html_only_when_the_site_opts_in(tmp_path: Path) -> None:
    body = f"<script>window.{MARKER} = 1</script>\n\nText.\n"
    root = site(tmp_path, {"t.md": "---\ntitle: T\ndate: 2026-01-05\nbyline: A\nsection: news\n---\n" + body})
    assert build(root).code == 0
    page = root / "public/news/2026/01/05/t/index.html"
    assert MARKER not in page.read_text(encoding="utf-8")
    write_tree(root, {"newsgen.yaml": (root / "newsgen.yaml").read_text() + "trusted_html: true\n"})
    assert build(root).code == 0
    assert f"<script>window.{MARKER} = 1</script>" in page.read_text(encoding="utf-8")
    # The checker the other tests rely on sees a script that came from content.
    assert any("script from content" in problem for problem in check_output(root / "public", MARKER))


def test_body_ids_cannot_take_over_the_themes_ids_or_script_globals(tmp_path: Path) -> None:
    body = '## Main\n\nText.\n\n<a id="adsbygoogle">x</a> <span id="MAIN">y</span> <p id="disqus_thread">z</p> <b id="fine">ok</b>\n'
    root = site(tmp_path, {"ids.md": "---\ntitle: T\ndate: 2026-01-05\nbyline: A\nsection: news\n---\n" + body})
    assert build(root).code == 0
    page = (root / "public/news/2026/01/05/ids/index.html").read_text(encoding="utf-8")
    assert page.count('id="main"') == 1
    assert 'id="main_1"' in page
    assert 'id="adsbygoogle"' not in page and 'id="MAIN"' not in page and 'id="disqus_thread"' not in page
    assert 'id="fine"' in page
