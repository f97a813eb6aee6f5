"""The theme's pure helpers: dates in words, the body cut for the in-article ad, body links under the base path."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import jinja2
import pytest

from newsgen.errors import TemplateError
from newsgen.fingerprint import Fingerprints
from newsgen.models import Article, Author, Body
from newsgen.render import Person
from newsgen.theme import (
    CARD_TEMPLATE,
    Cards,
    body_parts,
    long_date,
    make_environment,
    short_date,
    site_links,
    template_closure_digests,
    template_error,
)


def article(body_html: str, location: str = "") -> Article:
    published = datetime(2026, 11, 18, tzinfo=UTC)
    return Article(Path("a.md"), "T", published, ("A",), "news", "a", "/a/", Body(body_html), "", location=location)


def test_dates_in_words_whatever_the_locale() -> None:
    assert long_date(date(2025, 10, 28)) == "Tuesday, 28 October 2025"
    assert short_date(date(2026, 1, 5)) == "5 Jan 2026"


def test_the_body_is_cut_after_its_third_paragraph() -> None:
    parts = body_parts(article("<p>1</p>\n<p>2</p>\n<p>3</p>\n<p>4</p>"))
    assert (parts.before, parts.after) == ("<p>1</p>\n<p>2</p>\n<p>3</p>\n", "<p>4</p>")


def test_a_body_of_three_paragraphs_or_fewer_is_not_cut() -> None:
    for body in ("<p>1</p>\n<p>2</p>\n<p>3</p>", "<p>1</p>\n<p>2</p>\n<p>3</p>\n\n", "<p>1</p>", ""):
        parts = body_parts(article(body))
        assert (parts.before, parts.after) == (body, "")


def test_the_cut_never_falls_inside_a_quote_a_list_or_the_footnotes() -> None:
    body = (
        "<p>1</p>\n<blockquote>\n<p>quoted</p>\n<p>quoted</p>\n</blockquote>\n<p>2</p>\n"
        "<ul>\n<li>\n<p>item</p>\n</li>\n</ul>\n<p>3</p>\n<h2 id='x'>X</h2>\n"
        '<div class="footnote">\n<hr>\n<ol>\n<li id="fn:1">\n<p>note</p>\n</li>\n</ol>\n</div>'
    )
    parts = body_parts(article(body))
    assert parts.before.endswith("<p>3</p>\n")
    assert parts.after.startswith("<h2 id='x'>")
    assert parts.before + parts.after == body
    only_quotes = "<p>1</p>\n<blockquote>\n<p>a</p>\n<p>b</p>\n<p>c</p>\n</blockquote>\n<p>2</p>"
    assert body_parts(article(only_quotes)).after == ""


def test_the_dateline_opens_the_first_paragraph() -> None:
    parts = body_parts(article("<p>The council met.</p>", location="MIRANPUR"))
    assert parts.before == '<p><span class="dateline">MIRANPUR —</span> The council met.</p>'
    escaped = body_parts(article("<h2>X</h2>", location="A & <B>"))
    assert escaped.before == '<p><span class="dateline">A &amp; &lt;B&gt; —</span> </p><h2>X</h2>'


def test_site_links_put_body_urls_under_a_sub_path() -> None:
    body = '<p><a href="/city/">c</a> <a href="https://x.org/">x</a> <a href="//cdn.org/a">n</a> <img src="/m.png" alt=""></p>'
    assert site_links(body, "/") == body
    assert site_links(body, "/paper/") == (
        '<p><a href="/paper/city/">c</a> <a href="https://x.org/">x</a> <a href="//cdn.org/a">n</a> '
        '<img src="/paper/m.png" alt=""></p>'
    )
    assert body_parts(article(body), base_path="/paper/").before.startswith('<p><a href="/paper/city/">')


def test_a_template_digest_covers_the_templates_it_uses_as_the_site_resolves_them(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()

    def digests() -> dict[str, str | None]:
        env = make_environment(templates, base_path="/", base_url="https://example.org/", timezone=UTC)
        return template_closure_digests(env, ("404.html", "page.html", "dynamic.html"))

    (templates / "dynamic.html").write_text(
        '{% extends "base.html" %}{% block content %}{% include name %}{% endblock %}'
    )
    first = digests()
    assert first["dynamic.html"] is None  # names a template by a variable: any template may be used
    (templates / "404.html").write_text('{% extends "theme/404.html" %}\n')
    overridden = digests()
    assert overridden["404.html"] != first["404.html"]
    assert overridden["page.html"] == first["page.html"]
    # Both extend base.html, which the site now overrides: both change.
    (templates / "base.html").write_text('{% extends "theme/base.html" %}{% block head %}<meta name="x">{% endblock %}')
    based = digests()
    assert based["404.html"] != overridden["404.html"]
    assert based["page.html"] != overridden["page.html"]
    # An unrelated template changes nothing.
    (templates / "unused.html").write_text("hello")
    assert digests() == based


def test_a_closing_p_in_a_comment_script_or_attribute_is_no_paragraph_end() -> None:
    # Trusted HTML can hold any of these; the body is parsed only as far as the cut, like a browser would.
    head = '<p>1</p>\n<!-- </p> -->\n<script>var a = "</p>";</script>\n<p title="</p>">2</p>\n<P>3</P>\n'
    for tail in ("<p>4</p>", "<p>4</p><!-- unclosed", "<div><p>4</p></div>\n<p>5</p>"):
        parts = body_parts(article(head + tail))
        assert (parts.before, parts.after) == (head, tail)


def _card_env(templates: Path, cards: Cards) -> jinja2.Environment:
    return make_environment(templates, base_path="/", base_url="https://example.org/", timezone=UTC, cards=cards)


def test_a_card_is_the_partial_rendered_once_per_article_level_and_byline(tmp_path: Path) -> None:
    story, other, old = article("<p>1</p>"), article("<p>2</p>", location="Lahore"), article("<p>3</p>", "Multan")
    fingerprints = Fingerprints()
    cards = Cards(fingerprints, kept=[story, other])
    env = _card_env(tmp_path, cards)
    page = env.from_string("{% for item in items %}{{ card(item, level) }}{% endfor %}")
    include = env.from_string(
        '{% for item in items %}{% with level = level %}{% include "partials/article_card.html" %}{% endwith %}'
        "{% endfor %}"
    )
    person = Person(Author("A", "a", bio="Reports."), "/authors/a/")
    context = {"items": [story, other, old], "level": 2, "people": {"A": person}, "site": None}
    html = page.render(context)
    assert html == include.render(context)  # the bytes the include made
    assert '<h2 class="card-title">' in html and '<a rel="author" href="/authors/a/">A</a>' in html
    assert len(cards.take_fresh()) == 2  # only the articles kept have their cards kept
    assert page.render(context) == html and cards.take_fresh() == {}  # the second time from the memo
    # Another heading level, or the byline's person changed, is another card.
    page.render({**context, "level": 3})
    assert len(cards.take_fresh()) == 2
    moved = Person(Author("A", "a", bio="Reports."), "/people/a/")
    assert "/people/a/" in page.render({**context, "people": {"A": moved}})
    assert len(cards.take_fresh()) == 2
    # A build that keeps only the first article keeps only its cards; it starts from the cards of the last.
    again = Cards(fingerprints, kept=[story])
    again.reuse(cards.current())
    assert len(again.current()) == 3 and {key[:32] for key in again.current()} == {fingerprints.digest(story)}
    _card_env(tmp_path, again).from_string("{{ card(item, 2) }}").render(item=story, people={"A": person}, site=None)
    assert again.take_fresh() == {}


def test_a_card_sees_only_its_article_level_site_and_people(tmp_path: Path) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "article_card.html").write_text("<p>{{ item.title }}</p>\n<p>{{ page_url }}</p>\n")
    env = _card_env(tmp_path, Cards(Fingerprints()))
    page = env.from_string("{{ card(item, 2) }}")
    with pytest.raises(jinja2.UndefinedError) as failure:
        page.render(item=article(""), page_url="/", people={}, site=None)
    error = template_error(failure.value, "x.html")
    assert isinstance(error, TemplateError)
    assert str(error).startswith(f"{tmp_path / 'partials' / 'article_card.html'}:2: ")


def test_a_template_calling_card_uses_the_card_partial(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "cards.html").write_text("{% for item in items %}{{ card(item, 2) }}{% endfor %}")
    (templates / "plain.html").write_text("{{ items|length }}")

    def digests() -> dict[str, str | None]:
        env = make_environment(templates, base_path="/", base_url="https://example.org/", timezone=UTC)
        return template_closure_digests(env, ("cards.html", "plain.html"))

    before = digests()
    (templates / "partials").mkdir()
    (templates / CARD_TEMPLATE).write_text('{% include "theme/partials/article_card.html" %}<!-- ours -->\n')
    after = digests()
    assert after["cards.html"] != before["cards.html"]
    assert after["plain.html"] == before["plain.html"]
