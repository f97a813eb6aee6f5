"""Dark mode: right from the first paint (checked while the page is still arriving), a real toggle, remembered."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Route

from .conftest import SLOW_COOKIE, BuiltSite, Tab, luminance, pixel

pytestmark = pytest.mark.browser

# Records every value the root's data-theme takes, from the document's birth on, so a late switch shows up.
RECORD_THEMES = """
window.__themes = [];
new MutationObserver(function () {
  window.__themes.push(document.documentElement.getAttribute("data-theme"));
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-theme"]});
"""


def slow_cookie(tab: Tab, base_url: str) -> None:
    tab.context.add_cookies([{"name": SLOW_COOKIE, "value": "1", "url": base_url}])


def first_paint(tab: Tab, base_url: str, path: str, *, reload: bool = False) -> tuple[int, int, int]:
    """The colour of the page's canvas while the server is stalled after the masthead."""
    if reload:
        tab.page.reload(wait_until="commit")
    else:
        tab.go(base_url, path, wait_until="commit")
    tab.page.wait_for_selector(".masthead .brand", state="attached")
    assert tab.page.evaluate("document.readyState") == "loading", "the page was not caught mid-stream"
    colour = pixel(tab.page, 5, 300)
    tab.page.wait_for_load_state("load")
    return colour


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_first_paint_has_the_preferred_theme(
    scheme: str, tab_factory: Callable[..., Tab], base_url: str, page_types: dict[str, str]
) -> None:
    tab = tab_factory(color_scheme=scheme, init_scripts=(RECORD_THEMES,))
    slow_cookie(tab, base_url)
    colour = first_paint(tab, base_url, page_types["article"])
    if scheme == "dark":
        assert luminance(colour) < 0.2, colour
    else:
        assert luminance(colour) > 0.9, colour
    assert tab.page.evaluate("window.__themes") == [scheme]
    background = tab.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(18, 18, 18)" if scheme == "dark" else "rgb(255, 255, 255)")


def test_the_toggle_is_a_keyboard_button_with_a_name_and_state(
    light_tab: Tab, base_url: str, page_types: dict[str, str]
) -> None:
    page = light_tab.page
    light_tab.go(base_url, page_types["front"])
    page.evaluate("localStorage.clear()")
    page.reload()
    toggle = page.get_by_role("button", name="Dark mode")
    assert toggle.count() == 1
    assert toggle.get_attribute("aria-pressed") == "false"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('[data-theme-toggle]')"):
            break
    else:
        raise AssertionError("the theme toggle is not reachable with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert toggle.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Space")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert toggle.get_attribute("aria-pressed") == "false"
    page.evaluate("localStorage.clear()")


@pytest.mark.parametrize(("scheme", "chosen"), [("light", "dark"), ("dark", "light")])
def test_the_choice_is_remembered_across_pages_and_reloads_without_a_flash(
    scheme: str, chosen: str, tab_factory: Callable[..., Tab], base_url: str, page_types: dict[str, str]
) -> None:
    tab = tab_factory(color_scheme=scheme, init_scripts=(RECORD_THEMES,))
    tab.go(base_url, page_types["front"])
    tab.page.get_by_role("button", name="Dark mode").click()
    assert tab.page.evaluate("document.documentElement.dataset.theme") == chosen

    slow_cookie(tab, base_url)
    for path, reload in ((page_types["article"], False), (page_types["article"], True), (page_types["tag"], False)):
        colour = first_paint(tab, base_url, path, reload=reload)
        assert (luminance(colour) < 0.2) if chosen == "dark" else (luminance(colour) > 0.9), (path, colour)
        assert tab.page.evaluate("window.__themes") == [chosen], path
        pressed = tab.page.get_by_role("button", name="Dark mode").get_attribute("aria-pressed")
        assert pressed == ("true" if chosen == "dark" else "false")


def test_a_theme_set_late_would_be_caught(
    tab_factory: Callable[..., Tab], base_url: str, page_types: dict[str, str]
) -> None:
    """The check above can fail: without the inline boot script a remembered dark theme is not there at first paint."""
    tab = tab_factory(color_scheme="light")
    tab.go(base_url, page_types["front"])
    tab.page.evaluate("localStorage.setItem('newsgen-theme', 'dark')")

    def strip_boot_script(route: Route) -> None:
        response = route.fetch()
        body = response.text()
        start = body.index("<script>(function(){var t;")
        route.fulfill(response=response, body=body[:start] + body[body.index("</script>", start) + 9 :])

    tab.page.route("**/*.html", strip_boot_script)
    tab.go(base_url, page_types["404"])
    assert luminance(pixel(tab.page, 5, 300)) > 0.9


def test_without_javascript_the_theme_follows_the_system_and_the_toggle_hides(
    browser: Browser, site: BuiltSite, base_url: str, page_types: dict[str, str]
) -> None:
    context = browser.new_context(color_scheme="dark", java_script_enabled=False)
    try:
        context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
        page = context.new_page()
        page.goto(base_url + page_types["article"])
        assert luminance(pixel(page, 5, 300)) < 0.2
        assert not page.locator(".theme-toggle").is_visible()
    finally:
        context.close()
