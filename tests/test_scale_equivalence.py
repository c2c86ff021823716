"""The bulk and set-based paths of issue 20 give what the row-by-row ones gave, on the sample study:
marking transcripts done carries into the consensus exactly what ``auto_adjudicate`` (which reads
the raters' unit table, segment by segment) carries; progress counted in the database equals the
progress rule counted in Python; a codings import stores and audits each row as one write does."""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict

from sqlalchemy import delete, select

from study import codings, workspace
from study.adjudication import auto_adjudicate, disagreements, resolve
from study.auth import CLI, Actor, consensus_user
from study.codings import Progress, progress_of
from study.consensus import AutoResult
from study.demo import CODINGS_DIR
from study.store import AuditEntry, Coding, Resolution, Segment, Transcript, TranscriptStatus, User
from tests.conftest import uncoded_sample_study
from tests.factories import add_raters

RATERS = sorted(p.stem for p in CODINGS_DIR.glob("*.csv"))


def coded_not_done(study) -> list[str]:
    """The sample study with every rater's codings imported and nothing marked done; the transcripts' names."""
    for rater in RATERS:
        codings.import_codings_csv(study, CLI, rater, CODINGS_DIR / f"{rater}.csv")
    with study.session() as session:
        return list(session.scalars(select(Transcript.name).order_by(Transcript.id)))


def mark_all(study, names: list[str], carry: bool) -> None:
    with study.session() as session:
        ids = list(session.scalars(select(Transcript.id).order_by(Transcript.id)))
        for rater in RATERS:
            user = session.scalar(select(User).where(User.name == rater))
            codings.set_done_all(session, CLI, user.id, ids, True, carry=carry)


def consensus_state(study) -> tuple[Counter, dict]:
    """The consensus codings (segment, code, span) and the latest decision (decision, codes) per segment."""
    with study.session() as session:
        user = consensus_user(session)
        held = Counter(session.execute(select(Coding.segment_id, Coding.code_id, Coding.span_start, Coding.span_end)
                                       .where(Coding.rater_id == user.id)).all())
        latest = {r.segment_id: (r.decision, tuple(r.codes))
                  for r in session.scalars(select(Resolution).order_by(Resolution.id))}
    return held, latest


def forget_consensus(study) -> None:
    with study.session() as session:
        session.execute(delete(Resolution))
        session.execute(delete(Coding).where(Coding.rater_id == consensus_user(session).id))


def carried_totals(study) -> AutoResult:
    """The sum of what the ``adjudicate.carry`` entries say was carried, transcript by transcript."""
    with study.session() as session:
        entries = session.scalars(select(AuditEntry.after).where(AuditEntry.action == "adjudicate.carry")).all()
    fields = list(asdict(AutoResult(0, 0, 0, 0, 0, 0)))
    return AutoResult(*(sum(e[f] for e in entries) for f in fields))


def test_marking_done_carries_what_auto_adjudication_carries(study_from):
    study = study_from(uncoded_sample_study)
    names = coded_not_done(study)
    mark_all(study, names, carry=False)
    auto = auto_adjudicate(study, CLI, RATERS)
    assert auto.agreed_units > 0 and auto.disputed_units > 0  # the sample has both
    expected = consensus_state(study)

    forget_consensus(study)
    codings.mark_transcripts_done(study, CLI, RATERS[-1], names, anyway=True)  # the set-based carry
    held, latest = consensus_state(study)
    assert held == expected[0]
    assert {s: d for s, d in latest.items()} == expected[1]
    assert carried_totals(study) == auto


def test_a_decision_is_kept_by_both_paths_alike(study_from):
    study = study_from(uncoded_sample_study)
    names = coded_not_done(study)
    mark_all(study, names, carry=False)
    auto_adjudicate(study, CLI, RATERS)
    first = disagreements(study, CLI, RATERS)[0]
    resolve(study, CLI, RATERS, first.transcript, first.segment, "both", reason="both are right")
    auto_adjudicate(study, CLI, RATERS)
    expected = consensus_state(study)

    forget_consensus(study)
    codings.mark_transcripts_done(study, CLI, RATERS[-1], names, anyway=True)
    resolve(study, CLI, RATERS, first.transcript, first.segment, "both", reason="both are right")
    codings.mark_transcripts_done(study, CLI, RATERS[0], names, anyway=True)  # carried again: the decision stays
    assert consensus_state(study) == expected


def test_marking_done_again_changes_nothing_in_the_consensus(study_from):
    study = study_from(uncoded_sample_study)
    names = coded_not_done(study)
    for rater in RATERS:
        codings.mark_transcripts_done(study, CLI, rater, names, anyway=True)
    before = consensus_state(study)
    with study.session() as session:
        decisions = session.query(Resolution).count()
    codings.mark_transcripts_done(study, CLI, RATERS[0], names, anyway=True)
    assert consensus_state(study) == before
    with study.session() as session:
        assert session.query(Resolution).count() == decisions  # nothing new to record
        marks = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("transcript.%"))).all()
    assert Counter(marks)["transcript.done"] == len(names) * (len(RATERS) + 1)


def test_progress_counted_in_the_database_is_the_progress_rule(study_from):
    study = study_from(uncoded_sample_study)
    coded_not_done(study)
    with study.session() as session:
        roles: dict[int, dict[int, str]] = {}
        for tid, sid, role in session.execute(select(Segment.transcript_id, Segment.id, Segment.role)):
            roles.setdefault(tid, {})[sid] = role
        for rater in RATERS:
            rater_id = session.scalar(select(User.id).where(User.name == rater))
            coded: dict[int, set[int]] = {}
            for tid, sid in session.execute(select(Coding.transcript_id, Coding.segment_id).where(
                    Coding.rater_id == rater_id, Coding.segment_id.is_not(None))):
                coded.setdefault(tid, set()).add(sid)
            expected = {tid: progress_of(r, coded.get(tid, set())) for tid, r in roles.items()}
            assert codings.progress_by_transcript_ids(session, CLI, rater_id) == expected
            some = sorted(roles)[:2]
            assert codings.progress_by_transcript_ids(session, CLI, rater_id, some) == {t: expected[t] for t in some}
            assert any(p.coded for p in expected.values()) and any(p.uncoded for p in expected.values())


def test_the_code_pages_list_counts_as_its_progress_bar(study_from):
    study = study_from(uncoded_sample_study)
    coded_not_done(study)
    actor = Actor(RATERS[0], "coder")
    for choice in workspace.transcript_progress(study, actor):
        assert choice.progress == workspace.coder_state(study, actor, choice.id).progress
        assert isinstance(choice.progress, Progress)


def test_an_import_stores_and_audits_each_row_as_one_write_does(study_from):
    study = study_from(uncoded_sample_study)
    rater = RATERS[0]
    rows = codings._read_codings_csv(CODINGS_DIR / f"{rater}.csv")
    changed = codings.import_codings_csv(study, CLI, rater, CODINGS_DIR / f"{rater}.csv")
    with study.session() as session:
        bulk = session.scalars(select(AuditEntry).where(AuditEntry.action == "coding.apply")
                               .order_by(AuditEntry.id)).all()
        bulk = [(e.target, {k: v for k, v in e.after.items() if k != "rater_id"}) for e in bulk]
    one_by_one = "copy-of-" + rater
    add_raters(study, one_by_one)
    for _, row in rows:
        span = (int(row["start"]), int(row["end"])) if row.get("start") else None
        codings.apply_code(study, CLI, one_by_one, row["transcript"], int(row["segment"]) if row["segment"] else None,
                           row["code"], row.get("memo") or None, span)
    with study.session() as session:
        single = session.scalars(select(AuditEntry).where(AuditEntry.action.in_(("coding.apply", "coding.memo")))
                                 .order_by(AuditEntry.id)).all()[len(bulk):]
        single = [(e.target, {k: v for k, v in e.after.items() if k != "rater_id"}) for e in single
                  if e.action == "coding.apply"]
        status = session.scalars(select(TranscriptStatus)).all()
    assert changed == len(bulk) > 100
    assert sorted(bulk, key=str) == sorted(single, key=str)  # the same codings, named alike
    assert status == []  # importing marks nothing done
    ours = [(r.transcript, r.segment, r.code, r.memo, r.span) for r in codings.codings_of(study, CLI, rater)]
    theirs = [(r.transcript, r.segment, r.code, r.memo, r.span) for r in codings.codings_of(study, CLI, one_by_one)]
    assert ours == theirs

