"""The command line: exit codes, the summary, new, init, check, --out refusals and --base-url."""

from __future__ import annotations

import gc
import os
import pstats
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsgen import cli
from tests.conftest import FIXTURES, MINIMAL_CONFIG, SOURCE_DATE_EPOCH, STARTER_TREE, Run, write_tree
from tests.integration.htmltree import broken_links, page

BASIC = FIXTURES / "sites" / "basic"
PROGRESS = re.compile(r"^(parse|render): \d+/\d+$")
SUMMARY = re.compile(
    r"^built (\d+) pages \((\d+) files; \d+ parsed, \d+ rendered, \d+ reused, \d+ written\) in \d+\.\d\d s → (.+)$"
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the basic fixture site that a test may change."""
    return Path(shutil.copytree(BASIC, tmp_path / "site"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_build_prints_a_one_line_summary_then_drafts_and_embargoes(site: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("build", site)
    assert result.code == 0, result.err
    summary, drafts, embargo = result.out.splitlines()
    match = SUMMARY.match(summary)
    assert match, summary
    pages, files, out = match.groups()
    assert int(pages) == len(list((site / "public").rglob("*.html")))
    assert int(files) == len([path for path in (site / "public").rglob("*") if path.is_file()]) - 1
    assert out == str(site / "public")
    assert drafts == "1 draft left out (--drafts includes them)"
    assert embargo == "1 embargoed article left out; next embargo lifts 2027-01-10T06:00:00+05:00 (embargoed-report)"
    # Nothing on stderr but, should the build run past two seconds on a loaded machine, its progress.
    assert [line for line in result.err.splitlines() if not PROGRESS.match(line)] == []


def test_a_build_runs_with_the_cycle_collector_paused_and_restores_it(
    site: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    during: list[bool] = []
    real_build = cli.build

    def build(*args: Any, **kwargs: Any) -> Any:
        during.append(gc.isenabled())
        return real_build(*args, **kwargs)

    monkeypatch.setattr(cli, "build", build)
    assert run_cli("build", site).code == 0
    assert gc.isenabled()
    (site / "content/articles/broken.md").write_text("---\ntitle: [\n---\nText.\n")
    assert run_cli("build", site).code == 1
    assert gc.isenabled()
    assert during == [False, False]


def test_what_a_build_made_is_in_the_oldest_generation_once_the_collector_runs_again() -> None:
    """Made while the collector was paused, it would all be young, and the next collection would traverse it."""
    gc.collect()  # the generations' counters start from nothing: at most one young collection comes next
    with cli._cycle_collection_paused():
        made = [{"number": number} for number in range(10_000)]
    assert any(item is made for item in gc.get_objects(generation=2))


def test_build_defaults_to_the_current_folder(site: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("build", cwd=site)
    assert result.code == 0, result.err
    assert (site / "public/index.html").is_file()


def test_drafts_and_future_flags(site: Path, tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("build", site, "--out", tmp_path / "out", "--drafts", "--future")
    assert result.code == 0, result.err
    assert len(result.out.splitlines()) == 1
    assert (tmp_path / "out/world/2026/11/15/draft-column/index.html").is_file()
    assert (tmp_path / "out/city/2027/01/10/embargoed-report/index.html").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ("build", "--no-such-option"),
        ("frobnicate",),
        (),
        ("new", "article", "Title"),
        ("new", "story", "Title", "--section", "city"),
        ("init",),
    ],
)
def test_bad_usage_exits_2(args: tuple[str, ...], run_cli: Callable[..., Run]) -> None:
    result = run_cli(*args)
    assert result.code == 2
    assert "usage: newsgen" in result.err


def test_a_bad_base_url_exits_2(site: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("build", site, "--base-url", "ftp://example.org/")
    assert (result.code, result.err) == (
        2,
        "--base-url 'ftp://example.org/' must be an absolute http(s) URL\nbuild failed: 1 error\n",
    )
    assert not (site / "public").exists()


def test_content_errors_exit_1_and_leave_the_last_good_output_byte_identical(
    site: Path, run_cli: Callable[..., Run]
) -> None:
    assert run_cli("build", site).code == 0
    before = snapshot(site / "public")
    bad = site / "content/articles/2026/11/bus-line-opens.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("section: city", "section: wrold"), encoding="utf-8")
    result = run_cli("build", site, "--quiet", cwd=site)  # only errors: no progress, however slow the build
    assert result.code == 1
    assert result.err == (
        f"{site}/content/articles/2026/11/bus-line-opens.md:5: unknown section 'wrold'; did you mean 'world'? "
        "sections are: city, world\nbuild failed: 1 error\n"
    )
    assert result.out == ""
    assert snapshot(site / "public") == before
    leftovers = [path.name for path in site.iterdir() if path.name.startswith(".") and path.name != ".newsgen-cache"]
    assert leftovers == []


def test_a_template_error_leaves_the_last_good_output(site: Path, run_cli: Callable[..., Run]) -> None:
    assert run_cli("build", site).code == 0
    before = snapshot(site / "public")
    write_tree(
        site, {"templates/page.html": '{% extends "theme/page.html" %}{% block content %}{{ nope }}{% endblock %}'}
    )
    result = run_cli("build", ".", "--quiet", cwd=site)
    assert result.code == 1
    assert result.err == "templates/page.html:1: UndefinedError: 'nope' is undefined\nbuild failed: 1 error\n"
    assert snapshot(site / "public") == before


@pytest.mark.parametrize("out", [".", "..", "content", "static/public"])
def test_a_dangerous_out_is_refused_with_exit_2_and_nothing_touched(
    site: Path, out: str, run_cli: Callable[..., Run]
) -> None:
    before = snapshot(site.parent)
    result = run_cli("build", site, "--out", site / out)
    assert result.code == 2, result.err
    assert result.err.endswith("build failed: 1 error\n")
    assert "the output folder must not" in result.err
    assert snapshot(site.parent) == before
    assert sorted(path.name for path in site.parent.iterdir()) == ["site"]


def test_the_home_folder_is_refused(
    site: Path, tmp_path: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = write_tree(tmp_path / "home", {"notes.txt": "precious"})
    monkeypatch.setenv("HOME", str(home))
    result = run_cli("build", site, "--out", home)
    assert result.code == 2
    assert "refusing to build into / or the home folder" in result.err
    assert snapshot(home) == {"notes.txt": b"precious"}


def test_a_folder_of_other_files_is_refused(site: Path, tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    photos = write_tree(tmp_path / "photos", {"holiday.jpg": "jpeg"})
    result = run_cli("build", site, "--out", photos)
    assert result.code == 2
    assert "holds files newsgen did not build" in result.err
    assert snapshot(photos) == {"holiday.jpg": b"jpeg"}


def test_base_url_with_a_sub_path_changes_every_link(site: Path, tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    out = tmp_path / "out"
    result = run_cli("build", site, "--out", out, "--base-url", "https://example.github.io/paper")
    assert result.code == 0, result.err
    assert broken_links(out, "/paper/") == []
    front = page(out, "index.html")
    assert front.find("link", rel="canonical").attrs["href"] == "https://example.github.io/paper/"
    assert front.find("a", class_="brand-link").attrs["href"] == "/paper/"
    assert front.find("link", rel="stylesheet").attrs["href"].startswith("/paper/assets/newsgen.")
    assert page(out, "about/index.html").find("div", class_="article-body").find("a").attrs["href"] == "/paper/city/"
    article = page(out, "city/2026/11/19/bus-line-opens/index.html")
    assert article.find("figure", class_="lead-image").find("img").attrs["src"] == "/paper/media/bus.svg"
    assert article.find("link", rel="canonical").attrs["href"] == (
        "https://example.github.io/paper/city/2026/11/19/bus-line-opens/"
    )


def test_new_article_writes_a_draft_that_then_builds(site: Path, tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("new", "article", "Water main bursts on Mall Road", "--section", "city", "--site", site)
    assert result.code == 0, result.err
    # SOURCE_DATE_EPOCH is 2026-11-20 12:00 UTC: 17:00 in the site's timezone, Asia/Karachi.
    path = site / "content/articles/2026/11/water-main-bursts-on-mall-road.md"
    assert result.out == f"{path}\n"
    text = path.read_text(encoding="utf-8")
    assert 'title: "Water main bursts on Mall Road"' in text
    assert "date: 2026-11-20T17:00+05:00" in text
    assert "draft: true" in text
    without = run_cli("build", site, "--out", tmp_path / "without")
    assert without.code == 0, without.err
    assert "2 drafts left out" in without.out
    assert not (tmp_path / "without/city/2026/11/20").exists()
    with_drafts = run_cli("build", site, "--out", tmp_path / "with", "--drafts")
    assert with_drafts.code == 0, with_drafts.err
    built = page(tmp_path / "with", "city/2026/11/20/water-main-bursts-on-mall-road/index.html")
    assert built.find("h1", class_="headline").text == "Water main bursts on Mall Road"
    assert built.find("p", class_="dates").find("time").attrs["datetime"] == "2026-11-20T17:00:00+05:00"


def test_new_article_with_quotes_in_the_title_round_trips(
    site: Path, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    title = 'Mayor: "No comment" \\ yes: no'
    assert run_cli("new", "article", title, "--section", "world", "--byline", "Omar Siddiqui", "--site", site).code == 0
    assert run_cli("build", site, "--out", tmp_path / "out", "--drafts").code == 0
    built = page(tmp_path / "out", "world/2026/11/20/mayor-no-comment-yes-no/index.html")
    assert built.find("h1", class_="headline").text == title


def test_new_article_refuses_an_unknown_section_and_an_existing_file(site: Path, run_cli: Callable[..., Run]) -> None:
    unknown = run_cli("new", "article", "Title", "--section", "sport", "--site", site)
    assert unknown.code == 2
    assert "unknown section 'sport'; sections are: city, world" in unknown.err
    assert run_cli("new", "article", "Title", "--section", "city", "--site", site).code == 0
    again = run_cli("new", "article", "Title", "--section", "city", "--site", site)
    assert again.code == 2
    assert "an article with this slug already exists" in again.err


def test_init_then_build(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("init", "mysite", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "created a new site in mysite" in result.out
    site = tmp_path / "mysite"
    assert sorted(path.relative_to(site).as_posix() for path in site.rglob("*")) == STARTER_TREE
    built = run_cli("build", "mysite", cwd=tmp_path)
    assert built.code == 0, built.err
    out = tmp_path / "mysite/public"
    assert (out / "news/2025/01/01/welcome/index.html").is_file()
    assert broken_links(out) == []
    assert run_cli("check", "mysite", cwd=tmp_path).code == 0


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    write_tree(tmp_path / "taken", {"notes.txt": "mine"})
    result = run_cli("init", tmp_path / "taken")
    assert result.code == 2
    assert "folder exists and is not empty" in result.err
    assert snapshot(tmp_path / "taken") == {"notes.txt": b"mine"}


def test_check_validates_without_writing(site: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("check", site)
    assert result.code == 0, result.err
    assert result.out == "checked 4 articles and 22 pages: no problems\n"
    assert not (site / "public").exists()


def test_check_finds_a_broken_internal_link_in_an_article_body(site: Path, run_cli: Callable[..., Run]) -> None:
    article = site / "content/articles/2026/11/market-report.md"
    text = article.read_text(encoding="utf-8") + "\nSee [last week's report](/world/2026/11/12/no-such-report/).\n"
    article.write_text(text, encoding="utf-8")
    result = run_cli("check", ".", cwd=site)
    assert result.code == 1
    assert result.err == (
        f"content/articles/2026/11/market-report.md:{len(text.splitlines())}: broken link to "
        "/world/2026/11/12/no-such-report/ (no such page in the site)\ncheck failed: 1 error\n"
    )
    assert not (site / "public").exists()


def test_check_finds_a_broken_link_under_a_sub_path_base_url(site: Path, run_cli: Callable[..., Run]) -> None:
    write_tree(site, {"content/pages/about.md": "---\ntitle: About us\n---\nSee [the sport desk](/sport/).\n"})
    result = run_cli("check", ".", "--base-url", "https://example.github.io/paper/", cwd=site)
    assert result.code == 1
    assert "content/pages/about.md:4: broken link to /paper/sport/ (no such page in the site)" in result.err


def test_a_missing_site_exits_1_naming_the_config_file(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("build", tmp_path / "nowhere")
    assert result.code == 1
    assert result.err.startswith(f"{tmp_path}/nowhere/newsgen.yaml: no newsgen.yaml here")


def test_python_dash_m_newsgen_runs_as_a_process(site: Path, tmp_path: Path, run_process: Callable[..., Run]) -> None:
    result = run_process("build", site, "--out", tmp_path / "out")
    assert result.code == 0, result.err
    assert SUMMARY.match(result.out.splitlines()[0])
    assert (tmp_path / "out/index.html").is_file()
    bad = write_tree(tmp_path / "bad", {"newsgen.yaml": MINIMAL_CONFIG + "per_pgae: 3\n"})
    failed = run_process("build", ".", cwd=bad)
    assert (failed.code, failed.err) == (
        1,
        "newsgen.yaml:7: unknown key 'per_pgae'; did you mean 'per_page'?\nbuild failed: 1 error\n",
    )
    assert run_process("build", "--bogus").code == 2
    version = run_process("--version")
    assert version.code == 0 and version.out.startswith("newsgen ")


def test_a_process_exits_as_python_does_its_output_flushed_and_a_profile_written(site: Path, tmp_path: Path) -> None:
    """``python -m newsgen`` freezes what is left before it exits, and otherwise exits as Python does: what its
    block-buffered streams hold (as they are on a pipe without PYTHONUNBUFFERED) comes out, the exit code is
    kept, and a profiler wrapped around it still writes its report."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    environment["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    arguments = ["-m", "newsgen", "build", str(site), "--out", str(tmp_path / "out")]
    built = subprocess.run([sys.executable, *arguments], capture_output=True, text=True, env=environment)
    assert built.returncode == 0, built.stderr
    assert SUMMARY.match(built.stdout.splitlines()[0]), built.stdout
    assert "1 draft left out" in built.stdout
    profile = tmp_path / "build.prof"
    profiled = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), *arguments], env=environment)
    assert profiled.returncode == 0
    assert "build" in {name for _, _, name in pstats.Stats(str(profile)).stats}  # type: ignore[attr-defined]
    (site / "content/articles/broken.md").write_text("---\ntitle: [\n---\nText.\n")
    failed = subprocess.run([sys.executable, *arguments], capture_output=True, text=True, env=environment)
    assert failed.returncode == 1
    assert failed.stderr.endswith("build failed: 1 error\n"), failed.stderr


def test_a_bad_source_date_epoch_exits_2(
    site: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = run_cli("build", site)
    assert (result.code, result.err) == (
        2,
        "SOURCE_DATE_EPOCH must be a whole number of seconds, not 'yesterday'\nbuild failed: 1 error\n",
    )
    assert not (site / "public").exists()
