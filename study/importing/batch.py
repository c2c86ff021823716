"""``study import``: transcript files into a study, one transaction per file, a summary for all.

A file either arrives whole (transcript, participant, segments) or not at all; valid files
in the same call still import when another fails.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..auth import Actor
from ..errors import BadValue, DatabaseFault, NotFound, StudyError
from ..integrity import database_fault
from ..names import printable
from ..participants import ParticipantRow, apply_participants
from ..segmenting import UNITS
from ..store import Study, Transcript
from ..taught_conventions import with_saved
from .preview import owners, preview_batch
from .reading import BatchFile, ImportOptions, NotATranscript, batch_files, document_hash, documents, unexpected
from .storing import store_document


@dataclass
class ImportSummary:
    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    not_carried: list[str] = field(default_factory=list)  # codings a replacement could not keep
    warnings: list[str] = field(default_factory=list)  # what a lenient reading kept as text
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why): not a transcript, nothing wrong
    participants_moved: list[str] = field(default_factory=list)  # transcripts in the study the table gave to another

    @property
    def ok(self) -> bool:
        return not self.failed


def import_files(
    study: Study,
    paths: Iterable[Path],
    *,
    actor: Actor,
    participants: list[ParticipantRow] | None = None,
    options: ImportOptions = ImportOptions(),
    progress: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Import every file (and the supported files of every folder); each is its own transaction.
    Returns what happened to each. Admins only."""
    actor.require_admin("import transcripts")
    return import_batch(study, batch_files(paths), actor=actor, participants=participants, options=options,
                        progress=progress)


def import_batch(
    study: Study,
    files: list[BatchFile],
    *,
    actor: Actor,
    participants: list[ParticipantRow] | None = None,
    options: ImportOptions = ImportOptions(),
    progress: Callable[[str], None] | None = None,
) -> ImportSummary:
    """``import_files`` of files from disk or a browser. Admins only."""
    actor.require_admin("import transcripts")
    # what was taught now, then what the study keeps: one way of reading for the whole batch
    options = dataclasses.replace(options, actor=actor.name, conventions=with_saved(study, options.conventions))
    if options.unit not in UNITS:
        raise BadValue(f"unknown segment unit {options.unit!r}; choose one of {', '.join(UNITS)}")
    summary = ImportSummary()
    named = frozenset(row.transcript for row in participants or [] if row.transcript)
    if participants:
        with study.session() as session:  # transcripts already in the study go to the participants named too
            applied = apply_participants(session, actor, participants, source="participants table", expected=named)
        summary.participants_moved = [str(m) for m in applied.moved]
    owner_of = owners(participants)
    _check_speakers_named(files, owner_of, options)
    for file in files:
        try:
            stored = _import_one(study, file, owner_of, options)
        except NotATranscript as exc:
            summary.skipped.append((printable(file.where), printable(options.describe(exc))))
        except StudyError as exc:
            summary.failed.append((printable(file.where), printable(options.describe(exc))))
        except SQLAlchemyError as exc:  # the database, not the file: read-only, full, locked...
            fault = database_fault(exc, study.url)
            said = options.describe(DatabaseFault(f"{file.where}: not stored: {fault.what}", fault.fix,
                                                  remedy=fault.remedy))
            summary.failed.append((printable(file.where), printable(said)))
        except Exception as exc:  # noqa: BLE001 - one broken file must not cost the rest of the batch
            summary.failed.append((printable(file.where), unexpected(file.where, exc)))
        else:
            for name, outcome, lost, warnings in stored:
                getattr(summary, outcome).append(name)
                summary.not_carried.extend(f"{name}: {item}" for item in lost)
                summary.warnings.extend(f"{name}: {item}" for item in warnings)
        if progress:
            progress(file.where)
    summary.warnings += [f"{name}: named in the participants table, but no transcript of that name is in the study"
                         for name in _missing(study, named)]
    return summary


def _missing(study: Study, names: frozenset[str]) -> list[str]:
    if not names:
        return []
    with study.session() as session:
        found = set(session.scalars(select(Transcript.name).where(Transcript.name.in_(sorted(names)))))
    return sorted(names - found)


def _import_one(study: Study, file: BatchFile, owner_of: Mapping[str, str], options: ImportOptions):
    """Store every document of the file in one transaction: all of them, or none.
    Returns (transcript name, outcome, codings not carried over, reading warnings) for each."""
    data = file.read(options.max_bytes)  # refused before it is read when too large
    file_hash = hashlib.sha256(data).hexdigest()
    read = list(documents(file, data, options, owner_of))
    kept = [document for document in read if document[0] not in options.left_out]
    if not kept:
        raise NotATranscript(f"{file.where}: left out at the preview; nothing of it stored",
                             "keep it ticked in the preview to import it")
    left = [name for name, _parsed, _participant in read if name in options.left_out]
    if left:  # some documents of a file with several (a survey's participants)
        first = kept[0]
        kept[0] = (first[0], dataclasses.replace(first[1], warnings=(
            *first[1].warnings, f"left out at the preview: {', '.join(left)}")), first[2])
    several = len(read) > 1
    with study.session() as session:
        return [
            (name, *store_document(session, file, name, parsed, participant,
                                   document_hash(parsed) if several else file_hash, options, file_hash),
             parsed.warnings)
            for name, parsed, participant in kept
        ]


def _check_speakers_named(files: list[BatchFile], owner_of: Mapping[str, str], options: ImportOptions) -> None:
    """Refuse, before storing anything, roles or new names given for speakers no file has."""
    given_roles = [*options.roles, *([options.interviewer] if options.interviewer else [])]
    if not given_roles and not options.renames:
        return
    preview = preview_batch(files, owner_of=owner_of,
                            options=ImportOptions(max_bytes=options.max_bytes, conventions=options.conventions))
    found = sorted({s.name for t in preview.transcripts for s in t.speakers}, key=str.casefold)
    before = {name.casefold() for name in found}
    after = before | {new.strip().casefold() for new in options.renames.values()}
    missing = [name for name in options.renames if name.strip().casefold() not in before]
    missing += [name for name in given_roles if name.strip().casefold() not in after]
    if missing:
        raise NotFound(f"no speaker named {', '.join(map(repr, dict.fromkeys(missing)))} in the files",
                         f"speakers found: {', '.join(found) or 'none'}")
