"""Fixing a stored transcript's turns and text after import: who speaks a turn, where a turn
ends (split one, merge two), and a typo in what was said.

Each fix is one transaction and one audit entry saying what changed. Segments keep their ids
wherever they survive, so codings, memos (history and all) and adjudicators' decisions stay on
them. A segment cut in two gives its whole-segment codings and decisions to both halves and its
spans to the half they lie in (a span across the cut is cut too); two segments made one keep
everything of both. A corrected typo shifts every span after it, and a coding whose own words
changed is kept and flagged for its rater to look at again (``flagged_codings``). After every fix,
``transcript.text[start:end]`` is each segment's text and every span lies inside its segment.

Example: ``split_turn(study, CLI, "P01", segment=4, at=37, speaker="Dana")``
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from . import memos
from .auth import Actor
from .coding_write import CodingKey, CodingMove, CodingWrite, move_codings, write_codings
from .errors import BadValue, Conflict, NotFound, StudyError
from .names import check_name
from .roles import PARTICIPANT, check_role, label_role
from .speakers import main_interviewer_of, stored_transcript
from .store import Coding, CodingFlag, Resolution, Segment, Study, Transcript, User, audit, utcnow

TURN_SPEAKER, SPLIT, MERGE, CORRECT = "turn.speaker", "turn.split", "turn.merge", "text.correct"


@dataclass(frozen=True)
class Fixed:
    """What a fix did, in one line, and the codings it flagged (their words changed)."""

    transcript: str
    said: str
    flagged: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlaggedCoding:
    transcript: str
    segment: int | None
    rater: str
    code: str
    span: tuple[int, int] | None
    text: str  # the words the coding is on now
    reason: str
    by: str
    at: datetime


def change_turn_speaker(study: Study, actor: Actor, transcript: str, segment: int, speaker: str,
                        role: str | None = None) -> Fixed:
    """Give the turn holding ``segment`` to ``speaker``: one of the transcript's speakers (who keeps
    their role), or a new one (``role``, else the role their name says, else participant)."""
    actor.require_admin("change who speaks a turn")
    speaker = check_name("speaker", speaker)
    with study.session() as session:
        stored = stored_transcript(session, transcript)
        seg = _segment(session, stored, segment)
        number = _turn_of(stored, seg)
        old = stored.turns[number][0]
        name, role = _speaker_and_role(stored, speaker, role)
        if name == old:
            raise Conflict(f"{name!r} speaks that turn of {stored.name} already")
        turns = [list(t) for t in stored.turns]
        turns[number][0] = name
        _set_turns(session, stored, turns)
        start, end = turns[number][1], turns[number][2]
        segments = _respeak(session, stored, start, end, name, role)
        # named by a segment, as the command and the page choose it (turns have no number the user sees)
        said = f"the turn holding segment {segment} of {stored.name} (segments {_ranged(segments)}) is {name}'s now, not {old}'s"
        audit(session, actor.name, TURN_SPEAKER, stored.name, before={"turn": number, "speaker": old},
              after={"turn": number, "speaker": name, "role": role, "segments": segments})
        return Fixed(stored.name, said)


def split_turn(study: Study, actor: Actor, transcript: str, segment: int, at: int | str,
               speaker: str | None = None, role: str | None = None) -> Fixed:
    """Cut the turn holding ``segment`` in two before character ``at`` of the segment's text (or
    before the words ``at``, which must stand there once); the second part is ``speaker``'s (else
    the same speaker's). A segment cut in two keeps its id (and memos) for the first half; the
    second half gets its whole-segment codings and decisions too."""
    actor.require_admin("split a turn")
    with study.session() as session:
        stored = stored_transcript(session, transcript)
        seg = _segment(session, stored, segment)
        if isinstance(at, str):
            at = position_of(stored.text[seg.start:seg.end], at)
        if not 0 <= at <= seg.end - seg.start:
            raise BadValue(f"segment {segment} of {stored.name} has {seg.end - seg.start} characters; "
                             f"split at 0 to {seg.end - seg.start}, not {at}")
        number = _turn_of(stored, seg)
        first_speaker, start, end = stored.turns[number][:3]
        text, cut = stored.text, seg.start + at
        if not text[start:cut].strip() or not text[cut:end].strip():
            raise BadValue(f"splitting segment {segment} of {stored.name} at {at} leaves no words on one side "
                             "of its turn", "split inside the turn's words")
        name, role = _speaker_and_role(stored, speaker or first_speaker, role)
        left_end, right_start = _rstrip(text, start, cut), _lstrip(text, cut, end)
        turns = [list(t) for t in stored.turns]
        turns[number][2] = left_end
        turns.insert(number + 1, [name, right_start, end, None, None])
        _set_turns(session, stored, turns)
        halves = ""
        if seg.start < cut < seg.end:
            new = _cut_segment(session, actor, stored, seg, _rstrip(text, seg.start, cut), _lstrip(text, cut, seg.end))
            halves = f"; segment {segment} is now segments {segment} and {new.index}"
        segments = _respeak(session, stored, right_start, end, name, role)
        audit(session, actor.name, SPLIT, stored.name,
              before={"turn": number, "speaker": first_speaker, "start": start, "end": end},
              after={"turns": [[first_speaker, start, left_end], [name, right_start, end]],
                     "second_turn_segments": segments, "cut_segment": segment if halves else None})
        return Fixed(stored.name, f"the turn holding segment {segment} of {stored.name} is two turns, the second "
                                  f"{name}'s{halves}")


def merge_turns(study: Study, actor: Actor, transcript: str, segment: int) -> Fixed:
    """Join the turn holding ``segment`` and the next one into one turn of the first's speaker; the
    text between them (a label, a timestamp) stays in the transcript, inside the joined turn. When
    segments are turns, the two segments become one (the first keeps its id; codings, memos and
    decisions of the second join it)."""
    actor.require_admin("merge turns")
    with study.session() as session:
        stored = stored_transcript(session, transcript)
        seg = _segment(session, stored, segment)
        number = _turn_of(stored, seg)
        if number + 1 >= len(stored.turns):
            raise StudyError(f"segment {segment} is in the last turn of {stored.name}: no next turn to join",
                             "choose a segment of the first of the two turns")
        first, second = stored.turns[number], stored.turns[number + 1]
        between = stored.text[first[2]:second[1]]
        turns = [list(t) for t in stored.turns]
        turns[number:number + 2] = [[first[0], first[1], second[2], first[3], first[4]]]
        _set_turns(session, stored, turns)
        role = _role_of(stored, first[0])
        joined = ""
        if stored.unit == "turn":
            kept, gone = _segment_at(session, stored, first[1]), _segment_at(session, stored, second[1])
            _join_segments(session, actor, stored, kept, gone)
            joined = f"; segments {kept.index} and {kept.index + 1} are one"
        segments = _respeak(session, stored, first[1], second[2], first[0], role)
        audit(session, actor.name, MERGE, stored.name,
              before={"turns": [first[:3], second[:3]]},
              after={"turn": number, "speaker": first[0], "start": first[1], "end": second[2],
                     "text_between": between, "segments": segments})
        return Fixed(stored.name, f"the turn holding segment {segment} of {stored.name} and the next are one turn "
                                  f"of {first[0]}{joined}")


def correct_text(study: Study, actor: Actor, transcript: str, segment: int, text: str | tuple[str, str]) -> Fixed:
    """Make ``text`` the words of ``segment`` (a typo corrected), or with ``text`` a pair (old, new),
    read the words ``old`` (standing once in the segment) as ``new``: the transcript's text, the
    turn and every later offset and span follow; a coding on the changed words is kept and flagged."""
    actor.require_admin("correct a transcript's text")
    with study.session() as session:
        stored = stored_transcript(session, transcript)
        seg = _segment(session, stored, segment)
        old = stored.text[seg.start:seg.end]
        if isinstance(text, tuple):
            where = position_of(old, text[0])
            text = old[:where] + text[1] + old[where + len(text[0]):]
        new = _checked_words(text)
        if new == old:
            raise Conflict(f"segment {segment} of {stored.name} says that already")
        head = _common_prefix(old, new)
        tail = _common_prefix(old[head:][::-1], new[head:][::-1])
        start, end, words = seg.start + head, seg.end - tail, new[head:len(new) - tail]
        shift = len(words) - (end - start)
        old_end = seg.end
        stored.text = stored.text[:start] + words + stored.text[end:]
        session.execute(update(Segment).where(Segment.transcript_id == stored.id, Segment.start >= old_end)
                        .values(start=Segment.start + shift, end=Segment.end + shift)
                        .execution_options(synchronize_session=False))
        seg.end = old_end + shift
        _set_turns(session, stored, [[t[0], t[1] + shift if t[1] >= old_end else t[1],
                                      t[2] + shift if t[2] >= old_end else t[2], *t[3:]] for t in stored.turns])
        session.flush()
        was = old[head:len(old) - tail]
        before, after = _words_around(old, head, len(old) - tail), _words_around(new, head, len(new) - tail)
        reason = f"its words were corrected: {before!r} became {after!r}"
        flagged = _carry_spans(session, actor, stored, seg, (start, end), words, reason)
        audit(session, actor.name, CORRECT, stored.name,
              before={"segment": segment, "text": old, "start": start, "end": end, "words": was, "read": before},
              after={"segment": segment, "text": new, "words": words, "read": after, "shift": shift,
                     "flagged": flagged})
        return Fixed(stored.name, f"segment {segment} of {stored.name} now reads {new!r}", tuple(flagged))


def position_of(text: str, words: str) -> int:
    """Where ``words`` stand in ``text``; they must stand there once."""
    count = text.count(words) if words else 0
    if count != 1:
        found = "not found" if count == 0 else f"found {count} times"
        raise BadValue(f"{words!r} is {found} in the segment", "give words that stand there once")
    return text.index(words)


def flagged_codings(study: Study, actor: Actor, transcript: str | None = None) -> list[FlaggedCoding]:
    """Codings whose words were corrected since they were made, oldest flag first: an admin sees
    everyone's, a coder their own."""
    with study.session() as session:
        query = (select(CodingFlag, Coding).join(Coding, Coding.id == CodingFlag.coding_id)
                 .join(Transcript, Transcript.id == Coding.transcript_id).order_by(CodingFlag.at, CodingFlag.coding_id))
        if transcript is not None:
            query = query.where(Transcript.id == stored_transcript(session, transcript).id)
        if not actor.is_admin:
            query = query.join(User, User.id == Coding.rater_id).where(User.name == actor.name)
        rows = []
        for flag, coding in session.execute(query):
            words = coding.transcript.text[slice(*coding.span)] if coding.span else (
                coding.segment.text if coding.segment is not None else "")
            rows.append(FlaggedCoding(coding.transcript.name, coding.segment.index if coding.segment else None,
                                      coding.rater.name, coding.code.ref, coding.span, words, flag.reason, flag.by,
                                      flag.at))
        return rows


# -- the pieces every fix is made of


def _segment(session: Session, transcript: Transcript, index: int) -> Segment:
    seg = session.scalar(select(Segment).where(Segment.transcript_id == transcript.id, Segment.index == index))
    if seg is None:
        count = len(transcript.segments)
        raise NotFound(f"{transcript.name} has no segment {index}", f"its segments are numbered 0 to {count - 1}")
    return seg


def _segment_at(session: Session, transcript: Transcript, start: int) -> Segment:
    return session.scalars(select(Segment).where(Segment.transcript_id == transcript.id, Segment.start >= start)
                           .order_by(Segment.index).limit(1)).one()


def _turn_of(transcript: Transcript, seg: Segment) -> int:
    """The number of the turn holding ``seg`` (segments never cross a turn)."""
    for number, turn in enumerate(transcript.turns):
        if turn[1] <= seg.start and seg.end <= turn[2]:
            return number
    raise StudyError(f"segment {seg.index} of {transcript.name} lies in no turn; the transcript is damaged",
                     "replace it from its file")


def _set_turns(session: Session, transcript: Transcript, turns: list[list]) -> None:
    transcript.turns = [list(t) for t in turns]  # a new list: the JSON column sees the change
    session.flush()


def _speaker_and_role(transcript: Transcript, speaker: str, role: str | None) -> tuple[str, str]:
    """A speaker of the transcript (their stored spelling and role), or a new one with ``role``, else
    the role their name says ("Note-taker" is other, "Interviewer 2" an interviewer), else participant."""
    known = {s.speaker.casefold(): (s.speaker, s.role) for s in transcript.segments}
    if speaker.strip().casefold() in known:
        name, stored_role = known[speaker.strip().casefold()]
        if role is not None and check_role(role) != stored_role:
            raise StudyError(f"{name} is {stored_role} in {transcript.name}, not {role}",
                             "change their role in the speakers list")
        return name, stored_role
    return speaker, check_role(role) if role is not None else label_role(speaker) or PARTICIPANT


def _role_of(transcript: Transcript, speaker: str) -> str:
    return next((s.role for s in transcript.segments if s.speaker == speaker), PARTICIPANT)


def _respeak(session: Session, transcript: Transcript, start: int, end: int, speaker: str, role: str) -> list[int]:
    """The segments inside ``start``-``end`` given to ``speaker``; returns their numbers. The
    transcript's interviewer follows."""
    inside = (Segment.transcript_id == transcript.id, Segment.start >= start, Segment.end <= end)
    numbers = list(session.scalars(select(Segment.index).where(*inside).order_by(Segment.index)))
    session.execute(update(Segment).where(*inside).values(speaker=speaker, role=role)
                    .execution_options(synchronize_session=False))
    session.flush()
    session.expire(transcript, ["segments"])
    transcript.interviewer = main_interviewer_of(transcript)
    return numbers


def _renumber(session: Session, transcript: Transcript, first: int, by: int) -> None:
    """Segments numbered ``first`` or more renumbered by ``by``, through negative numbers so that
    no two meet on the way (one number per segment of a transcript)."""
    where = (Segment.transcript_id == transcript.id, Segment.index >= first)
    session.execute(update(Segment).where(*where).values(index=-1 - Segment.index)
                    .execution_options(synchronize_session=False))
    session.execute(update(Segment).where(Segment.transcript_id == transcript.id, Segment.index < 0)
                    .values(index=-1 - Segment.index + by).execution_options(synchronize_session=False))
    session.expire_all()


def _cut_segment(session: Session, actor: Actor, transcript: Transcript, seg: Segment, left_end: int,
                 right_start: int) -> Segment:
    """``seg`` ends at ``left_end``; a new segment after it runs from ``right_start`` to where
    ``seg`` ended. Whole-segment codings and decisions go to both, spans to the halves they lie in."""
    index, seg_id, end = seg.index, seg.id, seg.end
    _renumber(session, transcript, index + 1, 1)
    new = Segment(transcript_id=transcript.id, index=index + 1, speaker=seg.speaker, role=seg.role,
                  start=right_start, end=end, timestamp=None)
    session.add(new)
    session.execute(update(Segment).where(Segment.id == seg_id).values(end=left_end)
                    .execution_options(synchronize_session=False))
    session.flush()
    session.expire_all()
    halves = ((seg_id, seg.start, left_end), (new.id, right_start, end))
    moves, copies = [], []
    for coding in session.scalars(select(Coding).where(Coding.segment_id == seg_id)).all():
        pieces = [(sid, s, e) for sid, s, e in halves] if coding.span is None else [
            (sid, max(s, coding.span[0]), min(e, coding.span[1])) for sid, s, e in halves
            if min(e, coding.span[1]) > max(s, coding.span[0])] or [halves[0]]
        first, *more = pieces
        span = _within(coding.span, first, halves)
        if (first[0], span) != (seg_id, coding.span):
            moves.append(CodingMove(coding.id, first[0], span))
        copies += [CodingWrite(CodingKey(coding.rater_id, coding.transcript_id, piece[0], coding.code_id,
                                         _within(coding.span, piece, halves)), memo=coding.memo) for piece in more]
    move_codings(session, actor, moves)
    _write_carried(session, actor, copies)
    for resolution in session.scalars(select(Resolution).where(Resolution.segment_id == seg_id)).all():
        session.add(Resolution(raters=resolution.raters, transcript_id=resolution.transcript_id, segment_id=new.id,
                               decision=resolution.decision, codes=list(resolution.codes),
                               adjudicator=resolution.adjudicator, reason=resolution.reason, at=resolution.at))
    session.flush()
    return new


def _within(span: tuple[int, int] | None, piece: tuple[int, int, int], halves) -> tuple[int, int] | None:
    """The span of ``piece`` (segment id, start, end), None when it is a whole half or the coding a whole segment."""
    return None if span is None or piece in halves else piece[1:]


def _join_segments(session: Session, actor: Actor, transcript: Transcript, kept: Segment, gone: Segment) -> None:
    """``kept`` runs on to where ``gone`` ended and takes its codings (spans where they were),
    memos (joined, with their history) and decisions; ``gone`` is deleted."""
    kept_id, gone_id, gone_index = kept.id, gone.id, gone.index
    session.execute(update(Segment).where(Segment.id == kept_id).values(end=gone.end)
                    .execution_options(synchronize_session=False))
    session.flush()
    session.expire_all()
    move_codings(session, actor, [CodingMove(c.id, kept_id, c.span) for c in
                                  session.scalars(select(Coding).where(Coding.segment_id == gone_id))])
    memos.carry(session, actor, transcript.id, gone_id, kept_id, note=f"(segment {gone_index})")
    session.execute(update(Resolution).where(Resolution.segment_id == gone_id).values(segment_id=kept_id)
                    .execution_options(synchronize_session=False))
    session.execute(delete(Segment).where(Segment.id == gone_id).execution_options(synchronize_session=False))
    session.flush()
    _renumber(session, transcript, gone_index + 1, -1)


def _carry_spans(session: Session, actor: Actor, transcript: Transcript, seg: Segment, edited: tuple[int, int],
                 words: str, reason: str) -> list[str]:
    """After ``edited`` (old offsets) became ``words``: spans after it shifted, spans on it stretched
    over the new words and flagged with the segment's whole-segment codings; returns them said."""
    start, end = edited
    shift = len(words) - (end - start)
    moves, flagged = [], []
    spans = session.scalars(select(Coding).where(Coding.transcript_id == transcript.id,
                                                 Coding.span_start.is_not(None), Coding.span_end >= start)).all()
    old_text = transcript.text[:start] + transcript.text[start + len(words):]  # as before an insertion
    for coding in spans:
        s, e = coding.span
        if coding.segment_id != seg.id or not _edits_span(old_text, (s, e), (start, end), words):
            if s >= end:
                moves.append(CodingMove(coding.id, coding.segment_id, (s + shift, e + shift)))
            continue
        new_start = min(s, start)
        new_end = e + shift if e >= end else start + len(words)
        moves.append(CodingMove(coding.id, coding.segment_id, (new_start, new_end) if new_end > new_start else None))
        flagged.append(coding.id)
    flagged += list(session.scalars(select(Coding.id).where(Coding.segment_id == seg.id, Coding.span_start.is_(None))))
    gone = set(move_codings(session, actor, moves))
    kept = [coding_id for coding_id in flagged if coding_id not in gone]
    _flag(session, actor, kept, f"segment {seg.index}: {reason}")
    return [_described(session.get(Coding, coding_id)) for coding_id in kept]


def _edits_span(old: str, span: tuple[int, int], edited: tuple[int, int], words: str) -> bool:
    """Whether replacing ``edited`` of ``old`` by ``words`` changes the span's own words: it overlaps
    them, or (an insertion) continues a word at the span's edge ("ello" -> "hello")."""
    (s, e), (start, end) = span, edited
    if start < end:
        return s < end and e > start
    if s < start < e:
        return True
    at_start = start == s and not words[-1:].isspace() and not old[s:s + 1].isspace()
    at_end = start == e and not words[:1].isspace() and not old[e - 1:e].isspace()
    return at_start or at_end


def _flag(session: Session, actor: Actor, coding_ids: list[int], reason: str) -> None:
    for coding_id in coding_ids:
        flag = session.get(CodingFlag, coding_id)
        if flag is None:
            session.add(CodingFlag(coding_id=coding_id, reason=reason, by=actor.name))
        else:
            flag.reason, flag.by, flag.at = f"{flag.reason}; {reason}", actor.name, utcnow()
    session.flush()


def _described(coding: Coding) -> str:
    where = f"[{coding.span[0]}:{coding.span[1]}]" if coding.span else ""
    return f"{coding.rater.name}: {coding.code.ref} on segment {coding.segment.index}{where}"


def _write_carried(session: Session, actor: Actor, writes: list[CodingWrite]) -> None:
    """Copies of existing codings (rules were checked when they were made; a retired code stays)."""
    write_codings(session, Actor(actor.name, "system"), writes, audited=False, consensus=True, check_done=False,
                  carried=True)
    session.flush()


def _checked_words(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadValue("a segment's text cannot be empty", "merge the turn into another instead")
    if "\x00" in text:
        raise BadValue("the text contains a NUL character, which cannot be stored", "remove it")
    return text.strip()


def _words_around(text: str, start: int, end: int) -> str:
    """``text[start:end]`` widened to whole words, as a person reads the change ("licnese", not "ne")."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _rstrip(text: str, start: int, end: int) -> int:
    return start + len(text[start:end].rstrip())


def _lstrip(text: str, start: int, end: int) -> int:
    return end - len(text[start:end].lstrip())


def _ranged(numbers: list[int]) -> str:
    return f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else ", ".join(map(str, numbers))
