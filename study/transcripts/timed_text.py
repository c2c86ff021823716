"""Timed text (.ttml, .dfxp): broadcast subtitles and podcast apps' transcripts as speaker turns.

Each ``<p>`` of the body is a cue, its time its ``begin``; its speaker the ``ttm:agent`` it names
(on the paragraph or on a span around it), called by the ``<ttm:name>`` the head gives that agent
when there is one ("Ana Lee"), else by the agent's id ("SPEAKER_1"). A paragraph without an agent
is read like any caption (a "NAME:" opening its text, else the speaker before). Words in spans of
their own with nothing between them (a podcast app writes one span per word) are words apart; a
``<br/>`` is a space. The head's title and description are the reading's header.
"""
from __future__ import annotations

from typing import Iterator, Sequence

from .captions import Cue, cues_read
from .model import ParsedTranscript, Unreadable
from .rendered import clock
from .taught import Convention
from .xml_tree import local_name as _local
from .xml_tree import xml_root

_XML = "{http://www.w3.org/XML/1998/namespace}"
_NOT_TTML = "is not a timed-text file (it must be XML with a 'tt' root and 'p' cues); re-export it as TTML or DFXP"


def read_timed_text(data: bytes, *, taught: Sequence[Convention] = (), **_options) -> ParsedTranscript:
    root = xml_root(data, _NOT_TTML)
    if _local(root.tag) != "tt":
        raise Unreadable(_NOT_TTML)
    names = _agent_names(root)
    cues = [cue for number, p in enumerate(_paragraphs(root), 1) if (cue := _cue(number, p, names))]
    if not cues:
        raise Unreadable("contains no cues with text; check that it is the right file")
    return cues_read(cues, header=_head_text(root), taught=taught)


def _attribute(element, name: str) -> str | None:
    """An attribute by its local name, whatever its namespace ("ttm:agent", "begin")."""
    return next((value for key, value in element.attrib.items() if _local(key) == name), None)


def _agent_names(root) -> dict[str, str]:
    """Each declared agent's name: <ttm:agent xml:id="a1"><ttm:name>Ana Lee</ttm:name></ttm:agent>."""
    names = {}
    for agent in root.iter():
        if _local(agent.tag) != "agent" or not (ident := agent.get(f"{_XML}id")):
            continue
        name = next((" ".join("".join(child.itertext()).split()) for child in agent if _local(child.tag) == "name"), "")
        if name:
            names[ident] = name
    return names


def _paragraphs(root) -> Iterator:
    body = next((child for child in root if _local(child.tag) == "body"), None)
    return (element for element in (body.iter() if body is not None else ()) if _local(element.tag) == "p")


def _cue(number: int, p, names: dict[str, str]) -> Cue | None:
    text = " ".join(_words(p).split())
    if not text:
        return None
    agent = _attribute(p, "agent") or next((a for span in p.iter() if (a := _attribute(span, "agent"))), None)
    speaker = names.get(agent.split()[0], agent.split()[0]) if agent and agent.split() else None
    return Cue(number, speaker, _clock(_attribute(p, "begin")), text, (text,))


def _words(element) -> str:
    """The element's text with a space between child elements that nothing separates (word spans)."""
    parts = [element.text or ""]
    for child in element:
        parts.append(" " + _words(child) + " " if _local(child.tag) in ("span", "br") else _words(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _clock(begin: str | None) -> str | None:
    """A begin time as h:mm:ss ("12.5s", "75.2", "00:01:15.200" -> "0:01:15"), else None."""
    if not begin:
        return None
    value = begin.strip()
    try:
        if ":" in value:
            parts = [float(part) for part in value.split(":")[:3]]
            seconds = sum(part * 60 ** power for power, part in enumerate(reversed(parts)))
        else:
            seconds = float(value.rstrip("s")) if not value.endswith(("ms", "h", "m", "f", "t")) else None
    except ValueError:
        return None
    if seconds is None:
        return None
    return clock(seconds)


def _head_text(root) -> str:
    """The head's title and description, one to a line."""
    head = next((child for child in root if _local(child.tag) == "head"), None)
    if head is None:
        return ""
    found = [" ".join("".join(e.itertext()).split()) for e in head.iter() if _local(e.tag) in ("title", "desc")]
    return "\n".join(text for text in found if text)
