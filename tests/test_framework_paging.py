"""The framework matrix read a page of participants at a time (``findings.framework_page``, what the
Findings page shows) and whole, a batch at a time (``findings.framework_table``, what the downloads
and the CLI write), equals the matrix as it was built before, from a frame of every coding
(``tests/findings_before.py``): on the sample study and on the varied study of
``test_counting_equivalence`` with memos added (on codings, segments and whole interviews, by
several raters, some blank, on excluded and unfinished interviews too), from the union and the majority
of its raters (votes, spans of several raters on one segment, memos of several on one unit)."""
from __future__ import annotations

import random
import re
from datetime import datetime, timezone
from itertools import product

import sqlalchemy as sa

from study import exports, findings, schema
from study.auth import CLI
from study.sources import findings_sources
from tests import findings_before as before
from tests.conftest import coded_sample_study
from tests.test_counting_equivalence import themes_of, varied_study

NOTES = ("licence worry", "licence worry", "  ", "asks about cost", "see T3", "trust\nissue")


def add_memos(study) -> None:
    """Memos on a fifth of the codings, and each rater's on some segments and whole interviews (drawn
    at random from a fixed seed, repeated texts and blank ones among them), written in no order."""
    rng, now = random.Random(7), datetime.now(timezone.utc)
    with study.connection() as conn:
        coded = conn.execute(sa.select(schema.codings.c.id)).scalars().all()
        for coding_id in rng.sample(coded, len(coded) // 5):
            conn.execute(schema.codings.update().where(schema.codings.c.id == coding_id)
                         .values(memo=rng.choice(NOTES)))
        raters = conn.execute(sa.select(schema.users.c.id)).scalars().all()
        rows = [{"rater_id": rater, "transcript_id": transcript_id, "segment_id": segment_id,
                 "text": rng.choice(NOTES), "updated_at": now}
                for segment_id, transcript_id in conn.execute(sa.select(schema.segments.c.id,
                                                                        schema.segments.c.transcript_id))
                for rater in raters if rng.random() < 0.15]
        rng.shuffle(rows)  # the matrix orders them itself
        # whole interviews' memos, written first and the last interview's first (P1's two interviews have some)
        rows[:0] = [{"rater_id": rater, "transcript_id": transcript_id, "segment_id": None, "text": rng.choice(NOTES[3:]),
                  "updated_at": now}
                 for transcript_id in conn.execute(sa.select(schema.transcripts.c.id)
                                                   .order_by(schema.transcripts.c.id.desc())).scalars().all()
                 for rater in raters if rater == raters[transcript_id % len(raters)] or rng.random() < 0.4]
        conn.execute(schema.memos.insert(), rows)


def assert_same_framework(study, choices, themes, size: int = 3) -> int:
    """The matrix of each source and theme, whole (read two participants at a time) and its first page,
    equals the one built from the frame; returns how many cells hold something."""
    compared = 0
    for choice, theme in product(choices, themes):
        asked = (study, CLI, theme, choice.source, choice.combine)
        old = before.framework_table(*asked).to_dict()
        assert findings.framework_table(*asked).to_dict() == old, f"{theme} from {choice.label} differs"
        first = findings.framework_page(*asked, size=size)
        assert first.table.to_dict() == {**old, "rows": old["rows"][:size]}  # the page the Findings page opens on
        assert first.total == len(old["rows"]) > size
        compared += sum(1 for row in old["rows"] for value in row.values() if value)
    return compared


def test_framework_read_by_pages_equals_the_matrix_built_from_every_coding_on_a_varied_study(
        study_from, monkeypatch):
    study = study_from(varied_study)
    add_memos(study)
    monkeypatch.setattr(findings, "FRAMEWORK_READ", 2)
    union, majority, alice = findings_sources(study, CLI)[:3]
    whole = findings.framework_table(study, CLI, source=union.source)
    shown = "\n".join(text for row in whole.rows for text in row.values())
    assert "Memo: licence worry" in shown and "Memo (bob): " in shown and "(carol) " in shown  # memos of each kind
    assert "(whole interview: " in shown and " … " in shown  # whole-interview codings, and spans of one segment
    assert alice.source == "alice"  # one rater: memos without the rater's name
    compared = assert_same_framework(study, [union], themes_of(study))
    assert compared + assert_same_framework(study, [majority, alice], [None]) > 50


def test_framework_read_by_pages_equals_the_matrix_built_from_every_coding_on_the_sample_study(
        study_from, monkeypatch):
    study = study_from(coded_sample_study)
    monkeypatch.setattr(findings, "FRAMEWORK_READ", 5)
    union = findings_sources(study, CLI)[1]  # (the consensus, the first, builds the old frame for seconds)
    assert union.source == "alice,bob" and assert_same_framework(study, [union], [None], size=4) > 10


def test_a_page_past_the_last_shows_the_last(study_from):
    study = study_from(coded_sample_study)
    last = findings.framework_page(study, CLI, number=99, size=4)
    assert last.number == last.pages > 1
    assert last.table.rows == findings.framework_table(study, CLI).rows[last.offset:]


def test_a_memo_two_raters_wrote_on_one_unit_is_quoted_once(study_from):
    """Two raters coded a segment with one code and wrote the same memo, a third another: the cell
    quotes the unit's memos each once, in the order written, as the frame joined them."""
    study = study_from(varied_study)
    with study.connection() as conn:
        c = schema.codings.c
        shared = (sa.select(c.transcript_id, c.segment_id, c.code_id).where(c.segment_id.is_not(None))
                  .group_by(c.transcript_id, c.segment_id, c.code_id)
                  .having(sa.func.count(sa.distinct(c.rater_id)) >= 3).order_by(c.transcript_id, c.segment_id))
        for transcript_id, segment_id, code_id in conn.execute(shared).all():
            ids = conn.execute(sa.select(c.id).where(c.transcript_id == transcript_id, c.segment_id == segment_id,
                                                     c.code_id == code_id).order_by(c.id)).scalars().all()
            for coding_id, memo in zip(ids, ("same note", "same note", "other note")):
                conn.execute(schema.codings.update().where(c.id == coding_id).values(memo=memo))
    union = findings_sources(study, CLI)[0]
    table = findings.framework_table(study, CLI, source=union.source)
    assert "Memo: same note; other note\n" in "\n".join(text for row in table.rows for text in row.values()) + "\n"
    assert table.to_dict() == before.framework_table(study, CLI, None, union.source, union.combine).to_dict()


def renamed_study(study) -> None:
    """The varied study with memos, its interviews renamed: P1's in natural order are neither in the
    order of their ids nor of their names as text ("visit 9" after "visit 10" on both), and P2's two
    are named alike but for case and a zero (one place: their segments interleave by index)."""
    varied_study(study)
    add_memos(study)
    with study.connection() as conn:
        for old, new in (("T1", "P1 visit 10"), ("T12", "P1 visit 9"), ("T2", "p2 visit 01"), ("T13", "P2 visit 1")):
            conn.execute(schema.transcripts.update().where(schema.transcripts.c.name == old).values(name=new))


def test_interviews_are_quoted_in_the_natural_order_of_their_names_and_the_csv_is_the_same_bytes(
        study_from, monkeypatch):
    study = study_from(renamed_study)
    monkeypatch.setattr(findings, "FRAMEWORK_READ", 2)
    union = findings_sources(study, CLI)[0]
    asked = (study, CLI, None, union.source, union.combine)
    old, new = before.framework_table(*asked), findings.framework_table(*asked)
    assert new.to_dict() == old.to_dict()
    assert exports.to_bytes(new, "csv") == exports.to_bytes(old, "csv")
    p1, p2 = ("\n\n".join(row.values()) for row in new.rows[:2])
    assert p1.index("(P1 visit 9 #") < p1.index("(P1 visit 10 #")
    places = [place for cell in list(new.rows[1].values())[1:]  # e.g. "p2 visit 01 #4", in each cell's order
              for place in re.findall(r"\(([pP]2 visit 0?1 #\d+)\)", cell)]
    assert any(a.startswith("P2 visit 1 #") and b.startswith("p2 visit 01 #") for a, b in zip(places, places[1:]))
