"""A study's span agreement read as arrays (``span_study.span_agreement``: the database gives each
coding's stretch, the union and alpha_u are array operations) is what it was, figure for figure:
every coding read through the ORM transcript by transcript, each rater's stretches of a code
united one by one, alpha_u swept section by section (``test_spans_swept.swept_alpha``). On the
sample study, on a varied one (three raters, spans, whole-transcript codings, an exclusion, a
transcript one rater has not finished) and on ones where raters coded spans inside segments they
also coded whole or spans touching and overlapping their spans (stretches united or not), on SQLite
and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from study.agreement import defined
from study.agreement.span_study import SpanAgreementReport, SpanCodeAgreement, span_agreement
from study.agreement.spans import Span
from study.agreement.study_agreement import alpha_band
from study.agreement.units import BASIS_ALL, BASIS_DONE, basis_transcripts, code_infos
from study.auth import CLI
from study.schema import codings, segments, unit_key
from study.store import Code, Coding, Segment, Transcript, User
from tests.conftest import coded_sample_study
from tests.test_agreement_counted import spans_twice_study
from tests.test_counting_equivalence import varied_study
from tests.test_spans_swept import swept_alpha


def span_report_before(study, raters: tuple[str, ...], theme: str | None, include_unfinished: bool):
    """``span_agreement`` for the study's administrator, as it was computed before it read arrays."""
    names = basis_transcripts(study, CLI, raters, include_unfinished)
    with study.session() as session:
        shown = session.execute(select(Transcript.id, Transcript.name, Transcript.text)
                                .where(Transcript.name.in_(names))).all()
        segmented = set(session.scalars(select(Segment.transcript_id)))
        order = sorted((t for t in shown if t.id in segmented), key=lambda t: t.id) + \
            sorted((t for t in shown if t.id not in segmented), key=lambda t: t.name)
        index = {session.scalar(select(User.id).where(User.name == r)): n for n, r in enumerate(raters)}
        refs = {code.id: code.ref for code in session.scalars(select(Code))}
        held, position = {}, 0
        for transcript in order:  # each coding as a stretch of the continuum, transcript by transcript
            for rater, code, segment, span_start, span_end, segment_start, segment_end in session.execute(
                    select(Coding.rater_id, Coding.code_id, Coding.segment_id, Coding.span_start, Coding.span_end,
                           Segment.start, Segment.end).outerjoin(Segment, Segment.id == Coding.segment_id)
                    .where(Coding.transcript_id == transcript.id, Coding.rater_id.in_(list(index)))):
                if segment is None:
                    start, end = 0, len(transcript.text)
                elif span_start is None:
                    start, end = segment_start, segment_end
                else:
                    start, end = span_start, span_end
                held.setdefault((index[rater], refs[code]), []).append((position + start, position + end))
            position += len(transcript.text)
    codes = code_infos(study, {ref for _, ref in held}, theme)
    spans = [Span(start, end - start, rater, ref) for (rater, ref), stretches in held.items()
             if ref in {c.ref for c in codes} for start, end in united(stretches)]
    results = swept_alpha(spans, 0, position, len(raters))
    rows = []
    for code in (c for c in codes if c.ref in results):
        mine = [s for s in spans if s.category == code.ref]
        observed, expected, alpha = results[code.ref]
        rows.append(SpanCodeAgreement(
            code.ref, tuple(sum(s.rater == r for s in mine) for r in range(len(raters))),
            tuple(sum(s.length for s in mine if s.rater == r) for r in range(len(raters))),
            observed, expected, defined(alpha), alpha_band(defined(alpha))))
    return SpanAgreementReport(raters, tuple(t.name for t in order), position,
                               BASIS_ALL if include_unfinished else BASIS_DONE, tuple(rows))


def united(stretches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping stretches (not those merely touching) merged, one after another."""
    merged: list[list[int]] = []
    for start, end in sorted(stretches):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def spans_touching_study(study) -> None:
    """``varied_study`` where a rater coded, beside every second span, a span of the same code
    starting where it ends (touching: two stretches) and, beside every third, one that starts inside
    it and ends past it (overlapping: one stretch, longer than either)."""
    varied_study(study)
    with study.connection() as conn:
        coded = conn.execute(select(codings.c.rater_id, codings.c.transcript_id, codings.c.segment_id,
                                    codings.c.code_id, codings.c.span_start, codings.c.span_end, segments.c.end,
                                    codings.c.created_at)
                             .join(segments, segments.c.id == codings.c.segment_id)
                             .where(codings.c.span_start.is_not(None)).order_by(codings.c.id)).all()
        added = [(c, c.span_end, c.span_end + 2) for c in coded[::2] if c.span_end + 2 <= c.end]
        added += [(c, c.span_start + 1, c.span_end + 1) for c in coded[::3] if c.span_end + 1 <= c.end]
        conn.execute(insert(codings), [
            {"rater_id": c.rater_id, "transcript_id": c.transcript_id, "segment_id": c.segment_id,
             "code_id": c.code_id, "unit_key": unit_key(c.segment_id, (start, end)), "span_start": start,
             "span_end": end, "memo": None, "created_at": c.created_at} for c, start, end in added])


@pytest.mark.parametrize("build, raters", [(varied_study, ("alice", "bob", "carol")),
                                           (spans_twice_study, ("alice", "bob", "carol")),
                                           (spans_touching_study, ("alice", "bob", "carol")),
                                           (coded_sample_study, ("alice", "bob"))])
def test_span_agreement_is_what_it_was(study_from, build, raters):
    study = study_from(build)
    with study.session() as session:
        theme = next(c.top_theme for c in session.scalars(select(Code)) if c.top_theme)
    compared = 0
    for chosen in dict.fromkeys((raters, raters[:2])):  # every rater, and a pair of them
        for theme_chosen, unfinished in ((None, False), (None, True), (theme, False)):
            report = span_agreement(study, CLI, chosen, theme_chosen, include_unfinished=unfinished)
            assert report == span_report_before(study, chosen, theme_chosen, unfinished), (chosen, theme_chosen)
            compared += sum(c.alpha is not None for c in report.codes)
    assert compared > 10  # the figures compared are alphas, not only empty reports
