"""Caption cues pasted into a document: Teams .docx transcripts and captions saved as text.

``0:0:0.0 --> 0:0:5.120`` then the speaker's name alone (Teams), or ``Name: text`` (Zoom), then
the words; a cue without a name continues the previous speaker. A "Name:" at the start of a cue
is a label even when that name speaks once: a cue's start is where captioners put names. The cue's start is the turn's
timestamp; cue numbers and timing lines are neither speech nor names.
"""
from __future__ import annotations

import re
from collections import Counter

from ..labels import label_options, plausible_speaker, tidy_speaker
from .rev import PATTERNS as NAME_PATTERNS
from ..model import UNKNOWN_SPEAKER, Turn
from ..reading import Document, Proposal
from ..roles import label_role
from ..text import WORD, Line, non_space_count, stripped_span

_STAMP = r"\d{1,2}:\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?|\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"[ \t]*(?P<start>{_STAMP})[ \t]*-->[ \t]*(?:{_STAMP})[ \t]*")
_NUMBER = re.compile(r"[ \t]*\d+[ \t]*")
_NAME_LINE = re.compile(rf"[^\W\d_][{WORD}.,'’&()\- ]{{0,60}}")


def propose(document: Document) -> Proposal | None:
    if ">" not in document.text or document.text.count("-->") < 2:  # a lone ">" is found at memory speed
        return None
    lines = document.content_lines
    cues = [index for index, line in enumerate(lines) if _TIMING.fullmatch(line.text)]
    if len(cues) < 2:
        return None
    bodies = [_cue_lines(lines, index, cues[position + 1] if position + 1 < len(cues) else len(lines))
              for position, index in enumerate(cues)]
    name_counts = Counter(body[0].text.strip() for body in bodies if len(body) > 1 and _name_like(body[0].text))
    labels = {body[0].start: found[0] for body in bodies if body and (found := label_options(body[0], NAME_PATTERNS))}
    turns, explained, speaker = [], 0, UNKNOWN_SPEAKER
    for index, body in zip(cues, bodies):
        explained += non_space_count(lines[index].text)
        if not body:
            continue
        start = body[0].start
        if len(body) > 1 and name_counts[body[0].text.strip()] > 1:
            speaker, start = tidy_speaker(body[0].text), body[1].start
        elif body[0].start in labels:
            label = labels[body[0].start]
            speaker, start = label.speaker, label.body_start
        span = stripped_span(document.text, start, body[-1].end)
        explained += non_space_count(document.text, body[0].start, body[-1].end)
        if span:
            stamp = re.sub(r"[.,]\d+$", "", _TIMING.fullmatch(lines[index].text)["start"])
            turns.append(Turn(speaker, *span, timestamp=stamp, role_hint=label_role(speaker)))
    return Proposal("caption cues in text", tuple(turns), explained)


def _cue_lines(lines: list[Line], index: int, stop: int) -> list[Line]:
    body = lines[index + 1:stop]
    if body and stop < len(lines) and _NUMBER.fullmatch(body[-1].text):
        body = body[:-1]  # the next cue's number
    return body


def _name_like(text: str) -> bool:
    text = text.strip()
    return bool(_NAME_LINE.fullmatch(text)) and plausible_speaker(text) and not text.endswith((".", ","))

