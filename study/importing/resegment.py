"""``study resegment``: stored transcripts cut anew into another unit, codings carried by overlap,
memos and adjudicators' decisions with them."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import Actor
from ..coding_write import CodingWrite
from ..errors import BadValue, NotFound
from ..segmenting import UNITS, overlap, segment
from ..store import Coding, Segment, Study, Transcript, audit
from ..transcripts import ParsedTranscript, Turn
from .carrying import add_segments, current_segments, describe_lost, detach_segments, move_notes, moved, write_carried


@dataclass
class ResegmentSummary:
    transcripts: list[str] = field(default_factory=list)
    carried: int = 0
    not_carried: list[str] = field(default_factory=list)


def resegment(study: Study, names: list[str] | None, unit: str, actor: Actor) -> ResegmentSummary:
    """Cut transcripts anew into ``unit`` segments, carrying codings onto new segments by overlap. Admins only."""
    actor.require_admin("re-segment transcripts")
    if unit not in UNITS:
        raise BadValue(f"unknown segment unit {unit!r}; choose one of {', '.join(UNITS)}")
    summary = ResegmentSummary()
    with study.session() as session:
        query = select(Transcript).order_by(Transcript.id)
        if names:
            query = query.where(Transcript.name.in_(names))
            found = set(session.scalars(select(Transcript.name).where(Transcript.name.in_(names))))
            if missing := sorted(set(names) - found):
                raise NotFound(f"no transcript named {', '.join(missing)}", "the transcripts list gives the names",
                                 remedy="list_transcripts")
        transcripts = session.scalars(query).all()
    for transcript in transcripts:
        with study.session() as session:
            transcript = session.get(Transcript, transcript.id)
            _resegment_one(session, transcript, unit, actor.name, summary)
        summary.transcripts.append(transcript.name)
    return summary


def parsed_from_stored(transcript: Transcript) -> ParsedTranscript:
    """The stored transcript as its reading gave it: text, turns and header."""
    turns = tuple(Turn(sp, start, end, ts, hint) for sp, start, end, ts, hint in transcript.turns)
    return ParsedTranscript(transcript.text, turns, dict(transcript.header))


def _resegment_one(session: Session, transcript: Transcript, unit: str, actor: str, summary) -> None:
    parsed = parsed_from_stored(transcript)
    roles = {s.speaker: s.role for s in transcript.segments}  # as decided, or set since
    spans = segment(parsed, unit, roles)
    old_segments = detach_segments(session, transcript)
    add_segments(session, transcript, spans)
    new_segments = current_segments(session, transcript)
    for old, text in old_segments:
        targets = carry_targets((old.start, old.end), new_segments)
        codings = session.scalars(select(Coding).where(Coding.segment_id == old.id)).all()
        writes = []
        for coding in codings:
            carried = _carried(coding, targets, new_segments)
            if not carried:
                summary.not_carried.append(f"{transcript.name}: {describe_lost(coding, old.index, text)}")
                continue
            writes.extend(carried)
            summary.carried += 1
        write_carried(session, actor, codings, writes)
        move_notes(session, actor, old, targets[0] if targets else None)
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
        return [moved(coding, target, None) for target in targets]
    start, end = coding.span
    return [moved(coding, s, (max(start, s.start), min(end, s.end)))
            for s in new_segments if overlap((start, end), (s.start, s.end)) > 0]
