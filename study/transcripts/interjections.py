"""A speaker's words set inside another speaker's turn, in brackets behind their name, as transcribers note a short
interjection without opening a turn: '...I was sixteen [ROBERTS: Sixteen!] and I had never...', 'Hallo [Interviewer:
Mhm.] ja.', '(MOD: Right.)'. The words are the named speaker's, not the turn's: the turn is cut around them, its
speaker keeping what stands before and after. Only a name the document already gives a turn, or a role label, is a
speaker here ('[Note: ...]', '[Translation: ...]' and '[sic]' stay in the turn).
"""
from __future__ import annotations

import re
from dataclasses import replace

from .model import Turn
from .roles import role_label
from .text import stripped_span

_INTERJECTION = re.compile(r"[\[(](?P<name>[^\W\d_][\w.'’ -]{0,30}?)[ \t]*[:：][ \t]*(?P<words>[^\[\]()\n]{1,400}?)[ \t]*[\])]")


def with_interjections(text: str, turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
    """``turns`` with each bracketed interjection of a known speaker made that speaker's turn, in its place."""
    if not any("[" in text[t.start:t.end] or "(" in text[t.start:t.end] for t in turns):
        return turns
    named = {}
    for turn in turns:
        named.setdefault(turn.speaker.casefold(), turn)
    return tuple(part for turn in turns for part in _cut(text, turn, named))


def _cut(text: str, turn: Turn, named: dict[str, Turn]) -> list[Turn]:
    parts, position = [], turn.start
    for match in _INTERJECTION.finditer(text, turn.start, turn.end):
        speaker = _speaker(match["name"], turn, named)
        if speaker is None:
            continue
        if span := stripped_span(text, position, match.start()):
            parts.append(replace(turn, start=span[0], end=span[1], timestamp=turn.timestamp if not parts else None))
        parts.append(Turn(speaker.speaker, match.start("words"), match.end("words"), None, speaker.role_hint))
        position = match.end()
    if not parts:
        return [turn]
    if span := stripped_span(text, position, turn.end):
        parts.append(replace(turn, start=span[0], end=span[1], timestamp=None))
    return parts


def _speaker(name: str, turn: Turn, named: dict[str, Turn]) -> Turn | None:
    """The turn that stands for the named speaker (their first), or a new one for a role label; None when the name
    is no speaker of the document, or the turn's own speaker (a quotation of themselves)."""
    key = " ".join(name.split()).casefold()
    if key == turn.speaker.casefold():
        return None
    if key in named:
        return named[key]
    found = role_label(name.strip())
    return Turn(" ".join(name.split()), 0, 0, None, found[1]) if found else None
