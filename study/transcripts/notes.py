"""What is not speech: the metadata header above a conversation and the authors' notes below it.

A header is the leading run of "Key: value" lines with a known key ("Date:", "Interviewee:",
"**Duration:**", YAML front matter) and lines such as "An interview conducted by ...": it goes
to ``metadata`` and out of the text. A notes heading ("Annotations", "Notes", "Memos",
"Comments", an Otter footer) below some speech ends all speech: whatever follows, however much
it looks like "Label: text", is nobody's words.
"""
from __future__ import annotations

import re
from collections import Counter

from .model import Turn
from .text import Line, stripped_span

_METADATA_KEY = re.compile(
    r"name|title|file ?name|created (on|by)|modified (on|by)|size|duration|length|date|time|"
    r"recorded (on|by)|transcribed (on|by)|transcriber|transcription|language|location|place|setting|"
    r"interview (date|id|number|no\.?)|session|project|format|topic|persona|mode|card|id|tags?|"
    r"fecha|lugar|duraci[oó]n|datum|ort|dauer|data|local|dura[cç][aã]o|lieu|dur[ée]e",
    re.IGNORECASE,
)
# Role keys are metadata only with a short value naming someone ("Interviewee: Ana Ruiz").
_ROLE_KEY = re.compile(
    r"interviewer|interviewee|narrator|participant|respondent|moderator|host|guest|speakers?|"
    r"entrevistador(a)?|entrevistad[oa]|interviewende?r?|befragte[r]?",
    re.IGNORECASE,
)
_KEY_VALUE_LINE = re.compile(
    r"[ \t]*+(?:[-*][ \t]+)?(?:\*\*|__)?(?P<key>[^:\n*_]{1,30}?)[ \t]*+"
    r"(?::(?:\*\*|__)|(?:\*\*|__)?[ \t]*+:)[ \t]*+(?P<value>(?:.*[^ \t])?)[ \t]*"
)  # blanks taken possessively and the value ended at its last non-blank: each blank run is read once
# (two quantifiers sharing a run, or a lazy value before trailing blanks, were quadratic in its length)
_HEADER_SENTENCE = re.compile(
    r"[ \t]*((this is )?(an? )?(oral[ -]history )?interview(s)? (conducted |recorded |held )?(by|with|of)\b|"
    r"(transcript|transcription) of\b|interviewed by\b).*",
    re.IGNORECASE,
)
_TITLE = re.compile(r"[ \t]*#{1,2}[ \t]+\S.*")
_FRONT_MATTER_FENCE = re.compile(r"---[ \t]*")
_MAX_FRONT_MATTER_LINES = 60
_HEADER_LINES = 80  # a header is short: only the first lines are looked at


def split_metadata_header(text: str) -> tuple[dict[str, str], str]:
    """Leading header lines become metadata; the text from the first other line is returned.

    Role lines ("Interviewee: Ana Ruiz") count only beside other header lines: alone at the top,
    "Interviewer: Jane" is more likely the first turn.
    """
    metadata: dict[str, str] = {}
    lines = text.split("\n", _HEADER_LINES)  # the last holds the rest of the text
    rest = _front_matter(lines, metadata)
    line_keys = _LineKeys(text)
    items: list[tuple[str, str, bool]] = []
    body_start, start = len(text), sum(len(line) + 1 for line in lines[:rest])
    record = _record_lines(lines[rest:], line_keys)
    listing = None  # the key of a list under way ("Participants:" then "- Ana Ruiz (Interviewer)" lines)
    for number, line in enumerate(lines[rest:]):
        if line.strip():
            item = record.get(number) or (_list_item(line, listing) if listing else None) \
                or _header_item(line, line_keys) or (_list_key(lines[rest:], number) if items else None)
            if item is None:
                body_start = start
                break
            items.append(item)
            listing = item[0] if not item[1] or item[0] == listing else None
        start += len(line) + 1
    if not metadata and all(is_role for _, _, is_role in items):
        return {}, text
    for key, value, _ in items:
        known = next((k for k in metadata if k.casefold() == key.casefold()), None)
        if known is None:
            metadata[key] = value
        elif key == listing or not metadata[known]:  # a list's items, one value
            metadata[known] = "; ".join(v for v in (metadata[known], value) if v)
    return metadata, text[body_start:]


_BULLET = re.compile(r"[ \t]*(?:[-*•–][ \t]+|\d{1,2}[.)][ \t]+)(?P<item>\S.*)")


def _list_key(lines: list[str], index: int) -> tuple[str, str, bool] | None:
    """A header key with no value, a list of bullets below it ("**Participants:**")."""
    match = _KEY_VALUE_LINE.fullmatch(lines[index])
    after = next((line for line in lines[index + 1:] if line.strip()), "")
    if not match or match["value"] or not _BULLET.fullmatch(after):
        return None
    return match["key"].strip(), "", False


def _list_item(line: str, key: str) -> tuple[str, str, bool] | None:
    match = _BULLET.fullmatch(line)
    return (key, match["item"].strip(), False) if match else None


def _front_matter(lines: list[str], metadata: dict[str, str]) -> int:
    """YAML front matter between '---' fences at the very top; returns the index after it."""
    if not lines or not _FRONT_MATTER_FENCE.fullmatch(lines[0]):
        return 0
    for index in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES)):
        if _FRONT_MATTER_FENCE.fullmatch(lines[index]):
            for line in lines[1:index]:
                key, sep, value = line.partition(":")
                if sep and key.strip() and not key.startswith((" ", "\t", "-")):
                    metadata.setdefault(key.strip(), value.strip().strip("'\""))
            return index + 1
    return 0


class _LineKeys:
    """How many lines start with each "Key:", counted on first need (a role key starting several
    lines is a speaker, not a header)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._counts: Counter[str] | None = None

    def __getitem__(self, key: str) -> int:
        if self._counts is None:
            self._counts = Counter(
                match["key"].strip().casefold()
                for line in self._text.split("\n") if (match := _KEY_VALUE_LINE.match(line))
            )
        return self._counts[key]


def _header_item(text: str, line_keys: _LineKeys) -> tuple[str, str, bool] | None:
    """(key, value, whether the key is a role) for a header line, else None."""
    if _HEADER_SENTENCE.fullmatch(text):
        return "Header", text.strip(), False
    if _TITLE.fullmatch(text):
        return "Title", text.strip().lstrip("#").strip(), True  # a title alone is no header
    match = _KEY_VALUE_LINE.fullmatch(text)
    if not match:
        return None
    key, value = match["key"].strip(), match["value"]
    if _METADATA_KEY.fullmatch(key):
        return key, value, False
    if _ROLE_KEY.fullmatch(key) and line_keys[key.casefold()] < 2:
        if _MORE_FIELDS.search(value):  # "Entrevistado: técnico; data: 3 de março": a record's fields
            return key, value, False
        if _names_someone(value):
            return key, value, True
    return None


# Another field in a header line's value ("...; date: 3 May", "..., Ort: Kiel"): several fields on one line.
_MORE_FIELDS = re.compile(rf"[;,|][ \t]*(?:{_METADATA_KEY.pattern})[ \t]*:[ \t]*\S", re.IGNORECASE)


_RECORD_LINES = 3  # a record's fields: at least this many "Key: value" lines in a row
_PLAIN_TITLE = re.compile(r"[ \t]*[^\W_][^:：\n]{0,58}[^\s.?!:：…]")


def _record_lines(lines: list[str], line_keys: _LineKeys) -> dict[int, tuple[str, str, bool]]:
    """A record's fields at the very top, whatever the language of its keys: a run of three or more
    "Key: short value" lines, the keys all different and at least half of them used on no other
    line (a dialogue's labels recur), maybe under a short title line, and a blank line between them
    and the rest; or a title line right above a known header field. Returns {line index: item}."""
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    fields: dict[int, tuple[str, str, bool]] = {}
    title = first < len(lines) and not _KEY_VALUE_LINE.fullmatch(lines[first]) \
        and _PLAIN_TITLE.fullmatch(lines[first]) is not None and len(lines[first].split()) <= 8
    for index in range(first + title, len(lines)):
        match = _KEY_VALUE_LINE.fullmatch(lines[index])
        if not match or not _short_value(match["value"]) or _speaks(match["key"].strip(), match["value"]):
            break
        fields[index] = (match["key"].strip(), match["value"], False)
    keys = [key.casefold() for key, _, _ in fields.values()]
    once = sum(1 for key in keys if line_keys[key] == 1)
    after = max(fields, default=first) + 1
    apart = after < len(lines) and not lines[after].strip() and any(line.strip() for line in lines[after:])
    if len(fields) < _RECORD_LINES or len(set(keys)) < len(keys) or 2 * once < len(keys) or not apart:
        # a title line over known header fields ("Interview 07" above "Datum: ...", or above "Narrator: ..."
        # then "Date: ...") is the header's too
        return {first: ("Title", lines[first].strip(), False)} if title and _known_fields(lines, first + 1, line_keys) else {}
    if title:
        fields[first] = ("Title", lines[first].strip(), False)
    return fields


def _known_fields(lines: list[str], start: int, line_keys: _LineKeys) -> bool:
    """Whether the lines from ``start`` are header fields, one of them more than a role's name."""
    for line in lines[start:start + _RECORD_LINES + 3]:
        item = _header_item(line, line_keys)
        if item is None:
            return False
        if not item[2]:
            return True
    return False


_SPEAKER_CODE = re.compile(r"[^\W\d_]{1,12}[ \t]?\d{1,3}")  # "P1", "Speaker 2", "TN3": a turn's label


def _speaks(key: str, value: str) -> bool:
    """A line that reads as a turn, not a record's field: a speaker code's ("P1: 0"), or a role's
    whose value holds no letter ("Interviewer: 0")."""
    return _SPEAKER_CODE.fullmatch(key) is not None or (
        _ROLE_KEY.fullmatch(key) is not None and not any(c.isalpha() for c in value))


def _short_value(value: str) -> bool:
    """A field's value, not a sentence: a few words, no closing question mark or full stop (an
    initial's or abbreviation's dot aside: "Maria K.")."""
    words = value.split()
    if not 0 < len(words) <= 6 or value.rstrip().endswith(("?", "？", "!", "…", "。")):
        return False
    return not words[-1].endswith(".") or len(words[-1]) <= 3


def _names_someone(value: str) -> bool:
    words = value.split()
    return 0 < len(words) <= 6 and any(c.isalpha() for c in value) and not value.endswith(("?", ".", "!", "…"))


# A heading line that starts the authors' notes, or a transcription service's footer ("Transcribed by
# https://otter.ai", "Transcript generated automatically; check it against the recording.").
NOTES_HEADING = re.compile(
    r"[ \t]*+(?:#{1,6}[ \t]*+)?(?:\*\*|__)?[ \t]*+"
    r"(annotations?|memos?|notes?|comments?|field ?notes|interviewer'?s? notes|researcher'?s? notes|"
    r"post[- ]interview notes|anmerkungen|notas|anota[cç][õo]es|observa[cç][õo]es|remarques|"
    r"transcribed by https?://otter\.ai.*|\[?end of (the )?(interview|transcript|transcription|recording)\]?\.?|"
    r"(?:this )?transcri(?:pt|ption)(?: was)? (?:generated|produced|created|made) (?:automatically|by|with)\b.*)"
    r"[ \t]*+:?[ \t]*+(?:\*\*|__)?[ \t]*+:?[ \t]*+",
    re.IGNORECASE,
)  # blanks taken possessively, as above


# A transcription tool's closing line: it ends speech even as the file's last line.
_TOOL_FOOTER = re.compile(r"otter\.ai|transcri(?:pt|ption)(?: was)? (?:generated|produced|created|made)", re.IGNORECASE)


# A notes heading as a whole line after a newline: a search skips from newline to newline.
_NOTES_LINE = re.compile(rf"\n(?:{NOTES_HEADING.pattern})$", re.IGNORECASE | re.MULTILINE)


def speech_end(text: str, lines: list[Line]) -> int:
    """Where speech stops: at the first notes heading with text above and below it, else the end.

    ``lines`` are the lines of ``text``."""
    first = next((line for line in lines if not line.blank), None)
    if first is None:
        return len(text)
    for match in _NOTES_LINE.finditer(text, first.start):
        if text[match.end():].strip() or _TOOL_FOOTER.search(match.group()):
            return match.start() + 1
    return _credits_start(text, lines)


def _credits_start(text: str, lines: list[Line]) -> int:
    """Where a closing paragraph of credits starts, else the end: the last paragraph, after a blank line,
    made only of two or more short "Key: value" or "Work by Name" clauses ("Edição: Caio Prado. Trilha: banco
    de áudio livre.", "Music by the Harbour Band. Produced by Kite Radio.")."""
    content = [line for line in lines if not line.blank]
    if len(content) < 3:
        return len(text)
    last = content[-1]
    if text.count("\n", content[-2].start, last.start) < 2:
        return len(text)
    clauses = [clause.strip() for clause in re.split(r"(?<=[.;])[ \t]+|[ \t]+[|·•][ \t]+", last.text.strip()) if clause.strip()]
    if len(clauses) >= 2 and all(_CREDIT.fullmatch(clause) for clause in clauses) \
            and not any(_labels_a_turn(text[:last.start], clause) for clause in clauses):
        return last.start
    return len(text)


def _labels_a_turn(before: str, clause: str) -> bool:
    """Whether the clause's key ("Interviewer" of "Interviewer: Thanks then.") opens a line above as a
    speaker's label does: then the paragraph is the speakers going on, not credits."""
    key = re.split(r"[:：]", clause, maxsplit=1)[0].strip() if re.search(r"[:：]", clause) else ""
    return bool(key) and re.search(rf"(?m)^[ \t]*{re.escape(key)}[ \t]*[:：]", before) is not None


# "Edição: Caio Prado.", "Music by the Harbour Band.": a key of one to three words and a short value.
_CREDIT = re.compile(r"(?:[^\W\d_][\w'’\-]*(?:[ \t][\w'’\-]+){0,2}[ \t]*[:：]|[^\W\d_][\w'’\-]*(?:[ \t][\w'’\-]+)?[ \t]by)"
                     r"[ \t]+[^.;:：?!]{1,60}[.;]?", re.IGNORECASE)


# A time mark closing a paragraph: "#00:01:02-5#", "[00:01:02]", "(12:04)", "00:01:02.5", or a media
# bullet's start and end in milliseconds ("1210_3980", CHAT's, its control characters read as spaces).
_END_TIME = re.compile(r"[ \t]*(?:(?:#|\[|\()?\d{1,2}:\d{2}(?::\d{2})?(?:[-.,]\d{1,3})?(?:#|\]|\))?|\d{1,9}_\d{1,9})[ \t]*$")


_END_TIME_WINDOW = 32  # the longest mark and some space before it: a turn's end is searched, not the whole turn
# (a search of the whole turn tries the spaces of every run: quadratic in a long run of tabs)


_TIME_LINE = re.compile(r"[ \t]*[\[(]?(?P<time>\d{1,2}:\d{2}(?::\d{2})?)(?:[.,]\d{1,3})?[\])]?[ \t]*\n")


def without_time_marks(text: str, turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
    """Turns less their time marks: a time alone on a turn's first line is the turn's time (a name
    line, then "0:03", then the words), a time closing most turns is a mark, not speech, and so is a
    bracketed time code or aside standing apart inside a turn (see ``_apart_from_marks``)."""
    turns = tuple(part for turn in turns for part in _apart_from_marks(text, turn))
    return _without_end_times(text, tuple(_without_time_line(text, turn) for turn in turns))


# A paragraph that is only an aside in brackets, maybe emphasised: "*(Recording ends.)*", "[Tape 1, Side B]".
ASIDE_PARAGRAPH = re.compile(r"[ \t]*([*_]{0,2})[\[(][^\[\]()\n]{1,58}[\])]\1[ \t]*")
# A time code a transcriber sets in brackets or hashes ("[00:05:00]", "#00:12:31-4#"): never speech.
_TIME_CODE = r"(?:\[\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?\]|#\d{1,2}:\d{2}(?::\d{2})?(?:[-.,]\d{1,3})?#)"
# A paragraph that is only a time code, maybe in parentheses and closed by a colon as a label that names no
# one ("(00:00:31):", a podcast page's mark of the same speaker going on after a cut).
_TIME_CODE_ALONE = re.compile(rf"[ \t]*(?:{_TIME_CODE}|\(\d{{1,2}}:\d{{2}}(?::\d{{2}})?\))[:：]?[ \t]*")
_TIME_CODE_LINE = re.compile(rf"{_TIME_CODE_ALONE.pattern}\n")
_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_CODE_AT_PARAGRAPH_END = re.compile(rf"[ \t]*{_TIME_CODE}[ \t]*(?=\n[ \t]*\n|$)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def _apart_from_marks(text: str, turn: Turn) -> list[Turn]:
    """``turn`` in parts of speech, without the marks between its paragraphs: a paragraph that is only
    a bracketed time code or aside ("[00:05:00]", "[Tape 1, Side B]") and a time code closing a
    paragraph ("... in 1958. [00:04:31]"), which an oral history's transcriber sets every few minutes."""
    body = text[turn.start:turn.end]
    if not ("[" in body or "(" in body or "#" in body or ("\n" in body and _PARAGRAPH_BREAK.search(body))):
        return [turn]
    parts, start, times, time = [], turn.start, {}, None
    for paragraph in [*_PARAGRAPH_BREAK.finditer(text, turn.start, turn.end), None]:
        end = paragraph.start() if paragraph else turn.end
        segment = text[start:end]
        if _TIME_CODE_ALONE.fullmatch(segment):  # "[00:05:00]", "(00:00:31):": the time of what follows
            time = _CLOCK.search(segment).group()
        elif not ASIDE_PARAGRAPH.fullmatch(segment) and not (start > turn.start and _not_speech(segment)):
            if (line := _TIME_CODE_LINE.match(segment)) and start > turn.start:  # the time on its own line above the words
                time, start = _CLOCK.search(segment).group(), start + line.end()
            code = _CODE_AT_PARAGRAPH_END.search(text, start, end)
            parts.append((start, code.start() if code and code.end() == end and code.start() > start else end))
            times[start], time = time, None
        start = paragraph.end() if paragraph else end
    if len(parts) < 2 and parts == [(turn.start, turn.end)]:
        return [turn]
    spans = [(span, times.get(a)) for a, b in _merged(text, parts) if (span := stripped_span(text, a, b))]
    return [Turn(turn.speaker, a, b, turn.timestamp if i == 0 else time, turn.role_hint)
            for i, ((a, b), time) in enumerate(spans)] or [turn]


# A paragraph set into a turn by the transcriber or the note-taker: "> Note: P4 scrolled past...", "Anmerkung: ...";
# or only an address to write to ("choi@example-news.kr", a page's link) closing an article.
# The keys that open such a note (never a speaker's name: see ``labels``).
NOTE_KEYS = frozenset("note notes nb comment comments anmerkung anmerkungen notiz nota notas remarque observación "
                      "observação".split())
_NOTE_PARAGRAPH = re.compile(rf"[ \t]*(?:>[ \t]*)?[*_]{{0,2}}(?:{'|'.join(sorted(NOTE_KEYS))}|n\.b\.|observer(?:'s)? note)"
                             r"[*_]{0,2}[ \t]*[:：]", re.IGNORECASE)
_ADDRESS_PARAGRAPH = re.compile(r"[ \t]*(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+)[ \t]*")


def _not_speech(paragraph: str) -> bool:
    """Whether a paragraph after a turn's first is a note set into it or an address, not the speaker's words."""
    return bool(_NOTE_PARAGRAPH.match(paragraph) or _ADDRESS_PARAGRAPH.fullmatch(paragraph))


def _merged(text: str, parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Consecutive parts with nothing but blanks between them, as one."""
    merged: list[tuple[int, int]] = []
    for a, b in parts:
        if merged and not text[merged[-1][1]:a].strip():
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _without_time_line(text: str, turn: Turn) -> Turn:
    match = _TIME_LINE.match(text, turn.start, turn.end)
    if not match or not text[match.end():turn.end].strip():
        return turn
    start = match.end() + len(text[match.end():turn.end]) - len(text[match.end():turn.end].lstrip())
    return Turn(turn.speaker, start, turn.end, turn.timestamp or match["time"], turn.role_hint)


def _without_end_times(text: str, turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
    """Turns less the time mark that closes them, when most turns close with one (a transcription
    program's time at the end of each paragraph): a mark, not speech."""
    ends = [_END_TIME.search(text, max(turn.start, turn.end - _END_TIME_WINDOW), turn.end) for turn in turns]
    closing = [m if m and m.end() == turn.end and m.start() > turn.start else None for m, turn in zip(ends, turns)]
    if 2 * sum(1 for m in closing if m) <= len(turns):
        return turns
    return tuple(Turn(t.speaker, t.start, t.start + len(text[t.start:m.start()].rstrip()), t.timestamp, t.role_hint)
                 if m else t for t, m in zip(turns, closing))
