"""Markdown: sub-sections with stable, unique ids; tables, footnotes, attribute lists and smart quotes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgen.markup import MarkdownRenderer, converter, map_urls, plain_summary
from newsgen.models import SubSection


@pytest.fixture
def renderer() -> MarkdownRenderer:
    return MarkdownRenderer(embed_hosts=(), trusted_html=False)


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]


def ids_in(html: str) -> list[str]:
    parser = Ids()
    parser.feed(html)
    return parser.ids


BODY = """\
Intro.

## The UN warning

Text.

## Reactions

Text.

### A smaller heading

## Reactions

## 2026: what's next?
"""


def test_each_level_two_heading_is_a_sub_section_with_an_id(renderer: MarkdownRenderer) -> None:
    rendered = renderer.render(BODY)
    assert rendered.subsections == (
        SubSection("the-un-warning", "The UN warning"),
        SubSection("reactions", "Reactions"),
        SubSection("reactions_1", "Reactions"),
        SubSection("2026-whats-next", "2026: what’s next?"),
    )
    for subsection in rendered.subsections:
        assert f'<h2 id="{subsection.id}">' in rendered.html


def test_sub_section_ids_are_unique_within_the_page(renderer: MarkdownRenderer) -> None:
    ids = ids_in(renderer.render(BODY + "\n## Reactions\n\n## Reactions_1\n").html)
    assert len(ids) == len(set(ids)), ids


def test_sub_section_ids_are_the_same_on_every_build_and_after_other_documents(renderer: MarkdownRenderer) -> None:
    first = renderer.render(BODY)
    renderer.render("## Reactions\n\n## The UN warning\n")
    again = renderer.render(BODY)
    fresh = MarkdownRenderer(embed_hosts=(), trusted_html=False).render(BODY)
    assert first == again == fresh


def test_a_heading_in_another_script_keeps_its_letters(renderer: MarkdownRenderer) -> None:
    (subsection,) = renderer.render("## کتاب میلہ\n").subsections
    assert subsection == SubSection("کتاب-میلہ", "کتاب میلہ")


def test_a_heading_of_punctuation_only_still_gets_an_id(renderer: MarkdownRenderer) -> None:
    rendered = renderer.render("## ???\n\n## !!!\n")
    assert [subsection.id for subsection in rendered.subsections] == ["section", "section_1"]


def test_tables(renderer: MarkdownRenderer) -> None:
    html = renderer.render("| Item | Share |\n|------|------:|\n| Roads | 40% |\n").html
    assert "<table>" in html
    assert "<th>Item</th>" in html
    assert '<td style="text-align: right;">40%</td>' in html


def test_footnotes(renderer: MarkdownRenderer) -> None:
    html = renderer.render("A claim.[^1]\n\n[^1]: The source.\n").html
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in html
    assert '<li id="fn:1">' in html
    assert 'href="#fnref:1"' in html


def test_attribute_lists(renderer: MarkdownRenderer) -> None:
    html = renderer.render("A pull quote.\n{: .pull-quote #quote-1 }\n").html
    assert html == '<p class="pull-quote" id="quote-1">A pull quote.</p>'


def test_smart_quotes_and_dashes(renderer: MarkdownRenderer) -> None:
    html = renderer.render("\"It's done,\" she said -- twice... 'really'.\n").html
    assert html == "<p>“It’s done,” she said – twice… ‘really’.</p>"


def test_fenced_code_keeps_its_text(renderer: MarkdownRenderer) -> None:
    html = renderer.render("```\n<b>not bold</b>\n```\n").html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html


def test_plain_summary_is_the_first_paragraph_as_text() -> None:
    assert plain_summary("<h2>X</h2>\n<p>The <em>first</em>\n  one &amp; only.</p><p>Second.</p>") == (
        "The first one & only."
    )
    assert plain_summary("<h2>No paragraph</h2>") == ""


def test_map_urls_changes_every_url_and_keeps_the_markup() -> None:
    body = (
        '<p>A &amp; B <a href="/x/">x</a> <a href="#top">t</a></p>\n'
        '<p><img src="/a.jpg" srcset="/a.jpg 1x, b.jpg 2x" alt="a &lt; b"></p>\n'
        '<video poster="/p.jpg" src="/v.mp4"></video><blockquote cite="/q/">q</blockquote>\n<pre><code>href="/code/"</code></pre>'
    )
    result = map_urls(body, lambda url: "/sub" + url if url.startswith("/") else url)
    assert result == (
        '<p>A &amp; B <a href="/sub/x/">x</a> <a href="#top">t</a></p>\n'
        '<p><img src="/sub/a.jpg" srcset="/sub/a.jpg 1x, b.jpg 2x" alt="a &lt; b"></p>\n'
        '<video poster="/sub/p.jpg" src="/sub/v.mp4"></video><blockquote cite="/sub/q/">q</blockquote>\n'
        '<pre><code>href="/code/"</code></pre>'
    )
    assert map_urls("plain & simple", str) == "plain &amp; simple"


def test_a_heading_never_takes_an_id_the_theme_uses(renderer: MarkdownRenderer) -> None:
    rendered = renderer.render("## Main\n\n## Main\n\n## Related title\n\n## Toc title\n")
    assert [subsection.id for subsection in rendered.subsections] == [
        "main_1",
        "main_2",
        "related-title_1",
        "toc-title_1",
    ]


# Pieces of Markdown that touch every block processor, inline pattern and smart-punctuation rule,
# with the placeholder characters Python-Markdown uses inside.
MARKDOWN_PIECES = [
    *["word", " ", "  \n", "\n", "\n\n", "\t", "s ", "é", "–", "—", "\x02", "\x03"],
    *["'", '"', "--", "---", "...", "'80s", "&", "&amp;", "&nbsp;", "&#8212;", "&#169 "],
    *["`", "``", "\\", "\\'", '\\"', "\\-", "*", "**", "_", "__", "[", "]", "(", ")", "![", "!", "<", ">"],
    *["<b>", "</b>", "<https://x.example>", "<a@b.example>", "[x](http://y.example)", "[x]", "[x]: http://z\n"],
    *["[^1]", "[^1]: note\n", "## H\n", "- ", "1. ", "> ", "    ", "```\n", "~~~\n", "{: .c}"],
    *["*[HTML]: Hyper Text\n", "HTML", "Term\n: def\n", "|a|b|\n|-|-|\n", "a | b\n--|--\n", ":", "|"],
    *[
        "#",
        "# ",
        "\n\n***\n\n",
        "- - -\n",
        "\n\n___\n\n",
        "\n\n> q\n\n",
        "Title\n===\n",
        "Title\n---\n",
        ">",
        "]:",
        "[",
        "\n    code\n",
    ],
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=40).map("".join))
def test_prefiltered_converter_gives_python_markdowns_output(text: str) -> None:
    """Skipping patterns and processors that cannot match is only a shortcut: the HTML is Python-Markdown's."""
    ours, stock = converter(), converter(prefilter=False)
    assert ours.convert(text) == stock.convert(text)


@pytest.mark.parametrize(
    "text",
    ["a &#169 b", "a &#x41 b", "<div>\nraw\n</div>\n", "~~~\n'q' -- x\n~~~\n", "```\n<b>\n```\n", "plain -- 'text'"],
)
def test_preprocessors_are_skipped_only_where_they_would_change_nothing(text: str) -> None:
    assert converter().convert(text) == converter(prefilter=False).convert(text)


def test_prefiltered_output_on_a_realistic_article() -> None:
    text = (
        "The minister's \"final\" offer -- made in the '90s... was 'unchanged'---or so she said.\n\n"
        "See [the report](https://example.org/r) and `code 'quoted'`, *emphasis* and __strong__.  \n"
        'A footnote[^n] and an <abbr title="x">abbr</abbr>, AT&T & co.\n\n'
        "```\n'not' -- \"smart\"\n```\n\n[^n]: The note's text.\n"
    )
    ours = converter().convert(text)
    assert ours == converter(prefilter=False).convert(text)
    assert "minister&rsquo;s &ldquo;final&rdquo; offer &ndash; made in the &rsquo;90s&hellip;" in ours
    assert "<pre><code>'not' -- &quot;smart&quot;\n</code></pre>" in ours
