"""Retrieval while coding: for one code, its definition and every segment and span it was applied
to in the other transcripts, so a coder can compare what they are about to code with what they
coded before. A coder sees their own codings only; an admin chooses a rater or the consensus.

Unlike ``study.quotes`` (findings: only transcripts counted for a source), this reads work in
progress too: the point is consistency while coding, before anything is done.

Example::

    found = retrieve(study, actor, "Challenges/Model search", except_transcript=7)
    for item in found.items: print(item.transcript, item.segment, item.text)
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from . import codes as codes_mod
from .auth import Actor
from .codes import CodeView
from .codings import find_transcript
from .errors import NotFound
from .schema import codings, participants, segments, transcripts, users
from .sources import coders_with_codings, has_codings
from .store import CONSENSUS, Study
from .table import Column, Table

DEFAULT_LIMIT = 50
MAX_TEXT = 400  # characters of a long coded stretch shown


@dataclass(frozen=True)
class Retrieved:
    """One coded stretch of text: a span, a whole segment, or (segment None) a whole transcript."""

    transcript_id: int
    transcript: str
    participant: str | None
    segment: int | None  # the segment's index (its turn number)
    speaker: str | None
    start: int
    end: int
    text: str  # shortened to MAX_TEXT characters
    span: bool  # a span inside the segment, not the whole segment

    @property
    def place(self) -> str:
        """``P01 #3`` (a segment), ``P01 #3 [120-164]`` (a span) or ``P01 (whole transcript)``."""
        if self.segment is None:
            return f"{self.transcript} (whole transcript)"
        return f"{self.transcript} #{self.segment}" + (f" [{self.start}-{self.end}]" if self.span else "")

    def link(self) -> dict[str, str]:
        """The Code page's address of the place (its query parameters)."""
        place = {"transcript": str(self.transcript_id)}
        if self.segment is not None:
            place["segment"] = str(self.segment)
        if self.span:
            place["match"] = f"{self.start}-{self.end}"
        return place


@dataclass(frozen=True)
class Retrieval:
    code: CodeView
    rater: str
    total: int  # coded stretches in the other transcripts, of which ``items`` are the first
    items: tuple[Retrieved, ...]


def retrieval_raters(study: Study, actor: Actor) -> list[str]:
    """Whose codings the actor may retrieve: a coder their own; an admin themself, each coder who
    coded and the consensus (once it has codings)."""
    if not actor.is_admin:
        return [actor.name]
    with study.session() as session:
        coders = coders_with_codings(session)
        consensus = [CONSENSUS] if has_codings(session, CONSENSUS) else []
    return list(dict.fromkeys([actor.name, *coders, *consensus]))


def retrieve(study: Study, actor: Actor, code: str | int, rater: str | None = None,
             except_transcript: int | str | None = None, limit: int = DEFAULT_LIMIT) -> Retrieval:
    """The code (a reference or id) with where ``rater`` (default: the asker; a coder only their
    own) applied it outside ``except_transcript`` (an id or name), in transcript and reading order."""
    rater = rater or actor.name
    actor.require_rater(rater, "read the codings")
    with study.session() as session:
        view = _code_view(session, code)
        if isinstance(except_transcript, str):
            except_transcript = find_transcript(session, except_transcript).id
        rater_id = session.scalar(select(users.c.id).where(users.c.name == rater))
        if rater_id is None:  # has coded nothing yet
            return Retrieval(view, rater, 0, ())
        where = [codings.c.rater_id == rater_id, codings.c.code_id == view.id]
        if except_transcript is not None:
            where.append(codings.c.transcript_id != except_transcript)
        total = session.scalar(select(func.count()).select_from(codings).where(*where))
        rows = session.execute(_stretches(where).limit(limit)).all()
    return Retrieval(view, rater, total, tuple(_retrieved(row) for row in rows))


def _code_view(session, code: str | int) -> CodeView:
    if isinstance(code, int):
        stored = next((c for c in codes_mod.all_codes(session, include_retired=True) if c.id == code), None)
        if stored is None:
            raise NotFound(f"no code with id {code}", "the Codebook page lists them", remedy="show_codebook")
        return codes_mod.code_view(stored)
    return codes_mod.code_view(codes_mod.resolve(session, code))


def _stretches(where: list):
    """Each coding's place and text: the span's, else the segment's (the transcript's first
    characters for a whole-transcript coding), cut in the database to what is shown."""
    start = case((codings.c.span_start.is_not(None), codings.c.span_start),
                 (codings.c.segment_id.is_not(None), segments.c.start), else_=0)
    end = case((codings.c.span_end.is_not(None), codings.c.span_end),
               (codings.c.segment_id.is_not(None), segments.c.end), else_=func.length(transcripts.c.text))
    return (select(codings.c.transcript_id, transcripts.c.name, participants.c.label, segments.c.index,
                   segments.c.speaker, start, end, func.substr(transcripts.c.text, start + 1, MAX_TEXT + 1),
                   codings.c.span_start.is_not(None))
            .select_from(codings.join(transcripts, transcripts.c.id == codings.c.transcript_id)
                         .outerjoin(participants, participants.c.id == transcripts.c.participant_id)
                         .outerjoin(segments, and_(segments.c.id == codings.c.segment_id)))
            .where(*where)
            .order_by(codings.c.transcript_id, segments.c.index, start))


def _retrieved(row) -> Retrieved:
    transcript_id, name, participant, index, speaker, start, end, text, span = row
    shown = text[:end - start]
    if len(shown) > MAX_TEXT:
        shown = shown[:MAX_TEXT - 1] + "…"
    return Retrieved(transcript_id, name, participant, index, speaker, start, end, shown.strip(), bool(span))


RETRIEVAL_COLUMNS = (
    Column("place", "Where"),
    Column("participant", "Participant"),
    Column("speaker", "Speaker"),
    Column("text", "Coded text", wide=True),
)


def retrieval_table(found: Retrieval) -> Table:
    """The retrieved stretches as a table, the code's definition in its caption."""
    rows = tuple({"place": item.place, "participant": item.participant or "", "speaker": item.speaker or "",
                  "text": item.text, "transcript_id": item.transcript_id, "segment": item.segment,
                  "start": item.start, "end": item.end, "span": item.span} for item in found.items)
    shown = f"The first {len(rows)} of " if len(rows) < found.total else ""
    definition = found.code.definition.strip() or "(no definition)"
    return Table(title=f"{found.code.ref}: where {found.rater} applied it", columns=RETRIEVAL_COLUMNS, rows=rows,
                 caption=f"Definition: {definition}", notes=(f"{shown}{found.total} coding(s).",), name="retrieval")
