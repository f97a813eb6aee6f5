"""Strict YAML with line numbers, and the typed field reader on top of it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgen.errors import ConfigError
from newsgen.yamlsource import FieldReader, YamlMap, closest, load_yaml

PATH = Path("file.yaml")


def load(text: str, line_offset: int = 0) -> object:
    return load_yaml(text, PATH, ConfigError, line_offset=line_offset)


def reader(text: str) -> FieldReader:
    data = load(text)
    assert isinstance(data, YamlMap)
    return FieldReader(data, PATH, ConfigError)


def problem(text: str, line_offset: int = 0) -> str:
    with pytest.raises(ConfigError) as error:
        load(text, line_offset)
    return str(error.value)


def test_mappings_remember_the_line_of_each_key() -> None:
    data = load("a: 1\n\nb:\n  c: 2\n  d: 3\n")
    assert isinstance(data, YamlMap)
    assert (data.line_of("a"), data.line_of("b")) == (1, 3)
    assert isinstance(data["b"], YamlMap)
    assert (data["b"].line, data["b"].line_of("d")) == (4, 5)
    assert data.line_of("missing") == data.line == 1


def test_the_line_offset_shifts_every_line() -> None:
    data = load("a: 1\nb: 2\n", line_offset=10)
    assert isinstance(data, YamlMap)
    assert data.line_of("b") == 12
    assert problem("a: [1\nb: 2\n", line_offset=10).startswith("file.yaml:12: YAML does not parse:")


def test_dates_stay_text() -> None:
    assert load("date: 2025-10-28\nwhen: 2025-10-28T09:30:00+05:00\n") == {
        "date": "2025-10-28",
        "when": "2025-10-28T09:30:00+05:00",
    }


def test_a_duplicate_key_names_both_lines() -> None:
    assert problem("title: a\nsummary: b\ntitle: c\n") == "file.yaml:3: duplicate key 'title' (first on line 1)"


def test_a_key_yaml_reads_as_a_boolean_must_be_quoted() -> None:
    assert problem("title: x\non: 1\n") == (
        "file.yaml:2: key 'on' was read by YAML as a boolean, not as text; put it in quotes"
    )


def test_yaml_that_does_not_parse_points_at_the_bad_line() -> None:
    message = problem("a: 1\nb: 'open\n")
    assert message.startswith("file.yaml:3: YAML does not parse:"), message


def test_closest_suggests_only_near_misses() -> None:
    assert closest("per_pgae", ["per_page", "permalink"]) == "per_page"
    assert closest("qqq", ["per_page", "permalink"]) is None


def test_field_reader_reads_types_and_collects_every_problem() -> None:
    fields = reader("title: '  Hello  '\ncount: 3\nflag: true\ntags: one\nmany: [a, ' ', b]\nbad: [1, 2]\nnum: 4\n")
    assert fields.text("title") == "Hello"
    assert fields.integer("count", 0) == 3
    assert fields.boolean("flag", False) is True
    assert fields.text_list("tags") == ("one",)
    assert fields.text_list("many") == ("a", "b")
    assert fields.errors == []
    assert fields.text_list("bad") == ()
    assert fields.text("num", "default") == "default"
    assert fields.boolean("count", False) is False
    assert fields.integer("flag", 9) == 9
    assert fields.text("absent", required=True) == ""
    assert [str(error) for error in fields.errors] == [
        "file.yaml:6: 'bad' must be text or a list of texts, not [1, 2]",
        "file.yaml:7: 'num' must be text, but YAML read a number (4); put it in quotes",
        "file.yaml:2: 'count' must be true or false, not 3",
        "file.yaml:3: 'flag' must be a whole number, not True",
        "file.yaml:1: missing required field 'absent'",
    ]


def test_an_empty_required_text_is_an_error() -> None:
    fields = reader("title: x\nsummary: '   '\n")
    assert fields.text("summary", required=True) == ""
    assert [str(error) for error in fields.errors] == ["file.yaml:2: required field 'summary' is empty"]


def test_unknown_keys_are_named_with_a_suggestion() -> None:
    fields = reader("titel: x\nsection: y\n")
    fields.unknown_keys(("title", "section"))
    assert [str(error) for error in fields.errors] == ["file.yaml:1: unknown key 'titel'; did you mean 'title'?"]


# Pieces of YAML where libyaml and PyYAML's pure-Python reader are known to part ways
# (tabs, byte order marks, bare tags, block scalar headers, line separators), and the usual syntax.
YAML_PIECES = [
    *["a", "b: ", "c:", " ", "  ", "\n", "- ", "[", "]", "{", "}", ", ", "'", '"', "&x ", "*x", "#", "? ", ":"],
    *["|", ">", "|-", ">+", "|2", "\t", "---", "...", "!!str ", "!!int ", "!", "!foo ", "%YAML 1.1\n", "<<: "],
    *["1", "2025-01-01", "yes", "null", "~", "0x1F", "1_000", ".inf", "é", "漢字", "\\u00e9", "\\", "@", "`"],
    *["\u2028", "\u2029", "\ufeff", "\u00a0", '"\\ud800"', "key: |\n  text\n", "z: 'multi\n  line'\n"],
]


def outcome(text: str, *, libyaml: bool) -> tuple[str, str]:
    try:
        data = load_yaml(text, PATH, ConfigError, libyaml=libyaml)
    except ConfigError as error:
        return "error", str(error)
    return repr(data), repr(getattr(data, "key_lines", None))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(YAML_PIECES), max_size=30).map("".join))
def test_libyaml_reads_exactly_what_pyyaml_reads(text: str) -> None:
    """libyaml only makes reading faster: the same values, key lines and error messages."""
    assert yaml.__with_libyaml__, "PyYAML without libyaml: the fast path is untested"
    assert outcome(text, libyaml=True) == outcome(text, libyaml=False)


@pytest.mark.parametrize("text", ["a: &x [*x]", "a:\n  b: &x\n    c: [1, *x]\n", "&x {<<: *x}"])
def test_an_alias_inside_its_own_value_is_refused(text: str) -> None:
    assert "alias stands inside the value it refers to" in problem(text)
