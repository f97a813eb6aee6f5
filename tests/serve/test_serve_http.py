"""What one running preview serves, and what it refuses: hosts, origins, paths out of the build, other addresses."""

from __future__ import annotations

import errno
import json
import os
import re
import socket
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import BRIDGE_URL, Server, start_server, write_site


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    site = write_site(tmp_path_factory.mktemp("served") / "site")
    running = start_server(site, "--drafts", "--future")
    try:
        yield running
    finally:
        running.stop()


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.inline: list[str] = []
        self.canonical = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self._in_script = True
            if found.get("src"):
                self.sources.append(found["src"] or "")
        if tag == "link" and found.get("rel") == "canonical":
            self.canonical = found.get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


def parse(body: str) -> Scripts:
    parser = Scripts()
    parser.feed(body)
    return parser


def test_pages_carry_the_reload_client_and_local_links(served: Server) -> None:
    page = served.get(BRIDGE_URL)
    assert page.status == 200
    assert "Bridge reopens after repairs" in page.body
    scripts = parse(page.body)
    assert any("/livereload.js?host=" in script for script in scripts.inline)
    # --base-url defaults to the local address, so absolute links lead back to this server.
    assert scripts.canonical == f"http://127.0.0.1:{served.port}{BRIDGE_URL}"
    assert int(page.headers["Content-Length"]) == len(page.body.encode())
    assert page.headers["Cache-Control"] == "no-store"
    client = served.get("/livereload.js")
    assert client.status == 200
    assert "LiveReload" in client.body


def test_the_reload_socket_speaks_the_livereload_protocol(served: Server) -> None:
    with served.reload_socket() as reload_socket:
        reload_socket.send(json.dumps({"command": "hello", "protocols": []}))
        assert json.loads(reload_socket.recv(timeout=10))["protocols"] == ["http://livereload.com/protocols/official-7"]


def test_ads_are_placeholders_of_their_real_size(served: Server) -> None:
    page = served.get(BRIDGE_URL)
    assert "googlesyndication" not in page.body
    assert "adsbygoogle" not in page.body
    assert "header · 728 × 90" in page.body
    assert "in_article · 300 × 250" in page.body


def test_drafts_and_embargoed_articles_are_served_with_the_flags(served: Server) -> None:
    assert served.get("/news/2026/01/05/draft/").status == 200
    assert "Embargoed election result" in served.get("/news/2099/05/01/embargo/").body


def test_a_missing_page_is_the_sites_404_page(served: Server) -> None:
    missing = served.get("/no/such/page/")
    assert missing.status == 404
    assert "livereload.js" in missing.body  # the site's own 404 page, with the reload client


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "localhost.evil.example", "10.0.0.1", "[::2]", ""],
)
def test_a_foreign_host_header_is_refused(served: Server, host: str) -> None:
    assert served.get("/", host=host).status == 403
    assert served.get("/livereload.js", host=host).status == 403


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:{port}", "127.0.0.1:{port}", "[::1]:{port}"])
def test_loopback_host_headers_are_served(served: Server, host: str) -> None:
    assert served.get("/", host=host.format(port=served.port)).status == 200


def upgrade(served: Server, *, host: str, origin: str) -> int:
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
        "Origin": origin,
    }
    return served.get("/livereload", host=host, headers=headers).status


def test_the_reload_socket_refuses_foreign_origins_and_hosts(served: Server) -> None:
    local = f"127.0.0.1:{served.port}"
    assert upgrade(served, host=local, origin=f"http://{local}") == 101
    assert upgrade(served, host=local, origin=f"http://localhost:{served.port}") == 101
    assert upgrade(served, host=local, origin="http://evil.example") == 403
    assert upgrade(served, host=local, origin=f"http://evil.example:{served.port}") == 403
    assert upgrade(served, host=local, origin="http://127.0.0.1:1") == 403  # another local server's page
    assert upgrade(served, host=local, origin="null") == 403
    # DNS rebinding: origin and host agree, but name a foreign host.
    assert upgrade(served, host=f"evil.example:{served.port}", origin=f"http://evil.example:{served.port}") == 403


TRAVERSALS = [
    "/../../../../etc/passwd",
    "/news/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/..\\..\\..\\etc\\passwd",
    "/%00",
    "/index.html%00.txt",
    "/" + "a/" * 3000,
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_reads_outside_the_build(served: Server, path: str) -> None:
    response = served.get(path)
    assert 400 <= response.status < 500, (path, response.status)
    assert "root:" not in response.body
    assert served.get("/").status == 200  # and the server is still up


def test_symlinks_out_of_the_build_are_refused(served: Server, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret\n")
    (tmp_path / "secret-dir").mkdir()
    (tmp_path / "secret-dir" / "index.html").write_text("<html><head></head>the secret</html>")
    build = served.builds / "build"  # served as it is: newsgen's build swaps each new build in whole
    assert (build / "index.html").is_file()
    (build / "leak.txt").symlink_to(secret)
    (build / "leak-dir").symlink_to(tmp_path / "secret-dir")
    (build / "inside.txt").symlink_to(build / "robots-note.txt")
    (build / "linked-index").mkdir()
    (build / "linked-index" / "index.html").symlink_to(tmp_path / "secret-dir" / "index.html")
    for path in ("/leak.txt", "/leak-dir/", "/leak-dir/index.html", "/leak-dir", "/linked-index/"):
        response = served.get(path)
        assert 400 <= response.status < 500, (path, response.status)
        assert "the secret" not in response.body
    # A link that stays inside the build is served: the refusals above are about where links lead.
    assert served.get("/inside.txt").body == "static file\n"


def test_only_the_loopback_address_is_bound_by_default(served: Server) -> None:
    for address in ("127.0.0.2", "::1"):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(5)
            try:
                refused = probe.connect_ex((address, served.port)) in (errno.ECONNREFUSED, errno.EADDRNOTAVAIL)
            except OSError:
                refused = True
            assert refused, f"something answers on {address}:{served.port}"
    listening = []
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if table.exists():
            for row in table.read_text().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == served.port:
                    listening.append(local.rsplit(":", 1)[0])
    if Path("/proc/net/tcp").exists():
        assert listening == ["0100007F"]  # 127.0.0.1, and nothing else


def test_files_are_served_with_their_type_length_and_ranges(served: Server) -> None:
    front = served.get("/")
    stylesheet = next(href for href in re.findall(r'href="([^"]+\.css)"', front.body))
    css = served.get(urlsplit(stylesheet).path)
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert int(css.headers["Content-Length"]) == len(css.body.encode()) > 0
    assert served.get("/robots-note.txt").headers["Content-Type"].startswith("text/plain")
    part = served.get("/robots-note.txt", headers={"Range": "bytes=0-5"})
    assert (part.status, part.body) == (206, "static")


def test_no_file_stays_open_after_its_response(served: Server) -> None:
    """Served directly, each response holds its file open from the path check to the end: closed after."""
    descriptors = Path(f"/proc/{served.process.pid}/fd")
    if not descriptors.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("no /proc to count the server's open files")
        pytest.skip("no /proc to count the server's open files")

    def open_files() -> int:
        return len(list(descriptors.iterdir()))

    served.get(BRIDGE_URL)
    before = open_files()
    for _ in range(40):
        for path in (BRIDGE_URL, "/robots-note.txt", "/no/such/page/", "/leak.txt", "/news"):
            served.get(path)
    assert open_files() <= before + 5
