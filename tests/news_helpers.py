"""Small sites made in memory for the tests of feeds, sitemaps and page metadata: real parsing, real indexing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from newsgen.config import SiteConfig, parse_config
from newsgen.content import parse_article
from newsgen.index import SiteIndex, index_site
from newsgen.markup import MarkdownRenderer
from newsgen.models import Article, SiteContent

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOSTILE = "Budget </script><!-- & \"quotes\" 'too' <b>bold</b> ]]> \x01\x0b\x1f end"
RENDERER = MarkdownRenderer(embed_hosts=(), trusted_html=False)


def make_config(**settings: object) -> SiteConfig:
    data = {
        "title": "The Test Ledger",
        "base_url": "https://news.example.org/",
        "timezone": "Asia/Karachi",
        "sections": [{"key": "city", "title": "City"}, {"key": "sport", "title": "Sport"}],
        **settings,
    }
    return parse_config(Path("site"), Path("site/newsgen.yaml"), yaml.safe_dump(data, allow_unicode=True))


def make_article(config: SiteConfig, slug: str, body: str = "First paragraph.", **fields: object) -> Article:
    front = {"title": f"Story {slug}", "date": "2026-11-20T09:00:00+05:00", "byline": "Sana Mirza", "section": "city"}
    front.update(fields)
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body + "\n"
    return parse_article(Path(f"content/articles/{slug}.md"), text, config, RENDERER)


def make_index(config: SiteConfig, articles: list[Article], *, drafts: bool = False) -> SiteIndex:
    content = SiteContent(articles=tuple(articles), pages=(), authors=(), static=())
    return index_site(content, config.sections, config.timezone, now=NOW, include_drafts=drafts)
