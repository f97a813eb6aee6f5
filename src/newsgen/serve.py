"""The live preview: build into a folder of its own, serve the last complete build, rebuild on save, reload the pages.

Given a ``rebuild`` callable, this module knows nothing of the pipeline: it
watches the site's folders (watchfiles), coalesces a burst of saves into one
rebuild (run in the main thread; the server has a thread of its own), builds
into a temporary folder of its own, serves the last complete build, and sends
livereload's reload message to the open pages (livereload's socket handler,
protocol and client script). A failed rebuild keeps the last good site and
shows the errors over every page.

Where the rebuild swaps each finished build in whole (newsgen's build with a
spare tree, on a system that can exchange two folders in one step: Linux), the
build folder is served as it is: it holds one complete build at every instant.
Each response reads one open file, so a build swapped in during a request
cannot give it the size of one file and the bytes of another. Elsewhere every
build is copied (hard links) into a snapshot, switched whole, that is served.

Every request must name a loopback host, or the host the server was bound to
(DNS rebinding); the reload socket refuses foreign origins; and files are
served only from inside the build folder, symlinks resolved (and, served
directly, the file opened is checked to be one of this server's own).

livereload's own ``Server`` and ``Watcher`` are not used, for what reading
their source and running them showed: ``Server`` registers its handlers with
no Host check and adds ``/forcereload``, which any page can trigger with a
GET; it drops a reload that comes within 3 s of the previous one; it runs the
rebuild on the event loop, so requests wait during a build. The ``Watcher``
missed a file moved in with an old mtime and reported three new files over
three separate polls (three rebuilds).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import json
import mimetypes
import os
import queue
import re
import shutil
import signal
import stat
import tempfile
import threading
import traceback
import webbrowser
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import httputil, web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from watchfiles import Change, DefaultFilter, awatch

from .errors import BuildFailed, NewsgenError, UsageError
from .output import exchange, ready_spare

# Builds the whole site into the folder given, with the base URL given; returns lines to show. The flag: the
# folder is served as it is, so each finished build must replace it whole, in one step; else the folder may
# change in place during a build (it is copied to be served).
Rebuild = Callable[[Path, str, bool], Sequence[str]]
Say = Callable[[str], None]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# A burst of saves is over when nothing has changed for this long, after the watcher's own gathering of
# changes less than 50 ms apart (watchfiles' step): an editor's "save all" or a checkout writes its files
# within milliseconds of each other, and every 0.1 s waited is 0.1 s more before the page reloads.
QUIET_SECONDS = 0.05
LIVERELOAD_PROTOCOL = "http://livereload.com/protocols/official-7"
HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
NO_BUILD_PAGE = (
    b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>newsgen serve: no build yet</title></head>\n'
    b"<body><main><h1>The site has not built yet</h1>\n"
    b"<p>Fix the errors shown and save: this page reloads by itself.</p></main></body></html>\n"
)


@dataclass(frozen=True, slots=True)
class ServeSettings:
    watch: tuple[Path, ...]  # folders and files whose changes call for a rebuild; they need not exist yet
    host: str = "127.0.0.1"
    port: int = 8000  # 0: any free port
    base_url: str | None = None  # None: the local address, so that every link stays on this server
    open_browser: bool = False
    quiet_seconds: float = QUIET_SECONDS
    # The rebuild, given True, replaces its folder whole in one step wherever output.exchange can swap two
    # folders (newsgen's build with a spare tree): there, the build folder is served with no copy.
    swaps_whole: bool = False


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _hostname(authority: str) -> str | None:
    """The host name of ``host[:port]`` (brackets of an IPv6 literal removed), or None if malformed."""
    try:
        parts = urlsplit("//" + authority)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        return None
    return parts.hostname


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """Which names a request may use for this server: a page from any other name could be a DNS-rebinding attack."""

    names: frozenset[str]
    any_ip: bool  # bound to every interface: an IP literal cannot be rebound, so any may be used
    port: int

    @classmethod
    def for_bound(cls, host: str, port: int) -> HostPolicy:
        bound = host.strip("[]").lower()
        return cls(LOOPBACK_NAMES | ({bound} - WILDCARD_HOSTS), bound in WILDCARD_HOSTS, port)

    def allows_name(self, name: str | None) -> bool:
        if name is None:
            return False
        name = name.lower()
        return name in self.names or (self.any_ip and _is_ip(name))

    def allows_host(self, header: str) -> bool:
        return self.allows_name(_hostname(header))

    def allows_origin(self, origin: str) -> bool:
        try:
            parts = urlsplit(origin)
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and port == self.port and self.allows_name(parts.hostname)


def overlay_html(errors: Sequence[str]) -> str:
    """The box shown over every page after a failed rebuild; each error is HTML-escaped."""
    noun = "error" if len(errors) == 1 else "errors"
    lines = "\n".join(html.escape(error) for error in errors)
    return (
        '<div id="newsgen-serve-errors" role="alert" style="position:fixed;inset:0 0 auto 0;z-index:2147483647;'
        "max-height:70vh;overflow:auto;margin:0;padding:1rem 1.25rem;background:#2b0b0e;color:#ffe4e4;"
        "border-bottom:4px solid #e5484d;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
        'box-shadow:0 4px 24px rgba(0,0,0,.5);text-align:left" dir="ltr" lang="en">'
        f"<strong>The last rebuild failed ({len(errors)} {noun}); this is the last good build.</strong>"
        f'<pre style="white-space:pre-wrap;margin:.5rem 0;font:inherit">{lines}</pre>'
        '<button type="button" onclick="this.parentNode.remove()">Hide until the next rebuild</button></div>'
    )


def preview_snippet(errors: Sequence[str]) -> bytes:
    """What goes before ``</head>`` of every served page: the livereload client and, after a failure, the errors."""
    parts = [
        # livereload.js reads its host and port from its own URL; pass them from the page's so that
        # the reload socket goes to the name the page came from (an IPv6 literal included).
        "<script>(function(){var s=document.createElement('script');"
        "s.src='/livereload.js?host='+location.hostname+'&port='"
        "+(location.port||(location.protocol==='https:'?443:80));document.head.appendChild(s);})();</script>"
    ]
    if errors:
        parts.append(f'<template id="newsgen-serve-overlay">{overlay_html(errors)}</template>')
        parts.append(
            "<script>document.addEventListener('DOMContentLoaded',function(){"
            "document.body.appendChild(document.getElementById('newsgen-serve-overlay').content.cloneNode(true));"
            "});</script>"
        )
    return "".join(parts).encode()


def inject(page: bytes, snippet: bytes) -> bytes:
    """``page`` with ``snippet`` before its ``</head>``; a page without one is left as it is."""
    found = HEAD_END.search(page)
    if found is None:
        return page
    return page[: found.start()] + snippet + page[found.start() :]


class Preview:
    """The live state of one server: the folder served, the last errors, the open pages, the pending rebuild."""

    def __init__(
        self,
        settings: ServeSettings,
        jobs: Jobs,
        say: Say,
        workdir: Path,
        policy: HostPolicy,
        base_url: str,
        *,
        direct: bool,
    ) -> None:
        self.settings = settings
        self.jobs = jobs
        self.say = say
        self.workdir = workdir
        self.direct = direct  # the build folder is served as it is, with no snapshots
        self.policy = policy
        self.base_url = base_url
        self.base_path = urlsplit(base_url).path or "/"
        self.root: Path | None = None  # the last complete build; only ever replaced whole
        self.errors: tuple[str, ...] = ()
        self.waiters: set[ReloadSocket] = set()
        self.first_build = asyncio.Event()
        self.wake = asyncio.Event()
        self.last_change = float("-inf")
        self.first_change: float | None = None  # when the first change of the pending burst was seen
        self.changed: set[str] = set()
        self.snapshots = 0

    def note_changes(self, paths: Sequence[str]) -> None:
        self.changed.update(paths)
        self.last_change = asyncio.get_running_loop().time()
        if self.first_change is None:
            self.first_change = self.last_change
        self.wake.set()

    async def keep_building(self) -> None:
        loop = asyncio.get_running_loop()
        self.wake.set()
        while True:
            await self.wake.wait()
            while (left := self.last_change + self.settings.quiet_seconds - loop.time()) > 0:
                await asyncio.sleep(left)
            # Nothing awaits between the last check and here: a change from now on wakes the next round.
            self.wake.clear()
            changed, self.changed = sorted(self.changed), set()
            seen, self.first_change = self.first_change, None
            if changed:
                more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
                self.say(f"changed: {self._shown(changed[0])}{more}; rebuilding")
            await self.build_once()
            if seen is not None and self.waiters:
                pages = len(self.waiters)
                self.say(
                    f"reloaded {pages} {'page' if pages == 1 else 'pages'}, {loop.time() - seen:.2f} s after the change"
                )

    def _shown(self, path: str) -> str:
        here = Path.cwd()
        return str(Path(path).relative_to(here)) if Path(path).is_relative_to(here) else path

    async def build_once(self) -> None:
        if self.direct:
            served = self.workdir / BUILD_FOLDER
        else:
            self.snapshots += 1
            served = self.workdir / f"served-{self.snapshots}"
        loop = asyncio.get_running_loop()
        try:
            done: Future[Sequence[str]] = Future()
            self.jobs.put(BuildJob(served, self.base_url, done))  # built by the main thread, see serve()
            lines = await asyncio.wrap_future(done)
        except BuildFailed as failure:
            self._failed([str(error) for error in failure.errors])
        except NewsgenError as error:
            self._failed([str(error)])
        except Exception as exc:  # a fault in the pipeline must not stop the preview
            self.say(traceback.format_exc().rstrip())
            self._failed([f"internal error: {type(exc).__name__}: {exc}"])
        else:
            previous, self.root, self.errors = self.root, served, ()
            for line in lines:
                self.say(line)
            if not self.direct:
                # The copy served before stays for the requests still reading it; older ones go, in the
                # background: deleting thousands of files can take longer than the build.
                stale = [old for old in self.workdir.glob("served-*") if old not in (previous, served)]
                loop.run_in_executor(None, _remove, stale)
        self.first_build.set()
        self.reload_pages()

    def _failed(self, errors: list[str]) -> None:
        self.errors = tuple(errors)
        for error in errors:
            self.say(error)
        noun = "error" if len(errors) == 1 else "errors"
        kept = "still serving the last good build" if self.root else "nothing to serve until it builds"
        self.say(f"rebuild failed: {len(errors)} {noun}; {kept}")

    def reload_pages(self) -> None:
        message = {"command": "reload", "path": self.base_path, "liveCSS": False, "liveImg": False}
        for waiter in list(self.waiters):
            if waiter.ws_connection is None or waiter.ws_connection.is_closing():
                self.waiters.discard(waiter)
            else:
                waiter.send_message(message)


@dataclass(frozen=True, slots=True)
class BuildJob:
    """A rebuild asked of the main thread: build, make ``served`` the result (the build folder itself, or a
    snapshot of it), answer through ``done``."""

    served: Path
    base_url: str
    done: Future[Sequence[str]]


Jobs = queue.Queue[BuildJob | None]  # None: the server has stopped
BUILD_FOLDER = "build"


def build_to_serve(rebuild: Rebuild, workdir: Path, job: BuildJob) -> Sequence[str]:
    """Build into one folder (so that a build may reuse the last one); copy the result unless it is served there."""
    build = workdir / BUILD_FOLDER
    direct = job.served == build
    lines = rebuild(build, job.base_url, direct)
    if not direct:
        snapshot(build, job.served)
    return lines


def can_serve_directly(workdir: Path) -> bool:
    """Whether a folder in ``workdir`` can be served while builds are swapped into it: the system exchanges two
    folders there in one step, and tells where an open file is (``/proc/self/fd``)."""
    first, second = workdir / "probe-1", workdir / "probe-2"
    try:
        first.mkdir()
        second.mkdir()
        (first / "1").mkdir()
        if not exchange(first, second):
            return False
        descriptor = os.open(second / "1", os.O_RDONLY)
        try:
            return _opened_path(descriptor) == str(second / "1")
        finally:
            os.close(descriptor)
    except OSError:
        return False
    finally:
        shutil.rmtree(first, ignore_errors=True)
        shutil.rmtree(second, ignore_errors=True)


def _opened_path(descriptor: int) -> str | None:
    """Where the file open as ``descriptor`` is now (Linux), or None where the system does not say."""
    try:
        return os.readlink(f"/proc/self/fd/{descriptor}")
    except OSError:
        return None


def snapshot(build: Path, target: Path) -> None:
    """A copy of ``build`` made of hard links: cheap, and safe because a build only ever changes its output by
    replacing files (write beside, rename over), never by rewriting one in place, so the copy stays as it is."""
    target.mkdir()
    pending = [(str(build), str(target))]
    while pending:
        source, copy = pending.pop()
        with os.scandir(source) as entries:
            for entry in entries:
                made = os.path.join(copy, entry.name)
                if entry.is_dir(follow_symlinks=False):
                    os.mkdir(made)
                    pending.append((entry.path, made))
                elif entry.is_symlink():
                    os.symlink(os.readlink(entry.path), made)
                else:
                    try:
                        os.link(entry.path, made)
                    except OSError:  # a file system without hard links
                        shutil.copy2(entry.path, made)


def _remove(folders: Sequence[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _refuse_foreign_host(handler: web.RequestHandler, policy: HostPolicy) -> None:
    header = handler.request.headers.get("Host")
    if header is not None and not policy.allows_host(header):
        raise web.HTTPError(
            403, "host %r is not this preview server's", header, reason="Unknown host; use 127.0.0.1 or localhost"
        )


class ReloadSocket(LiveReloadHandler):
    """livereload's socket, answering only pages from this server, registered with this server's preview."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def prepare(self) -> None:
        _refuse_foreign_host(self, self.preview.policy)

    def check_origin(self, origin: str) -> bool:
        return self.preview.policy.allows_origin(origin)

    def on_message(self, message: str | bytes) -> None:
        # livereload's own on_message files the page in a set shared by every server in the process.
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.close(1003, "not a livereload message")
            return
        if data.get("command") == "hello":
            self.send_message({"command": "hello", "protocols": [LIVERELOAD_PROTOCOL], "serverName": "newsgen"})
        elif data.get("command") == "info":
            self.preview.waiters.add(self)

    def on_close(self) -> None:
        self.preview.waiters.discard(self)


class ReloadScript(LiveReloadJSHandler):
    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def prepare(self) -> None:
        _refuse_foreign_host(self, self.preview.policy)


@dataclass(frozen=True, slots=True)
class OpenFile:
    """The file a response reads, open from the moment its path is checked: ``info`` is its ``fstat``."""

    descriptor: int
    info: os.stat_result
    name: str  # the path it was opened by, for its type


class SiteFiles(web.StaticFileHandler):
    """The last complete build, read through Tornado's checks and a realpath check of our own; served directly,
    each response reads the one file opened when its path was checked."""

    def initialize(self, preview: Preview) -> None:  # type: ignore[override]
        self.preview = preview
        self.opened: OpenFile | None = None
        super().initialize(path=str(preview.workdir), default_filename="index.html")

    async def prepare(self) -> None:
        _refuse_foreign_host(self, self.preview.policy)
        await self.preview.first_build.wait()
        if self.preview.root is None:
            self.set_status(503)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(NO_BUILD_PAGE)
            return
        # Taken once per request: a rebuild finishing meanwhile never mixes two builds in one response.
        self.root = str(self.preview.root)

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        if "\x00" in absolute_path:
            raise web.HTTPError(400, "a NUL byte in the path")
        # Tornado (>= 6.5.9) resolves symlinks too; these checks hold even where it would not. The first comes
        # before Tornado's, which would otherwise answer a folder linked from outside with a redirect.
        self._refuse_outside(root, absolute_path)
        validated = super().validate_absolute_path(root, absolute_path)
        if validated is None:
            return None
        self._refuse_outside(root, validated)  # the folder's index.html may be a link of its own
        return self._open(validated) if self.preview.direct else validated

    def _open(self, path: str) -> str:
        """Open the file now and return a path to this open file: a build swapped in before Tornado reads it
        must not give the response the size of one file and the bytes of another (or another build's file)."""
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            raise web.HTTPError(404) from None
        self.opened = OpenFile(descriptor, os.fstat(descriptor), path)
        # Checked on the file opened: the folder served may have been exchanged since the checks above. It is in
        # this server's folder (the build served, or the spare tree beside it that the old build became).
        where = _opened_path(descriptor)
        if where is None or not where.startswith(f"{self.preview.workdir}{os.sep}"):
            raise web.HTTPError(403, "%s is outside the site", self.path)
        if not stat.S_ISREG(self.opened.info.st_mode):
            raise web.HTTPError(403, "%s is not a file", self.path)
        return f"/proc/self/fd/{descriptor}"

    def get_content_size(self) -> int:
        return self.opened.info.st_size if self.opened else super().get_content_size()

    def get_modified_time(self) -> datetime | None:
        if self.opened is None:
            return super().get_modified_time()
        return datetime.fromtimestamp(int(self.opened.info.st_mtime), UTC)

    def get_content_type(self) -> str:
        if self.opened is None:
            return super().get_content_type()
        kind, encoding = mimetypes.guess_type(self.opened.name)
        if encoding == "gzip":
            return "application/gzip"
        return kind if kind and encoding is None else "application/octet-stream"

    def on_finish(self) -> None:
        self._close()

    def on_connection_close(self) -> None:
        self._close()
        super().on_connection_close()

    def _close(self) -> None:
        if self.opened is not None:
            os.close(self.opened.descriptor)
            self.opened = None

    def _refuse_outside(self, root: str, path: str) -> None:
        if not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root)):
            raise web.HTTPError(403, "%s is outside the site", self.path)

    def compute_etag(self) -> str | None:
        return None  # the page changes with the error overlay while its file stays: nothing is cached

    def should_return_304(self) -> bool:
        return False

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        root = self.preview.root
        not_found = root / "404.html" if root else None
        if status_code == 404 and not_found and not_found.is_file():
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(not_found.read_bytes())
            return
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")


class OutsideBasePath(web.RequestHandler):
    """With a base URL that has a path, ``/`` leads to it and everything else outside it is not there."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def prepare(self) -> None:
        _refuse_foreign_host(self, self.preview.policy)

    def get(self, path: str) -> None:
        if path and f"/{path}/" != self.preview.base_path:
            raise web.HTTPError(404)
        self.redirect(self.preview.base_path)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}: the site is at {self.preview.base_path}\n")


def _injector(preview: Preview) -> type[web.OutputTransform]:
    class InjectPreview(web.OutputTransform):
        """Puts the reload client (and the errors, after a failed rebuild) into every whole HTML page served."""

        def transform_first_chunk(
            self, status_code: int, headers: httputil.HTTPHeaders, chunk: bytes, finishing: bool
        ) -> tuple[int, httputil.HTTPHeaders, bytes]:
            if status_code in (200, 404, 503) and headers.get("Content-Type", "").startswith("text/html"):
                injected = inject(chunk, preview_snippet(preview.errors))
                if "Content-Length" in headers:
                    headers["Content-Length"] = str(int(headers["Content-Length"]) + len(injected) - len(chunk))
                chunk = injected
            return status_code, headers, chunk

    return InjectPreview


def make_app(preview: Preview) -> web.Application:
    handlers: list[tuple[str, type[web.RequestHandler], dict[str, Any]]] = [
        (r"/livereload", ReloadSocket, {"preview": preview}),
        (r"/livereload\.js", ReloadScript, {"preview": preview}),
    ]
    handlers.append((re.escape(preview.base_path) + r"(.*)", SiteFiles, {"preview": preview}))
    if preview.base_path != "/":
        handlers.append((r"/(.*)", OutsideBasePath, {"preview": preview}))
    return web.Application(
        handlers,
        transforms=[_injector(preview)],
        log_function=_no_access_log,
        websocket_ping_interval=20,
    )


def _no_access_log(handler: web.RequestHandler) -> None:
    """The terminal is for build results; a line per request would bury them."""


def _local_url(host: str, port: int) -> str:
    name = "127.0.0.1" if host in WILDCARD_HOSTS else host.strip("[]")
    if ":" in name:
        name = f"[{name}]"
    return f"http://{name}:{port}/"


class _SiteFilter(DefaultFilter):
    """watchfiles' filter (VCS folders, editor swap files) plus hidden files, which a build never reads."""

    def __call__(self, change: Change, path: str) -> bool:
        return not os.path.basename(path).startswith(".") and super().__call__(change, path)


async def _follow(preview: Preview, paths: Sequence[Path], *, recursive: bool, stop: asyncio.Event) -> None:
    targets = {str(path) for path in preview.settings.watch}
    shape = {path for path in preview.settings.watch if path.is_dir()}
    async for changes in awatch(
        *paths, watch_filter=_SiteFilter(), stop_event=stop, recursive=recursive, ignore_permission_denied=True
    ):
        # The parents are watched one level deep, only to see a watched file or folder come, go or be replaced.
        relevant = [path for _, path in changes if recursive or path in targets]
        if relevant:
            preview.note_changes(relevant)
        if not recursive and {path for path in preview.settings.watch if path.is_dir()} != shape:
            stop.set()  # a watched folder appeared or went: watch again with the new set


async def watch_site(preview: Preview) -> None:
    """Follow every change under the watched paths, including folders that appear after the start."""
    while True:
        stop = asyncio.Event()
        folders = [path for path in preview.settings.watch if path.is_dir()]
        parents = sorted({path.parent for path in preview.settings.watch if path.parent.is_dir()})
        followers = [_follow(preview, parents, recursive=False, stop=stop)]
        if folders:
            followers.append(_follow(preview, folders, recursive=True, stop=stop))
        tasks = [asyncio.create_task(follower) for follower in followers]
        try:
            await asyncio.gather(*tasks)
        except (OSError, RuntimeError) as exc:  # a watched folder vanished under the watcher, say
            preview.say(f"watching again after: {exc}")
            preview.note_changes([])
            await asyncio.sleep(0.2)
        finally:
            stop.set()
            for task in tasks:
                task.cancel()


async def _run(settings: ServeSettings, jobs: Jobs, say: Say, workdir: Path, stopping: asyncio.Event) -> None:
    try:
        sockets = bind_sockets(settings.port, address=settings.host)
    except OSError as exc:
        raise UsageError(None, f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from None
    port = sockets[0].getsockname()[1]
    local = _local_url(settings.host, port)
    base_url = settings.base_url or local
    direct = settings.swaps_whole and can_serve_directly(workdir)
    policy = HostPolicy.for_bound(settings.host, port)
    preview = Preview(settings, jobs, say, workdir, policy, base_url, direct=direct)
    url = local.rstrip("/") + preview.base_path
    server = HTTPServer(make_app(preview))
    server.add_sockets(sockets)
    say(f"serving {url} (Ctrl-C stops; builds go to {workdir})")
    if settings.swaps_whole and not direct:
        say("this system cannot swap a build in whole there: each build is copied (hard links) to be served")

    loop = asyncio.get_running_loop()
    tasks = [asyncio.create_task(preview.keep_building()), asyncio.create_task(watch_site(preview))]
    try:
        if settings.open_browser:
            await preview.first_build.wait()
            await loop.run_in_executor(None, webbrowser.open, url)
        await stopping.wait()
    finally:
        server.stop()
        for waiter in list(preview.waiters):
            waiter.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.close_all_connections()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(settings: ServeSettings, rebuild: Rebuild, say: Say) -> None:
    """Build, serve, watch and rebuild until interrupted; the work folder (builds, snapshots, the build's spare
    tree beside it) is removed at the end.

    The server runs in a thread of its own and the builds in the calling (main) thread, as in
    ``newsgen build``: a build's use of signals (a time limit on rendering a body) works the same.
    """
    workdir = Path(tempfile.mkdtemp(prefix="newsgen-serve-")).resolve()
    jobs: Jobs = queue.Queue()
    loop = asyncio.new_event_loop()
    stopping = asyncio.Event()
    failures: list[BaseException] = []

    def run_server() -> None:
        try:
            loop.run_until_complete(_run(settings, jobs, say, workdir, stopping))
            loop.run_until_complete(loop.shutdown_default_executor())
        except BaseException as exc:
            failures.append(exc)
        finally:
            jobs.put(None)
            loop.close()

    in_main = threading.current_thread() is threading.main_thread()
    # SIGINT too: a shell starts a background job with it ignored, and Ctrl-C must still stop serve.
    previous = {number: signal.signal(number, _interrupt) for number in STOP_SIGNALS} if in_main else {}
    server = threading.Thread(target=run_server, name="newsgen-serve")
    server.start()
    try:
        while (job := jobs.get()) is not None:
            if job.done.set_running_or_notify_cancel():
                try:
                    job.done.set_result(build_to_serve(rebuild, workdir, job))
                except Exception as exc:  # reported by the server, which keeps the last good build
                    job.done.set_exception(exc)
            if jobs.empty() and job.served == workdir / BUILD_FOLDER:
                # Idle, after a build served where it is built: its spare tree is made now if it has none (the
                # first update would make it, so the first save would wait for it; a save meanwhile waits here).
                with contextlib.suppress(NewsgenError):
                    ready_spare(job.served)
    except KeyboardInterrupt:
        say("stopping")
    finally:
        with contextlib.suppress(RuntimeError):  # the loop has already closed
            loop.call_soon_threadsafe(stopping.set)
        server.join()
        for number, handler in previous.items():
            signal.signal(number, handler)
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        raise failures[0]
