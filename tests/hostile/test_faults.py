"""Faults: a killed build, an unwritable output folder and a full disk leave the previous output intact."""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsgen.output import exchange

from .sitekit import article, build, run, site, write_tree

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000", "PYTHONDONTWRITEBYTECODE": "1"}


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by relative path, with a hash of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def demo_site(root: Path) -> Path:
    """A copy of the repository's demo newspaper, which takes about a second to build."""
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "newsgen.yaml", root / "newsgen.yaml")
    return root


def newsgen(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "newsgen", *args]
    return subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)  # type: ignore[call-overload, no-any-return]


def leftovers(out: Path) -> list[str]:
    """What a build left beside ``out``, less the spare tree that it keeps there on purpose."""
    return sorted(
        path.name
        for path in out.parent.iterdir()
        if path.name.startswith(f".{out.name}.newsgen") and path.name != f".{out.name}.newsgen-spare"
    )


def test_sigkill_at_any_moment_leaves_a_whole_output_and_the_next_build_recovers(tmp_path: Path) -> None:
    root = demo_site(tmp_path / "site")
    out = tmp_path / "public"
    assert newsgen("build", str(root), "--out", str(out)).wait() == 0
    old = tree(out)
    # Change the site so that the old and the new output can be told apart.
    write_tree(
        root,
        {"content/articles/2026/extra.md": article().replace("section: news", "section: city"), "static/x.txt": "x"},
    )
    reference = tmp_path / "reference"
    started = time.monotonic()
    assert newsgen("build", str(root), "--out", str(reference)).wait() == 0
    duration = time.monotonic() - started
    new = tree(reference)
    assert new != old

    saved = tmp_path / "saved"
    shutil.copytree(out, saved)
    moments = random.Random(20261126)
    outcomes = []
    staging = tmp_path / ".public.newsgen-staging"
    for attempt in range(10):
        process = newsgen("build", str(root), "--out", str(out))
        if attempt < 4:
            # Kill points spread over the whole build, from start-up to the final swap.
            time.sleep(duration * (attempt + moments.random()) / 4)
        else:
            # Kill points in the short writing phase: once the staging folder appears.
            while not staging.exists() and process.poll() is None:
                time.sleep(0.0005)
            time.sleep(moments.uniform(0, 0.04))
        process.kill()
        process.wait()
        state = tree(out) if out.is_dir() else {}
        outcomes.append(("new" if state == new else "old" if state == old else "broken", leftovers(out)))
        assert state in (old, new), f"attempt {attempt}: the output is neither the old nor the new site: {outcomes}"
        if state == new:
            shutil.rmtree(out)
            shutil.copytree(saved, out)
    print("kill outcomes:", outcomes)
    result = newsgen("build", str(root), "--out", str(out))
    assert result.wait() == 0
    assert tree(out) == new
    assert leftovers(out) == []


def test_leftovers_of_an_interrupted_swap_are_put_right(tmp_path: Path) -> None:
    root = site(tmp_path / "site", {"a.md": article()})
    out = root / "public"
    assert build(root).code == 0
    good = tree(out)
    # A kill between the two renames of the fallback swap: output gone, old tree retired.
    out.rename(out.parent / ".public.newsgen-old")
    (out.parent / ".public.newsgen-staging/half").mkdir(parents=True)
    assert build(root).code == 0
    assert tree(out) == good
    assert leftovers(out) == []


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    first = write_tree(tmp_path / "first", {"one.txt": "1"})
    second = write_tree(tmp_path / "second", {"two.txt": "2"})
    if not exchange(first, second):
        if sys.platform.startswith("linux"):
            pytest.fail("renameat2(RENAME_EXCHANGE) is not available on this Linux file system")
        pytest.skip("atomic exchange is Linux-only; the two-rename fallback is used")
    assert (first / "two.txt").is_file() and (second / "one.txt").is_file()


def _chattr(flag: str, path: Path) -> None:
    result = subprocess.run(["chattr", flag, str(path)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"chattr {flag} failed ({result.stderr.strip()}); the test needs ext4-like /tmp and root")


@pytest.mark.parametrize("locked", ["parent", "output"])
def test_unwritable_output_gives_a_clear_error_and_keeps_the_old_site(tmp_path: Path, locked: str) -> None:
    # Root ignores permission bits, so the folder is made immutable instead: not even root may change it.
    root = site(tmp_path / "site", {"a.md": article()})
    out = tmp_path / "deploy" / "public"
    result = run("build", str(root), "--out", str(out))
    assert result.code == 0, result.stderr
    good = tree(out)
    write_tree(root, {"content/articles/b.md": article()})
    target = out.parent if locked == "parent" else out
    _chattr("+i", target)
    try:
        result = run("build", str(root), "--out", str(out))
    finally:
        _chattr("-i", target)
    assert result.code == 1
    assert "cannot write the site: Operation not permitted" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(out) == good
    assert leftovers(out) == []


def test_file_size_limit_mid_build_keeps_the_old_site(tmp_path: Path) -> None:
    # RLIMIT_FSIZE makes a write fail part-way (EFBIG) just as a quota or a full disk would.
    root = site(tmp_path / "site", {"a.md": article()})
    out = tmp_path / "public"
    assert newsgen("build", str(root), "--out", str(out)).wait() == 0
    good = tree(out)
    write_tree(root, {"static/big.bin": b"\0" * 2_000_000, "content/articles/b.md": article()})

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))

    process = newsgen("build", str(root), "--out", str(out), preexec_fn=limit)
    stdout, stderr = process.communicate()
    assert process.returncode == 1, stdout
    assert b"cannot write the site: File too large" in stderr
    assert b"Traceback" not in stderr
    assert tree(out) == good
    assert leftovers(out) == []


FULL_DISK_DRIVER = r"""
import hashlib, json, subprocess, sys
from pathlib import Path
site, disk = Path(sys.argv[1]), Path(sys.argv[2])
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], check=True)
def tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
def build():
    return subprocess.run([sys.executable, "-m", "newsgen", "build", str(site), "--out", str(disk / "public")],
                          capture_output=True, text=True)
first = build()
before = tree(disk / "public") if first.returncode == 0 else {}
(site / "static").mkdir(exist_ok=True)
(site / "static" / "big.bin").write_bytes(b"x" * 1_500_000)
second = build()
print(json.dumps({"first": first.returncode, "first_err": first.stderr, "second": second.returncode,
                  "second_err": second.stderr, "same": tree(disk / "public") == before and bool(before),
                  "leftovers": sorted(p.name for p in disk.iterdir() if p.name != "public")}))
"""


def test_full_disk_gives_a_clear_error_and_keeps_the_old_site(tmp_path: Path) -> None:
    # A 1 MB tmpfs in a private mount namespace: the mount vanishes with the process.
    root = site(tmp_path / "site", {"a.md": article()})
    disk = tmp_path / "disk"
    disk.mkdir()
    command = ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", FULL_DISK_DRIVER]
    result = subprocess.run([*command, str(root), str(disk)], env=ENV, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs here (needs root and unshare): {result.stderr[-500:]}")
    report = json.loads(result.stdout)
    assert report["first"] == 0, report["first_err"]
    assert report["second"] == 1
    assert "cannot write the site: No space left on device" in report["second_err"]
    assert "Traceback" not in report["second_err"]
    assert report["same"]
    assert report["leftovers"] == []


def test_output_folder_behind_a_symlink_is_written_where_the_link_points(tmp_path: Path) -> None:
    root = site(tmp_path / "site", {"a.md": article()})
    (tmp_path / "www").mkdir()
    link = tmp_path / "public"
    link.symlink_to(tmp_path / "www")
    for _ in range(2):
        result = run("build", str(root), "--out", str(link))
        assert result.code == 0, result.stderr
        assert link.is_symlink()
        assert (tmp_path / "www/index.html").is_file()
        assert leftovers(link) == [] and leftovers(tmp_path / "www") == []


def test_a_symlink_left_where_the_staging_folder_goes_is_removed_not_followed(tmp_path: Path) -> None:
    root = site(tmp_path / "site", {"a.md": article()})
    keep = write_tree(tmp_path / "keep", {"precious.txt": "keep me"})
    (root / ".public.newsgen-staging").symlink_to(keep)
    result = build(root)
    assert result.code == 0, result.stderr
    assert (keep / "precious.txt").read_text() == "keep me"
    assert leftovers(root / "public") == []


def test_two_builds_into_one_output_at_once_both_succeed_and_one_wins_whole(tmp_path: Path) -> None:
    sites = [demo_site(tmp_path / "first"), demo_site(tmp_path / "second")]
    write_tree(sites[1], {"static/second.txt": "the second site"})
    references = []
    for index, root in enumerate(sites):
        reference = tmp_path / f"reference-{index}"
        assert newsgen("build", str(root), "--out", str(reference)).wait() == 0
        references.append(tree(reference))
    out = tmp_path / "public"
    for _ in range(4):
        processes = [newsgen("build", str(root), "--out", str(out)) for root in sites]
        results = [process.communicate() for process in processes]
        assert [process.returncode for process in processes] == [0, 0], results
        assert tree(out) in references
        assert leftovers(out) == []
