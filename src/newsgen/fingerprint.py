"""Stable digests of the values a page is rendered from, so an unchanged page need not be rendered again.

A digest covers every value reachable from a template context (frozen dataclasses,
tuples, dicts, dates, strings), so two contexts with equal digests render to equal
bytes through the same templates. The values are serialised with ``pickle`` (fast, in
C), except that each dataclass instance is replaced by its own digest, computed once
per build and remembered by identity (the object is kept alive with its digest, so
an identity is never reused). Equal digests imply equal values; the reverse need not
hold, which can only cost a needless render, never a wrong page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
from typing import Any


def _ref(digest: bytes) -> bytes:
    """What a dataclass instance is serialised as inside a digest (never called: only named)."""
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
        self._memo: dict[int, tuple[object, bytes]] = dict(known or {})
        self._fields: dict[type, tuple[str, ...]] = {}

    def context_digest(self, context: dict[str, Any]) -> bytes:
        """The digest of a template context: its keys with the digest of each value (values shared by many
        pages, such as the site or the bylines' people, are digested once)."""
        parts: list[str] = []
        for key, value in context.items():
            parts.append(f"{len(key)}:{key}")
            kind = type(value)
            if kind is str:
                parts.append(f"s{len(value)}:{value}")
            elif kind is bool or kind is int or kind is float or value is None:
                parts.append(f"{kind.__name__}:{value!r};")
            else:
                parts.append(self.digest(value).hex())
        return hashlib.sha256("".join(parts).encode("utf-8", "surrogatepass")).digest()

    def digest(self, value: object) -> bytes:
        """The SHA-256 of ``value`` (contexts and the values in them are never changed once made)."""
        remembered = self._memo.get(id(value))
        if remembered is not None:
            return remembered[1]
        if hasattr(type(value), "__dataclass_fields__"):
            kind = type(value)
            names = self._fields.get(kind)
            if names is None:
                names = self._fields[kind] = tuple(field.name for field in dataclasses.fields(value))  # type: ignore[arg-type]
            subject: object = (f"{kind.__module__}.{kind.__qualname__}", tuple(getattr(value, name) for name in names))
        else:
            subject = value
        stream = io.BytesIO()
        _DigestPickler(stream, self).dump(subject)
        result = hashlib.sha256(stream.getbuffer()).digest()
        self._memo[id(value)] = (value, result)
        return result
