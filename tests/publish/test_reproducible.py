"""Reproducible output: the same content and SOURCE_DATE_EPOCH give byte-identical trees, so a deploy
uploads only real changes, whatever the folder, working directory, hash seed, timezone or locale."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import copy_demo

from .support import EPOCH, tree


def build(site: Path, out: Path, *, cwd: Path, epoch: str, **env: str) -> dict[str, bytes]:
    result = subprocess.run(
        [sys.executable, "-m", "newsgen", "build", os.path.relpath(site, cwd), "--out", str(out)],
        cwd=cwd,
        env={**os.environ, "SOURCE_DATE_EPOCH": epoch, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return tree(out)


def differences(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    """What differs between two output trees, with the first lines of each file's diff."""
    problems = [f"only in one build: {path}" for path in sorted(set(first) ^ set(second))]
    for path in sorted(set(first) & set(second)):
        if first[path] != second[path]:
            diff = difflib.unified_diff(
                first[path].decode("utf-8", "replace").splitlines(),
                second[path].decode("utf-8", "replace").splitlines(),
                lineterm="",
                n=0,
            )
            problems.append(f"{path} differs:\n" + "\n".join(list(diff)[2:8]))
    return problems


def test_two_builds_of_the_same_content_are_byte_identical(tmp_path: Path) -> None:
    here = copy_demo(tmp_path / "here")
    first = build(here, tmp_path / "first", cwd=here, epoch=EPOCH, PYTHONHASHSEED="1", TZ="UTC", LC_ALL="C", LANG="C")
    elsewhere = copy_demo(tmp_path / "elsewhere" / "the site")
    second = build(
        elsewhere,
        tmp_path / "second",
        cwd=tmp_path,
        epoch=EPOCH,
        PYTHONHASHSEED="4242",
        TZ="Pacific/Kiritimati",
        LC_ALL="C.UTF-8",
        LANG="C.UTF-8",
    )
    assert len(first) > 50
    assert differences(first, second) == []

    # The comparison sees a real difference: three days later the edition's date is another.
    later = build(elsewhere, tmp_path / "later", cwd=tmp_path, epoch=str(int(EPOCH) + 3 * 86400))
    assert differences(first, later)
