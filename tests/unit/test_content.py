"""Reading articles, pages and author profiles: every field and every kind of error, at the file's own line."""

from __future__ import annotations

import os
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsgen.config import SiteConfig, load_config, parse_config
from newsgen.content import decode, load_site, parse_article, parse_authors, parse_page, read_site, walk_files
from newsgen.errors import BuildFailed, NewsgenError
from newsgen.markup import MarkdownRenderer
from newsgen.models import Article, Correction, LeadImage, Link, SubSection
from tests.conftest import MINIMAL_CONFIG, write_tree

PATH = Path("content/articles/a.md")
KARACHI = ZoneInfo("Asia/Karachi")


@pytest.fixture(scope="module")
def config() -> SiteConfig:
    return parse_config(Path("site"), Path("site/newsgen.yaml"), MINIMAL_CONFIG)


@pytest.fixture(scope="module")
def renderer() -> MarkdownRenderer:
    return MarkdownRenderer(embed_hosts=(), trusted_html=False)


def front(*lines: str, body: str = "A first paragraph.\n") -> str:
    return "---\n" + "".join(line + "\n" for line in lines) + "---\n" + body


REQUIRED = ("title: A headline", "date: 2026-11-18T09:30:00+05:00", "byline: Sana Mirza", "section: city")


def parse(text: str, config: SiteConfig, renderer: MarkdownRenderer, path: Path = PATH) -> Article:
    return parse_article(path, text, config, renderer)


def errors(text: str | bytes, config: SiteConfig, renderer: MarkdownRenderer) -> list[str]:
    with pytest.raises((BuildFailed, NewsgenError)) as failure:
        parse(decode(PATH, text) if isinstance(text, bytes) else text, config, renderer)
    found = failure.value.errors if isinstance(failure.value, BuildFailed) else (failure.value,)
    return [str(error) for error in found]


def test_every_field_of_an_article_is_read(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    text = front(
        "title: Border talks resume",
        "date: 2026-10-28T09:30:00+05:00",
        "byline: [Ayesha Raza, Omar Siddiqui]",
        "section: world",
        "tags: [diplomacy, border security]",
        "summary: Negotiators met for eighteen hours.",
        "slug: border-talks",
        "updated: 2026-10-28T18:05:00+05:00",
        "corrections:",
        "  - date: 2026-10-29",
        "    text: An earlier version misstated the length of the session.",
        "location: ISTANBUL",
        "image: /media/talks.jpg",
        "image_alt: Delegates at a table",
        "image_caption: The third day.",
        "image_credit: Photo by A. Photographer",
        "draft: true",
        "featured: true",
        "breaking: true",
        "lang: ur",
        "dir: rtl",
        "ads: false",
        body="The talks resumed.\n\n## UN warning\n\nThe UN warned.\n",
    )
    article = parse(text, config, renderer)
    assert article.source == str(PATH)
    assert article.title == "Border talks resume"
    assert article.published == datetime(2026, 10, 28, 9, 30, tzinfo=KARACHI)
    assert article.byline == ("Ayesha Raza", "Omar Siddiqui")
    assert article.section == "world"
    assert article.tags == ("diplomacy", "border security")
    assert article.summary == "Negotiators met for eighteen hours."
    assert article.slug == "border-talks"
    assert article.url == "/world/2026/10/28/border-talks/"
    assert article.updated == datetime(2026, 10, 28, 18, 5, tzinfo=KARACHI)
    assert article.modified == article.updated
    assert article.corrections == (
        Correction(date(2026, 10, 29), "An earlier version misstated the length of the session."),
    )
    assert article.location == "ISTANBUL"
    assert article.image == LeadImage(
        "/media/talks.jpg", "Delegates at a table", "The third day.", "Photo by A. Photographer"
    )
    assert (article.draft, article.featured, article.breaking, article.ads) == (True, True, True, False)
    assert (article.lang, article.dir) == ("ur", "rtl")
    assert article.subsections == (SubSection("un-warning", "UN warning"),)
    assert '<h2 id="un-warning">UN warning</h2>' in article.body_html


def test_optional_fields_have_defaults(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    article = parse(front(*REQUIRED, body="The *first* paragraph.\n\nThe second.\n"), config, renderer)
    assert article.byline == ("Sana Mirza",)
    assert article.slug == "a"
    assert article.summary == "The first paragraph."
    assert article.tags == () and article.corrections == () and article.subsections == ()
    assert article.updated is None and article.modified == article.published
    assert article.image is None and article.location == ""
    assert (article.draft, article.featured, article.breaking, article.ads) == (False, False, False, True)
    assert (article.lang, article.dir) == ("", "")


def test_the_file_name_gives_the_slug(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    article = parse(front(*REQUIRED), config, renderer, Path("content/articles/2026/11/Route 7_opens.md"))
    assert article.slug == "route-7-opens"
    assert article.url == "/city/2026/11/18/route-7-opens/"


def test_a_date_without_time_is_midnight_in_the_site_timezone(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    article = parse(front("title: T", "date: 2026-11-18", "byline: X", "section: city"), config, renderer)
    assert article.published == datetime(2026, 11, 18, tzinfo=KARACHI)
    assert article.published.utcoffset() == timedelta(hours=5)


def test_a_naive_date_time_is_read_in_the_site_timezone(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    article = parse(front("title: T", "date: 2026-11-18T23:30", "byline: X", "section: city"), config, renderer)
    assert article.published == datetime(2026, 11, 18, 23, 30, tzinfo=KARACHI)
    assert article.published.utcoffset() == timedelta(hours=5)


def test_an_offset_date_time_keeps_its_instant_and_dates_the_url_in_the_site_timezone(
    config: SiteConfig, renderer: MarkdownRenderer
) -> None:
    article = parse(
        front("title: T", "date: 2026-11-18T23:30:00+00:00", "byline: X", "section: city"), config, renderer
    )
    assert article.published.utcoffset() == timedelta(0)
    assert article.published == datetime(2026, 11, 19, 4, 30, tzinfo=KARACHI)
    assert article.url == "/city/2026/11/19/a/"


def test_a_bom_and_crlf_line_endings_are_read(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    data = b"\xef\xbb\xbf---\r\ntitle: With a BOM\r\ndate: 2026-11-18\r\nbyline: X\r\nsection: city\r\n---\r\nBody.\r\n"
    article = parse(decode(PATH, data), config, renderer)
    assert article.title == "With a BOM"
    assert article.body_html == "<p>Body.</p>"


def test_a_bom_and_crlf_keep_error_lines_right(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    data = b"\xef\xbb\xbf---\r\ntitle: T\r\ndate: 2026-11-18\r\nbyline: X\r\nsection: wrold\r\n---\r\nBody.\r\n"
    assert errors(data, config, renderer) == [
        "content/articles/a.md:5: unknown section 'wrold'; did you mean 'world'? sections are: city, world"
    ]


def test_a_file_that_is_not_utf8_is_reported_at_the_line_of_the_bad_byte() -> None:
    with pytest.raises(NewsgenError) as error:
        decode(PATH, b"---\ntitle: T\n---\nfirst line\ncaf\xe9\n")
    assert str(error.value) == "content/articles/a.md:5: file is not UTF-8 text; save it as UTF-8"


def test_a_yaml_error_points_at_the_line_in_the_file(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    text = "---\ntitle: T\ndate: 2026-11-18\nbyline: [Sana Mirza\nsection: city\n---\nBody.\n"
    (message,) = errors(text, config, renderer)
    assert message.startswith("content/articles/a.md:5: YAML does not parse:"), message


def test_a_yaml_error_on_the_first_front_matter_line(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    (message,) = errors("---\ntitle: 'unclosed\n---\nBody.\n", config, renderer)
    assert message.startswith("content/articles/a.md:3: YAML does not parse:"), message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\n- a list\n- of things\n---\nBody.\n", "2: front-matter must be a mapping of 'key: value' lines"),
        ("Just a body.\n", "1: no front-matter: the file must start with a '---' line"),
        ("---\ntitle: T\nBody.\n", "1: the front-matter block opened here is never closed with '---'"),
    ],
)
def test_a_broken_front_matter_block(text: str, message: str, config: SiteConfig, renderer: MarkdownRenderer) -> None:
    assert errors(text, config, renderer) == [f"content/articles/a.md:{message}"]


def test_missing_required_fields_are_all_reported(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    assert errors("---\ntags: [x]\n---\nBody.\n", config, renderer) == [
        "content/articles/a.md:2: missing required field 'title'",
        "content/articles/a.md:2: missing required field 'date'",
        "content/articles/a.md:2: missing required field 'byline'",
        "content/articles/a.md:2: missing required field 'section'",
    ]


def test_empty_required_fields_are_reported(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    text = front("title: '  '", "date: 2026-11-18", "byline: []", "section: city")
    assert errors(text, config, renderer) == [
        "content/articles/a.md:2: required field 'title' is empty",
        "content/articles/a.md:4: required field 'byline' is empty",
    ]


def test_a_tag_or_name_given_twice_is_kept_once(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    # Tags and bylines find their pages by slug: "Water" and "water" are one tag, listed once on its page.
    text = front(
        "title: T",
        "date: 2026-11-18",
        "byline: [Sana Mirza, Omar, sana mirza]",
        "section: city",
        "tags: [Water, budget, water, WATER]",
    )
    article = parse(text, config, renderer)
    assert (article.byline, article.tags) == (("Sana Mirza", "Omar"), ("Water", "budget"))


def test_a_byline_name_too_long_for_a_folder_is_reported(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    # Every name in a byline has an author page in a folder named by its slug; 130 two-byte letters do not fit.
    text = front("title: T", "date: 2026-11-18", f"byline: [Sana Mirza, {'ا' * 130}]", "section: city")
    assert errors(text, config, renderer) == [
        f"content/articles/a.md:4: the name '{'ا' * 37}...{'ا' * 38}' is too long for an author page: its slug "
        "would be 260 bytes long in UTF-8, and a folder name can hold at most 255"
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("title: 1984", "2: 'title' must be text, but YAML read a number (1984); put it in quotes"),
        ("title: yes", "2: 'title' must be text, but YAML read a boolean (True); put it in quotes"),
        ("tags: {a: 1}", "6: 'tags' must be text or a list of texts, not {'a': 1}"),
        ("tags: [fine, '!!!']", "6: tag '!!!' has no letters or digits to make its URL from"),
        (
            f"tags: [fine, {'x' * 256}]",
            f"6: the tag '{'x' * 37}...{'x' * 38}' is too long for a tag page: its slug would be 256 bytes long "
            "in UTF-8, and a folder name can hold at most 255",
        ),
        ("draft: maybe", "6: 'draft' must be true or false, not 'maybe'"),
        ("featured: 1", "6: 'featured' must be true or false, not 1"),
        ("corrections: fixed", "6: 'corrections' must be a list of {date, text}"),
        ("lang: Urdu language", "6: 'lang' must be a language code such as 'en' or 'ur', not 'Urdu language'"),
        ("dir: up", "6: 'dir' must be 'ltr' or 'rtl', not 'up'"),
        (
            "image: javascript:alert(1)",
            "6: 'image' must be an http(s) URL or a path starting with '/', not 'javascript:alert(1)'",
        ),
        ("image: /a.jpg", "6: a lead image needs 'image_alt', a description for readers who cannot see it"),
        ("image_alt: nothing to describe", "6: 'image_alt' is set but there is no 'image'"),
        ("updated: 2026-11-01", "6: 'updated' is earlier than 'date'"),
        ("colour: x", "6: unknown key 'colour'"),
        ("tilte: x", "6: unknown key 'tilte'; did you mean 'title'?"),
        ("slug: ../../x", "6: slug '../../x' may hold only letters, digits and hyphens (no dots, slashes or spaces)"),
    ],
)
def test_a_wrong_field_is_reported_at_its_line(
    line: str, message: str, config: SiteConfig, renderer: MarkdownRenderer
) -> None:
    lines = list(REQUIRED)
    if line.startswith("title:"):
        lines[0] = line
    else:
        lines.append(line)
    assert errors(front(*lines), config, renderer) == [f"content/articles/a.md:{message}"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2024-02-30", "day is out of range for month"),
        ("2026-13-01", "month must be in 1..12"),
        ("2026-11-18T25:00:00+05:00", "hour must be in 0..23"),
        ("next Tuesday", "not a date"),
        ("18/11/2026", "not a date"),
    ],
)
def test_an_impossible_date_is_reported_with_the_reason(
    value: str, reason: str, config: SiteConfig, renderer: MarkdownRenderer
) -> None:
    text = front("title: T", f"date: {value}", "byline: X", "section: city")
    assert errors(text, config, renderer) == [
        f"content/articles/a.md:3: 'date' is not a valid date: '{value}' "
        f"({reason}; write 2025-10-28 or 2025-10-28T09:30:00+05:00)"
    ]


def test_an_impossible_correction_date_is_reported_at_its_line(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    text = front(
        *REQUIRED, "corrections:", "  - date: 2026-11-19", "    text: Fine.", "  - date: 2026-02-30", "    text: Bad."
    )
    assert errors(text, config, renderer) == [
        "content/articles/a.md:9: 'date' is not a valid date: '2026-02-30' "
        "(day is out of range for month; write 2025-10-28 or 2025-10-28T09:30:00+05:00)"
    ]


def test_an_unknown_section_suggests_the_close_one_and_lists_them(
    config: SiteConfig, renderer: MarkdownRenderer
) -> None:
    text = front("title: T", "date: 2026-11-18", "byline: X", "section: wrold")
    assert errors(text, config, renderer) == [
        "content/articles/a.md:5: unknown section 'wrold'; did you mean 'world'? sections are: city, world"
    ]


def test_every_problem_of_a_file_is_reported_in_line_order(config: SiteConfig, renderer: MarkdownRenderer) -> None:
    text = front("title: 1984", "date: 2024-02-30", "byline: X", "section: sport", "colour: red")
    assert errors(text, config, renderer) == [
        "content/articles/a.md:2: 'title' must be text, but YAML read a number (1984); put it in quotes",
        "content/articles/a.md:3: 'date' is not a valid date: '2024-02-30' "
        "(day is out of range for month; write 2025-10-28 or 2025-10-28T09:30:00+05:00)",
        "content/articles/a.md:5: unknown section 'sport'; sections are: city, world",
        "content/articles/a.md:6: unknown key 'colour'",
    ]


def test_a_page_is_read(renderer: MarkdownRenderer) -> None:
    page = parse_page(
        Path("content/pages/about.md"), "---\ntitle: About us\nlang: ur\ndir: rtl\n---\nWe are *small*.\n", renderer
    )
    assert (page.title, page.slug, page.url) == ("About us", "about", "/about/")
    assert page.summary == "We are small."
    assert page.body_html == "<p>We are <em>small</em>.</p>"
    assert (page.lang, page.dir, page.draft) == ("ur", "rtl", False)


def test_a_page_with_an_article_key_is_an_error(renderer: MarkdownRenderer) -> None:
    with pytest.raises(BuildFailed) as failure:
        parse_page(Path("content/pages/about.md"), "---\ntitle: About\nsection: city\n---\n", renderer)
    assert [str(error) for error in failure.value.errors] == ["content/pages/about.md:3: unknown key 'section'"]


def test_author_profiles_are_read() -> None:
    text = (
        "Sana Mirza:\n  role: City reporter\n  bio: Covers the council.\n  photo: /media/sana.svg\n"
        "  links: {Website: 'https://example.org/sana', Email: 'mailto:sana@example.org'}\n"
        "Omar Siddiqui:\n"
    )
    sana, omar = parse_authors(Path("content/authors.yaml"), text)
    assert (sana.name, sana.slug, sana.role, sana.bio, sana.photo) == (
        "Sana Mirza",
        "sana-mirza",
        "City reporter",
        "Covers the council.",
        "/media/sana.svg",
    )
    assert sana.links == (Link("Website", "https://example.org/sana"), Link("Email", "mailto:sana@example.org"))
    assert (omar.name, omar.slug, omar.bio) == ("Omar Siddiqui", "omar-siddiqui", "")


def test_bad_author_profiles_are_all_reported() -> None:
    text = "Sana Mirza:\n  rol: reporter\n  photo: 'javascript:x'\nOmar: just a string\nHina:\n  links: {Site: 'ftp://x'}\n"
    with pytest.raises(BuildFailed) as failure:
        parse_authors(Path("content/authors.yaml"), text)
    assert [str(error) for error in failure.value.errors] == [
        "content/authors.yaml:2: unknown key 'Sana Mirza.rol'; did you mean 'Sana Mirza.role'?",
        "content/authors.yaml:3: 'photo' must be an http(s) URL or a path starting with '/', not 'javascript:x'",
        "content/authors.yaml:4: profile of 'Omar' must be a mapping",
        "content/authors.yaml:6: link 'Site' must be an http(s), mailto or site-relative URL",
    ]


def test_two_profiles_for_one_author_are_an_error() -> None:
    text = "Sana Mirza:\n  role: Reporter\nOmar:\n  slug: sana-mirza\nSANA MIRZA:\n"
    with pytest.raises(BuildFailed) as failure:
        parse_authors(Path("content/authors.yaml"), text)
    assert [str(error) for error in failure.value.errors] == [
        "content/authors.yaml:3: 'Omar' has the same slug 'sana-mirza' as 'Sana Mirza'",
        "content/authors.yaml:5: 'SANA MIRZA' is the same author as 'Sana Mirza' (line 1): "
        "bylines are matched to profiles regardless of case and punctuation",
    ]


def test_load_site_reads_every_file_and_reports_every_bad_one(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "newsgen.yaml": MINIMAL_CONFIG,
            "content/articles/good.md": front(*REQUIRED),
            "content/articles/2026/bad-date.md": front("title: T", "date: 2026-02-30", "byline: X", "section: city"),
            "content/articles/2026/11/bad-section.md": front("title: T", "date: 2026-02-03", "byline: X", "section: x"),
            "content/articles/.hidden.md": "not even front-matter",
            "content/articles/notes.txt": "not an article",
            "content/pages/about.md": "---\ntitle: About\nsummary: 3\n---\n",
            "content/authors.yaml": "Sana: [1]\n",
        },
    )
    (tmp_path / "content/articles/latin1.md").write_bytes(b"---\ntitle: Caf\xe9\n---\n")
    config = parse_config(tmp_path, tmp_path / "newsgen.yaml", MINIMAL_CONFIG)
    with pytest.raises(BuildFailed) as failure:
        load_site(config, MarkdownRenderer(embed_hosts=(), trusted_html=False))
    articles = tmp_path / "content/articles"
    assert [str(error) for error in failure.value.errors] == [
        f"{articles}/latin1.md:2: file is not UTF-8 text; save it as UTF-8",
        f"{articles}/2026/bad-date.md:3: 'date' is not a valid date: '2026-02-30' "
        "(day is out of range for month; write 2025-10-28 or 2025-10-28T09:30:00+05:00)",
        f"{articles}/2026/11/bad-section.md:5: unknown section 'x'; sections are: city, world",
        f"{tmp_path}/content/pages/about.md:3: 'summary' must be text, but YAML read a number (3); put it in quotes",
        f"{tmp_path}/content/authors.yaml:1: profile of 'Sana' must be a mapping",
    ]


def test_load_site_collects_articles_pages_authors_and_static_files(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "newsgen.yaml": MINIMAL_CONFIG,
            "content/articles/2026/one.md": front(*REQUIRED),
            "content/articles/two.md": front(*REQUIRED),
            "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
            "content/authors.yaml": "Sana Mirza:\n  role: Reporter\n",
            "static/logo.svg": "<svg/>",
            "static/media/a.txt": "a",
        },
    )
    config = parse_config(tmp_path, tmp_path / "newsgen.yaml", MINIMAL_CONFIG)
    site = load_site(config, MarkdownRenderer(embed_hosts=(), trusted_html=False))
    assert sorted(article.slug for article in site.articles) == ["one", "two"]
    assert [page.slug for page in site.pages] == ["about"]
    assert [author.name for author in site.authors] == ["Sana Mirza"]
    assert sorted(copy.path for copy in site.static) == ["logo.svg", "media/a.txt"]
    assert site.warnings == ()


def _walk_reference(folder: Path, suffix: str) -> list[Path]:
    """The files os.walk lists, in its order, with hidden names and symlinked folders left out."""
    found: list[Path] = []
    for current, dirnames, filenames in os.walk(folder):
        here = Path(current)
        dirnames[:] = sorted(name for name in dirnames if not (here / name).is_symlink() and not name.startswith("."))
        found += [here / name for name in sorted(filenames) if not name.startswith(".") and name.endswith(suffix)]
    return found


@pytest.mark.parametrize("seed", range(4))
def test_walking_a_folder_lists_what_os_walk_lists_in_its_order(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "site"
    folders = [root / "content"]
    for number in range(40):
        parent = rng.choice(folders)
        name = rng.choice(["a", "b", "Z", "ä", ".hidden", "2025", "10", "9", "x y"]) + str(number % 3)
        parent.mkdir(parents=True, exist_ok=True)
        if rng.random() < 0.3:
            if not (parent / name).exists():
                (parent / name).mkdir()
                folders.append(parent / name)
        elif not (path := parent / f"{name}{rng.choice(['.md', '.txt', ''])}").is_dir():
            path.write_text("x")
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "content" / "linked").symlink_to(folders[-1], target_is_directory=True)
    files, warnings = walk_files(root / "content", root, ".md")
    assert files == _walk_reference(root / "content", ".md")
    assert warnings == [f"{root / 'content' / 'linked'}: warning: symlinked folder not followed"]


@pytest.mark.parametrize("site", ["site", "./site/", "ABSOLUTE"])
def test_each_listed_content_file_is_named_by_its_paths_own_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: str
) -> None:
    """The name a listed file is cached and looked up by is ``str`` of its Path, however the site is given."""
    write_tree(
        tmp_path / "site",
        {
            "newsgen.yaml": MINIMAL_CONFIG,
            "content/articles/2025/10/one.md": "x",
            "content/articles/two.md": "x",
            "content/pages/about.md": "x",
        },
    )
    monkeypatch.chdir(tmp_path)
    config = load_config(tmp_path / "site" if site == "ABSOLUTE" else Path(site))
    sources = read_site(config)
    assert len(sources.files) == 3
    assert [source.name for source in sources.files] == [str(source.path) for source in sources.files]
