"""Reading transcript files of every supported format into one shape: text plus speaker turns.

Layout of a ParsedTranscript: ``text`` is the interview as plain text in reading order, with
``\\n`` line endings and the speaker label lines as they appear; each Turn spans only its
spoken body (``text[turn.start:turn.end]``, stripped, possibly several lines).

The package: ``files`` (bytes from disk, readers by suffix), ``docx_file``/``office``/
``captions``/``tables`` (file types), ``layouts/`` (one module per named layout family),
``conventions/`` (the general reader: a convention learned from the document), ``accounting``
(where every word went: turns, labels, header, notes), ``registry`` (the
competition between layouts), ``notes`` (header metadata and the authors'
notes, which are nobody's speech), ``labels`` (speaker labels), ``roles`` (what a label says of
its speaker's role), ``questions`` (whether a turn asks), ``taught`` (turn starts the user taught
by an example line or a pattern).
Readers are pure: bytes in, turns out.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Collection, Iterator, Sequence

from study.errors import TranscriptFormatError

from .docx_file import (
    DOCX_MAIN_PART,
    MAX_COMPRESSION_RATIO,
    MAX_DOCUMENT_XML_BYTES,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_MEMBERS,
    SUSPICIOUS_UNZIPPED_BYTES,
)
from .files import DEFAULT_MAX_BYTES, READERS, checked_bytes, read_bytes, reader_for
from .layouts.paragraphs import NAME as NO_SPEAKERS_LAYOUT  # the reading of last resort: no speaker found
from .registry import NAMED_LAYOUTS
from .model import (
    PROTOCOL_INTERVIEWER,
    PROTOCOL_PARTICIPANT,
    UNKNOWN_SPEAKER,
    ParsedTranscript,
    SurveyResponse,
    Turn,
    Unreadable,
)
from .accounting import WordAccount, word_account
from .roles import label_role, role_named, speakers
from .taught import Convention, ConventionError, convention_from_example, convention_from_pattern, reread
from .tables import PARTICIPANTS, SURVEY, TABLE_SUFFIXES, TRANSCRIPT, kind_of_rows, survey_responses, table_rows
from .text import decode_text

__all__ = [
    "DEFAULT_MAX_BYTES", "DOCX_MAIN_PART", "MAX_COMPRESSION_RATIO", "MAX_DOCUMENT_XML_BYTES", "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS", "NAMED_LAYOUTS", "NO_SPEAKERS_LAYOUT", "PARTICIPANTS", "PROTOCOL_INTERVIEWER", "PROTOCOL_PARTICIPANT", "READERS", "SURVEY",
    "SUSPICIOUS_UNZIPPED_BYTES", "TRANSCRIPT", "UNKNOWN_SPEAKER", "ParsedTranscript", "SurveyResponse", "Turn", "WordAccount",
    "Convention", "ConventionError", "check_data", "convention_from_example", "convention_from_pattern", "label_role", "read_file", "read_survey_csv", "read_survey_data", "read_transcript", "read_transcript_data",
    "role_named", "speakers", "table_kind", "table_kind_of", "word_account",
]


def read_transcript(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, lenient: bool = False,
                    without: Collection[str] = ()) -> ParsedTranscript:
    """Read a transcript file of any supported type; raise TranscriptFormatError if unusable.

    ``lenient`` keeps caption cues with a malformed timing line as text (listed in ``warnings``)
    instead of refusing the file. ``without`` names layouts (``NAMED_LAYOUTS``) to switch off.

    Example: ``read_transcript(Path("Interview-02.docx")).turns[0].speaker == "Speaker 1"``
    """
    return read_transcript_data(read_file(path, max_bytes), str(path), max_bytes=max_bytes, lenient=lenient,
                                without=without)


def read_transcript_data(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                         lenient: bool = False, taught: Sequence[Convention] = (),
                         without: Collection[str] = ()) -> ParsedTranscript:
    """``read_transcript`` of a file's bytes (an upload): ``name``'s suffix picks the reader, and errors name it.
    ``taught`` conventions decide where turns start, when they find any: at the start of a line
    (``taught.reread``), or of a caption cue; a speaker table's columns say it themselves.

    Example: ``read_transcript_data(b"Interviewer: Why?\nP1: Because.", "P1.txt").turns[1].speaker == "P1"``
    """
    with _reported_against(name):
        reader = reader_for(name)
        parsed = reader(checked_bytes(data, max_bytes), lenient=lenient, without=without, taught=tuple(taught))
        if not parsed.turns:
            raise Unreadable("contains no transcript text; check that it is the right file")
        return parsed


def read_survey_csv(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[SurveyResponse]:
    """Read a CSV of open survey responses (a participant column and a response column).

    Each participant's responses become one ParsedTranscript, in order of first appearance;
    a ``question`` column, when present, adds each question as an interviewer turn.
    """
    return read_survey_data(read_file(path, max_bytes), str(path), max_bytes=max_bytes)


def read_survey_data(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[SurveyResponse]:
    """``read_survey_csv`` of a file's bytes, errors naming ``name``."""
    with _reported_against(name):
        return survey_responses(decode_text(checked_bytes(data, max_bytes)))


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A file's bytes, refused from its size on disk before it is read when over ``max_bytes``, or when empty."""
    with _reported_against(path):
        return read_bytes(Path(path), max_bytes)


def check_data(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """``data`` itself (a file's bytes from a browser), refused when over ``max_bytes`` or empty, naming ``name``."""
    with _reported_against(name):
        return checked_bytes(data, max_bytes)


def table_kind(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """"transcript" for a speaker table (speaker and text columns, or speakers taking turns row by row in a column
    whose header names no speaker), "participants" for a participants
    table (a participant-id column, attributes, no text), else "survey" (responses).

    Example: a CSV headed ``Speaker,Text,Start`` is a "transcript"; ``participant,response`` a "survey".
    """
    return table_kind_of(read_file(path, max_bytes), str(path), max_bytes=max_bytes)


def table_kind_of(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """``table_kind`` of a file's bytes, errors naming ``name``."""
    with _reported_against(name):
        return kind_of_rows(table_rows(checked_bytes(data, max_bytes), PurePath(name).suffix.lower()))


@contextmanager
def _reported_against(path: str | Path) -> Iterator[None]:
    try:
        yield
    except Unreadable as exc:
        raise TranscriptFormatError(path, str(exc)) from None
