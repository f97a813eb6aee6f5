"""The preview server's pure rules: which hosts and origins it answers, and what it puts into pages."""

from __future__ import annotations

import pytest

from newsgen.serve import HostPolicy, inject, is_loopback, overlay_html, preview_snippet

LOCAL = HostPolicy.for_bound("127.0.0.1", 8000)
EVERYWHERE = HostPolicy.for_bound("0.0.0.0", 8000)


@pytest.mark.parametrize("host", ["localhost", "LocalHost:8000", "127.0.0.1", "127.0.0.1:8000", "[::1]:8000", "[::1]"])
def test_loopback_names_are_allowed(host: str) -> None:
    assert LOCAL.allows_host(host)


@pytest.mark.parametrize(
    "host",
    ["", "evil.example", "evil.example:8000", "127.0.0.1.evil.example", "192.168.1.20:8000", "localhost:x", "[::1"],
)
def test_other_names_are_refused(host: str) -> None:
    assert not LOCAL.allows_host(host)


def test_bound_to_every_interface_any_address_but_no_other_name() -> None:
    assert EVERYWHERE.allows_host("192.168.1.20:8000")
    assert EVERYWHERE.allows_host("[fe80::1]:8000")
    assert not EVERYWHERE.allows_host("evil.example:8000")
    assert HostPolicy.for_bound("192.168.1.20", 8000).allows_host("192.168.1.20:8000")
    assert not HostPolicy.for_bound("192.168.1.20", 8000).allows_host("192.168.1.21:8000")


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://127.0.0.1:3000", False),
        ("http://evil.example:8000", False),
        ("null", False),
        ("file://", False),
        ("http://127.0.0.1:99999", False),
    ],
)
def test_origins(origin: str, allowed: bool) -> None:
    assert LOCAL.allows_origin(origin) is allowed


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.0.0.5") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2") and not is_loopback("example.org")


def test_errors_are_escaped_in_the_overlay() -> None:
    shown = overlay_html(["content/a.md:3: unknown section '<script>x</script>'"])
    assert "content/a.md:3: unknown section &#x27;&lt;script&gt;x&lt;/script&gt;&#x27;" in shown
    assert "<script>x" not in shown


def test_the_snippet_goes_before_the_first_head_end() -> None:
    page = b"<html><HEAD><title>t</title></HEAD><body>x</head></body></html>"
    injected = inject(page, b"<!--here-->")
    assert injected == b"<html><HEAD><title>t</title><!--here--></HEAD><body>x</head></body></html>"
    assert inject(b"<p>no head</p>", b"<!--here-->") == b"<p>no head</p>"
    assert b"newsgen-serve-overlay" not in preview_snippet([])
    assert b"newsgen-serve-overlay" in preview_snippet(["x.md:1: bad"])
