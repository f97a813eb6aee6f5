"""Inputs hypothesis found: a URL urllib cannot split, and Unicode line separators in messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from newsgen.content import safe_url
from newsgen.errors import ContentError, SourceLocation
from newsgen.urls import split_url
from tests.conftest import MINIMAL_CONFIG, Run, article, write_tree


@pytest.mark.parametrize("url", ["http://example.org[", "https://[::1", "http://host:port/"])
def test_urls_urllib_cannot_split_are_refused_not_raised(url: str) -> None:
    assert split_url(url) is None
    assert not safe_url(url)


@pytest.mark.parametrize("separator", ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"])
def test_an_error_stays_on_one_line_whatever_separator_it_quotes(separator: str) -> None:
    error = ContentError(SourceLocation(Path("a.md"), 3), f"tag 'x{separator}y' is odd")
    assert len(str(error).splitlines()) == 1
    assert str(error).startswith("a.md:3: tag 'x")


def test_an_image_url_urllib_cannot_split_is_a_content_error(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    site = write_tree(
        tmp_path / "site",
        {
            "newsgen.yaml": MINIMAL_CONFIG,
            "content/articles/a.md": article(image='"http://example.org["', image_alt="A picture"),
        },
    )
    result = run_cli("build", site, "--out", tmp_path / "out")
    assert result.code == 1
    assert "a.md:" in result.err and "'image' must be" in result.err
    assert "Traceback" not in result.err


def test_a_body_link_urllib_cannot_split_does_not_break_check_or_feeds(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    site = write_tree(
        tmp_path / "site",
        {
            "newsgen.yaml": MINIMAL_CONFIG,
            "content/articles/a.md": article(body="See [this](http://example.org[) and [that](/x[/).\n"),
        },
    )
    built = run_cli("build", site, "--out", tmp_path / "out")
    assert built.code == 0, built.err
    assert (tmp_path / "out" / "feed.xml").is_file()
    checked = run_cli("check", site)
    assert "Traceback" not in checked.err
