"""TEI transcriptions of speech (.xml with a 'TEI' root), as spoken corpora, oral-history archives and parliamentary
corpora publish them: utterances ``<u who="#id">`` in the body, the people they name declared in a ``listPerson``
(``<person xml:id="id"><persName>``), times on a ``timeline`` of ``<when>`` points or on the segments.

Each utterance is its speaker's turn (the ``persName`` of the person its ``who`` points at, else the id itself), its
words as written, whether as running text, segments or one ``<w>`` element a word. A sound or gesture the
transcriber codes inside speech (``<vocal>``, ``<incident>``, ``<kinesic>``) stays in the turn as an aside in
brackets; a ``<note>`` and whatever stands between utterances (headings, stage notes, incidents) is nobody's
speech: notes after the turns. The ``teiHeader``'s text is the header.
"""
from __future__ import annotations

import re
from typing import Sequence

from .annotation_files import Spoken, annotations_read
from .model import UNKNOWN_SPEAKER, ParsedTranscript, Unreadable
from .taught import Convention
from .xml_tree import local_name

_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_ASIDES = frozenset({"vocal", "incident", "kinesic", "event"})  # coded inside speech: kept in the turn, bracketed
_NOT_SPOKEN = frozenset({"note", "head", "teiHeader", "timeline", "listPerson", "particDesc", "spanGrp"})
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)")


def read_tei(root, *, taught: Sequence[Convention] = ()) -> ParsedTranscript:
    """A ``TEI`` document's utterances as turns in the body's order (see the module's docstring)."""
    people = _people(root)
    times = _timeline(root)
    body = next((element for element in root.iter() if local_name(element.tag) == "body"), None)
    if body is None:
        raise Unreadable("is a TEI document without a text body ('text/body'); export the transcription with its text")
    spoken: list[Spoken] = []
    notes: list[str] = []
    _walk(body, people, times, spoken, notes, {})
    if not spoken:
        raise Unreadable("is a TEI document without utterances ('<u who=...>'); it holds no transcription of speech")
    if any(at is None for at, _, _ in spoken):  # times only when every utterance has one: the body's order is the truth
        spoken = [(None, speaker, text) for _, speaker, text in spoken]
    header = next((element for element in root if local_name(element.tag) == "teiHeader"), None)
    return annotations_read(spoken, notes, header=_lines(header) if header is not None else "", taught=taught)


def _people(root) -> dict[str, str]:
    """Each declared person's id and name (their ``persName``, else a ``name``, else the id)."""
    people = {}
    for person in root.iter():
        if local_name(person.tag) != "person" or not person.get(_XML_ID):
            continue
        name = next((" ".join("".join(child.itertext()).split()) for child in person.iter()
                     if local_name(child.tag) in ("persName", "name") and "".join(child.itertext()).strip()), "")
        people[person.get(_XML_ID)] = name or person.get(_XML_ID)
    return people


def _timeline(root) -> dict[str, float]:
    """Seconds of each ``<when>`` point that says them (``interval`` since the origin, or an ``absolute`` clock)."""
    times = {}
    for point in root.iter():
        if local_name(point.tag) == "when" and point.get(_XML_ID):
            seconds = _seconds(point.get("interval")) if point.get("interval") else _clock(point.get("absolute"))
            if seconds is not None:
                times[point.get(_XML_ID)] = seconds
    return times


def _walk(element, people: dict[str, str], times: dict[str, float], spoken: list[Spoken], notes: list[str],
          given: dict[str, str]) -> None:
    """Utterances and notes in the body's order; an utterance takes its speaker and start from an enclosing block
    that gives them (ISO/TEI's ``<annotationBlock who= start=>``, whose ``spanGrp`` annotations are notes)."""
    for child in element:
        name = local_name(child.tag)
        here = {**given, **{key: child.get(key) for key in ("who", "start") if child.get(key)}}
        if name == "u":
            text = _said(child, notes)
            if text.strip():
                spoken.append((_start(child, here, times), _speaker(here, people), text))
        elif name in _NOT_SPOKEN or name in _ASIDES or name in ("p", "desc", "stage"):
            if text := " ".join("".join(child.itertext()).split()):
                notes.append(text)
        elif name:
            _walk(child, people, times, spoken, notes, here)


def _speaker(given: dict[str, str], people: dict[str, str]) -> str:
    who = (given.get("who") or "").split()
    code = who[0].lstrip("#") if who else ""
    return people.get(code, code) or UNKNOWN_SPEAKER


def _start(utterance, given: dict[str, str], times: dict[str, float]) -> float | None:
    """The utterance's time: its ``start`` point on the timeline, else its first segment's ``begin`` clock."""
    if given.get("start"):
        return times.get(given["start"].lstrip("#"))
    for element in utterance.iter():
        for key, value in element.attrib.items():
            if local_name(key) in ("begin", "start") and (seconds := _clock(value)) is not None:
                return seconds
    return None


def _said(utterance, notes: list[str]) -> str:
    """The utterance's words as written: text and segments, a space between ``<w>`` tokens, punctuation joined,
    coded sounds as bracketed asides, notes set aside."""
    parts = [utterance.text or ""]
    for child in utterance:
        name = local_name(child.tag)
        inner = " ".join("".join(child.itertext()).split())
        if name == "note":
            if inner:
                notes.append(inner)
        elif name in _ASIDES:
            parts.append(f" [{inner or child.get('type', name)}] " if inner or child.get("type") else " ")
        elif name == "w":
            parts.append(f" {inner}")
        elif name == "pc":
            parts.append(inner)
        elif name:
            parts.append(f" {_said(child, notes)} ")
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _lines(element) -> str:
    """The header's fields a line each: an element holding text of its own is one line with what it holds."""
    return "\n".join(_own_lines(element))


def _own_lines(element) -> list[str]:
    if (element.text or "").strip() or any((child.tail or "").strip() for child in element):
        return [" ".join("".join(element.itertext()).split())]
    return [line for child in element for line in _own_lines(child)]


def _seconds(value: str | None) -> float | None:
    try:
        return float(value.rstrip("s")) if value else None
    except ValueError:
        return None


def _clock(value: str | None) -> float | None:
    match = _CLOCK.fullmatch(value.strip()) if value else None
    if not match:
        return _seconds(value)
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
