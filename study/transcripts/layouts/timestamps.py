"""Timestamps and voice tags in plain text: the time goes to the turn, never into its text.

``[00:01:02] Jane Roe: text``, ``00:01:02 Jane Roe: text``, ``00:00:24 <v Jane Roe>text</v>``,
``Jane Roe: 00:00:07`` or ``[Jane Roe] 10:03:22`` (Zoom) alone with the words below,
``Jane Roe [00:01:02]: text``.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..labels import NAME, TIME, LabelPattern, label_proposal
from ..reading import AtLineStart, Document, Guarded, Proposal

PATTERNS = (
    LabelPattern(re.compile(rf"\[(?P<timestamp>{TIME})\][ \t]*{NAME}[ \t]*:"), self_evident=True),
    LabelPattern(re.compile(rf"\(?(?P<timestamp>{TIME})\)?[ \t]*(?:-[ \t]*)?<v(?:\.[\w.-]+)?[ \t]+{NAME}[ \t]*>"),
                 self_evident=True),
    LabelPattern(re.compile(rf"<v(?:\.[\w.-]+)?[ \t]+{NAME}[ \t]*>"), self_evident=True),
    LabelPattern(re.compile(rf"\(?(?P<timestamp>{TIME})\)?[ \t]+(?:-[ \t]+)?{NAME}[ \t]*:(?!//)"),
                 vouched_by_peers=True),
    LabelPattern(re.compile(rf"{NAME}[ \t]*\[(?P<timestamp>{TIME})\][ \t]*:?"), self_evident=True),
    LabelPattern(re.compile(rf"\[{NAME}\][ \t]*(?P<timestamp>{TIME})[ \t]*$"), self_evident=True),
    # the colon is the label's, not a time's ("Ana Lee - 00:00:10" is no "Ana Lee - 00" at "00:10")
    LabelPattern(re.compile(rf"{NAME}[ \t]*:(?=[ \t(])[ \t]*\(?(?P<timestamp>{TIME})\)?[ \t]*$"), self_evident=True),
)


# A quick look at the whole text: is any of these shapes there at all?
_PRESENT = (
    Guarded(re.compile(r"<v[ .]"), "<"),
    Guarded(re.compile(r"\[\d{1,2}:\d\d"), "["),
    AtLineStart(r"[ \t]*\(?\d{1,2}:\d\d"),
    Guarded(re.compile(r"\d:\d\d(?:[.,]\d{1,3})?[\])]?[ \t]*$", re.MULTILINE),
            re.compile(r":\d\d(?:[.,]\d{1,3})?[\])]?[ \t]*$", re.MULTILINE)),
)


def propose(document: Document) -> Proposal | None:
    if not any(shape.search(document.heads) or shape.search(document.tails) for shape in _PRESENT):
        return None
    proposal = label_proposal("timestamps and voice tags", document, PATTERNS, needs=":<")
    return proposal and _without_closing_tags(proposal, document.text)


def _without_closing_tags(proposal: Proposal, text: str) -> Proposal:
    """A turn's body ends before its closing ``</v>`` tag."""
    turns = []
    for turn in proposal.turns:
        body = text[turn.start:turn.end]
        end = turn.start + len(body[:-len("</v>")].rstrip()) if body.endswith("</v>") else turn.end
        if end > turn.start:
            turns.append(replace(turn, end=end))
    return replace(proposal, turns=tuple(turns))
