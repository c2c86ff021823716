"""Text helpers every reader shares: decoding bytes faithfully, lines, paragraph blocks, spans."""
from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Sequence

import charset_normalizer

from .code_pages import latin_code_page_text
from .model import Unreadable

_BOM_ENCODINGS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The blocks of the living scripts that write vowels and tones as combining marks (Devanagari,
# Bengali, Tamil, Thai, Khmer, Hebrew points, Arabic harakat, accents typed apart, Japanese dakuten).
_MARK_BLOCKS = ((0x0300, 0x1DFF), (0x20D0, 0x20FF), (0x302A, 0x302F), (0x3099, 0x309A), (0xA66F, 0xABFF),
                (0xFB1E, 0xFB1E), (0xFE00, 0xFE2F))


def _combining_marks() -> str:
    spans: list[list[int]] = []
    for first, last in _MARK_BLOCKS:
        for point in range(first, last + 1):
            if unicodedata.category(chr(point))[0] == "M":
                if spans and spans[-1][1] == point - 1:
                    spans[-1][1] = point
                else:
                    spans.append([point, point])
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in spans)


# Inside a regex character class: a letter, digit, underscore, combining mark or zero-width (non-)joiner.
# Python's ``\w`` leaves the marks out, so a Hindi or Thai name ("साक्षात्कारकर्ता") would end at its first
# vowel sign; and the joiners, which Persian ("مصاحبه‌گر") and Indic scripts type inside a word.
WORD = rf"\w{_combining_marks()}\u200c\u200d"

BINARY = "looks like binary data, not text; export the transcript as .txt, .docx, .vtt or .srt"


def decode_text(data: bytes) -> str:
    """Decode text bytes faithfully (BOM, UTF-8, the legacy code page the words are written in, cp1252, then a
    guess) with ``\\n`` line endings."""
    bom_encoding = next((enc for bom, enc in _BOM_ENCODINGS if data.startswith(bom)), None)
    if bom_encoding:
        text = _decode_marked(data, bom_encoding)
    elif b"\x00" in data:
        raise Unreadable(BINARY)
    else:
        text = _decode_unmarked(data)
    if mostly_control_characters(text):
        raise Unreadable(BINARY)
    return normalise_newlines(text)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_marked(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise Unreadable(f"starts with a {encoding} byte-order mark but is not valid {encoding}") from None


def _decode_unmarked(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    legacy = _legacy_non_latin(data)
    if legacy is None:
        legacy = latin_code_page_text(data)  # Turkish cp1254, Polish or Czech cp1250...: cp1252 would misspell them
    if legacy is not None:
        return legacy
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    guess = charset_normalizer.from_bytes(data).best()
    if guess is None:
        raise Unreadable(BINARY)
    return str(guess)


# Legacy encodings of non-Latin scripts whose guess is sure: Korean, Japanese and Chinese double-byte codes, and
# Cyrillic. Read as cp1252 (which decodes almost any bytes) their text is mojibake, every word wrong.
_NON_LATIN_LEGACY = frozenset("cp949 euc_kr johab cp932 shift_jis shift_jis_2004 shift_jisx0213 euc_jp euc_jis_2004 "
                              "euc_jisx0213 gb18030 gbk gb2312 hz big5 big5hkscs cp950 cp1251 koi8_r koi8_u cp866".split())
_GUESS_SAMPLE = 65_536  # bytes enough to tell an encoding; guessing a whole large file costs seconds


def _legacy_non_latin(data: bytes) -> str | None:
    """``data`` decoded in the legacy encoding of a non-Latin script that it is sure to be in (a Korean transcript
    saved as cp949, a Russian one as cp1251), else None: its words beyond ASCII must come out whole in that script
    (a Czech text misread as Cyrillic would give words of Latin and Cyrillic letters mixed)."""
    sample = data[:_GUESS_SAMPLE]
    if len(data) > _GUESS_SAMPLE and b"\n" in sample:
        sample = sample[:sample.rindex(b"\n")]  # a whole line: a double-byte character is not cut
    guess = charset_normalizer.from_bytes(sample).best()
    if guess is None or guess.encoding not in _NON_LATIN_LEGACY:
        return None
    try:
        text = data.decode(guess.encoding)
    except UnicodeDecodeError:
        return None
    words = [word for word in re.findall(r"[^\W\d_]+", text[:_GUESS_SAMPLE]) if not word.isascii()]
    in_script = [word for word in words if all(ch >= "\u0370" for ch in word)]  # Greek and beyond, no Latin letter
    # markup and labels may be ASCII; a Latin text misread has few such words, each mixing Latin and another script
    return text if len(words) >= 3 and len(in_script) >= 0.9 * len(words) else None


_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # category Cc, less \t\n\v\f\r


_ASCII_CONTROL = dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])  # the same, in ASCII


# Invisible characters that hide what a line is: controls (other than tab and line break) and the
# marks that reorder displayed text. A line break in disguise (vertical tab, form feed, NEL, U+2028,
# U+2029) is read as one; the others as a space. One character for one: offsets stay as they were.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_AS_LINE_BREAKS = "\x0b\x0c\x85\u2028\u2029"
_VISIBLE = {ord(ch): "\n" if ch in _AS_LINE_BREAKS else " " for ch in
            map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
                      0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])}


# The marks a right-to-left writer's editor puts at line starts and around numbers (left-to-right,
# right-to-left, Arabic letter mark): they order the text and hold none, so they are read as spaces
# without a warning (a Hebrew or Arabic file holds one on every line).
_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c"), " ")


def visible_controls(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` with each invisible control read as a space or a line break, and a note naming the
    first. Hidden in a speaker label ("P2\\x01: ...") one sent the answer to the interviewer."""
    if "\u200e" in text or "\u200f" in text or "\u061c" in text:
        text = text.translate(_DIRECTION_MARKS)
    first = _INVISIBLE.search(text)
    if first is None:
        return text, ()
    count = len(_INVISIBLE.findall(text))
    line = text.count("\n", 0, first.start()) + 1
    return text.translate(_VISIBLE), (f"{count} invisible control character(s) read as spaces or line breaks "
                                      f"(the first, U+{ord(first.group()):04X}, on line {line})",)


def mostly_control_characters(text: str) -> bool:
    if text.isascii():  # counted without a list of matches (several times faster)
        count = len(text) - len(text.translate(_ASCII_CONTROL))
    else:
        count = len(_CONTROL_CHARACTER.findall(text))
    return count > 0.05 * len(text)


class Line:
    """One line of a text and its offset; a plain slotted class, as there is one per line."""

    __slots__ = ("start", "text", "blank")

    def __init__(self, start: int, text: str) -> None:
        self.start, self.text, self.blank = start, text, not text.strip()

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def __repr__(self) -> str:
        return f"Line({self.start}, {self.text!r})"


def lines_of(text: str, limit: int = -1) -> list[Line]:
    """The lines of ``text`` with their offsets (the first ``limit + 1`` only, when given)."""
    lines, start = [], 0
    for line in text.split("\n", limit):
        lines.append(Line(start, line))
        start += len(line) + 1
    return lines


def blocks_of(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of non-blank lines (paragraphs of a text file)."""
    blocks: list[list[Line]] = [[]]
    for line in lines:
        if line.blank:
            blocks.append([])
        else:
            blocks[-1].append(line)
    return [block for block in blocks if block]


def stripped_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    segment = text[start:end]
    if not segment.strip():
        return None
    return start + len(segment) - len(segment.lstrip()), end - (len(segment) - len(segment.rstrip()))


_ASCII_SPACES = dict.fromkeys(map(ord, "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "))  # what str.split() splits ASCII on


def non_space_count(text: str, start: int = 0, end: int | None = None) -> int:
    segment = text[start:end]
    if segment.isascii():  # the same count without building a list of words (several times faster)
        return len(segment.translate(_ASCII_SPACES))
    return sum(map(len, segment.split()))


def describe_size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size:,} bytes"
