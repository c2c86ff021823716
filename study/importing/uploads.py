"""The app's browser uploads: bytes and the name the file had on the user's machine, through the
same steps as ``study import``; nothing is written to disk."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from ..auth import Actor
from ..errors import StudyError
from ..participants import ParticipantRow, ParticipantsApplied, apply_participants, participants_from_csv
from ..store import Study
from ..transcripts import DEFAULT_MAX_BYTES, Convention
from .batch import ImportSummary, import_batch
from .preview import ImportPreview, owners, preview_batch
from .reading import BatchFile, ImportOptions


@dataclass(frozen=True)
class UploadedFile:
    """A file as a browser sends it: the name it had on the user's machine, and its bytes."""

    name: str
    data: bytes


def upload_transcripts(
    study: Study,
    actor: Actor,
    files: Iterable[UploadedFile],
    *,
    participants: UploadedFile | None = None,
    unit: str = "turn",
    replace: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    describe: Callable[[StudyError], str] = str,
    roles: Mapping[str, Mapping[str, str]] | None = None,
    left_out: Iterable[str] = (),
    conventions: Sequence[Convention] = (),
) -> ImportSummary:
    """Import uploaded transcript files with the same importers as ``study import``.

    Each file is its own transaction: a failing file leaves nothing behind and is reported in
    ``failed`` as (file name, message) with the file's own name; the message is the error as
    ``describe`` words it (the app words remedies as its buttons). ``roles`` maps a transcript's
    name to the roles chosen for its speakers (after a preview); ``left_out`` names the
    transcripts the preview left out (skipped, and said so); ``conventions`` the turn starts
    taught at the preview (the study's saved ones apply as well).
    """
    actor.require_admin("import transcripts")
    return import_batch(
        study, [_batch_file(upload) for upload in files], actor=actor, participants=_rows(participants),
        options=ImportOptions(unit=unit, replace=replace, max_bytes=max_bytes, actor=actor.name,
                              transcript_roles=dict(roles or {}), left_out=frozenset(left_out), describe=describe,
                              conventions=tuple(conventions)),
    )


def preview_uploads(
    actor: Actor,
    files: Iterable[UploadedFile],
    *,
    participants: UploadedFile | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    describe: Callable[[StudyError], str] = str,
    conventions: Sequence[Convention] = (),
) -> ImportPreview:
    """What importing the uploads would store (``preview_files``), files named as the user named them,
    every file read with the ``conventions`` (``taught_conventions.with_saved`` adds the study's)."""
    actor.require_admin("import transcripts")
    return preview_batch([_batch_file(upload) for upload in files], owner_of=owners(_rows(participants)),
                         options=ImportOptions(max_bytes=max_bytes, describe=describe, conventions=tuple(conventions)))


def upload_participants(study: Study, actor: Actor, upload: UploadedFile) -> ParticipantsApplied:
    """Save the participants (and their attributes) of an uploaded CSV, and give the transcripts
    it names that are in the study to their participants; says what it did and what it could not."""
    actor.require_admin("import participants")
    rows = participants_from_csv(upload.data, _file_name(upload.name, ".csv"))
    with study.session() as session:
        return apply_participants(session, actor, rows, source=upload.name)


def _rows(upload: UploadedFile | None) -> list[ParticipantRow] | None:
    return participants_from_csv(upload.data, _file_name(upload.name, ".csv")) if upload is not None else None


def _batch_file(upload: UploadedFile) -> BatchFile:
    name = _file_name(upload.name, "")
    return BatchFile(where=name, label=f"upload: {name}", data=upload.data)


def _file_name(name: str, default_suffix: str) -> str:
    """The file's own name without any folder part a browser may send."""
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    return base or f"upload{default_suffix}"
