"""What is not speech: the metadata header above a conversation and the authors' notes below it.

A header is the leading run of "Key: value" lines with a known key ("Date:", "Interviewee:",
"**Duration:**", YAML front matter) and lines such as "An interview conducted by ...": it goes
to ``metadata`` and out of the text. A notes heading ("Annotations", "Notes", "Memos",
"Comments", an Otter footer) below some speech ends all speech: whatever follows, however much
it looks like "Label: text", is nobody's words.
"""
from __future__ import annotations

import re
from collections import Counter

from .text import Line

_METADATA_KEY = re.compile(
    r"name|title|file ?name|created (on|by)|modified (on|by)|size|duration|length|date|time|"
    r"recorded (on|by)|transcribed (on|by)|transcriber|transcription|language|location|place|setting|"
    r"interview (date|id|number|no\.?)|session|project|format|topic|persona|mode|card|id|tags?|"
    r"fecha|lugar|duraci[oó]n|datum|ort|dauer|data|local|dura[cç][aã]o|lieu|dur[ée]e",
    re.IGNORECASE,
)
# Role keys are metadata only with a short value naming someone ("Interviewee: Ana Ruiz").
_ROLE_KEY = re.compile(
    r"interviewer|interviewee|narrator|participant|respondent|moderator|host|guest|speakers?|"
    r"entrevistador(a)?|entrevistad[oa]|interviewende?r?|befragte[r]?",
    re.IGNORECASE,
)
_KEY_VALUE_LINE = re.compile(
    r"[ \t]*+(?:[-*][ \t]+)?(?:\*\*|__)?(?P<key>[^:\n*_]{1,30}?)[ \t]*+"
    r"(?::(?:\*\*|__)|(?:\*\*|__)?[ \t]*+:)[ \t]*+(?P<value>(?:.*[^ \t])?)[ \t]*"
)  # blanks taken possessively and the value ended at its last non-blank: each blank run is read once
# (two quantifiers sharing a run, or a lazy value before trailing blanks, were quadratic in its length)
_HEADER_SENTENCE = re.compile(
    r"[ \t]*((this is )?(an? )?(oral[ -]history )?interview(s)? (conducted |recorded |held )?(by|with|of)\b|"
    r"(transcript|transcription) of\b|interviewed by\b).*",
    re.IGNORECASE,
)
_TITLE = re.compile(r"[ \t]*#{1,2}[ \t]+\S.*")
_FRONT_MATTER_FENCE = re.compile(r"---[ \t]*")
_MAX_FRONT_MATTER_LINES = 60
_HEADER_LINES = 80  # a header is short: only the first lines are looked at


def split_metadata_header(text: str) -> tuple[dict[str, str], str]:
    """Leading header lines become metadata; the text from the first other line is returned.

    Role lines ("Interviewee: Ana Ruiz") count only beside other header lines: alone at the top,
    "Interviewer: Jane" is more likely the first turn.
    """
    metadata: dict[str, str] = {}
    lines = text.split("\n", _HEADER_LINES)  # the last holds the rest of the text
    rest = _front_matter(lines, metadata)
    line_keys = _LineKeys(text)
    items: list[tuple[str, str, bool]] = []
    body_start, start = len(text), sum(len(line) + 1 for line in lines[:rest])
    for line in lines[rest:]:
        if line.strip():
            item = _header_item(line, line_keys)
            if item is None:
                body_start = start
                break
            items.append(item)
        start += len(line) + 1
    if not metadata and all(is_role for _, _, is_role in items):
        return {}, text
    for key, value, _ in items:
        if key.casefold() not in {known.casefold() for known in metadata}:
            metadata[key] = value
    return metadata, text[body_start:]


def _front_matter(lines: list[str], metadata: dict[str, str]) -> int:
    """YAML front matter between '---' fences at the very top; returns the index after it."""
    if not lines or not _FRONT_MATTER_FENCE.fullmatch(lines[0]):
        return 0
    for index in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES)):
        if _FRONT_MATTER_FENCE.fullmatch(lines[index]):
            for line in lines[1:index]:
                key, sep, value = line.partition(":")
                if sep and key.strip() and not key.startswith((" ", "\t", "-")):
                    metadata.setdefault(key.strip(), value.strip().strip("'\""))
            return index + 1
    return 0


class _LineKeys:
    """How many lines start with each "Key:", counted on first need (a role key starting several
    lines is a speaker, not a header)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._counts: Counter[str] | None = None

    def __getitem__(self, key: str) -> int:
        if self._counts is None:
            self._counts = Counter(
                match["key"].strip().casefold()
                for line in self._text.split("\n") if (match := _KEY_VALUE_LINE.match(line))
            )
        return self._counts[key]


def _header_item(text: str, line_keys: _LineKeys) -> tuple[str, str, bool] | None:
    """(key, value, whether the key is a role) for a header line, else None."""
    if _HEADER_SENTENCE.fullmatch(text):
        return "Header", text.strip(), False
    if _TITLE.fullmatch(text):
        return "Title", text.strip().lstrip("#").strip(), True  # a title alone is no header
    match = _KEY_VALUE_LINE.fullmatch(text)
    if not match:
        return None
    key, value = match["key"].strip(), match["value"]
    if _METADATA_KEY.fullmatch(key):
        return key, value, False
    if _ROLE_KEY.fullmatch(key) and _names_someone(value) and line_keys[key.casefold()] < 2:
        return key, value, True
    return None


def _names_someone(value: str) -> bool:
    words = value.split()
    return 0 < len(words) <= 6 and any(c.isalpha() for c in value) and not value.endswith(("?", ".", "!", "…"))


# A heading line that starts the authors' notes, or a transcription service's footer.
NOTES_HEADING = re.compile(
    r"[ \t]*+(?:#{1,6}[ \t]*+)?(?:\*\*|__)?[ \t]*+"
    r"(annotations?|memos?|notes?|comments?|field ?notes|interviewer'?s? notes|researcher'?s? notes|"
    r"post[- ]interview notes|anmerkungen|notas|anota[cç][õo]es|observa[cç][õo]es|remarques|"
    r"transcribed by https?://otter\.ai.*|\[?end of (the )?(interview|transcript|transcription|recording)\]?\.?)"
    r"[ \t]*+:?[ \t]*+(?:\*\*|__)?[ \t]*+:?[ \t]*+",
    re.IGNORECASE,
)  # blanks taken possessively, as above


# A notes heading as a whole line after a newline: a search skips from newline to newline.
_NOTES_LINE = re.compile(rf"\n(?:{NOTES_HEADING.pattern})$", re.IGNORECASE | re.MULTILINE)


def speech_end(text: str, lines: list[Line]) -> int:
    """Where speech stops: at the first notes heading with text above and below it, else the end.

    ``lines`` are the lines of ``text``."""
    first = next((line for line in lines if not line.blank), None)
    if first is None:
        return len(text)
    for match in _NOTES_LINE.finditer(text, first.start):
        if text[match.end():].strip() or "otter.ai" in match.group():
            return match.start() + 1
    return len(text)
