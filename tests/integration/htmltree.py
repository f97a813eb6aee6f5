"""A small HTML tree from the standard library's parser, enough to check built pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The element's text, whitespace collapsed."""
        return " ".join("".join(self._texts()).split())

    def _texts(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child._texts()

    def iter(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        """Descendants with this tag whose attributes hold these values (``class_`` matches one class)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}

        def matches(element: Element) -> bool:
            for name, value in wanted.items():
                if name == "class":
                    if value not in element.attrs.get("class", "").split():
                        return False
                elif element.attrs.get(name) != value:
                    return False
            return True

        return [element for element in self.iter() if element.tag == tag and matches(element)]

    def find(self, tag: str, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}>"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def page(out: Path, relative: str) -> Element:
    """The built page at ``relative`` (a path inside the output folder), parsed."""
    return parse((out / relative).read_text(encoding="utf-8"))


def internal_targets(document: Element, base_path: str = "/") -> list[str]:
    """Every site-internal href/src of the page, as a path inside the output folder."""
    targets = []
    for element in document.iter():
        for name in ("href", "src"):
            value = element.attrs.get(name)
            if value is None:
                continue
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            assert parts.path.startswith(base_path), f"{value} is not under the base path {base_path}"
            relative = unquote(parts.path[len(base_path) :])
            targets.append(relative + "index.html" if relative in ("",) or relative.endswith("/") else relative)
    return targets


def broken_links(out: Path, base_path: str = "/") -> list[str]:
    """Links and sources of every HTML page in ``out`` that lead to no file."""
    missing = []
    for path in sorted(out.rglob("*.html")):
        for target in internal_targets(parse(path.read_text(encoding="utf-8")), base_path):
            if not (out / target).is_file():
                missing.append(f"{path.relative_to(out)} → {target}")
    return missing
