"""The segments raters dispute, and what an adjudicator reads before deciding one.

The docket: a segment is disputed when some but not all of the compared raters applied a code
there. At 500 interviews half the segments can be disputed and a page shows fifty, so the docket
is counted, filtered and put in reading order in the database (``docket``: progress and the
filters' choices; ``shown``: the segments a filter keeps, as ids), and each disagreement is built
only when the card or a page draws it (``disagreements_on``, ``docket_page``);
``segment_disagreements`` builds every one (the command line, an export).

The evidence: the disputed turn with the turns before and after it, where each rater's codes lie
in it (their spans), the raters' memos there, and the guidance of the codes in dispute.

Example::

    evidence = dispute_evidence(study, CLI, ["alice", "bob"], "P07-2022-07-26", 12)
    evidence.raters[0].stretches   # alice's codings on turn 12: code, offsets in its text, memo
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from . import codes as codes_mod
from . import compared
from .agreement.units import check_raters, code_infos, compared_basis
from .agreement.visibility import require_may_compare
from .auth import Actor, rater_user
from .codes import CodeView
from .codings import find_transcript
from .consensus import AGREED, chunks, raters_key, transcript_names
from .errors import NotFound
from .schema import participants, resolutions, segments, transcripts
from .store import Code, Coding, Memo, Segment, Study, User
from .table import Column, Table, TablePage, last_page_offset


@dataclass(frozen=True)
class Disagreement:
    """A unit on which the raters' codes differ: who applied what, and which codes are disputed."""

    transcript: str | None
    segment: int | None
    speaker: str | None
    text: str
    codes: dict[str, tuple[str, ...]]
    disputed: tuple[str, ...]
    participant: str | None = None
    resolution: str | None = None  # the adjudicator's latest decision on the unit, if any

    def to_dict(self) -> dict:
        return {"transcript": self.transcript, "segment": self.segment, "participant": self.participant,
                "speaker": self.speaker, "text": self.text,
                "codes": {r: list(c) for r, c in self.codes.items()}, "disputed": list(self.disputed),
                "resolution": self.resolution}


@dataclass(frozen=True)
class DisagreementFilter:
    """Which disagreements to show; empty fields do not filter. ``themes`` are theme paths (a code
    under a sub-theme is under its theme too); ``rater`` keeps units where that rater applied a
    disputed code the others did not all apply."""

    transcripts: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    rater: str | None = None
    unresolved_only: bool = False

    def keeps(self, item: Disagreement) -> bool:
        if self.transcripts and item.transcript not in self.transcripts:
            return False
        if self.codes and not any(self.names(ref) for ref in item.disputed):
            return False
        if self.themes and not any(self.under_themes(ref) for ref in item.disputed):
            return False
        if self.rater and not set(item.codes.get(self.rater, ())) & set(item.disputed):
            return False
        return not (self.unresolved_only and item.resolution)

    def names(self, ref: str) -> bool:
        """Whether the code ``ref`` is one of the codes asked for."""
        return ref in self.codes

    def under_themes(self, ref: str) -> bool:
        """Whether the code ``ref`` is under one of the themes asked for."""
        return any(ref.startswith(theme + "/") for theme in self.themes)


def filter_disagreements(items: Sequence[Disagreement], where: DisagreementFilter) -> list[Disagreement]:
    """The disagreements ``where`` keeps, in their order. Example: ``filter_disagreements(items,
    DisagreementFilter(transcripts=("P07",), themes=("Challenges",)))``."""
    return [item for item in items if where.keeps(item)]


@dataclass(frozen=True)
class AdjudicationProgress:
    """Segments in transcripts every rater marked done, those the raters disagree on, and how many
    of those an adjudicator decided (carrying agreed codes is not deciding)."""

    units: int
    disputed: int
    resolved: int

    @property
    def unresolved(self) -> int:
        return self.disputed - self.resolved


# -- the docket ---------------------------------------------------------------------


@dataclass(frozen=True)
class Docket:
    """What an adjudicator works through between ``raters``, counted in the database: the segments
    of the transcripts every one of them finished (``units``), those they dispute, and those of
    them an adjudicator decided; and the filters' choices: the transcripts with a disputed segment
    (in reading order) and the disputed codes (sorted)."""

    raters: tuple[str, ...]
    units: int
    disputed: int
    resolved: int
    transcripts: tuple[str, ...]
    codes: tuple[str, ...]

    @property
    def progress(self) -> AdjudicationProgress:
        return AdjudicationProgress(self.units, self.disputed, self.resolved)

    def decided(self, newly: bool) -> Docket:
        """The docket after a decision this process made (``newly``: on a segment not decided before)."""
        return replace(self, resolved=self.resolved + newly)


@dataclass(frozen=True)
class Shown:
    """The disputed segments ``where`` keeps, in reading order, as segment ids (``shown``): the
    card steps through them and the overview pages them, each built when drawn; ``resolved`` of
    them an adjudicator decided."""

    raters: tuple[str, ...]
    where: DisagreementFilter
    segments: tuple[int, ...]
    resolved: int

    def __len__(self) -> int:
        return len(self.segments)

    def decided(self, segment: int, newly: bool) -> Shown:
        """What is shown after a decision this process made on ``segment`` (``newly``: not decided
        before): it leaves an unresolved-only list."""
        if segment not in self.segments:
            return self
        if self.where.unresolved_only:
            return replace(self, segments=tuple(s for s in self.segments if s != segment))
        return replace(self, resolved=self.resolved + newly)


def docket(study: Study, asker: Actor, raters: Sequence[str]) -> Docket:
    """The progress and the filters' choices of the disagreements between ``raters`` on the
    transcripts all of them finished (admins), counted in the database, a batch of transcripts
    at a time."""
    asker.require_admin("see the disagreements between raters")
    with study.session() as session:
        basis = compared_basis(study, session, asker, raters, False)
        raters, rater_ids, transcript_ids = basis.raters, basis.rater_ids, basis.transcript_ids
        disputed, resolved, code_ids = Counter(), 0, set()
        for batch in chunks(transcript_ids):
            for kind, ident, count, decided in session.execute(_summary_query(batch, rater_ids, raters_key(raters))):
                if kind == _PER_TRANSCRIPT:
                    disputed[ident] += count
                    resolved += decided
                else:
                    code_ids.add(ident)
        units = _segment_count(session, transcript_ids)
        names = transcript_names(session, list(disputed))
        ref_of = _refs(session)
    refs = {ref_of[c] for c in code_ids}
    code_infos(study, refs)  # no codebook: its error
    return Docket(raters, units, sum(disputed.values()), resolved, tuple(names[t] for t in sorted(disputed)),
                  tuple(sorted(refs)))


def shown(study: Study, asker: Actor, raters: Sequence[str], where: DisagreementFilter = DisagreementFilter(),
          include_unfinished: bool = False) -> Shown:
    """The disputed segments between ``raters`` that ``where`` keeps, in reading order (admins):
    filtered, ordered and reduced to ids in the database. Example: ``shown(study, CLI, ["alice",
    "bob"], DisagreementFilter(themes=("Challenges",), unresolved_only=True))``."""
    asker.require_admin("see the disagreements between raters")
    raters = check_raters(raters)
    if where.rater and where.rater not in raters:
        require_may_compare(study, asker, raters, include_unfinished)
        return Shown(raters, where, (), 0)
    with study.session() as session:
        basis = compared_basis(study, session, asker, raters, include_unfinished)
        rater_ids, transcript_ids = basis.rater_ids, basis.transcript_ids
        if where.transcripts:
            names = transcript_names(session, transcript_ids)
            transcript_ids = [t for t in transcript_ids if names[t] in where.transcripts]
        ref_of = _refs(session)
        kept = []
        for batch in chunks(transcript_ids):
            kept += session.execute(_shown_query(batch, rater_ids, raters, where, ref_of)).all()
    return Shown(raters, where, tuple(segment for segment, _ in kept), sum(decided for _, decided in kept))


def disagreements_on(study: Study, asker: Actor, raters: Sequence[str], segment_ids: Sequence[int]) -> list[Disagreement]:
    """The disagreements on these segments (ids, as ``shown`` gives them), in reading order: what
    the card and a page draw, reading only their transcripts."""
    asker.require_admin("see the disagreements between raters")
    raters = check_raters(raters)
    with study.session() as session:
        rater_ids = [rater_user(session, r).id for r in raters]
        wanted = list(segment_ids)
        transcript_ids = sorted({t for chunk in chunks(wanted) for t in session.scalars(
            select(segments.c.transcript_id).where(segments.c.id.in_(chunk)).distinct())})
        return _disagreements_of(session, raters, rater_ids, transcript_ids, set(wanted))


def docket_page(study: Study, asker: Actor, where: Shown, number: int = 1, size: int = 50) -> TablePage:
    """Page ``number`` (from 1; past the last: the last) of the ``disagreement_table`` of what is
    ``shown``: only its rows are built."""
    offset = last_page_offset(number, size, len(where))
    items = disagreements_on(study, asker, where.raters, where.segments[offset:offset + size])
    return TablePage(disagreement_table(items, where.raters), len(where), offset, size)


def position_in(study: Study, where: Shown, transcript: str, segment: int) -> int | None:
    """Where segment ``segment`` of ``transcript`` is among those ``shown`` (from 0), or None."""
    with study.session() as session:
        found = session.scalar(select(segments.c.id).join(transcripts, transcripts.c.id == segments.c.transcript_id)
                               .where(transcripts.c.name == transcript, segments.c.index == segment))
    return where.segments.index(found) if found in where.segments else None


def segment_disagreements(study: Study, asker: Actor, raters: Sequence[str],
                          include_unfinished: bool = False) -> list[Disagreement]:
    """Every segment where some but not all ``raters`` applied a code, in reading order (admins):
    read from ``compared.applied``'s groups, only the disputed segments with their text."""
    asker.require_admin("see the disagreements between raters")
    with study.session() as session:
        basis = compared_basis(study, session, asker, raters, include_unfinished)
        raters = basis.raters
        found = _disagreements_of(session, raters, basis.rater_ids, basis.transcript_ids, None)
        ref_of = _refs(session)
    code_infos(study, set(ref_of.values()) if ref_of else set())  # no codebook: its error
    return found


def disagreement_table(items: Sequence[Disagreement], raters: Sequence[str]) -> Table:
    """The disagreements as one table for the CLI and the pages: one row per unit (its transcript,
    or its participant at participant level), the text, each rater's codes, the disputed codes and
    the adjudicator's decision so far."""
    participants_ = bool(items) and all(d.transcript is None for d in items)
    columns = (
        Column("transcript", "participant" if participants_ else "transcript"),
        Column("segment", "segment", numeric=True), Column("speaker", "speaker"), Column("text", "text", wide=True),
        *(Column(f"codes of {r}", r) for r in raters), Column("disputed", "disputed"), Column("resolution", "resolution"),
    )
    rows = tuple(
        {"transcript": d.transcript if d.transcript is not None else d.participant, "segment": d.segment,
         "speaker": d.speaker, "text": d.text, **{f"codes of {r}": "; ".join(d.codes[r]) for r in raters},
         "disputed": "; ".join(d.disputed), "resolution": d.resolution or ""}
        for d in items
    )
    return Table(title=f"Disagreements between {', '.join(raters)}", columns=columns, rows=rows,
                 name="disagreements")


def disagreement_page(items: Sequence[Disagreement], raters: Sequence[str], number: int = 1,
                      size: int = 50) -> TablePage:
    """Page ``number`` (from 1; past the last: the last) of ``disagreement_table(items)``, for a
    list already built (participant level): a page draws its own rows only."""
    offset = last_page_offset(number, size, len(items))
    return TablePage(disagreement_table(items[offset:offset + size], raters), len(items), offset, size)


_PER_TRANSCRIPT, _PER_CODE = 0, 1  # the kinds of ``_summary_query``'s rows


def _refs(session: Session) -> dict[int, str]:
    return {c.id: c.ref for c in codes_mod.all_codes(session, include_retired=True)}


def _segment_count(session: Session, transcript_ids: list[int]) -> int:
    return sum(session.scalar(select(func.count()).select_from(segments).where(segments.c.transcript_id.in_(chunk)))
               for chunk in chunks(transcript_ids))


def _decided(transcript_ids: Sequence[int], key: str):
    """The segments of ``transcript_ids`` whose latest decision between the raters ``key`` names
    is an adjudicator's (carried agreement is not deciding), to test with IN (which both backends
    look up in a hashed or indexed list, where a join on a subquery may scan it per row)."""
    latest = (select(resolutions.c.segment_id, func.max(resolutions.c.id).label("id"))
              .where(resolutions.c.raters == key, resolutions.c.transcript_id.in_(list(transcript_ids)),
                     resolutions.c.segment_id.is_not(None))
              .group_by(resolutions.c.segment_id).subquery("latest"))
    return (select(latest.c.segment_id).select_from(latest.join(resolutions, resolutions.c.id == latest.c.id))
            .where(resolutions.c.decision != AGREED))


def _summary_query(batch: Sequence[int], rater_ids: Sequence[int], key: str):
    """Per transcript of ``batch``: its disputed segments and how many of them were decided; and
    each disputed code, once (both from one reading of the disputed groups)."""
    disputed = compared.disputed_query(batch, rater_ids).cte("disputed")
    decided = _decided(batch, key)
    segment = select(disputed.c.transcript_id, disputed.c.segment_id).distinct().subquery("segment")
    per_transcript = (select(literal(_PER_TRANSCRIPT), segment.c.transcript_id, func.count(),
                             func.sum(case((segment.c.segment_id.in_(decided), 1), else_=0)))
                      .group_by(segment.c.transcript_id))
    per_code = select(literal(_PER_CODE), disputed.c.code_id, func.count(), literal(0)).group_by(disputed.c.code_id)
    return union_all(per_transcript, per_code)


def _shown_query(batch: Sequence[int], rater_ids: Sequence[int], raters: tuple[str, ...],
                 where: DisagreementFilter, ref_of: dict[int, str]):
    """(segment id, 1 when decided) of the disputed segments of ``batch`` that ``where`` keeps (its
    transcripts aside: the batch holds only theirs), in reading order. A segment is kept when one of
    its disputed codes is named, one is under a theme named, and the rater named applied one."""
    disputed = compared.disputed_query(batch, rater_ids).subquery("disputed")
    tests = []
    if where.codes:
        tests.append(disputed.c.code_id.in_([c for c, ref in ref_of.items() if where.names(ref)]))
    if where.themes:
        tests.append(disputed.c.code_id.in_([c for c, ref in ref_of.items() if where.under_themes(ref)]))
    if where.rater:
        tests.append(disputed.c.raters.op("&")(1 << raters.index(where.rater)) != 0)
    # grouped by transcript too (a segment is in one): PostgreSQL, which keeps no statistics of a
    # grouping's output, then expects thousands of segments rather than 200 and hashes them against
    # the segments instead of looking each up (0.51-0.63 -> 0.40-0.48 s server CPU at 500 x 200)
    kept = select(disputed.c.segment_id).group_by(disputed.c.transcript_id, disputed.c.segment_id)
    if tests:
        kept = kept.having(and_(*(func.max(case((test, 1), else_=0)) == 1 for test in tests)))
    kept = kept.subquery("kept")
    decided = kept.c.segment_id.in_(_decided(batch, raters_key(raters)))
    query = (select(kept.c.segment_id, case((decided, 1), else_=0))
             .select_from(kept.join(segments, segments.c.id == kept.c.segment_id))
             .order_by(segments.c.transcript_id, segments.c.index))
    return query.where(~decided) if where.unresolved_only else query


def _disagreements_of(session: Session, raters: tuple[str, ...], rater_ids: list[int], transcript_ids: list[int],
                      wanted: set[int] | None) -> list[Disagreement]:
    """The disagreements on the ``wanted`` segments of ``transcript_ids`` (None: on every disputed
    one), in reading order, with each one's latest decision. A few wanted segments are read by id;
    more, a batch of transcripts at a time (an IN list of ids would cost more to compile than to run)."""
    few = wanted is not None and len(wanted) <= compared.BATCH
    by_id = list(wanted) if few else None
    everyone = compared.everyone(len(raters))
    on_segment: dict[int, list[tuple[int, int]]] = defaultdict(list)  # segment id -> [(code id, raters' bits)]
    for row in compared.applied(session, transcript_ids, rater_ids, by_id):
        if row.segment_id is not None and (wanted is None or row.segment_id in wanted):
            on_segment[row.segment_id].append((row.code_id, row.raters))
    if wanted is None:
        wanted = {s for s, held in on_segment.items() if any(bits != everyone for _, bits in held)}
    places = _places(session, transcript_ids, wanted, by_id)
    decided = _latest_decisions(session, raters_key(raters), transcript_ids, by_id)
    ref_of = _refs(session)
    result = []
    for segment_id in sorted(places, key=lambda s: places[s][:2]):
        _, index, name, participant, speaker, text = places[segment_id]
        held = sorted((ref_of[code], bits) for code, bits in on_segment[segment_id])
        decision = decided.get(segment_id)
        result.append(Disagreement(
            name, index, speaker, text,
            {r: tuple(ref for ref, bits in held if bits >> i & 1) for i, r in enumerate(raters)},
            tuple(ref for ref, bits in held if bits != everyone), participant,
            decision if decision != AGREED else None))
    return result


def _places(session: Session, transcript_ids: list[int], wanted: set[int],
            by_id: list[int] | None) -> dict[int, tuple]:
    """{segment id: (transcript id, index, transcript, participant, speaker, text)} of the ``wanted``
    segments of ``transcript_ids`` (read by id when ``by_id``), each transcript's text read once."""
    found = {}
    for batch in chunks(transcript_ids):
        texts = {tid: (name, label, text) for tid, name, label, text in session.execute(
            select(transcripts.c.id, transcripts.c.name, participants.c.label, transcripts.c.text)
            .outerjoin(participants, participants.c.id == transcripts.c.participant_id)
            .where(transcripts.c.id.in_(batch)))}
        query = select(segments.c.id, segments.c.transcript_id, segments.c.index, segments.c.speaker,
                       segments.c.start, segments.c.end).where(segments.c.transcript_id.in_(batch))
        for segment_id, transcript_id, index, speaker, begin, end in session.execute(
                query if by_id is None else query.where(segments.c.id.in_(by_id))):
            if segment_id in wanted:
                name, label, text = texts[transcript_id]
                found[segment_id] = (transcript_id, index, name, label, speaker, text[begin:end])
    return found


def _latest_decisions(session: Session, key: str, transcript_ids: list[int], by_id: list[int] | None) -> dict[int, str]:
    """{segment id: its latest decision between the raters ``key`` names} in the transcripts."""
    latest = {}
    for batch in chunks(transcript_ids):
        query = (select(resolutions.c.segment_id, resolutions.c.decision)
                 .where(resolutions.c.raters == key, resolutions.c.transcript_id.in_(batch)).order_by(resolutions.c.id))
        latest.update(session.execute(query if by_id is None else query.where(resolutions.c.segment_id.in_(by_id))).all())
    return latest


# -- the evidence on one disagreement ---------------------------------------------------------


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
