"""Codings: apply, remove, memos, done marks, undo, rater isolation, CSV exchange, audit trail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from study import auth, coding_write, codings
from study.auth import CLI, Actor
from study.errors import CodingsFileError, NotAllowed, NotFound
from study.store import AuditEntry, Coding, Segment, Transcript, User
from tests.factories import add_interview, add_raters, load_small_codebook

ALICE, BOB, ADMIN = Actor("alice", "coder"), Actor("bob", "coder"), Actor("admin", "admin")


@pytest.fixture
def coded(study):
    load_small_codebook(study)
    add_raters(study, "alice", "bob")
    add_interview(study, "P1-interview", "P1", ["I search the hub.", "The card was empty."])
    return study


def refs(study, rater, asker=CLI):
    return [(c.segment, c.code) for c in codings.codings_of(study, asker, rater)]


def test_apply_and_remove_a_code_on_a_segment(coded):
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "challenges/model search")
    assert refs(coded, "alice") == [(1, "Challenges/Model search")]
    codings.remove_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    assert refs(coded, "alice") == []


def test_whole_transcript_coding_has_no_segment(coded):
    codings.apply_code(coded, ALICE, "alice", "P1-interview", None, "Attributes/Popularity")
    assert refs(coded, "alice") == [(None, "Attributes/Traditional/Popularity")]


def test_a_coder_cannot_read_or_write_another_coders_codings(coded):
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    with pytest.raises(NotAllowed):
        codings.codings_of(coded, BOB, "alice")
    with pytest.raises(NotAllowed):
        codings.apply_code(coded, BOB, "alice", "P1-interview", 3, "Challenges/Model search")
    assert refs(coded, "alice", asker=ADMIN) == [(1, "Challenges/Model search")]


def test_every_change_is_in_the_audit_log_with_before_and_after(coded):
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search", memo="clear case")
    codings.remove_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    with coded.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action.like("coding.%"))).all()
        assert [(e.actor, e.action) for e in entries] == [("alice", "coding.apply"), ("alice", "coding.remove")]
        assert entries[0].after["memo"] == "clear case" and entries[0].before is None
        assert entries[1].before["memo"] == "clear case" and entries[1].after is None
        assert entries[0].target == "P1-interview#1 Challenges/Model search"


def test_undo_reverses_the_raters_last_actions_only(coded):
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    codings.apply_code(coded, BOB, "bob", "P1-interview", 1, "Challenges/Model search")
    codings.remove_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 3, "Challenges/Missing attributes")
    undone = codings.undo(coded, ALICE, "alice", steps=2)
    assert len(undone) == 2
    assert refs(coded, "alice") == [(1, "Challenges/Model search")]  # the removal was undone too
    assert refs(coded, "bob") == [(1, "Challenges/Model search")]
    assert codings.undo(coded, ALICE, "alice", steps=5) == ["coding.apply P1-interview#1 Challenges/Model search"]
    assert refs(coded, "alice") == []


def test_memos_per_segment_and_per_transcript(coded):
    codings.set_memo(coded, ALICE, "alice", "P1-interview", 1, "search is painful")
    codings.set_memo(coded, ALICE, "alice", "P1-interview", None, "overall: a frustrated user")
    with coded.session() as session:
        from study.auth import rater_user
        from study.codings import find_transcript

        user, transcript = rater_user(session, "alice"), find_transcript(session, "P1-interview")
        memos = codings.memos_of(session, ALICE, user.id, transcript.id)
        assert sorted(memos.values()) == ["overall: a frustrated user", "search is painful"]
        with pytest.raises(NotAllowed):
            codings.memos_of(session, BOB, user.id, transcript.id)


def test_a_done_transcript_is_locked_until_reopened(coded):
    auth.add_user(coded, "alice", "coder", None, CLI)  # a rater may finish a transcript without coding it
    codings.mark_done(coded, ALICE, "alice", "P1-interview", anyway=True)
    assert codings.done_by(coded, CLI, ["alice"]) == {"alice": {"P1-interview"}}
    with pytest.raises(NotAllowed, match="reopen"):
        codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    codings.mark_done(coded, ALICE, "alice", "P1-interview", done=False)
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    assert refs(coded, "alice") == [(1, "Challenges/Model search")]


def test_unknown_code_transcript_and_segment_are_named(coded):
    with pytest.raises(Exception, match="unknown code 'Challenges/Model serch'.*did you mean"):
        codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model serch")
    with pytest.raises(NotFound, match="no transcript named 'P9'"):
        codings.apply_code(coded, ALICE, "alice", "P9", 1, "Challenges/Model search")
    with pytest.raises(NotFound, match="has no segment 40"):
        codings.apply_code(coded, ALICE, "alice", "P1-interview", 40, "Challenges/Model search")


def test_csv_import_applies_all_rows_or_none(coded, tmp_path):
    good = tmp_path / "alice.csv"
    good.write_text("transcript,segment,code,memo\nP1-interview,1,Challenges/Model search,hub\n"
                    "P1-interview,,Attributes/License,\n", encoding="utf-8")
    assert codings.import_codings_csv(coded, CLI, "alice", good) == 2
    assert refs(coded, "alice") == [(None, "Attributes/Portability/License"), (1, "Challenges/Model search")]
    bad = tmp_path / "carol.csv"
    bad.write_text("transcript,segment,code\nP1-interview,1,Challenges/Model search\n"
                   "P1-interview,7,Challenges/Model search\nP2,1,Challenges/Model search\n"
                   "P1-interview,1,Nope/Nothing\n", encoding="utf-8")
    with pytest.raises(CodingsFileError) as error:
        codings.import_codings_csv(coded, CLI, "carol", bad)
    message = str(error.value)
    assert "nothing was applied" in message
    assert "line 3" in message and "line 4" in message and "line 5" in message and "line 2" not in message
    with pytest.raises(NotFound):  # not even the rater was created
        codings.export_codings(coded, CLI, "carol")


CODES = ["Challenges/Model search", "Challenges/Missing attributes", "Attributes/Popularity", "Attributes/License"]


def varied_codings_csv(study, path):
    """A file of every shape an import reads (segments, whole transcripts, spans inside a segment and
    one covering it, memos, a row repeated, a stored coding's memo changed), more rows than a bulk
    write's threshold."""
    add_interview(study, "P2-interview", "P2", [f"Answer {n} about the hub and its cards." for n in range(8)])
    with study.session() as session:
        spans = session.execute(select(Segment.index, Segment.start, Segment.end).join(Transcript)
                                .where(Transcript.name == "P2-interview", Segment.index.in_([1, 3]))).all()
    lines = ["transcript,segment,code,memo,start,end", "P1-interview,1,Challenges/Model search,new memo,,"]
    lines += [f"P2-interview,{index},{code},{'see the card' if index % 3 == 0 else ''},,"
              for index in range(16) for code in CODES]
    lines += ["P2-interview,,Attributes/License,the whole interview,,", "P1-interview,,Attributes/Popularity,,,",
              "P2-interview,5,Challenges/Model search,see the card,,"]  # a row repeated, the same memo
    for index, start, end in spans:
        lines += [f"P2-interview,{index},Attributes/License,a part,{start + 2},{end - 3}",
                  f"P2-interview,{index},Challenges/Model search,,{start},{end}"]  # the whole segment: the segment
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_by(study, rater):
    """A rater's codings and their audit entries, without the rater's id, dates and row ids."""
    with study.session() as session:
        rater_id = session.scalars(select(User.id).where(User.name == rater)).one()
        rows = session.execute(select(Coding.transcript_id, Coding.segment_id, Coding.code_id, Coding.unit_key,
                                      Coding.span_start, Coding.span_end, Coding.memo)
                               .where(Coding.rater_id == rater_id).order_by(Coding.id)).all()
        entries = [(e.action, e.target, {**(e.before or {}), "rater_id": None}, {**(e.after or {}), "rater_id": None})
                   for e in session.scalars(select(AuditEntry).where(AuditEntry.action.like("coding.%"))
                                            .order_by(AuditEntry.id))
                   if (e.after or e.before)["rater_id"] == rater_id]
    return [tuple(row) for row in rows], entries


def test_a_large_import_stores_and_audits_what_a_small_one_would(coded, tmp_path, monkeypatch):
    """From ``_BY_TABLE`` writes the checks read their facts table by table and take the segments
    the import resolved its rows with; below it, in one statement per chunk of writes. Both store
    and audit the same codings (the same file, for two raters with the same stored coding)."""
    path = varied_codings_csv(coded, tmp_path / "codings.csv")
    for rater in ("alice", "bob"):
        codings.apply_code(coded, CLI, rater, "P1-interview", 1, "Challenges/Model search", memo="old memo")
    monkeypatch.setattr(coding_write, "_BY_TABLE", 10**6)
    alice = codings.import_codings_csv(coded, CLI, "alice", path)
    monkeypatch.setattr(coding_write, "_BY_TABLE", 1)
    bob = codings.import_codings_csv(coded, CLI, "bob", path)
    assert alice > coding_write._BULK
    assert (bob, *stored_by(coded, "bob")) == (alice, *stored_by(coded, "alice"))
    assert ("P2-interview", 1, "Challenges/Model search", "", None, None) in [
        (c.transcript, c.segment, c.code, c.memo or "", *(c.span or (None, None)))
        for c in codings.codings_of(coded, CLI, "bob")]  # the span covering its segment is the segment


def test_export_has_the_columns_the_import_reads(coded, tmp_path):
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 3, "Challenges/Missing attributes", memo="empty card")
    assert codings.export_codings(coded, ALICE, "alice") == [
        {"transcript": "P1-interview", "segment": 3, "code": "Challenges/Missing attributes", "memo": "empty card",
         "rater": "alice", "start": "", "end": ""}]


def test_csv_without_the_required_columns_is_refused(coded, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("file,code\nP1,Challenges/Model search\n", encoding="utf-8")
    with pytest.raises(CodingsFileError, match="missing column.*segment.*transcript"):
        codings.import_codings_csv(coded, CLI, "alice", path)


def test_a_mistyped_rater_is_not_created_by_marking_done(coded):
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    with pytest.raises(NotFound, match="no rater named 'alcie'; did you mean alice"):
        codings.mark_done(coded, CLI, "alcie", "P1-interview", anyway=True)


def test_a_mistyped_rater_is_refused_by_coding_writes_and_added_by_an_import_that_says_so(coded, tmp_path):
    """A coding command writing under an unknown name refuses it, naming the closest rater and how
    to add one; an import of another coder's file adds the rater, and says so."""
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    writes = [lambda: codings.apply_code(coded, CLI, "alcie", "P1-interview", 1, "Challenges/Model search"),
              lambda: codings.set_memo(coded, CLI, "alcie", "P1-interview", 1, "a memo"),
              lambda: codings.remove_code(coded, CLI, "alcie", "P1-interview", 1, "Challenges/Model search")]
    writes += [lambda: codings.undo(coded, CLI, "alcie"),
               lambda: codings.mark_done(coded, CLI, "alcie", "P1-interview", anyway=True)]
    for write in writes:
        with pytest.raises(NotFound, match="no rater named 'alcie'; did you mean alice") as caught:
            write()
        assert caught.value.remedy == "add_rater"
    assert "alcie" not in {user["name"] for user in auth.users(coded)}
    path = tmp_path / "dave.csv"
    path.write_text("transcript,segment,code\nP1-interview,1,Challenges/Model search\n", encoding="utf-8")
    first = codings.import_codings_csv(coded, CLI, "dave", path)
    assert (first, first.new_rater) == (1, True)
    path.write_text("transcript,segment,code\nP1-interview,2,Challenges/Model search\n", encoding="utf-8")
    again = codings.import_codings_csv(coded, CLI, "dave", path)
    assert (again, again.new_rater) == (1, False)


def test_undo_does_not_reach_into_a_finished_transcript(coded):
    codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    codings.mark_done(coded, ALICE, "alice", "P1-interview", anyway=True)
    with pytest.raises(NotAllowed, match="reopen"):
        codings.undo(coded, ALICE, "alice")
    assert refs(coded, "alice") == [(1, "Challenges/Model search")]


def test_while_coders_see_agreement_only_an_admin_reopens(coded):
    from study.agreement import visibility

    codings.apply_code(coded, ALICE, "alice", "P1-interview", 1, "Challenges/Model search")
    codings.mark_done(coded, ALICE, "alice", "P1-interview", anyway=True)
    visibility.set_coders_see_agreement(coded, ADMIN, True)
    with pytest.raises(NotAllowed, match="only an admin can reopen"):
        codings.mark_done(coded, ALICE, "alice", "P1-interview", done=False)
    codings.mark_done(coded, ADMIN, "alice", "P1-interview", done=False)
    assert codings.done_by(coded, CLI, ["alice"]) == {"alice": set()}
