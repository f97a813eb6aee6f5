"""Accessibility: axe-core finds nothing on any page type in either theme; landmarks, one h1, visible focus."""

from __future__ import annotations

import pytest

from .conftest import AXE_JS, PAGE_TYPES, Tab, require

pytestmark = pytest.mark.browser


def axe_violations(tab: Tab) -> list[dict[str, object]]:
    require(AXE_JS.exists(), "axe-core (npm ci)")
    if not tab.page.evaluate("typeof window.axe !== 'undefined'"):
        tab.page.add_script_tag(path=str(AXE_JS))
    result = tab.page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
    )
    return list(result)


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_axe_finds_no_violations_in_the_light_theme(
    page_type: str, light_tab: Tab, base_url: str, page_types: dict[str, str]
) -> None:
    light_tab.go(base_url, page_types[page_type])
    assert light_tab.page.evaluate("document.documentElement.dataset.theme") == "light"
    assert axe_violations(light_tab) == []


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_axe_finds_no_violations_in_the_dark_theme(
    page_type: str, dark_tab: Tab, base_url: str, page_types: dict[str, str]
) -> None:
    dark_tab.go(base_url, page_types[page_type])
    assert dark_tab.page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert axe_violations(dark_tab) == []


def test_axe_would_report_a_contrast_failure(light_tab: Tab, base_url: str, page_types: dict[str, str]) -> None:
    """The check can fail: pale grey text on white is reported."""
    light_tab.go(base_url, page_types["article"])
    light_tab.page.add_style_tag(content=".standfirst { color: #bbbbbb !important; }")
    assert "color-contrast" in [violation["id"] for violation in axe_violations(light_tab)]


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_landmarks_and_one_h1(page_type: str, light_tab: Tab, base_url: str, page_types: dict[str, str]) -> None:
    page = light_tab.page
    light_tab.go(base_url, page_types[page_type])
    assert page.locator("h1").count() == 1
    assert page.get_by_role("banner").count() == 1
    assert page.get_by_role("main").count() == 1
    assert page.get_by_role("contentinfo").count() == 1
    assert page.get_by_role("navigation", name="Sections").count() == 1
    assert page.locator("a.skip-link").get_attribute("href") == "#main"


def test_lead_images_have_alt_text(light_tab: Tab, base_url: str, page_types: dict[str, str]) -> None:
    light_tab.go(base_url, page_types["article"])
    image = light_tab.page.locator(".lead-image img")
    assert image.get_attribute("alt") == "A green city bus on a road below the hills"


def test_keyboard_focus_is_visible(light_tab: Tab, base_url: str, page_types: dict[str, str]) -> None:
    page = light_tab.page
    light_tab.go(base_url, page_types["article"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = page.locator("a.skip-link").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the skip link shows when focused"
    seen = 0
    for _ in range(12):
        page.keyboard.press("Tab")
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        tag, outline, width = style
        assert tag in ("A", "BUTTON")
        assert outline != "none" and width >= 2, style
        seen += 1
    assert seen == 12
