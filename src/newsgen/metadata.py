"""What an article says about itself to machines: schema.org ``NewsArticle`` data and the Open Graph locale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .models import Article
from .urls import absolute


def og_locale(lang: str) -> str:
    """Open Graph's ``language_TERRITORY`` form of a language tag: ``en-GB`` → ``en_GB``, ``ur`` → ``ur``."""
    parts = lang.replace("_", "-").split("-")
    if len(parts) > 1 and len(parts[1]) == 2:
        return f"{parts[0].lower()}_{parts[1].upper()}"
    return parts[0].lower()


def news_article_data(
    article: Article,
    *,
    section_title: str,
    author_urls: Mapping[str, str],
    base_url: str,
    site_title: str,
    logo: str,
    language: str,
) -> dict[str, Any]:
    """The schema.org ``NewsArticle`` of ``article``, every URL absolute; ready for ``script_json``."""
    permalink = absolute(base_url, article.url)
    authors: list[dict[str, Any]] = []
    for name in article.byline:
        person: dict[str, Any] = {"@type": "Person", "name": name}
        if name in author_urls:
            person["url"] = absolute(base_url, author_urls[name])
        authors.append(person)
    publisher: dict[str, Any] = {"@type": "Organization", "name": site_title, "url": absolute(base_url, "/")}
    if logo:
        publisher["logo"] = {"@type": "ImageObject", "url": absolute(base_url, logo)}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published.isoformat(timespec="seconds"),
        "dateModified": article.modified.isoformat(timespec="seconds"),
        "author": authors,
        "publisher": publisher,
        "mainEntityOfPage": {"@type": "WebPage", "@id": permalink},
        "url": permalink,
        "articleSection": section_title,
        "keywords": list(article.tags),
        "inLanguage": article.lang or language,
    }
    if article.image:
        data["image"] = [absolute(base_url, article.image.src)]
    if article.location:
        data["dateline"] = article.location
    if article.corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": correction.text, "datePublished": correction.date.isoformat()}
            for correction in article.corrections
        ]
    return data
