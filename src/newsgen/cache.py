"""The build cache in ``SITE/.newsgen-cache/``: the only code that reads and writes it.

It remembers, from one build to the next, each content file's parsed form (by the
SHA-256 of its bytes) and a digest of the inputs and the bytes of every file written (so a page
whose inputs did not change is neither rendered nor written again), and the article cards the
templates' ``card()`` made (``theme.Cards``). Each file starts with a header naming newsgen's and Python's versions and
a checksum of the rest; a cache that is damaged, foreign or unreadable is ignored
and the build runs cold. Articles' bodies (their HTML and sub-sections) are kept apart, one file each in
``bodies/`` (``BodyStore``), and checked against their name when read: one found damaged then raises
``DamagedCache``, and the build starts again without the cache.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import hashlib
import io
import json
import os
import pickle
import shutil
import sys
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from . import __version__
from .content import Signature
from .index import Ranking
from .models import Article, Body, Correction, LeadImage, Link, Page, SubSection

CACHE_FOLDER = ".newsgen-cache"
# The keys and the pages; the parsed models are in parsed-NN.cache, the article cards in cards-NN.cache.
CACHE_FILE = "build.cache"
TEMPLATES_FOLDER = "templates"  # compiled templates
BODIES_FOLDER = "bodies"  # articles' HTML bodies, each in a file named by its SHA-256
MAGIC = b"newsgen-cache 2\n"


# A content file as parsed: the SHA-256 of its bytes, the Article or Page parsed from them, and its signature
# (size, mtime, inode and ctime) when it was read, or None: a file whose signature is unchanged is not read
# again (only files whose times were safely in the past have one). Kept with the model in its shard, the
# signature costs no path and no digest of its own.
ParsedEntry = tuple[str, Article | Page, Signature | None]

# A key of everything it was found from, and for each page template the digest of the templates it uses.
TemplateUses = tuple[str, Mapping[str, str | None]]


@dataclass(frozen=True, slots=True)
class BuildCache:
    """What one build leaves for the next."""

    parse_key: str = ""
    # source path → what was parsed from it (``ParsedEntry``)
    parsed: Mapping[str, ParsedEntry] = field(default_factory=dict)
    # the related articles of the last build and what they were chosen from
    ranking: Ranking = field(default_factory=Ranking)
    render_key: str = ""
    # which templates each page template uses, by digest, and the key of what that was found from
    templates: TemplateUses = ("", {})
    # the article cards the templates' ``card()`` made (``theme.Cards``), and the key of what they were made by
    cards_key: str = ""
    cards: Mapping[bytes, str] = field(default_factory=dict)
    # the digests of what the pages took from the site besides the articles (``Prepared.site``), of each person
    # a byline names (``Prepared.people``), of the site and the pages planned (``Prepared.layout``), and of
    # each group of pages' articles (``build.group_keys``)
    site: str = ""
    people: Mapping[str, str] = field(default_factory=dict)
    layout: str = ""
    groups: Mapping[str, bytes] = field(default_factory=dict)
    # the output folder the pages below were written to, and the stamp left in its marker
    out: str = ""
    stamp: str = ""
    # output path → the digest of everything the file was made from, then the SHA-256 of its bytes (32 bytes
    # each, as one value: a third of the memory of a pair of hex strings), for every file written
    outputs: Mapping[str, bytes] = field(default_factory=dict)


class DamagedCache(Exception):
    """A part of the build cache found missing or damaged while it is used: the build starts again, cold."""


def _body_file(folder: str, sha: str) -> str:
    """Where the body named ``sha`` is kept: on a shelf named by its first two characters."""
    return os.path.join(folder, sha[:2], sha)


def _encoded(body: Body) -> bytes:
    """A body as stored: its sub-sections as a line of JSON (``[[id, title], ...]``), then its HTML."""
    subsections = json.dumps([[part.id, part.title] for part in body.subsections], ensure_ascii=False)
    return f"{subsections}\n{body.html}".encode()


@dataclass(frozen=True, slots=True)
class StoredBody:
    """An article's body in the body store: ``folder/sha[:2]/sha``, checked against its name when read."""

    folder: str
    sha: str

    def read(self) -> Body:
        path = _body_file(self.folder, self.sha)
        try:
            with open(path, "rb") as stream:
                data = stream.read()
        except OSError as error:
            raise DamagedCache(f"{path}: {error.strerror}") from None
        if hashlib.sha256(data).hexdigest() != self.sha:
            raise DamagedCache(f"{path}: damaged")
        subsections, _, html = data.decode().partition("\n")
        return Body(html, tuple(SubSection(anchor, title) for anchor, title in json.loads(subsections)))


@dataclass(frozen=True, slots=True)
class BodyStore:
    """Where a build keeps the bodies of the articles it parses, with their sub-sections
    (``SITE/.newsgen-cache/bodies/``), so that the build holds only their names and a page or feed reads the
    bodies it shows. A body is stored once per distinct content; a folder that cannot be written leaves the
    body in memory."""

    folder: str

    def put(self, body: Body) -> Body | StoredBody:
        data = _encoded(body)
        sha = hashlib.sha256(data).hexdigest()
        path = _body_file(self.folder, sha)
        # Written in place, not beside and renamed (half the cost): a file left short by a killed build, like
        # any damaged one, is found when it is read. A file already there holds the same content.
        try:
            try:
                descriptor = os.open(path, _NEW_FILE, 0o666)
            except FileNotFoundError:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                descriptor = os.open(path, _NEW_FILE, 0o666)
        except FileExistsError:
            return StoredBody(self.folder, sha)
        except OSError:
            return body
        try:
            with open(descriptor, "wb") as stream:
                stream.write(data)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(path)
            return body
        return StoredBody(self.folder, sha)

    def keep(self, names: set[str], dropped: set[str] | None) -> None:
        """Remove the bodies ``dropped`` (every body not in ``names`` when None) but those in ``names``."""
        if dropped is None:
            dropped = set()
            with contextlib.suppress(OSError):
                for shelf in os.scandir(self.folder):
                    with contextlib.suppress(OSError):
                        dropped.update(entry.name for entry in os.scandir(shelf.path))
        for name in dropped - names:
            with contextlib.suppress(OSError):
                os.unlink(_body_file(self.folder, name))


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def body_store(site: Path) -> BodyStore:
    return BodyStore(str(site / CACHE_FOLDER / BODIES_FOLDER))


def _stored_bodies(parsed: Mapping[str, ParsedEntry]) -> set[str]:
    return {
        model.body.sha
        for _, model, _ in parsed.values()
        if isinstance(model, Article) and isinstance(model.body, StoredBody)
    }


# The parsed models are spread over this many files, so that one edit rewrites one of them.
SHARDS = 32
# Models are stored as their class and field values: loading calls the constructor, which is
# much faster than restoring a slotted dataclass field by field.
_MODELS: tuple[type, ...] = (Article, Body, Page, SubSection, Correction, LeadImage, Link, StoredBody)
_FIELDS: dict[type, tuple[str, ...]] = {kind: tuple(item.name for item in dataclasses.fields(kind)) for kind in _MODELS}


# The fields whose values many articles repeat: their strings are written interned, so that pickle, which
# writes an object it has written before as a reference to it, stores each once a file; a loaded shard then
# holds one string for each section, tag, name and body folder, not one an article (a third of a KB an article).
_REPEATED = frozenset({"section", "tags", "byline", "folder"})


def _interned(value: Any) -> Any:
    return sys.intern(value) if isinstance(value, str) else tuple(map(sys.intern, value))


def _reduce_model(model: object) -> tuple[type, tuple[object, ...]]:
    kind = type(model)
    return kind, tuple(
        _interned(getattr(model, name)) if name in _REPEATED else getattr(model, name) for name in _FIELDS[kind]
    )


_DISPATCH: dict[type, Callable[[Any], Any]] = {**copyreg.dispatch_table, **{kind: _reduce_model for kind in _MODELS}}


def code_version() -> str:
    """newsgen's version and a digest of its own code, so a cache from any other code is never trusted
    (an editable install changes without a new version number)."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


CODE_VERSION = code_version()


def _header() -> bytes:
    return f"newsgen {CODE_VERSION}; python {sys.version_info.major}.{sys.version_info.minor}\n".encode()


def cache_path(site: Path) -> Path:
    return site / CACHE_FOLDER / CACHE_FILE


def _shard_path(site: Path, kind: str, shard: int) -> Path:
    return site / CACHE_FOLDER / f"{kind}-{shard:02d}.cache"


def _model_shard(source: str) -> int:
    return zlib.crc32(source.encode("utf-8", "surrogatepass")) % SHARDS


def _card_shard(key: bytes) -> int:
    return key[0] % SHARDS  # the first byte of the card's article's digest


def _checksum(payload: bytes | memoryview) -> bytes:
    # CRC-32 finds the damage a cache can come to (a torn or altered file) at a third of SHA-256's cost,
    # which counts for the models and pages of a large site; a cache is never trusted as a security boundary.
    return f"{zlib.crc32(payload):08x}".encode()


def _read(path: Path) -> object:
    """The value stored at ``path``, or None when it is missing, damaged or from another version."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    prefix = MAGIC + _header()
    if not data.startswith(prefix) or len(data) < len(prefix) + 9:
        return None
    view = memoryview(data)  # the payload is not copied out of the file's bytes
    checksum, payload = view[len(prefix) : len(prefix) + 8], view[len(prefix) + 9 :]
    if _checksum(payload) != checksum:
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # a payload that passed the checksum but does not load is still only a cache
        return None


def _write(path: Path, value: object) -> None:
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    payload = stream.getbuffer()
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as output:
            output.write(MAGIC + _header() + _checksum(payload) + b"\n")
            output.write(payload)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates, kept in ``SITE/.newsgen-cache/templates/`` so that a rebuild which renders a
    page does not compile its templates again (about 0.1 s for the theme's).

    Jinja checks each template's source against the one compiled. What else the compiled code depends on —
    the environment's options, set by newsgen's code, and its filters, which Jinja applies at compile time
    to constant arguments, set by the configuration — is in ``key``; the files are named after it and
    Jinja's version. Templates compiled during a build are kept in memory and written by ``save_cache``,
    so a build that fails writes nothing. A folder that cannot be read or written only means compiling again.
    """

    def __init__(self, site: Path, key: str) -> None:
        super().__init__(str(site / CACHE_FOLDER / TEMPLATES_FOLDER), f"{_template_stamp(key)}-%s.cache")
        self.key = key
        self.fresh: dict[str, bytes] = {}  # file name → compiled template, to write

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a file that cannot be read, or damaged past Jinja's own checks: compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        stream = io.BytesIO()
        bucket.write_bytecode(stream)
        self.fresh[self._get_cache_filename(bucket)] = stream.getvalue()

    def save(self) -> None:
        """Write the templates compiled since this was made, and remove those compiled under another key."""
        folder = Path(self.directory)
        if self.fresh:
            folder.mkdir(exist_ok=True)
        for name, data in self.fresh.items():
            path = Path(name)
            temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            try:
                temporary.write_bytes(data)
                os.replace(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)
        self.fresh.clear()
        if folder.is_dir():
            current = _template_stamp(self.key)
            for path in folder.iterdir():
                if not path.name.startswith(current):
                    path.unlink(missing_ok=True)


def _template_stamp(key: str) -> str:
    return hashlib.sha256(f"{key}\0{jinja2.__version__}".encode()).hexdigest()[:16]


def load_cache(site: Path) -> BuildCache:
    """The cache the last build left; what is missing, damaged or foreign is left out (and rebuilt)."""
    main = _read(cache_path(site))
    if not isinstance(main, BuildCache):
        return BuildCache()
    return replace(
        main, parsed=_load_shards(site, "parsed", main.parse_key), cards=_load_shards(site, "cards", main.cards_key)
    )


def _load_shards(site: Path, kind: str, key: str) -> dict[Any, Any]:
    """The entries of the shards of ``kind`` stored under ``key`` (a shard stored under another is left out)."""
    entries: dict[Any, Any] = {}
    for shard in range(SHARDS):
        stored = _read(_shard_path(site, kind, shard))
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key and isinstance(stored[1], dict):
            entries.update(stored[1])
    return entries


def _save_shards(
    site: Path,
    kind: str,
    shard_of: Callable[[Any], int],
    entries: tuple[str, Mapping[Any, Any]],
    before: tuple[str, Mapping[Any, Any]],
) -> None:
    """Write the shards of ``entries`` (a key and its entries) that hold an entry added, changed or removed
    since ``before``."""
    key, new = entries
    if new is before[1] and key == before[0]:
        return
    if key == before[0]:
        old = before[1]
        dirty = {shard_of(name) for name, entry in new.items() if old.get(name, _ABSENT) != entry}
        dirty.update(shard_of(name) for name in old.keys() - new.keys())
    else:
        dirty = set(range(SHARDS))
    shards: dict[int, dict[Any, Any]] = {shard: {} for shard in dirty}
    if shards:
        for name, entry in new.items():
            items = shards.get(shard_of(name))
            if items is not None:
                items[name] = entry
    for shard, items in shards.items():
        _write(_shard_path(site, kind, shard), (key, items))


_ABSENT = object()


def save_cache(
    site: Path, cache: BuildCache, previous: BuildCache | None = None, templates: CompiledTemplates | None = None
) -> None:
    """Write what changed since ``previous`` (each file beside, then renamed over the old one) and the
    ``templates`` compiled; a failure to write is not an error, only a slower next build."""
    try:
        folder = site / CACHE_FOLDER
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# newsgen's build cache; safe to delete\n*\n")
        before = previous or BuildCache()
        _save_shards(site, "parsed", _model_shard, (cache.parse_key, cache.parsed), (before.parse_key, before.parsed))
        _save_shards(site, "cards", _card_shard, (cache.cards_key, cache.cards), (before.cards_key, before.cards))
        main = replace(cache, parsed={}, cards={})
        if previous is None or main != replace(previous, parsed={}, cards={}):
            _write(cache_path(site), main)
        if templates is not None:
            templates.save()
        # The bodies the last build's models named and these do not (every one not named, after a cold build):
        # only a model the last build had and this one does not (the same object) can have named one.
        dropped: set[str] | None = None
        if previous is not None and previous.parsed:
            current = cache.parsed
            gone = {
                name: entry
                for name, entry in previous.parsed.items()
                if (now := current.get(name)) is None or now[1] is not entry[1]
            }
            dropped = _stored_bodies(gone)
        if dropped is None or dropped:
            body_store(site).keep(_stored_bodies(cache.parsed), dropped)
    except OSError:
        pass


def has_cache(site: Path) -> bool:
    return os.path.lexists(site / CACHE_FOLDER)


def clear_cache(site: Path) -> None:
    """Delete the cache folder: the next build is cold."""
    shutil.rmtree(site / CACHE_FOLDER, ignore_errors=True)
