"""XML for feeds and sitemaps: text cleaned of what XML 1.0 forbids, in elements lxml serialises or escaped as it would."""

from __future__ import annotations

import html
import re
from datetime import datetime

from lxml import etree

# Everything outside XML 1.0's Char production: C0 controls but tab and newlines,
# lone surrogates, U+FFFE and U+FFFF. Such a character in a title would make the
# whole document unparseable, so it is dropped rather than escaped. (Named as what
# it matches, not as the complement of Char: that class takes 7 ms to compile.)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What ``serialise`` starts a document with.
DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (control characters and the like)."""
    return _NOT_XML.sub("", text)


def escaped_text(text: str) -> str:
    """``text`` cleaned and escaped as ``serialise`` writes an element's text, for documents written as strings."""
    # html.escape rather than xml.sax.saxutils.escape, whose import (urllib.request) costs every run 20 ms.
    # Besides &, < and >, lxml writes a carriage return as a character reference (else read as a newline).
    return html.escape(xml_text(text), quote=False).replace("\r", "&#13;")


def add(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    """A child element of ``parent`` with clean text and attributes; escaping is lxml's job."""
    element = etree.SubElement(parent, tag, {name: xml_text(value) for name, value in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def serialise(root: etree._Element) -> bytes:
    """A whole UTF-8 XML document with its declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def timestamp(value: datetime) -> str:
    """A W3C / RFC 3339 date-time with its offset, to the second, as feeds and sitemaps want it."""
    return value.isoformat(timespec="seconds")
