"""The coding workspace: what one rater reads and writes while coding a transcript.

Every function takes the asking Actor and works on that actor's own codings and memos only,
so a coder can never read or change another rater's work through it (the permission rules
themselves live in ``auth`` and ``codings``). The app's Code page is a thin shell over this.

Example::

    view = coder_view(study, actor, transcript_id)
    toggle(study, actor, view.segments[0].id, code_id, applied=True)
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import NoReturn

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from . import codes as codes_mod
from . import codings, memos
from .auth import Actor, rater_user
from .coding_write import CodingKey, CodingWrite, write_codings
from .codings import Progress, progress_of  # noqa: F401  (Progress is named as workspace.Progress too)
from .errors import Conflict, NotFound
from .listing import count_transcripts, transcript_rows, transcript_table
from .store import (
    Coding,
    Participant,
    Segment,
    Study,
    Transcript,
    TranscriptStatus,
    User,
)
from .table import Table, TablePage, page_offset


@dataclass(frozen=True)
class SegmentView:
    id: int
    index: int
    speaker: str
    role: str  # interviewer | participant | other
    start: int
    end: int
    timestamp: str | None
    text: str


@dataclass(frozen=True)
class TranscriptProgress:
    """One transcript in the coder's list: who was interviewed and how far the coder got."""

    id: int
    name: str
    participant: str | None
    segments: int
    progress: Progress
    done: bool


@dataclass(frozen=True)
class CoderState:
    """The asking rater's own work on one transcript."""

    transcript_id: int
    codes: dict[int | None, frozenset[int]]  # segment id (None: whole transcript) -> code ids, whole units only
    memos: dict[int | None, str]  # segment id (None: the transcript memo) -> text
    done: bool
    progress: Progress
    memo_versions: dict[int | None, int] = field(default_factory=dict)  # segment id -> newest version
    spans: dict[int, frozenset[tuple[int, int, int]]] = field(default_factory=dict)  # segment id -> (code, start, end)

    def with_segment(self, stored: SegmentCodes) -> CoderState:
        """This state with one segment's codes and the progress as ``apply_change`` read them back
        (and open: the click was stored, so the rater's transcript is not marked done)."""
        codes = {sid: ids for sid, ids in self.codes.items() if sid != stored.segment_id}
        spans = {sid: found for sid, found in self.spans.items() if sid != stored.segment_id}
        if stored.codes:
            codes[stored.segment_id] = stored.codes
        if stored.spans:
            spans[stored.segment_id] = stored.spans
        return replace(self, codes=codes, spans=spans, progress=stored.progress, done=False)


@dataclass(frozen=True)
class SegmentCodes:
    """The asking rater's codes on one segment, as stored (whole-segment code ids and spans as
    (code, start, end)), and the rater's progress on its transcript."""

    transcript_id: int
    segment_id: int
    codes: frozenset[int]
    spans: frozenset[tuple[int, int, int]]
    progress: Progress


@dataclass(frozen=True)
class CoderView:
    transcript: TranscriptProgress
    segments: tuple[SegmentView, ...]
    state: CoderState


@dataclass(frozen=True)
class Change:
    """Apply (``applied=True``) or remove a code on a segment, or on a span inside it."""

    segment_id: int
    code_id: int
    applied: bool
    span: tuple[int, int] | None = None  # absolute transcript offsets inside the segment
    words: str | None = None  # the words the coder saw at the span; the text may have been corrected since


# -- reads ----------------------------------------------------------------------------


def transcript_progress(study: Study, actor: Actor,
                        transcript_ids: Sequence[int] | None = None) -> list[TranscriptProgress]:
    """Every transcript (or those of ``transcript_ids``, a few: each statement names them), in
    import order, with the asking rater's own progress on it (counted in the database)."""
    ids = None if transcript_ids is None else sorted(set(transcript_ids))
    with study.session() as session:
        rater_id = _rater_id(session, actor)
        progress = codings.progress_by_transcript_ids(session, actor, rater_id, ids)
        done = codings.done_transcripts(session, actor, rater_id, ids) if rater_id else set()
        segments = select(Segment.transcript_id, func.count()).group_by(Segment.transcript_id)
        listed = (select(Transcript.id, Transcript.name, Participant.label)
                  .outerjoin(Participant, Transcript.participant_id == Participant.id).order_by(Transcript.id))
        if ids is not None:
            segments, listed = segments.where(Segment.transcript_id.in_(ids)), listed.where(Transcript.id.in_(ids))
        counts = dict(session.execute(segments).all())
        return [
            TranscriptProgress(tid, name, label, counts.get(tid, 0), progress.get(tid, Progress(0, 0)), tid in done)
            for tid, name, label in session.execute(listed).all()
        ]


def first_to_code(choices: list[TranscriptProgress]) -> TranscriptProgress | None:
    """The first transcript the rater has not marked done (else the first one)."""
    return next((c for c in choices if not c.done), choices[0] if choices else None)


def transcript_segments(study: Study, actor: Actor, transcript_id: int) -> tuple[SegmentView, ...]:
    """The transcript's segments in reading order, with their text. Any signed-in user may read them."""
    with study.session() as session:
        transcript = _transcript(session, transcript_id)
        text = transcript.text
        rows = session.execute(
            select(Segment.id, Segment.index, Segment.speaker, Segment.role, Segment.start, Segment.end,
                   Segment.timestamp)
            .where(Segment.transcript_id == transcript_id).order_by(Segment.index)
        ).all()
        return tuple(SegmentView(r.id, r.index, r.speaker, r.role, r.start, r.end, r.timestamp, text[r.start:r.end])
                     for r in rows)


def coder_state(study: Study, actor: Actor, transcript_id: int) -> CoderState:
    """The asking rater's codes, memos, done mark and progress on one transcript."""
    with study.session() as session:
        _check_transcript(session, transcript_id)
        return _coder_state(session, actor, transcript_id)


def coder_view(study: Study, actor: Actor, transcript_id: int) -> CoderView:
    """Everything the coding page shows for one transcript: its segments and the actor's own work."""
    segments = transcript_segments(study, actor, transcript_id)
    state = coder_state(study, actor, transcript_id)
    with study.session() as session:
        transcript = _transcript(session, transcript_id)
        summary = TranscriptProgress(
            transcript.id, transcript.name, transcript.participant.label if transcript.participant else None,
            len(segments), state.progress, state.done,
        )
    return CoderView(summary, segments, state)


def codebook_entries(study: Study) -> list[codes_mod.CodeView]:
    """Every code in codebook order, retired ones included (flagged) so old codings still show."""
    return codes_mod.code_views(study, include_retired=True)


# -- writes ---------------------------------------------------------------------------


def toggle(study: Study, actor: Actor, segment_id: int, code_id: int, applied: bool,
           span: tuple[int, int] | None = None) -> bool:
    """Apply or remove a code on a segment (or a span inside it) as the asking rater; returns
    whether anything changed. Safe to call from two tabs at once: the same change twice is one.

    The rules are the coding write path's (``coding_write``): NotAllowed when the rater marked
    the transcript done, NotFound for unknown ids, CodebookError when applying a retired code."""
    def work(session: Session) -> bool:
        rater = rater_user(session, actor.name)
        return codings.set_coding(session, actor, rater.id, segment_id, code_id, applied, span)

    return study.transaction(work)


def apply_change(study: Study, actor: Actor, transcript_id: int | None, change: Change) -> SegmentCodes:
    """Apply or remove a code on a segment of the transcript (or a span inside it) as the asking
    rater, and read back what the segment now holds, in one transaction: the rater looked up,
    the write's facts read, the words at a span checked, the write, its audit, the read back.
    ``transcript_id`` None (a page from before clicks named their transcript): the segment's.
    Raises what ``toggle`` raises."""
    def work(session: Session) -> SegmentCodes:
        rater_id = rater_user(session, actor.name).id
        tid = transcript_id if transcript_id is not None else _segment_transcript(session, change.segment_id)
        _check_words_at_span(session, tid, change)
        key = CodingKey(rater_id, tid, change.segment_id, change.code_id, change.span)
        write_codings(session, actor, [CodingWrite(key, change.applied)])
        codes, spans = _segment_codes(session, rater_id, tid, change.segment_id)
        return SegmentCodes(tid, change.segment_id, codes, spans, _progress_now(session, rater_id, tid))

    return study.transaction(work)


def _segment_transcript(session: Session, segment_id: int) -> int:
    transcript_id = session.scalar(select(Segment.transcript_id).where(Segment.id == segment_id))
    if transcript_id is None:
        raise NotFound(f"no segment with id {segment_id}")
    return transcript_id


def _check_words_at_span(session: Session, transcript_id: int, change: Change) -> None:
    """A span stands for the words the coder saw there: when an admin corrected the text since the
    page was read, the offsets now fall on other words, and the click is refused, not moved onto them."""
    if change.span is None or change.words is None:
        return
    # Hold the transcript's row until the click's transaction ends (a write: SQLite's write lock,
    # a row lock on PostgreSQL): a correction waits for the coding to be stored, then carries it,
    # or ran first and the words read below are the corrected ones. Read first, write later, the
    # correction slipped in between and the coding went onto the old offsets.
    session.execute(update(Transcript).where(Transcript.id == transcript_id).values(id=Transcript.id)
                    .execution_options(synchronize_session=False))
    start, end = change.span
    now = session.scalar(select(func.substr(Transcript.text, start + 1, end - start))
                         .where(Transcript.id == transcript_id))
    if now is not None and now != change.words:
        raise Conflict(f"the transcript's text was corrected since this page was read: characters {start}-{end} "
                       f"now read {now[:40]!r}, not {change.words[:40]!r}",
                       "reload the page and select the words again")


def _segment_codes(session: Session, rater_id: int, transcript_id: int, segment_id: int
                   ) -> tuple[frozenset[int], frozenset[tuple[int, int, int]]]:
    """A rater's codes on one segment: whole-segment code ids, spans (the caller checked that the actor may read them)."""
    codes, spans = set(), set()
    for code_id, start, end in session.execute(
        select(Coding.code_id, Coding.span_start, Coding.span_end)
        .where(Coding.rater_id == rater_id, Coding.transcript_id == transcript_id, Coding.segment_id == segment_id)
    ):
        if start is None:
            codes.add(code_id)
        else:
            spans.add((code_id, start, end))
    return frozenset(codes), frozenset(spans)


def _progress_now(session: Session, rater_id: int, transcript_id: int) -> Progress:
    """The rater's progress on a transcript in one statement: each segment's role and whether the
    rater coded it (a span codes its segment)."""
    coded = exists().where(Coding.segment_id == Segment.id, Coding.rater_id == rater_id)
    rows = session.execute(select(Segment.id, Segment.role, coded).where(Segment.transcript_id == transcript_id)).all()
    return progress_of({sid: role for sid, role, _ in rows}, {sid for sid, _, is_coded in rows if is_coded})


def save_memo(study: Study, actor: Actor, transcript_id: int, segment_id: int | None, text: str,
              base_version: int | None = None, confirm_empty: bool = True) -> int:
    """The asking rater's memo on a segment of the transcript, or on the transcript (segment None),
    stored as a new version; returns its number. With ``base_version`` (the version the rater was
    editing) a newer stored version raises ``memos.MemoConflict``; with ``confirm_empty=False``
    emptying a memo raises ``memos.MemoWouldEmpty``."""
    def work(session: Session) -> int:
        key = _memo_key(session, actor, transcript_id, segment_id)
        return memos.save(session, actor, key, text, base_version=base_version, confirm_empty=confirm_empty)

    return study.transaction(work)  # run again if another writer got in the way


def memo_history(study: Study, actor: Actor, transcript_id: int, segment_id: int | None) -> list[memos.Version]:
    """Every version of the asking rater's memo there, newest first."""
    with study.session() as session:
        rater_id = _rater_id(session, actor)
        if rater_id is None:
            return []
        _check_memo_place(session, transcript_id, segment_id)
        return memos.history(session, actor, memos.MemoKey(rater_id, transcript_id, segment_id))


def restore_memo(study: Study, actor: Actor, transcript_id: int, segment_id: int | None, version: int,
                 base_version: int | None = None) -> int:
    """Make an earlier version of the asking rater's memo current again (as a new version)."""
    def work(session: Session) -> int:
        key = _memo_key(session, actor, transcript_id, segment_id)
        return memos.restore(session, actor, key, version, base_version=base_version)

    return study.transaction(work)


def set_done(study: Study, actor: Actor, transcript_id: int, done: bool, anyway: bool = False) -> None:
    """Mark the transcript done for the asking rater (its codings then count), or reopen it.
    Raises ``codings.UncodedSegments`` when participant turns have no code yet, unless ``anyway``."""
    with study.session() as session:
        transcript = _transcript(session, transcript_id)
        rater = rater_user(session, actor.name)
        if done and not anyway:
            codings.check_coded(session, actor, rater.id, [transcript])
        codings.set_done(session, actor, rater.id, transcript_id, done)


# -- helpers --------------------------------------------------------------------------


def _rater_id(session: Session, actor: Actor) -> int | None:
    """The actor's own rater id; None for an actor who has never been a user (nothing to show)."""
    try:
        return rater_user(session, actor.name).id
    except NotFound:
        return None


def _memo_key(session: Session, actor: Actor, transcript_id: int, segment_id: int | None) -> memos.MemoKey:
    _check_memo_place(session, transcript_id, segment_id)
    return memos.MemoKey(rater_user(session, actor.name).id, transcript_id, segment_id)


def _check_memo_place(session: Session, transcript_id: int, segment_id: int | None) -> None:
    _check_transcript(session, transcript_id)
    if segment_id is not None:
        segment = session.get(Segment, segment_id)
        if segment is None or segment.transcript_id != transcript_id:
            raise NotFound(f"transcript {transcript_id} has no segment with id {segment_id}")


def _transcript(session: Session, transcript_id: int) -> Transcript:
    transcript = session.get(Transcript, transcript_id)
    if transcript is None:
        _missing(transcript_id)
    return transcript


def _check_transcript(session: Session, transcript_id: int) -> None:
    """Like _transcript, without loading the transcript's text (the per-click path)."""
    if session.scalar(select(Transcript.id).where(Transcript.id == transcript_id)) is None:
        _missing(transcript_id)


def _missing(transcript_id: int) -> NoReturn:
    raise NotFound(f"no transcript with id {transcript_id}; it may have been deleted, reload the page")


def _coder_state(session: Session, actor: Actor, transcript_id: int) -> CoderState:
    rater_id = _rater_id(session, actor)
    if rater_id is None:
        roles = _segment_roles(session, transcript_id)
        return CoderState(transcript_id, {}, {}, False, progress_of(roles, set()))
    by_segment, spans = _codes_and_spans(session, actor, rater_id, transcript_id)
    memo_texts = codings.memos_of(session, actor, rater_id, transcript_id)
    status = session.get(TranscriptStatus, (rater_id, transcript_id))
    roles = _segment_roles(session, transcript_id)
    coded = {sid for sid in by_segment if sid is not None} | set(spans)  # a span codes its segment
    return CoderState(
        transcript_id, {sid: frozenset(ids) for sid, ids in by_segment.items()}, memo_texts,
        bool(status and status.done), progress_of(roles, coded),
        memos.current_versions(session, actor, rater_id, transcript_id),
        {sid: frozenset(found) for sid, found in spans.items()},
    )


def _codes_and_spans(session: Session, actor: Actor, rater_id: int, transcript_id: int
                     ) -> tuple[dict[int | None, set[int]], dict[int, set[tuple[int, int, int]]]]:
    """A rater's codings in a transcript: {unit: code ids} for whole segments (None: the whole
    transcript) and {segment id: (code id, start, end)} for spans."""
    actor.require_rater(session.get(User, rater_id).name, "read the codings")
    codes: dict[int | None, set[int]] = defaultdict(set)
    spans: dict[int, set[tuple[int, int, int]]] = defaultdict(set)
    for segment_id, code_id, start, end in session.execute(
        select(Coding.segment_id, Coding.code_id, Coding.span_start, Coding.span_end)
        .where(Coding.rater_id == rater_id, Coding.transcript_id == transcript_id)
    ):
        if start is None:
            codes[segment_id].add(code_id)
        else:
            spans[segment_id].add((code_id, start, end))
    return codes, spans


def _segment_roles(session: Session, transcript_id: int) -> dict[int, str]:
    return dict(session.execute(select(Segment.id, Segment.role).where(Segment.transcript_id == transcript_id)).all())


# -- every rater's progress, for the Transcripts page -------------------------------


def visible_coders(study: Study, actor: Actor) -> list[str]:
    """The raters whose progress the actor may see: every rater for an admin, else oneself."""
    if not actor.is_admin:
        return [actor.name]
    with study.session() as session:
        coded = select(Coding.rater_id)
        return list(session.scalars(
            select(User.name).where(User.role != "system", or_(User.role == "coder", User.id.in_(coded)))
            .order_by(User.id)
        ))


@dataclass(frozen=True)
class RaterProgress:
    """One rater on one transcript, counted like the Code page's progress bar."""

    transcript: str
    rater: str
    coded: int  # segments to code that carry at least one of the rater's codes
    to_code: int  # the participants' segments (every segment when no turn is a participant's)
    done: bool


def coding_progress(study: Study, actor: Actor, raters: list[str] | None = None,
                    transcripts: Sequence[str] | None = None) -> list[RaterProgress]:
    """Each rater's progress on each transcript (or on the ``transcripts`` named: a page of the
    listing costs its own transcripts); a coder may ask only about themselves."""
    raters = visible_coders(study, actor) if raters is None else raters
    for rater in raters:
        actor.require_rater(rater, "see the progress")
    with study.session() as session:
        users = dict(session.execute(select(User.id, User.name).where(User.name.in_(raters))).all())
        named = select(Transcript.id, Transcript.name).order_by(Transcript.id)
        if transcripts is not None:
            named = named.where(Transcript.name.in_(list(transcripts)))
        transcripts = session.execute(named).all()
        ids = None if named.whereclause is None else [tid for tid, _ in transcripts]
        result = []
        for rater_id, rater in users.items():
            by_transcript = codings.progress_by_transcript_ids(session, actor, rater_id, ids)
            done = codings.done_transcripts(session, actor, rater_id)
            for tid, name in transcripts:
                progress = by_transcript.get(tid, Progress(0, 0))
                result.append(RaterProgress(name, rater, progress.coded, progress.total, tid in done))
    order = {name: n for n, (_, name) in enumerate(transcripts)}
    return sorted(result, key=lambda p: (order[p.transcript], raters.index(p.rater)))


def transcripts_table(study: Study, actor: Actor) -> Table:
    """The transcripts listing (``listing.transcript_table``) with, for each coder the actor may
    see, a column like ``12 / 20`` (segments coded / the participant's segments), ending ``, done``
    when marked done."""
    return _with_progress(study, actor, transcript_rows(study), whole=True)


def transcripts_page(study: Study, actor: Actor, number: int = 1, size: int = 50, order: str = "import order",
                     descending: bool = False, contains: str = "") -> TablePage:
    """Page ``number`` (from 1; past the last: the last) of ``transcripts_table``, sorted and
    filtered in the database (``listing.transcript_rows``): what the Transcripts page shows."""
    total = count_transcripts(study, contains)
    offset = min(page_offset(number, size), page_offset(-(-total // size), size))
    rows = transcript_rows(study, offset, size, order, descending, contains)
    return TablePage(_with_progress(study, actor, rows), total, offset, size)


def _with_progress(study: Study, actor: Actor, rows: list[dict], whole: bool = False) -> Table:
    """``rows`` (of ``transcript_rows``; ``whole``: every transcript) with each visible coder's progress."""
    progress: dict[str, dict[str, str]] = {rater: {} for rater in visible_coders(study, actor)}
    for p in coding_progress(study, actor, list(progress), None if whole else [row["name"] for row in rows]):
        progress[p.rater][p.transcript] = f"{p.coded} / {p.to_code}" + (", done" if p.done else "")
    return transcript_table(rows, progress)
