"""Codings: raters applying codes to segments (or whole transcripts), memos, done marks, undo.

Raters are isolated by construction: every read takes the asking Actor and returns only the
asker's own codings unless the asker is an admin. Every change is appended to the audit log.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from . import bulk, consensus, memos
from . import codes as codes_mod
from .auth import Actor, importing_rater, rater_user, require_rater_id, writable_rater
from .coding_write import CodingKey, CodingWrite, SegmentFacts, Span, segments_of, write_coding, write_codings
from .csv_quotes import EXTRA_CELLS_FIX, QUOTE_FIX, extra_cells_problem, unclosed_quote
from .excluded import excluded_transcript_ids
from .errors import BadValue, CodingsFileError, NotAllowed, NotFound, StudyError
from .store import (
    CODERS_SEE_AGREEMENT,
    AuditEntry,
    Coding,
    Memo,
    Segment,
    Study,
    Transcript,
    TranscriptStatus,
    User,
    audit,
    get_setting,
    utcnow,
)

if TYPE_CHECKING:  # pandas is imported where a frame is built: writing codings (an import) needs none of it
    import pandas as pd

WHOLE = None  # segment index meaning "the whole transcript"
_CHUNK = 500  # names or ids per IN (...) list


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass(frozen=True)
class _Named:
    id: int
    name: str


@dataclass(frozen=True)
class CodingRow:
    rater: str
    transcript: str
    segment: int | None
    code: str
    memo: str | None
    span: tuple[int, int] | None = None  # absolute transcript offsets; None: the whole segment


def find_transcript(session: Session, name: str) -> Transcript:
    transcript = session.scalar(select(Transcript).where(Transcript.name == name))
    if transcript is None:
        raise NotFound(f"no transcript named {name!r}", "the transcripts list gives the names", remedy="list_transcripts")
    return transcript


def find_segment(session: Session, transcript: Transcript, index: int) -> Segment:
    segment = session.scalar(
        select(Segment).where(Segment.transcript_id == transcript.id, Segment.index == index)
    )
    if segment is None:
        raise NotFound(f"transcript {transcript.name!r} has no segment {index} (it has {len(transcript.segments)})")
    return segment


# -- writes by id: the fast path the app uses ---------------------------------------


def set_coding(
    session: Session, actor: Actor, rater_id: int, segment_id: int, code_id: int, applied: bool,
    span: Span | None = None,
) -> bool:
    """Apply (or remove) a code on a segment, or a span inside it, for a rater; returns whether anything changed."""
    return write_coding(session, actor, rater_id, segment_id, code_id, applied, span)


# -- writes by name: what the CLI and CSV import use ---------------------------------


def apply_code(study: Study, actor: Actor, rater: str, transcript: str, segment: int | None, code: str,
               memo: str | None = None, span: Span | None = None) -> bool:
    """Apply ``code`` (``Theme/Code``) to a segment (index), a span inside it, or, with segment None,
    the whole transcript; returns whether anything changed. ``rater`` is a user already (an unknown
    name is refused, ``auth.writable_rater``: only an import adds raters)."""
    return study.transaction(lambda session: _write_by_name(session, actor, rater, transcript, segment, code,
                                                            True, memo, span))


def remove_code(study: Study, actor: Actor, rater: str, transcript: str, segment: int | None, code: str,
                span: Span | None = None) -> None:
    if not study.transaction(lambda session: _write_by_name(session, actor, rater, transcript, segment, code,
                                                            False, None, span)):
        where = "the whole transcript" if segment is None else f"segment {segment}"
        raise NotFound(f"{rater} has not applied {code} on {where} of {transcript!r}"
                       + (f" at {span[0]}-{span[1]}" if span else ""))


def _write_by_name(session: Session, actor: Actor, rater: str, transcript_name: str, index: int | None, ref: str,
                   applied: bool, memo: str | None, span: Span | None) -> bool:
    memo = memos.check_text(memo) if memo is not None else None
    user = writable_rater(session, actor, rater)  # a mistyped name is refused, never a new rater
    transcript = find_transcript(session, transcript_name)
    code = codes_mod.resolve(session, ref)
    segment = find_segment(session, transcript, index) if index is not None else None
    key = CodingKey(user.id, transcript.id, segment.id if segment else None, code.id, span)
    return write_codings(session, actor, [CodingWrite(key, applied, memo)]) == 1


def set_memo(study: Study, actor: Actor, rater: str, transcript: str, segment: int | None, text: str) -> None:
    """The rater's memo on a segment, or on the whole transcript when ``segment`` is None (``rater``
    is a user already, as for ``apply_code``)."""
    with study.session() as session:
        user = writable_rater(session, actor, rater)
        t = find_transcript(session, transcript)
        seg = find_segment(session, t, segment) if segment is not None else None
        save_memo(session, actor, user.id, t.id, seg.id if seg else None, text)


def save_memo(session: Session, actor: Actor, rater_id: int, transcript_id: int, segment_id: int | None,
              text: str) -> None:
    """Save a memo as a new version (see ``memos``), with no check of the version it was based on."""
    memos.save(session, actor, memos.MemoKey(rater_id, transcript_id, segment_id), text)


def mark_done(study: Study, actor: Actor, rater: str, transcript: str, done: bool = True,
              anyway: bool = False) -> None:
    """Mark (or reopen) a transcript as finished by a rater; only finished transcripts count for
    agreement and findings. Raises ``UncodedSegments`` when segments to code have no code, unless ``anyway``."""
    mark_transcripts_done(study, actor, rater, [transcript], done, anyway)


def mark_transcripts_done(study: Study, actor: Actor, rater: str, transcripts: Sequence[str] | None,
                          done: bool = True, anyway: bool = False) -> int:
    """Mark (or reopen) several transcripts for a rater, all or none (``None``: every transcript no
    admin excluded); how many. When segments to code have no code in any of them, ``UncodedSegments``
    names each (how many of how many), unless ``anyway``."""
    with study.session() as session:
        user = writable_rater(session, actor, rater)
        found = _included_transcripts(session) if transcripts is None else _find_transcripts(session, transcripts)
        if done and not anyway:
            check_coded(session, actor, user.id, found)
        set_done_all(session, actor, user.id, [t.id for t in found], done)
        return len(found)


def _included_transcripts(session: Session) -> list[_Named]:
    """Every transcript no admin excluded (id and name), in the order imported."""
    left_out = excluded_transcript_ids(session)
    rows = session.execute(select(Transcript.id, Transcript.name).order_by(Transcript.id)).all()
    return [_Named(tid, name) for tid, name in rows if tid not in left_out]


def _find_transcripts(session: Session, names: Sequence[str]) -> list[_Named]:
    """The named transcripts (id and name, not their text), in the order named."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(names))):
        found.update((name, tid) for tid, name in session.execute(
            select(Transcript.id, Transcript.name).where(Transcript.name.in_(chunk))).all())
    for name in names:
        if name not in found:
            find_transcript(session, name)  # says there is no such transcript
    return [_Named(found[name], name) for name in names]


@dataclass(frozen=True)
class Progress:
    """How far a rater coded a transcript: the segments to code that carry a code, of those to code."""

    coded: int  # segments to code that carry at least one code
    total: int  # segments to code: the participant's turns (every segment when none is marked)

    @property
    def fraction(self) -> float:
        return self.coded / self.total if self.total else 0.0

    @property
    def uncoded(self) -> int:
        return self.total - self.coded


def progress_of(roles: dict[int, str], coded: set[int]) -> Progress:
    """Coded segments among those to code: the participants' turns (never the interviewer's or an
    observer's, note-taker's or interpreter's), or every segment if none is a participant's
    (``roles``: segment id -> role; ``coded``: ids of segments with a code, a span codes its segment)."""
    from .roles import PARTICIPANT  # imported late: `study codings` need not load the transcript readers

    to_code = {sid for sid, role in roles.items() if role == PARTICIPANT} or set(roles)
    return Progress(len(to_code & coded), len(to_code))


def progress_by_transcript_ids(session: Session, asker: Actor, rater_id: int | None,
                               transcript_ids: Sequence[int] | None = None) -> dict[int, Progress]:
    """{transcript id: the rater's progress} for the transcripts (None: all), counted in the
    database as ``progress_of`` counts (a span codes its segment): one query per 500 transcripts.
    A coder asks about their own only; ``rater_id`` None (no such user yet): nothing coded."""
    from .roles import PARTICIPANT  # imported late: `study codings` need not load the transcript readers

    if rater_id is not None:
        require_rater_id(session, asker, rater_id, "see the coding progress")
    chunks = [None] if transcript_ids is None else list(_chunks(sorted(set(transcript_ids))))
    result: dict[int, Progress] = {}
    for chunk in chunks:
        coded = select(Coding.segment_id).where(Coding.rater_id == (rater_id if rater_id is not None else -1),
                                                Coding.segment_id.is_not(None))
        to_code = Segment.role == PARTICIPANT  # as progress_of: a note-taker's or observer's turn is not to code
        is_coded = Segment.id.in_(coded if chunk is None else coded.where(Coding.transcript_id.in_(chunk)))
        query = select(Segment.transcript_id, func.count(), func.sum(case((to_code, 1), else_=0)),
                       func.sum(case((is_coded, 1), else_=0)), func.sum(case((to_code & is_coded, 1), else_=0))
                       ).group_by(Segment.transcript_id)
        if chunk is not None:
            query = query.where(Segment.transcript_id.in_(chunk))
        for tid, segments, participant, coded_all, coded_participant in session.execute(query):
            result[tid] = Progress(int(coded_participant), int(participant)) if participant else \
                Progress(int(coded_all), int(segments))
    return result


class UncodedSegments(StudyError):
    """A transcript to mark done still has segments to code without any code: the front end asks first.
    ``gaps``: (transcript name, uncoded, to code, unit) per transcript."""

    def __init__(self, gaps: list[tuple[str, int, int, str]]):
        self.gaps = gaps
        listed = "; ".join(f"{name}: {uncoded} of {total} participant {unit}(s) have no code yet"
                           for name, uncoded, total, unit in gaps)
        super().__init__(listed, "mark it done anyway when nothing more is to be coded there",
                         remedy="mark_done_anyway")


def _units(session: Session, transcript_ids: list[int]) -> dict[int, str | None]:
    found = {}
    for chunk in _chunks(sorted(set(transcript_ids))):
        found.update(session.execute(select(Transcript.id, Transcript.unit).where(Transcript.id.in_(chunk))).all())
    return found


def check_coded(session: Session, asker: Actor, rater_id: int, transcripts: Sequence[Transcript | _Named]) -> None:
    """Raise ``UncodedSegments`` when a participant turn (segment to code) of the transcripts has no code of the rater."""
    require_rater_id(session, asker, rater_id, "see the coding progress")
    progress = progress_by_transcript_ids(session, asker, rater_id, [t.id for t in transcripts])
    units = _units(session, [t.id for t in transcripts])
    gaps = []
    for t in transcripts:
        found = progress.get(t.id, Progress(0, 0))
        if found.uncoded:
            gaps.append((t.name, found.uncoded, found.total, units.get(t.id) or "segment"))
    if gaps:
        raise UncodedSegments(gaps)


def set_done(session: Session, actor: Actor, rater_id: int, transcript_id: int, done: bool,
             carry: bool = True) -> None:
    """Mark (or reopen) a transcript for a rater: ``set_done_all`` for one."""
    set_done_all(session, actor, rater_id, [transcript_id], done, carry)


def set_done_all(session: Session, actor: Actor, rater_id: int, transcript_ids: Sequence[int], done: bool,
                 carry: bool = True) -> None:
    """Mark (or reopen) transcripts for a rater, in a few statements whatever their number. Marking
    them done carries the raters' agreements on each into the consensus once every compared rater
    has finished it (``consensus.carry_finished``; ``carry=False``: a suggestion pseudo-rater's mark,
    which is not a person's finished work). Each transcript's mark is audited, and so is what was
    carried on it, in that order."""
    require_rater_id(session, actor, rater_id, "mark done or reopen the transcripts", write=True)
    ids = list(dict.fromkeys(transcript_ids))
    before = _done_marks(session, rater_id, ids)
    if not done and any(before.values()):
        _check_may_reopen(session, actor)
    now = utcnow() if done else None
    stored = [t for t in ids if t in before]
    for chunk in _chunks(stored):
        session.execute(update(TranscriptStatus).where(TranscriptStatus.rater_id == rater_id,
                                                       TranscriptStatus.transcript_id.in_(chunk))
                        .values(done=done, done_at=now))
    bulk.insert_rows(session, TranscriptStatus.__table__, [
        {"rater_id": rater_id, "transcript_id": t, "done": done, "done_at": now} for t in ids if t not in before])
    raters, carried = consensus.carry_finished(session, ids) if done and carry else ((), {})
    names = consensus.transcript_names(session, list(carried))
    entries = []
    for t in ids:
        entries.append({"actor": actor.name, "action": "transcript.done" if done else "transcript.reopen",
                        "target": f"transcript {t}",
                        "before": {"rater_id": rater_id, "transcript_id": t, "done": before.get(t, False)},
                        "after": {"rater_id": rater_id, "transcript_id": t, "done": done}})
        if t in carried:
            entries.append(consensus.carry_audit(actor, raters, names[t], carried[t]))
    now = utcnow()
    bulk.insert_rows(session, AuditEntry.__table__, [{"at": now, "undone": False, **e} for e in entries])


def _done_marks(session: Session, rater_id: int, transcript_ids: list[int]) -> dict[int, bool]:
    """{transcript id: done} of the rater's stored marks among ``transcript_ids``."""
    marks = {}
    for chunk in _chunks(sorted(transcript_ids)):
        marks.update((t, bool(d)) for t, d in session.execute(
            select(TranscriptStatus.transcript_id, TranscriptStatus.done).where(
                TranscriptStatus.rater_id == rater_id, TranscriptStatus.transcript_id.in_(chunk))).all())
    return marks


def _check_may_reopen(session: Session, actor: Actor) -> None:
    """While coders may see agreement on finished transcripts, only an admin reopens one: a coder
    who could change a code and look again would learn the other coders' codings one by one."""
    if not actor.is_admin and get_setting(session, CODERS_SEE_AGREEMENT) == "yes":
        raise NotAllowed("coders may see agreement on finished transcripts, so only an admin can reopen one; "
                         "ask your study's admin")


# -- undo --------------------------------------------------------------------------

UNDOABLE = ("coding.apply", "coding.remove", "coding.memo", "memo")


def undo(study: Study, actor: Actor, rater: str, steps: int = 1) -> list[str]:
    """Reverse the rater's last ``steps`` coding actions (newest first); returns what was undone."""
    undone: list[str] = []
    with study.session() as session:
        user = writable_rater(session, actor, rater)
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(UNDOABLE), AuditEntry.undone.is_(False))
            .order_by(AuditEntry.id.desc())
        )
        for entry in entries:
            if len(undone) >= steps:
                break
            detail = entry.after or entry.before or {}
            if detail.get("rater_id") != user.id:
                continue
            if entry.action == "memo":  # a coding's own write path holds its done rule
                _check_not_done(session, user.id, detail["transcript_id"], rater)
            _reverse(session, actor, entry)
            entry.undone = True
            audit(session, actor.name, "undo", entry.target, before=entry.after, after=entry.before)
            undone.append(f"{entry.action} {entry.target}")
    return undone


def _reverse(session: Session, actor: Actor, entry: AuditEntry) -> None:
    if entry.action in ("coding.apply", "coding.remove", "coding.memo"):
        key = CodingKey.from_detail(entry.after or entry.before)
        if entry.action == "coding.apply":
            write = CodingWrite(key, applied=False)
        else:
            write = CodingWrite(key, applied=True, memo=entry.before.get("memo") or "")
        write_codings(session, actor, [write], audited=False, carried=True)  # puts back what was there
    elif entry.action == "memo":  # restored as a new version: the undone text stays in the history
        before = entry.before
        memos.save(session, actor, memos.MemoKey(before["rater_id"], before["transcript_id"], before["segment_id"]),
                   before["text"], action="memo.undo")
    session.flush()


def _check_not_done(session: Session, rater_id: int, transcript_id: int, rater: str) -> None:
    status = session.get(TranscriptStatus, (rater_id, transcript_id))
    if status is not None and status.done:
        raise NotAllowed(f"{rater} marked this transcript done; reopen it before changing its codings")


# -- reads -------------------------------------------------------------------------


def codings_of(study: Study, asker: Actor, rater: str, transcript: str | None = None) -> list[CodingRow]:
    """One rater's codings, readable by that rater and by admins only."""
    asker.require_rater(rater, "read the codings")
    with study.session() as session:
        user = rater_user(session, rater)
        query = select(Coding).where(Coding.rater_id == user.id)
        if transcript is not None:
            query = query.where(Coding.transcript_id == find_transcript(session, transcript).id)
        rows = session.scalars(query.order_by(Coding.transcript_id, Coding.segment_id, Coding.code_id)).all()
        return [
            CodingRow(rater, c.transcript.name, c.segment.index if c.segment else None, c.code.ref, c.memo, c.span)
            for c in sorted(rows, key=lambda c: (c.transcript_id, c.segment.index if c.segment else -1,
                                                 c.span or (-1, -1), c.code_id))
        ]


def memos_of(session: Session, asker: Actor, rater_id: int, transcript_id: int) -> dict[int | None, str]:
    """{segment id (None: the transcript's memo): text} of one rater on one transcript (``memo_texts``)."""
    return memo_texts(session, asker, [rater_id], [transcript_id]).get((rater_id, transcript_id), {})


def memo_texts(session: Session, asker: Actor, rater_ids: Sequence[int], transcript_ids: Sequence[int]
               ) -> dict[tuple[int, int], dict[int | None, str]]:
    """{(rater id, transcript id): {segment id (None: the transcript's memo): text}} of the raters'
    memos on the transcripts, as stored (blank ones too), each in the order first written. A rater
    holds one memo a segment (the schema's unique key). A coder reads their own only."""
    for rater_id in rater_ids:
        require_rater_id(session, asker, rater_id, "read the memos")
    found: dict[tuple[int, int], dict[int | None, str]] = {}
    for chunk in _chunks(sorted(set(transcript_ids))):
        for rater_id, transcript_id, segment_id, text in session.execute(
                select(Memo.rater_id, Memo.transcript_id, Memo.segment_id, Memo.text)
                .where(Memo.rater_id.in_(list(rater_ids)), Memo.transcript_id.in_(chunk)).order_by(Memo.id)):
            found.setdefault((rater_id, transcript_id), {})[segment_id] = text
    return found


def done_transcripts(session: Session, asker: Actor, rater_id: int,
                     transcript_ids: Sequence[int] | None = None) -> set[int]:
    """Ids of the transcripts (of ``transcript_ids``; None: all) the rater marked done (a coder
    asks about their own only)."""
    require_rater_id(session, asker, rater_id, "see the finished transcripts")
    query = select(TranscriptStatus.transcript_id).where(TranscriptStatus.rater_id == rater_id,
                                                         TranscriptStatus.done.is_(True))
    if transcript_ids is not None:
        query = query.where(TranscriptStatus.transcript_id.in_(list(transcript_ids)))
    return set(session.scalars(query))


# -- CSV exchange ------------------------------------------------------------------

class ImportedCodings(int):
    """How many codings an import stored, and ``new_rater``: whether it added its rater as a user."""

    new_rater: bool = False

    @classmethod
    def of(cls, count: int, new_rater: bool) -> ImportedCodings:
        imported = cls(count)
        imported.new_rater = new_rater
        return imported


def import_codings_csv(study: Study, actor: Actor, rater: str, path: Path) -> ImportedCodings:
    """Apply every row of a codings CSV for ``rater`` (added as a new rater when unknown: the file
    is another coder's work), all or nothing. Returns how many codings changed what is stored
    (a row repeating a stored coding changes nothing) and whether the rater is new."""
    path = Path(path)
    with bulk.rows_in_bulk():
        return _import_codings_rows(study, actor, rater, path, _read_codings_csv(path))


def _import_codings_rows(study: Study, actor: Actor, rater: str, path: Path, rows: list[tuple[int, dict]]
                         ) -> ImportedCodings:
    def work(session: Session) -> ImportedCodings:
        user, new_rater = importing_rater(session, actor, rater)
        targets = _CodingTargets(session, user)
        targets.read_transcripts({row["transcript"].strip() for _, row in rows})
        problems: list[str] = []
        for line, row in rows:
            try:
                targets.add(line, row)
            except StudyError as exc:
                problems.append(f"{path}, line {line}: {exc}")
        problems.extend(f"{path}, {conflict}" for conflict in targets.conflicts())
        if problems:  # raising inside the transaction rolls every row back
            raise CodingsFileError(f"{path}: nothing was applied; fix these rows:\n" + "\n".join(problems))
        return ImportedCodings.of(write_codings(session, actor, targets.writes(), segments=targets.segments),
                                  new_rater)

    return study.transaction(work)


class _CodingTargets:
    """Resolves a CSV's rows to coding writes, reading the transcripts' segments in a few queries."""

    def __init__(self, session: Session, rater: User):
        self.session, self.rater_id = session, rater.id  # ids as ints: an import reads them once per row
        self.codes = codes_mod.all_codes(session, include_retired=True)
        self._code_by_ref: dict[str, int] = {}  # reference as written -> code id
        self._transcripts: dict[str, tuple[_Named, dict[int, int]]] = {}
        self.segments: dict[int, SegmentFacts] = {}  # every segment of the transcripts read, as write_codings checks them
        self._rows: dict[CodingKey, list[tuple[int, str | None]]] = {}  # key -> [(line, memo)] in file order

    def add(self, line: int, row: dict) -> None:
        # Once per row of a file of tens of thousands: the lookups read their dicts first.
        name, ref = row["transcript"].strip(), row["code"]
        transcript, segment_ids = self._transcripts.get(name) or self._transcript(name)
        code_id = self._code_by_ref.get(ref) or self._code_id(ref)
        index = _segment_index(row.get("segment", ""))
        segment_id = None
        if index is not None:
            segment_id = segment_ids.get(index)
            if segment_id is None:
                raise NotFound(f"transcript {transcript.name!r} has no segment {index} (it has {len(segment_ids)})")
        span = _span(row) if row.get("start") or row.get("end") else None
        key = CodingKey(self.rater_id, transcript.id, segment_id, code_id, span)
        memo = row.get("memo") or None
        self._rows.setdefault(key, []).append((line, memos.check_text(memo) if memo is not None else None))

    def conflicts(self) -> list[str]:
        """Rows giving one coding two different memos: the file does not say which is meant."""
        found = []
        for rows in self._rows.values():
            memos = [(line, memo) for line, memo in rows if memo is not None]
            for line, memo in memos[1:]:
                if memo != memos[0][1]:
                    found.append(f"lines {memos[0][0]} and {line}: the same coding with two different memos; "
                                 "keep one of them")
        return found

    def writes(self) -> list[CodingWrite]:
        return [CodingWrite(key, True, _first_memo(rows)) for key, rows in self._rows.items()]

    def _code_id(self, ref: str) -> int:
        if ref not in self._code_by_ref:
            self._code_by_ref[ref] = codes_mod.resolve(self.session, ref, self.codes).id
        return self._code_by_ref[ref]

    def read_transcripts(self, names: set[str]) -> None:
        """The named transcripts that exist, with their segments' ids by index, in a few queries."""
        found = {}
        for chunk in _chunks(sorted(names)):
            found.update(self.session.execute(
                select(Transcript.id, Transcript.name).where(Transcript.name.in_(chunk))).all())
        segments: dict[int, dict[int, int]] = {tid: {} for tid in found}
        read = segments_of(self.session, found)
        for sid, tid, index, _, _ in read.values():
            segments[tid][index] = sid
        self.segments.update(read)
        self._transcripts.update((name, (_Named(tid, name), segments[tid])) for tid, name in found.items())

    def _transcript(self, name: str) -> tuple[_Named, dict[int, int]]:
        if name not in self._transcripts:
            transcript = find_transcript(self.session, name)  # says there is no such transcript
            self.read_transcripts({transcript.name})
        return self._transcripts[name]


def _first_memo(rows: list[tuple[int, str | None]]) -> str | None:
    for _, memo in rows:
        if memo is not None:
            return memo
    return None


CSV_COLUMNS = ("transcript", "segment", "code")  # required; memo, start and end are optional


def _read_codings_csv(path: Path) -> list[tuple[int, dict]]:
    """The rows with the line each starts on. A quote left open would swallow the rows after it
    into one memo, so such a file is refused with the line the quote opens on."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CodingsFileError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise CodingsFileError(f"{path}: not UTF-8 text", "save the CSV as UTF-8") from None
    if problem := unclosed_quote(text, "transcript"):
        raise CodingsFileError(f"{path}, {problem}; nothing was applied", QUOTE_FIX)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    if missing := set(CSV_COLUMNS) - set(header):
        raise CodingsFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}",
                               "the header must be transcript,segment,code[,memo][,start,end]")
    width, rows, line = len(header), [], reader.line_num + 1
    for cells in reader:
        if not cells:  # a blank line
            line = reader.line_num + 1
            continue
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):  # cells past the header: never dropped
            raise CodingsFileError(f"{path}, {extra_cells_problem(line, len(cells), width)}; "
                                   "nothing was applied", EXTRA_CELLS_FIX)
        row = dict(zip(header, cells))
        if len(cells) < width:  # a short row: its missing cells are empty
            row.update((name, "") for name in header[len(cells):] if name not in row)
        rows.append((line, row))
        line = reader.line_num + 1
    return rows


def _span(row: dict) -> Span | None:
    start, end = (row.get("start") or "").strip(), (row.get("end") or "").strip()
    if not start and not end:
        return None
    try:
        return int(start), int(end)
    except ValueError:
        raise BadValue(f"start {start!r} and end {end!r} must be character offsets in the transcript "
                         "(whole numbers), or both empty for the whole segment") from None


def _segment_index(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return WHOLE
    try:
        return int(value)
    except ValueError:
        raise BadValue(f"segment {value!r} is not a segment index (a whole number, or empty for the whole transcript)") from None


EXPORT_COLUMNS = ("transcript", "segment", "code", "memo", "rater", "start", "end")  # what the import reads


def export_codings(study: Study, asker: Actor, rater: str) -> list[dict]:
    return [
        {"transcript": r.transcript, "segment": "" if r.segment is None else r.segment, "code": r.code,
         "memo": r.memo or "", "rater": r.rater, "start": r.span[0] if r.span else "",
         "end": r.span[1] if r.span else ""}
        for r in codings_of(study, asker, rater)
    ]


# -- who may read codings, and the frames suggestions read -----------------------------


def check_may_read_codings(asker: Actor, raters) -> None:
    """Admins read anyone's codings; a coder only their own."""
    for rater in raters:
        asker.require_rater(rater, "read the codings")


def check_may_compare(session: Session, asker: Actor, raters) -> None:
    """An admin compares any raters; a coder only themselves with others, and only while the
    admin lets coders see agreement."""
    if asker.is_admin:
        return
    if get_setting(session, CODERS_SEE_AGREEMENT) != "yes":
        raise NotAllowed("agreement is shown to coders only when the admin allows it; ask your study's admin")
    if asker.name not in raters:
        raise NotAllowed(f"{asker.name} may compare only their own codings with others'")


SEGMENT_COLUMNS = ["transcript", "transcript_id", "participant", "date", "segment_id", "segment", "speaker",
                   "role", "start", "end", "text", "timestamp"]


def segments_frame(study: Study, transcripts: list[str] | None = None) -> pd.DataFrame:
    """Every segment (of the named transcripts, or all) with its text, in reading order."""
    with study.session() as session:
        query = select(Transcript).order_by(Transcript.id)
        if transcripts is not None:
            query = query.where(Transcript.name.in_(transcripts))
        records = [
            {"transcript": t.name, "transcript_id": t.id, "participant": t.participant.label if t.participant else None,
             "date": t.interview_date, "segment_id": s.id, "segment": s.index, "speaker": s.speaker, "role": s.role,
             "start": s.start, "end": s.end, "text": t.text[s.start:s.end], "timestamp": s.timestamp}
            for t in session.scalars(query) for s in t.segments
        ]
    import pandas as pd

    return pd.DataFrame.from_records(records, columns=SEGMENT_COLUMNS)


def done_by(study: Study, asker: Actor, raters: list[str]) -> dict[str, set[str]]:
    """{rater: names of the transcripts the rater marked done}. Coders ask about themselves only."""
    for rater in raters:
        asker.require_rater(rater, "see the finished transcripts")
    with study.session() as session:
        result = {}
        for rater in raters:
            user = rater_user(session, rater)
            ids = done_transcripts(session, asker, user.id)
            result[rater] = set(session.scalars(select(Transcript.name).where(Transcript.id.in_(ids)))) if ids else set()
        return result
