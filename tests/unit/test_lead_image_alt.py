"""A lead image without alt text is a content error: the build names the file and line and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgen.cli import main

CONFIG = "title: Alt Test\nbase_url: https://alt.example.org/\nsections:\n  - {key: news, title: News}\n"
ARTICLE = """---
title: A picture without words
date: 2026-11-20T09:00:00+05:00
byline: Sana Mirza
section: news
image: /media/photo.jpg
---
The body.
"""


def write_site(root: Path, article: str) -> Path:
    (root / "content" / "articles").mkdir(parents=True)
    (root / "newsgen.yaml").write_text(CONFIG)
    source = root / "content" / "articles" / "picture.md"
    source.write_text(article)
    return source


def test_a_lead_image_without_alt_text_fails_the_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_site(tmp_path / "site", ARTICLE)
    out = tmp_path / "out"
    assert main(["build", str(tmp_path / "site"), "--out", str(out)]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors[0] == f"{source}:6: a lead image needs 'image_alt', a description for readers who cannot see it"
    assert errors[-1] == "build failed: 1 error"
    assert not out.exists()


def test_an_empty_alt_text_fails_too_and_a_real_one_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_site(tmp_path / "empty", ARTICLE.replace("image: /media/photo.jpg", 'image: /media/photo.jpg\nimage_alt: ""'))
    assert main(["build", str(tmp_path / "empty"), "--out", str(tmp_path / "out-empty")]) == 1
    assert "needs 'image_alt'" in capsys.readouterr().err

    described = ARTICLE.replace("image: /media/photo.jpg", "image: /media/photo.jpg\nimage_alt: A harbour at dawn")
    write_site(tmp_path / "described", described)
    assert main(["build", str(tmp_path / "described"), "--out", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "news" / "2026" / "11" / "20" / "picture" / "index.html").read_text()
    assert 'alt="A harbour at dawn"' in html
