"""YAML read strictly and with line numbers: mappings remember where each key stood.

Dates stay text (we parse them ourselves, with our own messages), keys must be
text, a key may appear once, and aliases are bounded so that a "billion laughs"
document cannot blow up a build.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import reprlib
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import CollectionNode, MappingNode, Node
from yaml.resolver import Resolver

from .errors import NewsgenError, SourceLocation

MAX_ALIASES = 100
# Aliases are shared, not copied, when read; but anything that walks the value
# (a check, an error message) sees it expanded, so the expanded size is bounded.
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 50
_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 80
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
# Characters no HTML page or XML feed may carry: C0 controls but tab and newline,
# DEL, C1 controls and the two non-characters. They are dropped from all text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Where libyaml and PyYAML read the same text differently: libyaml accepts a tab
# between tokens or inside a plain value and a comment stuck to a block scalar's
# '|' or '>', skips a byte order mark inside the text, and reads a bare '!' tag
# otherwise. Such text is left to PyYAML, so a site reads the same with or without libyaml.
_LIBYAML_DIFFERS = re.compile(r"[\t\ufeff]|[|>][-+0-9]*#|(?:^|[\s,\[{])!")


# Bidirectional embeddings, overrides and isolates, each with the character that ends it.
_BIDI_CLOSERS = {
    "\u202a": "\u202c",
    "\u202b": "\u202c",
    "\u202d": "\u202c",
    "\u202e": "\u202c",
    "\u2066": "\u2069",
    "\u2067": "\u2069",
    "\u2068": "\u2069",
}


def clean_text(text: str) -> str:
    """``text`` without the control characters that no page or feed can hold (tab and newline stay)."""
    return _CONTROL.sub("", text)


def clean_field(text: str) -> str:
    """A YAML string made safe to place anywhere: controls dropped, bidi overrides closed.

    Right-to-left text needs its bidi characters, so they stay; an override or
    isolate left open is closed at the end of the value, so it cannot reorder
    the text that follows it on the page (the rest of a byline, a menu).
    """
    text = clean_text(text)
    open_ones: list[str] = []
    for char in text:
        if char in _BIDI_CLOSERS:
            open_ones.append(_BIDI_CLOSERS[char])
        elif open_ones and char == open_ones[-1]:
            open_ones.pop()
    return text + "".join(reversed(open_ones))


class YamlMap(dict[str, Any]):
    """A mapping read from YAML, with the line of each of its keys."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Problem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def shown(value: object) -> str:
    """``repr(value)`` cut short, for error messages about values of any size."""
    return _SHOWN.repr(value)


def _expanded_size(root: Node) -> int:
    """How many nodes ``root`` has with every alias expanded (each shared node counted once per use).

    A ``_Problem`` if an alias stands inside the value it names (``&a [*a]``): that value has no end.
    """
    sizes: dict[int, int] = {}
    # The stack holds, for every node being sized, its entry with children_done: exactly the path
    # from the root, so meeting a node of that path again is a loop.
    open_nodes: set[int] = set()
    pending: list[tuple[Node, bool]] = [(root, False)]
    while pending:
        node, children_done = pending.pop()
        if id(node) in sizes:
            continue
        if not isinstance(node, CollectionNode):
            sizes[id(node)] = 1
            continue
        children: list[Node] = (
            [part for pair in node.value for part in pair] if isinstance(node, MappingNode) else list(node.value)
        )
        if children_done:
            sizes[id(node)] = 1 + sum(sizes.get(id(child), 0) for child in children)
            open_nodes.discard(id(node))
        elif id(node) in open_nodes:
            raise _Problem(
                node.start_mark.line + 1,
                "a YAML alias stands inside the value it refers to, which would make it endless; remove the alias",
            )
        else:
            open_nodes.add(id(node))
            pending.append((node, True))
            pending.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


class _Strict:
    """Composition with limits: aliases counted, nesting bounded, the expanded size checked."""

    line_offset = 0
    aliases_seen = 0
    depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        composer: Any = self
        if composer.check_event(AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_ALIASES:
                mark = composer.peek_event().start_mark
                raise _Problem(mark.line + 1, f"more than {MAX_ALIASES} YAML aliases; refusing to expand them")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = composer.peek_event().start_mark
                raise _Problem(mark.line + 1, f"YAML nested more than {MAX_DEPTH} levels deep")
            node: Node | None = super().compose_node(parent, index)  # type: ignore[misc]
            return node
        finally:
            self.depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except (yaml.YAMLError, _Problem, RecursionError):
            raise
        except Exception as exc:
            # An explicit tag on a value it does not fit ("!!int" on nothing, "!!bool maybe"): PyYAML's
            # constructors then fail with whatever Python raised, and without a place.
            tag = node.tag.rsplit(":", 1)[-1]
            raise _Problem(
                node.start_mark.line + 1 + self.line_offset,
                f"YAML cannot read {shown(node.value)} as '!!{tag}'; remove the tag or fix the value",
            ) from exc

    def get_single_node(self) -> Node | None:
        node: Node | None = super().get_single_node()  # type: ignore[misc]
        if node is not None and _expanded_size(node) > MAX_EXPANDED_NODES:
            raise _Problem(
                node.start_mark.line + 1,
                f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values; refusing to expand them",
            )
        return node


class _StrictLoader(_Strict, yaml.SafeLoader):
    """Scanning and parsing in Python: the reference, and the source of every error message."""


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastStrictLoader(_Strict, Composer, CParser, SafeConstructor, Resolver):
        """Scanning and parsing by libyaml (six times faster), composing and constructing as ``_StrictLoader``.

        libyaml words its syntax errors differently and may refuse a little more
        than PyYAML does; a document it does not read is read again by
        ``_StrictLoader``, so what is accepted and every message stay PyYAML's.
        """

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _FAST_LOADER: type[Any] | None = _FastStrictLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _FAST_LOADER = None


def _construct_mapping(loader: Any, node: MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    result = YamlMap()
    result.line = node.start_mark.line + 1 + loader.line_offset
    result.key_lines = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1 + loader.line_offset
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise _Problem(
                line,
                f"key '{key_node.value}' was read by YAML as {_describe(key)}, not as text; put it in quotes",
            )
        if key in result:
            raise _Problem(line, f"duplicate key '{key}' (first on line {result.key_lines[key]})")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_text(loader: Any, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    assert isinstance(value, str)
    if match := _SURROGATE.search(value):
        raise _Problem(
            node.start_mark.line + 1 + loader.line_offset,
            f"text holds a lone surrogate (\\u{ord(match.group()):04x}), which is no character; remove the escape",
        )
    return clean_field(value)


for _loader in (_StrictLoader, _FAST_LOADER or _StrictLoader):
    # Dates stay text: no timestamp resolver.
    _loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
    _loader.add_constructor("tag:yaml.org,2002:str", _construct_text)


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def load_yaml(
    text: str,
    path: Path,
    error: type[NewsgenError],
    *,
    line_offset: int = 0,
    libyaml: bool = True,
) -> Any:
    """Parse ``text``; a problem raises ``error`` at its line (shifted by ``line_offset``).

    The result and every message are PyYAML's pure-Python reader's; ``libyaml`` (when PyYAML
    has it) only makes the reading faster, and ``libyaml=False`` reads without it."""
    if libyaml and _FAST_LOADER is not None and not _LIBYAML_DIFFERS.search(text):
        # Whatever libyaml cannot read (or our checks refuse) is read again in Python for the verdict and message.
        with contextlib.suppress(Exception):
            return _read(_FAST_LOADER, text, line_offset)
    try:
        return _read(_StrictLoader, text, line_offset)
    except _Problem as problem:
        raise error(SourceLocation(path, problem.line), problem.message) from None
    except yaml.MarkedYAMLError as exc:
        # A key that never got its ':' is found where it started, not where YAML gave up.
        simple_key = exc.context == "while scanning a simple key"
        mark = (exc.context_mark if simple_key else None) or exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        context = exc.context
        # The mistake is often where the construct began (an unclosed '[' or quote), not where YAML gave up.
        if context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            context = f"{context} that began on line {exc.context_mark.line + 1 + line_offset},"
        message = " ".join(part for part in (context, exc.problem) if part)
        raise error(SourceLocation(path, line), f"YAML does not parse: {message}") from None
    except yaml.YAMLError as exc:
        raise error(SourceLocation(path, line_offset + 1 or None), f"YAML does not parse: {exc}") from None
    except RecursionError:
        raise error(SourceLocation(path, line_offset + 1 or None), "YAML is nested too deeply to read") from None


def _read(loader_type: type[Any], text: str, line_offset: int) -> Any:
    loader = loader_type(text)
    loader.line_offset = line_offset
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def closest(word: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The choice ``word`` was most likely meant to be, if any is close."""
    matches = difflib.get_close_matches(word, choices, n=1)
    return matches[0] if matches else None


class FieldReader:
    """Reads typed fields out of a YAML mapping, collecting every problem with its line."""

    def __init__(self, data: YamlMap, path: Path, error: type[NewsgenError], prefix: str = "") -> None:
        self.data = data
        self.path = path
        self.error_type = error
        self.prefix = prefix
        self.errors: list[NewsgenError] = []

    def line_of(self, key: str) -> int:
        return self.data.line_of(key)

    def fail(self, key: str, message: str) -> None:
        self.errors.append(self.error_type(SourceLocation(self.path, self.line_of(key)), message))

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def child(self, key: str) -> FieldReader | None:
        """A reader over the mapping under ``key`` (sharing this one's error list)."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, YamlMap):
            self.fail(key, f"'{self.name(key)}' must be a mapping of keys to values, not {_describe(value)}")
            return None
        return self.nested(value, f"{self.name(key)}.")

    def nested(self, data: YamlMap, prefix: str) -> FieldReader:
        """A reader over a mapping inside this one, reporting into this reader's error list."""
        reader = FieldReader(data, self.path, self.error_type, prefix)
        reader.errors = self.errors
        return reader

    def unknown_keys(self, allowed: tuple[str, ...] | list[str]) -> None:
        for key in self.data:
            if key not in allowed:
                close = closest(key, allowed)
                hint = f"; did you mean '{self.prefix}{close}'?" if close else ""
                self.fail(key, f"unknown key '{self.name(key)}'{hint}")

    def present(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def text(self, key: str, default: str = "", *, required: bool = False) -> str:
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail(key, f"missing required field '{self.name(key)}'")
            return default
        value = self.data[key]
        if not isinstance(value, str):
            self.fail(
                key,
                f"'{self.name(key)}' must be text, but YAML read {_describe(value)} ({shown(value)}); put it in quotes",
            )
            return default
        stripped: str = value.strip()
        if required and not stripped:
            self.fail(key, f"required field '{self.name(key)}' is empty")
        return stripped

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, f"'{self.name(key)}' must be true or false, not {shown(value)}")
            return default
        return value

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"'{self.name(key)}' must be a whole number, not {shown(value)}")
            return default
        if value < minimum:
            self.fail(key, f"'{self.name(key)}' must be at least {minimum}, not {value}")
            return default
        return value

    def text_list(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        """A list of non-empty strings; a single string counts as a list of one."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, f"missing required field '{self.name(key)}'")
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            self.fail(key, f"'{self.name(key)}' must be text or a list of texts, not {shown(value)}")
            return ()
        cleaned = tuple(item.strip() for item in items if item.strip())
        if required and not cleaned:
            self.fail(key, f"required field '{self.name(key)}' is empty")
        return cleaned
