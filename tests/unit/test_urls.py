"""Slugs, permalinks and output paths."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from newsgen.urls import (
    absolute,
    article_url,
    author_url,
    day_url,
    link,
    output_path,
    page_url,
    paginated_url,
    permalink_problem,
    section_url,
    slug_problem,
    slugify,
    tag_url,
)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Council approves the budget", "council-approves-the-budget"),
        ("  Route 7: the bus line opens!  ", "route-7-the-bus-line-opens"),
        ("snake_case_name", "snake-case-name"),
        ("Ça marche — déjà", "ça-marche-déjà"),
        ("ＦＵＬＬ width", "full-width"),
        ("کتاب میلہ", "کتاب-میلہ"),
        ("طلبہ ہر اتوار کتابوں کا تبادلہ کریں گے", "طلبہ-ہر-اتوار-کتابوں-کا-تبادلہ-کریں-گے"),
        ("What's next for O’Brien", "whats-next-for-obrien"),
        ("!!!", ""),
    ],
)
def test_slugify_keeps_letters_of_every_script(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_of_an_urdu_title_is_a_safe_slug() -> None:
    assert slug_problem(slugify("کتاب میلے کے بعد")) is None


@pytest.mark.parametrize("slug", ["budget", "route-7", "کتاب-میلہ", "2026", "a" * 255, "é" * 127])
def test_good_slugs_have_no_problem(slug: str) -> None:
    assert slug_problem(slug) is None


@pytest.mark.parametrize(
    ("slug", "problem"),
    [
        ("", "slug is empty"),
        ("../../x", "slug '../../x' may hold only letters, digits and hyphens (no dots, slashes or spaces)"),
        ("a/b", "slug 'a/b' may hold only letters, digits and hyphens (no dots, slashes or spaces)"),
        ("a b", "slug 'a b' may hold only letters, digits and hyphens (no dots, slashes or spaces)"),
        (".hidden", "slug '.hidden' may hold only letters, digits and hyphens (no dots, slashes or spaces)"),
        ("-lead", "slug '-lead' may hold only letters, digits and hyphens (no dots, slashes or spaces)"),
        ("CON", "slug 'CON' is a reserved file name on Windows"),
        ("lpt1", "slug 'lpt1' is a reserved file name on Windows"),
        # A slug names a folder: ext4, APFS and NTFS take names of at most 255 bytes.
        ("a" * 256, f"slug '{'a' * 40}...' is 256 bytes long in UTF-8, and a folder name can hold at most 255"),
        ("é" * 128, f"slug '{'é' * 40}...' is 256 bytes long in UTF-8, and a folder name can hold at most 255"),
    ],
)
def test_unsafe_slugs_are_refused_with_the_reason(slug: str, problem: str) -> None:
    assert slug_problem(slug) == problem


@pytest.mark.parametrize(
    "pattern", ["/{section}/{year}/{month}/{day}/{slug}/", "/{slug}/", "/news/{year}/{slug}.html", "/{slug}"]
)
def test_good_permalinks_have_no_problem(pattern: str) -> None:
    assert permalink_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("/{title}/{slug}/", "permalink '/{title}/{slug}/' has unknown placeholder {title}"),
        ("/{year}/", "permalink '/{year}/' must contain {slug}"),
        ("{slug}/", "permalink '{slug}/' must start with '/'"),
        ("/../{slug}/", "permalink '/../{slug}/' must not contain '..'"),
        ("/{slug", "permalink '/{slug' is malformed"),
    ],
)
def test_bad_permalinks_are_explained(pattern: str, problem: str) -> None:
    message = permalink_problem(pattern)
    assert message is not None and message.startswith(problem)


def test_article_url_fills_the_pattern_with_zero_padded_dates() -> None:
    published = datetime(2026, 3, 7, 9, 30, tzinfo=UTC)
    assert article_url("city", published, "budget", "/{section}/{year}/{month}/{day}/{slug}/") == (
        "/city/2026/03/07/budget/"
    )
    assert article_url("city", published, "budget", "/{year}/{slug}") == "/2026/budget/"
    assert article_url("city", published, "budget", "/{slug}.html") == "/budget.html"


def test_the_other_urls() -> None:
    assert section_url("city") == "/city/"
    assert tag_url("Border Security") == "/tags/border-security/"
    assert author_url("sana-mirza") == "/authors/sana-mirza/"
    assert day_url(date(2026, 1, 5)) == "/archive/2026/01/05/"
    assert page_url("about") == "/about/"
    assert paginated_url("/city/", 1) == "/city/"
    assert paginated_url("/city/", 3) == "/city/page/3/"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/", "index.html"),
        ("/city/", "city/index.html"),
        ("/city/page/2/", "city/page/2/index.html"),
        ("/404.html", "404.html"),
        ("/budget.html", "budget.html"),
    ],
)
def test_output_path_is_the_file_serving_the_url(url: str, path: str) -> None:
    assert output_path(url) == path


def test_link_puts_site_urls_under_the_base_path_and_encodes_them() -> None:
    assert link("/", "/city/") == "/city/"
    assert link("/paper/", "/city/") == "/paper/city/"
    assert link("/paper/", "/") == "/paper/"
    assert link("/paper/", "/tags/کتاب/") == "/paper/tags/%DA%A9%D8%AA%D8%A7%D8%A8/"
    assert link("/paper/", "/a b/?q=1#x") == "/paper/a%20b/?q=1#x"
    assert link("/paper/", "https://example.org/x") == "https://example.org/x"
    assert link("/paper/", "mailto:desk@example.org") == "mailto:desk@example.org"
    assert link("/paper/", "#top") == "#top"


def test_absolute_uses_the_full_base_url_with_its_sub_path() -> None:
    assert absolute("https://example.github.io/paper/", "/city/") == "https://example.github.io/paper/city/"
    assert absolute("https://news.example.org/", "/") == "https://news.example.org/"
    assert absolute("https://news.example.org/", "https://cdn.example.org/a.jpg") == "https://cdn.example.org/a.jpg"
