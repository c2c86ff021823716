"""The one way a transcript reader parses XML: defused (no DTD, no entity expansion), its failures
worded as the reader's own "is not a ... file" with the parser's reason, and tags by local name."""
from __future__ import annotations

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from .model import Unreadable


def xml_root(data: bytes, not_this: str):
    """The document's root element; ``Unreadable(not_this + the parser's reason)`` when it is not
    well-formed XML or tries a DTD (``not_this`` says what the file is not and how to fix it)."""
    try:
        return defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except (defusedxml.ElementTree.ParseError, DefusedXmlException) as exc:
        raise Unreadable(f"{not_this} ({exc})") from None


def local_name(tag: object) -> str:
    """A tag or attribute name without its namespace ("{http://www.w3.org/ns/ttml}p" -> "p");
    "" for a comment's or processing instruction's tag."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
