"""JSON transcripts from speech-to-text and podcast tools: a list of segments, each an object
holding some words and who said them (``{"speaker": "SPEAKER_00", "start": 0.5, "text": "..."}``),
at the top of the file or anywhere inside it.

The segments are the list of objects whose text field (named as a speaker table's text column:
"text", "transcript", "content"...) holds the most words, or whose objects hold them (a word's
"alternatives", a paragraph's "sentences"), a list naming its speakers preferred; their speaker is
the field named as a speaker column whose values read most like names ("voice": "anna" before
"speaker": "1"); their time the field named as a time column. Consecutive segments of one speaker
are one turn, punctuation joining the word before it. Lists of single words (``"word"``) beside
the segments repeat them and are left out. Segments without any speaker field are read as text,
as a .txt file would be.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Collection, Sequence

from .limits import Deadline
from .model import UNKNOWN_SPEAKER, ParsedTranscript, Unreadable
from .registry import read_layout
from .rendered import DraftTurn, clock, rendered
from .roles import label_role
from .tables import is_speaker_column, is_text_column, is_time_column
from .taught import Convention
from .text import decode_text

_NO_SEGMENTS = ("holds no list of segments with a text field (such as [{\"speaker\": \"A\", \"text\": \"...\"}]); "
                "export the transcript as text, captions or a table")


@dataclass(frozen=True)
class Segments:
    records: list[dict]
    text: str | None
    speaker: str | None
    time: str | None


def read_json(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
              **_options) -> ParsedTranscript:
    try:
        document = json.loads(decode_text(data))
    except json.JSONDecodeError as exc:
        raise Unreadable(f"is not valid JSON (line {exc.lineno}: {exc.msg}); re-export it") from None
    except RecursionError:  # json's parser recurses per level; no transcript nests more than a few
        raise Unreadable("nests lists and objects deeper than Python's JSON reader can follow (about 1,000 "
                         "levels), far deeper than any transcript; check that it is the right file") from None
    segments = _segments(document)
    if segments is None:
        raise Unreadable(_NO_SEGMENTS)
    if segments.speaker is None:  # no one named: the words as plain text, its own labels if any
        texts = [text for record in segments.records if (text := _record_text(record, segments.text))]
        return read_layout("\n\n".join(texts), by_line=False, without=without, taught=taught)
    drafts: list[DraftTurn] = []
    for record in segments.records:
        body = _record_text(record, segments.text)
        if not body:
            continue
        speaker = _scalar(_field(record, segments.speaker)) or UNKNOWN_SPEAKER
        if drafts and (drafts[-1].speaker == speaker or _PUNCTUATION.fullmatch(body)):  # "," goes with its word
            last = drafts[-1]
            drafts[-1] = DraftTurn(last.speaker, _joined(last.body, body), last.timestamp, last.role_hint)
        else:
            drafts.append(DraftTurn(speaker, body, _time(_field(record, segments.time)), label_role(speaker)))
    fields = ", ".join(name for name in (segments.speaker, segments.text, segments.time) if name)
    return rendered(drafts, layout=f"segments (fields: {fields})")


_PUNCTUATION = re.compile(r"[^\w\s]+")
_WORD = re.compile(r"\w+")


def _joined(before: str, after: str) -> str:
    """Two pieces of speech as one: a space between, none before punctuation ("Good" + "," -> "Good,")."""
    return before + after if re.match(r"[.,;:!?%)\]}…。，、！？]", after) else f"{before} {after}"


def _record_text(record: dict, key: str | None) -> str:
    """A segment's words: its text field, else those of the objects it holds (all of them when they
    are timed, as sentences are; the first, the likeliest, when they are alternatives)."""
    value = record.get(key) if key else None
    if isinstance(value, list) and value and all(isinstance(line, str) for line in value):
        value = " ".join(value)  # its lines
    if not isinstance(value, str):  # a segment naming its text otherwise than the others
        value = next((v for k, v in record.items() if isinstance(v, str) and v.strip() and is_text_column(k)), None)
    if isinstance(value, str):
        return " ".join(value.split())
    for name, nested in record.items():
        objects = [item for item in nested if isinstance(item, dict)] if isinstance(nested, list) else []
        inner = _text_key(objects)
        if inner:
            timed = any(is_time_column(field) for item in objects for field in item)
            likeliest = name == "alternatives" or not timed and len(objects) > 1 and _same_words(objects, inner)
            parts = [" ".join(item[inner].split()) for item in (objects[:1] if likeliest else objects)
                     if isinstance(item.get(inner), str) and item[inner].strip()]
            return functools.reduce(_joined, parts) if parts else ""
    return ""


def _same_words(objects: list[dict], key: str) -> bool:
    """Whether the objects are readings of the same words (alternatives under another name): their
    first words agree. Elements of a monologue, one word each, do not."""
    firsts = {value.split()[0].casefold() for item in objects if isinstance(value := item.get(key), str) and value.split()}
    return len(firsts) == 1


def _text_key(records: list[dict]) -> str | None:
    """The records' text field: a field named as a text column holding the most words; else, when
    none is, the string field holding the most words of several ("display" beside "lexical": the
    written form, with capitals and punctuation, on a tie)."""
    strings = {key for record in records for key, value in record.items() if isinstance(value, str)}
    named = {key for key in strings if _is_text_field(key)}
    if named:
        return max(named, key=lambda key: (_words_under(records, key), key))
    wordy = [key for key in strings if _words_under(records, key) >= _SENTENCE * len(records)]
    return max(wordy, key=lambda key: (_words_under(records, key), _written_form(records, key), key), default=None)


_SENTENCE = 3  # words per record on average: a field of sentences, not ids, codes or single words


def _written_form(records: list[dict], key: str) -> int:
    return sum(sum(1 for c in value if c.isupper() or not (c.isalnum() or c.isspace()))
               for record in records if isinstance(value := record.get(key), str))


def _is_text_field(key: str) -> bool:
    """A text column's name, or a word list's ("word") or a list of elements' ("value"): the field
    holding the most words decides among them."""
    return is_text_column(key) or key.strip().casefold() in ("word", "value")


def _segments(document) -> Segments | None:
    """The lists of objects holding the most words (in a text field of their own or of the objects
    they hold), lists naming their speakers preferred when they hold nearly as many. Lists at the
    same place in repeated objects ("chapters"[*]."segments", one "items" list per channel) are one
    transcript, read in order of time when every segment has one: no chapter is left out."""
    groups: dict[int, list[dict]] = {}
    for place, key, records in _object_lists(document, Deadline()):  # of alternatives, the likeliest only
        groups.setdefault(place, []).extend(records[:1] if key == "alternatives" else records)
    found = []
    for records in groups.values():
        text = _text_key(records)
        said = [_WORD.findall(_record_text(record, text).casefold()) for record in records]
        words = sum(map(len, said))
        if words:
            found.append((words, records, text, _speaker_key(records), {w for ws in said for w in ws}))
    if not found:
        return None
    most = max(found, key=lambda f: f[0])[4]

    def preference(f):  # naming speakers and holding nearly the same words; then segments before single words
        nearly = f[3] is not None and len(f[4] & most) >= _NEARLY * len(most)
        return nearly, nearly and f[0] >= 1.5 * len(f[1]), f[0]
    words, records, text, speaker, _ = max(found, key=preference)
    time = next((key for key in sorted(_field_names(records), key=lambda k: k.count(".")) if is_time_column(key.rpartition(".")[2])
                 and any(_field(record, key) is not None for record in records)), None)
    return Segments(_in_time_order(records, time), text, speaker, time)


def _in_time_order(records: list[dict], time: str | None) -> list[dict]:
    """``records`` by their time when each has one (channels of one call), else as written."""
    times = [_seconds(_field(record, time)) for record in records] if time else []
    if not times or None in times:
        return records
    return [record for _, record in sorted(zip(times, records), key=lambda pair: pair[0])]


def _seconds(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < _LONGEST else None  # infinite, NaN, negative or past any recording: no time


_NEARLY = 0.8  # a diarised word list holds the words of the plain transcript beside it (its vocabulary), less its punctuation


def _speaker_key(records: list[dict]) -> str | None:
    """The field naming each segment's speaker: the record's own, or one in an object it holds
    ("data": {"speaker": "TBC 0"}, written "data.speaker")."""
    speakers = [key for key in _field_names(records) if is_speaker_column(key.rpartition(".")[2])
                and any(_scalar(_field(record, key)) for record in records)]
    return max(speakers, key=lambda key: (_named_share(records, key), -key.count("."), key), default=None)


def _field_names(records: list[dict]) -> set[str]:
    """The records' fields, and those of the objects they hold one level down, as "outer.inner"."""
    names = set()
    for record in records:
        for key, value in record.items():
            names.add(key)
            if isinstance(value, dict):
                names.update(f"{key}.{inner}" for inner in value if "." not in key)
    return names


def _field(record: dict, name: str | None):
    """A record's field by ``_field_names``' name."""
    if name is None:
        return None
    if name in record or "." not in name:
        return record.get(name)
    outer, _, inner = name.partition(".")
    holder = record.get(outer)
    return holder.get(inner) if isinstance(holder, dict) else None


def _object_lists(document, deadline: Deadline):
    """(place, key, objects) for every list in the document whose items are mostly objects, in the
    order they are written (depth first, without recursion). ``key`` names the list in its object;
    ``place`` numbers where it sits whichever of repeated objects holds it (list indices as "*",
    but for the first of "alternatives", the likeliest reading of the same words, not more words).
    A place is a number for (its parent's place, the step): memory stays linear however deep."""
    places: dict[tuple[int, object], int] = {}
    stack: list[tuple[int, object, object]] = [(0, None, document)]  # (place, key or index, value)
    while stack:
        place, step, value = stack.pop()
        if isinstance(value, dict):
            children = [(key, item) for key, item in value.items()]
        elif isinstance(value, list):
            deadline.check()
            objects = [item for item in value if isinstance(item, dict)]
            if objects and len(objects) * 2 >= len(value):
                yield place, step, objects
            children = [(index if step == "alternatives" else "*", item) for index, item in enumerate(value)]
        else:
            continue
        for key, item in reversed(children):
            if isinstance(item, (dict, list)):
                stack.append((places.setdefault((place, key), len(places) + 1), key, item))


def _words_under(records: list[dict], key: str) -> int:
    return sum(len(value.split()) for record in records if isinstance(value := record.get(key), str))


def _named_share(records: list[dict], key: str) -> float:
    """How many of the field's values hold a letter: a name or "SPEAKER_00" before a bare number."""
    values = [_scalar(_field(record, key)) for record in records]
    return sum(1 for value in values if value and any(c.isalpha() for c in value)) / max(1, len(values))


def _scalar(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return " ".join(str(value).split())


_LONGEST = 1_000_000  # seconds (11 days): no recording is longer


def _time(value) -> str | None:
    """A time as the other readers give it: "0:01:02" from seconds, a written time without its fraction."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        if (exact := _seconds(value)) is None:
            return None
        return clock(exact)
    text = str(value).strip()
    return text.split(".")[0].split(",")[0] or None if ":" in text else None
