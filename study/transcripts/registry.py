"""The layouts in competition, and the readers by file suffix.

A new layout is one module in ``layouts/`` with a ``propose(document)`` function plus one line
in ``LAYOUTS``; ties go to the layout listed first. A new file type is one reader (bytes in,
ParsedTranscript out) plus one line in ``READERS`` (see ``files``).
"""
from __future__ import annotations

from dataclasses import replace

from .layouts import cue_blocks, formatting, markdown, name_lines, otter, paragraphs, protocol, qa, rev, timestamps
from .model import ParsedTranscript
from .notes import speech_end, split_metadata_header
from .reading import Document, LineFormat, Layout, Proposal, scored
from .text import lines_of, visible_controls

# Most specific first: a tie in score goes to the reading with more turns, then to the earlier layout.
LAYOUTS: tuple[Layout, ...] = (
    timestamps.propose,
    cue_blocks.propose,
    markdown.propose,
    qa.propose,
    rev.propose,
    otter.propose,
    protocol.propose,
    formatting.propose,
    name_lines.propose,
)


def read_layout(text: str, *, by_line: bool, formats: dict[int, LineFormat] | None = None) -> ParsedTranscript:
    """The best reading of ``text``: header to metadata, notes out of speech, layouts competing."""
    text, notes = visible_controls(text)
    metadata, body = split_metadata_header(text)
    shift = len(text) - len(body)
    shifted = {start - shift: form for start, form in (formats or {}).items() if start >= shift}
    lines = lines_of(body)
    end = speech_end(body, lines)
    ranked = _ranked(_document(body, lines, end, by_line, shifted))
    if not ranked[0].turns and end < len(body):  # nothing above a "Notes" line: it was no notes heading
        ranked = _ranked(_document(body, lines, len(body), by_line, shifted))
    best = ranked[0]
    runner_up = next((p for p in ranked[1:] if p.turns or p.layout == paragraphs.NAME), None)
    return ParsedTranscript(
        body, best.turns, metadata, layout=best.layout, layout_score=best.score,
        runner_up=runner_up.layout if runner_up else None,
        runner_up_score=runner_up.score if runner_up else None, warnings=notes,
    )


def _document(text, lines, end, by_line, formats) -> Document:
    return Document(text, tuple(line for line in lines if line.start < end), end, by_line, formats)


def _ranked(document: Document) -> list[Proposal]:
    """Proposals best first; the paragraphs reading enters with its fixed score and is only
    worked out if it wins."""
    proposals = [scored(p, document) for layout in LAYOUTS if (p := layout(document)) and p.turns]
    proposals.append(Proposal(paragraphs.NAME, (), 0, score=paragraphs.FALLBACK_SCORE))
    order = {id(p): index for index, p in enumerate(proposals)}
    ranked = sorted(proposals, key=lambda p: (-p.score, -len(p.turns), order[id(p)]))
    if ranked[0].layout == paragraphs.NAME:
        ranked[0] = paragraphs.propose(document)
    return ranked


def with_layout(parsed: ParsedTranscript, layout: str) -> ParsedTranscript:
    """A reading that has one layout by its nature (captions, speaker tables)."""
    return replace(parsed, layout=layout, layout_score=1.0)
