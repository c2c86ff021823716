"""Every quote for a code: each coded span or segment across the study, with who was
interviewed, where it is and which raters coded it.

Example::

    quotes_table(study, CLI, codes=["Challenges/Model search"], participant="P3")
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection

from . import codes as codes_mod
from . import counting
from .auth import Actor
from .errors import BadValue, NotFound
from .listing import require_names
from .schema import participants, transcripts
from .sources import Source, choose_source
from .store import Study
from .table import Column, Table, TablePage, page_offset


@dataclass(frozen=True)
class Quote:
    """One coded stretch of text: a span, a whole segment, or (no segment) a whole transcript."""

    code: str  # Theme/Code
    participant: str | None
    transcript: str
    transcript_id: int
    segment: int | None
    start: int  # absolute character offsets of ``text`` in the transcript
    end: int
    text: str
    raters: tuple[str, ...]
    speaker: str | None

    @property
    def position(self) -> str:
        """Where the quote is: ``#3`` (a segment), ``#3 [120-164]`` (a span) or ``whole transcript``."""
        return "whole transcript" if self.segment is None else f"#{self.segment} [{self.start}-{self.end}]"

    def link(self) -> str:
        """The Code page's address of the place (query parameters the page reads)."""
        return f"?transcript={self.transcript_id}" + ("" if self.segment is None else f"&segment={self.segment}")


def quotes(study: Study, asker: Actor, codes: list[str] | None = None, theme: str | None = None,
           participant: str | None = None, transcript: str | None = None, source: str | Source | None = None,
           combine: str = "union") -> list[Quote]:
    """Every quote of the codes (refs), or of every code under ``theme``, from the chosen source
    (a coder: only their own codings), in code, participant, transcript and text order."""
    return _every_quote(study, _stretches(study, asker, codes, theme, participant, transcript, source, combine))[1]


def _every_quote(study: Study, stretches: tuple[Source, dict[int, str], Select]) -> tuple[Source, list[Quote]]:
    """(the source, every quote) of ``_stretches``' answer."""
    chosen, refs, query = stretches
    with study.connection() as connection:
        return chosen, list(_quotes(connection, connection.execution_options(yield_per=QUOTES_READ).execute(query),
                                    refs))


def _stretches(study: Study, asker: Actor, codes: list[str] | None, theme: str | None, participant: str | None,
               transcript: str | None, source: str | Source | None, combine: str) -> tuple[Source, dict[int, str], Select]:
    """(the source, {code id: ref} in codebook order, the query of the quotes' stretches in order)."""
    if not codes and not theme:
        raise BadValue("name a code or a theme to quote", "give a code such as Challenges/Model search")
    chosen = choose_source(study, asker, asker.name if not asker.is_admin else source, combine)
    code_ids = _code_ids(study, codes, theme)
    query = counting.quote_rows(chosen, code_ids)
    if participant is not None:
        query = query.where(participants.c.label == participant)
    if transcript is not None:
        query = query.where(transcripts.c.name == transcript)
    require_names(study, [transcript] if transcript else [], [participant] if participant else [])
    return chosen, code_ids, counting.quote_stretches(query, list(code_ids), _reading_order(study))


def _reading_order(study: Study) -> list[int]:
    with study.connection() as connection:
        return counting.reading_order(connection)


def _code_ids(study: Study, refs: list[str] | None, theme: str | None) -> dict[int, str]:
    with study.session() as session:
        under = codes_mod.find_theme_by_path(session, theme).path if theme else ()
        chosen = [codes_mod.resolve(session, ref) for ref in refs] if refs else codes_mod.all_codes(session)
        found = {c.id: c.ref for c in chosen if c.path[:len(under)] == under}
    if not found:
        raise NotFound(f"no code {', '.join(refs)} under the theme {theme!r}" if refs else f"no codes under {theme!r}")
    return found


QUOTES_READ = 2_000  # stretches read at a time, and their transcripts' texts with them


def _quotes(connection: Connection, rows, refs: dict[int, str]) -> Iterator[Quote]:
    """The stretches (``counting.quote_stretches``) as quotes, their text cut from each transcript's
    text, read once per batch of stretches (cut in the database, PostgreSQL would decompress the
    whole transcript for every quote)."""
    while batch := list(islice(rows, QUOTES_READ)):
        needed = {r.transcript_id for r in batch}
        texts = dict(connection.execute(select(transcripts.c.id, transcripts.c.text)
                                        .where(transcripts.c.id.in_(needed))).all())
        for r in batch:
            text = texts[r.transcript_id]
            end = len(text) if r.end is None else r.end  # a whole transcript
            yield Quote(refs[r.code_id], r.participant, r.transcript, int(r.transcript_id), r.segment, r.start, end,
                        text[r.start:end].strip(),
                        tuple(sorted(set(r.raters.split(counting.RATERS_JOINED)))),
                        None if r.segment is None else r.speaker)


QUOTE_COLUMNS = (
    Column("code", "Code"),
    Column("participant", "Participant"),
    Column("transcript", "Transcript"),
    Column("position", "Position"),
    Column("raters", "Rater(s)"),
    Column("text", "Quote", wide=True),
)


def quotes_table(study: Study, asker: Actor, codes: list[str] | None = None, theme: str | None = None,
                 participant: str | None = None, transcript: str | None = None,
                 source: str | Source | None = None, combine: str = "union") -> Table:
    """The quotes as a table every export format writes (csv, md, docx, xlsx, ...)."""
    chosen, found = _every_quote(study, _stretches(study, asker, codes, theme, participant, transcript, source,
                                                   combine))
    return _table(found, len(found), chosen, codes, theme)


def quotes_page(study: Study, asker: Actor, codes: list[str] | None = None, theme: str | None = None,
                participant: str | None = None, transcript: str | None = None, source: str | Source | None = None,
                combine: str = "union", number: int = 1, size: int = 50) -> TablePage:
    """Page ``number`` (from 1; past the last: the last) of ``quotes_table``, counted and cut in the
    database, its texts read for that page only: what the Quotes page shows."""
    chosen, refs, query = _stretches(study, asker, codes, theme, participant, transcript, source, combine)
    with study.connection() as connection:
        total = connection.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        offset = min(page_offset(number, size), page_offset(-(-total // size), size))
        found = list(_quotes(connection, connection.execute(query.limit(size).offset(offset)), refs))
    return TablePage(_table(found, total, chosen, codes, theme), total, offset, size)


def _table(found: list[Quote], total: int, chosen: Source, codes: list[str] | None, theme: str | None) -> Table:
    rows = tuple({"code": q.code, "participant": q.participant or "", "transcript": q.transcript,
                  "position": q.position, "raters": ", ".join(q.raters), "text": q.text,
                  "transcript_id": q.transcript_id, "segment": q.segment, "start": q.start, "end": q.end}
                 for q in found)
    what = ", ".join(codes) if codes else f"the codes under {theme}"
    return Table(title=f"Quotes: {what}", columns=QUOTE_COLUMNS, rows=rows,
                 caption=f"{total} quote(s) from {chosen.name}; positions are segment numbers and character "
                         "offsets in the transcript.",
                 source=chosen.to_dict(), name="quotes")
