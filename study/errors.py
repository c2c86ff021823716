"""The error hierarchy: every message says what was wrong, where, and what to do."""


class StudyError(Exception):
    """Base of every error the user can cause and fix."""


class TranscriptFormatError(StudyError):
    """A transcript file cannot be read (corrupt, empty, too large, unsafe, unknown format)."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class QdpxFormatError(TranscriptFormatError):
    """A .qdpx (REFI-QDA) file cannot be read: not a zip, no project.qde, unsafe or invalid XML."""


class CodebookError(StudyError):
    """A codebook file or a code reference is invalid."""


class ParticipantsError(StudyError):
    """A participants CSV is invalid."""


class NotFound(StudyError):
    """A transcript, segment, code, rater or user does not exist."""


class Conflict(StudyError):
    """The change clashes with what is stored (e.g. a changed file re-imported without --replace)."""


class NotAllowed(StudyError):
    """The asking user may not read or change this."""


class SignInThrottled(NotAllowed):
    """Too many failed sign-ins from this client: the next attempt must wait ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__(message)


class SchemaVersionError(StudyError):
    """The database was written by another version of study."""


class CodingsFileError(StudyError):
    """A codings or resolutions CSV has invalid rows; nothing of it was applied."""


class InvalidName(StudyError):
    """A name (participant, transcript, speaker, rater, user) is blank, too long or not plain text."""
