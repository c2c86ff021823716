"""Cutting a parsed transcript into codable segments with exact character offsets.

Units: speaker turns (default), sentences (spaCy), paragraphs. Segments never cross a turn,
so every segment keeps its speaker and role; ``text[start:end]`` is always the segment's text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Mapping

from .errors import BadValue
from .roles import INTERVIEWER, PARTICIPANT  # noqa: F401  (segments carry the roles study.roles decides)
from .transcripts import ParsedTranscript, Turn

UNITS = ("turn", "sentence", "paragraph")


@dataclass(frozen=True)
class SegmentSpan:
    index: int
    speaker: str
    role: str
    start: int
    end: int
    timestamp: str | None = None


def segment(parsed: ParsedTranscript, unit: str = "turn", roles: Mapping[str, str] | None = None) -> list[SegmentSpan]:
    """Segments of ``parsed`` in reading order, numbered from 0; ``roles`` maps each speaker to
    their role (``study.roles.assign_roles``), speakers not in it being participants."""
    splitter = _splitter(unit)
    roles = roles or {}
    spans: list[SegmentSpan] = []
    for turn in parsed.turns:
        role = roles.get(turn.speaker, PARTICIPANT)
        for start, end in splitter(parsed.text, turn):
            spans.append(SegmentSpan(len(spans), turn.speaker, role, start, end, turn.timestamp))
    return spans


def _splitter(unit: str) -> Callable[[str, Turn], Iterable[tuple[int, int]]]:
    try:
        return SPLITTERS[unit]
    except KeyError:
        raise BadValue(f"unknown segment unit {unit!r}; choose one of {', '.join(UNITS)}") from None


def _whole_turn(text: str, turn: Turn) -> Iterable[tuple[int, int]]:
    yield turn.start, turn.end


_NON_BLANK_LINE = re.compile(r"[^\n]*\S[^\n]*")


def _paragraphs(text: str, turn: Turn) -> Iterable[tuple[int, int]]:
    for match in _NON_BLANK_LINE.finditer(text, turn.start, turn.end):
        yield _strip(text, match.start(), match.end())


def _sentences(text: str, turn: Turn) -> Iterable[tuple[int, int]]:
    for para_start, para_end in _paragraphs(text, turn):
        doc = sentence_pipeline()(text[para_start:para_end])
        for sent in doc.sents:
            start, end = _strip(text, para_start + sent.start_char, para_start + sent.end_char)
            if end > start:
                yield start, end


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


SPLITTERS: dict[str, Callable[[str, Turn], Iterable[tuple[int, int]]]] = {
    "turn": _whole_turn,
    "sentence": _sentences,
    "paragraph": _paragraphs,
}


@lru_cache(maxsize=1)
def sentence_pipeline():
    """A trained English pipeline when one is installed, else blank English with the sentencizer."""
    import spacy

    for model in ("en_core_web_sm", "en_core_web_md", "en_core_web_trf"):
        try:
            return spacy.load(model, disable=["ner", "lemmatizer", "tagger", "attribute_ruler"])
        except (OSError, ImportError):
            continue
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def lemma_pipeline():
    """Blank English with lookup lemmas (spacy-lookups-data), for keyword matching."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters shared by the half-open spans a and b."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))
