"""File-system traps: symlinks out of the site or in loops, clashing output paths, unsafe slugs."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from .sitekit import BODY, FRONT_MATTER, article, build, site, write_tree

HEAD = "---\ntitle: T\ndate: 2026-01-05\nbyline: A\nsection: news\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files beside the site that a symlink inside it could lead to."""
    return write_tree(
        tmp_path / "outside",
        {
            "secret.md": article(FRONT_MATTER.replace("A plain headline", "SECRET ARTICLE")),
            "secret.txt": "SECRET STATIC",
            "base.html": "SECRET TEMPLATE {{ page_title }}",
            "authors.yaml": "SECRET AUTHOR:\n  bio: SECRET BIO\n",
            "folder/inner.md": article(FRONT_MATTER.replace("A plain headline", "SECRET FOLDER")),
        },
    )


def _all_text(out: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in out.rglob("*") if path.is_file())


def test_symlinks_leading_out_of_the_site_are_skipped_with_warnings(tmp_path: Path, outside: Path) -> None:
    root = site(tmp_path / "site", {"real.md": article()})
    links = {
        "content/articles/leak.md": outside / "secret.md",
        "content/articles/leakdir": outside / "folder",
        "content/authors.yaml": outside / "authors.yaml",
        "static/leak.txt": outside / "secret.txt",
        "static/leakdir": outside / "folder",
        "templates/base.html": outside / "base.html",
        "templates/partials": outside / "folder",
    }
    for name, target in links.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).symlink_to(target)
    result = build(root)
    assert result.code == 0, result.stderr
    assert "SECRET" not in _all_text(root / "public")
    for name in links:
        assert any(str(root / name) in line and "warning" in line for line in result.stderr.splitlines()), name
    # The built-in base.html was used in place of the refused one.
    assert "<!doctype html>" in (root / "public/index.html").read_text(encoding="utf-8").lower()


def test_symlinks_inside_the_site_are_followed(tmp_path: Path) -> None:
    root = site(tmp_path, {"real.md": article()}, {"shared/note.txt": "SHARED NOTE", "shared/page.md": "x"})
    (root / "static").mkdir()
    (root / "static/note.txt").symlink_to(root / "shared/note.txt")
    assert build(root).code == 0
    assert (root / "public/note.txt").read_text() == "SHARED NOTE"


def test_looping_and_broken_symlinks_are_warnings_not_hangs(tmp_path: Path) -> None:
    root = site(tmp_path, {"real.md": article()})
    articles = root / "content/articles"
    (articles / "loop-a.md").symlink_to(articles / "loop-b.md")
    (articles / "loop-b.md").symlink_to(articles / "loop-a.md")
    (articles / "self").symlink_to(articles)
    (articles / "gone.md").symlink_to(tmp_path / "nowhere.md")
    (root / "templates").mkdir()
    (root / "templates/loop.html").symlink_to(root / "templates/loop.html")
    (root / "templates/self").symlink_to(root / "templates")
    result = build(root)
    assert result.code == 0, result.stderr
    warned = result.stderr
    for name in ("loop-a.md", "loop-b.md", "gone.md", "articles/self", "templates/loop.html", "templates/self"):
        assert name in warned, name


def test_a_symlinked_site_folder_out_of_the_site_is_not_followed(tmp_path: Path, outside: Path) -> None:
    root = site(tmp_path / "site", {})
    (root / "static").symlink_to(outside)
    result = build(root)
    assert result.code == 0, result.stderr
    assert "SECRET" not in _all_text(root / "public")
    assert f"{root / 'static'}: warning: symlinked folder not followed" in result.stderr


NFC = unicodedata.normalize("NFC", "café")
NFD = unicodedata.normalize("NFD", "café")


@pytest.mark.parametrize(
    ("first", "second"),
    [("Budget", "budget"), (NFC, NFD), ("STRASSE", "strasse")],
    ids=["case", "nfc-nfd", "upper-lower"],
)
def test_two_sources_on_one_output_path_name_both(tmp_path: Path, first: str, second: str) -> None:
    root = site(
        tmp_path,
        {"one.md": HEAD + f"slug: {first}\n---\nA.\n", "two.md": HEAD + f"slug: {second}\n---\nB.\n"},
    )
    result = build(root)
    assert result.code == 1
    assert "two.md:1:" in result.stderr or "one.md:1:" in result.stderr
    assert "one.md" in result.stderr and "two.md" in result.stderr
    assert not (root / "public").exists()


def test_file_names_differing_in_normalisation_clash(tmp_path: Path) -> None:
    root = site(tmp_path, {f"{NFC}.md": HEAD + "---\nA.\n"})
    (root / f"content/articles/{NFD}.md").write_text(HEAD + "---\nB.\n", encoding="utf-8")
    if len(list((root / "content/articles").iterdir())) < 2:
        pytest.fail("this file system merges NFC and NFD names; the test needs one that keeps both")
    result = build(root)
    assert result.code == 1
    assert "is already taken by" in result.stderr


def test_static_file_clashing_with_a_page_in_case_names_both(tmp_path: Path) -> None:
    root = site(tmp_path, {"a.md": article()}, {"static/INDEX.html": "static front"})
    result = build(root)
    assert result.code == 1
    assert "two files for one path" in result.stderr
    assert "INDEX.html" in result.stderr and "index.html" in result.stderr


@pytest.mark.parametrize(
    "slug",
    [
        "CON",
        "nul",
        "com1",
        ".hidden",
        "..",
        "../../etc",
        "a/b",
        '"a\\\\b"',
        "a%2Fb",
        "a%2e%2e",
        "'  '",
        "-leading",
    ],
)
def test_unsafe_slugs_are_rejected_at_their_line(tmp_path: Path, slug: str) -> None:
    root = site(tmp_path, {"bad.md": HEAD + f"slug: {slug}\n---\nx\n"})
    result = build(root)
    assert result.code == 1, result.stdout
    assert "bad.md:6: slug" in result.stderr, result.stderr
    assert not (root / "public").exists()


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("Ünïcode Name.md", "/news/2026/01/05/ünïcode-name/"),
        ("%2e%2e%2fescape.md", "/news/2026/01/05/2e-2e-2fescape/"),
        ("dots...md", "/news/2026/01/05/dots/"),
    ],
)
def test_file_names_become_safe_slugs(tmp_path: Path, name: str, url: str) -> None:
    root = site(tmp_path, {name: article()})
    result = build(root)
    assert result.code == 0, result.stderr
    assert (root / "public" / url.strip("/") / "index.html").is_file()


def test_nul_and_controls_in_a_slug_are_dropped(tmp_path: Path) -> None:
    root = site(tmp_path, {"bad.md": HEAD + 'slug: "nul\\0in\\x01side"\n---\nx\n'})
    result = build(root)
    assert result.code == 0, result.stderr
    assert (root / "public/news/2026/01/05/nulinside/index.html").is_file()


def test_reserved_names_in_file_names_tags_and_bylines_get_a_safe_folder(tmp_path: Path) -> None:
    text = "---\ntitle: T\ndate: 2026-01-05\nbyline: Con\nsection: news\ntags: [NUL, aux]\n---\nx\n"
    root = site(tmp_path, {"con.md": text})
    result = build(root)
    assert result.code == 0, result.stderr
    out = root / "public"
    for folder in ("news/2026/01/05/con-", "authors/con-", "tags/nul-", "tags/aux-"):
        assert (out / folder / "index.html").is_file(), folder
    assert not (out / "authors/con").exists()


def test_hidden_files_are_ignored(tmp_path: Path) -> None:
    root = site(tmp_path, {"real.md": article(), ".draft.md": "not even front-matter"}, {"static/.env": "SECRET=1"})
    assert build(root).code == 0
    assert not (root / "public/.env").exists()
    assert BODY.split("\n")[0] in (root / "public/news/2026/01/05/real/index.html").read_text(encoding="utf-8")
    assert os.listdir(root / "public")
