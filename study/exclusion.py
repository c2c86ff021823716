"""Which transcripts count: admins exclude a transcript or a participant from findings and agreement
(kept, reversible) or remove a transcript for good (what it held stays in the audit log).

Excluding a participant excludes every transcript of theirs. Findings (``study.findings``),
sources' coverage (``study.sources``), agreement units (``study.agreement.units``) and the listings
read ``excluded_transcript_ids`` (``study.excluded``) so they all leave out the same transcripts.

Example::

    exclude(study, CLI, "P13-test-upload", reason="uploaded by mistake")
    include(study, CLI, "P13-test-upload")
    remove(study, CLI, "P13-test-upload")
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import consensus
from .auth import Actor
from .errors import BadValue, Conflict, NotFound, StudyError
from .table import Column, Table, minute_text
from .store import (
    Coding,
    Exclusion,
    Memo,
    Participant,
    Resolution,
    Study,
    Transcript,
    TranscriptStatus,
    User,
    audit,
    utcnow,
)

KINDS = ("transcript", "participant")


@dataclass(frozen=True)
class ExclusionRecord:
    """One exclusion: what is left out (a transcript or a participant), by whom, when and why."""

    kind: str
    name: str
    by: str
    at: datetime
    reason: str | None
    transcripts: tuple[str, ...]  # the transcripts it leaves out

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "by": self.by, "at": self.at.isoformat(),
                "reason": self.reason, "transcripts": list(self.transcripts)}


@dataclass(frozen=True)
class Removal:
    """What ``remove`` deleted (all of it is in the audit entry)."""

    kind: str
    name: str
    transcripts: tuple[str, ...]
    segments: int
    codings: int
    memos: int


def exclude(study: Study, actor: Actor, name: str, kind: str | None = None, reason: str | None = None) -> ExclusionRecord:
    """Leave a transcript (or a participant's every transcript) out of findings and agreement."""
    actor.require_admin("exclude transcripts or participants from findings")
    with study.session() as session:
        kind, target = _find(session, name, kind)
        column = Exclusion.transcript_id if kind == "transcript" else Exclusion.participant_id
        if session.scalar(select(Exclusion).where(column == target.id)) is not None:
            raise Conflict(f"{kind} {name!r} is excluded already")
        row = Exclusion(transcript_id=target.id if kind == "transcript" else None,
                        participant_id=target.id if kind == "participant" else None,
                        reason=(reason or "").strip() or None, by=actor.name, at=utcnow())
        session.add(row)
        session.flush()
        record = _record(session, row)
        audit(session, actor.name, "exclude", f"{kind} {record.name}", after=record.to_dict())
        return record


def include(study: Study, actor: Actor, name: str, kind: str | None = None) -> ExclusionRecord:
    """Undo ``exclude``: the transcript (or participant) counts again, and the raters' agreements on
    those of its transcripts every compared rater finished are carried into the consensus, as
    marking them done would have done had they not been excluded."""
    actor.require_admin("include excluded transcripts or participants")
    with study.session() as session:
        kind, target = _find(session, name, kind)
        column = Exclusion.transcript_id if kind == "transcript" else Exclusion.participant_id
        row = session.scalar(select(Exclusion).where(column == target.id))
        if row is None:
            raise Conflict(f"{kind} {name!r} is not excluded")
        record = _record(session, row)
        session.delete(row)
        session.flush()
        audit(session, actor.name, "include", f"{kind} {record.name}", before=record.to_dict())
        _carry_included(session, actor, [target] if kind == "transcript" else list(target.transcripts))
        return record


def exclusions(study: Study) -> list[ExclusionRecord]:
    """Every exclusion in force, oldest first."""
    with study.session() as session:
        return [_record(session, row) for row in session.scalars(select(Exclusion).order_by(Exclusion.id))]


def exclusion_table(records: list[ExclusionRecord]) -> Table:
    """The exclusions in force as the one table `study exclude` lists and the Transcripts page shows."""
    columns = (Column("excluded", "excluded"), Column("transcripts", "transcripts"), Column("by", "by"),
               Column("reason", "reason"), Column("at", "at (UTC)", format=minute_text))
    rows = tuple({"excluded": f"{r.kind} {r.name}", "transcripts": ", ".join(r.transcripts), "by": r.by,
                  "reason": r.reason or "", "at": r.at} for r in records)
    return Table(title="Left out of findings and agreement", columns=columns, rows=rows, name="exclusions")


def remove(study: Study, actor: Actor, name: str, kind: str | None = None) -> Removal:
    """Delete a transcript (or a participant with every transcript of theirs) and everything coded on
    it; the audit entry keeps all of it (text, segments, codings, memos, done marks, decisions)."""
    actor.require_admin("remove transcripts or participants")
    with study.session() as session:
        kind, target = _find(session, name, kind)
        transcripts = [target] if kind == "transcript" else list(target.transcripts)
        held = [_held(session, t) for t in transcripts]
        audit(session, actor.name, "remove", f"{kind} {name}",
              before={"kind": kind, "name": name, "transcripts": held,
                      **({"attributes": dict(target.attributes or {})} if kind == "participant" else {})})
        ids = [t.id for t in transcripts]
        for table in (Resolution, Coding, Memo, TranscriptStatus, Exclusion):
            session.execute(delete(table).where(table.transcript_id.in_(ids)))
        for transcript in transcripts:
            session.delete(transcript)  # its segments go with it
        if kind == "participant":
            session.execute(delete(Exclusion).where(Exclusion.participant_id == target.id))
            session.delete(target)
        return Removal(kind, name, tuple(t.name for t in transcripts), sum(len(h["segments"]) for h in held),
                       sum(len(h["codings"]) for h in held), sum(len(h["memos"]) for h in held))


# -- internals ---------------------------------------------------------------------------


def _find(session: Session, name: str, kind: str | None) -> tuple[str, Transcript | Participant]:
    """The transcript or participant named ``name``; ``kind`` decides when both carry the name."""
    if kind is not None and kind not in KINDS:
        raise BadValue(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    transcript = session.scalar(select(Transcript).where(Transcript.name == name)) if kind != "participant" else None
    participant = (session.scalar(select(Participant).where(Participant.label == name))
                   if kind != "transcript" else None)
    if transcript is not None and participant is not None:
        raise StudyError(f"{name!r} names both a transcript and a participant; say which one is meant")
    if transcript is not None:
        return "transcript", transcript
    if participant is not None:
        return "participant", participant
    what = kind or "transcript or participant"
    raise NotFound(f"no {what} named {name!r}", "the transcripts and participants lists give the names",
                   remedy="list_transcripts_and_participants")


def _carry_included(session: Session, actor: Actor, transcripts: list[Transcript]) -> None:
    """Carry the agreements on the transcripts that count again (``consensus.carry_finished``), audited."""
    raters, carried = consensus.carry_finished(session, [t.id for t in transcripts])
    names = {t.id: t.name for t in transcripts}
    for transcript_id, result in carried.items():
        entry = consensus.carry_audit(actor, raters, names[transcript_id], result)
        audit(session, entry["actor"], entry["action"], entry["target"], after=entry["after"])


def _record(session: Session, row: Exclusion) -> ExclusionRecord:
    if row.transcript_id is not None:
        transcript = session.get(Transcript, row.transcript_id)
        return ExclusionRecord("transcript", transcript.name, row.by, row.at, row.reason, (transcript.name,))
    participant = session.get(Participant, row.participant_id)
    names = tuple(sorted(t.name for t in participant.transcripts))
    return ExclusionRecord("participant", participant.label, row.by, row.at, row.reason, names)


def _held(session: Session, transcript: Transcript) -> dict:
    """Everything a transcript holds, as JSON for the audit log."""
    raters = dict(session.execute(select(User.id, User.name)).all())
    index = {s.id: s.index for s in transcript.segments}
    where = lambda table: session.scalars(select(table).where(table.transcript_id == transcript.id))  # noqa: E731
    return {
        "name": transcript.name, "participant": transcript.participant.label if transcript.participant else None,
        "source_file": transcript.source_file, "content_hash": transcript.content_hash, "text": transcript.text,
        "unit": transcript.unit, "interviewer": transcript.interviewer, "date": transcript.interview_date,
        "header": transcript.header, "turns": transcript.turns,
        "segments": [{"index": s.index, "speaker": s.speaker, "role": s.role, "start": s.start, "end": s.end,
                      "timestamp": s.timestamp} for s in transcript.segments],
        "codings": [{"rater": raters.get(c.rater_id), "segment": index.get(c.segment_id), "code": c.code.ref,
                     "memo": c.memo} for c in where(Coding)],
        "memos": [{"rater": raters.get(m.rater_id), "segment": index.get(m.segment_id), "text": m.text}
                  for m in where(Memo)],
        "done": [raters.get(s.rater_id) for s in where(TranscriptStatus) if s.done],
        "decisions": [{"raters": r.raters, "segment": index.get(r.segment_id), "decision": r.decision,
                       "codes": list(r.codes), "by": r.adjudicator, "reason": r.reason} for r in where(Resolution)],
    }
