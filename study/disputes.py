"""What an adjudicator reads before deciding one disagreement: the disputed turn with the turns
before and after it, where each rater's codes lie in it (their spans), the raters' memos there,
and the guidance of the codes in dispute.

Example::

    evidence = dispute_evidence(study, CLI, ["alice", "bob"], "P07-2022-07-26", 12)
    evidence.raters[0].stretches   # alice's codings on turn 12: code, offsets in its text, memo
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from . import codes as codes_mod
from .agreement.units import check_raters
from .auth import Actor
from .codes import CodeView
from .codings import find_transcript
from .errors import NotFound
from .store import Code, Coding, Memo, Segment, Study, User


@dataclass(frozen=True)
class Turn:
    """A segment as read: its index, speaker and text."""

    index: int
    speaker: str
    text: str


@dataclass(frozen=True)
class Stretch:
    """One rater's coding on the disputed turn: the code, and where it lies as offsets into the
    turn's text (``start`` None: the whole turn), with the coding's memo."""

    code: str  # Theme/Code
    start: int | None
    end: int | None
    disputed: bool
    memo: str | None = None

    @property
    def whole(self) -> bool:
        return self.start is None


@dataclass(frozen=True)
class Piece:
    """A run of the turn's text and the rater's codes on all of it (none: text the rater left uncoded)."""

    start: int
    end: int
    codes: tuple[str, ...]
    disputed: bool


@dataclass(frozen=True)
class RaterEvidence:
    """A rater's codings on the turn, in reading order (whole-turn codings first), and their memo on it."""

    rater: str
    stretches: tuple[Stretch, ...]
    memo: str = ""

    def pieces(self, length: int) -> list[Piece]:
        """The turn's text (``length`` characters) cut where this rater's codings begin and end, each
        run with the codes covering it: what the card highlights in the rater's colour."""
        bounds = [(0, length) if s.whole else (max(0, s.start), min(length, s.end)) for s in self.stretches]
        cuts = sorted({0, length, *(b for pair in bounds for b in pair)})
        pieces = []
        for start, end in zip(cuts, cuts[1:]):
            covering = [s for s, (a, b) in zip(self.stretches, bounds) if a <= start and end <= b]
            pieces.append(Piece(start, end, tuple(dict.fromkeys(s.code for s in covering)),
                                any(s.disputed for s in covering)))
        return pieces


@dataclass(frozen=True)
class DisputeEvidence:
    """The disputed turn in its place, each rater's codings and memos on it, and the disputed codes' guidance."""

    transcript: str
    turn: Turn
    before: Turn | None
    after: Turn | None
    raters: tuple[RaterEvidence, ...]
    codes: tuple[CodeView, ...]  # the codes in dispute, in the order they were named


def dispute_evidence(study: Study, asker: Actor, raters: Sequence[str], transcript: str, segment: int,
                     disputed: Sequence[str] = ()) -> DisputeEvidence:
    """The evidence on one disagreement (admins): turn ``segment`` of ``transcript`` with its
    neighbours, the ``raters``' codings and memos there, and the guidance of the ``disputed`` codes
    (refs). Reads the three turns and that one turn's codings and memos, whatever the study's size."""
    asker.require_admin("see the raters' codings side by side")
    names = check_raters(raters)
    with study.session() as session:
        found = find_transcript(session, transcript)
        turns = {s.index: s for s in session.scalars(select(Segment).where(
            Segment.transcript_id == found.id, Segment.index.in_([segment - 1, segment, segment + 1])))}
        if segment not in turns:
            raise NotFound(f"transcript {transcript!r} has no segment {segment}")
        middle = turns[segment]
        users = dict(session.execute(select(User.id, User.name).where(User.name.in_(names))).all())
        codings = session.execute(select(Coding.rater_id, Coding.code_id, Coding.span_start, Coding.span_end,
                                         Coding.memo).where(Coding.segment_id == middle.id,
                                                            Coding.rater_id.in_(list(users)))).all()
        memos = dict(session.execute(select(Memo.rater_id, Memo.text).where(
            Memo.segment_id == middle.id, Memo.rater_id.in_(list(users)))).all())
        # the few codes applied here (every disputed code is one), not the whole codebook
        applied = {c.id: c for c in session.scalars(select(Code).where(Code.id.in_({r.code_id for r in codings})))}
        refs = {code_id: code.ref for code_id, code in applied.items()}
        by_ref = {ref: applied[code_id] for code_id, ref in refs.items()}
        guidance = tuple(codes_mod.code_view(by_ref[ref]) for ref in dict.fromkeys(disputed) if ref in by_ref)

        def turn(index: int) -> Turn | None:
            s = turns.get(index)
            return None if s is None else Turn(s.index, s.speaker, found.text[s.start:s.end])

        by_rater: dict[str, list[Stretch]] = {name: [] for name in names}
        for rater_id, code_id, start, end, memo in codings:
            span = (None, None) if start is None else (start - middle.start, end - middle.start)
            by_rater[users[rater_id]].append(Stretch(refs[code_id], *span, refs[code_id] in disputed, memo or None))
        memo_of = {users[rater_id]: (text or "").strip() for rater_id, text in memos.items()}
        evidence = tuple(RaterEvidence(name, tuple(sorted(stretches, key=_reading_order)), memo_of.get(name, ""))
                         for name, stretches in by_rater.items())
        return DisputeEvidence(found.name, turn(segment), turn(segment - 1), turn(segment + 1), evidence, guidance)


def _reading_order(stretch: Stretch) -> tuple:
    return (stretch.start is not None, stretch.start or 0, stretch.end or 0, stretch.code)
