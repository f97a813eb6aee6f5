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
    def __init__(self, stream: io.BytesIO, owner: Fingerprints, depth: int) -> None:
        super().__init__(stream, protocol=5)
        self.owner = owner
        self.depth = depth
        self.remembered = owner.reduced.get

    def reducer_override(self, obj: Any) -> Any:
        reduced = self.remembered(id(obj))
        if reduced is not None:
            return reduced
        if hasattr(type(obj), "__dataclass_fields__"):
            self.owner.digest(obj, self.depth + 1)
            return self.owner.reduced[id(obj)]
        return NotImplemented


class Fingerprints:
    """Digests of values within one build; ``known`` seeds digests of objects whose origin is already hashed."""

    def __init__(self, known: dict[int, tuple[object, bytes]] | None = None) -> None:
        self._memo: dict[int, tuple[object, bytes]] = dict(known or {})
        # What each dataclass instance with a digest is pickled as (by identity, like the digests).
        self.reduced: dict[int, tuple[object, tuple[bytes]]] = {
            number: (_ref, (digest,)) for number, (_, digest) in self._memo.items()
        }
        self._fields: dict[type, tuple[str, ...]] = {}
        # One pickler per nesting depth, reused: a dataclass met while pickling is digested by the next one.
        self._picklers: list[tuple[io.BytesIO, _DigestPickler]] = []

    def context_digest(self, context: dict[str, Any]) -> bytes:
        """The digest of a template context, its keys and values in order (dataclass values shared by many
        pages, such as the site or an article, are digested once)."""
        return self._hash(context, 0)

    def digest(self, value: object, depth: int = 0) -> bytes:
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
        result = self._hash(subject, depth)
        self._memo[id(value)] = (value, result)
        self.reduced[id(value)] = (_ref, (result,))
        return result

    def _hash(self, subject: object, depth: int) -> bytes:
        while len(self._picklers) <= depth:
            stream = io.BytesIO()
            self._picklers.append((stream, _DigestPickler(stream, self, len(self._picklers))))
        stream, pickler = self._picklers[depth]
        stream.seek(0)
        stream.truncate()
        pickler.clear_memo()
        pickler.dump(subject)
        return hashlib.sha256(stream.getbuffer()).digest()
