"""The one way a transcript reader parses XML: defused (no DTD, no entity expansion), its failures
worded as the reader's own "is not a ... file" with the parser's reason, and tags by local name."""
from __future__ import annotations

import re

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from .model import Unreadable


def xml_root(data: bytes, not_this: str):
    """The document's root element; ``Unreadable(not_this + the parser's reason)`` when it is not
    well-formed XML or tries a DTD (``not_this`` says what the file is not and how to fix it)."""
    try:
        return defusedxml.ElementTree.fromstring(_without_external_dtd(data), forbid_dtd=True)
    except (defusedxml.ElementTree.ParseError, DefusedXmlException, LookupError) as exc:  # LookupError: an unknown encoding
        raise Unreadable(f"{not_this} ({exc})") from None


def local_name(tag: object) -> str:
    """A tag or attribute name without its namespace ("{http://www.w3.org/ns/ttml}p" -> "p");
    "" for a comment's or processing instruction's tag."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


_EXTERNAL_DTD = re.compile(rb"<!DOCTYPE\s+[\w:.-]+\s+SYSTEM\s+(?:\"[^\"<>\[]*\"|'[^'<>\[]*')\s*>")


def _without_external_dtd(data: bytes) -> bytes:
    """The document without a declaration that only names an external DTD ('<!DOCTYPE Trans SYSTEM
    "trans-14.dtd">', as every Transcriber file opens): it defines nothing, and DTDs are refused. One with
    an internal subset ('[...]', where entities are declared) stays, to be refused."""
    return _EXTERNAL_DTD.sub(b"", data[:4096], count=1) + data[4096:]
