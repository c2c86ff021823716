"""Names people give things (participants, transcripts, speakers, raters, users), checked once
for every backend: PostgreSQL refuses what SQLite would store (over-long values, NUL bytes), so
the library refuses them first, alike on both, with one message.

Example: ``check_name("participant", " P3 ")`` returns ``"P3"``.
"""
from __future__ import annotations

import re
import unicodedata

from .errors import InvalidName
from .store import CONSENSUS, Participant, Segment, Transcript, User

# The column each kind of name is stored in: its String(N) length is the limit.
_COLUMNS = {
    "participant": Participant.__table__.c.label,
    "transcript": Transcript.__table__.c.name,
    "speaker": Segment.__table__.c.speaker,
    "rater": User.__table__.c.name,
    "user": User.__table__.c.name,
}


def max_length(kind: str) -> int:
    """The longest name of this kind the database stores."""
    return _COLUMNS[kind].type.length


def check_name(kind: str, value: str, *, where: str = "") -> str:
    """``value`` without surrounding spaces, or InvalidName saying what is wrong with it.

    A name may not be blank, longer than its column, or hold control characters (NUL, line
    breaks, tabs) or text that is not valid Unicode (a file name that is not UTF-8).
    ``where`` (a file and line) starts the message when given.
    """
    if kind not in _COLUMNS:
        raise ValueError(f"unknown kind of name {kind!r}; one of {', '.join(_COLUMNS)}")
    name = value.strip() if isinstance(value, str) else value
    if problem := _problem(kind, name):
        what, fix = problem
        raise InvalidName(f"{where}: {what}" if where else what, fix)
    return name


def check_rater_name(value: str, *, where: str = "") -> str:
    """A rater's name checked like every name, and not one the system uses: ``consensus`` holds
    the adjudicated codings, and no rater or project user may write into it by taking its name."""
    name = check_name("rater", value, where=where)
    if name.casefold() == CONSENSUS:
        what = f"{shown_name(name)} is the name of the adjudicated consensus"
        raise InvalidName(f"{where}: {what}" if where else what, "choose another rater name")
    return name


def _problem(kind: str, name) -> tuple[str, str] | None:
    """(what is wrong, what would fix it), or None for a good name."""
    if not isinstance(name, str) or not name:
        return f"a {kind} name is blank", "give it a name"
    if name.isprintable() and len(name) <= max_length(kind):
        return None  # the common case, decided at C speed (every control and bidi character is unprintable)
    shown = shown_name(name)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in name):
        return f"the {kind} name {shown} is not valid text (a file name that is not UTF-8?)", "rename it"
    if problem := unsafe_character(name):
        return f"the {kind} name {shown} {problem}", "remove it"
    limit = max_length(kind)
    if len(name) > limit:
        return f"the {kind} name {shown} is {len(name)} characters long", f"shorten it to at most {limit}"
    return None


# Characters that reorder how the text around them is displayed ("Trojan Source", CVE-2021-42574):
# in a name they make it read as another. The marks (U+200E, U+200F, U+061C) only nudge one
# character and appear in right-to-left names, so they are allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe_character(name: str) -> str | None:
    """What makes ``name`` unsafe to show (a control character, or one that reorders the text
    around it), as the end of a sentence about it, or None."""
    for ch in name:
        if unicodedata.category(ch) == "Cc":
            return f"contains the control character U+{ord(ch):04X}"
        if ch in BIDI_CONTROLS:
            return f"contains U+{ord(ch):04X}, which changes the order text is shown in"
    return None


def printable(text: str) -> str:
    """``text`` safe to print and store: bytes of a non-UTF-8 file name shown as ``\\xff``."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def shown_name(name: str, width: int = 40) -> str:
    """The name as a message can print it: escaped, and cut when long."""
    safe = "".join(f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" else
                   f"\\u{ord(ch):04x}" if ch in BIDI_CONTROLS else ch for ch in printable(name))
    safe = safe if len(safe) <= width else safe[: width - 1] + "…"
    return f"'{safe}'"


def natural_key(text: str) -> list:
    """Sort key that orders numbers inside labels by value: P2 before P10."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", str(text))]
