"""No layout shift: with ads on, the page does not move over load plus two seconds, ads empty or filled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Route

from .conftest import PAGE_TYPES, BuiltSite, Tab, open_tab

pytestmark = pytest.mark.browser

MAX_SHIFT = 0.01
# Sums every layout shift not caused by input, from the document's birth on (Chrome's CLS, without windows).
OBSERVE_SHIFTS = """
window.__cls = 0;
window.__shifts = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) {
    if (entry.hadRecentInput) return;
    window.__cls += entry.value;
    window.__shifts.push({value: entry.value, nodes: (entry.sources || []).map(function (s) {
      return s.node && s.node.nodeName + "." + (s.node.className || "");
    })});
  });
}).observe({type: "layout-shift", buffered: true});
"""


@dataclass(frozen=True, slots=True)
class Measure:
    shift: float
    shifts: list[dict[str, Any]]
    slots: int
    filled: int
    blocked: list[str]


@pytest.fixture(scope="module", params=["empty", "filled", "filled-phone"])
def measures(
    request: pytest.FixtureRequest, browser: Browser, site: BuiltSite, base_url: str, page_types: dict[str, str]
) -> Iterator[tuple[str, dict[str, Measure]]]:
    """Every page type loaded side by side in one context, then watched for the same two seconds after load."""
    ads, _, device = str(request.param).partition("-")
    width = 375 if device == "phone" else 1280
    tab = open_tab(browser, site, ads=ads, width=width, init_scripts=(OBSERVE_SHIFTS,))
    pages = {}
    for page_type in PAGE_TYPES:
        page = tab.context.new_page()
        page.goto(base_url + page_types[page_type], wait_until="load")
        pages[page_type] = page
    tab.page.wait_for_timeout(2000)
    results = {
        page_type: Measure(
            float(page.evaluate("window.__cls")),
            page.evaluate("window.__shifts"),
            page.locator("ins.adsbygoogle").count(),
            page.locator("ins.adsbygoogle .test-ad").count(),
            list(tab.blocked),
        )
        for page_type, page in pages.items()
    }
    yield ads, results
    tab.context.close()


def settle(tab: Tab, base_url: str, path: str) -> float:
    tab.go(base_url, path, wait_until="load")
    tab.page.wait_for_timeout(2000)
    return float(tab.page.evaluate("window.__cls"))


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_no_layout_shift(page_type: str, measures: tuple[str, dict[str, Measure]]) -> None:
    ads, results = measures
    measure = results[page_type]
    assert measure.slots >= 2, "ads are on in the demo: header and footer slots on every page"
    # The route answers the ad script with the stand-in or refuses it; either way nothing leaves 127.0.0.1.
    assert any("adsbygoogle.js" in url for url in measure.blocked)
    assert measure.filled == (measure.slots if ads == "filled" else 0)
    assert measure.shift < MAX_SHIFT, measure.shifts


def test_filled_slots_have_their_configured_size(
    tab_factory: Callable[..., Tab], base_url: str, page_types: dict[str, str], site: BuiltSite
) -> None:
    tab = tab_factory(ads="filled", init_scripts=(OBSERVE_SHIFTS,))
    settle(tab, base_url, page_types["article"])
    boxes = tab.page.evaluate(
        "[...document.querySelectorAll('ins.adsbygoogle')].map(ins => [ins.dataset.adSlot,"
        " ins.getBoundingClientRect().height, ins.querySelector('.test-ad') !== null])"
    )
    assert len(boxes) == 3  # header, in the article, footer
    for slot, height, filled in boxes:
        assert filled
        assert height == site.ad_sizes[slot][1]


def test_no_web_fonts_to_shift_text(light_tab: Tab, base_url: str, page_types: dict[str, str]) -> None:
    for path in (page_types["front"], page_types["article"]):
        light_tab.go(base_url, path)
        assert light_tab.page.evaluate("document.fonts.size") == 0
        assert light_tab.page.evaluate("document.fonts.status") == "loaded"


def test_a_slot_without_reserved_space_would_be_caught(
    tab_factory: Callable[..., Tab], base_url: str, page_types: dict[str, str]
) -> None:
    """The measure can fail: with the stylesheet's reserved height taken out, a filling ad shifts the page."""
    tab = tab_factory(ads="filled", init_scripts=(OBSERVE_SHIFTS,))

    def unreserve(route: Route) -> None:
        response = route.fetch()
        css = response.text().replace("height: var(--ad-height)", "height: auto")
        route.fulfill(response=response, body=css)

    tab.page.route("**/assets/*.css", unreserve)
    assert settle(tab, base_url, page_types["article"]) > MAX_SHIFT
