"""The build command's speed options: --jobs, --clean, --quiet, and progress on stderr."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from newsgen.cli import ProgressDisplay, main
from tests.integration.test_incremental import Site


def test_quiet_prints_nothing_and_clean_rebuilds_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1763640000")
    site = Site(tmp_path / "site", random.Random(3))
    assert main(["build", str(site.root), "--quiet", "--jobs", "2"]) == 0
    assert capsys.readouterr().out == ""
    assert (site.root / ".newsgen-cache" / "build.cache").is_file()
    assert main(["build", str(site.root)]) == 0
    summary = capsys.readouterr().out
    assert "; 0 parsed, 0 rendered, " in summary
    assert main(["build", str(site.root), "--clean"]) == 0
    summary = capsys.readouterr().out
    assert f"; {len(site.articles) + 1} parsed, " in summary
    assert ", 0 reused, " in summary


def test_jobs_must_be_a_positive_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(tmp_path), "--jobs", "0"])
    assert exit_info.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_progress_is_plain_lines_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    display = ProgressDisplay(terminal=False, delay=0)
    for done in range(0, 101):
        display("render", done, 100)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "render: 0/100" and lines[-1] == "render: 100/100"
    assert len(lines) == 11  # one line per tenth, not one per page
    assert all("\r" not in line and "\x1b" not in line for line in lines)


def test_progress_waits_before_showing_anything(capsys: pytest.CaptureFixture[str]) -> None:
    display = ProgressDisplay(terminal=True, delay=60)
    display("parse", 5, 100)
    display.close()
    assert capsys.readouterr().err == ""
