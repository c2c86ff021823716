"""What a layout reads (a Document) and what it proposes (a Proposal), and how a proposal is scored.

Layouts compete: each proposes turns; the score is how much of the speech region the reading
explains (labels and bodies, in non-space characters) times how consistent its speakers are
(the share of turn text held by speakers that recur or whose label names a role).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable

from .model import Turn
from .roles import role_label
from .text import Line, non_space_count


_SOUNDS = r"(?:break|music|pause|laughter|laughs|crosstalk|silence|applause|inaudible)"
# The sound in brackets and nothing after it ("[Music playing]", "(laughter 00:12:03)"), or bare with a few
# words and no sentence ("Break", "Music fades out"): "(laughs) She still asks." is speech opened by an aside.
_SOUND_LINE = re.compile(rf"\[{_SOUNDS}[^\n\[\]]{{0,30}}\]|\({_SOUNDS}[^\n()]{{0,30}}\)|"
                         rf"{_SOUNDS}(?:[ \t]+[^\s.?!]+){{0,3}}[ \t]*[.:]?", re.IGNORECASE)


def is_sound_line(text: str) -> bool:
    """"[Music]", "Break", "(laughter)" alone on a line: a sound, not a speaker."""
    return len(text) < 60 and bool(_SOUND_LINE.fullmatch(text.strip()))


_HEAD, _TAIL = 100, 30


class AtLineStart:
    """Whether ``body`` matches at the start of any line, as ``re.search("^" + body, text, re.MULTILINE)``.

    Searching for a newline followed by ``body`` gives the regex engine a literal to skip to, where
    ``^`` makes it try every character (several times faster on long texts).
    """

    def __init__(self, body: str, flags: int = 0) -> None:
        self._first = re.compile(body, flags | re.MULTILINE)
        self._later = re.compile(rf"\n(?:{body})", flags | re.MULTILINE)

    def search(self, text: str) -> bool:
        return bool(self._first.match(text) or self._later.search(text))


class Guarded:
    """``pattern``'s search, tried only where ``guard`` finds something: a cheaper pattern that
    matches wherever ``pattern`` does (e.g. one starting with a literal), or a character every
    match holds (found at memory speed)."""

    def __init__(self, pattern: re.Pattern[str], guard: re.Pattern[str] | str) -> None:
        self._pattern, self._guard = pattern, guard

    def search(self, text: str) -> bool:
        guard = self._guard
        found = guard in text if isinstance(guard, str) else guard.search(text)
        return bool(found and self._pattern.search(text))


def holds(text: str, needle: str) -> bool:
    """``needle in text``, several times faster when the needle's first character is absent
    (a one-character search runs at memory speed, a longer one does not)."""
    return needle[0] in text and needle in text


@dataclass(frozen=True)
class LineFormat:
    """Formatting evidence for one line of a Word document."""

    bold_prefix: int = 0  # characters at the line's start in bold runs (0: none, or the whole line is bold)
    whole_bold: bool = False
    style: str = ""
    colour: str = ""  # the font colour of all its text ("1F4E79", "auto" when none is set), "" when mixed


@dataclass(frozen=True)
class Document:
    """The text a file holds, the lines that may hold speech, and any formatting evidence.

    ``lines`` stops before the authors' notes (see ``notes.speech_end``); ``formats`` maps a
    line's start offset to its formatting, for Word documents.
    """

    text: str
    lines: tuple[Line, ...]
    speech_end: int
    by_line: bool = False  # a paragraph is a line (Word), not a blank-line-separated block (text files)
    formats: dict[int, LineFormat] = field(default_factory=dict)
    header: str = ""  # the metadata header above ``text``: a cast line there declares speakers

    @cached_property
    def content_lines(self) -> list[Line]:
        return [line for line in self.lines if not line.blank]

    @cached_property
    def heads(self) -> str:
        """The start of every content line, one per line: where labels are (for quick checks)."""
        return "\n".join(line.text[:_HEAD] for line in self.content_lines)

    @cached_property
    def tails(self) -> str:
        """The end of every content line, one per line (for quick checks of times at line ends)."""
        return "\n".join(line.text[-_TAIL:] for line in self.content_lines)

    @cached_property
    def speech_size(self) -> int:
        """Non-space characters from the first line to the end of speech: what a reading may explain."""
        speech_start = self.lines[0].start if self.lines else 0
        return non_space_count(self.text, speech_start, self.speech_end)

    @cached_property
    def speech_lines(self) -> list[Line]:
        """Content lines less sounds ("[Music]", "Break"), which are never speakers."""
        return [line for line in self.content_lines if not is_sound_line(line.text)]


@dataclass(frozen=True)
class Proposal:
    """One layout's reading: its turns and how many non-space characters it explains."""

    layout: str
    turns: tuple[Turn, ...]
    explained: int
    consistent: bool = False  # every line is a label: a dialogue, however few times each speaks
    sure: frozenset[str] = frozenset()  # speakers whose label shape is unmistakable
    score: float = 0.0


Layout = Callable[[Document], "Proposal | None"]


def scored(proposal: Proposal, document: Document) -> Proposal:
    proposal = one_spelling(proposal)
    coverage = min(1.0, proposal.explained / max(1, document.speech_size))
    steady = 1.0 if proposal.consistent else consistency(proposal.turns, proposal.sure)
    return replace(proposal, score=round(coverage * steady, 3))


def one_spelling(proposal: Proposal) -> Proposal:
    """Speakers whose names differ only in letter case ("Kofi mensah" typed once among "Kofi Mensah")
    are one speaker, spelled as most of their turns spell them (the first spelling on a tie)."""
    spellings: dict[str, Counter] = {}
    for turn in proposal.turns:
        spellings.setdefault(turn.speaker.casefold(), Counter())[turn.speaker] += 1
    if all(len(spelt) == 1 for spelt in spellings.values()):
        return proposal
    name = {speaker: spelt.most_common(1)[0][0] for spelt in spellings.values() for speaker in spelt}
    return replace(proposal, turns=tuple(replace(turn, speaker=name[turn.speaker]) for turn in proposal.turns),
                   sure=frozenset(name.get(speaker, speaker) for speaker in proposal.sure))


def consistency(turns: tuple[Turn, ...], sure: frozenset[str] = frozenset()) -> float:
    """The share of turn text held by speakers that recur or whose label names a role; a label sure
    of its shape ("Name: 00:00:07") vouches for a speaker heard once only beside other speakers (one
    such label over the whole text is a header line, not a conversation)."""
    counts = Counter(turn.speaker for turn in turns)
    if len(counts) < 2:
        sure = frozenset()
    sizes = [(turn, turn.end - turn.start) for turn in turns]
    total = sum(size for _, size in sizes)
    if not total:
        return 0.0
    steady = sum(
        size for turn, size in sizes
        if counts[turn.speaker] > 1 or turn.speaker in sure or turn.role_hint or role_label(turn.speaker) is not None
    )
    return steady / total
