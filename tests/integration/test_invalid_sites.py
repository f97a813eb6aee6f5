"""Each folder of tests/fixtures/sites_invalid is a tiny site with one kind of bad input.

Its expected_error.txt holds the exact lines newsgen must print to stderr, with
paths relative to the case folder (the build runs there); the build must exit 1
and write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Run

CASES = sorted(path for path in (FIXTURES / "sites_invalid").iterdir() if path.is_dir())


def test_there_is_a_case_for_each_kind_of_bad_input() -> None:
    assert len(CASES) >= 15
    for case in CASES:
        assert (case / "expected_error.txt").is_file(), case.name


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_reported_exactly_and_nothing_is_written(
    case: Path, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    expected = (case / "expected_error.txt").read_text(encoding="utf-8")
    before = sorted(path.relative_to(case) for path in case.rglob("*"))
    out = tmp_path / "public"
    # --quiet: only the errors, with no progress lines however long the build takes on a loaded machine.
    result = run_cli("build", ".", "--out", out, "--quiet", cwd=case)
    assert (result.code, result.err, result.out) == (1, expected, "")
    assert not out.exists()
    assert sorted(tmp_path.iterdir()) == []
    assert sorted(path.relative_to(case) for path in case.rglob("*")) == before


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_check_reports_the_same_errors(case: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("check", ".", cwd=case)
    expected = (case / "expected_error.txt").read_text(encoding="utf-8")
    assert (result.code, result.err) == (1, expected.replace("build failed:", "check failed:"))
