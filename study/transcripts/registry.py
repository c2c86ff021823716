"""The layouts in competition, and the readers by file suffix.

A new layout is one module in ``layouts/`` with a ``propose(document)`` function plus one line
in ``LAYOUTS``; ties go to the layout listed first. A new file type is one reader (bytes in,
ParsedTranscript out) plus one line in ``READERS`` (see ``files``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Collection, Sequence

from . import conventions
from .layouts import cue_blocks, formatting, markdown, name_lines, otter, paragraphs, protocol, qa, rev, timestamps
from .interjections import with_interjections
from .line_numbers import without_line_numbers
from .model import ParsedTranscript, Turn
from .notes import speech_end, split_metadata_header, without_time_marks
from .reading import Document, LineFormat, Layout, Proposal, scored
from .roles import cast_roles
from .taught import Convention, reread
from .text import lines_of, visible_controls

# The named layouts, most specific first (a tie in score goes to the earlier layout); the convention
# learned from the document (``conventions``) competes after them: the named are priors.
NAMED_LAYOUTS: dict[str, Layout] = {
    "timestamps and voice tags": timestamps.propose,
    "caption cues in text": cue_blocks.propose,
    "markdown": markdown.propose,
    "question and answer": qa.propose,
    "speaker labels": rev.propose,
    "name and time lines": otter.propose,
    "protocol": protocol.propose,
    "formatting": formatting.propose,
    "name lines": name_lines.propose,
}
LAYOUTS: tuple[Layout, ...] = tuple(NAMED_LAYOUTS.values())
_SURE = 0.98  # a named layout that reads this well leaves the learned convention nothing to add


def read_layout(text: str, *, by_line: bool, formats: dict[int, LineFormat] | None = None,
                without: Collection[str] = (), taught: Sequence[Convention] = ()) -> ParsedTranscript:
    """The best reading of ``text``: header to metadata, notes out of speech, layouts competing;
    with ``taught`` conventions, read again as they say where turns start (``taught.reread``).

    ``without`` names layouts (keys of ``NAMED_LAYOUTS``) left out of the competition: the
    leave-one-out tests read each family with the layout written for it switched off."""
    layouts = _layouts(without)
    text, notes = visible_controls(text)
    metadata, body = split_metadata_header(text)
    body, margin, numbering = without_line_numbers(body)  # same length: offsets and the formats' keys stay
    notes += (numbering,) if numbering else ()
    shift = len(text) - len(body)
    shifted = {start - shift: form for start, form in (formats or {}).items() if start >= shift}
    lines = lines_of(body)
    end = speech_end(body, lines)
    ranked = _ranked(_document(body, lines, end, by_line, shifted, text[:shift]), layouts)
    if not ranked[0].turns and end < len(body):  # nothing above a "Notes" line: it was no notes heading
        ranked = _ranked(_document(body, lines, len(body), by_line, shifted, text[:shift]), layouts)
    best = ranked[0]
    runner_up = next((p for p in ranked[1:] if p.turns or p.layout == paragraphs.NAME), None)
    return reread(ParsedTranscript(
        body, with_cast_roles(text[:shift] + _above_turns(body, best.turns),
                                    with_interjections(body, without_time_marks(body, best.turns))), metadata, layout=best.layout, layout_score=best.score,
        runner_up=runner_up.layout if runner_up else None,
        runner_up_score=runner_up.score if runner_up else None, warnings=notes, header=text[:shift], margin=margin,
    ), taught)


def _above_turns(body: str, turns: tuple[Turn, ...]) -> str:
    """The lines above the first turn's label, where a legend of codes may stand."""
    return body[:body.rfind("\n", 0, turns[0].start) + 1] if turns else ""


def with_cast_roles(header: str, turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
    """Turns with the role the header's cast list or legend gives their speaker: the document's own
    word ("P = Peneliti") over a guess from the label alone ("P" as in participant)."""
    cast = cast_roles(header, {turn.speaker for turn in turns}) if header else {}
    return tuple(replace(turn, role_hint=cast[turn.speaker]) if turn.speaker in cast else turn for turn in turns)


def _document(text, lines, end, by_line, formats, header) -> Document:
    return Document(text, tuple(line for line in lines if line.start < end), end, by_line, formats, header)


def _layouts(without: Collection[str]) -> tuple[Layout, ...]:
    unknown = set(without) - set(NAMED_LAYOUTS)
    if unknown:
        raise ValueError(f"no layout named {', '.join(sorted(unknown))}; the layouts are {', '.join(NAMED_LAYOUTS)}")
    if not without:
        return LAYOUTS
    return tuple(layout for name, layout in NAMED_LAYOUTS.items() if name not in without)


def _ranked(document: Document, layouts: tuple[Layout, ...]) -> list[Proposal]:
    """Proposals best first; the paragraphs reading enters with its fixed score and is only
    worked out if it wins."""
    proposals = [scored(p, document) for layout in layouts if (p := layout(document)) and p.turns]
    if max((p.score for p in proposals), default=0.0) < _SURE and (learned := conventions.propose(document)):
        proposals.append(learned)  # worked out only when no named layout reads the whole text
    proposals.append(Proposal(paragraphs.NAME, (), 0, score=paragraphs.FALLBACK_SCORE))
    order = {id(p): index for index, p in enumerate(proposals)}
    # a tie goes to fewer speakers (names that recur), then to fewer words in turns (more of the
    # text read as labels), then to more turns, then to the earlier layout
    ranked = sorted(proposals, key=lambda p: (-p.score, len({t.speaker for t in p.turns}),
                                              sum(t.end - t.start for t in p.turns), -len(p.turns), order[id(p)]))
    ranked = _dialogue_first(_finer_first(ranked))
    if ranked[0].layout == paragraphs.NAME:
        ranked[0] = paragraphs.propose(document)
    return ranked


def _dialogue_first(ranked: list[Proposal]) -> list[Proposal]:
    """One label over the whole text ("Entrevistado: técnico de manutenção" above a table) is a header
    line, not a conversation: a reading that finds two or more speakers taking turns goes before it."""
    if len(ranked[0].turns) != 1:
        return ranked
    for index, proposal in enumerate(ranked[1:], 1):
        counts = Counter(turn.speaker for turn in proposal.turns)
        if len(counts) >= 2 and sum(1 for n in counts.values() if n >= 2) >= 2:
            return [proposal, *ranked[:index], *ranked[index + 1:]]
    return ranked


def _finer_first(ranked: list[Proposal]) -> list[Proposal]:
    """Of two readings that explain the text equally well, the one that finds every turn the other
    finds and more ("TN3: ..." read as a turn, not swallowed by the turn above) goes first."""
    best = ranked[0]
    starts = {turn.start for turn in best.turns}
    for index, proposal in enumerate(ranked[1:], 1):
        if proposal.score != best.score:
            break
        finer = {turn.start for turn in proposal.turns}
        if starts and starts < finer:
            return [proposal, *ranked[:index], *ranked[index + 1:]]
    return ranked

