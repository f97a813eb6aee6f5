"""The basic fixture site built at a fixed SOURCE_DATE_EPOCH, compared file by file with its golden output.

A difference means that what readers see has changed. When the change is
intended, regenerate the golden files, review the diff and commit them:

    .venv/bin/python -m tests.integration.regenerate_golden
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.integration.golden import PATHS, build_basic, golden_files, stored_files

REGENERATE = ".venv/bin/python -m tests.integration.regenerate_golden"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("golden") / "public"
    build_basic(out)
    return golden_files(out)


def test_the_same_files_are_built(built: dict[str, str]) -> None:
    stored = stored_files()
    assert stored, f"no golden output; create it with {REGENERATE}"
    diff = "".join(difflib.unified_diff(stored.get(PATHS, "").splitlines(True), built[PATHS].splitlines(True)))
    assert not diff, f"the built paths changed (if intended, run {REGENERATE}):\n{diff}"
    assert sorted(built) == sorted(stored)


@pytest.mark.parametrize("relative", sorted(stored_files()))
def test_each_page_matches_its_golden_file(built: dict[str, str], relative: str) -> None:
    assert relative in built, f"{relative} is no longer built (if intended, run {REGENERATE})"
    expected = stored_files()[relative]
    diff = "".join(
        difflib.unified_diff(expected.splitlines(True), built[relative].splitlines(True), "golden", "built", n=2)
    )
    assert not diff, f"{relative} differs from its golden file (if intended, run {REGENERATE}):\n{diff}"


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    build_basic(first)
    build_basic(second)
    files = sorted(path.relative_to(first) for path in first.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(second) for path in second.rglob("*") if path.is_file())
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
