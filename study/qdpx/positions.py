"""How to read a selection's positions, and where they land in the stored text.

QDA-XML counts positions in characters (code points) of the source's plain text. Not every tool
does: NVivo counts UTF-16 code units, so each character outside the basic plane (an emoji)
shifts later positions by one; NVivo on Windows counts "\\r\\n" as two characters, ATLAS.ti as
one. A ``Reading`` is one such way of counting; ``choose_reading`` picks the one the writing tool
is known to use, or, when texts make the readings differ, the one under which clearly more
selections start and end on word boundaries (people select words and lines, not halves of them).

Texts that differ only in line endings and trailing whitespace are the same transcript;
``TextMatch`` maps positions in one onto the other.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Iterable, Sequence


def normal_text(text: str) -> str:
    """The text as stored: every line ending a single "\\n"."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Reading:
    """One way of counting positions in a source's text."""

    utf16: bool  # positions count UTF-16 code units (NVivo)
    crlf_as_one: bool  # "\r\n" counts as one character (ATLAS.ti)
    starts: Sequence[int]  # starts[i]: where the stored text's character i begins, in this count

    @property
    def name(self) -> str:
        units = "UTF-16 code units" if self.utf16 else "characters"
        return units + (", a CR LF line end as one" if self.crlf_as_one else "")

    def index(self, position: int) -> int | None:
        """The stored-text index a file position points at; None when it lies outside the text."""
        if position < 0 or position > self.starts[-1]:
            return None
        return bisect.bisect_left(self.starts, position)


def reading(text: str, utf16: bool = False, crlf_as_one: bool = False) -> Reading:
    """The reading of ``text`` (as the file holds it) in the given count."""
    wide = [m.start() for m in _ASTRAL.finditer(text)] if utf16 else []
    if "\r" not in text and not wide:
        return Reading(utf16, crlf_as_one, range(len(text) + 1))  # every character one unit
    widths = [1] * len(text)
    for i in wide:
        widths[i] = 2
    pairs = [m.start() for m in _CRLF.finditer(text)]  # each "\r" of a "\r\n" is dropped from the stored text
    if crlf_as_one:
        for i in pairs:
            widths[i] = 0
    before = list(accumulate(widths, initial=0))  # before[i]: the units ahead of the file's character i
    starts: list[int] = []
    kept_from = 0
    for i in pairs:
        starts.extend(before[kept_from:i])
        kept_from = i + 1
    starts.extend(before[kept_from:])
    return Reading(utf16, crlf_as_one, tuple(starts))


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")  # two UTF-16 code units each
_CRLF = re.compile("\r\n")


def tool_prefers(origin: str) -> tuple[bool, bool]:
    """(utf16, crlf_as_one) the writing tool is known to use."""
    origin = origin.casefold()
    return "nvivo" in origin, "atlas" in origin


def choose_reading(text: str, origin: str, selections: Sequence[tuple[int, int]]) -> Reading:
    """The reading under which the selections fit the text best; the tool's own on a tie."""
    preferred = tool_prefers(origin)
    options = {preferred}
    if _ASTRAL.search(text):
        options |= {(u, preferred[1]) for u in (False, True)}
    if "\r\n" in text:
        options |= {(u, c) for u, _ in list(options) for c in (False, True)}
    if len(options) == 1 or not selections:
        return reading(text, *preferred)
    stored = normal_text(text)
    own, *others = [reading(text, *option) for option in sorted(options, key=lambda o: o != preferred)]
    fits = {id(r): _fits(r, stored, selections) for r in (own, *others)}
    best = max(others, key=lambda r: fits[id(r)])  # max keeps the first on a tie
    # another count wins only by a clear margin: selections cut mid-word (people drag roughly) fit
    # every count by chance, and a chance lead must not shift them all
    return best if fits[id(best)] - fits[id(own)] >= max(1, len(selections) // 5) else own


def _fits(reading_: Reading, text: str, selections: Iterable[tuple[int, int]]) -> int:
    """How many selections start and end on word boundaries under this reading."""
    count = 0
    for start, end in selections:
        i, j = reading_.index(start), reading_.index(end)
        if i is not None and j is not None and i < j and _boundary(text, i) and _boundary(text, j):
            count += 1
    return count


def _boundary(text: str, i: int) -> bool:
    return i == 0 or i == len(text) or not (text[i - 1].isalnum() and text[i].isalnum())


def comparable(text: str) -> tuple[str, list[int]]:
    """``text`` with line ends unified and trailing whitespace dropped (per line and at the end),
    and for each kept character its index in ``text``."""
    kept: list[int] = []
    chars: list[str] = []
    offset = 0
    for line in normal_text(text).split("\n"):
        body = len(line.rstrip())
        kept.extend(range(offset, offset + body))
        chars.append(line[:body])
        offset += len(line) + 1
        kept.append(offset - 1)  # the line end
    joined = "\n".join(chars)
    stripped = joined.rstrip()
    return stripped, kept[: len(stripped)]


@dataclass(frozen=True)
class TextMatch:
    """Positions in a file's (normalised) text mapped onto the stored text it equals."""

    source_kept: tuple[int, ...]
    stored_kept: tuple[int, ...]
    stored_length: int

    def position(self, index: int) -> int:
        k = bisect.bisect_left(self.source_kept, index)
        return self.stored_kept[k] if k < len(self.stored_kept) else self.stored_length


def match_text(source: str, stored: str) -> TextMatch | None:
    """How ``source`` maps onto ``stored`` when they are equal up to line ends and trailing
    whitespace; None when they differ in anything else."""
    a, a_kept = comparable(source)
    b, b_kept = comparable(stored)
    if a != b:
        return None
    return TextMatch(tuple(a_kept), tuple(b_kept), len(stored))
