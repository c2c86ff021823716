"""The coding workspace: each rater reads and writes only their own codings and memos."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from study import auth, codes, codings, workspace
from study.auth import Actor
from study.coding_write import CodingKey, CodingWrite, write_codings
from study.codings import UncodedSegments
from study.errors import CodebookError, Conflict, NotAllowed, NotFound
from study.store import Segment, Transcript
from tests.factories import add_interview, load_small_codebook

ALICE, BOB, ADMIN = Actor("alice", "coder"), Actor("bob", "coder"), Actor("admin", "admin")


@pytest.fixture
def ws(study):
    """Two interviews (interviewer turns at even indexes, answers at odd) and three accounts."""
    load_small_codebook(study)
    add_interview(study, "P1-interview", "P1", ["I search the hub.", "The card was empty.", "Downloads matter."])
    add_interview(study, "P2-interview", "P2", ["Licences worry me."])
    for name, role in (("alice", "coder"), ("bob", "coder"), ("admin", "admin")):
        auth.add_user(study, name, role, "study-demo", auth.CLI)
    return study


def transcript_id(study, name: str) -> int:
    return next(t.id for t in workspace.transcript_progress(study, ADMIN) if t.name == name)


def code_id(study, ref: str) -> int:
    with study.session() as session:
        return codes.resolve(session, ref).id


def segment(study, name: str, index: int) -> workspace.SegmentView:
    return next(s for s in workspace.transcript_segments(study, ALICE, transcript_id(study, name)) if s.index == index)


def test_segments_come_in_reading_order_with_speaker_role_and_text(ws):
    segments = workspace.transcript_segments(ws, BOB, transcript_id(ws, "P1-interview"))
    assert [(s.index, s.speaker, s.role) for s in segments[:2]] == [(0, "Interviewer", "interviewer"), (1, "P1", "participant")]
    assert segments[1].text == "I search the hub."


def test_toggle_applies_and_removes_a_code(ws):
    seg, code = segment(ws, "P1-interview", 1), code_id(ws, "Challenges/Model search")
    tid = transcript_id(ws, "P1-interview")
    assert workspace.toggle(ws, ALICE, seg.id, code, applied=True) is True
    assert workspace.toggle(ws, ALICE, seg.id, code, applied=True) is False  # already applied: nothing changes
    assert workspace.coder_state(ws, ALICE, tid).codes == {seg.id: frozenset({code})}
    assert workspace.toggle(ws, ALICE, seg.id, code, applied=False) is True
    assert workspace.coder_state(ws, ALICE, tid).codes == {}


def test_a_coder_never_sees_another_coders_codings_or_memos(ws):
    seg, code = segment(ws, "P1-interview", 1), code_id(ws, "Challenges/Model search")
    tid = transcript_id(ws, "P1-interview")
    workspace.toggle(ws, ALICE, seg.id, code, applied=True)
    workspace.save_memo(ws, ALICE, tid, seg.id, "alice's thought")
    workspace.save_memo(ws, ALICE, tid, None, "alice on the whole interview")

    bob = workspace.coder_view(ws, BOB, tid)
    assert bob.state.codes == {} and bob.state.memos == {}
    assert bob.state.progress.coded == 0
    assert all(t.progress.coded == 0 for t in workspace.transcript_progress(ws, BOB))
    alice = workspace.coder_view(ws, ALICE, tid)
    assert alice.state.memos == {seg.id: "alice's thought", None: "alice on the whole interview"}


def test_an_admin_codes_as_themself_on_the_coding_page(ws):
    seg, code = segment(ws, "P1-interview", 1), code_id(ws, "Challenges/Model search")
    workspace.toggle(ws, ALICE, seg.id, code, applied=True)
    assert workspace.coder_state(ws, ADMIN, transcript_id(ws, "P1-interview")).codes == {}


def test_writing_or_reading_another_raters_codings_is_not_allowed(ws):
    seg, code = segment(ws, "P1-interview", 1), code_id(ws, "Challenges/Model search")
    tid = transcript_id(ws, "P1-interview")
    with ws.session() as session:
        alice_id = auth.rater_user(session, "alice").id
    with pytest.raises(NotAllowed), ws.session() as session:
        codings.set_coding(session, BOB, alice_id, seg.id, code, True)
    with pytest.raises(NotAllowed), ws.session() as session:
        codings.codings_of(ws, BOB, "alice", "P1-interview")
    with pytest.raises(NotAllowed), ws.session() as session:
        codings.memos_of(session, BOB, alice_id, tid)


def test_progress_counts_the_participants_coded_turns(ws):
    tid = transcript_id(ws, "P1-interview")
    model_search = code_id(ws, "Challenges/Model search")
    workspace.toggle(ws, ALICE, segment(ws, "P1-interview", 1).id, model_search, applied=True)
    workspace.toggle(ws, ALICE, segment(ws, "P1-interview", 0).id, model_search, applied=True)  # a question
    progress = workspace.coder_state(ws, ALICE, tid).progress
    # 3 answers to code (segments 1, 3, 5); the coded question (segment 0) does not count
    assert (progress.coded, progress.total) == (1, 3)
    assert progress.fraction == pytest.approx(1 / 3)
    listed = {t.name: t for t in workspace.transcript_progress(ws, ALICE)}
    assert (listed["P1-interview"].progress.coded, listed["P1-interview"].segments) == (1, 6)
    assert listed["P2-interview"].progress.coded == 0


def test_done_locks_the_codes_until_reopened(ws):
    tid = transcript_id(ws, "P1-interview")
    seg, code = segment(ws, "P1-interview", 1), code_id(ws, "Challenges/Model search")
    with pytest.raises(UncodedSegments, match=re.escape("P1-interview: 3 of 3 participant turn(s) have no code")) as asked:
        workspace.set_done(ws, ALICE, tid, True)  # none of its three answers is coded yet
    assert asked.value.gaps == [("P1-interview", 3, 3, "turn")]
    assert not workspace.coder_state(ws, ALICE, tid).done
    workspace.set_done(ws, ALICE, tid, True, anyway=True)
    assert workspace.coder_state(ws, ALICE, tid).done
    assert workspace.first_to_code(workspace.transcript_progress(ws, ALICE)).name == "P2-interview"
    with pytest.raises(NotAllowed):
        workspace.toggle(ws, ALICE, seg.id, code, applied=True)
    with pytest.raises(NotAllowed, match="marked this transcript done"):
        workspace.apply_change(ws, ALICE, None, workspace.Change(seg.id, code, True))  # a click naming no transcript
    workspace.set_done(ws, ALICE, tid, False)
    assert workspace.toggle(ws, ALICE, seg.id, code, applied=True) is True


def test_a_click_naming_no_transcript_goes_through_the_words_check(ws):
    """The page from before clicks named their transcript used a path without the words check:
    after a correction its span would have coded other words."""
    seg, code = segment(ws, "P1-interview", 1), code_id(ws, "Challenges/Model search")
    with ws.session() as session:
        tid, text, at = session.execute(select(Segment.transcript_id, Transcript.text, Segment.start)
                                        .join(Transcript, Transcript.id == Segment.transcript_id)
                                        .where(Segment.id == seg.id)).one()
    span = (at, at + 4)
    with pytest.raises(Conflict, match="reload the page"):
        workspace.apply_change(ws, ALICE, None, workspace.Change(seg.id, code, True, span, text[at:at + 4] + "x"))
    stored = workspace.apply_change(ws, ALICE, None, workspace.Change(seg.id, code, True, span, text[at:at + 4]))
    assert stored.transcript_id == tid and (code, *span) in stored.spans
    with pytest.raises(NotFound, match="no segment with id 999999"):
        workspace.apply_change(ws, ALICE, None, workspace.Change(999_999, code, True))


def test_a_retired_code_cannot_be_applied_but_can_be_removed(ws):
    seg, code = segment(ws, "P1-interview", 1), code_id(ws, "Challenges/Model search")
    workspace.toggle(ws, ALICE, seg.id, code, applied=True)
    codes.retire_code(ws, ADMIN, "Challenges/Model search")
    with pytest.raises(CodebookError):
        workspace.toggle(ws, ALICE, segment(ws, "P1-interview", 3).id, code, applied=True)
    assert workspace.toggle(ws, ALICE, seg.id, code, applied=False) is True
    assert next(c for c in workspace.codebook_entries(ws) if c.id == code).retired


def test_memo_on_a_segment_of_another_transcript_is_refused(ws):
    with pytest.raises(NotFound):
        workspace.save_memo(ws, ALICE, transcript_id(ws, "P2-interview"), segment(ws, "P1-interview", 1).id, "x")


def test_codebook_entries_carry_the_guidance(ws):
    entry = next(c for c in workspace.codebook_entries(ws) if c.name == "License")
    assert entry.ref == "Attributes/Portability/License" and entry.top_theme == "Attributes"
    assert entry.definition == "The licence terms of the model."


@pytest.mark.parametrize("colour, shown", [
    ("#1f77b4", "#1f77b4"), ("teal", "teal"), (None, None),
    ("red; background: url(https://evil.example/x)", None), ("url(x)", None), ("#12345g", None),
])
def test_only_plain_colours_reach_the_browser(colour, shown):
    assert codes.safe_colour(colour) == shown


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.booleans()), max_size=12))
def test_any_sequence_of_toggles_ends_in_the_last_choice_per_segment_and_code(ws, steps):
    tid = transcript_id(ws, "P1-interview")
    segments = workspace.transcript_segments(ws, ALICE, tid)
    code_ids = [c.id for c in workspace.codebook_entries(ws)]
    expected = {sid: set(ids) for sid, ids in workspace.coder_state(ws, ALICE, tid).codes.items()}
    for seg_n, code_n, applied in steps:
        sid, cid = segments[seg_n].id, code_ids[code_n]
        workspace.toggle(ws, ALICE, sid, cid, applied)
        (expected.setdefault(sid, set()).add if applied else expected.setdefault(sid, set()).discard)(cid)
    assert workspace.coder_state(ws, ALICE, tid).codes == {sid: ids for sid, ids in expected.items() if ids}


# -- one click: written once, read back once ---------------------------------------------


class Statements:
    """Counts the SQL statements the study's engine runs inside the ``with`` block."""

    def __init__(self, study):
        self.engine, self.seen, self.parameters = study.engine, [], []

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(statement)
        self.parameters.append(set(parameters.values() if isinstance(parameters, dict) else parameters))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def clicks(seg: workspace.SegmentView, code: int) -> list[workspace.Change]:
    span = (seg.start + 2, seg.start + 8)
    return [workspace.Change(seg.id, code, True), workspace.Change(seg.id, code, True, span),
            workspace.Change(seg.id, code, False), workspace.Change(seg.id, code, False, span)]


# A click: the rater looked up, the write's facts (rater, segment, code, transcript, done mark,
# the stored coding) read in one statement, the insert or delete, the code's theme path for the
# audit entry, the audit entry, the segment read back, the progress counted. Before: 12 to write
# and 18 to read back.
CLICK_STATEMENTS = 7


@pytest.mark.parametrize("step", range(4), ids=["apply", "apply span", "remove", "remove span"])
def test_a_click_writes_and_reads_back_in_a_few_statements(ws, step):
    tid = transcript_id(ws, "P1-interview")
    seg, code = segment(ws, "P1-interview", 1), code_id(ws, "Challenges/Model search")
    for earlier in clicks(seg, code)[:step]:
        workspace.apply_change(ws, ALICE, tid, earlier)
    with Statements(ws) as counted:
        stored = workspace.apply_change(ws, ALICE, tid, clicks(seg, code)[step])
    assert len(counted.seen) <= CLICK_STATEMENTS, "\n".join(counted.seen)
    assert sum(s.lstrip().upper().startswith(("INSERT", "DELETE")) for s in counted.seen) == 2  # the coding, its audit
    anew = workspace.coder_state(ws, ALICE, tid)
    assert (stored.codes, stored.spans) == (anew.codes.get(seg.id, frozenset()), anew.spans.get(seg.id, frozenset()))
    assert stored.progress == anew.progress


def test_what_a_click_reads_back_updates_the_state_to_what_a_full_read_gives(ws):
    tid = transcript_id(ws, "P1-interview")
    seg, code = segment(ws, "P1-interview", 1), code_id(ws, "Challenges/Model search")
    state = workspace.coder_state(ws, ALICE, tid)
    for change in clicks(seg, code)[:2] + [workspace.Change(segment(ws, "P1-interview", 3).id, code, True)]:
        state = state.with_segment(workspace.apply_change(ws, ALICE, tid, change))
        anew = workspace.coder_state(ws, ALICE, tid)
        assert (state.codes, state.spans, state.progress) == (anew.codes, anew.spans, anew.progress)
    assert (state.progress.coded, state.progress.total) == (2, 3)  # answers 1 and 3 of the three


def test_a_click_keeps_the_write_rules(ws):
    tid = transcript_id(ws, "P1-interview")
    other = segment(ws, "P2-interview", 1)
    code = code_id(ws, "Challenges/Model search")
    with pytest.raises(NotFound, match="has no segment"):  # a segment of another transcript
        workspace.apply_change(ws, ALICE, tid, workspace.Change(other.id, code, True))
    workspace.set_done(ws, ALICE, tid, True, anyway=True)
    with pytest.raises(NotAllowed, match="marked this transcript done"):
        workspace.apply_change(ws, ALICE, tid, workspace.Change(segment(ws, "P1-interview", 1).id, code, True))


def test_a_batch_of_writes_is_checked_in_one_read_per_two_hundred(ws):
    tid = transcript_id(ws, "P1-interview")
    code_ids = [c.id for c in workspace.codebook_entries(ws)]
    segments = workspace.transcript_segments(ws, ALICE, tid)
    with ws.session() as session:
        rater = auth.rater_user(session, "alice").id
    writes = [CodingWrite(CodingKey(rater, tid, s.id, c, (s.start, s.start + k)))
              for s in segments for c in code_ids for k in range(1, 10)]
    assert len(writes) > 200
    with Statements(ws) as counted, ws.session() as session:
        assert write_codings(session, ALICE, writes, audited=False) == len(writes)
    # not reads: the inserts and the bulk write's own statements (study.bulk: SQLite's write lock,
    # PostgreSQL's staging table for COPY)
    writing = ("INSERT", "UPDATE STUDY_META", "DROP TABLE IF EXISTS", "CREATE TEMPORARY TABLE")
    reads = [s for s in counted.seen if not s.lstrip().upper().startswith(writing)]
    assert len(reads) == -(-len(writes) // 200), reads


# -- a switch on the Code page: the two transcripts involved, not the study ----------------

PER_TRANSCRIPT = re.compile(r"\b(?:FROM|JOIN)\s+\"?(segments|codings|transcripts|transcript_status)\b", re.I)


@pytest.mark.parametrize("asked", [["P2-interview"], ["P1-interview", "P3-interview"]])
def test_some_transcripts_progress_is_theirs_in_the_full_list_read_with_statements_naming_them(ws, asked):
    add_interview(ws, "P3-interview", "P3", ["Docs help.", "Examples too."])
    tids = {name: transcript_id(ws, name) for name in ("P1-interview", "P2-interview", "P3-interview")}
    model_search = code_id(ws, "Challenges/Model search")
    workspace.toggle(ws, ALICE, segment(ws, "P1-interview", 1).id, model_search, applied=True)
    workspace.set_done(ws, ALICE, tids["P2-interview"], True, anyway=True)
    ids = [tids[name] for name in asked]
    for actor in (ALICE, BOB, ADMIN):
        with Statements(ws) as counted:
            some = workspace.transcript_progress(ws, actor, ids)
        assert some == [c for c in workspace.transcript_progress(ws, actor) if c.id in ids]
        reads = [(s, p) for s, p in zip(counted.seen, counted.parameters) if PER_TRANSCRIPT.search(s)]
        assert reads and all(set(ids) <= p for _, p in reads), "\n".join(s for s, _ in reads)
        assert len(counted.seen) <= 8, "\n".join(counted.seen)
    assert [c.done for c in workspace.transcript_progress(ws, ALICE, [tids["P2-interview"]])] == [True]
    assert workspace.transcript_progress(ws, ALICE, []) == []
