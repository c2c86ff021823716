"""Reading transcript files of every supported format into one shape: text plus speaker turns.

Layout of a ParsedTranscript: ``text`` is the interview as plain text in reading order, with
``\\n`` line endings and the speaker label lines as they appear; each Turn spans only its
spoken body (``text[turn.start:turn.end]``, stripped, possibly several lines).

The package: ``files`` (bytes from disk, readers by suffix), ``docx_file``/``office``/
``captions``/``tables`` (file types), ``layouts/`` (one module per layout family),
``registry`` (the competition between layouts), ``notes`` (header metadata and the authors'
notes, which are nobody's speech), ``labels`` (speaker labels), ``roles`` (interviewer).
Readers are pure: bytes in, turns out.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from study.errors import TranscriptFormatError

from .docx_file import (
    DOCX_MAIN_PART,
    MAX_COMPRESSION_RATIO,
    MAX_DOCUMENT_XML_BYTES,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_MEMBERS,
    SUSPICIOUS_UNZIPPED_BYTES,
)
from .files import DEFAULT_MAX_BYTES, READERS, check_size, read_bytes, reader_for
from .layouts.paragraphs import NAME as NO_SPEAKERS_LAYOUT  # the reading of last resort: no speaker found
from .model import (
    PROTOCOL_INTERVIEWER,
    PROTOCOL_PARTICIPANT,
    UNKNOWN_SPEAKER,
    ParsedTranscript,
    SurveyResponse,
    Turn,
    Unreadable,
)
from .roles import label_role, role_named, speakers
from .tables import PARTICIPANTS, SURVEY, TABLE_SUFFIXES, TRANSCRIPT, kind_of_header, survey_responses, table_header
from .text import decode_text

__all__ = [
    "DEFAULT_MAX_BYTES", "DOCX_MAIN_PART", "MAX_COMPRESSION_RATIO", "MAX_DOCUMENT_XML_BYTES", "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS", "NO_SPEAKERS_LAYOUT", "PARTICIPANTS", "PROTOCOL_INTERVIEWER", "PROTOCOL_PARTICIPANT", "READERS", "SURVEY",
    "SUSPICIOUS_UNZIPPED_BYTES", "TRANSCRIPT", "UNKNOWN_SPEAKER", "ParsedTranscript", "SurveyResponse", "Turn",
    "check_file_size", "label_role", "read_survey_csv", "read_transcript", "role_named", "speakers", "table_kind",
]


def read_transcript(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, lenient: bool = False) -> ParsedTranscript:
    """Read a transcript file of any supported type; raise TranscriptFormatError if unusable.

    ``lenient`` keeps caption cues with a malformed timing line as text (listed in ``warnings``)
    instead of refusing the file.

    Example: ``read_transcript(Path("Interview-02.docx")).turns[0].speaker == "Speaker 1"``
    """
    path = Path(path)
    with _reported_against(path):
        reader = reader_for(path)
        parsed = reader(read_bytes(path, max_bytes), lenient=lenient)
        if not parsed.turns:
            raise Unreadable("contains no transcript text; check that it is the right file")
        return parsed


def read_survey_csv(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[SurveyResponse]:
    """Read a CSV of open survey responses (a participant column and a response column).

    Each participant's responses become one ParsedTranscript, in order of first appearance;
    a ``question`` column, when present, adds each question as an interviewer turn.
    """
    path = Path(path)
    with _reported_against(path):
        return survey_responses(decode_text(read_bytes(path, max_bytes)))


def check_file_size(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse a file over ``max_bytes`` from its size on disk, before anything reads it."""
    path = Path(path)
    with _reported_against(path):
        try:
            size = path.stat().st_size
        except OSError:
            return  # reading it reports the problem
        check_size(size, max_bytes)


def table_kind(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """"transcript" for a speaker table (speaker and text columns), "participants" for a participants
    table (a participant-id column, attributes, no text), else "survey" (responses).

    Example: a CSV headed ``Speaker,Text,Start`` is a "transcript"; ``participant,response`` a "survey".
    """
    path = Path(path)
    with _reported_against(path):
        return kind_of_header(table_header(read_bytes(path, max_bytes), path.suffix.lower()))


@contextmanager
def _reported_against(path: Path) -> Iterator[None]:
    try:
        yield
    except Unreadable as exc:
        raise TranscriptFormatError(path, str(exc)) from None
