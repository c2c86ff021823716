"""Every quote for a code: each coded span or segment across the study, with who was
interviewed, where it is and which raters coded it.

Example::

    quotes_table(study, CLI, codes=["Challenges/Model search"], participant="P3")
"""
from __future__ import annotations

from dataclasses import dataclass

from . import codes as codes_mod
from . import counting
from .auth import Actor
from .errors import BadValue, NotFound
from .exports import Column, Table
from .listing import require_names
from .names import natural_key
from .schema import participants, transcripts
from .sources import Source, choose_source
from .store import Study


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
    query = counting.quote_rows(chosen, code_ids)
    if participant is not None:
        query = query.where(participants.c.label == participant)
    if transcript is not None:
        query = query.where(transcripts.c.name == transcript)
    require_names(study, [transcript] if transcript else [], [participant] if participant else [])
    with study.connection() as connection:
        return _quotes(connection.execute(query), code_ids)


def _code_ids(study: Study, refs: list[str] | None, theme: str | None) -> dict[int, str]:
    with study.session() as session:
        under = codes_mod.find_theme_by_path(session, theme).path if theme else ()
        chosen = [codes_mod.resolve(session, ref) for ref in refs] if refs else codes_mod.all_codes(session)
        found = {c.id: c.ref for c in chosen if c.path[:len(under)] == under}
    if not found:
        raise NotFound(f"no code {', '.join(refs)} under the theme {theme!r}" if refs else f"no codes under {theme!r}")
    return found


def _quotes(rows, refs: dict[int, str]) -> list[Quote]:
    """One quote per coded stretch of text; raters who coded the same stretch share it."""
    grouped: dict[tuple, list] = {}
    for r in rows:
        key = (r.code_id, r.transcript_id, r.segment, r.start, r.end)
        grouped.setdefault(key, [r, []])[1].append(r.rater)
    rank = {code_id: n for n, code_id in enumerate(refs)}
    ordered = sorted(grouped.items(), key=lambda item: (
        rank[item[0][0]], natural_key(item[1][0].participant or ""), natural_key(item[1][0].transcript),
        item[0][3], item[0][4]))
    return [
        Quote(refs[r.code_id], r.participant, r.transcript, int(r.transcript_id), segment, start, end,
              r.text.strip(), tuple(sorted(set(raters))), None if segment is None else r.speaker)
        for (_, _, segment, start, end), (r, raters) in ordered
    ]


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
