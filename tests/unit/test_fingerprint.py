"""Digests of the values pages are made from: equal values give equal digests in any build, different values different ones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from newsgen.fingerprint import Fingerprints
from newsgen.models import Author, Link, Section


def digest(value: object) -> bytes:
    return Fingerprints().digest(value)


def test_values_a_loose_encoding_would_confuse_get_different_digests() -> None:
    pairs: list[tuple[object, object]] = [
        (("ab",), ("a", "b")),
        (("a", "bc"), ("ab", "c")),
        ("1", 1),
        (True, 1),
        (None, "None"),
        ([1, 2], (1, 2)),
        ({"a": 1}, (("a", 1),)),
        ({"a": (1, 2)}, {"a": (1,), 2: ()}),
        ((), [()]),
        (Section("city", "City"), ("city", "City")),
        (Section("city", "City"), Section("city", "Town")),
        (Author("Ana", "ana", links=(Link("x", "/x"),)), Author("Ana", "ana", links=(Link("x", "/y"),))),
        (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)),
        (Path("a/b.md"), Path("a/c.md")),
    ]
    for first, second in pairs:
        assert digest(first) != digest(second), (first, second)


def test_equal_values_made_apart_get_the_same_digest_in_another_build() -> None:
    def make() -> object:
        author = Author("Ana", "ana", bio="Writes.", links=(Link("site", "https://ana.example"),))
        return {"people": (author, author), "when": datetime(2026, 1, 1, tzinfo=UTC), "path": Path("a.md"), "n": [1]}

    assert Fingerprints().digest(make()) == Fingerprints().digest(make())


def test_a_shared_dataclass_is_digested_once_and_remembered_by_identity() -> None:
    fingerprints = Fingerprints()
    section = Section("city", "City")
    first = fingerprints.call_digest(test_a_shared_dataclass_is_digested_once_and_remembered_by_identity, (section,))
    assert fingerprints.digest(section) == Fingerprints().digest(Section("city", "City"))
    again = fingerprints.call_digest(test_a_shared_dataclass_is_digested_once_and_remembered_by_identity, (section,))
    assert first == again


def test_a_seeded_digest_stands_for_its_object() -> None:
    section = Section("city", "City")
    seeded = Fingerprints({id(section): (section, b"s" * 32)})
    assert seeded.digest(section) == b"s" * 32
    assert seeded.digest((section,)) != Fingerprints().digest((section,))


def test_a_call_digest_names_its_function() -> None:
    fingerprints = Fingerprints()
    assert fingerprints.call_digest(str, ("a",)) == Fingerprints().call_digest(str, ("a",))
    assert fingerprints.call_digest(str, ("a",)) != fingerprints.call_digest(repr, ("a",))
    assert fingerprints.call_digest(str, ("a",)) != fingerprints.call_digest(str, ("a", "b"))
