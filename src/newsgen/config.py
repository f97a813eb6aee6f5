"""The site's configuration: ``newsgen.yaml`` read, validated and frozen into ``SiteConfig``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BuildFailed, ConfigError, SourceLocation
from .models import Section
from .urls import permalink_problem, slug_problem, split_url
from .yamlsource import FieldReader, YamlMap, load_yaml, shown

CONFIG_FILE = "newsgen.yaml"
RESERVED_SECTION_KEYS = ("tags", "authors", "archive", "assets", "page", "feed.xml")
DEFAULT_PERMALINK = "/{section}/{year}/{month}/{day}/{slug}/"
COMMENT_PROVIDERS = ("none", "giscus", "disqus")
DEFAULT_MAX_DELETE_SHARE = 0.25
# S3's rules for bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and ending alphanumeric.
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
DEFAULT_EMBED_HOSTS = (
    "www.youtube-nocookie.com",
    "www.youtube.com",
    "player.vimeo.com",
    "www.openstreetmap.org",
    "open.spotify.com",
    "w.soundcloud.com",
)


@dataclass(frozen=True, slots=True)
class AdSlot:
    name: str
    slot: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class AdsConfig:
    enabled: bool = False
    client: str = ""
    slots: tuple[AdSlot, ...] = ()
    ads_txt: tuple[str, ...] = ()

    def slot(self, name: str) -> AdSlot | None:
        return next((slot for slot in self.slots if slot.name == name), None)


@dataclass(frozen=True, slots=True)
class CommentsConfig:
    provider: str = "none"
    shortname: str = ""
    repo: str = ""
    repo_id: str = ""
    category: str = ""
    category_id: str = ""


@dataclass(frozen=True, slots=True)
class DeployConfig:
    """Where ``newsgen deploy`` uploads the built site: an S3 bucket or an S3-compatible store.

    Credentials are never configured here; they come from the environment.
    """

    bucket: str
    prefix: str = ""
    region: str = ""
    endpoint_url: str = ""
    max_delete_share: float = DEFAULT_MAX_DELETE_SHARE


@dataclass(frozen=True, slots=True)
class SiteConfig:
    root: Path
    title: str
    base_url: str
    tagline: str = ""
    language: str = "en"
    direction: str = "ltr"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    sections: tuple[Section, ...] = ()
    per_page: int = 20
    permalink: str = DEFAULT_PERMALINK
    logo: str = ""
    ads: AdsConfig = AdsConfig()
    comments: CommentsConfig = CommentsConfig()
    feed_entries: int = 20
    robots_txt: bool = True
    embed_hosts: tuple[str, ...] = DEFAULT_EMBED_HOSTS
    trusted_html: bool = False
    deploy: DeployConfig | None = None

    @property
    def base_path(self) -> str:
        """The path part of ``base_url``: '/' for a site at the root of its host."""
        return urlsplit(self.base_url).path or "/"

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    def section(self, key: str) -> Section | None:
        return next((section for section in self.sections if section.key == key), None)


KNOWN_KEYS = (
    "title",
    "tagline",
    "base_url",
    "language",
    "direction",
    "timezone",
    "sections",
    "per_page",
    "permalink",
    "logo",
    "ads",
    "comments",
    "feed_entries",
    "robots_txt",
    "embed_hosts",
    "trusted_html",
    "deploy",
)


def normalise_base_url(url: str) -> str | None:
    """``url`` with a trailing slash, or None when it is no absolute http(s) URL."""
    parts = split_url(url)
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url if url.endswith("/") else url + "/"


def load_config(site: Path) -> SiteConfig:
    """Read ``site/newsgen.yaml``; raise ``BuildFailed`` listing every problem in it."""
    path = site / CONFIG_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BuildFailed(
            [ConfigError(SourceLocation(path), f"no {CONFIG_FILE} here; is {site} a newsgen site?")]
        ) from None
    except OSError as exc:
        raise BuildFailed([ConfigError(SourceLocation(path), f"cannot read: {exc.strerror or exc}")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BuildFailed(
            [ConfigError(SourceLocation(path, line), "file is not UTF-8 text; save it as UTF-8")]
        ) from None
    return parse_config(site, path, text)


def parse_config(site: Path, path: Path, text: str) -> SiteConfig:
    try:
        data = load_yaml(text, path, ConfigError)
    except ConfigError as error:
        raise BuildFailed([error]) from None
    if not isinstance(data, YamlMap):
        raise BuildFailed([ConfigError(SourceLocation(path, 1), "newsgen.yaml must be a mapping of settings")])
    fields = FieldReader(data, path, ConfigError)
    fields.unknown_keys(KNOWN_KEYS)

    base_url = fields.text("base_url", required=True)
    if base_url and normalise_base_url(base_url) is None:
        fields.fail("base_url", f"base_url '{base_url}' must be an absolute http(s) URL")
    timezone = ZoneInfo("UTC")
    timezone_name = fields.text("timezone", "UTC")
    try:
        timezone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        fields.fail("timezone", f"unknown timezone '{timezone_name}' (use an IANA name such as Asia/Karachi)")
    permalink = fields.text("permalink", DEFAULT_PERMALINK)
    if problem := permalink_problem(permalink):
        fields.fail("permalink", problem)
    direction = fields.text("direction", "ltr")
    if direction not in ("ltr", "rtl"):
        fields.fail("direction", f"direction must be 'ltr' or 'rtl', not '{direction}'")

    config = SiteConfig(
        root=site,
        title=fields.text("title", required=True),
        base_url=normalise_base_url(base_url) or "https://example.invalid/",
        tagline=fields.text("tagline"),
        language=fields.text("language", "en"),
        direction=direction,
        timezone=timezone,
        sections=_sections(fields),
        per_page=fields.integer("per_page", 20, minimum=1),
        permalink=permalink,
        logo=fields.text("logo"),
        ads=_ads(fields),
        comments=_comments(fields),
        feed_entries=fields.integer("feed_entries", 20, minimum=1),
        robots_txt=fields.boolean("robots_txt", True),
        embed_hosts=fields.text_list("embed_hosts") if fields.present("embed_hosts") else DEFAULT_EMBED_HOSTS,
        trusted_html=fields.boolean("trusted_html", False),
        deploy=_deploy(fields),
    )
    if fields.errors:
        raise BuildFailed(sorted(fields.errors, key=lambda error: error.location.line or 0 if error.location else 0))
    return config


def _sections(fields: FieldReader) -> tuple[Section, ...]:
    raw = fields.data.get("sections")
    if raw is None:
        return (Section("news", "News"),)
    if not isinstance(raw, list) or not raw:
        fields.fail("sections", "'sections' must be a non-empty list of {key, title}")
        return ()
    sections: list[Section] = []
    for item in raw:
        if isinstance(item, str):
            item = YamlMap(key=item, title=item.replace("-", " ").title())
            item.line, item.key_lines = fields.line_of("sections"), {}
        if not isinstance(item, YamlMap):
            fields.fail("sections", f"each section must be {{key, title}}, not {shown(item)}")
            continue
        entry = fields.nested(item, "sections.")
        entry.unknown_keys(("key", "title"))
        key = entry.text("key", required=True)
        title = entry.text("title") or key.replace("-", " ").title()
        if key and (problem := slug_problem(key)):
            entry.fail("key", f"section key: {problem}")
        elif key in RESERVED_SECTION_KEYS:
            entry.fail("key", f"section key '{key}' is reserved for newsgen's own pages")
        elif any(section.key == key for section in sections):
            entry.fail("key", f"section '{key}' is declared twice")
        elif key:
            sections.append(Section(key, title))
    return tuple(sections)


def _ads(fields: FieldReader) -> AdsConfig:
    ads = fields.child("ads")
    if ads is None:
        return AdsConfig()
    ads.unknown_keys(("enabled", "client", "slots", "ads_txt"))
    slots: list[AdSlot] = []
    slot_fields = ads.child("slots")
    if slot_fields is not None:
        for name in slot_fields.data:
            slot = slot_fields.child(name)
            if slot is None:
                continue
            slot.unknown_keys(("slot", "width", "height"))
            slot_id = slot.data.get("slot")
            slots.append(
                AdSlot(
                    name=name,
                    slot=str(slot_id) if isinstance(slot_id, str | int) and not isinstance(slot_id, bool) else "",
                    width=slot.integer("width", 300, minimum=1),
                    height=slot.integer("height", 250, minimum=1),
                )
            )
    enabled = ads.boolean("enabled", True)
    client = ads.text("client")
    if enabled and not client:
        ads.fail("enabled", "ads are enabled but 'ads.client' (the ad network's publisher id) is not set")
    return AdsConfig(enabled=enabled, client=client, slots=tuple(slots), ads_txt=ads.text_list("ads_txt"))


def _comments(fields: FieldReader) -> CommentsConfig:
    comments = fields.child("comments")
    if comments is None:
        return CommentsConfig()
    comments.unknown_keys(("provider", "shortname", "repo", "repo_id", "category", "category_id"))
    provider = comments.text("provider", "none")
    if provider not in COMMENT_PROVIDERS:
        comments.fail("provider", f"comments.provider must be one of {', '.join(COMMENT_PROVIDERS)}, not '{provider}'")
        provider = "none"
    needed = {"disqus": ("shortname",), "giscus": ("repo", "repo_id", "category", "category_id")}.get(provider, ())
    values = {key: comments.text(key, required=key in needed) for key in CommentsConfig.__slots__ if key != "provider"}
    return CommentsConfig(provider=provider, **values)


def _deploy(fields: FieldReader) -> DeployConfig | None:
    deploy = fields.child("deploy")
    if deploy is None:
        return None
    deploy.unknown_keys(("bucket", "prefix", "region", "endpoint_url", "max_delete_share"))
    bucket = deploy.text("bucket", required=True)
    if bucket and not BUCKET_NAME.fullmatch(bucket):
        deploy.fail(
            "bucket",
            f"deploy.bucket '{bucket}' is no bucket name (3-63 lowercase letters, digits, dots and hyphens)",
        )
    prefix = deploy.text("prefix").strip("/")
    if prefix and any(part in ("", ".", "..") for part in prefix.split("/")):
        deploy.fail("prefix", f"deploy.prefix '{prefix}' must be a plain folder path such as 'site' or 'news/en'")
    endpoint_url = deploy.text("endpoint_url")
    if endpoint_url and normalise_base_url(endpoint_url) is None:
        deploy.fail("endpoint_url", f"deploy.endpoint_url '{endpoint_url}' must be an absolute http(s) URL")
    share = deploy.data.get("max_delete_share", DEFAULT_MAX_DELETE_SHARE)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        deploy.fail("max_delete_share", f"deploy.max_delete_share must be a number from 0 to 1, not {share!r}")
        share = DEFAULT_MAX_DELETE_SHARE
    return DeployConfig(
        bucket=bucket,
        prefix=prefix,
        region=deploy.text("region"),
        endpoint_url=endpoint_url,
        max_delete_share=float(share),
    )
