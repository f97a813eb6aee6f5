"""Stable digests of the values a page is rendered from, so an unchanged page need not be rendered again.

A digest covers every value reachable from the arguments a page's template context is
made from (frozen dataclasses, tuples, dicts, dates, strings), so two pages with equal
digests render to equal bytes through the same templates. Strings, numbers, tuples, lists
and dicts are written out with their type and length, so that no two different values
write the same bytes; each dataclass instance is written as its own digest, computed once
per build and remembered by identity (the object is kept alive with its digest, so an
identity is never reused); any other value (a date, a path) is serialised with ``pickle``.
Equal digests imply equal values; the reverse need not hold, which can only cost a
needless render, never a wrong page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
from collections.abc import Callable
from typing import Any


def _ref(digest: bytes) -> bytes:
    """What a dataclass instance is serialised as inside a pickled value (never called: only named)."""
    return digest


class _DigestPickler(pickle.Pickler):
    def __init__(self, stream: io.BytesIO, owner: Fingerprints) -> None:
        super().__init__(stream, protocol=5)
        self.owner = owner

    def reducer_override(self, obj: Any) -> Any:
        if hasattr(type(obj), "__dataclass_fields__"):
            return _ref, (self.owner.digest(obj),)
        return NotImplemented


class Fingerprints:
    """Digests of values within one build; ``known`` seeds digests of objects whose origin is already hashed."""

    def __init__(self, known: dict[int, tuple[object, bytes]] | None = None) -> None:
        # id → (the object, kept alive so that its identity is not reused, and its digest)
        self._memo: dict[int, tuple[object, bytes]] = dict(known or {})
        self._digests: dict[int, bytes] = {number: digest for number, (_, digest) in self._memo.items()}
        # each dataclass type's encoded name and field names; each function's encoded name
        self._fields: dict[type, tuple[bytes, tuple[str, ...]]] = {}
        self._names: dict[Callable[..., object], bytes] = {}

    def call_digest(self, function: Callable[..., object], args: tuple[Any, ...]) -> bytes:
        """The digest of ``function(*args)`` for a pure ``function`` of newsgen's own code (named by its
        qualified name; the code itself is covered by the caller's key), without calling it. Dataclass values
        shared by many calls, such as the site or an article, are digested once."""
        return hashlib.sha256(self.call_encoding(function, args)).digest()

    def call_encoding(self, function: Callable[..., object], args: tuple[Any, ...]) -> bytes:
        """What ``call_digest`` hashes, for a caller that hashes it with more (two calls give equal bytes
        only if they name the same function with equal arguments)."""
        prefix = self._names.get(function)
        if prefix is None:
            parts: list[bytes] = []
            self._write((function.__module__, function.__qualname__), parts)
            prefix = self._names[function] = b"".join(parts)
        parts = [prefix]
        self._write_items(args, parts)
        return b"".join(parts)

    def joined(self, values: tuple[Any, ...]) -> bytes:
        """The digests of ``values``, one after another (a list's articles, all digested already as a rule)."""
        get = self._digests.get
        return b"".join([get(id(value)) or self.digest(value) for value in values])

    def digest(self, value: object) -> bytes:
        """The SHA-256 of ``value`` (the values digested are never changed once made)."""
        remembered = self._digests.get(id(value))
        if remembered is not None:
            return remembered
        kind = type(value)
        parts: list[bytes] = []
        if hasattr(kind, "__dataclass_fields__"):
            found = self._fields.get(kind)
            if found is None:
                name: list[bytes] = []
                self._write(f"{kind.__module__}.{kind.__qualname__}", name)
                found = self._fields[kind] = (b"".join(name), tuple(item.name for item in dataclasses.fields(value)))  # type: ignore[arg-type]
            parts.append(found[0])
            self._write_items(tuple([getattr(value, field) for field in found[1]]), parts)
        else:
            self._write(value, parts)
        result = hashlib.sha256(b"".join(parts)).digest()
        self._memo[id(value)] = (value, result)
        self._digests[id(value)] = result
        return result

    def _write_items(self, items: tuple[Any, ...] | list[Any], parts: list[bytes], uniform: bool = False) -> None:
        """Append the encoding of a tuple or list (its tag, its length, its items); ``uniform``: its items are
        likely all digested already (not so the arguments of a call or the fields of a dataclass)."""
        parts += (b"(" if type(items) is tuple else b"[", len(items).to_bytes(8, "little"))
        get = self._digests.get
        if uniform:
            # A tuple of a page's articles or bylines holds only values already digested.
            known = [get(id(item)) for item in items]
            if None not in known:
                if known:
                    parts += (b"R", b"R".join(known))  # type: ignore[arg-type]
                return
        for item in items:
            remembered = get(id(item))
            if remembered is not None:
                parts += (b"R", remembered)
            else:
                self._write(item, parts)

    def _write(self, value: object, parts: list[bytes]) -> None:
        """Append an encoding of ``value`` to ``parts``: a type tag, then a length where the size varies."""
        kind = type(value)
        if kind is str:
            data = value.encode("utf-8", "surrogatepass")  # type: ignore[attr-defined]
            parts += (b"S", len(data).to_bytes(8, "little"), data)
            return
        remembered = self._digests.get(id(value))
        if remembered is not None:
            parts += (b"R", remembered)
        elif kind is tuple or kind is list:
            self._write_items(value, parts, uniform=True)  # type: ignore[arg-type]
        elif value is None or kind is bool or kind is int:
            parts += (b"A", repr(value).encode(), b";")
        elif kind is dict:
            mapping: Any = value
            parts += (b"{", len(mapping).to_bytes(8, "little"))
            for key, item in mapping.items():
                self._write(key, parts)
                self._write(item, parts)
        elif hasattr(kind, "__dataclass_fields__"):
            parts += (b"R", self.digest(value))
        else:
            stream = io.BytesIO()
            _DigestPickler(stream, self).dump(value)
            data = stream.getvalue()
            parts += (b"P", len(data).to_bytes(8, "little"), data)
