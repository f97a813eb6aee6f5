"""newsgen.yaml: defaults, every kind of error with its line, all errors at once."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsgen.config import DEFAULT_EMBED_HOSTS, DEFAULT_PERMALINK, SiteConfig, load_config, parse_config
from newsgen.errors import BuildFailed
from newsgen.models import Section


def parse(text: str, site: Path = Path("site")) -> SiteConfig:
    return parse_config(site, site / "newsgen.yaml", text)


def errors_of(text: str) -> list[str]:
    with pytest.raises(BuildFailed) as failure:
        parse(text)
    return [str(error) for error in failure.value.errors]


REQUIRED = "title: The Test Times\nbase_url: https://news.example.org\n"


def test_only_title_and_base_url_are_needed_and_the_rest_has_defaults() -> None:
    config = parse(REQUIRED)
    assert config.title == "The Test Times"
    assert config.base_url == "https://news.example.org/"
    assert config.base_path == "/"
    assert config.language == "en"
    assert config.direction == "ltr"
    assert config.timezone == ZoneInfo("UTC")
    assert config.sections == (Section("news", "News"),)
    assert config.per_page == 20
    assert config.permalink == DEFAULT_PERMALINK
    assert config.logo == ""
    assert config.ads.enabled is False
    assert config.ads.slots == ()
    assert config.comments.provider == "none"
    assert config.feed_entries == 20
    assert config.robots_txt is True
    assert config.embed_hosts == DEFAULT_EMBED_HOSTS
    assert config.trusted_html is False


def test_every_setting_is_read_into_the_frozen_config() -> None:
    config = parse(
        REQUIRED
        + """\
tagline: News every day
language: ur
direction: rtl
timezone: Asia/Karachi
sections:
  - {key: city, title: City news}
  - world
per_page: 5
permalink: /{year}/{slug}/
logo: /logo.svg
ads:
  client: ca-pub-1
  slots:
    header: {slot: "111", width: 728, height: 90}
  ads_txt: [google.com, pub-1, DIRECT]
comments: {provider: disqus, shortname: testtimes}
feed_entries: 7
robots_txt: false
embed_hosts: [player.vimeo.com]
trusted_html: true
"""
    )
    assert config.tagline == "News every day"
    assert (config.language, config.direction) == ("ur", "rtl")
    assert config.timezone == ZoneInfo("Asia/Karachi")
    assert config.sections == (Section("city", "City news"), Section("world", "World"))
    assert config.per_page == 5
    assert config.permalink == "/{year}/{slug}/"
    assert config.ads.enabled is True
    assert config.ads.client == "ca-pub-1"
    header = config.ads.slot("header")
    assert header is not None and (header.slot, header.width, header.height) == ("111", 728, 90)
    assert config.ads.slot("footer") is None
    assert config.comments.provider == "disqus" and config.comments.shortname == "testtimes"
    assert (config.feed_entries, config.robots_txt, config.trusted_html) == (7, False, True)
    assert config.embed_hosts == ("player.vimeo.com",)
    with pytest.raises(AttributeError):
        config.title = "Changed"  # type: ignore[misc]


def test_a_base_url_with_a_sub_path_keeps_it_as_the_base_path() -> None:
    config = parse("title: T\nbase_url: https://example.github.io/paper\n")
    assert config.base_url == "https://example.github.io/paper/"
    assert config.base_path == "/paper/"


def test_missing_title_and_base_url_are_both_reported() -> None:
    assert errors_of("tagline: x\n") == [
        "site/newsgen.yaml:1: missing required field 'base_url'",
        "site/newsgen.yaml:1: missing required field 'title'",
    ]


def test_an_unknown_key_is_named_with_the_key_it_was_probably_meant_to_be() -> None:
    assert errors_of(REQUIRED + "per_pgae: 10\n") == [
        "site/newsgen.yaml:3: unknown key 'per_pgae'; did you mean 'per_page'?"
    ]


def test_an_unknown_key_far_from_every_known_one_gets_no_suggestion() -> None:
    assert errors_of(REQUIRED + "xyzzy: 1\n") == ["site/newsgen.yaml:3: unknown key 'xyzzy'"]


def test_a_nested_unknown_key_is_named_with_its_parent() -> None:
    assert errors_of(REQUIRED + "comments: {provider: none, shortnme: x}\n") == [
        "site/newsgen.yaml:3: unknown key 'comments.shortnme'; did you mean 'comments.shortname'?"
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("per_page: many", "'per_page' must be a whole number, not 'many'"),
        ("per_page: 0", "'per_page' must be at least 1, not 0"),
        ("robots_txt: maybe", "'robots_txt' must be true or false, not 'maybe'"),
        ("tagline: 12", "'tagline' must be text, but YAML read a number (12); put it in quotes"),
        ("sections: city", "'sections' must be a non-empty list of {key, title}"),
        ("ads: [1, 2]", "'ads' must be a mapping of keys to values, not list"),
        ("timezone: Mars/Olympus", "unknown timezone 'Mars/Olympus' (use an IANA name such as Asia/Karachi)"),
        ("direction: up", "direction must be 'ltr' or 'rtl', not 'up'"),
        ("comments: {provider: facebook}", "comments.provider must be one of none, giscus, disqus, not 'facebook'"),
        ("comments: {provider: disqus}", "missing required field 'comments.shortname'"),
        ("ads: {enabled: true}", "ads are enabled but 'ads.client' (the ad network's publisher id) is not set"),
        ("sections: [{key: tags}]", "section key 'tags' is reserved for newsgen's own pages"),
        ("sections: [city, city]", "section 'city' is declared twice"),
        (
            "sections: [{key: 'a b'}]",
            "section key: slug 'a b' may hold only letters, digits and hyphens (no dots, slashes or spaces)",
        ),
    ],
)
def test_each_wrong_value_is_reported_at_its_line(line: str, message: str) -> None:
    assert errors_of(REQUIRED + line + "\n") == [f"site/newsgen.yaml:3: {message}"]


@pytest.mark.parametrize(
    ("permalink", "message"),
    [
        ("/{section}/{yr}/{slug}/", "has unknown placeholder {yr}; use {section}, {year}, {month}, {day}, {slug}"),
        ("/{section}/{year}/", "must contain {slug}"),
        ("{section}/{slug}/", "must start with '/'"),
        ("/../{slug}/", "must not contain '..'"),
        ("/{slug/", "is malformed: expected '}' before end of string"),
    ],
)
def test_a_bad_permalink_placeholder_is_reported(permalink: str, message: str) -> None:
    assert errors_of(REQUIRED + f"permalink: '{permalink}'\n") == [
        f"site/newsgen.yaml:3: permalink '{permalink}' {message}"
    ]


def test_a_base_url_that_is_not_http_is_an_error() -> None:
    assert errors_of("title: T\nbase_url: ftp://example.org/\n") == [
        "site/newsgen.yaml:2: base_url 'ftp://example.org/' must be an absolute http(s) URL"
    ]


def test_every_problem_is_reported_at_once_in_the_order_of_the_file() -> None:
    text = """\
title: T
base_url: https://example.org/
timezone: Europe/Atlantis
per_pgae: 10
per_page: -3
permalink: /{section}/{when}/{slug}/
sections:
  - {key: city, titel: City}
"""
    assert errors_of(text) == [
        "site/newsgen.yaml:3: unknown timezone 'Europe/Atlantis' (use an IANA name such as Asia/Karachi)",
        "site/newsgen.yaml:4: unknown key 'per_pgae'; did you mean 'per_page'?",
        "site/newsgen.yaml:5: 'per_page' must be at least 1, not -3",
        "site/newsgen.yaml:6: permalink '/{section}/{when}/{slug}/' has unknown placeholder {when}; "
        "use {section}, {year}, {month}, {day}, {slug}",
        "site/newsgen.yaml:8: unknown key 'sections.titel'; did you mean 'sections.title'?",
    ]


def test_yaml_that_does_not_parse_is_reported_at_its_line() -> None:
    (message,) = errors_of("title: T\nbase_url: https://example.org/\nsections: [city\nper_page: 3\n")
    assert message.startswith("site/newsgen.yaml:4: YAML does not parse:")


def test_a_config_that_is_not_a_mapping_is_an_error() -> None:
    assert errors_of("- title\n- base_url\n") == ["site/newsgen.yaml:1: newsgen.yaml must be a mapping of settings"]


def test_load_config_reads_the_site_folder_and_tolerates_a_bom(tmp_path: Path) -> None:
    (tmp_path / "newsgen.yaml").write_bytes(b"\xef\xbb\xbf" + REQUIRED.encode())
    config = load_config(tmp_path)
    assert config.title == "The Test Times"
    assert config.root == tmp_path
    assert config.content_dir == tmp_path / "content"
    assert config.templates_dir == tmp_path / "templates"
    assert config.static_dir == tmp_path / "static"


def test_load_config_without_a_config_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed) as failure:
        load_config(tmp_path)
    assert [str(error) for error in failure.value.errors] == [
        f"{tmp_path}/newsgen.yaml: no newsgen.yaml here; is {tmp_path} a newsgen site?"
    ]


def test_a_config_that_is_not_utf8_is_reported_at_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    (tmp_path / "newsgen.yaml").write_bytes(b"title: T\nbase_url: https://x.org/\ntagline: caf\xe9\n")
    with pytest.raises(BuildFailed) as failure:
        load_config(tmp_path)
    assert [str(error) for error in failure.value.errors] == [
        f"{tmp_path}/newsgen.yaml:3: file is not UTF-8 text; save it as UTF-8"
    ]


def test_crlf_line_endings_keep_lines_right() -> None:
    assert errors_of("title: T\r\nbase_url: https://x.org/\r\nper_pgae: 1\r\n") == [
        "site/newsgen.yaml:3: unknown key 'per_pgae'; did you mean 'per_page'?"
    ]
