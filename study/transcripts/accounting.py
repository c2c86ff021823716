"""Where every word of a transcript went: a turn, a speaker label, the header or the notes.

No word is lost silently: a reading's words are its header's and its text's, and each falls in
exactly one place. Speech is the words inside turns; a label is what opens a turn (the text before
its words on their line, or a short line alone just above them, and markup closing it; and, marks like
them, the line numbers of a numbered margin, kept beside the text); the header
is the metadata above the conversation; everything else is notes (titles, watermarks, stage notes,
the authors' annotations, and a paged file's running headers and page numbers, set aside from the text),
which a preview shows so that nothing is dropped unseen.

Words are runs of letters and digits, each Chinese or Japanese character one word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from .model import ParsedTranscript
from .text import WORD

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_WORD = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])[{WORD}])+")
_LABEL_LINE_WORDS = 8  # a line alone above a turn with no more words than this is its label


def word_count(text: str) -> int:
    """Words in ``text``: runs of letters and digits, each Chinese or Japanese character one."""
    return sum(1 for _ in _WORD.finditer(text))


@dataclass(frozen=True)
class WordAccount:
    """How many words went where, and the text of the notes (what is nobody's speech)."""

    speech: int
    labels: int
    header: int
    notes: int
    notes_text: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.speech + self.labels + self.header + self.notes

    def describe(self) -> str:
        """"412 words in turns, 18 in labels, 9 in the header, 37 in notes"."""
        return (f"{self.speech} words in turns, {self.labels} in labels, {self.header} in the header, "
                f"{self.notes} in notes")


def word_account(parsed: ParsedTranscript) -> WordAccount:
    """Every word of ``parsed`` (its header and its text) in exactly one place."""
    text = parsed.text
    speech = sum(word_count(text[turn.start:turn.end]) for turn in parsed.turns)
    labels = notes = 0
    notes_text: list[str] = []
    for start, end, before_turn, after_turn, going_on in _gaps(parsed):
        label_spans = _label_spans(text, start, end, before_turn, after_turn, going_on)
        position = start
        for label_start, label_end in label_spans:
            notes += _noted(text[position:label_start], notes_text)
            labels += word_count(text[label_start:label_end])
            position = label_end
        notes += _noted(text[position:end], notes_text)
    labels += sum(word_count(number) for _, number in parsed.margin)  # line numbers: marks, as labels are
    notes += sum(_noted(line, notes_text) for _, line in parsed.set_aside)
    return WordAccount(speech, labels, word_count(parsed.header), notes, tuple(notes_text))


def with_set_aside(parsed: ParsedTranscript, set_aside: Sequence[tuple[int, str]], warning: str) -> ParsedTranscript:
    """``parsed`` keeping text a reader took out of the flow (page furniture, footnotes), each piece's place counted
    in its text (the offsets given count from the top of the header, which ``parsed.text`` starts below), and a
    warning naming it."""
    if not set_aside:
        return parsed
    shift = len(parsed.header)
    kept = tuple((max(offset - shift, 0), text) for offset, text in set_aside)
    return replace(parsed, set_aside=(*parsed.set_aside, *kept), warnings=(*parsed.warnings, warning))


def sampled(set_aside: Sequence[tuple[int, str]]) -> str:
    """The first two pieces set aside, quoted and cut short, for a warning naming them."""
    quoted = "; ".join(f"“{' '.join(text.split())[:60]}”" for _, text in set_aside[:2])
    return quoted + ("; …" if len(set_aside) > 2 else "")


def _gaps(parsed: ParsedTranscript) -> list[tuple[int, int, bool, bool, str | None]]:
    """The stretches outside turns: (start, end, a turn follows, a turn precedes, the speaker when the turn that
    follows goes on the one before: speech cut by a page's furniture)."""
    gaps, position, last = [], 0, None
    for turn in sorted(parsed.turns, key=lambda t: t.start):
        if turn.start > position:
            gaps.append((position, turn.start, True, position > 0, turn.speaker if turn.speaker == last else None))
        position, last = max(position, turn.end), turn.speaker
    if position < len(parsed.text):
        gaps.append((position, len(parsed.text), False, bool(parsed.turns), None))
    return gaps


def _label_spans(text: str, start: int, end: int, before_turn: bool, after_turn: bool,
                 going_on: str | None = None) -> list[tuple[int, int]]:
    """The parts of a gap that open the next turn or close the previous one; a line above a turn that goes on the
    same speaker's is its label only when it names them (a page's running header above is not)."""
    spans = []
    if after_turn:  # markup closing the turn on its line ("</v>")
        line_end = text.find("\n", start, end)
        line_end = end if line_end < 0 else line_end
        if word_count(text[start:line_end]) <= 2:
            spans.append((start, line_end))
    if not before_turn:
        return spans
    floor = spans[-1][1] if spans else start
    line_start = max(text.rfind("\n", floor, end) + 1, floor)
    if text[line_start:end].strip():  # the label before the words on their line
        return [*spans, (line_start, end)]
    first = line_start
    for _ in range(2):  # a label alone on the line above ("Locutor 1 (00:00:01)"), maybe below its time
        above_end = text[floor:first].rstrip()
        if not above_end:
            break
        above_start = max(text.rfind("\n", floor, floor + len(above_end)) + 1, floor)
        if first < line_start and text[floor + len(above_end):first] != "\n":
            break  # a time and a name alone make one label only on adjacent lines
        line = text[above_start:floor + len(above_end)]
        if not _label_like(line) or (going_on and going_on.casefold() not in line.casefold()):
            break
        first = above_start
    return [*spans, (first, line_start)] if first < line_start else spans


_LETTERS = re.compile(r"[^\W\d_]")


def _label_like(line: str) -> bool:
    """A short line that does not end a sentence: a name, a time, a role."""
    named = sum(1 for word in _WORD.findall(line) if _LETTERS.search(word))
    return named <= _LABEL_LINE_WORDS and not line.rstrip().endswith((".", "!", "?", "。", "？"))


def _noted(part: str, notes_text: list[str]) -> int:
    count = word_count(part)
    if count:
        notes_text.append(" ".join(part.split()))
    return count
