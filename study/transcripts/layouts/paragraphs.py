"""The reading of last resort: one turn of an unknown speaker per paragraph.

Per blank-line-separated block in text files, per paragraph in Word. It explains all the text
but tells no speakers apart, so any reading that finds speakers in much of it wins.
"""
from __future__ import annotations

from ..model import UNKNOWN_SPEAKER, Turn
from ..reading import Document, Proposal
from ..text import blocks_of, non_space_count, stripped_span

NAME = "paragraphs"
FALLBACK_SCORE = 0.2


def propose(document: Document) -> Proposal:
    lines = list(document.lines)
    groups = [[line] for line in lines if not line.blank] if document.by_line else blocks_of(lines)
    spans = [span for group in groups if (span := stripped_span(document.text, group[0].start, group[-1].end))]
    turns = tuple(Turn(UNKNOWN_SPEAKER, start, end) for start, end in spans)
    explained = sum(non_space_count(document.text, start, end) for start, end in spans)
    return Proposal(NAME, turns, explained, score=FALLBACK_SCORE if turns else 0.0)
