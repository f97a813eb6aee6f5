"""Golden output of the basic fixture site: what is compared, and how it is normalised.

Only HTML files are kept, plus PATHS.txt listing every output path. The theme's
fingerprinted asset names (``/assets/newsgen.<hash>.css``) become
``/assets/newsgen.HASH.css``, so that editing the theme's CSS or JavaScript
does not change the golden files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, SOURCE_DATE_EPOCH, site_copy

SITE = FIXTURES / "sites" / "basic"
GOLDEN = FIXTURES / "golden" / "basic"
PATHS = "PATHS.txt"
_FINGERPRINT = re.compile(r"(assets/[\w./-]+?)\.[0-9a-f]{10}\.(\w+)")


def normalise(text: str) -> str:
    return _FINGERPRINT.sub(r"\1.HASH.\2", text)


def build_basic(out: Path) -> None:
    """Build a copy of the basic fixture (beside ``out``) into ``out`` with ``python -m newsgen`` at the fixed
    SOURCE_DATE_EPOCH."""
    site = site_copy("basic", out.with_name(f"{out.name}-site"))
    result = subprocess.run(
        [sys.executable, "-m", "newsgen", "build", str(site), "--out", str(out)],
        env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"building {SITE} failed:\n{result.stderr}")


def golden_files(out: Path) -> dict[str, str]:
    """The golden view of a built site: normalised HTML by path, and the list of every path."""
    paths = sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file())
    files = {path: normalise((out / path).read_text(encoding="utf-8")) for path in paths if path.endswith(".html")}
    files[PATHS] = "".join(normalise(path) + "\n" for path in paths)
    return files


def stored_files() -> dict[str, str]:
    return {
        path.relative_to(GOLDEN).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(GOLDEN.rglob("*"))
        if path.is_file()
    }
