"""The agreement report from units counted in the database (``study.agreement.counted``) equals
the report from every unit read (``units.unit_table``), figure for figure, bootstrap intervals
included, on the sample study and on a varied one (three raters, spans, whole-transcript codings,
an exclusion, a transcript one rater has not finished, interviewer turns); and an exclusive theme
still gets its cu-alpha (it reads the units). The disagreements and the Adjudicate page's docket,
read from the disputed segments only, are the units' disputed ones; and the docket counted,
filtered and paged in the database, put together, is that whole list filtered."""
from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import numpy as np
import pytest
from sqlalchemy import insert, select, update

from study.adjudication import Disagreement, disagreements, docket, resolve
from study.agreement.breakdown import GroupAgreement, agreement_by
from study.agreement.counted import transcript_counts, unit_counts
from study.agreement import visibility
from study.agreement.study_agreement import (
    TOO_FEW,
    agreement_report,
    coder_report,
    report_from_counts,
    report_from_table,
)
from study.agreement.units import unit_table
from study.auth import CLI, Actor
from study.consensus import AGREED
from study.disputes import (
    AdjudicationProgress,
    DisagreementFilter,
    disagreement_table,
    disagreements_on,
    docket_page,
    filter_disagreements,
    shown,
)
from study.schema import codings, segments, transcripts, unit_key
from study.store import Theme
from tests.conftest import coded_sample_study
from tests.test_counting_equivalence import varied_study

OPTIONS = [{}, {"participant_turns_only": True}, {"include_unfinished": True}]


def assert_same_reports(study, raters: list[str]) -> int:
    compared = 0
    for size in range(2, len(raters) + 1):
        for chosen in combinations(raters, size):
            for options in OPTIONS:
                counted = report_from_counts(unit_counts(study, CLI, chosen, **options), replicates=200)
                read = report_from_table(unit_table(study, CLI, chosen, "segment", **options), replicates=200)
                assert counted == read, f"{chosen} {options}"
                assert agreement_report(study, CLI, chosen, "segment", replicates=200, **options) == read
                compared += sum(c.alpha is not None for c in read.codes)
    return compared


def test_the_report_counted_in_the_database_equals_the_report_of_every_unit(study_from):
    assert assert_same_reports(study_from(varied_study), ["alice", "bob", "carol"]) > 20


def test_the_counted_report_of_the_sample_study_equals_the_report_of_every_unit(study_from):
    assert assert_same_reports(study_from(coded_sample_study), ["alice", "bob"]) > 5


def assert_same_coder_reports(study, raters: list[str]) -> int:
    """What each coder sees (the bands, their own counts) from the counted units, as from every unit."""
    visibility.set_coders_see_agreement(study, CLI, True)
    judged = 0
    for size in range(2, len(raters) + 1):
        for chosen in combinations(raters, size):
            for options in OPTIONS[:2]:  # a coder never compares unfinished transcripts
                for name in chosen:
                    coder = Actor(name, "coder")
                    read = coder_report(unit_table(study, coder, chosen, "segment", **options), name)
                    assert coder_report(unit_counts(study, coder, chosen, **options), name) == read
                    assert agreement_report(study, coder, chosen, "segment", **options) == read, f"{name} {chosen}"
                    judged += sum(c.band not in (None, TOO_FEW) for c in read.codes)
    return judged


def test_a_coders_report_counted_in_the_database_equals_the_report_of_every_unit(study_from):
    assert assert_same_coder_reports(study_from(varied_study), ["alice", "bob", "carol"]) > 5


def test_a_coders_report_of_the_sample_study_counted_equals_the_report_of_every_unit(study_from):
    assert assert_same_coder_reports(study_from(coded_sample_study), ["alice", "bob"]) > 0


def test_a_theme_chosen_is_counted_as_the_units_give_it(study_from):
    study = study_from(coded_sample_study)
    theme = next(c.theme_ref for c in unit_table(study, CLI, ["alice", "bob"]).codes)
    counted = report_from_counts(unit_counts(study, CLI, ["alice", "bob"], theme=theme))
    assert counted == report_from_table(unit_table(study, CLI, ["alice", "bob"], "segment", theme))
    assert {c.theme for c in counted.codes} == {theme}


def test_an_exclusive_theme_keeps_its_cu_alpha(study_from):
    study = study_from(coded_sample_study)
    with study.session() as session:
        session.execute(update(Theme).where(Theme.id == session.scalar(select(Theme.id).order_by(Theme.id)))
                        .values(exclusive=True))
    report = agreement_report(study, CLI, ["alice", "bob"], replicates=100)
    assert report == report_from_table(unit_table(study, CLI, ["alice", "bob"]), replicates=100)
    assert any(t.exclusive for t in report.themes)


def disputed_units(study, raters, include_unfinished: bool = False, decided: dict | None = None) -> list:
    """The rule, read off the units: every segment where some but not all raters applied a code,
    in reading order, each rater's codes and the disputed ones sorted, with its latest decision."""
    table = unit_table(study, CLI, raters, "segment", include_unfinished=include_unfinished)
    disputed, decided = table.disputed(), decided or {}
    return [Disagreement(unit.transcript, unit.segment, unit.speaker, unit.text,
                         {r: table.codes_of(u, i) for i, r in enumerate(table.raters)},
                         tuple(sorted(table.codes[c].ref for c in disputed[u].nonzero()[0])), unit.participant,
                         decided.get((unit.transcript, unit.segment)))
            for u, unit in enumerate(table.units) if disputed[u].any()]


def latest(study, raters) -> dict:
    from study.store import Resolution, Segment, Transcript
    key = ",".join(sorted(raters))
    with study.session() as session:
        rows = session.execute(select(Transcript.name, Segment.index, Resolution.decision)
                               .join(Segment, Segment.id == Resolution.segment_id)
                               .join(Transcript, Transcript.id == Segment.transcript_id)
                               .where(Resolution.raters == key).order_by(Resolution.id)).all()
    found = {}
    for name, index, decision in rows:
        found[name, index] = None if decision == AGREED else decision
    return found


@pytest.mark.parametrize("build, raters", [(varied_study, ["alice", "bob", "carol"]),
                                           (coded_sample_study, ["alice", "bob"])])
def test_the_disagreements_read_from_the_disputed_segments_are_the_units_disputed_ones(study_from, build, raters):
    study = study_from(build)
    first = disagreements(study, CLI, raters)[0]
    resolve(study, CLI, raters, first.transcript, first.segment, "both", reason="both are right")
    for size in range(2, len(raters) + 1):
        for chosen in combinations(raters, size):
            expected = disputed_units(study, chosen, decided=latest(study, chosen))
            assert len(expected) > 3
            assert disagreements(study, CLI, chosen) == expected
            assert disagreements(study, CLI, chosen, include_unfinished=True) == disputed_units(
                study, chosen, True, latest(study, chosen))
    assert disagreements(study, CLI, raters)[0].resolution == "both"


def filters(items: list, raters: list[str]) -> list[DisagreementFilter]:
    """Each filter the pages offer, with choices taken from the disagreements themselves, and two
    together: a transcript, a code, a theme and a sub-theme, a rater, unresolved only."""
    refs = sorted({ref for d in items for ref in d.disputed})
    nested = next(ref for ref in refs if ref.count("/") > 1)
    return [DisagreementFilter(), DisagreementFilter(unresolved_only=True),
            DisagreementFilter(transcripts=(items[-1].transcript, items[0].transcript)),
            DisagreementFilter(codes=(refs[0], refs[-1])), DisagreementFilter(themes=(refs[-1].split("/")[0],)),
            DisagreementFilter(themes=(nested.rsplit("/", 1)[0],)), DisagreementFilter(rater=raters[-1]),
            DisagreementFilter(themes=(refs[0].split("/")[0],), rater=raters[0], unresolved_only=True)]


def turned_study(study) -> None:
    """``varied_study`` with one transcript's segment ids against its reading order (as re-segmenting
    leaves them): reading order is the segments' index, not their id."""
    varied_study(study)
    with study.connection() as conn:
        turned = conn.scalar(select(transcripts.c.id).where(transcripts.c.name == "T2"))
        for shift in (segments.c.index + 100, 109 - segments.c.index):  # two steps: (transcript, index) is unique
            conn.execute(update(segments).where(segments.c.transcript_id == turned).values(index=shift))


@pytest.mark.parametrize("build, raters", [(turned_study, ["alice", "bob", "carol"]),
                                           (coded_sample_study, ["alice", "bob"])])
def test_the_docket_paged_in_the_database_puts_together_the_whole_list(study_from, build, raters):
    """The docket's counts and choices, what each filter shows and its pages, put together, are the
    disputed units of ``unit_table`` filtered in Python (``DisagreementFilter.keeps``)."""
    study = study_from(build)
    for size in range(2, len(raters) + 1):
        for chosen in combinations(raters, size):
            for item in disagreements(study, CLI, chosen)[1:6:2]:  # decided: some are resolved, some not
                resolve(study, CLI, chosen, item.transcript, item.segment, "neither")
            everything = disputed_units(study, chosen, decided=latest(study, chosen))
            held = docket(study, CLI, chosen)
            assert held.units == len(unit_table(study, CLI, chosen).units)
            assert held.progress == AdjudicationProgress(
                held.units, len(everything), sum(1 for d in everything if d.resolution))
            assert held.transcripts == tuple(dict.fromkeys(d.transcript for d in everything))
            assert held.codes == tuple(sorted({ref for d in everything for ref in d.disputed}))
            for where in filters(everything, list(chosen)):
                expected = filter_disagreements(everything, where)
                assert 0 < len(expected) and (where == DisagreementFilter() or len(expected) < len(everything))
                kept = shown(study, CLI, chosen, where)
                assert (len(kept), kept.resolved) == (len(expected), sum(1 for d in expected if d.resolution))
                assert disagreements_on(study, CLI, chosen, kept.segments) == expected
                for rows in (7,):
                    pages = [docket_page(study, CLI, kept, n, rows) for n in range(1, -(-len(expected) // rows) + 1)]
                    assert [row for page in pages for row in page.table.rows] == list(
                        disagreement_table(expected, chosen).rows), (where, rows)
                    assert [page.offset for page in pages] == list(range(0, len(expected), rows))
    unfinished = disputed_units(study, raters, True, latest(study, raters))
    assert disagreements_on(study, CLI, raters, shown(study, CLI, raters, include_unfinished=True).segments) == \
        unfinished


def test_a_filter_nothing_matches_shows_nothing(study_from):
    study = study_from(coded_sample_study)
    assert len(shown(study, CLI, ["alice", "bob"], DisagreementFilter(codes=("No such/code",)))) == 0
    assert len(shown(study, CLI, ["alice", "bob"], DisagreementFilter(rater="carol"))) == 0
    assert docket_page(study, CLI, shown(study, CLI, ["alice", "bob"], DisagreementFilter(transcripts=("nope",)))
                       ).table.rows == ()
    everything = shown(study, CLI, ["alice", "bob"])
    last = docket_page(study, CLI, everything, 99, 2)  # past the last page: the last
    assert (last.number, last.offset) == (-(-len(everything) // 2), 2 * (-(-len(everything) // 2) - 1))


def per_transcript_of_units(study, raters, **options) -> list[GroupAgreement]:
    """Agreement per transcript read off the units: each transcript's slice of the units table,
    summarised by the full report (``report_from_table``, no interval)."""
    table = unit_table(study, CLI, raters, "segment", **options)
    rows = []
    for name in table.transcripts:
        keep = [i for i, unit in enumerate(table.units) if unit.transcript == name]
        part = replace(table, transcripts=(name,), units=tuple(table.units[i] for i in keep),
                       presence=table.presence[keep])
        overall = report_from_table(part, replicates=0).overall
        disputed = int(part.disputed().any(axis=1).sum())
        rows.append(GroupAgreement(name, table.raters, 1, len(keep), disputed,
                                   float(np.round(1 - disputed / len(keep), 6)) if keep else None,
                                   overall.median_alpha, overall.pooled_alpha, overall.codes_with_alpha))
    return rows


def spans_twice_study(study) -> None:
    """``varied_study`` where a rater applied a code twice on some segments: a second span beside
    every third span, and a span beside every fourth whole-segment coding (one unit, one rater)."""
    varied_study(study)
    with study.connection() as conn:
        coded = conn.execute(select(codings.c.rater_id, codings.c.transcript_id, codings.c.segment_id,
                                    codings.c.code_id, codings.c.span_start, codings.c.span_end, segments.c.start,
                                    codings.c.created_at)
                             .join(segments, segments.c.id == codings.c.segment_id).order_by(codings.c.id)).all()
        spans, wholes = [c for c in coded if c.span_start is not None], [c for c in coded if c.span_start is None]
        added = [(c, c.span_start) for c in spans[::3] if c.span_end - c.span_start >= 2]
        added += [(c, c.start) for c in wholes[::4]]
        conn.execute(insert(codings), [
            {"rater_id": c.rater_id, "transcript_id": c.transcript_id, "segment_id": c.segment_id,
             "code_id": c.code_id, "unit_key": unit_key(c.segment_id, (at, at + 1)), "span_start": at,
             "span_end": at + 1, "memo": None, "created_at": c.created_at} for c, at in added])


@pytest.mark.parametrize("build, raters", [(varied_study, ["alice", "bob", "carol"]),
                                           (spans_twice_study, ["alice", "bob", "carol"]),
                                           (coded_sample_study, ["alice", "bob"])])
def test_agreement_per_transcript_counted_in_the_database_equals_the_units_slices(study_from, build, raters):
    study = study_from(build)
    compared = 0
    for size in range(2, len(raters) + 1):
        for chosen in combinations(raters, size):
            for options in OPTIONS:
                counted = agreement_by(study, CLI, chosen, "transcript", **options)
                assert counted == per_transcript_of_units(study, chosen, **options), f"{chosen} {options}"
                compared += sum(g.median_alpha is not None for g in counted)
    assert compared > 5


def test_agreement_per_transcript_counts_a_disputed_segment_once_and_leaves_out_whole_transcript_codings(study_from):
    study = study_from(varied_study)
    counts = transcript_counts(study, CLI, ["alice", "bob", "carol"], include_unfinished=True)
    table = unit_table(study, CLI, ["alice", "bob", "carol"], "segment", include_unfinished=True)
    assert counts.transcripts == table.transcripts
    assert counts.units.tolist() == [sum(u.transcript == name for u in table.units) for name in table.transcripts]
    # every transcript's histogram of each code adds up to its units: whole-transcript codings are no unit
    assert (counts.histograms.sum(axis=2) == counts.units[:, np.newaxis]).all()
    assert counts.disputed.sum() == int(table.disputed().any(axis=1).sum()) > 0
