"""Memos that cannot be lost: every change is a version, any version can be restored, a save
from a stale tab is refused with both texts, and emptying a memo needs the rater's say-so."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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


TABS, SAVES = 6, 5  # six tabs of one rater, five saves each, all at once


@pytest.mark.parametrize("where", ["segment", "transcript"])
def test_tabs_saving_one_memo_at_once_keep_every_text_newest_last(place, where):
    """Real threads, as the app's server runs them: no save fails, each text is one version,
    versions are numbered 1..n with no gap or double, and the memo holds the newest."""
    study, tid, seg = place
    seg = seg if where == "segment" else None

    def tab(number: int) -> list[int]:
        return [workspace.save_memo(study, ALICE, tid, seg, f"tab {number}, save {n}") for n in range(SAVES)]

    with ThreadPoolExecutor(max_workers=TABS) as pool:
        returned = [v for versions in pool.map(tab, range(TABS)) for v in versions]
    history = texts(study, ALICE, tid, seg)
    assert sorted(returned) == list(range(1, TABS * SAVES + 1))
    assert [v for v, _ in history] == list(range(TABS * SAVES, 0, -1))
    assert sorted(t for _, t in history) == sorted(f"tab {a}, save {n}" for a in range(TABS) for n in range(SAVES))
    assert workspace.coder_state(study, ALICE, tid).memos[seg] == history[0][1]
    with study.session() as session:  # one memo row, whatever the race
        assert session.query(Memo).filter(Memo.transcript_id == tid).count() == 1


def test_tabs_saving_from_one_version_at_once_get_one_save_and_conflicts_never_an_error(place):
    """Each tab edited version 0: one save wins, every other tab is told, with both texts."""
    study, tid, seg = place

    def tab(number: int):
        try:
            return workspace.save_memo(study, ALICE, tid, seg, f"tab {number}", base_version=0)
        except MemoConflict as conflict:
            return conflict

    with ThreadPoolExecutor(max_workers=TABS) as pool:
        outcomes = list(pool.map(tab, range(TABS)))
    saved = [o for o in outcomes if o == 1]
    conflicts = [o for o in outcomes if isinstance(o, MemoConflict)]
    assert len(saved) == 1 and len(conflicts) == TABS - 1
    [(version, winner)] = texts(study, ALICE, tid, seg)
    assert {c.stored.text for c in conflicts} == {winner}
    assert sorted(c.mine for c in conflicts) == sorted(f"tab {n}" for n in range(TABS) if f"tab {n}" != winner)


def test_resegmenting_carries_every_memo_with_its_history(place):
    from study.importing.resegment import resegment

    study, tid, seg = place
    with study.session() as session:
        session.execute(update(Memo).values(text=""))  # nothing: the fixture wrote no memo
    workspace.save_memo(study, ALICE, tid, seg, "first")
    workspace.save_memo(study, ALICE, tid, seg, "second")
    workspace.save_memo(study, BOB, tid, seg, "bob's")
    resegment(study, ["P1-interview"], "sentence", auth.CLI)
    segments = workspace.transcript_segments(study, ALICE, tid)
    [answer] = [s for s in segments if s.text == "I search the hub."]
    assert texts(study, ALICE, tid, answer.id) == [(2, "second"), (1, "first")]
    assert texts(study, BOB, tid, answer.id) == [(1, "bob's")]


def test_a_memo_with_nowhere_to_go_joins_the_transcript_memo_history_and_all(place):
    from study.importing.carrying import move_notes
    from study.store import Segment

    study, tid, seg = place
    workspace.save_memo(study, ALICE, tid, None, "about the interview")
    workspace.save_memo(study, ALICE, tid, seg, "on the answer")
    workspace.save_memo(study, ALICE, tid, seg, "on the answer, again")
    with study.session() as session:
        move_notes(session, "cli", session.get(Segment, seg), None)
    assert [t for _, t in texts(study, ALICE, tid, None)] == [
        "about the interview\n\n(segment 1) on the answer, again", "on the answer, again", "on the answer",
        "about the interview"]


def test_only_the_memo_module_writes_memos():
    """One write path: memo rows and versions are made, changed and moved in study/memos.py only."""
    import ast
    from pathlib import Path

    import study

    package = Path(study.__file__).parent
    writers = {}
    for path in package.rglob("*.py"):
        if path.name == "memos.py" and path.parent.name == "study":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            called = isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id in ("Memo", "MemoVersion"))
                or (isinstance(node.func, ast.Name) and node.func.id in ("update", "insert")
                    and any(isinstance(a, ast.Name) and a.id in ("Memo", "MemoVersion") for a in node.args)))
            targets = [e for t in getattr(node, "targets", []) for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            assigned = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr in ("text", "segment_id") and isinstance(t.value, ast.Name)
                and t.value.id in ("memo", "existing") for t in targets)
            if called or assigned:
                writers.setdefault(str(path.relative_to(package)), []).append(node.lineno)
    assert writers == {}
