"""Internal link checking over rendered pages: every site-relative href must lead to a built file."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote

from .errors import ContentError, NewsgenError, SourceLocation
from .models import OutputFile
from .urls import split_url

_LINK = re.compile(r"""<(?:a|link|img|script|source|iframe)\b[^>]*?\s(?:href|src)="([^"]*)\"""", re.IGNORECASE)


def broken_links(
    files: Iterable[OutputFile],
    existing: set[str],
    base_path: str,
    sources: Mapping[str, Path],
    text_of: Callable[[Path], str] | None = None,
) -> list[NewsgenError]:
    """One error per page and missing target; the place is the page's source file when it has one, at the
    first line of it (read with ``text_of``) that holds the link as written or as rendered."""
    errors: list[NewsgenError] = []
    prefix = base_path if base_path.endswith("/") else base_path + "/"
    for file in files:
        if not file.path.endswith(".html"):
            continue
        missing: dict[str, None] = {}
        for href in _LINK.findall(file.data.decode("utf-8", "replace")):
            parts = split_url(href.replace("&amp;", "&"))
            if parts is None or parts.scheme or parts.netloc or not parts.path.startswith(prefix):
                continue
            relative = unquote(parts.path[len(prefix) :])
            target = relative + "index.html" if relative == "" or relative.endswith("/") else relative
            if target not in existing and f"{target}/index.html" not in existing:
                missing[parts.path] = None
        if not missing:
            continue
        source = sources.get(file.path)
        lines = text_of(source).splitlines() if source is not None and text_of is not None else []
        for path in missing:
            place = SourceLocation(source or Path(file.path), _line_of(lines, path, prefix))
            errors.append(ContentError(place, f"broken link to {path} (no such page in the site)"))
    return errors


def _line_of(lines: list[str], path: str, prefix: str) -> int | None:
    """The first line holding ``path``, as rendered or as written before the base path was put in front."""
    written = "/" + path[len(prefix) :]
    for candidate in dict.fromkeys((path, unquote(path), written, unquote(written))):
        for number, line in enumerate(lines, 1):
            if candidate in line:
                return number
    return None
