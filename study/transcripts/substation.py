"""SubStation Alpha subtitles (.ass, .ssa): subtitle editors' files as speaker turns.

The ``[Events]`` section's ``Format:`` line names the fields of each ``Dialogue:`` line; the
``Name`` (or ``Actor``) field is the speaker, the ``Text`` field (everything after the last comma
the format counts) the words, less its ``{...}`` override tags, with ``\\N`` a line break and
``\\h`` a space. A file that names its speakers so shows its convention: an unnamed event in a style
no named event uses (a sign, a song, a title card) is nobody's; an unnamed event in a speech style is
read like any caption (a "NAME:" opening it, else the speaker before). ``Comment:`` events are the
typesetters' notes, and so are the script's ';' comment lines. The script's ``Title:`` is the reading's header.
"""
from __future__ import annotations

import re
from typing import Sequence

from .captions import Cue, cues_read
from .model import ParsedTranscript, Unreadable
from .rendered import clock
from .taught import Convention
from .text import decode_text

_NOT_SSA = "is not a SubStation subtitle file (it needs an '[Events]' section of 'Dialogue:' lines); re-export it"
_DEFAULT_FORMAT = ("layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text")
_OVERRIDE = re.compile(r"\{[^}]*\}")
_TIME = re.compile(r"(?P<h>\d+):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)")
_HEADER_KEYS = ("title", "original script", "original translation", "original editing", "original timing")


def read_substation(data: bytes, *, taught: Sequence[Convention] = (), **_options) -> ParsedTranscript:
    sections = _sections(decode_text(data))
    events = sections.get("events")
    if not events:
        raise Unreadable(_NOT_SSA)
    fields = _DEFAULT_FORMAT
    dialogue, notes = [], []
    for number, kind, value in events:
        if kind == "format":
            fields = tuple(field.strip().casefold() for field in value.split(","))
        elif kind in ("dialogue", "comment"):
            event = dict(zip(fields, (part.strip() for part in value.split(",", len(fields) - 1))))
            lines = _text_lines(event.get("text", ""))
            if not lines:
                continue
            if kind == "comment":
                notes.append(" ".join(lines))
            else:
                speaker = event.get("name") or event.get("actor") or ""
                dialogue.append((number, speaker, event.get("style", ""), _clock(event.get("start", "")), lines))
    if not dialogue:
        raise Unreadable("has no 'Dialogue:' events with text; check that it is the right file")
    notes = [value for section in sections.values() for _, key, value in section if key == ";"] + notes
    speech_styles = {style for _, speaker, style, _, _ in dialogue if speaker}
    cues = []
    for number, speaker, style, time, lines in dialogue:
        if not speaker and speech_styles and style not in speech_styles:
            notes.append(" ".join(lines))  # a sign or a title card: the file's named events show its speech
        else:
            cues.append(Cue(number, speaker or None, time, " ".join(lines), tuple(lines)))
    header = "\n".join(f"{key}: {value}" for number, key, value in sections.get("script info", ())
                       if key in _HEADER_KEYS and value)
    return cues_read(cues, header=header, notes=notes, taught=taught)


def _sections(text: str) -> dict[str, list[tuple[int, str, str]]]:
    """Each ``[Section]``'s ``Key: value`` lines, keys in lower case, with their line numbers."""
    sections: dict[str, list[tuple[int, str, str]]] = {}
    current = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip().lstrip("\ufeff")
        if stripped.startswith("[") and stripped.endswith("]"):
            current = sections.setdefault(stripped[1:-1].strip().casefold(), [])
        elif current is not None and stripped.startswith(";") and stripped.lstrip(";").strip():
            current.append((number, ";", stripped.lstrip(";").strip()))  # a comment line: the script's note
        elif current is not None and ":" in stripped:
            key, _, value = stripped.partition(":")
            current.append((number, key.strip().casefold(), value.strip()))
    return sections


def _text_lines(text: str) -> list[str]:
    """An event's text as shown: override tags out, ``\\N``/``\\n`` line breaks, ``\\h`` spaces."""
    shown = _OVERRIDE.sub("", text).replace("\\h", " ")
    return [line for part in re.split(r"\\[Nn]", shown) if (line := " ".join(part.split()))]


def _clock(value: str) -> str | None:
    match = _TIME.fullmatch(value.strip())
    if not match:
        return None
    return clock(int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"]))
