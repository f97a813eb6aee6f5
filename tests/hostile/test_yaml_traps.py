"""YAML traps are errors with file and line, never a traceback and never silently dropped text."""

from __future__ import annotations

from pathlib import Path

import pytest

from .sitekit import build, site

GOOD = "date: 2026-01-05\nbyline: A\nsection: news\n"

CASES = {
    "list-not-mapping": (
        "---\n- title\n- date\n---\nBody.\n",
        2,
        "front-matter must be a mapping of 'key: value' lines",
    ),
    "scalar-not-mapping": ("---\njust a sentence\n---\nBody.\n", 2, "must be a mapping"),
    "key-on": ("---\ntitle: T\n" + GOOD + "on: yes\n---\nBody.\n", 6, "key 'on' was read by YAML as a boolean"),
    "key-yes": ("---\ntitle: T\n" + GOOD + "yes: 1\n---\nBody.\n", 6, "key 'yes' was read by YAML as a boolean"),
    "key-number": ("---\ntitle: T\n" + GOOD + "1: one\n---\nBody.\n", 6, "key '1' was read by YAML as a number"),
    "duplicate": ("---\ntitle: T\n" + GOOD + "title: U\n---\nBody.\n", 6, "duplicate key 'title' (first on line 2)"),
    "title-number": (
        "---\ntitle: 1984\n" + GOOD + "---\nBody.\n",
        2,
        "'title' must be text, but YAML read a number (1984)",
    ),
    "title-no": (
        "---\ntitle: NO\n" + GOOD + "---\nBody.\n",
        2,
        "'title' must be text, but YAML read a boolean (False)",
    ),
    "title-null": ("---\ntitle: null\n" + GOOD + "---\nBody.\n", 2, "missing required field 'title'"),
    "title-float": ("---\ntitle: 3.14\n" + GOOD + "---\nBody.\n", 2, "'title' must be text, but YAML read a number"),
    "summary-bool": ("---\ntitle: T\nsummary: off\n" + GOOD + "---\nBody.\n", 3, "'summary' must be text"),
    "summary-number": ("---\ntitle: T\nsummary: 12\n" + GOOD + "---\nBody.\n", 3, "'summary' must be text"),
    "unclosed": ("---\ntitle: T\n" + GOOD + "Body without a fence.\n", 1, "never closed with '---'"),
    "closing-fence-missing-before-a-rule": (
        "---\ntitle: T\n" + GOOD + "\nThe body starts here, without a fence.\n\n---\n\nMore body.\n",
        7,
        "is its closing '---' missing?",
    ),
    "no-front-matter-body-starts-with-rule": (
        "---\n\nA body that opens with a rule.\n\n---\n\nMore.\n",
        2,
        "needs its front-matter before the rule",
    ),
    "billion-laughs": (
        "---\ntitle: T\n"
        + GOOD
        + "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(11))
        + "---\nBody.\n",
        None,
        "YAML aliases; refusing to expand them",
    ),
    "laughs-with-few-aliases": (
        "---\ntitle: T\n"
        + GOOD
        + "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
        + "tags: *i\n---\nBody.\n",
        2,
        "YAML aliases expand to more than 100,000 values",
    ),
    "alias-inside-its-own-value": (
        "---\ntitle: T\n" + GOOD + "tags: &t [a, [b, *t]]\n---\nBody.\n",
        6,
        "a YAML alias stands inside the value it refers to",
    ),
    "explicit-tag-that-does-not-fit": (
        "---\ntitle: T\n" + GOOD + "featured: !!bool maybe\n---\nBody.\n",
        6,
        "YAML cannot read 'maybe' as '!!bool'",
    ),
    "explicit-tag-on-nothing": ("---\ntitle: !!int\n" + GOOD + "---\nBody.\n", 2, "YAML cannot read '' as '!!int'"),
    "deep-flow-nesting": ("---\ntitle: " + "[" * 3000 + "\n" + GOOD + "---\nBody.\n", 2, "nested more than 50 levels"),
    "deep-block-nesting": (
        "---\ntitle: T\n" + "".join("  " * i + f"k{i}:\n" for i in range(300)) + "---\nBody.\n",
        52,
        "nested more than 50 levels",
    ),
    "date-year-one": (
        "---\ntitle: T\ndate: 0001-01-01T00:00:00+05:00\nbyline: A\nsection: news\n---\nB.\n",
        3,
        "out of range",
    ),
    "date-year-9999": (
        "---\ntitle: T\ndate: 9999-12-31T23:59:59-05:00\nbyline: A\nsection: news\n---\nB.\n",
        3,
        "out of range",
    ),
    "lone-surrogate": ('---\ntitle: "bad \\ud800 escape"\n' + GOOD + "---\nBody.\n", 2, "lone surrogate"),
    "tab-indentation": ("---\ntitle: T\n\tdate: 2026-01-05\n---\nBody.\n", 3, "YAML does not parse"),
    "unquoted-colon": ("---\ntitle: Budget: the verdict: now\n" + GOOD + "---\nBody.\n", 2, "YAML does not parse"),
    "not-utf8": (b"---\ntitle: caf\xe9\n" + GOOD.encode() + b"---\nBody.\n", 2, "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_yaml_trap_is_an_error_with_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, message = CASES[case]
    root = site(tmp_path, {"good.md": "---\ntitle: Good\n" + GOOD + "---\nFine.\n"}, {"content/articles/trap.md": text})
    result = build(root)
    assert result.code == 1, result.stdout
    assert "Traceback" not in result.stderr
    errors = [entry for entry in result.stderr.splitlines() if "trap.md" in entry]
    assert errors, result.stderr
    where = f"trap.md:{line}: " if line else "trap.md:"
    assert any(where in entry and message in entry for entry in errors), result.stderr
    assert "good.md" not in result.stderr
    assert not (root / "public").exists()


def test_body_that_starts_with_a_rule_keeps_all_its_text(tmp_path: Path) -> None:
    text = "---\ntitle: T\n" + GOOD + "---\n---\n\nAfter the first rule.\n\n---\n\nAfter the second rule.\n"
    root = site(tmp_path, {"rule.md": text})
    result = build(root)
    assert result.code == 0, result.stderr
    page = (root / "public/news/2026/01/05/rule/index.html").read_text(encoding="utf-8")
    assert page.count("<hr") >= 2
    assert "After the first rule." in page
    assert "After the second rule." in page


def test_dates_in_text_fields_stay_text(tmp_path: Path) -> None:
    text = "---\ntitle: 2026-01-05\nsummary: 2026-01-05T10:00:00\n" + GOOD + "---\nBody.\n"
    root = site(tmp_path, {"dated.md": text})
    result = build(root)
    assert result.code == 0, result.stderr
    page = (root / "public/news/2026/01/05/dated/index.html").read_text(encoding="utf-8")
    assert "<title>2026-01-05" in page


def test_an_open_bidi_override_is_closed_at_the_end_of_its_field(tmp_path: Path) -> None:
    text = '---\ntitle: T\ndate: 2026-01-05\nbyline: ["\u202eevil", "Next Person"]\nsection: news\n---\nBody.\n'
    root = site(tmp_path, {"bidi.md": text})
    result = build(root)
    assert result.code == 0, result.stderr
    page = (root / "public/news/2026/01/05/bidi/index.html").read_text(encoding="utf-8")
    assert "\u202eevil\u202c" in page
    assert page.count("\u202e") == page.count("\u202eevil\u202c")


def test_control_characters_are_dropped_and_bidi_marks_kept(tmp_path: Path) -> None:
    text = (
        '---\ntitle: "Head\\x01line \\x1b[31m\\u202eevil\\u202c \\x7f\\u0085end"\n'
        + GOOD
        + "---\nBody\x0b with\x00 controls.\n"
    )
    root = site(tmp_path, {"ctl.md": text})
    result = build(root)
    assert result.code == 0, result.stderr
    page = (root / "public/news/2026/01/05/ctl/index.html").read_text(encoding="utf-8")
    assert "Headline [31m\u202eevil\u202c end" in page
    assert "Body with controls." in page
    for control in ("\x00", "\x01", "\x0b", "\x1b", "\x7f", "\x85"):
        assert control not in page
