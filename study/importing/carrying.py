"""New segments in place of old ones, with the codings, memos and decisions of the old carried over
(a replaced transcript, a transcript cut anew)."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import bulk, memos
from ..auth import Actor
from ..coding_write import CodingKey, CodingWrite, write_codings
from ..segmenting import SegmentSpan
from ..store import Coding, Resolution, Segment, Transcript


def add_segments(session: Session, transcript: Transcript, spans: list[SegmentSpan]) -> None:
    """Insert the segments through the bulk path (executemany on SQLite, COPY on PostgreSQL): the
    ORM's unit of work is the slow part of an import."""
    bulk.insert_rows(session, Segment.__table__, [
        {"transcript_id": transcript.id, "index": s.index, "speaker": s.speaker, "role": s.role,
         "start": s.start, "end": s.end, "timestamp": s.timestamp}
        for s in spans
    ])
    session.expire(transcript, ["segments"])


def current_segments(session: Session, transcript: Transcript) -> list[Segment]:
    """The transcript's segments, leaving out old ones detached for replacement."""
    return list(session.scalars(
        select(Segment).where(Segment.transcript_id == transcript.id, Segment.index >= 0).order_by(Segment.index)
    ))


def detach_segments(session: Session, transcript: Transcript) -> list[tuple[Segment, str]]:
    """The transcript's segments with their texts, renumbered out of the way of new ones."""
    olds = [(s, transcript.text[s.start : s.end]) for s in transcript.segments]
    for seg, _ in olds:
        seg.index = -1 - seg.index
    session.flush()
    return olds


def carry_codings_by_text(session, actor: str, old_segments, new_segments: list[Segment]) -> list[str]:
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
                lost.append(describe_lost(coding, old.index, text))
            else:
                span = coding.span and (coding.span[0] + shift, coding.span[1] + shift)
                writes.append(moved(coding, target, span))
        write_carried(session, actor, codings, writes)
        move_notes(session, actor, old, target)
        session.delete(old)
    session.flush()
    return lost


def move_notes(session: Session, actor: str, old: Segment, target: Segment | None) -> None:
    """Memos (history and all) and adjudicators' decisions on an old segment follow it to the
    segment that takes it over; a memo with nowhere to go joins the rater's transcript memo, so no
    memo is ever lost."""
    number = -1 - old.index if old.index < 0 else old.index
    memos.carry(session, Actor(actor, "system"), old.transcript_id, old.id, target.id if target is not None else None,
                note=f"(segment {number})" if target is None else "")
    if target is not None:
        session.execute(update(Resolution).where(Resolution.segment_id == old.id).values(segment_id=target.id)
                        .execution_options(synchronize_session=False))
    session.flush()  # before the old segment's delete cascades


def describe_lost(coding: Coding, old_index: int, text: str) -> str:
    """A coding that could not be carried, as the summary lists it."""
    snippet = text if len(text) <= 60 else text[:57] + "..."
    return f"segment {-1 - old_index} {coding.code.ref} by {coding.rater.name} ({snippet!r})"


def moved(coding: Coding, target: Segment, span: tuple[int, int] | None) -> CodingWrite:
    """``coding`` on ``target`` instead (``span`` its new offsets, or None for the whole segment)."""
    return CodingWrite(CodingKey(coding.rater_id, coding.transcript_id, target.id, coding.code_id, span),
                       memo=coding.memo)


def write_carried(session: Session, actor: str, old: list[Coding], new: list[CodingWrite]) -> None:
    """The old codings removed and the carried ones written, through the one write path; the
    carrying is audited once, as the re-segmenting or replacement it belongs to."""
    removals = [CodingWrite(CodingKey.of(c), applied=False) for c in old]
    write_codings(session, Actor(actor, "system"), removals + new, audited=False, consensus=True,
                  check_done=False, carried=True)
    session.flush()
