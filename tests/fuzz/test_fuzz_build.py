"""Property-based tests: arbitrary front-matter values and bodies through the real build.

Whatever the input, the build either succeeds or reports errors as
``file:line: message`` (never a traceback); every page parses with no script
or event handler that came from content; every JSON-LD block parses back to
the raw values; every XML file (feeds, sitemaps) parses.

CI runs 60 examples of each test (derandomised: Hypothesis's ``ci`` profile is
active where ``CI`` is set). To hunt for rare failures, run far more with fresh
seeds, one process at a time::

    for seed in $(seq 1 20); do
      NEWSGEN_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/fuzz -x -p no:cacheprovider --hypothesis-seed=$seed || break
    done
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings
from hypothesis import strategies as st

from newsgen.yamlsource import clean_field, clean_text
from tests.hostile.sitekit import CONFIG, run, scan, write_tree

FRAGMENTS = (
    "<script>alert(1)</script>",
    "</script><script>x()</script>",
    "</title><script>y()</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='z()'",
    '<a href="javascript:alert(1)">j</a>',
    '<iframe src="https://evil.example/"></iframe>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "data:text/html,<script>1</script>",
    "]]>",
    "<![CDATA[",
    "<!--",
    "-->",
    "&amp;",
    "&#x3c;script&#x3e;",
    "{{ 7*7 }}",
    "{% raw %}",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u2028",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\ufeff",
    "\ufffe",
    "---",
    "...",
    "\\",
    '"',
    "'",
    "\n",
    "\t",
    "*",
    "_",
    "[",
    "](",
    "`",
    "#",
    ">",
    "|",
    "</p>",
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
HOSTILE = st.lists(st.one_of(st.sampled_from(FRAGMENTS), TEXT), max_size=8).map("".join)
NAMED = HOSTILE.map(lambda text: "Name " + text)
LINE = re.compile(r"^\S.*?:\d+: \S")
# No deadline: how long a build takes on a loaded machine is no property of its input.
FUZZ = settings(
    max_examples=int(os.environ.get("NEWSGEN_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@contextmanager
def fresh_site(files: dict[str, str | bytes]) -> Iterator[Path]:
    # Hypothesis runs many examples per test: each gets its own folder.
    root = Path(tempfile.mkdtemp(prefix="newsgen-fuzz-"))
    try:
        yield write_tree(root, {"newsgen.yaml": CONFIG, **files})
    finally:
        shutil.rmtree(root, ignore_errors=True)


def assert_errors_are_located(stderr: str) -> None:
    lines = stderr.splitlines()
    assert "Traceback" not in stderr
    assert lines and re.match(r"^build failed: \d+ errors?$", lines[-1]), stderr
    for line in lines[:-1]:
        if ": warning: " in line:
            continue
        assert LINE.match(line), f"error without file and line: {line!r}"


def built(root: Path, *options: str) -> Path | None:
    """Build ``root`` into ``root/public``: its path when the build succeeds; otherwise None, once the build
    is shown to have failed as it should (exit 1, every error with its file and line)."""
    out = root / "public"
    # --quiet: a build that runs past two seconds (on a loaded machine) also shows its progress on stderr,
    # which is no error and would be taken for one without a place; --quiet prints errors and warnings only.
    result = run("build", str(root), "--out", str(out), "--quiet", *options)
    if currently_in_test_context():  # (not in a plain test)
        event("built" if result.code == 0 else "reported errors")
    if result.code == 0:
        return out
    assert result.code == 1, result.stderr
    assert_errors_are_located(result.stderr)
    return None


def theme_scripts(out: Path) -> set[str]:
    """Inline scripts every page of the built-in theme carries (the dark-mode boot script)."""
    return {
        text for attrs, text in scan((out / "404.html").read_text(encoding="utf-8")).scripts if not attrs.get("src")
    }


def assert_output_is_safe(out: Path, raw: dict[str, str]) -> None:
    allowed = theme_scripts(out)
    for page in out.rglob("*.html"):
        found = scan(page.read_text(encoding="utf-8"))
        assert not found.handlers, (page, found.handlers)
        assert not found.unsafe_urls, (page, found.unsafe_urls)
        for attrs, text in found.scripts:
            if attrs.get("type") == "application/ld+json":
                data = json.loads(text)
                if isinstance(data, dict) and "headline" in data and "title" in raw:
                    assert data["headline"] == raw["title"]
            elif attrs.get("src"):
                assert attrs["src"].startswith(("/assets/", "https://")), attrs
            else:
                assert text in allowed, (page, text[:120])
    for document in out.rglob("*.xml"):
        ElementTree.parse(document)


def expected(value: str) -> str:
    return clean_field(value).strip()


@FUZZ
@given(
    title=NAMED,
    summary=HOSTILE,
    location=HOSTILE,
    alt=NAMED,
    caption=HOSTILE,
    credit=HOSTILE,
    byline=st.lists(NAMED, min_size=1, max_size=3),
    tags=st.lists(HOSTILE, max_size=3),
    correction=HOSTILE,
    page_title=NAMED,
)
@example(
    title="Name <script>alert(1)</script>\x850",
    summary="",
    location="",
    alt="Name ",
    caption="",
    credit="",
    byline=["Name "],
    tags=[],
    correction="",
    page_title="Name ",
)
@example(
    # A tag and a name whose slugs are longer than a folder name can be (255 bytes): located errors, not a
    # failure to write the tag's or the author's page.
    title="Name ",
    summary="",
    location="",
    alt="Name ",
    caption="",
    credit="",
    byline=["Name " + "é" * 130],
    tags=["ﷺ" * 8],
    correction="Fixed.",
    page_title="Name ",
)
def test_arbitrary_front_matter_values(
    title: str,
    summary: str,
    location: str,
    alt: str,
    caption: str,
    credit: str,
    byline: list[str],
    tags: list[str],
    correction: str,
    page_title: str,
) -> None:
    front = {
        "title": title,
        "date": "2026-01-05T09:00:00+00:00",
        "byline": byline,
        "section": "news",
        "tags": tags,
        "summary": summary,
        "location": location,
        "image": "/media/lead.jpg",
        "image_alt": alt,
        "image_caption": caption,
        "image_credit": credit,
        "corrections": [{"date": "2026-01-06", "text": correction}],
    }
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    files: dict[str, str | bytes] = {
        "content/articles/fuzz.md": "---\n" + dumped + "---\nBody.\n",
        "content/pages/about.md": "---\n" + yaml.safe_dump({"title": page_title}, allow_unicode=True) + "---\nAbout.\n",
        "content/authors.yaml": yaml.safe_dump(
            {name: {"bio": summary, "role": location} for name in byline if name}, allow_unicode=True
        ),
    }
    with fresh_site(files) as root:
        out = built(root)
        if out is None:
            return
        # The title as the file says it: control characters are dropped from a file before YAML reads it, so a
        # C1 line break (U+0085) that PyYAML's dumper wrote into a quoted scalar joins the lines, not folds them.
        written = expected(yaml.safe_load(clean_text(dumped))["title"])
        assert_output_is_safe(out, {"title": written})
        article = next(out.glob("news/2026/01/05/*/index.html")).read_text(encoding="utf-8")
        heading = article.split("<title>", 1)[1].split("</title>", 1)[0]
        assert html.unescape(heading).startswith(written)


def test_a_build_slow_enough_to_show_its_progress_is_judged_by_its_errors_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a loaded machine a build can run past the two seconds after which the command shows its progress;
    the errors must be judged the same. (A clock running a million times fast makes every build that slow.)"""
    started, real = time.monotonic(), time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: started + (real() - started) * 1_000_000)
    with fresh_site({"content/articles/bad.md": "---\ntitle: T\ndate: 2026-01-05\nbyline: A\n---\nBody.\n"}) as root:
        shown = run("build", str(root), "--out", str(root / "public")).stderr.splitlines()
        assert shown[0] == "parse: 1/1", shown  # without --quiet: the progress the fast clock brings out
        assert built(root) is None


MARKDOWN = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        TEXT,
        st.sampled_from(("\n\n", "\n- ", "\n1. ", "\n> ", "\n## ", "\n    ", "\n```\n", "\n| a | b |\n|---|---|\n")),
    ),
    max_size=40,
).map("".join)


@FUZZ
@given(body=MARKDOWN)
def test_arbitrary_markdown_bodies(body: str) -> None:
    text = "---\ntitle: Fuzzed body\ndate: 2026-01-05\nbyline: A\nsection: news\n---\n" + body
    with fresh_site({"content/articles/body.md": text}) as root:
        out = built(root)
        if out is not None:
            assert_output_is_safe(out, {"title": "Fuzzed body"})


YAML_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            (
                "title: T",
                "date: 2026-01-05",
                "byline: A",
                "section: news",
                "on: yes",
                "1: x",
                "title: 1984",
                "title: NO",
                "title:",
                "tags: [a, *x]",
                "x: &x [1, 2]",
                "y: *x",
                "- item",
                "  indented: value",
                "\tdate: tab",
                "key: 'unclosed",
                "? complex",
                "!!python/object:os.system ls",
                "summary: !!binary aGVsbG8=",
                "corrections: {date: x}",
                "<<: {title: merged}",
                "---",
                "...",
                "",
            )
        ),
        TEXT,
    ),
    max_size=12,
).map("\n".join)


@FUZZ
@given(block=YAML_LINES, closed=st.booleans())
def test_arbitrary_front_matter_text_never_gives_a_traceback(block: str, closed: bool) -> None:
    text = "---\n" + block + ("\n---\nBody.\n" if closed else "\nBody.\n")
    with fresh_site({"content/articles/raw.md": text}) as root:
        built(root)


DATES = st.one_of(
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())).map(lambda moment: moment.isoformat()),
    st.dates().map(lambda day: day.isoformat()),
    st.integers(),
    TEXT,
)


@FUZZ
@given(published=DATES, updated=DATES, corrected=DATES)
def test_arbitrary_dates_never_give_a_traceback(published: object, updated: object, corrected: object) -> None:
    front = {
        "title": "Dated",
        "date": published,
        "updated": updated,
        "byline": "A",
        "section": "news",
        "corrections": [{"date": corrected, "text": "Fixed."}],
    }
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\nBody.\n"
    with fresh_site({"content/articles/dated.md": text}) as root:
        out = built(root, "--future")
        if out is not None:
            assert_output_is_safe(out, {"title": "Dated"})


URL_PARTS = st.sampled_from(
    (
        "/",
        "//",
        "\\",
        "/\\",
        "http:",
        "https://",
        "javascript:",
        "JaVaScRiPt:",
        "data:",
        "mailto:",
        "evil.example",
        "@",
        "%2F",
        "\t",
        "\n",
        " ",
        "\x00",
        "#",
        "?",
        "&#x3a;",
        "media/x.jpg",
    )
)
URLS = st.tuples(
    st.sampled_from(("", "/", "/media/", "https://example.org/", "http://example.org", "mailto:")),
    st.lists(st.one_of(URL_PARTS, TEXT), max_size=4).map("".join),
).map("".join)


def _off_site(url: str) -> bool:
    """A URL a browser would take to another site or run as script, unless it is plain http(s)."""
    lowered = url.strip().lower()
    if lowered.startswith(("http://", "https://", "mailto:")):
        return False
    return lowered.startswith(("//", "/\\", "\\")) or ":" in lowered.split("/", 1)[0]


@FUZZ
@given(url=URLS, place=st.sampled_from(("image", "photo", "link")))
def test_arbitrary_urls_are_refused_or_stay_on_safe_schemes(url: str, place: str) -> None:
    safe = "/media/x.jpg"
    front = {"title": "T", "date": "2026-01-05", "byline": "Sana Mirza", "section": "news"}
    front |= {"image": url if place == "image" else safe, "image_alt": "A picture"}
    links = {"Site": url if place == "link" else "https://example.org/"}
    authors = {"Sana Mirza": {"photo": url if place == "photo" else safe, "links": links}}
    files: dict[str, str | bytes] = {
        "content/articles/urls.md": "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\nB.\n",
        "content/authors.yaml": yaml.safe_dump(authors, allow_unicode=True),
    }
    with fresh_site(files) as root:
        out = built(root)
        if out is None:
            return
        assert_output_is_safe(out, {"title": "T"})
        for page in (out / "news/2026/01/05/urls/index.html", out / "authors/sana-mirza/index.html"):
            found = scan(page.read_text(encoding="utf-8"))
            assert not [url for url in found.urls if _off_site(url)], (page, found.urls)
