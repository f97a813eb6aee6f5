"""The only code that writes the built site.

The new site is written into a staging folder beside the output folder and
swapped in only when it is whole, so a failed or killed build leaves the
previous output as it was; a leftover of an interrupted swap is put right at
the start of the next build. Every path is checked to stay inside the output.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from .errors import OutputError, SourceLocation, UsageError

if sys.platform != "win32":
    import fcntl
from .models import CopiedFile, OutputFile

MARKER = ".newsgen-output"
SOURCE_FOLDERS = ("content", "templates", "static")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _load_renameat2() -> ctypes._NamedFuncPointer | None:
    """glibc's ``renameat2``, which can swap two paths in one step; None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function: ctypes._NamedFuncPointer = libc.renameat2
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
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(
            SourceLocation(out),
            "the output folder holds files newsgen did not build; empty it or choose another --out",
        )


def recover(out: Path) -> None:
    """Put right what an interrupted build left: restore a retired output, drop a staging folder."""
    retired, staging = _retired(out), _staging(out)
    if retired.exists():
        if out.exists():
            _remove(retired)
        else:
            os.rename(retired, out)
    if staging.exists() or staging.is_symlink():
        _remove(staging)


def _remove(path: Path) -> None:
    """Delete a leftover folder, or only the link when it is a symlink (never what it points to)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)


def _target(root: Path, relative: str) -> Path:
    pure = PurePosixPath(relative)
    if pure.is_absolute() or not pure.parts or any(part in ("", ".", "..") or "\x00" in part for part in pure.parts):
        raise OutputError(SourceLocation(Path(relative)), "refusing to write outside the output folder")
    return root.joinpath(*pure.parts)


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


def _cannot_write(exc: OSError, out: Path) -> OutputError:
    return OutputError(SourceLocation(Path(exc.filename or out)), f"cannot write the site: {exc.strerror or exc}")


def write_site(out: Path, files: Iterable[OutputFile], copies: Iterable[CopiedFile]) -> int:
    """Write the whole site into ``out`` at once; return how many files it holds."""
    if out.is_symlink():
        # Swapping would replace the link itself; the site belongs where it points.
        out = out.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _folder_lock(out.parent):
            return _swap_in(out, files, copies)
    except OSError as exc:
        raise _cannot_write(exc, out) from None


def _swap_in(out: Path, files: Iterable[OutputFile], copies: Iterable[CopiedFile]) -> int:
    staging = _staging(out)
    try:
        recover(out)
        staging.mkdir(parents=True)
        count = _fill(staging, files, copies)
        (staging / MARKER).write_text("built by newsgen; this folder is replaced whole on every build\n")
        if not out.exists():
            os.rename(staging, out)
        elif exchange(staging, out):
            # The old site now sits in the staging folder; a kill before it is
            # removed leaves only a staging folder, which recover() drops.
            shutil.rmtree(staging, ignore_errors=True)
        else:
            os.rename(out, _retired(out))
            os.rename(staging, out)
            shutil.rmtree(_retired(out), ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        # Best effort: what cannot be put right now is put right by the next build.
        with contextlib.suppress(OSError):
            recover(out)
        raise _cannot_write(exc, out) from None
    except OutputError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


def _claim(owners: dict[str, str], relative: str, owner: str) -> None:
    key = unicodedata.normalize("NFC", relative).casefold()
    if key in owners:
        raise OutputError(SourceLocation(Path(relative)), f"two files for one path: {owners[key]} and {owner}")
    owners[key] = owner


def check_paths(files: Iterable[OutputFile], copies: Iterable[CopiedFile]) -> None:
    """Raise ``OutputError`` where writing the site would fail: a path outside the output, two files on one path."""
    owners: dict[str, str] = {}
    root = Path("/nonexistent")
    for copy in copies:
        _claim(owners, copy.path, str(copy.source))
        _target(root, copy.path)
    for file in files:
        _claim(owners, file.path, f"the generated {file.path}")
        _target(root, file.path)


def _fill(root: Path, files: Iterable[OutputFile], copies: Iterable[CopiedFile]) -> int:
    owners: dict[str, str] = {}
    made: set[Path] = set()
    count = 0

    def claim(relative: str, owner: str) -> Path:
        _claim(owners, relative, owner)
        target = _target(root, relative)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        return target

    for copy in copies:
        shutil.copyfile(copy.source, claim(copy.path, str(copy.source)))
        count += 1
    for file in files:
        claim(file.path, f"the generated {file.path}").write_bytes(file.data)
        count += 1
    return count
