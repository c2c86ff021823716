"""Importing transcript files into a study: one transaction per file, a summary for all.

A file either arrives whole (transcript, participant, segments) or not at all; valid files
in the same call still import when another fails.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .auth import Actor
from .coding_write import CodingKey, CodingWrite, write_codings
from .csv_quotes import QUOTE_FIX, unclosed_quote
from .errors import Conflict, DatabaseFault, ParticipantsError, StudyError, TranscriptFormatError
from .integrity import database_fault
from .names import check_name, printable
from .participants import (
    ParticipantRow,
    participant_from_file_name,
    read_participants_csv,
    save_participants,
    upsert_participant,
)
from .roles import INTERVIEWER, SpeakerRole, assign_roles, main_interviewer, rename_speakers, role_map
from .segmenting import UNITS, SegmentSpan, overlap, segment
from .listing import segment_rows, transcript_rows  # noqa: F401  (their home before listing.py)
from .store import Coding, Memo, Resolution, Segment, Study, Transcript, audit
from .transcripts import (
    DEFAULT_MAX_BYTES,
    NO_SPEAKERS_LAYOUT,
    PARTICIPANTS,
    READERS,
    SURVEY,
    ParsedTranscript,
    Turn,
    check_file_size,
    read_survey_csv,
    read_transcript,
    table_kind,
)

SUPPORTED = tuple(READERS)


@dataclass
class ImportSummary:
    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    not_carried: list[str] = field(default_factory=list)  # codings a replacement could not keep
    warnings: list[str] = field(default_factory=list)  # what a lenient reading kept as text
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why): not a transcript, nothing wrong

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class ImportOptions:
    unit: str = "turn"
    interviewer: str | None = None
    replace: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    lenient: bool = False  # keep caption cues with malformed timing lines as text, reported
    actor: str = "cli"
    source_label: Callable[[Path], str] = str  # how the stored transcript and the audit log name its file
    describe: Callable[[StudyError], str] = str  # how a failed file's error is worded (each front end its own way)
    roles: Mapping[str, str] = field(default_factory=dict)  # speaker -> role, in every file
    renames: Mapping[str, str] = field(default_factory=dict)  # speaker -> new name, in every file
    # transcript name -> {speaker: role}: roles chosen for one transcript (the app's preview)
    transcript_roles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # transcript names the preview left out: not stored, and said (skipped, or a warning of their file)
    left_out: frozenset[str] = frozenset()

    def role_overrides(self, transcript: str) -> dict[str, str]:
        """The roles you gave for the speakers of ``transcript``."""
        given = dict(self.roles)
        if self.interviewer:
            given[self.interviewer] = INTERVIEWER
        return {**given, **self.transcript_roles.get(transcript, {})}


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the supported files inside folders named, in a stable order.
    In a folder, a participants table (participants*.csv) and README.md are not transcripts; a participants
    table under another name is found by its columns when read, and a document with no speakers (an
    interview protocol, notes) by its reading (``NotATranscript``)."""
    return [path for path, _named in batch_files(paths)]


def batch_files(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """``expand_paths`` with, for each file, whether it was named itself (True) or found in a folder."""
    files: list[tuple[Path, bool]] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend((p, False) for p in sorted(p for p in path.iterdir() if p.is_file() and _is_transcript_file(p)))
        else:
            files.append((path, True))
    return files


def _is_transcript_file(path: Path) -> bool:
    name = path.name.lower()
    if path.suffix.lower() not in SUPPORTED or name == "readme.md":
        return False
    return not (name.startswith("participants") and name.endswith(".csv"))


def import_files(
    study: Study,
    paths: Iterable[Path],
    *,
    actor: Actor,
    participants: list[ParticipantRow] | None = None,
    options: ImportOptions = ImportOptions(),
    progress: Callable[[Path], None] | None = None,
) -> ImportSummary:
    """Import every file; each is its own transaction. Returns what happened to each. Admins only."""
    actor.require_admin("import transcripts")
    options = dataclasses.replace(options, actor=actor.name)
    if options.unit not in UNITS:
        raise StudyError(f"unknown segment unit {options.unit!r}; choose one of {', '.join(UNITS)}")
    participants = participants or []
    if participants:
        with study.session() as session:
            save_participants(session, participants)
    owner_of = {row.transcript: row.label for row in participants if row.transcript}
    batch = batch_files(paths)
    _check_speakers_named([path for path, _named in batch], owner_of, options)
    summary = ImportSummary()
    for path, named in batch:
        try:
            stored = _import_one(study, path, owner_of, options, named)
        except NotATranscript as exc:
            summary.skipped.append((printable(str(path)), printable(options.describe(exc))))
        except StudyError as exc:
            summary.failed.append((printable(str(path)), printable(options.describe(exc))))
        except SQLAlchemyError as exc:  # the database, not the file: read-only, full, locked...
            fault = database_fault(exc, study.url)
            said = options.describe(DatabaseFault(f"{path}: not stored: {fault.what}", fault.fix, remedy=fault.remedy))
            summary.failed.append((printable(str(path)), printable(said)))
        except Exception as exc:  # noqa: BLE001 - one broken file must not cost the rest of the batch
            summary.failed.append((printable(str(path)), _unexpected(path, exc)))
        else:
            for name, outcome, lost, warnings in stored:
                getattr(summary, outcome).append(name)
                summary.not_carried.extend(f"{name}: {item}" for item in lost)
                summary.warnings.extend(f"{name}: {item}" for item in warnings)
        if progress:
            progress(path)
    return summary


def _unexpected(path: Path, exc: Exception) -> str:
    """One line for a failure no reader foresaw: the file, what happened, and what to do."""
    detail = " ".join(str(exc).split()) or "no detail"
    return printable(f"{path}: could not be read ({type(exc).__name__}: {detail}); "
                     "check that the file opens in the program that made it, or export it again")


def _import_one(study: Study, path: Path, owner_of: dict[str, str], options: ImportOptions, named: bool = True):
    """Store every document of the file in one transaction: all of them, or none.
    Returns (transcript name, outcome, codings not carried over, reading warnings) for each."""
    if not path.is_file():
        raise TranscriptFormatError(path, "file not found")
    check_file_size(path, options.max_bytes)  # before reading it whole, to hash it
    file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    read = list(_documents(path, options, owner_of, named))
    documents = [document for document in read if document[0] not in options.left_out]
    if not documents:
        raise NotATranscript(f"{path}: left out at the preview; nothing of it stored",
                             "keep it ticked in the preview to import it")
    left = [name for name, _parsed, _participant in read if name in options.left_out]
    if left:  # some documents of a file with several (a survey's participants)
        first = documents[0]
        documents[0] = (first[0], dataclasses.replace(first[1], warnings=(
            *first[1].warnings, f"left out at the preview: {', '.join(left)}")), first[2])
    several = len(read) > 1
    with study.session() as session:
        return [
            (name, *_store_document(session, path, name, parsed, participant,
                                    _document_hash(parsed) if several else file_hash, options, file_hash),
             parsed.warnings)
            for name, parsed, participant in documents
        ]


def _document_hash(parsed: ParsedTranscript) -> str:
    """A document's own hash, so that one changed participant of a survey leaves the others unchanged."""
    return hashlib.sha256(parsed.text.encode("utf-8")).hexdigest()


def _check_speakers_named(files: list[Path], owner_of: dict[str, str], options: ImportOptions) -> None:
    """Refuse, before storing anything, roles or new names given for speakers no file has."""
    given_roles = [*options.roles, *([options.interviewer] if options.interviewer else [])]
    if not given_roles and not options.renames:
        return
    preview = preview_files(files, owner_of=owner_of, options=ImportOptions(max_bytes=options.max_bytes))
    found = sorted({s.name for t in preview.transcripts for s in t.speakers}, key=str.casefold)
    before = {name.casefold() for name in found}
    after = before | {new.strip().casefold() for new in options.renames.values()}
    missing = [name for name in options.renames if name.strip().casefold() not in before]
    missing += [name for name in given_roles if name.strip().casefold() not in after]
    if missing:
        raise StudyError(f"no speaker named {', '.join(map(repr, dict.fromkeys(missing)))} in the files",
                         f"speakers found: {', '.join(found) or 'none'}")


# -- preview (``study import --dry-run``, the app's upload preview): read, decide, store nothing

OPENING_TURNS = 3
OPENING_WORDS = 12


@dataclass(frozen=True)
class TranscriptPreview:
    """What importing a document would store: its name, layout, speakers with roles, first turns."""

    file: str
    name: str
    participant: str
    layout: str | None
    layout_score: float | None
    runner_up: str | None
    runner_up_score: float | None
    speakers: tuple[SpeakerRole, ...]
    opening: tuple[tuple[str, str], ...]  # (speaker, first words) of the first turns

    @property
    def interviewer(self) -> str | None:
        return main_interviewer(self.speakers)


@dataclass(frozen=True)
class ImportPreview:
    transcripts: tuple[TranscriptPreview, ...]
    failed: tuple[tuple[str, str], ...]  # (file, message)
    skipped: tuple[tuple[str, str], ...] = ()  # (file, why): not a transcript, nothing wrong


def preview_files(
    paths: Iterable[Path],
    *,
    participants: list[ParticipantRow] | None = None,
    owner_of: Mapping[str, str] | None = None,
    options: ImportOptions = ImportOptions(),
) -> ImportPreview:
    """Read every file as ``import_files`` would and say what it would store; store nothing."""
    owner_of = dict(owner_of or {row.transcript: row.label for row in participants or [] if row.transcript})
    previews: list[TranscriptPreview] = []
    failed: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    for path, named in batch_files(paths):
        try:
            previews.extend(_preview_file(path, owner_of, options, named))
        except NotATranscript as exc:
            skipped.append((printable(str(path)), printable(options.describe(exc))))
        except StudyError as exc:
            failed.append((printable(str(path)), printable(options.describe(exc))))
        except Exception as exc:  # noqa: BLE001 - as in import_files: the rest of the batch goes on
            failed.append((printable(str(path)), _unexpected(path, exc)))
    return ImportPreview(tuple(previews), tuple(failed), tuple(skipped))


def _preview_file(path: Path, owner_of: dict[str, str], options: ImportOptions,
                  named: bool = True) -> list[TranscriptPreview]:
    if not path.is_file():
        raise TranscriptFormatError(path, "file not found")
    where = printable(str(path))
    return [_preview(where, check_name("transcript", name, where=where),
                     check_name("participant", participant, where=where), parsed, options)
            for name, parsed, participant in _documents(path, options, owner_of, named)]


def _preview(file: str, name: str, participant: str, parsed: ParsedTranscript, options) -> TranscriptPreview:
    opening = tuple((turn.speaker, _first_words(parsed.turn_text(turn))) for turn in parsed.turns[:OPENING_TURNS])
    return TranscriptPreview(
        file=file, name=name, participant=participant,
        layout=getattr(parsed, "layout", None) or None, layout_score=getattr(parsed, "layout_score", None),
        runner_up=getattr(parsed, "runner_up", None), runner_up_score=getattr(parsed, "runner_up_score", None),
        speakers=assign_roles(parsed, options.role_overrides(name)), opening=opening,
    )


def _first_words(text: str) -> str:
    words = text.split()
    return " ".join(words[:OPENING_WORDS]) + (" …" if len(words) > OPENING_WORDS else "")


def add_parsed_transcript(
    study: Study, name: str, parsed: ParsedTranscript, participant: str,
    options: ImportOptions = ImportOptions(), source: str = "<memory>", session: Session | None = None,
) -> str:
    """Store an already-parsed transcript (what every importer ends in); returns the outcome.
    With ``session``, inside the caller's transaction."""
    if session is not None:
        return _store_document(session, Path(source), name, parsed, participant, _document_hash(parsed), options)[0]
    with study.session() as session:
        outcome, _ = _store_document(session, Path(source), name, parsed, participant, _document_hash(parsed), options)
    return outcome


def _documents(path: Path, options: ImportOptions, owner_of: dict[str, str], named: bool = True):
    """(transcript name, parsed text, participant label) for each document the file holds.
    A file found in a folder (not ``named``) in which no layout finds a speaker is no interview
    (the study's protocol or notes beside the transcripts): it is skipped and said, not stored as
    a participant's turns; named on its own, it is imported as one speaker's text."""
    kind = None
    if path.suffix.lower() == ".csv":
        _check_quotes(path)
        kind = table_kind(path, max_bytes=options.max_bytes)
    if kind == PARTICIPANTS:
        raise NotATranscript(f"{path}: looks like a participants table (a participant column and attributes, "
                             "no text); skipped", "import it as the participants table", remedy="participants_table")
    if kind == SURVEY:
        for response in read_survey_csv(path, max_bytes=options.max_bytes):
            name = f"{path.stem}-{response.participant}"
            yield name, rename_speakers(response.parsed, options.renames), response.participant
        return
    parsed = read_transcript(path, max_bytes=options.max_bytes, lenient=options.lenient)
    if not named and parsed.layout == NO_SPEAKERS_LAYOUT:
        raise NotATranscript(f"{path}: no speakers found (no speaker labels, Q/A marks, timestamps or caption "
                             "cues): it reads as a document, not an interview; skipped",
                             "import the file by its name to keep it as one speaker's text", remedy="name_the_file")
    parsed = rename_speakers(parsed, options.renames)
    yield path.stem, parsed, owner_of.get(path.stem) or participant_from_file_name(path.stem)


class NotATranscript(StudyError):
    """A file of the batch that is no transcript (a participants table, a document with no speakers
    found in a folder): skipped and said, not failed."""


def _check_quotes(path: Path) -> None:
    """A survey whose quote is never closed would merge participants' answers: refuse it."""
    with path.open("rb") as handle:  # the reader refuses oversize files; the check needs the text only
        text = handle.read().decode("utf-8-sig", errors="replace")
    if problem := unclosed_quote(text, "participant"):
        raise TranscriptFormatError(path, problem, QUOTE_FIX)


def _store_document(session, path, name, parsed, participant_label, content_hash, options,
                    earlier_hash: str | None = None) -> tuple[str, list[str]]:
    """Store one document; returns its outcome and the codings a replacement could not carry."""
    where = printable(str(path))
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
        raise TranscriptFormatError(path, "no speaker turns with text were found")
    participant = upsert_participant(session, participant_label)
    transcript = existing or Transcript(name=name)
    old_segments = _detach_segments(session, existing) if existing is not None else []
    transcript.participant = participant
    transcript.source_file = printable(options.source_label(path))
    transcript.content_hash = content_hash
    transcript.text = parsed.text
    transcript.unit = options.unit
    transcript.interviewer = interviewer
    transcript.header = dict(parsed.metadata)
    transcript.turns = [[t.speaker, t.start, t.end, t.timestamp, t.role_hint] for t in parsed.turns]
    transcript.interview_date = interview_date(path.stem, parsed.metadata)
    session.add(transcript)
    session.flush()
    _add_segments(session, transcript, spans)
    speakers = {r.name: {"role": r.role, "reason": r.reason} for r in roles}  # the speakers command shows why
    if existing is None:
        audit(session, options.actor, "import", name,
              after={"file": printable(options.source_label(path)), "segments": len(spans), "roles": speakers})
        return "imported", []
    lost = _carry_codings_by_text(session, options.actor, old_segments, _current_segments(session, transcript))
    audit(session, options.actor, "replace", name,
          after={"file": printable(options.source_label(path)), "not_carried": lost, "roles": speakers})
    return "replaced", lost


def _add_segments(session: Session, transcript: Transcript, spans: list[SegmentSpan]) -> None:
    """Insert the segments in one statement (the ORM's unit of work is the slow part of an import)."""
    session.execute(insert(Segment), [
        {"transcript_id": transcript.id, "index": s.index, "speaker": s.speaker, "role": s.role,
         "start": s.start, "end": s.end, "timestamp": s.timestamp}
        for s in spans
    ])
    session.expire(transcript, ["segments"])


def _current_segments(session: Session, transcript: Transcript) -> list[Segment]:
    """The transcript's segments, leaving out old ones detached for replacement."""
    return list(session.scalars(
        select(Segment).where(Segment.transcript_id == transcript.id, Segment.index >= 0).order_by(Segment.index)
    ))


def _detach_segments(session: Session, transcript: Transcript) -> list[tuple[Segment, str]]:
    """The transcript's segments with their texts, renumbered out of the way of new ones."""
    olds = [(s, transcript.text[s.start : s.end]) for s in transcript.segments]
    for seg, _ in olds:
        seg.index = -1 - seg.index
    session.flush()
    return olds


def _carry_codings_by_text(session, actor: str, old_segments, new_segments: list[Segment]) -> list[str]:
    """Move codings from old segments to new segments with the same text (a span moves with its
    segment's text); return those not carried."""
    by_text: dict[str, list[Segment]] = {}
    for seg in new_segments:
        by_text.setdefault(seg.transcript.text[seg.start : seg.end], []).append(seg)
    lost: list[str] = []
    for old, text in old_segments:
        codings = session.scalars(select(Coding).where(Coding.segment_id == old.id)).all()
        candidates = by_text.get(text)
        target = candidates.pop(0) if candidates else None
        shift = target.start - old.start if target is not None else 0
        writes = []
        for coding in codings:
            if target is None:
                lost.append(_describe_lost(coding, old.index, text))
            else:
                span = coding.span and (coding.span[0] + shift, coding.span[1] + shift)
                writes.append(_moved(coding, target, span))
        _write_carried(session, actor, codings, writes)
        _move_notes(session, old, target)
        session.delete(old)
    session.flush()
    return lost


def _move_notes(session: Session, old: Segment, target: Segment | None) -> None:
    """Memos and adjudicators' decisions on an old segment follow it to the segment that takes it
    over; a memo with nowhere to go joins the rater's transcript memo, so no memo is ever lost."""
    for memo in session.scalars(select(Memo).where(Memo.segment_id == old.id)).all():
        target_id = target.id if target is not None else None
        existing = session.scalar(select(Memo).where(
            Memo.rater_id == memo.rater_id, Memo.transcript_id == memo.transcript_id,
            Memo.segment_id.is_(None) if target_id is None else Memo.segment_id == target_id))
        text = memo.text if target_id is not None else f"(segment {-1 - old.index}) {memo.text}"
        if existing is None:
            memo.segment_id, memo.text = target_id, text
        else:
            existing.text = f"{existing.text}\n\n{text}".strip()
            session.delete(memo)
    for resolution in session.scalars(select(Resolution).where(Resolution.segment_id == old.id)).all():
        if target is not None:
            resolution.segment_id = target.id
    session.flush()  # before the old segment's delete cascades


def _describe_lost(coding: Coding, old_index: int, text: str) -> str:
    snippet = text if len(text) <= 60 else text[:57] + "..."
    return f"segment {-1 - old_index} {coding.code.ref} by {coding.rater.name} ({snippet!r})"


def interview_date(stem: str, metadata: dict[str, str]) -> str | None:
    """ISO date of the interview from the file name (YYYYMMDD or YYYY-MM-DD), else its header."""
    for candidate in (stem, metadata.get("Created On", ""), metadata.get("Date", "")):
        if match := re.search(r"(20\d\d|19\d\d)-?([01]\d)-?([0-3]\d)", candidate):
            return "-".join(match.groups())
    return None


def parsed_from_stored(transcript: Transcript) -> ParsedTranscript:
    turns = tuple(Turn(sp, start, end, ts, hint) for sp, start, end, ts, hint in transcript.turns)
    return ParsedTranscript(transcript.text, turns, dict(transcript.header))


@dataclass
class ResegmentSummary:
    transcripts: list[str] = field(default_factory=list)
    carried: int = 0
    not_carried: list[str] = field(default_factory=list)


def resegment(study: Study, names: list[str] | None, unit: str, actor: Actor) -> ResegmentSummary:
    """Cut transcripts anew into ``unit`` segments, carrying codings onto new segments by overlap. Admins only."""
    actor.require_admin("re-segment transcripts")
    if unit not in UNITS:
        raise StudyError(f"unknown segment unit {unit!r}; choose one of {', '.join(UNITS)}")
    summary = ResegmentSummary()
    with study.session() as session:
        query = select(Transcript).order_by(Transcript.id)
        if names:
            query = query.where(Transcript.name.in_(names))
            found = set(session.scalars(select(Transcript.name).where(Transcript.name.in_(names))))
            if missing := sorted(set(names) - found):
                raise StudyError(f"no transcript named {', '.join(missing)}", "the transcripts list gives the names",
                                 remedy="list_transcripts")
        transcripts = session.scalars(query).all()
    for transcript in transcripts:
        with study.session() as session:
            transcript = session.get(Transcript, transcript.id)
            _resegment_one(session, transcript, unit, actor.name, summary)
        summary.transcripts.append(transcript.name)
    return summary


def _resegment_one(session: Session, transcript: Transcript, unit: str, actor: str, summary) -> None:
    parsed = parsed_from_stored(transcript)
    roles = {s.speaker: s.role for s in transcript.segments}  # as decided, or set since
    spans = segment(parsed, unit, roles)
    old_segments = _detach_segments(session, transcript)
    _add_segments(session, transcript, spans)
    new_segments = _current_segments(session, transcript)
    for old, text in old_segments:
        targets = carry_targets((old.start, old.end), new_segments)
        codings = session.scalars(select(Coding).where(Coding.segment_id == old.id)).all()
        writes = []
        for coding in codings:
            moved = _carried(coding, targets, new_segments)
            if not moved:
                summary.not_carried.append(f"{transcript.name}: {_describe_lost(coding, old.index, text)}")
                continue
            writes.extend(moved)
            summary.carried += 1
        _write_carried(session, actor, codings, writes)
        _move_notes(session, old, targets[0] if targets else None)
        session.delete(old)
    transcript.unit = unit
    session.flush()
    audit(session, actor, "resegment", transcript.name, after={"unit": unit, "segments": len(spans)})


def carry_targets(old: tuple[int, int], new_segments: list[Segment]) -> list[Segment]:
    """New segments that take over an old segment's codings: those lying mostly inside it,
    else the one holding most of it."""
    inside = [s for s in new_segments if overlap(old, (s.start, s.end)) * 2 > s.end - s.start]
    if inside:
        return inside
    best = max(new_segments, key=lambda s: overlap(old, (s.start, s.end)), default=None)
    if best is not None and overlap(old, (best.start, best.end)) * 2 > old[1] - old[0]:
        return [best]
    return []


def _carried(coding: Coding, targets: list[Segment], new_segments: list[Segment]) -> list[CodingWrite]:
    """Where a coding goes when its transcript is cut anew: a whole-segment coding to the segments
    taking its segment over; a span to every new segment it overlaps, cut to that segment."""
    if coding.span is None:
        return [_moved(coding, target, None) for target in targets]
    start, end = coding.span
    return [_moved(coding, s, (max(start, s.start), min(end, s.end)))
            for s in new_segments if overlap((start, end), (s.start, s.end)) > 0]


def _moved(coding: Coding, target: Segment, span: tuple[int, int] | None) -> CodingWrite:
    return CodingWrite(CodingKey(coding.rater_id, coding.transcript_id, target.id, coding.code_id, span),
                       memo=coding.memo)


def _write_carried(session: Session, actor: str, old: list[Coding], new: list[CodingWrite]) -> None:
    """The old codings removed and the carried ones written, through the one write path; the
    carrying is audited once, as the re-segmenting or replacement it belongs to."""
    removals = [CodingWrite(CodingKey.of(c), applied=False) for c in old]
    write_codings(session, Actor(actor, "system"), removals + new, audited=False, consensus=True,
                  check_done=False, carried=True)
    session.flush()


# -- uploads (the app's browser uploads, through the same importers) ------------------

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
) -> ImportSummary:
    """Import uploaded transcript files with the same importers as ``study import``.

    Each file is its own transaction: a failing file leaves nothing behind and is reported in
    ``failed`` as (file name, message) with the file's own name, never a temporary path; the
    message is the error as ``describe`` words it (the app words remedies as its buttons).
    ``roles`` maps a transcript's name to the roles chosen for its speakers (after a preview);
    ``left_out`` names the transcripts the preview left out (skipped, and said so).
    """
    actor.require_admin("import transcripts")
    files = list(files)
    with tempfile.TemporaryDirectory(prefix="study-upload-") as folder:
        rows = _participant_rows(folder, participants) if participants is not None else None
        paths, unwritable = _write_uploads(Path(folder), files)
        summary = import_files(
            study, paths, actor=actor, participants=rows,
            options=ImportOptions(unit=unit, replace=replace, max_bytes=max_bytes, actor=actor.name,
                                  source_label=_upload_label, transcript_roles=dict(roles or {}),
                                  left_out=frozenset(left_out), describe=describe),
        )
        summary.failed = unwritable + [(Path(f).name, _friendly(m, folder)) for f, m in summary.failed]
        summary.skipped = [(Path(f).name, _friendly(m, folder)) for f, m in summary.skipped]
        summary.not_carried = [_friendly(m, folder) for m in summary.not_carried]
    return summary


def preview_uploads(
    actor: Actor,
    files: Iterable[UploadedFile],
    *,
    participants: UploadedFile | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    describe: Callable[[StudyError], str] = str,
) -> ImportPreview:
    """What importing the uploads would store (``preview_files``), files named as the user named them."""
    actor.require_admin("import transcripts")
    with tempfile.TemporaryDirectory(prefix="study-upload-") as folder:
        rows = _participant_rows(folder, participants) if participants is not None else None
        paths, unwritable = _write_uploads(Path(folder), list(files))
        preview = preview_files(paths, participants=rows, options=ImportOptions(max_bytes=max_bytes, describe=describe))
        return ImportPreview(
            tuple(dataclasses.replace(t, file=Path(t.file).name) for t in preview.transcripts),
            tuple(unwritable) + tuple((Path(f).name, _friendly(m, folder)) for f, m in preview.failed),
            tuple((Path(f).name, _friendly(m, folder)) for f, m in preview.skipped),
        )


def upload_participants(study: Study, actor: Actor, upload: UploadedFile) -> int:
    """Save the participants (and their attributes) of an uploaded CSV; returns how many."""
    actor.require_admin("import participants")
    with tempfile.TemporaryDirectory(prefix="study-upload-") as folder:
        rows = _participant_rows(folder, upload)
    with study.session() as session:
        save_participants(session, rows)
        audit(session, actor.name, "participants.import", upload.name, after={"participants": len(rows)})
    return len(rows)


def _participant_rows(folder: str, upload: UploadedFile):
    path = Path(folder) / _safe_name(upload.name, ".csv")
    path.write_bytes(upload.data)
    try:
        return read_participants_csv(path)
    except ParticipantsError as exc:
        raise ParticipantsError(_friendly(str(exc), folder)) from None
    finally:
        path.unlink(missing_ok=True)


def _write_uploads(folder: Path, files: list[UploadedFile]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Write each upload under its own name, each in its own folder (two uploads may share a name).
    Returns the files written, and (name, message) for uploads whose name no file can have."""
    paths, failed = [], []
    for number, upload in enumerate(files):
        path = folder / str(number) / _safe_name(upload.name, "")
        try:
            path.parent.mkdir()
            path.write_bytes(upload.data)
        except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL byte...
            reason = getattr(exc, "strerror", None) or str(exc)
            shown = printable(path.name if len(path.name) <= 60 else path.name[:57] + "...")
            failed.append((printable(upload.name), f"{shown}: cannot be stored under this name ({reason}); "
                                                   "rename the file and upload it again"))
            continue
        paths.append(path)
    return paths, failed


def _safe_name(name: str, default_suffix: str) -> str:
    """The file's own name without any folder part a browser may send."""
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    return base or f"upload{default_suffix}"


def _friendly(message: str, folder: str) -> str:
    """A message about an upload without the temporary folder it was written to."""
    return re.sub(re.escape(folder) + r"[\\/](?:\d+[\\/])?", "", message)


def _upload_label(path: Path) -> str:
    return "upload: " + path.name
