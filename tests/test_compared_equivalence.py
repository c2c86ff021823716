"""Agreement's units and adjudication's carrying read from the grouped query (``study.compared``)
equal what they were when every coding was read into a frame (``tests/agreement_before.py``), on
the sample study and on a varied one (three raters, spans, whole-transcript codings, an exclusion,
a transcript one rater has not finished, one without a participant)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, select

from study.adjudication import _consensus_coverage, adjudication_progress, auto_adjudicate, disagreements, resolve
from study.auth import CLI, consensus_user
from study.schema import unit_key
from study.store import AuditEntry, Coding, Resolution, utcnow
from tests import agreement_before as before
from tests.conftest import coded_sample_study
from tests.test_counting_equivalence import varied_study

SAMPLE_RATERS = ["alice", "bob"]
VARIED_RATERS = ["alice", "bob", "carol"]


def consensus_state(study) -> tuple[Counter, dict, list]:
    """The consensus codings (segment, code, span), the latest decision per segment (decision,
    codes, adjudicator, reason) and what the ``adjudicate.auto`` entries say."""
    with study.session() as session:
        user = consensus_user(session)
        held = Counter(session.execute(select(Coding.segment_id, Coding.code_id, Coding.span_start, Coding.span_end)
                                       .where(Coding.rater_id == user.id)).all())
        latest = {r.segment_id: (r.decision, tuple(r.codes), r.adjudicator, r.reason)
                  for r in session.scalars(select(Resolution).order_by(Resolution.id))}
        audited = [(e.target, e.after) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "adjudicate.auto").order_by(AuditEntry.id))]
    return held, latest, audited


def forget_consensus(study) -> None:
    with study.session() as session:
        session.execute(delete(Resolution))
        session.execute(delete(Coding).where(Coding.rater_id == consensus_user(session).id))
        session.execute(delete(AuditEntry).where(AuditEntry.action.like("adjudicate.%")))


def carried_both_ways(study, raters, before_each=lambda: None) -> None:
    """Auto-adjudicate twice around a decision, the old way then the new way from the same start."""
    def run(auto):
        forget_consensus(study)
        before_each()
        covered = [covers_and_progress(study, raters)]
        first = auto(study, CLI, raters)
        covered.append(covers_and_progress(study, raters))
        item = disagreements(study, CLI, raters)[0]
        resolve(study, CLI, raters, item.transcript, item.segment, "both", reason="both are right")
        covered.append(covers_and_progress(study, raters))
        return first, auto(study, CLI, raters), consensus_state(study), covered

    old, new = run(before.auto_adjudicate), run(auto_adjudicate)
    assert old[0].agreed_units and old[0].disputed_units and old[1].kept_units == 1  # the study has each case
    assert new[:3] == old[:3]
    (before_carrying, _), (after_carrying, _), (after_deciding, _) = old[3]  # new equals old at each (below)
    assert before_carrying.finished and before_carrying.uncovered and not after_carrying.uncovered
    assert after_deciding.decided == 1 and after_carrying.carried


def covers_and_progress(study, raters):
    """What the consensus covers and the adjudication's progress, read new and old at this moment (the
    coverage unmemoised: the test deletes audit entries, which the memo is keyed by)."""
    new = (_consensus_coverage.__wrapped__(study, CLI), adjudication_progress(study, raters, CLI))
    old = (before.consensus_coverage(study, CLI), before.adjudication_progress(study, raters, CLI))
    assert new == old
    return new


def test_auto_adjudication_carries_what_it_carried_on_the_sample_study(study_from):
    carried_both_ways(study_from(coded_sample_study), SAMPLE_RATERS)


def test_auto_adjudication_carries_what_it_carried_on_a_varied_study(study_from):
    study = study_from(varied_study)
    with study.session() as session:  # a consensus coding left over where the raters now disagree
        stale = session.execute(select(Coding.transcript_id, Coding.segment_id, Coding.code_id)
                                .where(Coding.segment_id.is_not(None)).limit(1)).one()

    def leftover():
        with study.session() as session:
            session.add(Coding(rater_id=consensus_user(session).id, transcript_id=stale[0], segment_id=stale[1],
                               code_id=stale[2], unit_key=unit_key(stale[1]), created_at=utcnow()))

    carried_both_ways(study, VARIED_RATERS, leftover)
