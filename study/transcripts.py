"""Reading transcript files of every supported format into one shape: text plus speaker turns.

Layout of a ParsedTranscript: ``text`` is the interview as plain text in reading order, with
``\\n`` line endings and the speaker label lines as they appear; each Turn spans only its
spoken body (``text[turn.start:turn.end]``, stripped, possibly several lines).

How turns are found in .docx/.txt/.md text, first layout that applies wins (``_LAYOUTS``):
- speaker labels ("Speaker 1:", "P3: text", "Name (00:01:02): text", ...; ``_LABEL_PATTERNS``);
- protocol style: questions each followed by an "Answer: ..." line. The lines just before an
  answer are the interviewer's question; headings, introductions and unanswered questions
  stay in ``text`` outside any turn;
- otherwise one turn of speaker "Unknown" per paragraph (per blank-line-separated block in
  text files, per paragraph in Word).
A notes heading ("Annotations", "Memos", "Notes") below the last turn ends it: the authors'
memos stay in ``text`` but are nobody's words. Metadata header lines at the top ("Name:",
"Created On:", ...) go to ``metadata``, not ``text``.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, Sequence

import charset_normalizer
import defusedxml.ElementTree
import docx
import webvtt
from defusedxml import DefusedXmlException
from docx.table import Table

from study.errors import StudyError, TranscriptFormatError

DEFAULT_MAX_BYTES = 20_000_000
# A .docx is a zip: refuse archives that would unpack to far more than any transcript needs.
MAX_UNZIPPED_BYTES = 200_000_000
SUSPICIOUS_UNZIPPED_BYTES = 50_000_000
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 10_000
DOCX_MAIN_PART = "word/document.xml"

UNKNOWN_SPEAKER = "Unknown"
PROTOCOL_INTERVIEWER = "Interviewer"
PROTOCOL_PARTICIPANT = "Participant"


@dataclass(frozen=True)
class Turn:
    """One speaker turn: ``text[start:end]`` of its ParsedTranscript is the turn's spoken body."""

    speaker: str
    start: int
    end: int
    timestamp: str | None = None
    role_hint: str | None = None  # "interviewer"/"participant" when the format says so (protocol style)


@dataclass(frozen=True)
class ParsedTranscript:
    text: str
    turns: tuple[Turn, ...]
    metadata: dict[str, str] = field(default_factory=dict)

    def turn_text(self, turn: Turn) -> str:
        """The spoken body of ``turn``."""
        return self.text[turn.start:turn.end]


@dataclass(frozen=True)
class SurveyResponse:
    """All open responses of one participant of a survey CSV, as a transcript."""

    participant: str
    parsed: ParsedTranscript


class _Unreadable(Exception):
    """A reader's one-line problem; the public functions add the file's path."""


# ---------------------------------------------------------------- public API


def read_transcript(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedTranscript:
    """Read a .docx, .txt, .md, .vtt or .srt transcript; raise TranscriptFormatError if unusable.

    Example: ``read_transcript(Path("Interview-02.docx")).turns[0].speaker == "Speaker 1"``
    """
    path = Path(path)
    with _reported_against(path):
        reader = _reader_for(path)
        parsed = reader(_read_bytes(path, max_bytes))
        if not parsed.turns:
            raise _Unreadable("contains no transcript text; check that it is the right file")
        return parsed


def read_survey_csv(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[SurveyResponse]:
    """Read a CSV of open survey responses (a participant column and a response column).

    Each participant's responses become one ParsedTranscript, in order of first appearance;
    a ``question`` column, when present, adds each question as an interviewer turn.
    """
    path = Path(path)
    with _reported_against(path):
        return _survey_responses(_decode_text(_read_bytes(path, max_bytes)))


def speakers(parsed: ParsedTranscript) -> list[str]:
    """Speaker labels in order of first appearance."""
    return list(dict.fromkeys(turn.speaker for turn in parsed.turns))


def detect_interviewer(parsed: ParsedTranscript, given: str | None = None) -> str | None:
    """The interviewer's speaker label, or None for a single-speaker transcript.

    ``given`` (matched case-insensitively) wins; then a speaker whose role is "interviewer"
    (protocol style, or a label such as "Interviewer"/"Int"); then who asks the most
    questions ('?'), ties going to who speaks first.
    """
    found = speakers(parsed)
    if given is not None:
        return _matching_speaker(found, given)
    if len(found) < 2:
        return None
    for turn in parsed.turns:
        if (turn.role_hint or _label_role(turn.speaker)) == "interviewer":
            return turn.speaker
    questions = Counter()
    for turn in parsed.turns:
        questions[turn.speaker] += parsed.turn_text(turn).count("?")
    return max(found, key=lambda speaker: questions[speaker])  # max keeps the first of ties


def _matching_speaker(found: list[str], given: str) -> str:
    for speaker in found:
        if speaker.casefold() == given.strip().casefold():
            return speaker
    raise StudyError(
        f"no speaker '{given}' in this transcript; speakers found: {', '.join(found) or 'none'}"
    )


@contextmanager
def _reported_against(path: Path) -> Iterator[None]:
    try:
        yield
    except _Unreadable as exc:
        raise TranscriptFormatError(path, str(exc)) from None


# ---------------------------------------------------------------- bytes and text


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        _check_size(path.stat().st_size, max_bytes)
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise _Unreadable("file not found; check the path") from None
    except IsADirectoryError:
        raise _Unreadable("is a folder, not a transcript file") from None
    except OSError as exc:
        raise _Unreadable(f"cannot be read ({exc.strerror}); check its permissions") from None
    _check_size(len(data), max_bytes)  # the file may have grown since stat()
    if not data.strip():
        raise _Unreadable("is empty; export the transcript again")
    return data


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise _Unreadable(
            f"is {_describe_size(size)}, over the {_describe_size(max_bytes)} limit; "
            "split it into smaller files"
        )


def _describe_size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size:,} bytes"


_BOM_ENCODINGS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BINARY = "looks like binary data, not text; export the transcript as .txt, .docx, .vtt or .srt"


def _decode_text(data: bytes) -> str:
    """Decode text bytes faithfully (BOM, UTF-8, cp1252, then a guess) with ``\\n`` line endings."""
    bom_encoding = next((enc for bom, enc in _BOM_ENCODINGS if data.startswith(bom)), None)
    if bom_encoding:
        text = _decode_marked(data, bom_encoding)
    elif b"\x00" in data:
        raise _Unreadable(_BINARY)
    else:
        text = _decode_unmarked(data)
    if _mostly_control_characters(text):
        raise _Unreadable(_BINARY)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_marked(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise _Unreadable(f"starts with a {encoding} byte-order mark but is not valid {encoding}") from None


def _decode_unmarked(data: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    guess = charset_normalizer.from_bytes(data).best()
    if guess is None:
        raise _Unreadable(_BINARY)
    return str(guess)


_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # category Cc, less \t\n\v\f\r


def _mostly_control_characters(text: str) -> bool:
    return len(_CONTROL_CHARACTER.findall(text)) > 0.05 * len(text)


# ---------------------------------------------------------------- .docx


def _read_docx(data: bytes) -> ParsedTranscript:
    _check_docx_archive(data)
    return _parse_plain_text("\n".join(_docx_paragraph_texts(data)), paragraphs=_line_spans)


def _check_docx_archive(data: bytes) -> None:
    """Refuse what is not a safe Word archive before python-docx (and lxml) ever see it."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _Unreadable(
            "is not a Word .docx file (not a zip archive; perhaps an old .doc or a "
            "password-protected file); save it as .docx without a password"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_unzipped_size(members, len(data))
            if DOCX_MAIN_PART not in {member.filename for member in members}:
                raise _Unreadable(
                    f"is a zip archive but not a Word document (no {DOCX_MAIN_PART}); save it as .docx"
                )
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    _check_xml_part(member.filename, archive.read(member))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError):
        raise _Unreadable("is not a Word file (the zip archive is corrupt); re-save it as .docx") from None


def _check_unzipped_size(members: Sequence[zipfile.ZipInfo], zipped_size: int) -> None:
    # Python's zipfile never inflates a member beyond its declared size, so checking the
    # declared sizes bounds what reading the archive can cost.
    unzipped = sum(member.file_size for member in members)
    bomb = unzipped > MAX_UNZIPPED_BYTES or (
        unzipped > SUSPICIOUS_UNZIPPED_BYTES and unzipped > MAX_COMPRESSION_RATIO * zipped_size
    )
    if bomb or len(members) > MAX_ZIP_MEMBERS:
        raise _Unreadable(
            f"would unzip to {_describe_size(unzipped)} in {len(members):,} parts, far more than a "
            "transcript needs (a possible zip bomb); refusing to open it"
        )


def _check_xml_part(name: str, xml: bytes) -> None:
    try:
        defusedxml.ElementTree.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise _Unreadable(
            f"has DOCTYPE or entity declarations in {name}, which Word never writes "
            "(a possible 'billion laughs' attack); refusing to open it"
        ) from None
    except defusedxml.ElementTree.ParseError as exc:
        raise _Unreadable(f"is damaged: {name} is not well-formed XML ({exc}); re-save it in Word") from None


def _docx_paragraph_texts(data: bytes) -> list[str]:
    """Body paragraphs and table rows in document order."""
    try:
        document = docx.Document(io.BytesIO(data))
        texts = []
        for block in document.iter_inner_content():
            texts.extend(_table_row_texts(block) if isinstance(block, Table) else [block.text])
        return texts
    except Exception as exc:  # python-docx raises whatever its parts raise; all mean a damaged file
        raise _Unreadable(
            f"could not be read as a Word document ({type(exc).__name__}: {exc}); re-save it as .docx"
        ) from None


def _table_row_texts(table: Table) -> list[str]:
    """One tab-separated line per row; merged cells, which python-docx repeats, appear once."""
    seen = set()  # the cells' XML elements (_tc), which merged cells share
    rows = []
    for row in table.rows:
        texts = []
        for cell in row.cells:
            if cell._tc not in seen:
                seen.add(cell._tc)
                texts.append(cell.text)
        rows.append("\t".join(texts))
    return rows


# ---------------------------------------------------------------- plain text (.txt, .md)


def _read_plain_text(data: bytes) -> ParsedTranscript:
    return _parse_plain_text(_decode_text(data), paragraphs=_block_spans)


@dataclass(frozen=True)
class _Line:
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _lines(text: str) -> list[_Line]:
    lines, start = [], 0
    for line in text.split("\n"):
        lines.append(_Line(start, line))
        start += len(line) + 1
    return lines


def _blocks(lines: Sequence[_Line]) -> list[list[_Line]]:
    """Runs of non-blank lines (paragraphs of a text file)."""
    blocks: list[list[_Line]] = [[]]
    for line in lines:
        if line.blank:
            blocks.append([])
        else:
            blocks[-1].append(line)
    return [block for block in blocks if block]


def _block_spans(text: str) -> list[tuple[int, int]]:
    return [_stripped_span(text, block[0].start, block[-1].end) for block in _blocks(_lines(text))]


def _line_spans(text: str) -> list[tuple[int, int]]:
    return [_stripped_span(text, line.start, line.end) for line in _lines(text) if not line.blank]


def _stripped_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    segment = text[start:end]
    if not segment.strip():
        return None
    return start + len(segment) - len(segment.lstrip()), end - (len(segment) - len(segment.rstrip()))


_METADATA_KEY = re.compile(
    r"name|title|file ?name|created (on|by)|modified (on|by)|size|duration|date|"
    r"recorded (on|by)|transcribed (on|by)|language|location",
    re.IGNORECASE,
)
_KEY_VALUE_LINE = re.compile(r"(?P<key>[^:\n]{1,30}?)\s*:\s*(?P<value>.*?)\s*")


def _split_metadata_header(text: str) -> tuple[dict[str, str], str]:
    """Leading "Created On: ..." lines (transcription services' header) become metadata."""
    metadata: dict[str, str] = {}
    for line in _lines(text):
        if line.blank:
            continue
        match = _KEY_VALUE_LINE.fullmatch(line.text)
        if not (match and _METADATA_KEY.fullmatch(match["key"])):
            return (metadata, text[line.start:]) if metadata else ({}, text)
        metadata[match["key"]] = match["value"]
    return metadata, ""


def _parse_plain_text(text: str, paragraphs: Callable[[str], list[tuple[int, int]]]) -> ParsedTranscript:
    metadata, text = _split_metadata_header(text)
    lines = _lines(text)
    for layout in _LAYOUTS:
        turns = layout(text, lines)
        if turns is not None:
            break
    else:
        turns = [Turn(UNKNOWN_SPEAKER, start, end) for start, end in paragraphs(text)]
    return ParsedTranscript(text, tuple(turns), metadata)


# -- speaker labels

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_NAME = r"(?P<speaker>[^\W\d_][\w.'’\- ]{0,39}?)"


@dataclass(frozen=True)
class _LabelPattern:
    regex: re.Pattern[str]
    self_evident: bool = False  # the shape alone shows a label
    vouched_by_peers: bool = False  # one corroborated label of this shape vouches for the others


# Turn-prefix conventions, most specific first. A pattern matches at the start of a line; what
# follows the match (on that line and the next ones) is the turn's body.
_LABEL_PATTERNS = (
    # [00:01:02] Name: text
    _LabelPattern(re.compile(rf"\[(?P<timestamp>{_TIME})\][ \t]*{_NAME}[ \t]*:"), self_evident=True),
    # Name (00:01:02): text, or "Speaker 1 (00:01:02):" alone (Rev)
    _LabelPattern(re.compile(rf"{_NAME}[ \t]*\((?P<timestamp>{_TIME})\)[ \t]*:?"), self_evident=True),
    # **Name:** text (Markdown)
    _LabelPattern(re.compile(rf"\*\*{_NAME}[ \t]*(?::\*\*|\*\*[ \t]*:)"), vouched_by_peers=True),
    # Name  00:01:02, alone on its line (Otter)
    _LabelPattern(re.compile(rf"{_NAME}[ \t]+(?P<timestamp>{_TIME})[ \t]*$"), vouched_by_peers=True),
    # Speaker 1: (alone, Rev) / Speaker 1: text / P3: text / Interviewer: text; not "https://"
    _LabelPattern(re.compile(rf"{_NAME}[ \t]*:(?!//)")),
)

# Labels that name a role are speaker labels wherever they appear.
_ROLE_LABELS = (
    (re.compile(r"(interviewer|int|i|moderator|facilitator|researcher)\s*\d*", re.IGNORECASE), "interviewer"),
    (re.compile(r"(participant|interviewee|respondent|p|r)\s*\d*", re.IGNORECASE), "participant"),
    (re.compile(r"speaker\s*\d+", re.IGNORECASE), None),
)
_NOT_SPEAKERS = frozenset(
    "answer question note notes comment comments example summary see re http https ftp mailto".split()
)
_MAX_LABEL_WORDS = 4


@dataclass(frozen=True)
class _Label:
    line: _Line
    speaker: str
    body_start: int  # offset in the text
    timestamp: str | None
    pattern: _LabelPattern


def _label_options(line: _Line) -> list[_Label]:
    """Every reading of the line as a label, most specific first ("Speaker 1:12" is two)."""
    options = []
    for pattern in _LABEL_PATTERNS:
        match = pattern.regex.match(line.text)
        if match and _plausible_speaker(match["speaker"]):
            timestamp = match.groupdict().get("timestamp")
            options.append(_Label(line, match["speaker"].strip(), line.start + match.end(), timestamp, pattern))
    return options


def _plausible_speaker(name: str) -> bool:
    words = name.split()
    return 0 < len(words) <= _MAX_LABEL_WORDS and words[0].casefold() not in _NOT_SPEAKERS


def _role_label(speaker: str) -> tuple[re.Pattern[str], str | None] | None:
    return next(((regex, role) for regex, role in _ROLE_LABELS if regex.fullmatch(speaker.strip())), None)


def _label_role(speaker: str) -> str | None:
    found = _role_label(speaker)
    return found[1] if found else None


def _accepted_labels(lines: Sequence[_Line]) -> list[_Label]:
    """The speaker labels among ``lines``, told apart from sentences that start with "Word:".

    A reading counts when its shape is unmistakable, it names a role ("Interviewer", "P3",
    "Speaker 2"), its speaker is labelled at least twice, or every line is labelled; a
    counted label of a distinctive shape (``vouched_by_peers``) vouches for the others.
    """
    options = [found for line in lines if (found := _label_options(line))]
    every_line_labelled = len(options) == len(lines)
    labelled = Counter(name for found in options for name in {label.speaker.casefold() for label in found})

    def counted(label: _Label) -> bool:
        return (
            every_line_labelled
            or label.pattern.self_evident
            or labelled[label.speaker.casefold()] > 1
            or _role_label(label.speaker) is not None
        )

    chosen = [next((label for label in found if counted(label)), None) for found in options]
    vouching = {label.pattern for label in chosen if label and label.pattern.vouched_by_peers}
    chosen = [
        label or next((other for other in found if other.pattern in vouching), None)
        for label, found in zip(chosen, options)
    ]
    return [label for label in chosen if label]


def _labelled_turns(text: str, lines: list[_Line]) -> list[Turn] | None:
    labels = _accepted_labels([line for line in lines if not line.blank])
    if not labels:
        return None
    ends = [label.line.start for label in labels[1:]] + [_transcript_end(text, lines, labels[-1])]
    turns = []
    for label, end in zip(labels, ends):
        span = _stripped_span(text, label.body_start, end)
        if span:
            role = _label_role(label.speaker)
            turns.append(Turn(label.speaker, *span, timestamp=label.timestamp, role_hint=role))
    return turns


# A heading line after the last turn that starts the authors' notes (see Interview-02).
_NOTES_HEADING = re.compile(r"(annotations|memos?|notes)[ \t]*:?[ \t]*", re.IGNORECASE)


def _transcript_end(text: str, lines: list[_Line], last_label: _Label) -> int:
    """Where the last turn ends: at a notes heading below it, so memos are nobody's words."""
    after_label = (line for line in lines if line.start > last_label.line.start)
    return next((line.start for line in after_label if _NOTES_HEADING.fullmatch(line.text)), len(text))


# -- protocol style

_ANSWER = re.compile(r"answer[ \t]*:", re.IGNORECASE)


def _protocol_turns(text: str, lines: list[_Line]) -> list[Turn] | None:
    if not any(_ANSWER.match(line.text) for line in lines):
        return None
    return [turn for block in _blocks(lines) for turn in _protocol_block_turns(text, block)]


def _protocol_block_turns(text: str, block: list[_Line]) -> list[Turn]:
    """In a paragraph block, the lines before each "Answer:" line are its question.

    Lines after an answer continue it, up to the first one ending in "?" (the next question)
    or a notes heading; when no line before the next answer ends in "?", those lines are the
    next question. After the block's last answer, lines left over stay outside any turn.
    """
    answers = [(index, match) for index, line in enumerate(block) if (match := _ANSWER.match(line.text))]
    turns: list[Turn] = []
    question_start = block[0].start
    for number, (index, match) in enumerate(answers):
        answer_line = block[index]
        is_last = number == len(answers) - 1
        next_answer = len(block) if is_last else answers[number + 1][0]
        last = _answer_continuation_end(block, index, next_answer)
        if not is_last and last == next_answer - 1:
            last = index  # nothing ends in "?": the lines up to the next answer are its question
        turns += _span_turns(text, question_start, answer_line.start, PROTOCOL_INTERVIEWER, "interviewer")
        answer_start = answer_line.start + match.end()
        turns += _span_turns(text, answer_start, block[last].end, PROTOCOL_PARTICIPANT, "participant")
        question_start = block[last + 1].start if last + 1 < len(block) else block[last].end
    return turns


def _answer_continuation_end(block: list[_Line], answer_index: int, stop: int) -> int:
    last = answer_index
    for index in range(answer_index + 1, stop):
        if block[index].text.rstrip().endswith("?") or _NOTES_HEADING.fullmatch(block[index].text):
            break
        last = index
    return last


def _span_turns(text: str, start: int, end: int, speaker: str, role: str) -> list[Turn]:
    span = _stripped_span(text, start, end)
    return [Turn(speaker, *span, role_hint=role)] if span else []


_LAYOUTS: tuple[Callable[[str, list[_Line]], list[Turn] | None], ...] = (_labelled_turns, _protocol_turns)


# ---------------------------------------------------------------- rendered turns (.vtt, .srt, .csv)


@dataclass(frozen=True)
class _DraftTurn:
    speaker: str
    body: str
    timestamp: str | None = None
    role_hint: str | None = None


def _rendered(drafts: Sequence[_DraftTurn]) -> ParsedTranscript:
    """Text with a "Name (00:01:02):" line above each body and a blank line between turns."""
    parts, turns, offset = [], [], 0
    for draft in drafts:
        label = f"{draft.speaker} ({draft.timestamp}):" if draft.timestamp else f"{draft.speaker}:"
        parts.append(("\n\n" if parts else "") + label + "\n")
        offset += len(parts[-1])
        turns.append(Turn(draft.speaker, offset, offset + len(draft.body), draft.timestamp, draft.role_hint))
        parts.append(draft.body)
        offset += len(draft.body)
    return ParsedTranscript("".join(parts), tuple(turns), {})


# -- subtitles

_SUBTITLE_PROBLEMS = {
    "vtt": "is not a valid WebVTT file (it must start with a 'WEBVTT' line, then cues); re-export it",
    "srt": "is not a valid SubRip file (numbered cues with 'start --> end' lines); re-export it",
}
_VTT_NON_CUE_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class _Cue:
    speaker: str | None
    timestamp: str
    text: str


def _read_subtitles(data: bytes, subtitle_format: str) -> ParsedTranscript:
    text = _decode_text(data)
    _check_cue_blocks(text, subtitle_format)
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format=subtitle_format, strict=True).captions
    except webvtt.errors.MalformedFileError:
        raise _Unreadable(_SUBTITLE_PROBLEMS[subtitle_format]) from None
    except webvtt.errors.MalformedCaptionError as exc:
        raise _Unreadable(f"has a malformed cue ({exc}); the file may be truncated, re-export it") from None
    return _rendered(_merged_turns(_speaker_cues(captions)))


def _check_cue_blocks(text: str, subtitle_format: str) -> None:
    """Every block needs a timing line: webvtt-py skips or swallows those without, losing text."""
    blocks = _blocks(_lines(text))
    if subtitle_format == "vtt":
        blocks = blocks[1:]  # the WEBVTT header block
    for block in blocks:
        if not any("-->" in line.text for line in block) and not block[0].text.startswith(_VTT_NON_CUE_BLOCKS):
            quoted = " ".join(line.text for line in block)[:40]
            raise _Unreadable(
                f"has a cue without a 'start --> end' timing line (\"{quoted}\"); "
                "the file may be truncated, re-export it"
            )


def _speaker_cues(captions: Sequence[webvtt.Caption]) -> list[_Cue]:
    """Cues with their speaker: a <v Name> voice tag, else a "Name:" prefix, else the previous one."""
    cues = [
        _Cue(caption.voice, _without_fraction(caption.start), " ".join(caption.text.split()))
        for caption in captions
    ]
    unvoiced = [_Line(0, cue.text) for cue in cues if cue.speaker is None and cue.text]
    labels = {label.line.text: label for label in _accepted_labels(unvoiced)}
    speaker = None
    result = []
    for cue in cues:
        label = labels.get(cue.text) if cue.speaker is None else None
        speaker = cue.speaker or (label.speaker if label else speaker)
        body = cue.text[label.body_start:].strip() if label else cue.text
        result.append(_Cue(speaker, cue.timestamp, body))
    return result


def _without_fraction(timestamp: str) -> str:
    return re.sub(r"[.,]\d+$", "", timestamp)


def _merged_turns(cues: Sequence[_Cue]) -> list[_DraftTurn]:
    drafts: list[_DraftTurn] = []
    for cue in cues:
        speaker = cue.speaker or UNKNOWN_SPEAKER
        if not cue.text:
            continue
        if drafts and drafts[-1].speaker == speaker:
            drafts[-1] = _DraftTurn(speaker, f"{drafts[-1].body} {cue.text}", drafts[-1].timestamp)
        else:
            drafts.append(_DraftTurn(speaker, cue.text, cue.timestamp))
    if not drafts:
        raise _Unreadable("contains no captions with text; check that it is the right file")
    return drafts


# -- survey CSV

_RESPONSE_COLUMNS = ("response", "answer", "text")


@dataclass(frozen=True)
class _SurveyColumns:
    participant: int
    response: int
    question: int | None


def _survey_responses(text: str) -> list[SurveyResponse]:
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = _survey_columns(next(rows, []))
        drafts: dict[str, list[_DraftTurn]] = {}
        for row in rows:
            _add_survey_row(drafts, columns, row, rows.line_num)
    except csv.Error as exc:
        raise _Unreadable(f"is not a valid CSV file (line {rows.line_num}: {exc})") from None
    if not drafts:
        raise _Unreadable("contains no responses; check that it is the right file")
    return [SurveyResponse(participant, _rendered(turns)) for participant, turns in drafts.items()]


def _survey_columns(header: list[str]) -> _SurveyColumns:
    names = [name.strip().casefold() for name in header]
    found = ", ".join(header) or "none"
    if "participant" not in names:
        raise _Unreadable(f"has no 'participant' column (columns: {found}); add one naming who answered")
    participant = names.index("participant")
    question = names.index("question") if "question" in names else None
    response = next((names.index(name) for name in _RESPONSE_COLUMNS if name in names), None)
    others = [index for index in range(len(names)) if index not in (participant, question)]
    if response is None and len(others) == 1:
        response = others[0]
    if response is None:
        raise _Unreadable(
            f"has no 'response' column (columns: {found}); name the column holding the answers 'response'"
        )
    return _SurveyColumns(participant, response, question)


def _add_survey_row(
    drafts: dict[str, list[_DraftTurn]], columns: _SurveyColumns, row: list[str], line: int
) -> None:
    def cell(index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    participant, response = " ".join(cell(columns.participant).split()), cell(columns.response)
    if not response:
        return
    if not participant:
        raise _Unreadable(f"line {line} has a response but no participant; fill in the participant column")
    turns = drafts.setdefault(participant, [])
    if question := cell(columns.question):
        turns.append(_DraftTurn(PROTOCOL_INTERVIEWER, question, role_hint="interviewer"))
    turns.append(_DraftTurn(participant, response, role_hint="participant"))


# ---------------------------------------------------------------- the registry


# Readers by file suffix: bytes in, ParsedTranscript out; problems raised as _Unreadable.
READERS: dict[str, Callable[[bytes], ParsedTranscript]] = {
    ".docx": _read_docx,
    ".txt": _read_plain_text,
    ".md": _read_plain_text,
    ".vtt": partial(_read_subtitles, subtitle_format="vtt"),
    ".srt": partial(_read_subtitles, subtitle_format="srt"),
}


def _reader_for(path: Path) -> Callable[[bytes], ParsedTranscript]:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(READERS))
        raise _Unreadable(
            f"has an unsupported file type '{path.suffix or '(none)'}'; supported: {supported} "
            "(and .csv for survey responses, imported separately)"
        )
    return reader
