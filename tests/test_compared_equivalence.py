"""Agreement's units and adjudication's carrying read from the grouped query (``study.compared``)
equal what they were when every coding was read into a frame (``tests/agreement_before.py``), on
the sample study and on a varied one (three raters, spans, whole-transcript codings, an exclusion,
a transcript one rater has not finished, one without a participant)."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from itertools import product

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, select

from study import schema
from study.adjudication import (
    _consensus_coverage,
    adjudication_progress,
    auto_adjudicate,
    disagreements,
    resolve,
)
from study.agreement.breakdown import agreement_by
from study.agreement.units import unit_table
from study.auth import CLI, consensus_user
from study.schema import unit_key
from study.store import AuditEntry, Coding, Resolution, Theme, utcnow
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


def table_fields(table, unnamed: str = "T14") -> tuple:
    """What a units table holds. Where the frame path gave pandas' NaN for a transcript without a
    participant (the varied study's ``unnamed``), the new path gives what a Unit's type and the
    docstring say: participant None, and at participant level a unit labelled with the transcript."""
    def named(unit):
        if isinstance(unit.label, float):
            return replace(unit, label=unnamed, participant=unnamed)
        return replace(unit, participant=None) if isinstance(unit.participant, float) else unit

    units = tuple(named(u) for u in table.units)
    return (table.raters, table.level, table.basis, table.transcripts, units, table.codes,
            table.presence.shape, table.presence.tolist(), table.notes)


def same_tables(study, raters: list[str], themes: list[str | None]) -> int:
    """Every units table of these raters (each level, theme, basis and turn choice), new and old."""
    compared = 0
    for level, theme, unfinished, turns in product(("segment", "participant"), themes, (False, True), (False, True)):
        if turns and level == "participant":
            continue
        new = unit_table(study, CLI, raters, level, theme, unfinished, turns)
        old = before.unit_table(study, CLI, raters, level, theme, unfinished, turns)
        assert table_fields(new) == table_fields(old), f"{level}, {theme}, unfinished {unfinished}, turns {turns}"
        compared += 1
    return compared


def test_units_tables_are_what_they_were_on_the_sample_study(study_from):
    study = study_from(coded_sample_study)
    assert same_tables(study, SAMPLE_RATERS, [None, "Challenges"]) == 12


def test_units_tables_are_what_they_were_on_a_varied_study(study_from):
    study = study_from(varied_study)
    with study.session() as session:
        theme = session.scalars(select(Theme.name).order_by(Theme.id)).first()
    for raters in (VARIED_RATERS, VARIED_RATERS[:2], VARIED_RATERS[::-1]):
        assert same_tables(study, raters, [None, theme]) == 12
    table = unit_table(study, CLI, VARIED_RATERS, "segment", None, True, True)
    assert any("whole-transcript" in n for n in table.notes) and any("coding(s) on them" in n for n in table.notes)


def test_a_transcript_without_a_participant_is_its_own_unit_as_before(study_from):
    study = study_from(varied_study)
    new = unit_table(study, CLI, VARIED_RATERS, "participant")
    assert "T14" in {u.label for u in new.units}  # the varied study's T14 has no participant
    assert table_fields(new) == table_fields(before.unit_table(study, CLI, VARIED_RATERS, "participant"))


def test_agreement_per_transcript_and_per_pair_is_what_it_was(study_from):
    study = study_from(varied_study)
    for by, level, turns in (("transcript", "segment", False), ("transcript", "segment", True),
                             ("pair", "segment", False), ("pair", "segment", True), ("pair", "participant", False)):
        new = agreement_by(study, CLI, VARIED_RATERS, by, level, participant_turns_only=turns)
        old = before.agreement_by(study, CLI, VARIED_RATERS, by, level, turns)
        assert new == old, (by, level, turns)
        assert any(g.median_alpha is not None for g in new) and any(g.disputed_units for g in new)


def four_raters_study(study) -> None:
    """The varied study and a fourth rater, dave, who marked done T1-T10 but T3 and coded T11 and T12
    without finishing them: the pairs compare different transcripts. Only dave applied a code that is
    now retired, so only his pairs list it."""
    varied_study(study)
    rng, now = random.Random(4), datetime.now(timezone.utc)
    with study.connection() as conn:
        code_ids = conn.execute(sa.select(schema.codes.c.id).order_by(schema.codes.c.id)).scalars().all()
        dave = conn.execute(schema.users.insert().values(name="dave", role="coder", created_at=now)).inserted_primary_key[0]
        named = dict(conn.execute(sa.select(schema.transcripts.c.name, schema.transcripts.c.id)).all())
        rows = []
        for t in range(1, 13):
            segs = conn.execute(sa.select(schema.segments.c.id).where(schema.segments.c.transcript_id == named[f"T{t}"])
                                .order_by(schema.segments.c.index)).scalars().all()
            for sid in segs:
                for code in set(rng.sample(code_ids[:12], rng.randint(0, 3))):
                    rows.append({"rater_id": dave, "transcript_id": named[f"T{t}"], "segment_id": sid, "code_id": code,
                                 "unit_key": unit_key(sid), "created_at": now})
            if t % 4 == 0:
                rows.append({"rater_id": dave, "transcript_id": named[f"T{t}"], "segment_id": None,
                             "code_id": code_ids[0], "unit_key": unit_key(None), "created_at": now})
        retired = code_ids[20]  # on a participant's turn of T1, which every rater marked done
        turn = conn.scalar(sa.select(schema.segments.c.id).where(schema.segments.c.transcript_id == named["T1"],
                                                                 schema.segments.c.index == 1))
        rows.append({"rater_id": dave, "transcript_id": named["T1"], "segment_id": turn, "code_id": retired,
                     "unit_key": unit_key(turn), "created_at": now})
        conn.execute(schema.codings.insert(), rows)
        conn.execute(schema.codes.update().where(schema.codes.c.id == retired).values(retired=True))
        conn.execute(schema.transcript_status.insert(), [
            {"rater_id": dave, "transcript_id": named[f"T{t}"], "done": True, "done_at": now}
            for t in range(1, 11) if t != 3])
        # P1's third transcript, neither segmented nor coded, done by all: a unit of its own at participant level
        p1 = conn.scalar(sa.select(schema.participants.c.id).where(schema.participants.c.label == "P1"))
        empty = conn.execute(schema.transcripts.insert().values(
            name="T15", participant_id=p1, source_file="T15.txt", content_hash="0" * 64, text="", unit="turn",
            header={}, turns=[], imported_at=now)).inserted_primary_key[0]
        conn.execute(schema.transcript_status.insert(), [
            {"rater_id": r, "transcript_id": empty, "done": True, "done_at": now}
            for r in conn.execute(sa.select(schema.users.c.id).where(schema.users.c.role == "coder")).scalars()])


FOUR_RATERS = ["carol", "alice", "dave", "bob"]


@pytest.mark.parametrize("level, turns, unfinished", [
    ("segment", False, False), ("segment", True, False), ("segment", False, True), ("segment", True, True),
    ("participant", False, False), ("participant", False, True)])
def test_every_pair_at_once_is_what_a_units_table_per_pair_gave(study_from, level, turns, unfinished):
    study = study_from(four_raters_study)
    new = agreement_by(study, CLI, FOUR_RATERS, "pair", level, unfinished, turns)
    old = before.agreement_by(study, CLI, FOUR_RATERS, "pair", level, turns, unfinished)
    assert new == old
    assert len(new) == 6  # done by both: 14 transcripts (T9 excluded), 13 without carol's T6, 9 with dave, 8 with
    # both; unfinished work included, alice and bob coded or finished every transcript
    assert sorted({g.transcripts for g in new}) == ([14] if unfinished else [8, 9, 13, 14])
    assert len({g.codes_with_alpha for g in new}) > 1 or level == "participant"  # dave's pairs list a retired code
    assert all(0 < g.disputed_units < g.units for g in new if level == "segment")


@pytest.mark.parametrize("level", ["segment", "participant"])
def test_pairs_who_applied_no_code_have_units_and_nothing_to_agree_on_as_before(study_from, level):
    """Transcripts marked done with no coding yet (the codings deleted): every pair has its units and
    no code, as a units table per pair said; counting them at once must not fail on zero codes."""
    study = study_from(four_raters_study)
    with study.connection() as conn:
        conn.execute(delete(schema.codings))
    new = agreement_by(study, CLI, FOUR_RATERS, "pair", level)
    assert new == before.agreement_by(study, CLI, FOUR_RATERS, "pair", level, False, False)
    assert len(new) == 6 and all(g.units > 0 and g.codes_with_alpha == 0 for g in new)
