"""One read document into the study: its transcript, participant and segments, or a replacement
of a stored transcript that keeps the codings on unchanged text."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session
from sqlalchemy import select

from ..errors import Conflict, TranscriptFormatError
from ..names import check_name, printable
from ..participants import upsert_participant
from ..roles import assign_roles, main_interviewer, role_map
from ..segmenting import segment
from ..store import Study, Transcript, audit
from ..transcripts import ParsedTranscript
from .carrying import add_segments, carry_codings_by_text, current_segments, detach_segments
from .reading import BatchFile, ImportOptions, document_hash


def add_parsed_transcript(
    study: Study, name: str, parsed: ParsedTranscript, participant: str,
    options: ImportOptions = ImportOptions(), source: str = "<memory>", session: Session | None = None,
) -> str:
    """Store an already-parsed transcript (what every importer ends in); returns the outcome.
    With ``session``, inside the caller's transaction."""
    file = BatchFile(where=source, label=source)
    if session is not None:
        return store_document(session, file, name, parsed, participant, document_hash(parsed), options)[0]
    with study.session() as session:
        outcome, _ = store_document(session, file, name, parsed, participant, document_hash(parsed), options)
    return outcome


def store_document(session: Session, file: BatchFile, name: str, parsed: ParsedTranscript, participant_label: str,
                   content_hash: str, options: ImportOptions,
                   earlier_hash: str | None = None) -> tuple[str, list[str]]:
    """Store one document; returns its outcome and the codings a replacement could not carry."""
    where = printable(file.where)
    name = check_name("transcript", name, where=where)
    participant_label = check_name("participant", participant_label, where=where)
    for speaker in dict.fromkeys(turn.speaker for turn in parsed.turns):
        check_name("speaker", speaker, where=where)
    existing = session.scalar(select(Transcript).where(Transcript.name == name))
    # earlier_hash: surveys were once stored with the whole file's hash
    if existing is not None and existing.content_hash in (content_hash, earlier_hash):
        return "unchanged", []
    if existing is not None and not options.replace:
        raise Conflict(f"{where}: a different transcript named {name!r} is already in the study",
                       "replace it (codings on unchanged text are kept)", remedy="replace")
    roles = assign_roles(parsed, options.role_overrides(name))
    interviewer = main_interviewer(roles)
    spans = segment(parsed, options.unit, role_map(roles))
    if not spans:
        raise TranscriptFormatError(file.where, "no speaker turns with text were found")
    participant = upsert_participant(session, participant_label)
    transcript = existing or Transcript(name=name)
    old_segments = detach_segments(session, existing) if existing is not None else []
    transcript.participant = participant
    transcript.source_file = printable(file.label)
    transcript.content_hash = content_hash
    transcript.text = parsed.text
    transcript.unit = options.unit
    transcript.interviewer = interviewer
    transcript.header = {**parsed.metadata, **set_aside(parsed)}
    transcript.turns = [[t.speaker, t.start, t.end, t.timestamp, t.role_hint] for t in parsed.turns]
    transcript.interview_date = interview_date(file.stem, parsed.metadata)
    session.add(transcript)
    session.flush()
    add_segments(session, transcript, spans)
    speakers = {r.name: {"role": r.role, "reason": r.reason} for r in roles}  # the speakers command shows why
    if existing is None:
        audit(session, options.actor, "import", name,
              after={"file": printable(file.label), "segments": len(spans), "roles": speakers})
        return "imported", []
    lost = carry_codings_by_text(session, options.actor, old_segments, current_segments(session, transcript))
    audit(session, options.actor, "replace", name,
          after={"file": printable(file.label), "not_carried": lost, "roles": speakers})
    return "replaced", lost


def interview_date(stem: str, metadata: dict[str, str]) -> str | None:
    """ISO date of the interview from the file name (YYYYMMDD or YYYY-MM-DD), else its header."""
    for candidate in (stem, metadata.get("Created On", ""), metadata.get("Date", "")):
        if match := re.search(r"(20\d\d|19\d\d)-?([01]\d)-?([0-3]\d)", candidate):
            return "-".join(match.groups())
    return None


MARGIN = "margin line numbers"  # header keys of what the reader took out of the text, kept with the transcript
SET_ASIDE = "set aside"  # a paged file's running headers and page numbers, a Word file's notes and text boxes


def set_aside(parsed: ParsedTranscript) -> dict[str, list[list]]:
    """What the file held that the reader took out of the stored text, with the offsets it stood at:
    a numbered margin's line numbers (read as spaces), and what the reader set aside as notes (a paged file's
    running headers, footers and page numbers; a Word file's footnotes, endnotes and text boxes); kept in the
    transcript's header so that no mark of the file is lost with the study
    (archives and restores carry it; page and line citations can be rebuilt from it)."""
    kept = {MARGIN: parsed.margin, SET_ASIDE: parsed.set_aside}
    return {key: [[offset, mark] for offset, mark in marks] for key, marks in kept.items() if marks}
