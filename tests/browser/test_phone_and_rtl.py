"""Phones and right-to-left: nothing scrolls sideways at 375 px, body text stays at 16 px or more, Urdu mirrors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from .conftest import LONG_URL, LONG_WORD, PAGE_TYPES, BuiltSite, Tab, open_tab

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
# The smallest font of any visible element that holds text of its own; the "Advertisement" label is no body text.
SMALLEST_TEXT = """
() => {
  let smallest = [1000, ""];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest(".ad-label, .skip-link")) continue;
    const ownText = [...element.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!ownText || !element.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    if (size < smallest[0]) smallest = [size, element.outerHTML.slice(0, 80)];
  }
  return smallest;
}
"""


@pytest.fixture(scope="module")
def phone(browser: Browser, site: BuiltSite) -> Iterator[Tab]:
    tab = open_tab(browser, site, width=PHONE_WIDTH, height=800, ads="filled")
    yield tab
    tab.context.close()


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_a_phone_never_scrolls_sideways_and_text_stays_readable(
    page_type: str, phone: Tab, base_url: str, page_types: dict[str, str]
) -> None:
    phone.go(base_url, page_types[page_type])
    phone.page.wait_for_function("document.querySelector('ins.adsbygoogle .test-ad')")
    widths = phone.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths == [PHONE_WIDTH, PHONE_WIDTH]
    size, where = phone.page.evaluate(SMALLEST_TEXT)
    assert size >= 16, where


def test_long_words_and_urls_wrap(phone: Tab, base_url: str, page_types: dict[str, str]) -> None:
    phone.go(base_url, page_types["article"])
    for text in (LONG_WORD, LONG_URL):
        box = phone.page.get_by_text(text, exact=False).last.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, text
    assert phone.page.evaluate("document.documentElement.scrollWidth") == PHONE_WIDTH


def test_an_urdu_article_runs_right_to_left_and_mirrors(light_tab: Tab, base_url: str, urdu_article: str) -> None:
    page = light_tab.page
    light_tab.go(base_url, urdu_article)
    article = page.locator("article.article")
    assert article.evaluate("a => getComputedStyle(a).direction") == "rtl"
    assert article.get_attribute("lang") == "ur"
    box = article.bounding_box()
    assert box is not None
    right = box["x"] + box["width"]
    # Lines start at the right: the headline's and the first paragraph's first characters sit at the right edge.
    starts = page.evaluate(
        """() => [".headline", ".article-body p"].map(selector => {
             const node = document.querySelector("article.article " + selector).firstChild;
             const range = document.createRange();
             range.setStart(node, 0); range.setEnd(node, 1);
             return range.getBoundingClientRect().right;
           })"""
    )
    for start in starts:
        assert right - 24 <= start <= right + 1, (start, right)
    # A quotation's rule is on its start side, which is the right.
    quote = page.locator("article.article blockquote").first
    borders = quote.evaluate("q => [getComputedStyle(q).borderRightWidth, getComputedStyle(q).borderLeftWidth]")
    assert borders == ["4px", "0px"]
    # An English page keeps the rule on the left: the same CSS, mirrored only by direction.
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"


def test_an_english_date_keeps_its_order_in_an_urdu_card(light_tab: Tab, base_url: str, urdu_article: str) -> None:
    page = light_tab.page
    light_tab.go(base_url, "/")
    meta = page.locator(f'article.card[dir="rtl"]:has(a[href$="{urdu_article}"]) .card-meta').first
    date, author = meta.locator("time"), meta.locator("a[rel=author]").first
    date_box, author_box = date.bounding_box(), author.bounding_box()
    assert date_box is not None and author_box is not None
    # Read right to left: the date comes first, so it sits right of the name, in one piece.
    assert date_box["x"] > author_box["x"] + author_box["width"]
    assert date.evaluate("t => t.getClientRects().length") == 1
    assert date.evaluate("t => getComputedStyle(t).unicodeBidi") == "plaintext"
