"""JSON transcripts from speech-to-text and podcast tools: a list of segments, each an object
holding some words and who said them (``{"speaker": "SPEAKER_00", "start": 0.5, "text": "..."}``),
at the top of the file or anywhere inside it.

The segments are the list of objects whose text field (named as a speaker table's text column:
"text", "transcript", "content"...) holds the most words; their speaker is the field named as a
speaker column whose values read most like names ("voice": "anna" before "speaker": "1"); their
time the field named as a time column. Lists of single words (``"word"``) repeat the segments and
are left out. Segments without any speaker field are read as text, as a .txt file would be.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Collection, Sequence

from .limits import Deadline
from .model import UNKNOWN_SPEAKER, ParsedTranscript, Unreadable
from .registry import read_layout
from .rendered import DraftTurn, rendered
from .roles import label_role
from .tables import is_speaker_column, is_text_column, is_time_column
from .taught import Convention
from .text import decode_text

_NO_SEGMENTS = ("holds no list of segments with a text field (such as [{\"speaker\": \"A\", \"text\": \"...\"}]); "
                "export the transcript as text, captions or a table")


@dataclass(frozen=True)
class Segments:
    records: list[dict]
    text: str
    speaker: str | None
    time: str | None


def read_json(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
              **_options) -> ParsedTranscript:
    try:
        document = json.loads(decode_text(data))
    except json.JSONDecodeError as exc:
        raise Unreadable(f"is not valid JSON (line {exc.lineno}: {exc.msg}); re-export it") from None
    segments = _segments(document)
    if segments is None:
        raise Unreadable(_NO_SEGMENTS)
    texts = [" ".join(text.split()) for record in segments.records
             if isinstance(text := record.get(segments.text), str) and text.strip()]
    if segments.speaker is None:  # no one named: the words as plain text, its own labels if any
        return read_layout("\n\n".join(texts), by_line=False, without=without, taught=taught)
    drafts: list[DraftTurn] = []
    for record in segments.records:
        text = record.get(segments.text)
        if not isinstance(text, str) or not text.strip():
            continue
        speaker = _scalar(record.get(segments.speaker)) or UNKNOWN_SPEAKER
        body = " ".join(text.split())
        if drafts and drafts[-1].speaker == speaker:
            last = drafts[-1]
            drafts[-1] = DraftTurn(speaker, f"{last.body} {body}", last.timestamp, last.role_hint)
        else:
            drafts.append(DraftTurn(speaker, body, _time(record.get(segments.time)), label_role(speaker)))
    fields = ", ".join(name for name in (segments.speaker, segments.text, segments.time) if name)
    return rendered(drafts, layout=f"segments (fields: {fields})")


def _segments(document) -> Segments | None:
    """The list of objects holding the most words in a text field, with its fields."""
    best, deadline = None, Deadline()
    for records in _object_lists(document, deadline):
        keys = {key for record in records for key, value in record.items() if isinstance(value, str)}
        texts = [key for key in keys if is_text_column(key)]
        if not texts:
            continue
        text = max(texts, key=lambda key: _words_under(records, key))
        words = _words_under(records, text)
        if best is None or words > best[0]:
            best = (words, records, text)
    if best is None or best[0] == 0:
        return None
    _, records, text = best
    speakers = [key for key in {k for record in records for k in record} if is_speaker_column(key)
                and any(_scalar(record.get(key)) for record in records)]
    speaker = max(speakers, key=lambda key: (_named_share(records, key), key), default=None)
    time = next((key for record in records for key in record if is_time_column(key)), None)
    return Segments(records, text, speaker, time)


def _object_lists(document, deadline: Deadline):
    """Every list in the document whose items are mostly objects (depth first, without recursion)."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            deadline.check()
            objects = [item for item in value if isinstance(item, dict)]
            if objects and len(objects) * 2 >= len(value):
                yield objects
            stack.extend(value)


def _words_under(records: list[dict], key: str) -> int:
    return sum(len(value.split()) for record in records if isinstance(value := record.get(key), str))


def _named_share(records: list[dict], key: str) -> float:
    """How many of the field's values hold a letter: a name or "SPEAKER_00" before a bare number."""
    values = [_scalar(record.get(key)) for record in records]
    return sum(1 for value in values if value and any(c.isalpha() for c in value)) / max(1, len(values))


def _scalar(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return " ".join(str(value).split())


def _time(value) -> str | None:
    """A time as the other readers give it: "0:01:02" from seconds, a written time without its fraction."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = int(value)
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    text = str(value).strip()
    return text.split(".")[0].split(",")[0] or None if ":" in text else None
