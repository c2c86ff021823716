"""Turns that carry no name: a line opened by a dash or an arrow, a question set as a heading, a
numbered item or in bold or italics, an unlabelled question just before a labelled answer.

Interview reports and press interviews mark a turn without naming its speaker: ``— Et ensuite ?``
(alternating), ``- ¿Pregunta?`` then ``→ “respuesta”``, ``――question`` between ``（佐藤）`` answers,
``## Frage 1: ...?`` with the answer below. A marker used by one side only is an unnamed speaker of
its own; the one who asks is named Interviewer, the one who answers Participant.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import PROTOCOL_INTERVIEWER, PROTOCOL_PARTICIPANT
from ..reading import Document, LineFormat
from ..text import Line
from .slots import candidates, prefix_end

# Long dashes may touch the words ("――お店は", "—Et"); other markers stand apart from them.
_MARKER = re.compile(r"(?:(?P<marker>――|—)[ \t\u3000]*|(?P<spaced>–|-|→|•|·|>|\*)[ \t\u3000]+)(?=\S)")
# A caption prompt marking a change of speaker with no name after it (">> Since I was a boy.").
_PROMPT = re.compile(r"[ \t]*(?P<spaced>>{2,3}|»)[ \t]+(?=\S)")
_HEADING = re.compile(r"[ \t]*#{1,6}[ \t]+(?=\S)")
_NUMBERED = re.compile(r"[ \t]*(?:[^\W\d_]{0,2}\d{1,3}|[a-z])[.)][ \t]+(?=\S)")  # "3.", "b)", "Q1)"
# A question set apart by emphasis alone: "**How did you start?**", "*Why?*" (its words start inside).
_EMPHASISED = re.compile(r"[ \t]*(\*\*|__|\*|_)(?=\S)[^\n]*?\S\1[ \t]*")
_HEADING_STYLE = re.compile(r"heading.*|title|subtitle|berschrift.*|titre.*|t[ií]tulo.*", re.IGNORECASE)
_QUESTION_END = re.compile(r"[?？][\s\"”»*_)）]*$")
ASKING, ANSWERING = PROTOCOL_INTERVIEWER, PROTOCOL_PARTICIPANT


@dataclass(frozen=True)
class Marked:
    """A line opened by a marker that names no one: where its words start."""

    line: Line
    marker: str
    body_start: int


def marked(line: Line) -> Marked | None:
    """The marker opening ``line`` ("— ", "→ ", "- ", "――", a caption's ">> "), if any."""
    at = prefix_end(line.text)
    match = _MARKER.match(line.text, at)
    if not match and (match := _PROMPT.match(line.text)) and any(c.shape != "alone" for c in candidates(line)):
        return None  # ">> INTERVIEWER: ...": the prompt stands before a name, which says who speaks
    if not match:
        return None
    return Marked(line, match.groupdict().get("marker") or match["spaced"], line.start + match.end())


def is_question(text: str) -> bool:
    return bool(_QUESTION_END.search(text))


def question_line(document: Document, line: Line) -> int | None:
    """Where the words of a question set as a heading or a numbered item start, if ``line`` is one."""
    if not is_question(line.text):
        return None
    form = document.formats.get(line.start, LineFormat())
    if (form.style and _HEADING_STYLE.fullmatch(form.style)) or form.whole_bold:
        return line.start + len(line.text) - len(line.text.lstrip())
    match = _HEADING.match(line.text) or _NUMBERED.match(line.text) or _EMPHASISED.fullmatch(line.text)
    if match and match.re is _NUMBERED and any(c.shape != "alone" for c in candidates(Line(0, line.text[match.end():]))):
        return None  # "1. I: How long ...?": a numbered turn whose label says who speaks
    return line.start + match.end(1 if match.re is _EMPHASISED else 0) if match else None


def is_heading(document: Document, line: Line) -> bool:
    form = document.formats.get(line.start, LineFormat())
    return bool(_HEADING.match(line.text) or (form.style and _HEADING_STYLE.fullmatch(form.style)))
