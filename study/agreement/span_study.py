"""Span-level (unitized) agreement for a study: Krippendorff's alpha_u per code, on the continuum
of the characters of the compared transcripts.

At segment and participant level a span codes its segment (``study.agreement.units``); here
each rater's codings of a code are stretches of text: a span as coded, a whole-segment coding as
its segment, a whole-transcript coding as the transcript. The transcripts are laid end to end in
reading order and each code is a binary category on that continuum (``unitizing_alpha``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import codes as codes_mod
from ..auth import Actor, rater_user
from ..store import Coding, Segment, Study, Transcript
from . import defined
from .spans import Span, unitizing_alpha
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
        segmented = set(session.scalars(select(Segment.transcript_id).where(Segment.transcript_id.in_(ids.values()))
                                        .distinct()))
    order = tuple(sorted((n for n in names if ids[n] in segmented), key=ids.get)) \
        + tuple(sorted(n for n in names if ids[n] not in segmented))
    offsets, total = _offsets(study, order)
    codes = code_infos(study, {code for _, code in coded}, theme)
    wanted = {c.ref for c in codes}
    stretches = _stretches({key: held for key, held in coded.items() if key[1] in wanted}, offsets)
    results = unitizing_alpha(stretches, 0, total, len(raters)) if stretches else {}
    by_code: dict[str, list[Span]] = {}
    for stretch in stretches:
        by_code.setdefault(stretch.category, []).append(stretch)
    rows = []
    shown = [asker.may_read_rater(r) for r in raters]  # a coder sees their own counts, never another's
    for code in codes:
        mine = by_code.get(code.ref, [])
        if code.ref not in results:
            continue
        result = results[code.ref]
        row = SpanCodeAgreement(
            code.ref, tuple(sum(s.rater == i for s in mine) if shown[i] else None for i in range(len(raters))),
            tuple(sum(s.length for s in mine if s.rater == i) if shown[i] else None for i in range(len(raters))),
            result.observed, result.expected, defined(result.alpha), alpha_band(defined(result.alpha)))
        rows.append(row if asker.is_admin else _as_coder_sees(row, shown.index(True)))
    return SpanAgreementReport(raters, order, total, BASIS_ALL if include_unfinished else BASIS_DONE, tuple(rows))


# Per (rater's index in the report's order, code): each coding as a stretch of its transcript,
# (transcript, start, end): a span as coded, a whole-segment coding its segment, a
# whole-transcript coding (None, None): the transcript.
_Coded = dict[tuple[int, str], list[tuple[str, int | None, int | None]]]


def _coded(session: Session, raters: tuple[str, ...], transcript_ids: list[int]) -> _Coded:
    """The codings of ``raters`` on the compared transcripts, only what a stretch needs (no
    memo, no text): the database joins each to its segment's bounds."""
    index = {rater_user(session, r).id: n for n, r in enumerate(raters)}
    refs = {c.id: c.ref for c in codes_mod.all_codes(session, include_retired=True)}
    coded: _Coded = {}
    for chunk in (transcript_ids[at:at + _CHUNK] for at in range(0, len(transcript_ids), _CHUNK)):
        for rater_id, name, code_id, segment_id, seg_start, seg_end, span_start, span_end in session.execute(
                select(Coding.rater_id, Transcript.name, Coding.code_id, Coding.segment_id, Segment.start,
                       Segment.end, Coding.span_start, Coding.span_end)
                .join(Transcript, Coding.transcript_id == Transcript.id)
                .outerjoin(Segment, Coding.segment_id == Segment.id)
                .where(Coding.rater_id.in_(list(index)), Coding.transcript_id.in_(chunk))):
            if segment_id is None:
                start, end = None, None
            elif span_start is None:
                start, end = seg_start, seg_end
            else:
                start, end = span_start, span_end
            coded.setdefault((index[rater_id], refs[code_id]), []).append((name, start, end))
    return coded


_CHUNK = 500  # transcript ids per IN (...) list

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


def _stretches(coded: _Coded, offsets: dict) -> list[Span]:
    """Each rater's stretches of each code on the continuum; overlapping stretches of one rater
    and code (a span inside a segment that rater also coded whole) count once, as their union."""
    spans = []
    for (rater, code), held in coded.items():
        stretches = []
        for transcript, start, end in held:
            base, length = offsets[transcript]
            stretches.append((base, base + length) if start is None else (base + start, base + end))
        for start, end in _union(stretches):
            spans.append(Span(start, end - start, rater, code))
    return spans


def _union(stretches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(stretches):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]
