"""A wheel installed in a fresh virtualenv runs ``newsgen init`` and ``newsgen build`` with no checkout around it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SOURCE_DATE_EPOCH, STARTER_TREE


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_the_wheel_installs_and_builds_a_new_site(tmp_path: Path) -> None:
    # A copy of what the wheel is made of, so that building leaves nothing in the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source, cwd=tmp_path)
    (wheel,) = wheels.glob("newsgen-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin/python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # No checkout on the path: only what the wheel installed.
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    run(venv / "bin/newsgen", "init", "mysite", cwd=elsewhere, env=env)
    site = elsewhere / "mysite"
    assert sorted(path.relative_to(site).as_posix() for path in site.rglob("*")) == STARTER_TREE
    built = run(venv / "bin/newsgen", "build", "mysite", cwd=elsewhere, env=env)
    assert built.stdout.startswith("built ")
    out = elsewhere / "mysite/public"
    assert (out / "index.html").is_file()
    assert (out / "news/2025/01/01/welcome/index.html").is_file()
    assert list((out / "assets").glob("newsgen.*.css"))
    run(venv / "bin/python", "-m", "newsgen", "check", "mysite", cwd=elsewhere, env=env)
    location = run(venv / "bin/python", "-c", "import newsgen; print(newsgen.__file__)", cwd=elsewhere, env=env)
    assert Path(location.stdout.strip()).is_relative_to(venv)
    assert os.listdir(elsewhere) == ["mysite"]
