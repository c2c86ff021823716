"""The speakers of a stored transcript, and changing a speaker's role after import.

Only the role changes: segments keep their ids, so codings, memos and adjudicators' decisions
stay where they are; participant-only counts and agreement follow the new role at once.

Example: ``set_speaker_role(study, CLI, "P01", "A5", "interviewer")``
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from .auth import Actor
from .errors import NotFound
from .roles import INTERVIEWER, check_role
from .store import AuditEntry, Segment, Study, Transcript, audit

SET_ROLE = "speaker.role"


@dataclass(frozen=True)
class StoredSpeaker:
    """One speaker of a stored transcript: role, turns, words, and where the role came from."""

    name: str
    role: str
    turns: int
    words: int
    reason: str


def transcript_speakers(study: Study, actor: Actor, transcript: str) -> list[StoredSpeaker]:
    """The speakers of ``transcript`` in order of first appearance."""
    with study.session() as session:
        stored = _transcript(session, transcript)
        return _speakers(session, stored)


def set_speaker_role(study: Study, actor: Actor, transcript: str, speaker: str, role: str) -> StoredSpeaker:
    """Make ``speaker`` (any case) of ``transcript`` an interviewer or a participant; audited."""
    actor.require_admin("change a speaker's role")
    role = check_role(role)
    with study.session() as session:
        stored = _transcript(session, transcript)
        name = _speaker_name(stored, speaker)
        before = next(s.role for s in stored.segments if s.speaker == name)
        session.execute(update(Segment).where(Segment.transcript_id == stored.id, Segment.speaker == name)
                        .values(role=role))
        session.expire(stored, ["segments"])
        stored.interviewer = _main_interviewer(stored)
        audit(session, actor.name, SET_ROLE, f"{stored.name}/{name}", before={"role": before}, after={"role": role})
        session.flush()
        return next(s for s in _speakers(session, stored) if s.name == name)


def _transcript(session: Session, name: str) -> Transcript:
    stored = session.scalar(select(Transcript).where(Transcript.name == name))
    if stored is None:
        raise NotFound(f"no transcript named {name!r}", "the transcripts list gives the names",
                       remedy="list_transcripts")
    return stored


def _speaker_name(transcript: Transcript, speaker: str) -> str:
    names = list(dict.fromkeys(s.speaker for s in transcript.segments))
    match = next((n for n in names if n.casefold() == speaker.strip().casefold()), None)
    if match is None:
        raise NotFound(f"no speaker {speaker!r} in {transcript.name}", f"speakers: {', '.join(names) or 'none'}")
    return match


def _main_interviewer(transcript: Transcript) -> str | None:
    """The interviewer with the most turns, as on import (``roles.main_interviewer``)."""
    turns = Counter(turn[0] for turn in transcript.turns)
    interviewers = dict.fromkeys(s.speaker for s in transcript.segments if s.role == INTERVIEWER)
    return max(interviewers, key=lambda name: turns[name], default=None)


def _speakers(session: Session, transcript: Transcript) -> list[StoredSpeaker]:
    turns = Counter(turn[0] for turn in transcript.turns)
    words: Counter[str] = Counter()
    roles: dict[str, str] = {}
    for seg in transcript.segments:
        roles.setdefault(seg.speaker, seg.role)
        words[seg.speaker] += len(transcript.text[seg.start:seg.end].split())
    set_by = _role_changes(session, transcript.name)
    return [
        StoredSpeaker(name, role, turns[name], words[name], set_by.get(name, "decided on import"))
        for name, role in roles.items()
    ]


def _role_changes(session: Session, transcript: str) -> dict[str, str]:
    """Speaker -> why they have their role: the import's reason, or who set it since and when."""
    prefix = f"{transcript}/"
    entries = session.scalars(
        select(AuditEntry).where(or_(
            and_(AuditEntry.action.in_(("import", "replace")), AuditEntry.target == transcript),
            and_(AuditEntry.action == SET_ROLE, AuditEntry.target.startswith(prefix, autoescape=True)),
        )).order_by(AuditEntry.id)
    )
    reasons: dict[str, str] = {}
    for entry in entries:
        if entry.action == SET_ROLE:
            reasons[entry.target[len(prefix):]] = f"set by {entry.actor} on {entry.at:%Y-%m-%d}"
        else:
            roles = (entry.after or {}).get("roles") or {}
            reasons = {name: f"on import: {said.get('reason', '')}" for name, said in roles.items()
                       if isinstance(said, dict)}
    return reasons
