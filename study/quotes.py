"""Every quote for a code: each coded span or segment across the study, with who was
interviewed, where it is and which raters coded it.

Example::

    quotes_table(study, CLI, codes=["Challenges/Model search"], participant="P3")
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from . import codes as codes_mod
from .auth import Actor
from .codings import codings_frame
from .errors import BadValue, NotFound
from .exports import Column, Table
from .names import natural_key
from .coverage import source_coverage
from .sources import Source, choose_source, source_codings
from .store import Segment, Study, Transcript


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
    if not codes and not theme:
        raise BadValue("name a code or a theme to quote", "give a code such as Challenges/Model search")
    chosen = choose_source(study, asker, asker.name if not asker.is_admin else source, combine)
    code_ids = _code_ids(study, codes, theme)
    frame = codings_frame(study, asker, list(chosen.raters))
    frame = frame[frame["code_id"].isin(code_ids)]
    frame = frame[frame["transcript"].isin(source_coverage(study, asker, chosen).included)]  # coded or not: a listing
    if participant is not None:
        frame = frame[frame["participant"] == participant]
    if transcript is not None:
        frame = frame[frame["transcript"] == transcript]
    frame = _counting(frame, source_codings(study, asker, chosen))
    return _quotes(study, frame, list(code_ids))


def _code_ids(study: Study, refs: list[str] | None, theme: str | None) -> dict[int, str]:
    with study.session() as session:
        under = codes_mod.find_theme_by_path(session, theme).path if theme else ()
        chosen = [codes_mod.resolve(session, ref) for ref in refs] if refs else codes_mod.all_codes(session)
        found = {c.id: c.ref for c in chosen if c.path[:len(under)] == under}
    if not found:
        raise NotFound(f"no code {', '.join(refs)} under the theme {theme!r}" if refs else f"no codes under {theme!r}")
    return found


def _counting(frame: pd.DataFrame, counted: pd.DataFrame) -> pd.DataFrame:
    """The rows on units the source counts (a majority source drops what too few raters applied)."""
    units = {(t, -1 if pd.isna(s) else int(s), c)
             for t, s, c in counted[["transcript_id", "segment_id", "code_id"]].itertuples(index=False)}
    keep = [(t, -1 if pd.isna(s) else int(s), c) in units
            for t, s, c in frame[["transcript_id", "segment_id", "code_id"]].itertuples(index=False)]
    return frame[keep]


def _quotes(study: Study, frame: pd.DataFrame, order: list[int]) -> list[Quote]:
    """One quote per coded stretch of text; raters who coded the same stretch share it."""
    texts, bounds = _texts(study, frame)
    grouped: dict[tuple, list] = {}
    for r in frame.itertuples(index=False):
        if pd.isna(r.segment_id):
            start, end = 0, len(texts[r.transcript_id])
        elif pd.isna(r.span_start):
            start, end = bounds[int(r.segment_id)]
        else:
            start, end = int(r.span_start), int(r.span_end)
        key = (r.code_id, r.transcript_id, None if pd.isna(r.segment) else int(r.segment), start, end)
        grouped.setdefault(key, [r, []])[1].append(r.rater)
    rank = {code_id: n for n, code_id in enumerate(order)}
    ordered = sorted(grouped.items(), key=lambda item: (
        rank[item[0][0]], natural_key(item[1][0].participant or ""), natural_key(item[1][0].transcript),
        item[0][3], item[0][4]))
    return [
        Quote(r.code, r.participant, r.transcript, int(r.transcript_id), segment, start, end,
              texts[r.transcript_id][start:end].strip(), tuple(sorted(set(raters))),
              None if segment is None else r.speaker)
        for (_, _, segment, start, end), (r, raters) in ordered
    ]


def _texts(study: Study, frame: pd.DataFrame) -> tuple[dict[int, str], dict[int, tuple[int, int]]]:
    """{transcript id: text} and {segment id: (start, end)} of the rows' transcripts."""
    ids = sorted({int(t) for t in frame["transcript_id"]})
    with study.session() as session:
        texts = dict(session.execute(select(Transcript.id, Transcript.text).where(Transcript.id.in_(ids))).all())
        bounds = {sid: (start, end) for sid, start, end in session.execute(
            select(Segment.id, Segment.start, Segment.end).where(Segment.transcript_id.in_(ids)))}
    return texts, bounds


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
    found = quotes(study, asker, codes, theme, participant, transcript, source, combine)
    chosen = choose_source(study, asker, asker.name if not asker.is_admin else source, combine)
    rows = tuple({"code": q.code, "participant": q.participant or "", "transcript": q.transcript,
                  "position": q.position, "raters": ", ".join(q.raters), "text": q.text,
                  "transcript_id": q.transcript_id, "segment": q.segment, "start": q.start, "end": q.end}
                 for q in found)
    what = ", ".join(codes) if codes else f"the codes under {theme}"
    return Table(title=f"Quotes: {what}", columns=QUOTE_COLUMNS, rows=rows,
                 caption=f"{len(rows)} quote(s) from {chosen.name}; positions are segment numbers and character "
                         "offsets in the transcript.",
                 source=chosen.to_dict(), name="quotes")
