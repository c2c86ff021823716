"""Memos that cannot be lost: every change is a version, any version can be restored, a save
from a stale tab is refused with both texts, and emptying a memo needs the rater's say-so."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from study import auth, codings, memos, workspace
from study.auth import Actor
from study.errors import NotAllowed, NotFound, StudyError
from study.memos import MemoConflict, MemoWouldEmpty
from study.store import Memo, MemoVersion
from tests.factories import add_interview, load_small_codebook

ALICE, BOB, ADMIN = Actor("alice", "coder"), Actor("bob", "coder"), Actor("admin", "admin")


@pytest.fixture
def place(study):
    """(study, transcript id, answer segment id) with alice and bob as coders."""
    load_small_codebook(study)
    add_interview(study, "P1-interview", "P1", ["I search the hub.", "The card was empty."])
    for name, role in (("alice", "coder"), ("bob", "coder"), ("admin", "admin")):
        auth.add_user(study, name, role, "study-demo", auth.CLI)
    tid = workspace.transcript_progress(study, ALICE)[0].id
    answer = workspace.transcript_segments(study, ALICE, tid)[1]
    return study, tid, answer.id


def texts(study, actor, tid, seg):
    return [(v.version, v.text) for v in workspace.memo_history(study, actor, tid, seg)]


def test_every_save_is_a_numbered_version_newest_first(place):
    study, tid, seg = place
    assert workspace.save_memo(study, ALICE, tid, seg, "first") == 1
    assert workspace.save_memo(study, ALICE, tid, seg, "second") == 2
    assert workspace.save_memo(study, ALICE, tid, seg, "second") == 2  # unchanged text: no new version
    assert texts(study, ALICE, tid, seg) == [(2, "second"), (1, "first")]
    assert workspace.coder_state(study, ALICE, tid).memo_versions == {seg: 2}


def test_the_transcript_memo_and_segment_memos_are_versioned_apart(place):
    study, tid, seg = place
    workspace.save_memo(study, ALICE, tid, None, "about the whole interview")
    workspace.save_memo(study, ALICE, tid, seg, "about one answer")
    assert texts(study, ALICE, tid, None) == [(1, "about the whole interview")]
    assert workspace.coder_state(study, ALICE, tid).memo_versions == {None: 1, seg: 1}


def test_restoring_an_old_version_makes_it_current_as_a_new_version(place):
    study, tid, seg = place
    workspace.save_memo(study, ALICE, tid, seg, "the careful note")
    workspace.save_memo(study, ALICE, tid, seg, "", confirm_empty=True)
    assert workspace.restore_memo(study, ALICE, tid, seg, version=1, base_version=2) == 3
    assert workspace.coder_state(study, ALICE, tid).memos[seg] == "the careful note"
    assert texts(study, ALICE, tid, seg) == [(3, "the careful note"), (2, ""), (1, "the careful note")]
    with pytest.raises(NotFound, match="no version 9"):
        workspace.restore_memo(study, ALICE, tid, seg, version=9)


def test_a_save_based_on_an_older_version_is_refused_with_both_texts(place):
    study, tid, seg = place
    workspace.save_memo(study, ALICE, tid, seg, "from tab A", base_version=0)
    with pytest.raises(MemoConflict) as conflict:
        workspace.save_memo(study, ALICE, tid, seg, "from tab B", base_version=0)
    assert (conflict.value.stored.text, conflict.value.stored.version, conflict.value.mine) == ("from tab A", 1, "from tab B")
    assert workspace.coder_state(study, ALICE, tid).memos[seg] == "from tab A"
    # the rater chose tab B's text, having seen version 1
    assert workspace.save_memo(study, ALICE, tid, seg, "from tab B", base_version=1) == 2


def test_saving_the_same_text_from_a_stale_tab_is_no_conflict(place):
    study, tid, seg = place
    workspace.save_memo(study, ALICE, tid, seg, "same", base_version=0)
    assert workspace.save_memo(study, ALICE, tid, seg, "same", base_version=0) == 1


def test_emptying_a_memo_needs_confirmation_and_keeps_the_text_in_history(place):
    study, tid, seg = place
    workspace.save_memo(study, ALICE, tid, seg, "typed and saved")
    for emptied in ("", "  \n"):
        with pytest.raises(MemoWouldEmpty, match="would erase this memo"):
            workspace.save_memo(study, ALICE, tid, seg, emptied, base_version=1, confirm_empty=False)
    assert workspace.coder_state(study, ALICE, tid).memos[seg] == "typed and saved"
    workspace.save_memo(study, ALICE, tid, seg, "", base_version=1, confirm_empty=True)
    assert texts(study, ALICE, tid, seg) == [(2, ""), (1, "typed and saved")]


def test_a_memo_written_before_versions_existed_is_kept_as_version_one(place):
    study, tid, seg = place
    workspace.save_memo(study, ALICE, tid, seg, "placeholder")
    with study.session() as session:  # a database from before memo versions: the text, no versions
        session.execute(MemoVersion.__table__.delete())
        session.execute(update(Memo).values(text="written long ago"))
    assert texts(study, ALICE, tid, seg) == [(0, "written long ago")]
    assert workspace.save_memo(study, ALICE, tid, seg, "rewritten", base_version=0) == 2
    assert texts(study, ALICE, tid, seg) == [(2, "rewritten"), (1, "written long ago")]


def test_the_cli_path_and_undo_write_versions_too(place):
    study, tid, seg = place
    codings.set_memo(study, ALICE, "alice", "P1-interview", 1, "from the command line")
    codings.set_memo(study, ALICE, "alice", "P1-interview", 1, "changed my mind")
    codings.undo(study, ALICE, "alice")
    assert workspace.coder_state(study, ALICE, tid).memos[seg] == "from the command line"
    assert [t for _, t in texts(study, ALICE, tid, seg)] == ["from the command line", "changed my mind",
                                                              "from the command line"]


def test_a_coder_reads_and_writes_only_their_own_memo_versions(place):
    study, tid, seg = place
    workspace.save_memo(study, ALICE, tid, seg, "alice's thought")
    assert texts(study, BOB, tid, seg) == []  # bob's own (empty) memo, never alice's
    with study.session() as session:
        alice_id = auth.rater_user(session, "alice").id
        bob_id = auth.rater_user(session, "bob").id
    with study.session() as session, pytest.raises(NotAllowed):
        memos.history(session, BOB, memos.MemoKey(alice_id, tid, seg))
    with study.session() as session, pytest.raises(NotAllowed):
        memos.save(session, BOB, memos.MemoKey(alice_id, tid, seg), "overwritten")
    with study.session() as session:
        assert [v.text for v in memos.history(session, ADMIN, memos.MemoKey(alice_id, tid, seg))] == ["alice's thought"]
        assert memos.history(session, BOB, memos.MemoKey(bob_id, tid, seg)) == []


@pytest.mark.parametrize("text, problem", [("x" * 100_001, "more than the 100,000"), ("a\x00b", "NUL")])
def test_a_memo_that_cannot_be_stored_is_refused_with_a_reason(place, text, problem):
    study, tid, seg = place
    with pytest.raises(StudyError, match=problem):
        workspace.save_memo(study, ALICE, tid, seg, text)


def test_a_memo_on_a_segment_of_another_transcript_is_refused(place):
    study, tid, seg = place
    add_interview(study, "P2-interview", "P2", ["Licences worry me."])
    other = workspace.transcript_progress(study, ALICE)[1].id
    with pytest.raises(NotFound, match="has no segment"):
        workspace.save_memo(study, ALICE, other, seg, "misplaced")
