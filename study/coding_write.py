"""The one way a coding is written: apply, remove or re-memo one (rater, unit, code, span).

Every way a coding is made or changed goes through ``write_codings``: the Code page, the CSV and
REFI-QDA imports, merging codes, undo, adjudication, carrying codings when a transcript is cut
anew. It holds the rules of a coding, so that no front end can skip one: who may write whose
codings (and only adjudication the consensus's), no change on a transcript its rater marked done,
no new coding of a retired code, a unit inside its transcript. It writes idempotently (a row a
concurrent writer stored first counts as already there, never as an error) and audits every
change in one shape, ``CodingKey.detail``, which ``codings.undo`` reads back.

Example::

    write_coding(session, actor, rater_id, segment_id, code_id, True, span=(120, 164))
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    Integer,
    Row,
    String,
    and_,
    bindparam,
    cast,
    delete,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import bulk
from .auth import Actor
from .errors import BadValue, CodebookError, NotAllowed, NotFound
from .store import (
    AuditEntry,
    Code,
    Coding,
    Segment,
    Theme,
    Transcript,
    TranscriptStatus,
    User,
    unit_key,
    utcnow,
)

Span = tuple[int, int]
_CHUNK = 500  # ids per IN (...) list, well under every backend's parameter limit


class CodingKey(NamedTuple):
    """What a coding is about: one rater, one unit (whole transcript, segment, or span inside a
    segment), one code. Two codings with the same key are the same coding. A named tuple, not a
    dataclass: a study-wide import hashes each key a dozen times, and a tuple hashes in C."""

    rater_id: int
    transcript_id: int
    segment_id: int | None  # None: the whole transcript
    code_id: int
    span: Span | None = None  # absolute transcript offsets inside the segment; None: the whole segment

    @property
    def unit_key(self) -> str:
        return unit_key(self.segment_id, self.span)

    def detail(self, memo: str | None) -> dict:
        """The audit shape of a coding: this key and its memo."""
        return {"rater_id": self.rater_id, "transcript_id": self.transcript_id, "segment_id": self.segment_id,
                "code_id": self.code_id, "span": list(self.span) if self.span else None, "memo": memo}

    @classmethod
    def from_detail(cls, detail: dict) -> CodingKey:
        span = detail.get("span")  # absent in entries written before spans existed
        return cls(detail["rater_id"], detail["transcript_id"], detail["segment_id"], detail["code_id"],
                   (int(span[0]), int(span[1])) if span else None)

    @classmethod
    def of(cls, coding: Coding) -> CodingKey:
        return cls(coding.rater_id, coding.transcript_id, coding.segment_id, coding.code_id, coding.span)


@dataclass(frozen=True)
class CodingWrite:
    """Apply (``applied``) or remove the coding ``key``; ``memo`` None leaves a stored memo as it is."""

    key: CodingKey
    applied: bool = True
    memo: str | None = None
    created: datetime | None = None  # when the coding was made, if not now (an imported project says)


def write_coding(session: Session, actor: Actor, rater_id: int, segment_id: int | None, code_id: int,
                 applied: bool, span: Span | None = None, memo: str | None = None, *,
                 transcript_id: int | None = None) -> bool:
    """Apply or remove one code for a rater on a segment, a span inside it, or (segment None, with
    ``transcript_id``) a whole transcript; returns whether anything changed."""
    if transcript_id is None:
        if segment_id is None:
            raise BadValue("a coding on a whole transcript needs the transcript")
        segment = session.get(Segment, segment_id)
        if segment is None:
            raise NotFound(f"no segment with id {segment_id}")
        transcript_id = segment.transcript_id
    key = CodingKey(rater_id, transcript_id, segment_id, code_id, span)
    return write_codings(session, actor, [CodingWrite(key, applied, memo)]) == 1


def write_codings(session: Session, actor: Actor, writes: Iterable[CodingWrite], *, audited: bool = True,
                  consensus: bool = False, check_done: bool = True, carried: bool = False,
                  segments: dict[int, SegmentFacts] | None = None) -> int:
    """Apply every write in order, all checked first; returns how many changed what is stored.

    ``audited`` False is for callers that audit the whole operation in one entry of their own
    (a merge, an import, a re-segmenting); ``consensus`` lets adjudication write the consensus
    rater, which nothing else may; ``check_done`` False is for changes a rater's "done" mark
    must not block (an admin's merge or re-segmenting); ``carried`` is for writes that move
    codings which exist already (re-segmenting, merging, adjudicating, undo), which may keep a
    retired code: a retired code is otherwise never applied anew. ``segments``: every segment of
    the transcripts written, as ``segments_of`` read them in this transaction (an import resolves
    its rows with them): not read again.

    Everything the checks need (rater, segment, code, transcript, done mark, the stored coding)
    is read in one statement per few hundred writes; a click is that read, its write and its audit."""
    writes = list(writes)
    if len(writes) < _BULK:
        return _write_all(session, actor, writes, audited, consensus, check_done, carried, None, segments)
    with bulk.held(session, Coding.__table__, len(writes)) as holding:  # what is stored stays so until the commit
        return _write_all(session, actor, writes, audited, consensus, check_done, carried, holding, segments)


def _write_all(session: Session, actor: Actor, writes: list[CodingWrite], audited: bool, consensus: bool,
               check_done: bool, carried: bool, held: bool | None, segments: dict[int, SegmentFacts] | None) -> int:
    """``write_codings``'s work; ``held`` None: a click's few writes, one by one; True: a bulk
    batch with no other writer of codings until the commit; False: a bulk batch others may race."""
    facts = _Facts(session, writes, segments)
    checks = _Checks(actor, consensus, check_done, facts)
    writes = checks.normalised(writes)
    stored = facts.stored({w.key for w in writes})
    if not carried:
        checks.refuse_retired([w for w in writes if w.applied and w.key not in stored])
    log = _AuditLog(session, actor, facts) if audited else None
    fresh = _fresh(writes, stored) if held is not None else set()
    new = [writes[n] for n in sorted(fresh)]
    if held:
        logged = _insert_held(session, new, log)
        inserted = {w.key for w in new}
    else:
        inserted, logged = _insert_all(session, new) if new else set(), False
    changed = 0
    for n, write in enumerate(writes):
        if n in fresh and write.key in inserted:
            stored[write.key] = write.memo
            if log is not None and not logged:
                log.add("coding.apply", write.key, after=write.key.detail(write.memo))
            changed += 1
            continue
        before = stored.get(write.key, _ABSENT)
        if write.applied:
            changed += _put(session, write, before, stored, log)
        elif before is not _ABSENT:
            changed += _drop(session, write.key, before, stored, log)
    if log is not None:
        log.write()
    return changed


_BULK = 50  # writes from which new codings go in bulk (a click's few go one by one, idempotently)


def _fresh(writes: list[CodingWrite], stored: dict) -> set[int]:
    """Positions of the writes that insert a coding no other write of the batch touches: these go
    in bulk; the rest (a key written twice, a stored key) one by one, in order."""
    seen: set[CodingKey] = set()
    repeated: set[CodingKey] = set()
    for write in writes:
        (repeated if write.key in seen else seen).add(write.key)
    return {n for n, write in enumerate(writes)
            if write.applied and write.key not in stored and write.key not in repeated}


def _insert_all(session: Session, writes: list[CodingWrite]) -> set[CodingKey]:
    """Insert the new codings in bulk; the keys this call stored (one a concurrent writer stored
    first goes the one-by-one way, which reads what the other writer stored)."""
    units = [w.key.unit_key for w in writes]
    now = utcnow()
    inserted = bulk.insert_new(session, Coding.__table__,
                               [_values(w.key, w.memo, w.created or now, unit) for w, unit in zip(writes, units)],
                               ("rater_id", "transcript_id", "code_id", "unit_key"))
    if len(inserted) == len(writes):  # as always but for a concurrent writer's race
        return {w.key for w in writes}
    return {w.key for w, unit in zip(writes, units)
            if (w.key.rater_id, w.key.transcript_id, w.key.code_id, unit) in inserted}


def _insert_held(session: Session, writes: list[CodingWrite], log: _AuditLog | None) -> bool:
    """Insert the new codings while no one else writes codings (``bulk.held``); whether their
    audit entries were written too (on PostgreSQL the database builds them from the rows it
    stored: ``_AuditLog.add_applied``)."""
    if not writes:
        return False
    by_database = log is not None and log.builds_applied
    first = bulk.last_id(session, Coding.__table__) if by_database else 0
    now = utcnow()
    bulk.insert_rows(session, Coding.__table__, [_row(w.key, w.memo, w.created or now) for w in writes],
                     _CODING_COLUMNS)
    if by_database:
        log.add_applied(first, writes)
    return by_database


class _AuditLog:
    """The audit entries of one batch of writes, in the order the writes were made, written
    together at the end (one statement per thousand)."""

    def __init__(self, session: Session, actor: Actor, facts: _Facts):
        self.session, self.actor, self.facts = session, actor, facts
        self.rows: list[dict] = []
        self.now = utcnow()
        self.dialect = session.get_bind().dialect.name
        self.builds_applied = self.dialect in ("postgresql", "sqlite")

    def add(self, action: str, key: CodingKey, before: dict | None = None, after: dict | None = None) -> None:
        self.rows.append({"at": self.now, "actor": self.actor.name, "action": action,
                          "target": self.facts.target(key), "before": before, "after": after, "undone": False})

    def add_applied(self, first: int, writes: list[CodingWrite]) -> None:
        """Write now the "coding.apply" entries of ``writes``, the codings just stored with ids
        above ``first`` in their order, built by the database (``builds_applied``) from the stored
        rows: the same text ``add`` writes (tests/test_coding_write.py), without a row per coding
        built, serialised and bound here (of a 75,000-coding import: 0.7 s on PostgreSQL, some 0.15 s on SQLite)."""
        table = AuditEntry.__table__
        refs = {c: self.facts.ref(c) for c in {w.key.code_id for w in writes}}
        memos = {n: json.dumps(w.memo) for n, w in enumerate(writes, start=1) if w.memo is not None}
        self.session.flush()
        values = {"at": self.now, "actor": self.actor.name, "undone": False, "first": first}
        if self.dialect == "postgresql":
            lookups = _APPLIED_LOOKUPS_POSTGRESQL
            values.update(refs=json.dumps({str(c): ref for c, ref in refs.items()}),
                          memos=json.dumps({str(n): memo for n, memo in memos.items()}))
        else:
            lookups = ""
            _sqlite_lookups(self.session, refs, memos)
        numbered = _NUMBERED_BY_ID if self._ids_follow(first, len(writes)) else _NUMBERED_BY_ROW
        self.session.execute(
            text(lookups + _APPLIED_SQL.replace("JSON_TYPE", "json" if self.dialect == "postgresql" else "TEXT")
                 .replace("NUMBERED", numbered))
            .bindparams(bindparam("at", type_=table.c.at.type), bindparam("undone", type_=table.c.undone.type)),
            values)
        if self.dialect == "sqlite":
            self.session.execute(text("DROP TABLE temp.applied_refs"))
            self.session.execute(text("DROP TABLE temp.applied_memos"))

    def _ids_follow(self, first: int, count: int) -> bool:
        """Whether the ``count`` codings just stored above ``first`` hold the ids ``first + 1`` to
        ``first + count``: their positions are then their ids less ``first``, which spares the
        database numbering them (a window over the rows, sorted again: 0.14 s of SQLite's 0.45 s
        for 75,000 entries). SQLite gives a new row the largest id plus one, so while the table
        is held they follow; PostgreSQL's sequence may have moved past the largest id."""
        if self.dialect != "sqlite":
            return False
        return self.session.execute(text("SELECT max(id) FROM codings")).scalar_one() == first + count

    def write(self) -> None:
        bulk.insert_rows(self.session, AuditEntry.__table__, self.rows)


# The "coding.apply" entries of the codings with ids above :first, in id order, as
# ``_AuditLog.add`` writes them: ``_Facts.target`` as target, JSON null as before,
# ``json.dumps(CodingKey.detail(memo))`` as after (integers print alike in SQL and Python; the memos
# come as JSON from Python, for its escapes). ``applied_refs`` holds (code id, reference),
# ``applied_memos`` (position among the rows, memo as JSON): on PostgreSQL read from JSON
# parameters, on SQLite temporary tables keyed by them (its planner scans a JSON table once per
# row instead of indexing it). JSON_TYPE: the type the entries' JSON is cast to (SQLite's json
# would turn 'null' into a number). NUMBERED: how a coding's position is had (``_NUMBERED_BY_ROW``
# or ``_NUMBERED_BY_ID``).
_APPLIED_LOOKUPS_POSTGRESQL = """
WITH applied_refs AS (SELECT CAST(key AS INTEGER) AS code_id, value AS ref FROM json_each_text(CAST(:refs AS json))),
     applied_memos AS (SELECT CAST(key AS INTEGER) AS n, value AS memo FROM json_each_text(CAST(:memos AS json)))"""
_APPLIED_SQL = """
INSERT INTO audit_log (at, actor, action, target, before, after, undone)
SELECT :at, :actor, 'coding.apply',
       t.name || '#' || COALESCE(CAST(s."index" AS TEXT), 'whole')
       || CASE WHEN c.span_start IS NULL THEN '' ELSE '[' || c.span_start || ':' || c.span_end || ']' END
       || ' ' || r.ref,
       CAST('null' AS JSON_TYPE),
       CAST('{"rater_id": ' || c.rater_id || ', "transcript_id": ' || c.transcript_id
            || ', "segment_id": ' || COALESCE(CAST(c.segment_id AS TEXT), 'null') || ', "code_id": ' || c.code_id
            || ', "span": ' || CASE WHEN c.span_start IS NULL THEN 'null'
                                    ELSE '[' || c.span_start || ', ' || c.span_end || ']' END
            || ', "memo": ' || COALESCE(m.memo, 'null') || '}' AS JSON_TYPE),
       :undone
FROM (SELECT codings.*, NUMBERED AS n FROM codings WHERE codings.id > :first) AS c
JOIN transcripts t ON t.id = c.transcript_id
LEFT JOIN segments s ON s.id = c.segment_id
JOIN applied_refs r ON r.code_id = c.code_id
LEFT JOIN applied_memos m ON m.n = c.n
ORDER BY c.id"""

_NUMBERED_BY_ROW = "row_number() OVER (ORDER BY codings.id)"  # a coding's position among the rows stored
_NUMBERED_BY_ID = "codings.id - :first"  # the same when the ids follow one another (``_AuditLog._ids_follow``)


def _sqlite_lookups(session: Session, refs: dict[int, str], memos: dict[int, str]) -> None:
    """``_APPLIED_SQL``'s lookups as SQLite temporary tables (dropped once it ran; the transaction
    undoes them with the rest if it fails)."""
    session.execute(text("CREATE TEMP TABLE applied_refs (code_id INTEGER PRIMARY KEY, ref TEXT NOT NULL)"))
    session.execute(text("CREATE TEMP TABLE applied_memos (n INTEGER PRIMARY KEY, memo TEXT NOT NULL)"))
    session.execute(text("INSERT INTO temp.applied_refs VALUES (:code_id, :ref)"),
                    [{"code_id": c, "ref": ref} for c, ref in refs.items()])
    if memos:
        session.execute(text("INSERT INTO temp.applied_memos VALUES (:n, :memo)"),
                        [{"n": n, "memo": memo} for n, memo in memos.items()])


_ABSENT = object()  # "no such coding" in the stored-memo map (a memo itself may be None)


def _put(session: Session, write: CodingWrite, before, stored: dict, log: _AuditLog | None) -> int:
    """Store one applied coding (or its new memo); ``log`` None: not audited."""
    key, memo = write.key, write.memo
    if before is _ABSENT:
        if not _insert(session, key, memo, write.created):  # a concurrent writer stored it first: the same coding
            before = session.scalar(select(Coding.memo).where(*_where(key)))
        else:
            stored[key] = memo
            if log is not None:
                log.add("coding.apply", key, after=key.detail(memo))
            return 1
    if memo is None or memo == before:
        return 0
    session.execute(update(Coding).where(*_where(key)).values(memo=memo or None)
                    .execution_options(synchronize_session=False))
    stored[key] = memo
    if log is not None:
        log.add("coding.memo", key, before=key.detail(before), after=key.detail(memo))
    return 1


def _drop(session: Session, key: CodingKey, before, stored: dict, log: _AuditLog | None) -> int:
    result = session.execute(delete(Coding).where(*_where(key)).execution_options(synchronize_session="fetch"))
    stored.pop(key, None)
    if result.rowcount == 0:  # a concurrent writer removed it first
        return 0
    if log is not None:
        log.add("coding.remove", key, before=key.detail(before))
    return 1


_CODING_COLUMNS = ("rater_id", "transcript_id", "segment_id", "code_id", "unit_key", "memo", "created_at",
                   "span_start", "span_end")


def _values(key: CodingKey, memo: str | None, created: datetime | None, unit: str | None = None) -> dict:
    """The row of a coding; ``unit``, its unit key, when the caller has it already."""
    return dict(zip(_CODING_COLUMNS, _row(key, memo, created, unit)))


def _row(key: CodingKey, memo: str | None, created: datetime | None, unit: str | None = None) -> tuple:
    """``_values`` as a tuple of ``_CODING_COLUMNS`` (a bulk insert's many rows cost less so)."""
    span = key.span
    return (key.rater_id, key.transcript_id, key.segment_id, key.code_id, unit or key.unit_key, memo or None,
            created or utcnow(), span[0] if span else None, span[1] if span else None)


def _insert(session: Session, key: CodingKey, memo: str | None, created: datetime | None) -> bool:
    """Insert unless the key is stored; whether this call stored it."""
    values = _values(key, memo, created)
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":  # each dialect's module loads where it is used (0.05 s of every command's start)
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        statement = insert(Coding.__table__).values(**values).on_conflict_do_nothing(
            index_elements=["rater_id", "transcript_id", "code_id", "unit_key"]).returning(Coding.__table__.c.id)
        return session.execute(statement).first() is not None  # no row back: the key was stored already
    try:
        with session.begin_nested():
            session.execute(Coding.__table__.insert().values(**values))
        return True
    except IntegrityError:
        return False


def _where(key: CodingKey) -> list:
    return [Coding.rater_id == key.rater_id, Coding.transcript_id == key.transcript_id,
            Coding.code_id == key.code_id, Coding.unit_key == key.unit_key]


def _stored(session: Session, keys: set[CodingKey]) -> dict[CodingKey, str | None]:
    """{key: memo} of the keys already stored."""
    found: dict[CodingKey, str | None] = {}
    by_place: dict[tuple[int, int], dict[tuple[int, str], CodingKey]] = defaultdict(dict)
    for key in keys:
        by_place[(key.rater_id, key.transcript_id)][(key.code_id, key.unit_key)] = key
    for (rater_id, transcript_id), wanted in by_place.items():
        for chunk in _chunks(sorted({unit for _, unit in wanted})):
            for code_id, unit, memo in session.execute(
                select(Coding.code_id, Coding.unit_key, Coding.memo).where(
                    Coding.rater_id == rater_id, Coding.transcript_id == transcript_id, Coding.unit_key.in_(chunk))):
                if (code_id, unit) in wanted:
                    found[wanted[(code_id, unit)]] = memo
    return found


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


_FACTS_CHUNK = 200  # writes per facts statement: SQLite takes at most 500 terms in one UNION
_BY_TABLE = 1000  # writes from which the facts are read table by table (the union costs per write)


class _Facts:
    """What the checks and the audit of a batch of writes need, read in one statement per chunk
    of writes: each write's rater, segment, code and transcript, the rater's done mark on the
    transcript, and the coding already stored under the write's key (with its memo)."""

    def __init__(self, session: Session, writes: Sequence[CodingWrite], segments: dict[int, SegmentFacts] | None = None):
        self.session = session
        self.raters: dict[int, Row] = {}  # id -> (rater_name, role)
        self.segments: dict[int, Row] = {}  # id -> (segment_transcript, segment_index, start, end)
        self.codes: dict[int, Row] = {}  # id -> (code_name, theme_id, retired)
        self.transcripts: dict[int, str] = {}  # id -> name
        self.done: set[tuple[int, int]] = set()  # (rater id, transcript id) marked done
        self._stored: dict[CodingKey, str | None] = {}
        self._looked_up: set[CodingKey] = set()
        self._refs: dict[int, str] | None = None
        if len(writes) >= _BY_TABLE:
            self._read_by_table(writes, segments)
            return
        for chunk in _chunks(writes, _FACTS_CHUNK):
            self._read(chunk)

    def _read_by_table(self, writes: Sequence[CodingWrite], segments: dict[int, SegmentFacts] | None) -> None:
        """The same facts for a bulk batch, table by table (ids in chunks): an import of a whole
        study reads each rater, segment, code and transcript once, not once per write; the
        segments not at all if the caller has read them (``segments``)."""
        users, codes = User.__table__, Code.__table__
        transcripts, status = Transcript.__table__, TranscriptStatus.__table__
        keys = [w.key for w in writes]
        self.raters = self._by_id(users, {k.rater_id for k in keys}, users.c.name.label("rater_name"), users.c.role)
        self.segments = segments if segments is not None else self._segments_of(
            {k.transcript_id for k in keys}, {k.segment_id for k in keys if k.segment_id is not None})
        self.codes = self._by_id(codes, {k.code_id for k in keys}, codes.c.name.label("code_name"),
                                 codes.c.theme_id, codes.c.retired)
        self.transcripts = {i: row.name for i, row in
                            self._by_id(transcripts, {k.transcript_id for k in keys}, transcripts.c.name).items()}
        by_rater: dict[int, set[int]] = defaultdict(set)
        for key in keys:
            by_rater[key.rater_id].add(key.transcript_id)
        for rater_id, transcript_ids in by_rater.items():
            for chunk in _chunks(sorted(transcript_ids)):
                self.done.update((rater_id, t) for t in self.session.scalars(select(status.c.transcript_id).where(
                    status.c.rater_id == rater_id, status.c.done.is_(True), status.c.transcript_id.in_(chunk))))
        self._looked_up = set(keys)
        self._stored = self._stored_of(by_rater, self._looked_up)

    def _segments_of(self, transcript_ids: set[int], wanted: set[int]) -> dict[int, SegmentFacts]:
        """The ``wanted`` segments, read transcript by transcript (an import names most segments of
        the transcripts it codes: a few statements, not one per few hundred segments). A segment of
        a transcript no write names is not found, as the checks then say."""
        return {i: row for i, row in segments_of(self.session, transcript_ids).items() if i in wanted}

    def _stored_of(self, by_rater: dict[int, set[int]], keys: set[CodingKey]) -> dict[CodingKey, str | None]:
        """{key: memo} of ``keys`` already stored, reading each rater's codings of the transcripts
        written, a few hundred transcripts per statement."""
        wanted = None  # built once a stored coding is found (a new rater's import finds none)
        codings, found = Coding.__table__, {}
        for rater_id, transcript_ids in by_rater.items():
            for chunk in _chunks(sorted(transcript_ids)):
                for transcript_id, code_id, unit, memo in self.session.execute(
                        select(codings.c.transcript_id, codings.c.code_id, codings.c.unit_key, codings.c.memo)
                        .where(codings.c.rater_id == rater_id, codings.c.transcript_id.in_(chunk))).all():
                    if wanted is None:
                        wanted = {(k.rater_id, k.transcript_id, k.code_id, k.unit_key): k for k in keys}
                    key = wanted.get((rater_id, transcript_id, code_id, unit))
                    if key is not None:
                        found[key] = memo
        return found

    def _by_id(self, table, ids: set[int], *columns) -> dict[int, Row]:
        found = {}
        for chunk in _chunks(sorted(ids)):
            found.update((row.id, row) for row in self.session.execute(
                select(table.c.id, *columns).where(table.c.id.in_(chunk))).all())
        return found

    def _read(self, writes: Sequence[CodingWrite]) -> None:
        wanted = union_all(*(select(*_typed(n, w.key)) for n, w in enumerate(writes))) if len(writes) > 1 \
            else select(*_typed(0, writes[0].key))
        w = wanted.cte("wanted")
        users, segments, codes, transcripts = User.__table__, Segment.__table__, Code.__table__, Transcript.__table__
        status, codings = TranscriptStatus.__table__, Coding.__table__
        rows = self.session.execute(
            select(w.c.n, users.c.id.label("rater_id"), users.c.name.label("rater_name"), users.c.role,
                   segments.c.id.label("segment_id"), segments.c.transcript_id.label("segment_transcript"),
                   segments.c.index.label("segment_index"), segments.c.start, segments.c.end,
                   codes.c.id.label("code_id"), codes.c.name.label("code_name"), codes.c.theme_id, codes.c.retired,
                   transcripts.c.id.label("transcript_id"), transcripts.c.name.label("transcript_name"),
                   status.c.done, codings.c.id.label("coding_id"), codings.c.memo)
            .select_from(w)
            .outerjoin(users, users.c.id == w.c.rater_id)
            .outerjoin(segments, segments.c.id == w.c.segment_id)
            .outerjoin(codes, codes.c.id == w.c.code_id)
            .outerjoin(transcripts, transcripts.c.id == w.c.transcript_id)
            .outerjoin(status, and_(status.c.rater_id == w.c.rater_id, status.c.transcript_id == w.c.transcript_id))
            .outerjoin(codings, and_(codings.c.rater_id == w.c.rater_id, codings.c.transcript_id == w.c.transcript_id,
                                     codings.c.code_id == w.c.code_id, codings.c.unit_key == w.c.unit_key))
        )
        for row in rows:
            key = writes[row.n].key
            if row.rater_id is not None:
                self.raters[row.rater_id] = row
            if row.segment_id is not None:
                self.segments[row.segment_id] = row
            if row.code_id is not None:
                self.codes[row.code_id] = row
            if row.transcript_id is not None:
                self.transcripts[row.transcript_id] = row.transcript_name
            if row.done:
                self.done.add((key.rater_id, key.transcript_id))
            self._looked_up.add(key)
            if row.coding_id is not None:
                self._stored[key] = row.memo

    def stored(self, keys: set[CodingKey]) -> dict[CodingKey, str | None]:
        """{key: memo} of the keys already stored; a key the checks changed (a span covering its
        whole segment is the segment) is looked up now."""
        missing = keys - self._looked_up
        found = {k: memo for k, memo in self._stored.items() if k in keys} if len(self._stored) < len(keys) \
            else {k: self._stored[k] for k in keys if k in self._stored}
        return {**found, **(_stored(self.session, missing) if missing else {})}

    def ref(self, code_id: int) -> str:
        """A code's reference (``Theme/Code``); the themes are read once, when first needed."""
        if self._refs is None:
            self._refs = self._read_refs()
        return self._refs.get(code_id, str(code_id))

    def _read_refs(self) -> dict[int, str]:
        """{code id: reference} of the codes the writes name."""
        from .codebook import join_ref  # the one escaping rule for references

        themes = {tid: (parent, name) for tid, parent, name in self.session.execute(
            select(Theme.__table__.c.id, Theme.__table__.c.parent_id, Theme.__table__.c.name))}

        def path(theme_id: int | None) -> tuple[str, ...]:
            return () if theme_id not in themes else path(themes[theme_id][0]) + (themes[theme_id][1],)

        return {cid: join_ref(path(code.theme_id) + (code.code_name,)) for cid, code in self.codes.items()}

    def target(self, key: CodingKey) -> str:
        """How the audit log names a coding's place: ``Transcript#3 Theme/Code`` or ``Transcript#3[10:42] ...``."""
        if key.segment_id is None:
            where = "whole"
        else:
            segment = self.segments.get(key.segment_id)
            where = str(segment.segment_index) if segment is not None else f"segment {key.segment_id}"
        span = f"[{key.span[0]}:{key.span[1]}]" if key.span else ""
        return f"{self.transcripts.get(key.transcript_id, key.transcript_id)}#{where}{span} {self.ref(key.code_id)}"


class SegmentFacts(NamedTuple):
    """What the checks know of a segment (the names ``_Facts`` reads it under)."""

    id: int
    segment_transcript: int
    segment_index: int
    start: int
    end: int


def segments_of(session: Session, transcript_ids: Iterable[int]) -> dict[int, SegmentFacts]:
    """{segment id: its facts} of every segment of the transcripts ``transcript_ids``, as the
    checks of ``write_codings`` read them, a few hundred transcripts per statement. Read through
    the driver's cursor, as plain tuples: an import reads every segment of the study (100,000 at
    L), for which SQLAlchemy's rows cost twice the read, and reading their fields by name as much
    again."""
    cursor = session.connection().connection.driver_connection.cursor()
    found = {}
    try:
        for chunk in _chunks(sorted(transcript_ids)):
            ids = ", ".join(str(int(i)) for i in chunk)  # ids the database gave: integers, no quoting
            cursor.execute(f'SELECT id, transcript_id, "index", start, "end" FROM segments '
                           f"WHERE transcript_id IN ({ids})")
            found.update((row[0], row) for row in map(SegmentFacts._make, cursor.fetchall()))
    finally:
        cursor.close()
    return found


def _typed(n: int, key: CodingKey) -> list:
    """One write's key as typed columns (PostgreSQL cannot guess the type of a bare parameter)."""
    return [cast(literal(n), Integer).label("n"), cast(literal(key.rater_id), Integer).label("rater_id"),
            cast(literal(key.transcript_id), Integer).label("transcript_id"),
            cast(literal(key.segment_id), Integer).label("segment_id"),
            cast(literal(key.code_id), Integer).label("code_id"), cast(literal(key.unit_key), String).label("unit_key")]


class _Checks:
    """Everything a batch of writes must satisfy, from the facts read once per batch."""

    def __init__(self, actor: Actor, consensus: bool, check_done: bool, facts: _Facts):
        self.actor, self.consensus, self.check_done, self.facts = actor, consensus, check_done, facts

    def normalised(self, writes: list[CodingWrite]) -> list[CodingWrite]:
        writers: set[int] = set()  # raters checked as writable: a batch's many writes share a few raters
        return [self._one(w, writers) for w in writes]

    def _one(self, write: CodingWrite, writers: set[int]) -> CodingWrite:
        key, facts = write.key, self.facts
        if key.rater_id not in writers:
            rater = facts.raters.get(key.rater_id)
            if rater is None:
                raise NotFound(f"no rater with id {key.rater_id}")
            self._check_writer(rater)
            writers.add(key.rater_id)
        if key.code_id not in facts.codes:
            raise NotFound(f"no code with id {key.code_id}; the codebook may have changed")
        if key.transcript_id not in facts.transcripts:
            raise NotFound(f"no transcript with id {key.transcript_id}")
        if self.check_done and (key.rater_id, key.transcript_id) in facts.done:
            raise NotAllowed(f"{facts.raters[key.rater_id].rater_name} marked this transcript done "
                             f"({facts.transcripts[key.transcript_id]!r}); reopen it before changing its codings")
        if write.memo is not None and "\x00" in write.memo:
            raise BadValue("a memo may not contain NUL characters; remove them")
        unit = self._unit(key)
        return write if unit is key else replace(write, key=unit)

    def refuse_retired(self, new: list[CodingWrite]) -> None:
        """A retired code keeps its codings but takes no new ones (its memo may still change)."""
        retired_ids = {code_id for code_id, code in self.facts.codes.items() if code.retired}
        retired = next((w for w in new if w.key.code_id in retired_ids), None) if retired_ids else None
        if retired is not None:
            ref = self.facts.ref(retired.key.code_id)
            raise CodebookError(f"{ref} is retired: it keeps its codings but is no longer applied",
                                "choose another code, or restore it in the codebook first",
                                remedy="restore_code", code=ref)

    def _check_writer(self, rater: Row) -> None:
        if rater.role == "system" and not self.consensus:
            raise NotAllowed(f"{rater.rater_name!r} holds the adjudicated consensus; only adjudication writes it")
        self.actor.require_rater(rater.rater_name, "change the codings")

    def _unit(self, key: CodingKey) -> CodingKey:
        """The key with its span checked against its segment; a span covering the whole segment is the segment."""
        name = self.facts.transcripts[key.transcript_id]
        if key.segment_id is None:
            if key.span is not None:
                raise BadValue(f"a span codes part of a segment; {name!r} needs a segment for the span")
            return key
        segment = self.facts.segments.get(key.segment_id)
        if segment is None or segment.segment_transcript != key.transcript_id:
            raise NotFound(f"transcript {name!r} has no segment with id "
                           f"{key.segment_id}; the transcript may have been cut anew, reload it")
        if key.span is None:
            return key
        start, end = key.span
        if not (isinstance(start, int) and isinstance(end, int) and segment.start <= start < end <= segment.end):
            raise BadValue(f"span {start}-{end} is not inside segment {segment.segment_index} of "
                             f"{name!r} (characters {segment.start}-{segment.end})")
        return key._replace(span=None) if (start, end) == (segment.start, segment.end) else key


@dataclass(frozen=True)
class CodingMove:
    """An existing coding (by its row id) onto another unit of its transcript: a segment, a span
    inside one (absolute offsets), or the whole transcript (``segment_id`` None)."""

    coding_id: int
    segment_id: int | None
    span: Span | None = None


def move_codings(session: Session, actor: Actor, moves: Sequence[CodingMove]) -> list[int]:
    """Move existing codings when an admin fixes a transcript's turns or text, keeping their rows:
    ids, memos, creation times and whatever refers to them stay. A coding whose new unit already
    holds the same coding (same rater, code and unit) joins it (memos joined) and its row goes;
    returns the ids of those. Not audited: the fix they belong to is, in one entry."""
    actor.require_admin("move codings")
    if not moves:
        return []
    table = Coding.__table__
    rows = {row.id: row for chunk in _chunks(sorted({m.coding_id for m in moves}))
            for row in session.execute(select(table).where(table.c.id.in_(chunk)))}
    segments = {s.id: s for chunk in _chunks(sorted({m.segment_id for m in moves if m.segment_id is not None}))
                for s in session.scalars(select(Segment).where(Segment.id.in_(chunk)))}
    targets = [(move, _moved_key(rows[move.coding_id], move, segments)) for move in moves]
    # out of the way first: a row moving onto a place another moving row leaves must not meet it there
    session.execute(table.update().where(table.c.id == bindparam("row_id")).values(unit_key=bindparam("moving")),
                    [{"row_id": m.coding_id, "moving": f"moving:{m.coding_id}"} for m in moves])
    taken = _taken(session, {key for _, key in targets})
    placed, joined, memos = [], [], {}
    for move, key in targets:
        row = rows[move.coding_id]
        holder = taken.get((key.rater_id, key.transcript_id, key.code_id, key.unit_key))
        if holder is None:
            taken[(key.rater_id, key.transcript_id, key.code_id, key.unit_key)] = (row.id, row.memo)
            placed.append({"row_id": row.id, "new_segment": key.segment_id, "new_key": key.unit_key,
                           "new_start": key.span[0] if key.span else None,
                           "new_end": key.span[1] if key.span else None})
        else:
            holder_id, holder_memo = holder
            memo = "\n\n".join(dict.fromkeys(m for m in (holder_memo, row.memo) if m)) or None
            taken[(key.rater_id, key.transcript_id, key.code_id, key.unit_key)] = (holder_id, memo)
            memos[holder_id] = memo
            joined.append(row.id)
    for chunk in _chunks(joined):
        session.execute(delete(Coding).where(Coding.id.in_(chunk)).execution_options(synchronize_session=False))
    if placed:
        session.execute(table.update().where(table.c.id == bindparam("row_id")).values(
            segment_id=bindparam("new_segment"), unit_key=bindparam("new_key"),
            span_start=bindparam("new_start"), span_end=bindparam("new_end")), placed)
    if memos:
        session.execute(table.update().where(table.c.id == bindparam("row_id")).values(memo=bindparam("new_memo")),
                        [{"row_id": row_id, "new_memo": memo} for row_id, memo in memos.items()])
    session.expire_all()  # the rows changed under any Coding the session holds
    return joined


def _moved_key(row, move: CodingMove, segments: dict[int, Segment]) -> CodingKey:
    """The coding's key on its new unit: a span checked inside its segment; one covering the
    whole segment is the segment (as ``write_codings`` stores it)."""
    key = CodingKey(row.rater_id, row.transcript_id, move.segment_id, row.code_id, move.span)
    if move.segment_id is None:
        return key._replace(span=None)
    segment = segments.get(move.segment_id)
    if segment is None or segment.transcript_id != row.transcript_id:
        raise NotFound(f"no segment with id {move.segment_id} in the coding's transcript")
    if key.span is None:
        return key
    start, end = key.span
    if not segment.start <= start < end <= segment.end:
        raise BadValue(f"span {start}-{end} is not inside segment {segment.index} "
                         f"(characters {segment.start}-{segment.end})")
    return key._replace(span=None) if (start, end) == (segment.start, segment.end) else key


def _taken(session: Session, keys: set[CodingKey]) -> dict[tuple, tuple[int, str | None]]:
    """{(rater, transcript, code, unit key): (row id, memo)} of the stored codings holding any of ``keys``."""
    table = Coding.__table__
    taken = {}
    by_transcript: dict[int, set[str]] = defaultdict(set)
    for key in keys:
        by_transcript[key.transcript_id].add(key.unit_key)
    wanted = {(k.rater_id, k.transcript_id, k.code_id, k.unit_key) for k in keys}
    for transcript_id, unit_keys in by_transcript.items():
        for chunk in _chunks(sorted(unit_keys)):
            for row in session.execute(select(table.c.id, table.c.rater_id, table.c.code_id, table.c.unit_key,
                                              table.c.memo)
                                       .where(table.c.transcript_id == transcript_id, table.c.unit_key.in_(chunk))):
                if (row.rater_id, transcript_id, row.code_id, row.unit_key) in wanted:
                    taken[(row.rater_id, transcript_id, row.code_id, row.unit_key)] = (row.id, row.memo)
    return taken
