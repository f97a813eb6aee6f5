"""Rebuild tests/fixtures/golden/basic from the basic fixture site.

Run it after a change that is meant to alter the built pages, then review the
diff and commit it: ``.venv/bin/python -m tests.integration.regenerate_golden``
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.integration.golden import GOLDEN, build_basic, golden_files


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        out = Path(temporary) / "public"
        build_basic(out)
        files = golden_files(out)
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for relative, text in files.items():
        path = GOLDEN / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} golden files to {GOLDEN}")


if __name__ == "__main__":
    main()
