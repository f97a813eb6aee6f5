"""The spare tree through which incremental updates are swapped in: kept up to date, never trusted when it is
missing, damaged or unknown, and never a hazard."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from newsgen.build import build
from newsgen.config import load_config
from newsgen.errors import UsageError
from newsgen.output import MARKER

from .test_incremental import NOW, Site, cold_tree, output_tree


def files(folder: Path) -> dict[str, bytes]:
    """``output_tree`` with the marker, which names the build."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def spare_of(out: Path) -> Path:
    return out.parent / f".{out.name}.newsgen-spare"


def make(site: Site, *, clean: bool = False, spare: bool = True) -> None:
    build(load_config(site.root), site.root / "public", now=NOW, jobs=1, clean=clean, spare=spare)


def assert_cold(site: Site, scratch: Path) -> None:
    assert output_tree(site.root / "public") == cold_tree(site.root, scratch, NOW)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path / "site", random.Random(7))


def test_the_spare_is_the_output_again_by_hard_links(site: Site, tmp_path: Path) -> None:
    out = site.root / "public"
    make(site)  # into an empty place: no spare yet
    assert not spare_of(out).exists()
    builds = [files(out)]
    for operation in ("title", "add", "delete", "body"):
        site.edit(operation, NOW)
        make(site)
        builds.append(files(out))
        assert_cold(site, tmp_path / "cold")
        assert builds[-1] != builds[-2]
        tree = spare_of(out) / "tree"
        assert files(tree) == builds[-1], f"after {operation}: the spare is not the output"
        for name in builds[-1]:
            assert (tree / name).stat().st_ino == (out / name).stat().st_ino, name
    assert sorted(path.name for path in spare_of(out).iterdir()) == ["spent", "state.json", "tree"]


def inodes(folder: Path) -> set[int]:
    return {path.stat().st_ino for path in folder.rglob("*") if path.is_file()}


def test_the_files_an_update_replaces_are_kept_spent_and_written_over_by_the_next(site: Site, tmp_path: Path) -> None:
    out = site.root / "public"
    earlier: set[int] = set()
    for operation in ("build", "title", "title"):
        if operation != "build":
            site.edit(operation, NOW)
        earlier |= inodes(out) if out.exists() else set()
        make(site)
    spent = {path.stat().st_ino: path for path in (spare_of(out) / "spent").iterdir()}
    # Files of the earlier builds, each kept under its inode, in no tree, and no longer in the output.
    assert spent and spent.keys() <= earlier and spent.keys().isdisjoint(inodes(out))
    assert all(path.name == str(inode) and path.stat().st_nlink == 1 for inode, path in spent.items())
    site.edit("title", NOW)
    make(site)
    assert_cold(site, tmp_path / "cold")
    written_over = spent.keys() & inodes(out)
    assert written_over, "no spent file was used"
    assert all(not path.exists() for inode, path in spent.items() if inode in written_over)


def test_a_spent_file_that_is_open_is_never_written_over(site: Site, tmp_path: Path) -> None:
    """A reader (a web server sending a page) that opened a file of an old build reads that build to the end."""
    out = site.root / "public"
    make(site)
    site.edit("title", NOW)
    make(site)
    held = {path: (path.open("rb"), path.read_bytes()) for path in out.rglob("*") if path.is_file()}
    try:
        for _ in range(2):
            site.edit("title", NOW)
            make(site)
            assert_cold(site, tmp_path / "cold")
            assert any((spare_of(out) / "spent").iterdir())
        for path, (stream, data) in held.items():
            stream.seek(0)
            assert stream.read() == data, f"{path} changed under its reader"
    finally:
        for stream, _ in held.values():
            stream.close()


def test_a_cold_build_keeps_the_old_output_as_the_spare(site: Site, tmp_path: Path) -> None:
    out = site.root / "public"
    make(site)
    site.edit("title", NOW)
    make(site, clean=True)
    assert_cold(site, tmp_path / "cold")
    # The old tree was made to match the new output by hard links.
    assert files(spare_of(out) / "tree") == files(out)
    index = "index.html"
    assert (spare_of(out) / "tree" / index).stat().st_ino == (out / index).stat().st_ino
    for operation in ("add", "section", "config"):
        site.edit(operation, NOW)
        make(site)
        assert_cold(site, tmp_path / "cold")


def _drop_spare(spare: Path) -> None:
    shutil.rmtree(spare)


def _garble_state(spare: Path) -> None:
    (spare / "state.json").write_text("{not json")


def _drop_state(spare: Path) -> None:
    (spare / "state.json").unlink()


def _foreign_stamp(spare: Path) -> None:
    state = json.loads((spare / "state.json").read_text())
    (spare / "state.json").write_text(json.dumps({**state, "live": ["0" * 32]}))


def _escaping_path(spare: Path) -> None:
    state = json.loads((spare / "state.json").read_text())
    (spare / "state.json").write_text(json.dumps({**state, "differ": ["../../escape.html"]}))


def _drop_marker(spare: Path) -> None:
    (spare / "tree" / MARKER).unlink()


def _drop_half(spare: Path) -> None:
    shutil.rmtree(spare / "tree")
    (spare / "tree").mkdir()
    (spare / "tree" / MARKER).write_text("half a tree\n")


def _file_for_folder(spare: Path) -> None:
    shutil.rmtree(spare / "tree")
    (spare / "tree").write_text("not a folder")


@pytest.mark.parametrize(
    "damage",
    [
        _drop_spare,
        _garble_state,
        _drop_state,
        _foreign_stamp,
        _escaping_path,
        _drop_marker,
        _file_for_folder,
        _drop_half,
    ],
    ids=lambda damage: damage.__name__.strip("_"),
)
def test_a_missing_damaged_or_unknown_spare_is_rebuilt_not_trusted(
    site: Site, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    out = site.root / "public"
    make(site)
    site.edit("title", NOW)
    make(site)
    damage(spare_of(out))
    for operation in ("tags", "add", "delete"):
        site.edit(operation, NOW)
        make(site)
        assert_cold(site, tmp_path / "cold")
    assert not (site.root.parent / "escape.html").exists()


def test_an_update_killed_half_way_through_the_spare_is_finished_by_the_next(site: Site, tmp_path: Path) -> None:
    """The spare as a kill while it was being brought forward may leave it: some files new, some gone."""
    out = site.root / "public"
    make(site)
    site.edit("title", NOW)
    make(site)
    tree = spare_of(out) / "tree"
    touched = sorted(name for name in files(out) if name != MARKER)[:5]
    state = json.loads((spare_of(out) / "state.json").read_text())
    (tree / touched[0]).unlink()
    (tree / touched[1]).unlink()
    (tree / touched[1]).mkdir()  # a file become a folder
    (tree / touched[2]).unlink()  # a file of its own: the spare's files are the output's too
    (tree / touched[2]).write_bytes(b"half written")
    (tree / "stray" / "index.html").parent.mkdir()
    (tree / "stray" / "index.html").write_bytes(b"a file of a build never finished")
    # What the killed update wrote down before it touched the spare: every path it was going to change.
    state["differ"] = sorted({*state["differ"], *touched, "stray/index.html"})
    (spare_of(out) / "state.json").write_text(json.dumps(state))
    site.edit("body", NOW)
    make(site)
    assert_cold(site, tmp_path / "cold")
    site.edit("add", NOW)
    make(site)
    assert_cold(site, tmp_path / "cold")


def test_a_swap_interrupted_between_its_renames_is_put_right(site: Site, tmp_path: Path) -> None:
    """Where folders cannot be exchanged, the output is renamed aside, the spare renamed in, and the old output
    renamed to the spare: a kill before the last rename leaves the old output aside."""
    out = site.root / "public"
    make(site)
    site.edit("title", NOW)
    make(site)
    (spare_of(out) / "tree").rename(site.root / ".public.newsgen-old")
    site.edit("add", NOW)
    make(site)
    assert_cold(site, tmp_path / "cold")
    assert not (site.root / ".public.newsgen-old").exists()


def test_a_symlink_where_the_spare_goes_is_not_followed(site: Site, tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious.txt").write_text("keep me")
    make(site)
    spare_of(site.root / "public").symlink_to(keep)
    site.edit("title", NOW)
    make(site)
    assert_cold(site, tmp_path / "cold")
    assert sorted(path.name for path in keep.iterdir()) == ["precious.txt"]
    assert not spare_of(site.root / "public").is_symlink()


def test_a_symlink_where_the_spent_files_go_is_not_followed(site: Site, tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious.txt").write_text("keep me")
    out = site.root / "public"
    make(site)
    site.edit("title", NOW)
    make(site)
    shutil.rmtree(spare_of(out) / "spent")
    (spare_of(out) / "spent").symlink_to(keep)
    for _ in range(2):
        site.edit("title", NOW)
        make(site)
        assert_cold(site, tmp_path / "cold")
    assert sorted(path.name for path in keep.iterdir()) == ["precious.txt"]
    assert (keep / "precious.txt").read_text() == "keep me"


def test_the_spare_of_a_symlinked_output_is_beside_the_folder_it_points_to(site: Site, tmp_path: Path) -> None:
    (tmp_path / "www").mkdir()
    link = site.root / "public"
    link.symlink_to(tmp_path / "www")
    make(site)
    site.edit("title", NOW)
    make(site)
    assert link.is_symlink()
    assert spare_of(tmp_path / "www").is_dir() and not spare_of(link).exists()
    assert_cold(site, tmp_path / "cold")


def test_a_foreign_folder_where_the_spare_goes_or_an_output_inside_one_is_refused(site: Site) -> None:
    out = site.root / "public"
    make(site)
    site.edit("title", NOW)
    make(site)
    config = load_config(site.root)
    with pytest.raises(UsageError, match="one newsgen keeps beside an output"):
        build(config, spare_of(out) / "tree", now=NOW, jobs=1)
    (spare_of(out) / "notes.txt").write_text("mine")
    before = files(out)
    with pytest.raises(UsageError, match="holds files newsgen did not make"):
        make(site)
    assert files(out) == before
    assert (spare_of(out) / "notes.txt").read_text() == "mine"


def test_without_a_spare_an_update_is_applied_in_place(site: Site, tmp_path: Path) -> None:
    """What ``newsgen serve`` does with its own build folder, which no one reads while it is built."""
    out = site.root / "public"
    make(site, spare=False)
    for operation in ("title", "add", "delete"):
        site.edit(operation, NOW)
        make(site, spare=False)
        assert_cold(site, tmp_path / "cold")
    assert not spare_of(out).exists()
