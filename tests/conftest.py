"""Shared helpers: small sites written from a dict, a fixed build time, the CLI in-process and as a process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsgen import cli

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
# The fixed build time of the fixture sites: after every dated article, before the embargoed ones.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SOURCE_DATE_EPOCH = str(int(NOW.timestamp()))

MINIMAL_CONFIG = """\
title: The Test Times
base_url: https://news.example.org/
timezone: Asia/Karachi
sections:
  - {key: city, title: City}
  - {key: world, title: World}
"""

# What `newsgen init` makes, whether newsgen runs from a checkout or from an installed wheel.
STARTER_TREE = [
    ".github",
    ".github/workflows",
    ".github/workflows/publish.yml",
    ".gitignore",
    "content",
    "content/articles",
    "content/articles/welcome.md",
    "content/authors.yaml",
    "content/pages",
    "content/pages/about.md",
    "newsgen.yaml",
    "static",
    "templates",
]


def site_copy(name: str, folder: Path) -> Path:
    """A copy of the fixture site ``name`` at ``folder``: a build keeps its cache in the site's folder, and the
    fixtures are left as they are (each build of a copy starts cold)."""
    return Path(shutil.copytree(FIXTURES / "sites" / name, folder, ignore=shutil.ignore_patterns(".newsgen-cache")))


DEMO_PARTS = ("newsgen.yaml", "content", "templates", "static")


def copy_demo(target: Path) -> Path:
    """The repository's demo site (config, content, templates, static) copied into ``target``."""
    target.mkdir(parents=True)
    for part in DEMO_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copyfile(source, target / part)
    return target


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``{relative path: text or bytes}`` under ``root``; return ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def article(
    title: str = "A headline", date: str = "2026-11-18T09:30:00+05:00", section: str = "city", **fields: str
) -> str:
    """Article source text with the required fields and any extra front-matter lines (values written as given)."""
    body = fields.pop("body", "A first paragraph.\n")
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\ntitle: {title}\ndate: {date}\nbyline: Sana Mirza\nsection: {section}\n{extra}---\n{body}"


@pytest.fixture
def now() -> datetime:
    return NOW


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """``newsgen.cli.main(args)`` in this process, at the fixed build time; optionally from another cwd."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)

    def run(*args: str | Path, cwd: Path | None = None) -> Run:
        capsys.readouterr()
        with monkeypatch.context() as context:
            if cwd is not None:
                context.chdir(cwd)
            try:
                code = cli.main([str(arg) for arg in args])
            except SystemExit as exit:  # argparse exits on bad usage
                code = exit.code if isinstance(exit.code, int) else 1
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def run_process() -> Callable[..., Run]:
    """``python -m newsgen args`` as a real process, at the fixed build time."""

    def run(*args: str | Path, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Run:
        environment = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, **(env or {})}
        result = subprocess.run(
            [sys.executable, "-m", "newsgen", *map(str, args)],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Run(result.returncode, result.stdout, result.stderr)

    return run
