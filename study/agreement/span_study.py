"""Span-level (unitized) agreement for a study: Krippendorff's alpha_u per code, on the continuum
of the characters of the compared transcripts.

At segment and participant level a span codes its segment (``study.agreement.units``); here
each rater's codings of a code are stretches of text: a span as coded, a whole-segment coding as
its segment, a whole-transcript coding as the transcript. The transcripts are laid end to end in
reading order and each code is a binary category on that continuum (``unitizing_alpha``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
from sqlalchemy import CompoundSelect, case, select, union_all
from sqlalchemy.orm import Session

from .. import codes as codes_mod
from ..auth import Actor, rater_user
from ..compared import compared_codings
from ..schema import codings, segments
from ..store import Segment, Study, Transcript
from . import defined
from .spans import Stretches, unitizing_alpha_of
from .study_agreement import CODER_MIN_UNITS, TOO_FEW, alpha_band
from .units import BASIS_ALL, BASIS_DONE, basis_transcripts, check_raters, code_infos


@dataclass(frozen=True)
class SpanCodeAgreement:
    """alpha_u of one code. A coder sees their own stretches and characters and alpha's band only
    (as ``study_agreement.for_coder`` shows coded units): the figures are None for them."""

    code: str
    stretches: tuple[int | None, ...]  # coded stretches per rater, in the report's rater order
    characters: tuple[int | None, ...]  # characters coded per rater (None: another coder's, not shown to a coder)
    observed: float | None
    expected: float | None
    alpha: float | None  # None when undefined (no expected disagreement), or hidden from a coder
    band: str | None = None


@dataclass(frozen=True)
class SpanAgreementReport:
    raters: tuple[str, ...]
    transcripts: tuple[str, ...]
    continuum: int  # characters compared
    basis: str
    codes: tuple[SpanCodeAgreement, ...]


def span_agreement(study: Study, asker: Actor, raters: Sequence[str], theme: str | None = None,
                   include_unfinished: bool = False) -> SpanAgreementReport:
    """alpha_u per code between ``raters`` on the transcripts they all marked done (or, with
    ``include_unfinished``, every transcript any of them coded)."""
    raters = check_raters(raters)
    names = basis_transcripts(study, asker, raters, include_unfinished)  # checks that asker may compare them
    with study.session() as session:
        ids = dict(session.execute(select(Transcript.name, Transcript.id).where(Transcript.name.in_(names))).all())
        coded = _coded(session, raters, sorted(ids.values()))
        refs = {c.id: c.ref for c in codes_mod.all_codes(session, include_retired=True)}
        segmented = set(session.scalars(select(Segment.transcript_id).where(Segment.transcript_id.in_(ids.values()))
                                        .distinct()))
    order = tuple(sorted((n for n in names if ids[n] in segmented), key=ids.get)) \
        + tuple(sorted(n for n in names if ids[n] not in segmented))
    offsets, total = _offsets(study, order)
    codes = code_infos(study, {refs[code] for code in np.unique(coded.code).tolist()}, theme)
    stretches = _stretches(coded, [ids[name] for name in order], [offsets[name] for name in order], refs,
                           tuple(c.ref for c in codes))
    results = unitizing_alpha_of(stretches, 0, total, len(raters)) if len(stretches.begin) else {}
    counted = _counted(stretches, len(raters))
    rows = []
    shown = [asker.may_read_rater(r) for r in raters]  # a coder sees their own counts, never another's
    for index, code in enumerate(codes):
        if code.ref not in results:
            continue
        result, (spans, characters) = results[code.ref], counted[index]
        row = SpanCodeAgreement(
            code.ref, tuple(n if shown[i] else None for i, n in enumerate(spans)),
            tuple(n if shown[i] else None for i, n in enumerate(characters)),
            result.observed, result.expected, defined(result.alpha), alpha_band(defined(result.alpha)))
        rows.append(row if asker.is_admin else _as_coder_sees(row, shown.index(True)))
    return SpanAgreementReport(raters, order, total, BASIS_ALL if include_unfinished else BASIS_DONE, tuple(rows))


_WHOLE = -1  # a whole-transcript coding's end in ``_Coded``: the transcript's length


@dataclass(frozen=True)
class _Coded:
    """The compared codings as arrays, one entry per coding: the rater's index in the report's
    order, the transcript's and the code's ids, and the stretch of its transcript coded
    [start, end): a span as coded, a whole-segment coding its segment, a whole-transcript coding
    (0, ``_WHOLE``)."""

    rater: np.ndarray
    transcript: np.ndarray
    code: np.ndarray
    start: np.ndarray
    end: np.ndarray


def _coded(session: Session, raters: tuple[str, ...], transcript_ids: list[int]) -> _Coded:
    """The codings of ``raters`` on the compared transcripts, only what a stretch needs (no
    memo, no text): the database gives each its rater's index and its stretch of the transcript."""
    index = {rater_user(session, r).id: n for n, r in enumerate(raters)}
    connection, values = session.connection(), []
    for chunk in (transcript_ids[at:at + _CHUNK] for at in range(0, len(transcript_ids), _CHUNK)):
        rows = connection.execute(_coded_query(index, chunk))
        values.append(np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64))  # no tuple per coding
    return _Coded(*np.concatenate(values or [np.zeros(0, dtype=np.int64)]).reshape(-1, 5).T)


def _coded_query(index: dict[int, int], transcript_ids: list[int]) -> CompoundSelect:
    """``_coded``'s rows for one batch of transcripts, in two parts that each read one covering index
    and no coding's row: the codings of whole segments and transcripts (``ix_codings_units``, their
    stretch from the segment), and the spans (the partial ``ix_codings_spans``). The rater filter
    searches no index (``compared.compared_codings``): by the unique (rater, transcript, ...) index,
    SQLite's choice, every coding's row was read. L, 6 raters: SQLite's part 0.26 -> 0.15 s CPU."""
    rater, whole = case(index, value=codings.c.rater_id), codings.c.segment_id.is_(None)
    compared = compared_codings(transcript_ids, list(index))
    unspanned = (select(rater, codings.c.transcript_id, codings.c.code_id,
                        case((whole, 0), else_=segments.c.start), case((whole, _WHOLE), else_=segments.c.end))
                 .outerjoin(segments, codings.c.segment_id == segments.c.id)
                 .where(*compared, codings.c.span_start.is_(None)))
    spanned = (select(rater, codings.c.transcript_id, codings.c.code_id, codings.c.span_start, codings.c.span_end)
               .where(*compared, codings.c.span_start.is_not(None)))
    return union_all(unspanned, spanned)


_CHUNK = 500  # transcript ids per IN (...) list


def _stretches(coded: _Coded, transcripts: list[int], offsets: list[tuple[int, int]], refs: dict[int, str],
               categories: tuple[str, ...]) -> Stretches:
    """Each rater's stretches of each code of ``categories`` (codes by ref; ``refs``: each code id's)
    on the continuum of the ``transcripts`` laid at their ``offsets`` (start, length); overlapping
    stretches of one rater and code (a span inside a segment that rater also coded whole) count
    once, as their union."""
    base, size = np.zeros((2, max(transcripts, default=0) + 1), dtype=np.int64)
    base[transcripts], size[transcripts] = np.array(offsets, dtype=np.int64).reshape(-1, 2).T
    position = {ref: n for n, ref in enumerate(categories)}
    category_of = np.full(max(refs, default=0) + 1, -1, dtype=np.int64)  # by code id; -1: a code not compared
    for code_id, ref in refs.items():
        category_of[code_id] = position.get(ref, -1)
    category = category_of[coded.code]
    kept = category >= 0
    start = base[coded.transcript] + coded.start
    end = base[coded.transcript] + np.where(coded.end == _WHOLE, size[coded.transcript], coded.end)
    return _union(Stretches(start[kept], (end - start)[kept], coded.rater[kept], category[kept], categories))


def _union(stretches: Stretches) -> Stretches:
    """Per rater and category, the union of the stretches: those overlapping (not merely
    touching) merged into one. In order of category, rater and begin (``unitizing_alpha_of``'s)."""
    group = stretches.category * (int(stretches.rater.max(initial=0)) + 1) + stretches.rater
    end = stretches.begin + stretches.length
    order = np.lexsort((end, stretches.begin, group))
    group, begin, end = group[order], stretches.begin[order], end[order]
    # the groups laid one after another on one line, so that a running maximum of ends never crosses into the next
    room = int(end.max(initial=0)) + 1
    reach = np.maximum.accumulate(group * room + end)
    first = np.ones(len(begin), dtype=bool)
    first[1:] = group[1:] * room + begin[1:] >= reach[:-1]  # not inside what came before: a new stretch starts
    starts = np.flatnonzero(first)
    merged_end = np.maximum.reduceat(end, starts) if len(starts) else end
    return Stretches(begin[starts], merged_end - begin[starts], stretches.rater[order][starts],
                     stretches.category[order][starts], stretches.categories)


def _counted(stretches: Stretches, raters: int) -> list[tuple[list[int], list[int]]]:
    """Per category, each rater's count of stretches and of characters in them."""
    cell = stretches.category * raters + stretches.rater
    cells = len(stretches.categories) * raters
    spans, characters = np.bincount(cell, minlength=cells), np.zeros(cells, dtype=np.int64)
    np.add.at(characters, cell, stretches.length)
    return list(zip(spans.reshape(-1, raters).tolist(), characters.reshape(-1, raters).tolist()))


def _as_coder_sees(row: SpanCodeAgreement, coder: int) -> SpanCodeAgreement:
    """Alpha's band only, once the coder coded CODER_MIN_UNITS stretches of the code (a rule on
    their own work, like the coded units' report)."""
    judged = (row.stretches[coder] or 0) >= CODER_MIN_UNITS
    return replace(row, observed=None, expected=None, alpha=None, band=row.band if judged else TOO_FEW)


def _offsets(study: Study, order: tuple[str, ...]) -> tuple[dict[str, tuple[int, int]], int]:
    """{transcript: (its start on the continuum, its length)} and the continuum's length."""
    with study.session() as session:
        lengths = dict(session.execute(select(Transcript.name, Transcript.text).where(Transcript.name.in_(order))).all())
    offsets, position = {}, 0
    for name in order:
        offsets[name] = (position, len(lengths[name]))
        position += len(lengths[name])
    return offsets, position
