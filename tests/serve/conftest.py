"""A real ``newsgen serve`` in a subprocess on a free port, spoken to over HTTP and the reload WebSocket."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.sync.client import ClientConnection, connect

TIMEOUT = 30.0  # generous: a loaded CI machine builds slowly; a passing test never waits this long

CONFIG = """\
title: The Test Gazette
base_url: https://gazette.example.org/
timezone: UTC
sections:
  - {key: news, title: News}
  - {key: opinion, title: Opinion}
ads:
  enabled: true
  client: ca-pub-0000000000000000
  slots:
    header: {slot: "1111111111", width: 728, height: 90}
    in_article: {slot: "2222222222", width: 300, height: 250}
"""


def article(title: str, *, date: str = "2026-01-05T09:00:00+00:00", extra: str = "", body: str = "") -> str:
    body = body or "First paragraph of the story.\n\nSecond paragraph.\n\nThird paragraph.\n\nFourth paragraph.\n"
    return f"---\ntitle: {title}\ndate: {date}\nbyline: Sana Mirza\nsection: news\n{extra}---\n{body}"


def write_site(root: Path) -> Path:
    files = {
        "newsgen.yaml": CONFIG,
        "content/articles/bridge.md": article("Bridge reopens after repairs"),
        "content/articles/draft.md": article("Draft about the budget", extra="draft: true\n"),
        "content/articles/embargo.md": article("Embargoed election result", date="2099-05-01T08:00:00+00:00"),
        "content/pages/about.md": "---\ntitle: About us\n---\nWe report the news.\n",
        "static/robots-note.txt": "static file\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


BRIDGE_URL = "/news/2026/01/05/bridge/"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


@dataclass
class Server:
    """One ``newsgen serve`` process; its output is collected line by line as it comes."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    port: int = 0
    builds: Path = Path()

    def start_reading(self) -> None:
        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))

        threading.Thread(target=read, daemon=True).start()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, *, after: int = 0, timeout: float = TIMEOUT) -> re.Match[str]:
        """The first output line from index ``after`` on that matches ``pattern``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None and not any(re.search(pattern, x) for x in self.lines[after:]):
                raise AssertionError(f"serve exited ({self.process.returncode}):\n{self.output}")
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n{self.output}")

    def count(self, pattern: str) -> int:
        return sum(1 for line in self.lines if re.search(pattern, line))

    def get(self, path: str, *, host: str | None = None, headers: dict[str, str] | None = None) -> Response:
        """GET with the path sent exactly as given (no normalising of ``..`` or percent signs)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = b"" if response.status == 101 else response.read()
            return Response(response.status, dict(response.getheaders()), body.decode("utf-8", "replace"))
        finally:
            connection.close()

    def wait_for_page(self, path: str, predicate: Callable[[Response], bool], timeout: float = TIMEOUT) -> Response:
        deadline = time.monotonic() + timeout
        response = self.get(path)
        while not predicate(response):
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} never became as expected; last {response.status}:\n{self.output}")
            time.sleep(0.05)
            response = self.get(path)
        return response

    @contextmanager
    def reload_socket(self) -> Iterator[ClientConnection]:
        """A page's reload connection, as livereload.js opens it: hello, then info."""
        url = f"ws://127.0.0.1:{self.port}/livereload"
        with connect(url, origin=f"http://127.0.0.1:{self.port}", open_timeout=10) as socket:
            socket.send(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
            hello = json.loads(socket.recv(timeout=10))
            assert hello["command"] == "hello"
            socket.send(json.dumps({"command": "info", "url": f"http://127.0.0.1:{self.port}/", "plugins": {}}))
            # The page is registered once a reload could reach it; a ping round trip orders us after "info".
            socket.ping().wait(10)
            yield socket

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def wait_for_reload(socket: ClientConnection, timeout: float = TIMEOUT) -> dict[str, object]:
    message = json.loads(socket.recv(timeout=timeout))
    assert message["command"] == "reload", message
    return message


def start_server(site: Path, *args: str, wait_for_build: bool = True) -> Server:
    return start_process(["-m", "newsgen", "serve", str(site), "--port", "0", *args], wait_for_build=wait_for_build)


def start_process(python_args: list[str], *, wait_for_build: bool = True) -> Server:
    """Run Python with ``python_args`` (a preview server) and wait until it serves."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    process = subprocess.Popen(
        [sys.executable, *python_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    server = Server(process)
    server.start_reading()
    try:
        found = server.wait_for_line(r"serving http://[^ ]*:(\d+)/.*builds go to (.+)\)$")
        server.port, server.builds = int(found.group(1)), Path(found.group(2))
        if wait_for_build:
            server.wait_for_line(r"^built |^rebuild failed")
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site")


@pytest.fixture
def server(site: Path) -> Iterator[Server]:
    running = start_server(site)
    try:
        yield running
    finally:
        running.stop()
