"""Writing the output: a whole new site swapped in, an old one left intact on failure, dangerous folders refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgen.errors import OutputError, UsageError
from newsgen.models import CopiedFile, OutputFile
from newsgen.output import MARKER, check_output_dir, check_paths, write_site


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


def siblings(folder: Path) -> list[str]:
    """What is beside ``folder``, less the spare tree newsgen keeps there on purpose."""
    return sorted(path.name for path in folder.parent.iterdir() if path.name != f".{folder.name}.newsgen-spare")


def test_a_site_is_written_with_its_copies_and_the_marker(tmp_path: Path) -> None:
    source = tmp_path / "logo.svg"
    source.write_text("<svg/>")
    out = tmp_path / "public"
    count = write_site(
        out,
        [OutputFile("index.html", b"front"), OutputFile("city/index.html", b"city")],
        [CopiedFile("logo.svg", source)],
    )
    assert count == 3
    assert snapshot(out) == {
        MARKER: (out / MARKER).read_bytes(),
        "city/index.html": b"city",
        "index.html": b"front",
        "logo.svg": b"<svg/>",
    }
    assert siblings(out) == ["logo.svg", "public"]


def test_a_new_build_replaces_the_old_output_whole(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site(out, [OutputFile("index.html", b"old"), OutputFile("gone/index.html", b"gone")], [])
    write_site(out, [OutputFile("index.html", b"new")], [])
    assert set(snapshot(out)) == {MARKER, "index.html"}
    assert (out / "index.html").read_bytes() == b"new"
    # The old tree is kept as the spare of the next update, made to share every file with the new output.
    assert siblings(out) == ["public"]
    assert sorted(path.name for path in (tmp_path / ".public.newsgen-spare").iterdir()) == ["state.json", "tree"]
    spare = tmp_path / ".public.newsgen-spare/tree"
    assert snapshot(spare) == snapshot(out)
    assert (spare / "index.html").stat().st_ino == (out / "index.html").stat().st_ino


@pytest.mark.parametrize("bad_path", ["../escape.html", "/etc/passwd", "a/../../b.html", ""])
def test_a_path_outside_the_output_fails_and_leaves_the_old_output_byte_identical(
    tmp_path: Path, bad_path: str
) -> None:
    out = tmp_path / "public"
    write_site(out, [OutputFile("index.html", b"old front"), OutputFile("city/index.html", b"old city")], [])
    before = snapshot(out)
    with pytest.raises(OutputError) as error:
        write_site(out, [OutputFile("index.html", b"new"), OutputFile(bad_path, b"evil")], [])
    assert "refusing to write outside the output folder" in str(error.value)
    assert snapshot(out) == before
    assert siblings(out) == ["public"]
    assert not (tmp_path / "escape.html").exists()


def test_two_files_on_one_path_fail_and_leave_the_old_output(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site(out, [OutputFile("index.html", b"old")], [])
    before = snapshot(out)
    with pytest.raises(OutputError) as error:
        write_site(out, [OutputFile("City/index.html", b"a"), OutputFile("city/index.html", b"b")], [])
    assert "two files for one path" in str(error.value)
    assert snapshot(out) == before
    assert siblings(out) == ["public"]


def test_a_copy_that_cannot_be_read_fails_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site(out, [OutputFile("index.html", b"old")], [])
    before = snapshot(out)
    with pytest.raises(OutputError) as error:
        write_site(out, [OutputFile("index.html", b"new")], [CopiedFile("logo.svg", tmp_path / "missing.svg")])
    assert "cannot write the site" in str(error.value)
    assert snapshot(out) == before
    assert siblings(out) == ["public"]


def test_leftovers_of_an_interrupted_build_are_cleaned_up(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site(out, [OutputFile("index.html", b"old")], [])
    (tmp_path / ".public.newsgen-staging" / "half").mkdir(parents=True)
    write_site(out, [OutputFile("index.html", b"new")], [])
    assert siblings(out) == ["public"]
    assert (out / "index.html").read_bytes() == b"new"


def test_an_output_retired_by_an_interrupted_swap_is_restored(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site(out, [OutputFile("index.html", b"old")], [])
    out.rename(tmp_path / ".public.newsgen-old")  # killed between the two renames of a swap
    with pytest.raises(OutputError):
        write_site(out, [OutputFile("../x", b"")], [])
    assert (out / "index.html").read_bytes() == b"old"
    assert siblings(out) == ["public"]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    for folder in ("content", "templates", "static"):
        (site / folder).mkdir(parents=True)
    (site / "newsgen.yaml").write_text("title: T\n")
    return site


@pytest.mark.parametrize(
    ("out", "message"),
    [
        (".", "the output folder must not be the site folder or contain it"),
        ("..", "the output folder must not be the site folder or contain it"),
        ("content", "the output folder must not be inside the site's content/ folder"),
        ("content/public", "the output folder must not be inside the site's content/ folder"),
        ("templates", "the output folder must not be inside the site's templates/ folder"),
        ("static/out", "the output folder must not be inside the site's static/ folder"),
        (".newsgen-cache/out", "the output folder must not be inside the site's .newsgen-cache/ folder"),
    ],
)
def test_an_output_folder_that_would_destroy_sources_is_refused(site: Path, out: str, message: str) -> None:
    with pytest.raises(UsageError) as error:
        check_output_dir(site / out, site)
    assert error.value.message == message


def test_root_and_home_are_refused(site: Path) -> None:
    for folder in (Path("/"), Path.home()):
        with pytest.raises(UsageError) as error:
            check_output_dir(folder, site)
        assert "refusing to build into / or the home folder" in str(error.value)


def test_a_folder_newsgen_did_not_build_is_refused_unless_empty(site: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "photos"
    foreign.mkdir()
    check_output_dir(foreign, site)
    (foreign / "holiday.jpg").write_bytes(b"jpeg")
    with pytest.raises(UsageError) as error:
        check_output_dir(foreign, site)
    assert "holds files newsgen did not build" in str(error.value)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(UsageError):
        check_output_dir(a_file, site)


def test_the_default_and_a_former_output_are_accepted(site: Path, tmp_path: Path) -> None:
    check_output_dir(site / "public", site)
    out = tmp_path / "elsewhere"
    write_site(out, [OutputFile("index.html", b"x")], [])
    check_output_dir(out, site)


def test_check_paths_finds_what_writing_would_refuse_without_writing(tmp_path: Path) -> None:
    logo = CopiedFile("City/index.html", tmp_path / "static/City/index.html")
    with pytest.raises(OutputError) as error:
        check_paths([OutputFile("city/index.html", b"")], [logo])
    assert str(error.value) == (
        f"city/index.html: two files for one path: {tmp_path}/static/City/index.html and the generated city/index.html"
    )
    with pytest.raises(OutputError):
        check_paths([OutputFile("../x.html", b"")], [])
    check_paths([OutputFile("index.html", b""), OutputFile("city/index.html", b"")], [])
    assert list(tmp_path.iterdir()) == []
