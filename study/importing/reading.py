"""A batch's files, from disk or a browser, and the documents each holds (read, not stored)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Callable, Iterable, Iterator, Mapping

from ..csv_quotes import QUOTE_FIX, unclosed_quote
from ..errors import StudyError, TranscriptFormatError
from ..names import printable
from ..participants import participant_from_file_name
from ..roles import INTERVIEWER, rename_speakers
from ..transcripts import (
    DEFAULT_MAX_BYTES,
    NO_SPEAKERS_LAYOUT,
    PARTICIPANTS,
    READERS,
    SURVEY,
    Convention,
    ParsedTranscript,
    check_data,
    read_file,
    read_survey_data,
    read_transcript_data,
    table_kind_of,
)

SUPPORTED = tuple(READERS)


@dataclass(frozen=True)
class ImportOptions:
    unit: str = "turn"
    interviewer: str | None = None
    replace: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    lenient: bool = False  # keep caption cues with malformed timing lines as text, reported
    actor: str = "cli"
    describe: Callable[[StudyError], str] = str  # how a failed file's error is worded (each front end its own way)
    roles: Mapping[str, str] = field(default_factory=dict)  # speaker -> role, in every file
    renames: Mapping[str, str] = field(default_factory=dict)  # speaker -> new name, in every file
    # transcript name -> {speaker: role}: roles chosen for one transcript (the app's preview)
    transcript_roles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # transcript names the preview left out: not stored, and said (skipped, or a warning of their file)
    left_out: frozenset[str] = frozenset()
    # turn starts taught by example or pattern (``transcripts.taught``), for every file of the batch
    conventions: tuple[Convention, ...] = ()

    def role_overrides(self, transcript: str) -> dict[str, str]:
        """The roles you gave for the speakers of ``transcript``."""
        given = dict(self.roles)
        if self.interviewer:
            given[self.interviewer] = INTERVIEWER
        return {**given, **self.transcript_roles.get(transcript, {})}


@dataclass(frozen=True)
class BatchFile:
    """One file of a batch: on disk (``path``) or sent by a browser (``data``), named as its user knows it."""

    where: str  # how messages name it: the path as given, or the upload's own file name
    label: str  # how the stored transcript and the audit log name it
    named: bool = True  # named itself, not found in a folder
    path: Path | None = None
    data: bytes | None = None

    @property
    def stem(self) -> str:
        """The file name without its suffix: the transcript's name."""
        return PurePath(self.where).stem

    def read(self, max_bytes: int) -> bytes:
        """The file's bytes, refused when over ``max_bytes`` (a file on disk before it is read) or empty."""
        if self.path is None:
            return check_data(self.data or b"", self.where, max_bytes)
        if self.path.is_dir():
            raise TranscriptFormatError(self.where, f"is a folder, not a {self.path.suffix or 'transcript'} file",
                                        "name the file itself, or a folder of transcripts with another name")
        if not self.path.is_file():
            raise TranscriptFormatError(self.where, "file not found")
        return read_file(self.path, max_bytes)


# Types a folder often holds beside its transcripts (a tool's settings, a site's pages): found in a
# folder and unreadable as a transcript, such a file is skipped with its reason, not failed.
_OFTEN_NOT_TRANSCRIPTS = (".json", ".html", ".htm", ".xml")


class NotATranscript(StudyError):
    """A file of the batch that is no transcript (a participants table, a document with no speakers
    found in a folder): skipped and said, not failed."""


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the supported files inside folders named, in a stable order.
    In a folder, a participants table (participants*.csv) and README.md are not transcripts; a participants
    table under another name is found by its columns when read, and a document with no speakers (an
    interview protocol, notes) by its reading (``NotATranscript``)."""
    return [file.path for file in batch_files(paths)]


def batch_files(paths: Iterable[Path]) -> list[BatchFile]:
    """``expand_paths`` as batch files, each knowing whether it was named itself or found in a folder."""
    files: list[BatchFile] = []
    for path in map(Path, paths):
        if path.is_dir() and path.suffix.lower() not in SUPPORTED:  # a folder named x.docx fails as a file would
            files.extend(_on_disk(p, named=False)
                         for p in sorted(p for p in path.iterdir() if p.is_file() and _is_transcript_file(p)))
        else:
            files.append(_on_disk(path, named=True))
    return files


def _on_disk(path: Path, named: bool) -> BatchFile:
    return BatchFile(where=str(path), label=str(path), named=named, path=path)


def _is_transcript_file(path: Path) -> bool:
    name = path.name.lower()
    if path.suffix.lower() not in SUPPORTED or name == "readme.md":
        return False
    return not (name.startswith("participants") and name.endswith(".csv"))


def documents(file: BatchFile, data: bytes, options: ImportOptions,
              owner_of: Mapping[str, str]) -> Iterator[tuple[str, ParsedTranscript, str]]:
    """(transcript name, parsed text, participant label) for each document the file's ``data`` holds.
    A file found in a folder (not ``named``) in which no layout finds a speaker is no interview
    (the study's protocol or notes beside the transcripts): it is skipped and said, not stored as
    a participant's turns; named on its own, it is imported as one speaker's text."""
    where, kind = file.where, None
    if PurePath(where).suffix.lower() == ".csv":
        _check_quotes(data, where)
        kind = table_kind_of(data, where, max_bytes=options.max_bytes)
    if kind == PARTICIPANTS:
        raise NotATranscript(f"{where}: looks like a participants table (a participant column and attributes, "
                             "no text); skipped", "import it as the participants table", remedy="participants_table")
    if kind == SURVEY:
        for response in read_survey_data(data, where, max_bytes=options.max_bytes):
            name = f"{file.stem}-{response.participant}"
            yield name, rename_speakers(response.parsed, options.renames), response.participant
        return
    try:
        parsed = read_transcript_data(data, where, max_bytes=options.max_bytes, lenient=options.lenient,
                                      taught=options.conventions)
    except TranscriptFormatError as exc:
        if file.named or PurePath(where).suffix.lower() not in _OFTEN_NOT_TRANSCRIPTS:
            raise
        reason = exc.problem.split("; ")[0]  # what it lacks, without the fix meant for a transcript
        raise NotATranscript(f"{exc.path}: {reason}: not a transcript, skipped") from None
    if not file.named and parsed.layout == NO_SPEAKERS_LAYOUT:
        raise NotATranscript(f"{where}: no speakers found (no speaker labels, Q/A marks, timestamps or caption "
                             "cues): it reads as a document, not an interview; skipped",
                             "import the file by its name to keep it as one speaker's text", remedy="name_the_file")
    parsed = rename_speakers(parsed, options.renames)
    yield file.stem, parsed, owner_of.get(file.stem) or participant_from_file_name(file.stem)


def _check_quotes(data: bytes, where: str) -> None:
    """A survey whose quote is never closed would merge participants' answers: refuse it."""
    if problem := unclosed_quote(data.decode("utf-8-sig", errors="replace"), "participant"):
        raise TranscriptFormatError(where, problem, QUOTE_FIX)


def document_hash(parsed: ParsedTranscript) -> str:
    """A document's own hash, so that one changed participant of a survey leaves the others unchanged."""
    return hashlib.sha256(parsed.text.encode("utf-8")).hexdigest()


def unexpected(where: str, exc: Exception) -> str:
    """One line for a failure no reader foresaw: the file, what happened, and what to do."""
    detail = " ".join(str(exc).split()) or "no detail"
    return printable(f"{where}: could not be read ({type(exc).__name__}: {detail}); "
                     "check that the file opens in the program that made it, or export it again")
