"""Saves as a writer makes them: edits served and signalled, bursts coalesced, broken saves shown and survived."""

from __future__ import annotations

import html
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .conftest import BRIDGE_URL, Server, article, start_process, start_server, wait_for_reload

REBUILDING = r"^changed: .*; rebuilding$"


def test_an_edit_is_rebuilt_served_and_signalled(server: Server, site: Path) -> None:
    with server.reload_socket() as reload_socket:
        (site / "content/articles/bridge.md").write_text(article("Bridge reopens two weeks early"))
        wait_for_reload(reload_socket)
    assert "Bridge reopens two weeks early" in server.get(BRIDGE_URL).body
    assert server.count(REBUILDING) == 1


def test_a_broken_edit_shows_its_errors_over_the_last_good_page(server: Server, site: Path) -> None:
    source = site / "content/articles/bridge.md"
    with server.reload_socket() as reload_socket:
        source.write_text(article("Bridge reopens after repairs").replace("section: news", "section: <b>wrold</b>"))
        wait_for_reload(reload_socket)
        error_line = server.wait_for_line(r"^.*bridge\.md:\d+: .*wrold.*").group(0)
        server.wait_for_line(r"^rebuild failed: 1 error; still serving the last good build$")
        page = server.get(BRIDGE_URL)
        assert page.status == 200
        assert "Bridge reopens after repairs" in page.body  # the last good build
        assert 'id="newsgen-serve-overlay"' in page.body
        assert html.escape(error_line) in page.body  # file:line: message, escaped
        assert "<b>wrold</b>" not in page.body
        assert server.get("/").status == 200

        source.write_text(article("Bridge reopens at last"))
        wait_for_reload(reload_socket)
    fixed = server.get(BRIDGE_URL)
    assert "Bridge reopens at last" in fixed.body
    assert "newsgen-serve-overlay" not in fixed.body


def test_a_broken_newsgen_yaml_is_shown_not_fatal(server: Server, site: Path) -> None:
    config = site / "newsgen.yaml"
    good = config.read_text()
    with server.reload_socket() as reload_socket:
        config.write_text(good + "per_pgae: 5\n")
        wait_for_reload(reload_socket)
        page = server.get("/")
        assert "newsgen.yaml:" in page.body and "per_pgae" in page.body
        assert "The Test Gazette" in page.body

        config.write_text("title: [unclosed\n")
        wait_for_reload(reload_socket)
        assert "newsgen-serve-overlay" in server.get("/").body

        config.write_text(good.replace("The Test Gazette", "The Evening Gazette"))
        wait_for_reload(reload_socket)
    page = server.get("/")
    assert "The Evening Gazette" in page.body
    assert "newsgen-serve-overlay" not in page.body
    assert server.process.poll() is None


def test_a_burst_of_saves_is_one_rebuild(server: Server, site: Path) -> None:
    with server.reload_socket() as reload_socket:
        for number in range(12):  # an editor saving all, or a git checkout
            (site / f"content/articles/burst-{number}.md").write_text(article(f"Burst story {number}"))
        wait_for_reload(reload_socket)
        with pytest.raises(TimeoutError):
            reload_socket.recv(timeout=1.5)  # and no second reload follows
    assert server.count(REBUILDING) == 1
    assert server.wait_for_line(r"^changed: .*burst-\d+\.md and 11 more; rebuilding$")
    front = server.get("/").body
    assert all(f"Burst story {number}" in front for number in range(12))


def test_a_save_during_a_rebuild_is_not_missed(server: Server, site: Path) -> None:
    source = site / "content/articles/bridge.md"
    source.write_text(article("First version of the headline"))
    server.wait_for_line(REBUILDING)
    source.write_text(article("Second version of the headline"))  # while the first rebuild runs
    page = server.wait_for_page(BRIDGE_URL, lambda response: "Second version of the headline" in response.body)
    assert page.status == 200


def test_templates_and_static_folders_made_after_the_start_are_watched(server: Server, site: Path) -> None:
    with server.reload_socket() as reload_socket:
        (site / "templates").mkdir(exist_ok=True)
        (site / "templates/article.html").write_text(
            '{% extends "theme/article.html" %}{% block after_article %}<p>Override is live</p>{% endblock %}'
        )
        wait_for_reload(reload_socket)
    server.wait_for_page(BRIDGE_URL, lambda response: "Override is live" in response.body)


def test_watching_goes_on_after_a_watched_folder_is_removed(server: Server, site: Path) -> None:
    with server.reload_socket() as reload_socket:
        shutil.rmtree(site / "static")
        wait_for_reload(reload_socket)
        assert server.get("/robots-note.txt").status == 404
        (site / "content/articles/bridge.md").write_text(article("Bridge reopens after the folder went"))
        server.wait_for_page(BRIDGE_URL, lambda response: "after the folder went" in response.body)
        (site / "static").mkdir()
        (site / "static/robots-note.txt").write_text("back again\n")
        server.wait_for_page("/robots-note.txt", lambda response: response.body == "back again\n")


def test_a_site_broken_from_the_start_is_shown_then_served_when_fixed(site: Path) -> None:
    source = site / "content/articles/bridge.md"
    good = source.read_text()
    source.write_text(good.replace("date: 2026-01-05T09:00:00+00:00", "date: 2026-02-30"))
    running = start_server(site)
    try:
        error_line = running.wait_for_line(r"^.*bridge\.md:\d+: 'date' is not a valid date.*").group(0)
        assert error_line.startswith(f"{source}:3: ")  # the file and the line of the date
        running.wait_for_line(r"^rebuild failed: 1 error; nothing to serve until it builds$")
        waiting = running.get("/")
        assert waiting.status == 503
        assert html.escape(error_line) in waiting.body and "newsgen-serve-overlay" in waiting.body
        with running.reload_socket() as reload_socket:
            source.write_text(good)
            wait_for_reload(reload_socket)
        assert running.get(BRIDGE_URL).status == 200
    finally:
        running.stop()


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_server_and_removes_its_builds(server: Server, site: Path, signal_number: int) -> None:
    with server.reload_socket() as reload_socket:
        (site / "content/articles/bridge.md").write_text(article("Bridge reopens before the stop"))
        wait_for_reload(reload_socket)
    assert (server.builds / "build/index.html").is_file()
    assert (server.builds / ".build.newsgen-spare/tree/index.html").is_file()  # the update's spare tree
    os.kill(server.process.pid, signal_number)
    assert server.process.wait(timeout=15) == 0
    assert not server.builds.exists()


def test_a_base_url_with_a_path_is_served_under_it(site: Path) -> None:
    running = start_server(site, "--base-url", "https://papers.example.org/gazette/")
    try:
        assert running.wait_for_line(r"serving http://127\.0\.0\.1:\d+/gazette/ ")
        page = running.get("/gazette" + BRIDGE_URL)
        assert page.status == 200
        assert f'href="https://papers.example.org/gazette{BRIDGE_URL}"' in page.body
        assert running.get("/").headers["Location"] == "/gazette/"
        assert running.get("/gazette").headers["Location"] == "/gazette/"
        assert running.get(BRIDGE_URL).status == 404
    finally:
        running.stop()


def test_another_address_needs_the_flag_and_warns(site: Path) -> None:
    running = start_server(site, "--host", "0.0.0.0")
    try:
        assert "warning: listening on 0.0.0.0" in running.output
        assert running.get("/", host=f"127.0.0.2:{running.port}").status == 200  # an address, as from the LAN
        assert running.get("/", host=f"evil.example:{running.port}").status == 403
    finally:
        running.stop()


def test_a_busy_port_is_a_usage_error(site: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "newsgen", "serve", str(site), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_a_folder_that_is_no_site_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "newsgen", "serve", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no newsgen.yaml" in result.stderr


# A build that empties its output folder and fills it again slowly, as a naive generator would: served
# directly, its output would answer 404 or half a site for a while on every rebuild.
SLOW_SERVE = """
import shutil, sys, threading, time
from pathlib import Path
from newsgen.serve import ServeSettings, serve

site = Path(sys.argv[1])

def rebuild(out, base_url, served_there):
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    version = (site / "version.txt").read_text().strip()
    for number in range(12):
        (out / f"page-{number}.html").write_text(f"<html><head></head><body>version {version}</body></html>")
        time.sleep(0.03)
    main = threading.current_thread() is threading.main_thread()
    return [f"built version {version}", f"built in the main thread: {main}"]

serve(ServeSettings(watch=(site,), port=0), rebuild, lambda line: print(line, flush=True))
"""


def test_requests_during_rebuilds_get_the_last_complete_build(tmp_path: Path) -> None:
    (tmp_path / "version.txt").write_text("0")
    running = start_process(["-c", SLOW_SERVE, str(tmp_path)])
    seen: list[tuple[int, str]] = []
    done = threading.Event()

    def fetch() -> None:
        while not done.is_set():
            for number in range(12):
                response = running.get(f"/page-{number}.html")
                seen.append((response.status, response.body[response.body.find("version") :][:9]))

    reader = threading.Thread(target=fetch)
    reader.start()
    try:
        for version in range(1, 4):
            with running.reload_socket() as reload_socket:
                (tmp_path / "version.txt").write_text(str(version))
                wait_for_reload(reload_socket)
            running.wait_for_line(f"^built version {version}$")
    finally:
        done.set()
        reader.join(timeout=30)
        running.stop()
    assert running.count(REBUILDING) == 3
    # As in newsgen build, so that a build's signal-based time limit works in the preview too.
    assert running.count("^built in the main thread: True$") == 4
    assert len(seen) > 36
    assert {status for status, _ in seen} == {200}
    assert {body for _, body in seen} <= {f"version {version}" for version in range(4)}
