"""A deterministic synthetic news corpus for benchmarks, as a newsgen, Pelican or Hugo site.

    python benchmarks/corpus.py 10000 /tmp/corpus            # newsgen site in /tmp/corpus/newsgen
    python benchmarks/corpus.py 10000 /tmp/corpus --peers    # plus /tmp/corpus/pelican and /tmp/corpus/hugo

Every article has about 830 words in paragraphs under two or three ``## `` sub-sections,
one of 8 sections, one or two of 40 authors and two to four of 300 tags; the same seed and
N always give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SECTIONS = ("city", "region", "business", "sport", "opinion", "health", "science", "culture")
WORDS = [
    "council",
    "budget",
    "minister",
    "river",
    "valley",
    "market",
    "school",
    "hospital",
    "police",
    "court",
    "election",
    "water",
    "power",
    "road",
    "bridge",
    "farmers",
    "harvest",
    "trade",
    "export",
    "import",
    "price",
    "wage",
    "union",
    "strike",
    "teachers",
    "students",
    "doctors",
    "nurses",
    "province",
    "district",
    "village",
    "city",
    "mayor",
    "governor",
    "report",
    "inquiry",
    "committee",
    "hearing",
    "vote",
    "law",
    "bill",
    "tax",
    "fund",
    "bank",
    "loan",
    "rate",
    "inflation",
    "growth",
    "drought",
    "flood",
    "rain",
    "season",
    "crop",
    "wheat",
    "cotton",
    "rice",
    "border",
    "talks",
    "agreement",
    "plan",
    "project",
    "contract",
    "company",
    "workers",
    "factory",
    "energy",
    "solar",
    "grid",
    "fuel",
    "transport",
    "bus",
    "train",
    "station",
    "airport",
    "flight",
    "tourism",
    "hotel",
    "festival",
    "music",
    "film",
    "theatre",
    "museum",
    "library",
    "team",
    "match",
    "season",
    "league",
    "cup",
    "final",
    "coach",
    "player",
    "goal",
    "record",
    "crowd",
    "stadium",
    "research",
    "study",
    "data",
    "survey",
    "scientists",
    "clinic",
    "vaccine",
    "patients",
    "ward",
    "emergency",
    "service",
    "residents",
    "neighbours",
    "community",
    "leaders",
    "officials",
    "spokesman",
]
FIRST = [
    "Ayesha",
    "Omar",
    "Sana",
    "Bilal",
    "Hina",
    "Kamran",
    "Maria",
    "Tariq",
    "Nadia",
    "Imran",
    "Sara",
    "Faisal",
    "Zainab",
    "Usman",
    "Amna",
    "Hamza",
    "Rabia",
    "Adnan",
    "Iqra",
    "Asad",
]
LAST = ["Raza", "Siddiqui", "Mirza", "Khan", "Qureshi", "Malik", "Sheikh", "Chaudhry", "Butt", "Hashmi"]
START = datetime(2020, 1, 1, 6, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    slug: str
    title: str
    published: datetime
    section: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str
    body: str


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 20))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def body_text(rng: random.Random, words: int = 830) -> str:
    """Paragraphs of about ``words`` words, with ``## `` sub-sections, a list and a link."""
    parts: list[str] = []
    count = 0
    headings = rng.randint(2, 3)
    while count < words:
        if parts and len(parts) % 4 == 0 and headings:
            headings -= 1
            parts.append("## " + " ".join(rng.choice(WORDS) for _ in range(3)).capitalize())
            continue
        paragraph = _paragraph(rng, rng.randint(3, 6))
        if len(parts) == 2:
            paragraph += f" See the [full report](https://example.org/reports/{rng.randint(1, 999)}) for *details*."
        parts.append(paragraph)
        count += len(paragraph.split())
    parts.insert(3, "\n".join(f"- {_sentence(rng)}" for _ in range(3)))
    return "\n\n".join(parts) + "\n"


def items(count: int, seed: int = 1) -> Iterator[Item]:
    rng = random.Random(seed)
    authors = [f"{first} {last}" for first in FIRST for last in LAST]
    rng.shuffle(authors)
    authors = authors[:40]
    tags = sorted({" ".join(rng.choice(WORDS) for _ in range(2)) for _ in range(400)})[:300]
    step = timedelta(minutes=max(1, (5 * 365 * 24 * 60) // max(count, 1)))
    for number in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 11))).capitalize()
        yield Item(
            slug=f"story-{number:06d}",
            title=title,
            published=START + step * number,
            section=rng.choice(SECTIONS),
            authors=tuple(rng.sample(authors, rng.choice((1, 1, 1, 2)))),
            tags=tuple(rng.sample(tags, rng.randint(2, 4))),
            summary=_sentence(rng),
            body=body_text(rng),
        )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_newsgen(root: Path, corpus: list[Item]) -> None:
    sections = "\n".join(f"  - {{key: {key}, title: {key.capitalize()}}}" for key in SECTIONS)
    (root / "content" / "articles").mkdir(parents=True)
    (root / "newsgen.yaml").write_text(
        "title: The Benchmark Ledger\nbase_url: https://bench.example.org/\ntimezone: UTC\n"
        f"sections:\n{sections}\nper_page: 20\n"
        "ads:\n  enabled: true\n  client: ca-pub-0000000000000000\n  slots:\n"
        '    header: {slot: "1111111111", width: 728, height: 90}\n'
        '    in_article: {slot: "2222222222", width: 300, height: 250}\n'
    )
    (root / ".gitignore").write_text("/public/\n.newsgen-cache/\n")
    for item in corpus:
        folder = root / "content" / "articles" / f"{item.published:%Y}" / f"{item.published:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{item.slug}.md").write_text(
            "---\n"
            f"title: {_quote(item.title)}\n"
            f"date: {item.published.isoformat()}\n"
            f"byline: [{', '.join(item.authors)}]\n"
            f"section: {item.section}\n"
            f"tags: [{', '.join(item.tags)}]\n"
            f"summary: {_quote(item.summary)}\n"
            "---\n" + item.body
        )


PELICAN_CONF = """AUTHOR = "Staff"
SITENAME = "The Benchmark Ledger"
SITEURL = ""
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
PATH = "content"
THEME = "theme"
DEFAULT_PAGINATION = 20
ARTICLE_URL = "{category}/{date:%Y}/{date:%m}/{date:%d}/{slug}/"
ARTICLE_SAVE_AS = ARTICLE_URL + "index.html"
FEED_ALL_ATOM = "feed.xml"
CATEGORY_FEED_ATOM = "{slug}/feed.xml"
AUTHOR_FEED_ATOM = "authors/{slug}/feed.xml"
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
MARKDOWN = {"extension_configs": {"markdown.extensions.toc": {}, "markdown.extensions.extra": {}, "markdown.extensions.smarty": {}}, "output_format": "html5"}
"""
PELICAN_BASE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{% block title %}{{ SITENAME }}{% endblock %}</title></head>
<body><header><a href="/">{{ SITENAME }}</a><nav>{% for cat, _ in categories %}<a href="/{{ cat.url }}">{{ cat }}</a> {% endfor %}</nav></header>
<main>{% block content %}{% endblock %}</main></body></html>
"""
PELICAN_LIST = """{% extends "base.html" %}{% block content %}{% for article in articles_page.object_list %}
<article><h2><a href="/{{ article.url }}">{{ article.title }}</a></h2><p>{{ article.summary }}</p>
<p>{{ article.locale_date }} · {% for author in article.authors %}<a href="/{{ author.url }}">{{ author }}</a> {% endfor %}</p></article>
{% endfor %}{% if articles_page.has_previous() %}<a href="/{{ articles_previous_page.url }}">Newer</a>{% endif %}
{% if articles_page.has_next() %}<a href="/{{ articles_next_page.url }}">Older</a>{% endif %}{% endblock %}
"""
PELICAN_ARTICLE = """{% extends "base.html" %}{% block title %}{{ article.title }}{% endblock %}{% block content %}
<article><h1>{{ article.title }}</h1><p>{% for author in article.authors %}<a href="/{{ author.url }}">{{ author }}</a> {% endfor %}
· {{ article.locale_date }}</p>{{ article.content }}
<p>{% for tag in article.tags %}<a href="/{{ tag.url }}">{{ tag }}</a> {% endfor %}</p></article>{% endblock %}
"""


def write_pelican(root: Path, corpus: list[Item]) -> None:
    (root / "content").mkdir(parents=True)
    templates = root / "theme" / "templates"
    templates.mkdir(parents=True)
    (root / "theme" / "static").mkdir()
    (root / "pelicanconf.py").write_text(PELICAN_CONF)
    (templates / "base.html").write_text(PELICAN_BASE)
    (templates / "article.html").write_text(PELICAN_ARTICLE)
    for name in ("index", "category", "tag", "author"):
        (templates / f"{name}.html").write_text(PELICAN_LIST)
    for name in ("archives", "categories", "tags", "authors", "page", "period_archives"):
        (templates / f"{name}.html").write_text('{% extends "base.html" %}')
    for item in corpus:
        (root / "content" / f"{item.slug}.md").write_text(
            f"Title: {item.title}\nDate: {item.published:%Y-%m-%d %H:%M}\nCategory: {item.section}\n"
            f"Tags: {', '.join(item.tags)}\nAuthors: {'; '.join(item.authors)}\nSlug: {item.slug}\n"
            f"Summary: {item.summary}\n\n{item.body}"
        )


HUGO_CONFIG = """baseURL = "https://bench.example.org/"
title = "The Benchmark Ledger"
disableKinds = ["RSS"]
[pagination]
pagerSize = 20
[taxonomies]
tag = "tags"
author = "authors"
section = "sections"
[permalinks]
posts = "/:year/:month/:day/:slug/"
[outputs]
home = ["HTML", "RSS"]
section = ["HTML", "RSS"]
taxonomy = ["HTML"]
term = ["HTML", "RSS"]
"""
HUGO_BASEOF = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><header><a href="/">{{ site.Title }}</a><nav>{{ range site.Taxonomies.sections }}<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"""
HUGO_LIST = """{{ define "main" }}{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = where site.RegularPages "Section" "posts" }}{{ end }}
{{ $pager := .Paginate $pages }}{{ range $pager.Pages }}
<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Summary }}</p>
<p>{{ .Date.Format "2 Jan 2006" }} · {{ range .Params.authors }}<a href="{{ (printf "/authors/%s/" (urlize .)) }}">{{ . }}</a> {{ end }}</p></article>
{{ end }}{{ with $pager.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }}{{ with $pager.Next }}<a href="{{ .URL }}">Older</a>{{ end }}{{ end }}
"""
HUGO_SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>{{ range .Params.authors }}<a href="{{ (printf "/authors/%s/" (urlize .)) }}">{{ . }}</a> {{ end }} · {{ .Date.Format "2 Jan 2006" }}</p>
{{ .Content }}<p>{{ range .Params.tags }}<a href="{{ (printf "/tags/%s/" (urlize .)) }}">{{ . }}</a> {{ end }}</p></article>
{{ with site.RegularPages.Related . | first 4 }}<ul>{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}{{ end }}
"""


def write_hugo(root: Path, corpus: list[Item]) -> None:
    (root / "content" / "posts").mkdir(parents=True)
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG)
    (layouts / "baseof.html").write_text(HUGO_BASEOF)
    (layouts / "list.html").write_text(HUGO_LIST)
    (layouts / "single.html").write_text(HUGO_SINGLE)
    for item in corpus:
        tags = ", ".join(_quote(tag) for tag in item.tags)
        authors = ", ".join(_quote(author) for author in item.authors)
        (root / "content" / "posts" / f"{item.slug}.md").write_text(
            f"+++\ntitle = {_quote(item.title)}\ndate = {item.published.isoformat()}\nslug = {_quote(item.slug)}\n"
            f"sections = [{_quote(item.section)}]\ntags = [{tags}]\nauthors = [{authors}]\n"
            f"summary = {_quote(item.summary)}\n+++\n{item.body}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers", action="store_true", help="also write the Pelican and Hugo sites")
    args = parser.parse_args()
    corpus = list(items(args.count, args.seed))
    shutil.rmtree(args.folder, ignore_errors=True)
    write_newsgen(args.folder / "newsgen", corpus)
    if args.peers:
        write_pelican(args.folder / "pelican", corpus)
        write_hugo(args.folder / "hugo", corpus)


if __name__ == "__main__":
    main()
