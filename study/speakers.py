"""The speakers of a stored transcript, and fixing them after import: a speaker's role, name,
or two speakers who are one person.

Only who speaks changes: segments keep their ids, so codings, memos and adjudicators' decisions
stay where they are; participant-only counts and agreement follow at once. Each change is one
transaction and one audit entry.

Example: ``set_speaker_role(study, CLI, "P01", "A5", "interviewer")``
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from .auth import Actor
from .errors import Conflict, NotFound, StudyError
from .names import check_name
from .roles import INTERVIEWER, check_role
from .store import AuditEntry, Segment, Study, Transcript, audit

SET_ROLE, RENAME, MERGE = "speaker.role", "speaker.rename", "speaker.merge"


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
        stored = stored_transcript(session, transcript)
        return _speakers(session, stored)


def set_speaker_role(study: Study, actor: Actor, transcript: str, speaker: str, role: str) -> StoredSpeaker:
    """Make ``speaker`` (any case) of ``transcript`` an interviewer, a participant or other; audited."""
    actor.require_admin("change a speaker's role")
    role = check_role(role)
    with study.session() as session:
        stored = stored_transcript(session, transcript)
        name = speaker_name(stored, speaker)
        before = next(s.role for s in stored.segments if s.speaker == name)
        session.execute(update(Segment).where(Segment.transcript_id == stored.id, Segment.speaker == name)
                        .values(role=role))
        session.expire(stored, ["segments"])
        stored.interviewer = main_interviewer_of(stored)
        audit(session, actor.name, SET_ROLE, f"{stored.name}/{name}", before={"role": before}, after={"role": role})
        session.flush()
        return next(s for s in _speakers(session, stored) if s.name == name)


def rename_speaker(study: Study, actor: Actor, transcript: str, speaker: str, new: str) -> StoredSpeaker:
    """Call ``speaker`` (any case) of ``transcript`` ``new`` in every turn; audited. A name another
    speaker of the transcript has is refused: that is a merge (``merge_speakers``)."""
    actor.require_admin("rename a speaker")
    new = check_name("speaker", new)
    with study.session() as session:
        stored = stored_transcript(session, transcript)
        name = speaker_name(stored, speaker)
        if new == name:
            raise StudyError(f"{name!r} is already called so in {stored.name}")
        other = next((s for s in _names(stored) if s != name and s.casefold() == new.casefold()), None)
        if other is not None:
            raise Conflict(f"{stored.name} has a speaker named {other!r} already",
                           f"merge {name!r} into {other!r} instead", remedy="merge_speakers",
                           speaker=name, into=other)
        _respeak(session, stored, {name: new})
        audit(session, actor.name, RENAME, f"{stored.name}/{name}", before={"speaker": name},
              after={"speaker": new, "turns": _turn_count(stored, new)})
        session.flush()
        return next(s for s in _speakers(session, stored) if s.name == new)


def merge_speakers(study: Study, actor: Actor, transcript: str, speaker: str, into: str) -> StoredSpeaker:
    """Give every turn of ``speaker`` to ``into`` (one person read as two labels), who keeps their
    role; audited with both speakers' turns and roles."""
    actor.require_admin("merge speakers")
    with study.session() as session:
        stored = stored_transcript(session, transcript)
        name, target = speaker_name(stored, speaker), speaker_name(stored, into)
        if name == target:
            raise Conflict(f"{name!r} and {into!r} are the same speaker of {stored.name}")
        roles = {s.speaker: s.role for s in stored.segments}
        turns = _turn_count(stored, name)
        _respeak(session, stored, {name: target}, role=roles[target])
        audit(session, actor.name, MERGE, f"{stored.name}/{name}",
              before={"speaker": name, "role": roles[name], "turns": turns},
              after={"speaker": target, "role": roles[target], "turns": _turn_count(stored, target)})
        session.flush()
        return next(s for s in _speakers(session, stored) if s.name == target)


def _respeak(session: Session, transcript: Transcript, names: dict[str, str], role: str | None = None) -> None:
    """Every turn and segment of the speakers named (keys) given to their new names (values), and
    ``role`` when given; the transcript's interviewer follows."""
    for old, new in names.items():
        values = {"speaker": new} if role is None else {"speaker": new, "role": role}
        session.execute(update(Segment).where(Segment.transcript_id == transcript.id, Segment.speaker == old)
                        .values(**values).execution_options(synchronize_session=False))
    transcript.turns = [[names.get(turn[0], turn[0]), *turn[1:]] for turn in transcript.turns]
    session.flush()
    session.expire(transcript, ["segments"])
    transcript.interviewer = main_interviewer_of(transcript)


def _turn_count(transcript: Transcript, speaker: str) -> int:
    return sum(1 for turn in transcript.turns if turn[0] == speaker)


def _names(transcript: Transcript) -> list[str]:
    return list(dict.fromkeys(s.speaker for s in transcript.segments))


def stored_transcript(session: Session, name: str) -> Transcript:
    """The stored transcript called ``name``, or NotFound."""
    stored = session.scalar(select(Transcript).where(Transcript.name == name))
    if stored is None:
        raise NotFound(f"no transcript named {name!r}", "the transcripts list gives the names",
                       remedy="list_transcripts")
    return stored


def speaker_name(transcript: Transcript, speaker: str) -> str:
    """The stored spelling of ``speaker`` (any case) in ``transcript``, or NotFound naming them all."""
    names = _names(transcript)
    match = next((n for n in names if n.casefold() == speaker.strip().casefold()), None)
    if match is None:
        raise NotFound(f"no speaker {speaker!r} in {transcript.name}", f"speakers: {', '.join(names) or 'none'}")
    return match


def main_interviewer_of(transcript: Transcript) -> str | None:
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
            and_(AuditEntry.action.in_((SET_ROLE, RENAME, MERGE)), AuditEntry.target.startswith(prefix, autoescape=True)),
        )).order_by(AuditEntry.id)
    )
    reasons: dict[str, str] = {}
    for entry in entries:
        if entry.action == SET_ROLE:
            reasons[entry.target[len(prefix):]] = f"set by {entry.actor} on {entry.at:%Y-%m-%d}"
        elif entry.action == RENAME and entry.target[len(prefix):] in reasons:
            reasons[(entry.after or {}).get("speaker", "")] = reasons.pop(entry.target[len(prefix):])
        else:
            roles = (entry.after or {}).get("roles") or {}
            reasons = {name: f"on import: {said.get('reason', '')}" for name, said in roles.items()
                       if isinstance(said, dict)}
    return reasons
