"""The error hierarchy: every error says what was wrong (and where), and what would fix it.

The library words the fix without naming a command-line flag or a button: ``fix`` is the plain
remedy, ``remedy`` names it as an action each front end words its own way (the CLI as a flag or a
command, the app as a button or a page), with ``details`` to fill in. Example::

    raise Conflict(f"{path}: a different transcript named {name!r} is already in the study",
                   fix="replace it (codings on unchanged text are kept)", remedy="replace")
"""
from __future__ import annotations

from collections.abc import Mapping


class StudyError(Exception):
    """Base of every error the user can cause and fix: ``what`` went wrong, and the ``fix``."""

    def __init__(self, what: str, fix: str | None = None, *, remedy: str | None = None, **details) -> None:
        self.what, self.fix, self.remedy, self.details = what, fix, remedy, details
        super().__init__(f"{what}; {fix}" if fix else what)


def worded(exc: BaseException, remedies: Mapping[str, str]) -> str:
    """The error as one front end says it: ``what``, then its own wording of the remedy when it
    has one (a template filled from ``details``), else the library's plain ``fix``."""
    if not isinstance(exc, StudyError):
        return str(exc)
    template = remedies.get(exc.remedy or "")
    fix = template.format(**exc.details) if template else exc.fix
    return f"{exc.what}; {fix}" if fix else exc.what


class TranscriptFormatError(StudyError):
    """A transcript file cannot be read (corrupt, empty, too large, unsafe, unknown format)."""

    def __init__(self, path, problem: str, fix: str | None = None, **kwargs):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}", fix, **kwargs)


class QdpxFormatError(TranscriptFormatError):
    """A .qdpx (REFI-QDA) file cannot be read: not a zip, no project.qde, unsafe or invalid XML."""


class CodebookError(StudyError):
    """A codebook file or a code reference is invalid."""


class ParticipantsError(StudyError):
    """A participants CSV is invalid."""


class BadValue(StudyError):
    """A value given to a command is not one it takes: an unknown choice, a number out of range, text
    that cannot be stored (the message names the value and what would be taken)."""


class NotFound(StudyError):
    """A transcript, segment, code, rater or user does not exist."""


class Conflict(StudyError):
    """The change clashes with what is stored (e.g. a changed file imported again under a stored name)."""


class NotAllowed(StudyError):
    """The asking user may not read or change this."""


class SignInThrottled(NotAllowed):
    """Too many failed sign-ins from this client: the next attempt must wait ``retry_after`` seconds."""

    def __init__(self, what: str, fix: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__(what, fix)


class SchemaVersionError(StudyError):
    """The database was written by another version of study."""


class CodingsFileError(StudyError):
    """A codings or resolutions CSV has invalid rows; nothing of it was applied."""


class ArchiveError(StudyError):
    """A study archive folder cannot be written (it holds files the archive did not write) or
    restored (a file or row that is missing, changed, outside the folder or not what the schema holds)."""


class InvalidName(StudyError):
    """A name (participant, transcript, speaker, rater, user) is blank, too long or not plain text."""


class DatabaseFault(StudyError):
    """The study database cannot be read or written: read-only, full disk, not a database, damaged."""


class DatabaseCorrupt(DatabaseFault):
    """The study database is damaged (failed integrity checks, unreadable pages or records)."""
