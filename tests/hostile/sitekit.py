"""Small hostile-input fixture sites, built through the real pipeline, and a checker for what they produce."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

from newsgen.cli import main
from tests.conftest import write_tree

CONFIG = """title: The Test Ledger
base_url: https://news.example.org/
timezone: UTC
sections:
  - {key: news, title: News}
"""
FRONT_MATTER = """title: A plain headline
date: 2026-01-05T09:00:00+00:00
byline: Sana Mirza
section: news
"""
BODY = "First paragraph.\n\nSecond paragraph.\n"
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")


def article(front_matter: str = FRONT_MATTER, body: str = BODY) -> str:
    return f"---\n{front_matter}---\n{body}"


def site(root: Path, articles: Mapping[str, str], extra: Mapping[str, str | bytes] | None = None) -> Path:
    """A site with the test config and the given articles (name → file text) under content/articles/."""
    files: dict[str, str | bytes] = {"newsgen.yaml": CONFIG}
    files.update({f"content/articles/{name}": text for name, text in articles.items()})
    files.update(extra or {})
    return write_tree(root, files)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def run(*args: str) -> Run:
    """``newsgen ARGS`` in this process, with its exit code and output (a traceback would propagate)."""
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return Run(code, out.getvalue(), err.getvalue())


def build(root: Path, *extra: str) -> Run:
    return run("build", str(root), "--out", str(root / "public"), *extra)


@dataclass
class PageScan(HTMLParser):
    """What a security review looks for in a page: scripts, event handlers, dangerous URLs."""

    scripts: list[tuple[dict[str, str | None], str]] = field(default_factory=list)
    handlers: list[tuple[str, str, str | None]] = field(default_factory=list)
    unsafe_urls: list[tuple[str, str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    urls: list[str] = field(default_factory=list)
    _script: dict[str, str | None] | None = None
    _script_text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            is_url = name in ("href", "src", "action", "formaction", "poster", "srcset")
            if is_url and value is not None:
                self.urls.append(value)
            if is_url and value and value.strip().lower().startswith(UNSAFE_SCHEMES):
                self.unsafe_urls.append((tag, name, value))
        if tag == "script":
            self._script, self._script_text = dict(attrs), []
        if tag == "meta":
            values = dict(attrs)
            name = values.get("property") or values.get("name")
            if name and values.get("content") is not None:
                self.meta[name] = values["content"] or ""

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None


def scan(html: str) -> PageScan:
    scanner = PageScan()
    scanner.feed(html)
    scanner.close()
    return scanner


def check_output(out: Path, marker: str) -> list[str]:
    """Problems in a built tree: content-made scripts or handlers, unsafe URLs, bad JSON-LD or XML.

    ``marker`` is a word planted in every hostile value: a script other than
    JSON-LD that holds it came from content. JSON-LD and XML must parse.
    """
    problems: list[str] = []
    for page in sorted(out.rglob("*.html")):
        found = scan(page.read_text(encoding="utf-8"))
        name = page.relative_to(out)
        problems += [f"{name}: event handler {tag} {attr}={value!r}" for tag, attr, value in found.handlers]
        problems += [f"{name}: unsafe URL {tag} {attr}={value!r}" for tag, attr, value in found.unsafe_urls]
        for attrs, text in found.scripts:
            if attrs.get("type") == "application/ld+json":
                try:
                    json.loads(text)
                except ValueError as exc:
                    problems.append(f"{name}: JSON-LD does not parse: {exc}")
            elif marker in text or marker in (attrs.get("src") or ""):
                problems.append(f"{name}: script from content: {text[:80]!r}")
    for document in sorted(out.rglob("*.xml")):
        try:
            ElementTree.parse(document)
        except ElementTree.ParseError as exc:
            problems.append(f"{document.relative_to(out)}: XML does not parse: {exc}")
    return problems
