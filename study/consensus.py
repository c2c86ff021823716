"""Carrying the raters' agreements into the consensus: on every undecided segment of the given
transcripts, the consensus rater's codes become exactly the codes every compared rater applied
there (on the spans they applied them to), recorded as decisions ``agreed``.

This is what marking a transcript done does once every compared rater has finished it
(``carry_finished``), for a whole batch of transcripts in a few set-based reads and bulk writes,
so marking 500 transcripts done costs what 500 transcripts' codings cost to read once, not 500
rounds of queries. It needs only the store and the one coding write path: ``codings`` calls it
without importing ``adjudication`` (which builds on ``codings``), and ``adjudication`` names its
rules from here.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Iterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import bulk, compared
from . import codes as codes_mod
from .auth import CLI, Actor, consensus_user, rater_user
from .coding_write import CodingKey, CodingWrite, write_codings
from .excluded import excluded_query
from .store import AuditEntry, Coding, Resolution, Segment, Transcript, TranscriptStatus, User, utcnow

AGREED = "agreed"
AUTOMATIC = "automatic"  # the adjudicator named on agreements carried when a transcript is finished
CARRIED_ON_DONE = "every compared rater applied these codes; carried when the last of them finished the transcript"
_CHUNK = 500  # transcripts per batch of reads


@dataclass(frozen=True)
class AutoResult:
    """What carrying the agreements did."""

    units: int
    agreed_units: int
    codes_added: int
    codes_removed: int
    disputed_units: int
    kept_units: int  # units an adjudicator already resolved: left as decided


def raters_key(raters: Sequence[str]) -> str:
    """How decisions name the raters they were made between: the sorted names, comma-joined."""
    return ",".join(sorted(raters))


def consensus_raters(session: Session) -> tuple[str, ...]:
    """The raters the consensus is built from: those of the latest decision; before any, every
    person who has marked a transcript done (suggestion pseudo-raters left out)."""
    key = session.scalar(select(Resolution.raters).order_by(Resolution.id.desc()).limit(1))
    if key:
        return tuple(key.split(","))
    suggesters = select(AuditEntry.target).where(AuditEntry.action == "suggest")
    return tuple(session.scalars(
        select(User.name).join(TranscriptStatus, TranscriptStatus.rater_id == User.id)
        .where(TranscriptStatus.done.is_(True), User.role != "system", User.name.not_in(suggesters))
        .group_by(User.name).order_by(User.name)))


def carry_finished(session: Session, transcript_ids: Sequence[int]) -> tuple[tuple[str, ...], dict[int, AutoResult]]:
    """Carry the agreements on those of ``transcript_ids`` that every compared rater
    (``consensus_raters``) has marked done: (the raters, {transcript id: what was carried} for
    those); nothing carried when fewer than two raters compare. Called where transcripts are
    marked done, in the same transaction, so the consensus never lags the raters' finished work;
    the caller audits (``carry_audit``)."""
    raters = consensus_raters(session)
    if len(raters) < 2:
        return raters, {}
    return raters, carry(session, raters, finished_and_counted(session, raters, transcript_ids), AUTOMATIC,
                         CARRIED_ON_DONE)


def finished_and_counted(session: Session, raters: Sequence[str],
                         transcript_ids: Sequence[int] | None = None) -> list[int]:
    """Those of ``transcript_ids`` (all transcripts when None) that every one of ``raters`` marked
    done and no admin excluded, in the order given (by id when all): the one rule of which
    transcripts the consensus is built on, for marking done, ``--auto``, a decision and coverage
    alike. An excluded transcript gets nothing carried; including it again carries it
    (``study.exclusion.include``)."""
    ids = list(_rater_ids(session, raters).values())
    query = (select(TranscriptStatus.transcript_id).where(
        TranscriptStatus.rater_id.in_(ids), TranscriptStatus.done.is_(True),
        TranscriptStatus.transcript_id.not_in(excluded_query()))
        .group_by(TranscriptStatus.transcript_id).having(func.count() == len(ids)))
    if transcript_ids is None:
        return sorted(session.scalars(query))
    finished: set[int] = set()
    for chunk in chunks(sorted(set(transcript_ids))):
        finished.update(session.scalars(query.where(TranscriptStatus.transcript_id.in_(chunk))))
    return [t for t in dict.fromkeys(transcript_ids) if t in finished]


def carry_audit(actor: Actor, raters: Sequence[str], name: str, result: AutoResult) -> dict:
    """The audit entry of one transcript's carried agreements (``adjudicate.carry``)."""
    return {"actor": actor.name, "action": "adjudicate.carry", "target": name,
            "before": None, "after": {"raters": raters_key(raters), **asdict(result)}}


def carry(session: Session, raters: Sequence[str], transcript_ids: Sequence[int], adjudicator: str,
          reason: str) -> dict[int, AutoResult]:
    """Make the consensus of every undecided segment of the transcripts exactly the codes all
    ``raters`` applied there, on the spans they applied them to (the one rule of carrying, for
    marking done and ``adjudication.auto_adjudicate`` alike); {transcript id: what changed}. Reads
    each batch of transcripts in a few grouped queries (``compared``) and writes the consensus
    codings and the decisions in bulk."""
    results: dict[int, AutoResult] = {}
    codebook = codes_mod.all_codes(session, include_retired=True)
    order = {c.id: n for n, c in enumerate(codebook)}  # decisions list their codes in codebook order
    refs = {c.id: c.ref for c in codebook}
    consensus = consensus_user(session)
    key = raters_key(raters)
    for chunk, batch in _batches(session, raters, transcript_ids):
        writes, decisions = [], []
        for transcript_id in chunk:
            counts = [0, 0, 0, 0, 0, 0]  # units, agreed, added, removed, disputed, kept
            for segment_id in batch.segments.get(transcript_id, ()):
                counts[0] += 1
                counts[4] += segment_id in batch.disputed
                latest = batch.latest.get(segment_id)
                current = batch.current.get(segment_id, set())
                if latest is None and not current and segment_id not in batch.agreed:
                    continue  # nothing agreed, held or decided: nothing to carry (most segments, most times)
                if latest is not None and latest.decision != AGREED:
                    counts[5] += 1
                    continue
                agreed = sorted(batch.agreed.get(segment_id, ()), key=order.__getitem__)
                wanted = {unit for c in agreed for unit in batch.units(segment_id, c)}
                writes += [CodingWrite(CodingKey(consensus.id, transcript_id, segment_id, c, span), applied=False)
                           for c, span in sorted(current - wanted, key=str)]
                writes += [CodingWrite(CodingKey(consensus.id, transcript_id, segment_id, c, span))
                           for c, span in sorted(wanted - current, key=str)]
                counts[1] += bool(agreed)
                counts[2] += len(wanted - current)
                counts[3] += len(current - wanted)
                codes = [refs[c] for c in agreed]
                if (latest is None and codes) or (latest is not None and list(latest.codes) != codes):
                    decisions.append({"raters": key, "transcript_id": transcript_id, "segment_id": segment_id,
                                      "decision": AGREED, "codes": codes, "adjudicator": adjudicator,
                                      "reason": reason, "at": utcnow()})
            units, agreed_units, added, removed, disputed, kept = counts
            results[transcript_id] = AutoResult(units, agreed_units, added, removed, disputed, kept)
        # the decision is what is recorded; the writes settle codings the raters made (a since-retired code among them)
        write_codings(session, CLI, writes, audited=False, consensus=True, carried=True)
        bulk.insert_rows(session, Resolution.__table__, decisions)
    return results


def _batches(session: Session, raters: Sequence[str], transcript_ids: Sequence[int]) -> Iterator[tuple[list[int], Batch]]:
    """The transcripts in batches, each with what carrying reads of it (``Batch``)."""
    ids = list(_rater_ids(session, raters).values())
    consensus, key = consensus_user(session).id, raters_key(raters)
    for chunk in chunks(list(transcript_ids)):
        yield chunk, Batch(session, chunk, ids, consensus, key)


class Batch:
    """What carrying (and what the consensus covers) needs of a batch of transcripts: their
    segments in reading order, the codes every rater applied on each and the disputed segments
    (``compared.agreed``, ``compared.disputed_segments``), the spans they applied them to, the
    latest decisions, and the consensus's codes."""

    def __init__(self, session: Session, transcript_ids: list[int], rater_ids: list[int], consensus_id: int,
                 key: str):
        self.segments: dict[int, list[int]] = defaultdict(list)
        for transcript_id, segment_id in session.execute(
                select(Segment.transcript_id, Segment.id).where(Segment.transcript_id.in_(transcript_ids))
                .order_by(Segment.transcript_id, Segment.index)):
            self.segments[transcript_id].append(segment_id)
        # segment -> the codes every rater applied there; where some applied one to the whole segment;
        # the segments where some applied a code the others did not (both reduced in the database)
        self.agreed: dict[int, list[int]] = defaultdict(list)
        self._whole: set[tuple[int, int]] = set()
        for _, segment_id, code_id, whole in compared.agreed(session, transcript_ids, rater_ids):
            self.agreed[segment_id].append(code_id)
            if whole:
                self._whole.add((segment_id, code_id))
        self.disputed = compared.disputed_segments(session, transcript_ids, rater_ids)
        self._spans: dict[tuple[int, int], set] = defaultdict(set)
        for segment_id, code_id, start, end in compared.spans_applied(session, transcript_ids, rater_ids):
            self._spans[(segment_id, code_id)].add((code_id, (start, end)))
        self.latest: dict[int, Resolution] = {}
        for row in session.execute(
                select(Resolution.segment_id, Resolution.decision, Resolution.codes)
                .where(Resolution.raters == key, Resolution.transcript_id.in_(transcript_ids))
                .order_by(Resolution.id)):
            self.latest[row.segment_id] = row
        self.current: dict[int, set] = defaultdict(set)
        for segment_id, code_id, start, end in session.execute(
                select(Coding.segment_id, Coding.code_id, Coding.span_start, Coding.span_end)
                .where(Coding.rater_id == consensus_id, Coding.transcript_id.in_(transcript_ids),
                       Coding.segment_id.is_not(None))):
            self.current[segment_id].add((code_id, None if start is None else (start, end)))

    def units(self, segment_id: int, code_id: int) -> set[tuple[int, tuple[int, int] | None]]:
        """The (code id, span) units the raters applied a code with on a segment (span None: the
        whole segment)."""
        whole = {(code_id, None)} if (segment_id, code_id) in self._whole else set()
        return whole | self._spans.get((segment_id, code_id), set())


def transcript_names(session: Session, transcript_ids: Sequence[int]) -> dict[int, str]:
    names = {}
    for chunk in chunks(sorted(set(transcript_ids))):
        names.update(session.execute(select(Transcript.id, Transcript.name).where(Transcript.id.in_(chunk))).all())
    return names


def _rater_ids(session: Session, raters: Sequence[str]) -> dict[str, int]:
    return {r: rater_user(session, r).id for r in raters}


def chunks(items: list, size: int = _CHUNK):
    """``items`` in batches of ``size`` (an IN list both backends take whole)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
