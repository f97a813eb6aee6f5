"""Print: the article alone, without menus, toggle or ad slots, black on white even from the dark theme."""

from __future__ import annotations

import pytest

from .conftest import Tab

pytestmark = pytest.mark.browser

HIDDEN_IN_PRINT = [
    ".masthead-bar",
    ".theme-toggle",
    "nav.sections",
    ".ad-slot",
    ".toc",
    ".related",
    ".skip-link",
    "footer nav",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_print_shows_a_clean_article(
    scheme: str, light_tab: Tab, dark_tab: Tab, base_url: str, page_types: dict[str, str]
) -> None:
    tab = dark_tab if scheme == "dark" else light_tab
    page = tab.page
    tab.go(base_url, page_types["article"])
    try:
        # On screen the menus, the toggle, the ad slots and the contents box are there to be hidden.
        for selector in HIDDEN_IN_PRINT[:5]:
            assert page.locator(selector).first.is_visible(), selector
        page.emulate_media(media="print")
        for selector in HIDDEN_IN_PRINT:
            for element in page.locator(selector).all():
                assert not element.is_visible(), selector
        assert page.locator("h1.headline").is_visible()
        assert page.locator(".article-body").is_visible()
        assert page.locator(".lead-image img").is_visible()
        colours = page.evaluate(
            "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('.article-body')).color]"
        )
        assert colours == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]
        assert len(page.pdf()) > 1000
    finally:
        page.emulate_media(media="screen")
