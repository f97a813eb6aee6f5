"""The only code that writes the built site.

A cold build writes the whole site into a staging folder beside the output
folder and swaps it in only when it is whole. An incremental build stages only
the files that changed. Where Linux can exchange two folders in one step, it
then brings a spare tree kept beside the output (a copy of the output made of
hard links to its files) to the new build and exchanges it with the output: the
output is the old or the new build at every instant, and the old one, brought
to the new build by hard links, becomes the next spare. Elsewhere (or for a build
folder no one reads during a build) the update commits by renaming a journal
(the list of files to move in and to delete) into place, and applies it; a
build killed before the commit leaves the previous output as it was, one killed
after it is rolled forward from the journal at the start of the next build.
Every path is checked to stay inside the output.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError, SourceLocation, UsageError

if sys.platform != "win32":
    import fcntl
from .models import CopiedFile, OutputFile

MARKER = ".newsgen-output"
# The site's folders an output must not be in: its sources, and the build cache (deleted whole when found damaged).
SOURCE_FOLDERS = ("content", "templates", "static", ".newsgen-cache")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _load_renameat2() -> ctypes._NamedFuncPointer | None:
    """glibc's ``renameat2``, which can swap two paths in one step; None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        # The process's own symbols, libc's among them (``ctypes.util.find_library`` would run ``ldconfig``).
        function: ctypes._NamedFuncPointer = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _load_renameat2()


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically (Linux ``RENAME_EXCHANGE``); False where the system cannot."""
    if _RENAMEAT2 is None:
        return False
    result = _RENAMEAT2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _staging(out: Path) -> Path:
    return out.parent / f".{out.name}.newsgen-staging"


def _retired(out: Path) -> Path:
    return out.parent / f".{out.name}.newsgen-old"


def _journal(out: Path) -> Path:
    return out.parent / f".{out.name}.newsgen-journal"


def _spare(out: Path) -> Path:
    """The folder beside ``out`` that keeps the spare tree (``tree``), what is known of it (``state.json``) and
    the spent files (``spent``)."""
    return out.parent / f".{out.name}.newsgen-spare"


def _spent(out: Path) -> Path:
    return _spare(out) / "spent"


SPARE_ENTRIES = frozenset({"tree", "state.json", "state.json.tmp", "spent"})
# Files of earlier builds, replaced since, kept (at most this many, in the spare's ``spent`` folder) to be written
# over by later updates: ext4 finds a new file an inode by skipping every inode freed in the last minutes, which
# after a few builds took 0.2-0.8 ms a file, while a file written over in place takes 0.02 ms.
SPENT_LIMIT = 2048
# The folders newsgen keeps beside an output: never an output themselves.
_SIBLING = re.compile(r"\..+\.newsgen-(staging|old|spare)")


def check_output_dir(out: Path, site: Path) -> None:
    """Refuse an output folder that a swap would destroy something precious with."""
    out, site = out.resolve(), site.resolve()
    forbidden = {Path("/"), Path.home().resolve()}
    if out in forbidden:
        raise UsageError(SourceLocation(out), "refusing to build into / or the home folder; pick an empty folder")
    if out == site or site.is_relative_to(out):
        raise UsageError(SourceLocation(out), "the output folder must not be the site folder or contain it")
    for name in SOURCE_FOLDERS:
        if out.is_relative_to(site / name):
            raise UsageError(SourceLocation(out), f"the output folder must not be inside the site's {name}/ folder")
    if out.exists() and not out.is_dir():
        raise UsageError(SourceLocation(out), "the output path exists and is not a folder")
    if any(_SIBLING.fullmatch(part) for part in out.parts):
        raise UsageError(SourceLocation(out), "this folder is one newsgen keeps beside an output; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(
            SourceLocation(out),
            "the output folder holds files newsgen did not build; empty it or choose another --out",
        )
    spare = _spare(out)
    if _real_folder(spare) and any(entry.name not in SPARE_ENTRIES for entry in spare.iterdir()):
        raise UsageError(
            SourceLocation(spare),
            "this folder beside the output holds files newsgen did not make; remove it or choose another --out",
        )


def recover(out: Path) -> None:
    """Put right what an interrupted build left: finish a committed update, restore a retired output,
    drop a staging folder."""
    retired, staging = _retired(out), _staging(out)
    if _journal(out).exists():
        _apply_journal(out)
    if retired.exists():
        if not out.exists():
            os.rename(retired, out)
        elif _real_folder(_spare(out)) and not (_spare(out) / "tree").exists():
            os.rename(retired, _spare(out) / "tree")  # the last step of a swap without an exchange
        else:
            _remove(retired)
    if staging.exists() or staging.is_symlink():
        _remove(staging)


def _remove(path: Path) -> None:
    """Delete a leftover folder, or only the link when it is a symlink (never what it points to)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)


def _escapes(relative: str) -> bool:
    """Whether ``relative`` is no plain path inside a folder: absolute, empty, with an empty, ``.`` or ``..`` part
    or a NUL."""
    return relative.startswith("/") or "\x00" in relative or not _FORBIDDEN_PARTS.isdisjoint(relative.split("/"))


def _place(root: Path | str, relative: str) -> str:
    """Where ``relative`` is inside ``root``; ``OutputError`` for a path that would lead out of it."""
    if _escapes(relative):
        raise OutputError(SourceLocation(Path(relative)), "refusing to write outside the output folder")
    return os.path.join(root, relative)


def _target(root: Path, relative: str) -> Path:
    return Path(_place(root, relative))


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder`` exclusively: a second build writing beside it waits instead of taking its staging folder.

    The lock is on the folder itself, so nothing is left behind; closing releases it.
    """
    if sys.platform == "win32":
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def write_site(out: Path, files: Iterable[OutputFile], copies: Iterable[CopiedFile]) -> int:
    """Write the whole site into ``out`` at once (a cold build); return how many files it holds."""
    files, copies = list(files), list(copies)
    with exclusive(out) as target:
        staging = begin(target, incremental=False)
        try:
            check_paths(files, copies)
            for copy in copies:
                copy_file(staging, copy.path, copy.source)
            for file in files:
                write_file(staging, file.path, file.data)
        except OutputError:
            abandon(staging)
            raise
        finish(staging, stamp="")
    return len(files) + len(copies)


def check_paths(files: Iterable[OutputFile], copies: Iterable[CopiedFile]) -> None:
    """Raise ``OutputError`` where writing the site would fail: a path outside the output, two files on one path."""
    claim_paths(
        [(copy.path, str(copy.source)) for copy in copies]
        + [(file.path, f"the generated {file.path}") for file in files]
    )


@contextlib.contextmanager
def exclusive(out: Path) -> Iterator[Path]:
    """Hold the output's parent folder for a build (a second build waits); yields the output folder to use
    (a symlinked output is written where it points)."""
    if out.is_symlink():
        out = out.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock = _folder_lock(out.parent)
        lock.__enter__()
    except OSError as exc:
        raise _fail(exc, out) from None
    try:
        yield out
    finally:
        lock.__exit__(None, None, None)


@dataclass(frozen=True, slots=True)
class Staging:
    """Files of a new build being written beside ``out``: the whole tree, or (``incremental``) only what changed;
    ``spare``: an update is swapped in whole through the spare tree (else applied in place under a journal)."""

    out: Path
    root: Path
    incremental: bool
    spare: bool = False
    # the spent files an update may write over (``write_file``'s ``slot``)
    spent: tuple[str, ...] = ()


def output_stamp(out: Path) -> str:
    """The stamp the last build left in the output's marker ('' when there is none)."""
    try:
        lines = (out / MARKER).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return lines[1].removeprefix("stamp: ") if len(lines) > 1 else ""


def _fail(exc: OSError, fallback: Path | str) -> OutputError:
    return OutputError(SourceLocation(Path(exc.filename or fallback)), f"cannot write the site: {exc.strerror or exc}")


def settle(out: Path) -> None:
    """``recover`` for a build about to read the output: what an interrupted build left is put right first."""
    try:
        recover(out)
    except OSError as exc:
        raise _fail(exc, out) from None


def begin(out: Path, *, incremental: bool, spare: bool = True) -> Staging:
    """Start writing a build; ``incremental`` only when ``out`` holds the build the cache describes. ``spare``:
    keep a spare tree beside ``out`` so that updates are swapped in whole (where the system can exchange folders);
    off for a build folder that no one reads while it is built."""
    try:
        recover(out)
        staging = _staging(out)
        staging.mkdir(parents=True)
    except OSError as exc:
        raise _fail(exc, out) from None
    incremental = incremental and out.is_dir()
    spare = spare and _RENAMEAT2 is not None
    spent: tuple[str, ...] = ()
    folder = _spent(out)
    if incremental and spare and _real_folder(folder):
        with contextlib.suppress(OSError):
            spent = tuple(os.path.join(folder, name) for name in os.listdir(folder))
    return Staging(out, staging, incremental, spare, spent)


# What no part of a path inside the output folder may be.
_FORBIDDEN_PARTS = frozenset(("", ".", ".."))


def claim_paths(paths: Iterable[tuple[str, str]]) -> None:
    """Refuse two files for one path (by the rules of a case-insensitive, normalising file system) or an escape."""
    owners: dict[str, str] = {}
    for relative, owner in paths:
        key = unicodedata.normalize("NFC", relative).casefold()
        if key in owners:
            raise OutputError(SourceLocation(Path(relative)), f"two files for one path: {owners[key]} and {owner}")
        owners[key] = owner
        if _escapes(relative):
            raise OutputError(SourceLocation(Path(relative)), "refusing to write outside the output folder")


def _open_target(root: Path, relative: str) -> Path:
    target = _target(root, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _flat(staging_root: Path, relative: str) -> str:
    """Where an update stages ``relative``: flat, named by a hash of the path (no folders to make and remove)."""
    _place(staging_root, relative)
    return os.path.join(staging_root, hashlib.sha1(relative.encode("utf-8", "surrogatepass")).hexdigest())


def _staged(staging: Staging, relative: str) -> Path | str:
    return _flat(staging.root, relative) if staging.incremental else _open_target(staging.root, relative)


def write_file(staging: Staging, relative: str, data: bytes, slot: int | None = None) -> None:
    """Stage ``data`` for ``relative``; ``slot``: which of the spent files to write it over, if there is one
    (two writes at once, in two processes, must use two slots)."""
    try:
        staged = _staged(staging, relative)
        if slot is None or slot >= len(staging.spent) or not _write_over(staging.spent[slot], staged, data):
            with open(staged, "wb") as stream:
                stream.write(data)
    except OSError as exc:
        raise _fail(exc, relative) from None


def _write_over(spent: str, staged: Path | str, data: bytes) -> bool:
    """Write ``data`` over the spent file, and move it to ``staged``; False (the file left alone, or removed)
    when it is gone, or may be read: open elsewhere (Linux grants a write lease only to the sole holder of a
    file), or linked elsewhere. A reader of an old build's file never sees it change."""
    try:
        descriptor = os.open(spent, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        try:
            fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_WRLCK)
            fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_UNLCK)
            info = os.fstat(descriptor)
            usable = stat.S_ISREG(info.st_mode) and info.st_nlink == 1
        except OSError:
            usable = False
        if not usable:
            with contextlib.suppress(OSError):
                os.unlink(spent)
            return False
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.ftruncate(descriptor, len(data))
    finally:
        os.close(descriptor)
    os.rename(spent, staged)
    return True


def copy_file(staging: Staging, relative: str, source: Path) -> None:
    try:
        shutil.copyfile(source, _staged(staging, relative))
    except OSError as exc:
        raise _fail(exc, relative) from None


def finish(staging: Staging, *, stamp: str, written: Sequence[str] = (), deleted: Sequence[str] = ()) -> None:
    """Make the staged build the output: swap the whole tree in, or commit and apply the journal of an update
    (``written``: the staged files; ``deleted``: files of the old output the new build no longer has)."""
    out = staging.out
    try:
        if not staging.incremental:
            _write_marker(staging.root, stamp)
            if not out.exists():
                os.rename(staging.root, out)
                return
            if exchange(staging.root, out):
                old = staging.root  # the old site, now in the staging folder
            else:
                os.rename(out, _retired(out))
                os.rename(staging.root, out)
                old = _retired(out)
            if staging.spare:
                _keep_as_spare(out, old, stamp)
            else:
                shutil.rmtree(old, ignore_errors=True)
            return
        for relative in deleted:
            _place(out, relative)
        if staging.spare:
            _swap_update(staging, stamp, written, deleted)
            return
        if _real_folder(_spare(out)):
            _spare_state(out).unlink(missing_ok=True)  # the output changes in place: the spare no longer matches
        # An output that cannot be changed (read-only, immutable) must fail before the commit, not after it.
        probe = out / f".newsgen-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        pending = staging.root / ".journal"
        pending.write_text(json.dumps({"stamp": stamp, "written": list(written), "deleted": list(deleted)}))
        os.replace(pending, _journal(out))  # the commit: from here on the update is rolled forward
        _apply_journal(out)
    except OSError as exc:
        abandon(staging)
        raise _fail(exc, out) from None


def _real_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _spare_state(out: Path) -> Path:
    return _spare(out) / "state.json"


def _save_spare_state(out: Path, live: Sequence[str], spare: Sequence[str], differ: Iterable[str]) -> None:
    """Record that the spare tree holds the same files as the output, except perhaps at the paths ``differ``,
    while the output's marker names one of the builds ``live`` and the spare's one of ``spare``."""
    state = _spare_state(out)
    pending = state.with_name(f"{state.name}.tmp")
    pending.write_text(json.dumps({"live": list(live), "spare": list(spare), "differ": sorted(differ)}))
    os.replace(pending, state)


def _spare_differs(out: Path) -> list[str] | None:
    """The paths where the spare tree may differ from the output, or None when the spare is missing or unknown."""
    spare = _spare(out)
    tree = spare / "tree"
    if spare.is_symlink() or tree.is_symlink() or not (tree / MARKER).is_file():
        return None
    try:
        state = json.loads(_spare_state(out).read_text())
        live, spare_stamps, differ = state["live"], state["spare"], state["differ"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(live, list) and isinstance(spare_stamps, list) and isinstance(differ, list)):
        return None
    if output_stamp(out) not in live or output_stamp(tree) not in spare_stamps:
        return None
    if not all(isinstance(relative, str) for relative in differ):
        return None
    try:
        for relative in differ:
            _place(tree, relative)
    except OutputError:
        return None
    return differ


def _make_spare(out: Path) -> None:
    """Make the spare tree hold exactly the output's files, by hard links (what it holds already is kept)."""
    spare = _spare(out)
    if spare.is_symlink() or (spare.exists() and not spare.is_dir()):
        spare.unlink()
    spare.mkdir(exist_ok=True)
    _spare_state(out).unlink(missing_ok=True)
    tree = spare / "tree"
    if tree.is_symlink() or (tree.exists() and not tree.is_dir()):
        tree.unlink()
    tree.mkdir(exist_ok=True)
    _mirror(out, tree)
    _save_spare_state(out, [output_stamp(out)], [output_stamp(out)], [])


def ready_spare(out: Path) -> None:
    """Make the output's spare tree now if it has none (where folders can be exchanged), so that the next update
    need not: ``newsgen serve`` calls it while it waits for the first save. It holds the output's lock like a
    build; a failure only leaves the spare to the next update."""
    if _RENAMEAT2 is None:
        return
    with exclusive(out) as out, contextlib.suppress(OSError):
        settle(out)
        if (out / MARKER).is_file() and _spare_differs(out) is None:
            _make_spare(out)


def _mirror(source: Path, copy: Path) -> None:
    """Make ``copy`` hold what ``source`` holds, every file a hard link to the source's; a file already linked
    is left alone, so a tree that differs little from the source costs little more than reading both."""
    pending = [(str(source), str(copy), False)]  # a folder, its copy, and whether the copy was just made (empty)
    while pending:
        origin, mirror, empty = pending.pop()
        with os.scandir(origin) as listing:
            wanted = {entry.name: entry for entry in listing}
        present: dict[str, os.DirEntry[str]] = {}
        if not empty:
            with os.scandir(mirror) as listing:
                present = {entry.name: entry for entry in listing}
        for name, entry in list(present.items()):
            twin = wanted.get(name)
            if twin is None or twin.is_dir(follow_symlinks=False) != entry.is_dir(follow_symlinks=False):
                _remove(Path(entry.path))
                del present[name]
        for name, entry in wanted.items():
            made = os.path.join(mirror, name)
            if entry.is_dir(follow_symlinks=False):
                if name not in present:
                    os.mkdir(made)
                pending.append((entry.path, made, name not in present))
            elif name not in present or present[name].inode() != entry.inode():
                if name in present:
                    os.unlink(made)
                os.link(entry.path, made, follow_symlinks=False)


def _clear_way(root: Path, target: Path) -> None:
    """Make room for a file at ``target``: every folder above it exists and is a folder, ``target`` is no folder."""
    folder = root
    for part in target.relative_to(root).parts[:-1]:
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            folder.unlink()
        folder.mkdir(exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)


def _drop(root: Path, target: Path) -> None:
    """Delete ``target`` from the tree ``root``, and the folders it leaves empty."""
    try:
        target.unlink()
    except FileNotFoundError:
        pass
    except (IsADirectoryError, PermissionError):
        if not target.is_dir() or target.is_symlink():
            raise
        shutil.rmtree(target)
    folder = target.parent
    while folder != root:
        try:
            folder.rmdir()
        except OSError:  # not empty, or gone
            break
        folder = folder.parent


def _follow(out: Path, tree: Path, paths: Iterable[str], gone: set[str], spent: Path | None = None) -> None:
    """Make each of ``paths`` in ``tree`` what it is in the output: a hard link to the output's file, or nothing
    (for the paths in ``gone`` and those the output lacks). ``spent``: where to keep the files replaced (up to
    ``SPENT_LIMIT`` there), for later updates to write over."""
    keep: list[tuple[str, str, int]] = []
    # First what goes (a file may become a folder), then what stays.
    for relative in sorted(paths):
        source, target = _place(out, relative), _place(tree, relative)
        try:
            found = None if relative in gone else os.lstat(source)
        except (FileNotFoundError, NotADirectoryError):
            found = None
        if found is not None and stat.S_ISREG(found.st_mode):
            keep.append((source, target, found.st_ino))
        else:
            _drop(tree, Path(target))
    folder, room = "", 0
    if spent is not None:
        with contextlib.suppress(OSError):
            spent.mkdir(exist_ok=True)
            if _real_folder(spent):  # never a symlink: what it is kept in is written over
                folder, room = str(spent), SPENT_LIMIT - len(os.listdir(spent))
    for source, target, inode in keep:
        try:
            found = os.lstat(target)
            if found.st_ino == inode:
                continue
            if room > 0 and stat.S_ISREG(found.st_mode) and found.st_nlink == 1:
                os.rename(target, os.path.join(folder, str(found.st_ino)))
                room -= 1
            else:
                os.unlink(target)
        except FileNotFoundError:
            pass
        except (IsADirectoryError, PermissionError):
            _clear_way(tree, Path(target))
        try:
            os.link(source, target)
        except (FileNotFoundError, NotADirectoryError):
            _clear_way(tree, Path(target))
            os.link(source, target)


def _swap_update(staging: Staging, stamp: str, written: Sequence[str], deleted: Sequence[str]) -> None:
    """Bring the spare tree to the new build, exchange it with the output, then bring the old output (the new
    spare) to the new build too. The spare's state names a superset of the paths where it may differ from the
    output before anything is changed, so a build killed at any point leaves the output whole and a spare that
    the next build can bring up to date from that state."""
    out = staging.out
    tree = _spare(out) / "tree"
    differ = _spare_differs(out)
    if differ is None:
        _make_spare(out)
        differ = []
    changed = set(written) | set(deleted)
    touched = changed | set(differ)
    before, after = output_stamp(out), output_stamp(tree)
    # The spare's marker names the build it had, then the new one, then (exchanged) the old output's, and last
    # (caught up) the new one again.
    _save_spare_state(out, [before, stamp], [after, stamp, before], touched)
    _follow(out, tree, touched.difference(written), set(deleted))
    for relative in written:
        staged, target = _flat(staging.root, relative), _place(tree, relative)
        try:
            os.replace(staged, target)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            if not os.path.exists(staged):
                raise
            _clear_way(tree, Path(target))
            os.replace(staged, target)
    _write_marker(tree, stamp)
    if not exchange(tree, out):  # a file system that cannot exchange: two renames, the output missing between
        os.rename(out, _retired(out))
        os.rename(tree, out)
        os.rename(_retired(out), tree)
    shutil.rmtree(staging.root, ignore_errors=True)
    # The new output is in place; what follows only saves the next build work (the state saved above still
    # holds if it fails). Catching up now, rather than at the next build, keeps a small edit after a large change
    # (a template, the config) from paying for the large one again.
    with contextlib.suppress(OSError):
        _follow(out, tree, changed | {MARKER}, set(deleted), _spent(out))
        _save_spare_state(out, [stamp], [stamp], [])


def _keep_as_spare(out: Path, old: Path, stamp: str) -> None:
    """After a cold build: the old output becomes the spare tree (cheaper than deleting it), made to match the
    new output by hard links. The new output is already in place: a failure here only leaves no spare."""
    spare = _spare(out)
    with contextlib.suppress(OSError):
        if spare.is_symlink() or (spare.exists() and not spare.is_dir()):
            spare.unlink()
        spare.mkdir(exist_ok=True)
        _spare_state(out).unlink(missing_ok=True)
        tree = spare / "tree"
        if tree.exists() or tree.is_symlink():
            _remove(tree)
        os.rename(old, tree)
        _mirror(out, tree)
        _save_spare_state(out, [stamp], [stamp], [])
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _write_marker(root: Path, stamp: str) -> None:
    temporary = root / f"{MARKER}.tmp"
    temporary.write_text(f"built by newsgen; this folder is replaced whole on every build\nstamp: {stamp}\n")
    os.replace(temporary, root / MARKER)


def _apply_journal(out: Path) -> None:
    """Move the staged files of a committed update into ``out`` and delete the dropped ones (repeatable)."""
    journal = _journal(out)
    staging = _staging(out)
    entries = json.loads(journal.read_text())
    for relative in entries["written"]:
        staged = _flat(staging, relative)
        if os.path.exists(staged):
            target = _target(out, relative)
            try:
                os.replace(staged, target)
            except FileNotFoundError:  # a new folder in the output
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
    for relative in entries["deleted"]:
        target = _target(out, relative)
        target.unlink(missing_ok=True)
        folder = target.parent
        while folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    _write_marker(out, entries["stamp"])
    journal.unlink()
    shutil.rmtree(staging, ignore_errors=True)


def abandon(staging: Staging) -> None:
    """Drop a build that will not be finished; the old output stays as it was. (An update whose journal is
    committed is not dropped: the next build rolls it forward.)"""
    if _journal(staging.out).exists():
        return
    shutil.rmtree(staging.root, ignore_errors=True)
    recover(staging.out)
