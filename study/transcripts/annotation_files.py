"""Speech-corpus annotation files as speaker turns: Transcriber (.trs), EXMARaLDA (.exb) and Praat (.TextGrid).

Linguists, oral historians and speech-technology projects keep transcripts in these tools' files: each holds
a speaker's stretches of speech with their times, in turns (Transcriber), in one tier per speaker (EXMARaLDA,
Praat). Read in time order, they are cues (``captions.cues_read``) whose speaker is the tool's. What is no
one's speech is kept as notes after the turns, never dropped: a Transcriber comment, an EXMARaLDA annotation
or description tier (translations, comments), a Praat point tier or phone tier. An event the tool codes
inside speech (Transcriber's ``<Event desc="rire"/>``) stays in the turn as an aside in brackets.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from .captions import Cue, cues_read
from .model import UNKNOWN_SPEAKER, ParsedTranscript, Unreadable
from .rendered import clock
from .taught import Convention
from .text import decode_text
from .xml_tree import local_name, xml_root

# A stretch of speech: (seconds from the start, or None when the file gives no time; speaker; text)
Spoken = tuple[float | None, str, str]


def annotations_read(spoken: Iterable[Spoken], notes: Sequence[str] = (), *, header: str = "",
                     taught: Sequence[Convention] = ()) -> ParsedTranscript:
    """Stretches of speech in time order (those without a time keep their place after the timed) as turns;
    ``notes`` after them, nobody's."""
    ordered = sorted(((at, speaker, text) for at, speaker, text in spoken if text.strip()),
                     key=lambda item: float("inf") if item[0] is None else item[0])  # stable: ties keep file order
    if not ordered:
        raise Unreadable("has no speech with text (every turn, tier or interval is empty); check that it is the right file")
    cues = [Cue(number, speaker or None, clock(at) if at is not None else None, " ".join(text.split()), (text,))
            for number, (at, speaker, text) in enumerate(ordered, 1)]
    return cues_read(cues, header=header, notes=[note for note in notes if note.strip()], taught=taught)


# --- Transcriber (.trs) --------------------------------------------------------------------------

_NOT_TRS = "is not a Transcriber file (it must be XML with a 'Trans' root holding turns); re-save it in Transcriber"


def read_transcriber(data: bytes, *, taught: Sequence[Convention] = (), **_options) -> ParsedTranscript:
    """A ``Trans`` document: its speakers named in ``Speakers``, its ``Turn``s in sections, a turn of two
    speakers (``speaker="spk1 spk2"``) cut at its ``Who`` marks; ``Sync`` times start new stretches."""
    root = xml_root(data, _NOT_TRS)
    if local_name(root.tag) != "Trans":
        raise Unreadable(_NOT_TRS)
    names = {s.get("id"): (s.get("name") or s.get("id") or "").strip() for s in root.iter() if local_name(s.tag) == "Speaker"}
    spoken: list[Spoken] = []
    notes: list[str] = []
    for turn in (element for element in root.iter() if local_name(element.tag) == "Turn"):
        speakers = [names.get(code, code) for code in (turn.get("speaker") or "").split()] or [UNKNOWN_SPEAKER]
        spoken += _turn_stretches(turn, speakers, notes)
    topics = [topic.get("desc", "").strip() for topic in root.iter() if local_name(topic.tag) == "Topic"]
    return annotations_read(spoken, notes, header="\n".join(topic for topic in topics if topic), taught=taught)


def _turn_stretches(turn, speakers: list[str], notes: list[str]) -> list[Spoken]:
    """A turn's text cut where a ``Sync`` gives a new time or a ``Who`` another speaker; a ``Comment`` a note."""
    stretches: list[Spoken] = []
    at, who, words = _seconds(turn.get("startTime")), speakers[0], [turn.text or ""]

    def close() -> None:
        if "".join(words).strip():
            stretches.append((at, who, "".join(words)))

    for child in turn:
        name = local_name(child.tag)
        if name in ("Sync", "Who"):
            close()
            words = []
            if name == "Sync":
                at = _seconds(child.get("time"), at)
            else:
                number = int(child.get("nb", "1")) if child.get("nb", "1").isdigit() else 1
                who = speakers[min(max(number, 1), len(speakers)) - 1]
        elif name == "Event" and child.get("desc"):
            words.append(_event(child))
        elif name == "Comment" and child.get("desc"):
            notes.append(child.get("desc"))
        words.append(child.tail or "")
    close()
    return stretches


def _event(event) -> str:
    """An event as Transcriber shows it: "[rire]", and "[rire-" ... "-rire]" around what it spans."""
    desc, extent = event.get("desc").strip(), event.get("extent", "instantaneous")
    return {"begin": f" [{desc}- ", "end": f" -{desc}] "}.get(extent, f" [{desc}] ")


def _seconds(value: str | None, default: float | None = None) -> float | None:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


# --- EXMARaLDA (.exb) ----------------------------------------------------------------------------

_NOT_EXB = ("is not an EXMARaLDA transcription (it must be XML with a 'basic-transcription' root holding tiers); "
            "re-save it in the Partitur-Editor")


def read_exmaralda(data: bytes, *, taught: Sequence[Convention] = (), **_options) -> ParsedTranscript:
    """A ``basic-transcription``: each transcription tier (``type="t"``) is its speaker's (named by the speaker
    table's abbreviation), its events put in the order of the common timeline; annotation and description
    tiers (translations, comments, non-verbal descriptions) are notes."""
    root = xml_root(data, _NOT_EXB)
    if local_name(root.tag) != "basic-transcription":
        raise Unreadable(_NOT_EXB)
    speakers = {s.get("id"): _child_text(s, "abbreviation") or s.get("id") for s in root.iter("speaker")}
    timeline = list(root.iter("tli"))
    place = {point.get("id"): index for index, point in enumerate(timeline)}
    seconds = {point.get("id"): _seconds(point.get("time")) for point in timeline}
    spoken: list[tuple[int, Spoken]] = []
    notes: list[str] = []
    for tier in root.iter("tier"):
        events = [(event.get("start"), "".join(event.itertext())) for event in tier.iter("event")]
        if tier.get("type", "t") != "t":
            notes.append(" ".join(text.strip() for _, text in events if text.strip()))
            continue
        speaker = speakers.get(tier.get("speaker")) or tier.get("display-name") or UNKNOWN_SPEAKER
        spoken += [(place.get(start, len(place)), (seconds.get(start), speaker, text)) for start, text in events]
    spoken.sort(key=lambda item: item[0])  # the timeline's order: points may have no time
    stretches = _joined_events([stretch for _, stretch in spoken])
    return annotations_read(_untimed_after_first(stretches), notes, header=_exb_header(root), taught=taught)


def _exb_header(root) -> str:
    """Every text of the head, a line each (project, transcription name, convention, comments, what the
    speaker table says of each speaker), but the speakers' abbreviations: they label the turns."""
    head = root.find("head")
    if head is None:
        return ""
    lines = []
    for element in head.iter():
        text = " ".join((element.text or "").split())
        if text and local_name(element.tag) != "abbreviation":  # "<ud-information attribute-name="Alter">72": "Alter: 72"
            lines.append(f"{element.get('attribute-name')}: {text}" if element.get("attribute-name") else text)
    return "\n".join(lines)


def _joined_events(stretches: list[Spoken]) -> list[Spoken]:
    """Consecutive events of one speaker joined as written (EXMARaLDA often gives each word its own event,
    its space at the end): one stretch timed by its first event."""
    joined: list[Spoken] = []
    for at, speaker, text in stretches:
        if joined and joined[-1][1] == speaker:
            first, _, before = joined[-1]
            joined[-1] = (first if first is not None else at, speaker, before + text)
        else:
            joined.append((at, speaker, text))
    return joined


def _untimed_after_first(stretches: list[Spoken]) -> list[Spoken]:
    """Stretches already in the timeline's order keep it: each untimed one takes the time before it."""
    timed, last = [], 0.0
    for at, speaker, text in stretches:
        last = at if at is not None else last
        timed.append((last, speaker, text))
    return timed


def _child_text(element, key: str) -> str:
    child = element.find(key) if element is not None else None
    return " ".join("".join(child.itertext()).split()) if child is not None else ""


# --- Praat (.TextGrid) ---------------------------------------------------------------------------

_NOT_TEXTGRID = ("is not a Praat TextGrid (it must start with 'File type = \"ooTextFile\"' and 'Object class = "
                 "\"TextGrid\"'); save it from Praat as a text file")
_STRING = re.compile(r'"((?:[^"]|"")*)"')
_NUMBER = re.compile(r"(?<![\w\"])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w\"])")
_NOT_SPEECH_TIERS = re.compile(r"(?i)(?:^|[\s\-_/])(?:phones?|phonemes?|segments?|syllables?|tones?|points?|comments?|notes?)$")
_WORDS_TIER = re.compile(r"(?i)[\s\-_/]*\b(?:words?|utterances?|transcription|ortho(?:graphy)?)$")


def read_textgrid(data: bytes, *, taught: Sequence[Convention] = (), **_options) -> ParsedTranscript:
    """A TextGrid in Praat's long or short text form: each interval tier is a speaker's (its name, less a
    trailing "words"), its non-empty intervals that speaker's stretches; point tiers, and tiers of phones or
    comments, are notes."""
    text = decode_text(data)
    if '"ooTextFile"' not in text[:200] or '"TextGrid"' not in text[:200]:
        raise Unreadable(_NOT_TEXTGRID)
    tokens = _textgrid_tokens(text[text.index('"TextGrid"') + len('"TextGrid"'):])
    spoken: list[Spoken] = []
    notes: list[str] = []
    for kind, name, items in _tiers(tokens):
        speaker = _WORDS_TIER.sub("", name).strip(" -_/") or name or UNKNOWN_SPEAKER
        if kind == "TextTier" or _NOT_SPEECH_TIERS.search(name):
            notes.append(" ".join(label for _, label in items if label.strip()))
        else:
            spoken += [(start, speaker, label) for start, label in items]
    return annotations_read(spoken, notes, taught=taught)


def _textgrid_tokens(text: str) -> list[str | float]:
    """The file's values in order, strings and numbers, without its keys ("xmin =", "intervals [3]:"):
    the long and the short text forms give the same values in the same order."""
    tokens: list[str | float] = []
    at = 0
    while True:
        string = _STRING.search(text, at)
        stop = string.start() if string else len(text)
        keyless = re.sub(r"\[\s*\d*\s*\]", " ", text[at:stop])  # "item [2]:", "intervals [1]:": indices, no values
        tokens += [float(number) for number in _NUMBER.findall(keyless)]
        if not string:
            return tokens
        tokens.append(string.group(1).replace('""', '"'))
        at = string.end()


def _tiers(tokens: list[str | float]) -> list[tuple[str, str, list[tuple[float, str]]]]:
    """(class, name, [(start, label)]) per tier, from the values after the file's class: xmin, xmax, the
    tier count, then per tier its class, name, xmin, xmax, count and its intervals (xmin, xmax, text) or
    points (time, mark)."""
    try:
        position = 3  # the grid's xmin, xmax and tier count
        found = []
        for _ in range(int(tokens[2])):
            kind, name, count = tokens[position], tokens[position + 1], int(tokens[position + 4])
            position += 5
            width = 3 if kind == "IntervalTier" else 2
            items = [(float(tokens[p]), str(tokens[p + width - 1])) for p in range(position, position + width * count, width)]
            position += width * count
            found.append((str(kind), str(name), items))
        return found
    except (IndexError, TypeError, ValueError, OverflowError):  # OverflowError: a count of 1e999
        raise Unreadable("is a Praat TextGrid whose tiers cannot be read (a count or a value is missing); "
                         "save it again from Praat") from None
