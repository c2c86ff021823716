"""Fixed after import: speakers, turns, a typo and participants, each one transaction and one audit
entry, with codings, spans, memos (and their history) and decisions carried, on SQLite and PostgreSQL."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from study import adjudication, auth, codings, corrections, participants, speakers, workspace
from study.auth import CLI, Actor
from study.cli import cli
from study.errors import Conflict, NotAllowed, NotFound, StudyError
from study.importing.uploads import UploadedFile, upload_participants
from study.listing import segment_rows, transcript_rows
from study.store import AuditEntry, Coding, Memo, MemoVersion, Resolution, Segment, Study, Transcript
from tests.factories import ALICE, BOB, load_small_codebook, parsed_from_turns
from study.importing.reading import ImportOptions
from study.importing.storing import add_parsed_transcript

ADMIN = Actor("ann", "admin")
TURNS = [
    ("Interviewer", "How do you pick a model?"),
    ("Dana", "I search the hub by downloads. Then I read the card."),
    ("Interviewer", "And licences?"),
    ("Dana", "The licnese matters to us."),
    ("Sam", "I take notes."),
]
SEARCH, LICENSE, POPULAR, MISSING = ("Challenges/Model search", "Attributes/Portability/License",
                                     "Attributes/Traditional/Popularity", "Challenges/Missing attributes")


def span_of(study, transcript: str, index: int, words: str) -> tuple[int, int]:
    row = next(r for r in segment_rows(study, transcript) if r["index"] == index)
    start = row["start"] + row["text"].index(words)
    return start, start + len(words)


def interview(study) -> None:
    """P1 (turns above, one segment each): alice and bob coded segment 1 and 3 whole and in spans,
    both memoed segment 1 (alice twice) and 2, and an adjudicator decided segment 1 (marking done
    carried their agreements into the consensus first)."""
    load_small_codebook(study)
    for name, role in (("ann", "admin"), ("alice", "coder"), ("bob", "coder")):
        auth.add_user(study, name, role, "password-123", CLI)
    add_parsed_transcript(study, "P1", parsed_from_turns(TURNS), "interview-P1", ImportOptions(interviewer="Interviewer"))
    codings.apply_code(study, ALICE, "alice", "P1", 1, SEARCH)
    codings.apply_code(study, ALICE, "alice", "P1", 1, POPULAR, span=span_of(study, "P1", 1, "by downloads"))
    codings.apply_code(study, BOB, "bob", "P1", 1, MISSING, span=span_of(study, "P1", 1, "read the card"))
    codings.apply_code(study, BOB, "bob", "P1", 1, POPULAR, span=span_of(study, "P1", 1, "downloads. Then"))
    codings.apply_code(study, ALICE, "alice", "P1", 3, LICENSE)
    codings.apply_code(study, ALICE, "alice", "P1", 3, LICENSE, span=span_of(study, "P1", 3, "licnese matters"))
    codings.apply_code(study, BOB, "bob", "P1", 3, LICENSE, span=span_of(study, "P1", 3, "matters to us"))
    codings.apply_code(study, BOB, "bob", "P1", 4, MISSING, span=span_of(study, "P1", 4, "take notes"))
    codings.set_memo(study, ALICE, "alice", "P1", 1, "first thought")
    codings.set_memo(study, ALICE, "alice", "P1", 1, "second thought")
    codings.set_memo(study, ALICE, "alice", "P1", 2, "on the question")
    codings.set_memo(study, BOB, "bob", "P1", 2, "bob on the question")
    for rater in ("alice", "bob"):  # Sam's notes are left uncoded on purpose
        codings.mark_done(study, CLI, rater, "P1", anyway=True)
    adjudication.resolve(study, CLI, ["alice", "bob"], "P1", 1, "both", reason="both fit")
    for rater in ("alice", "bob"):  # open again, so that the tests can code on
        codings.mark_done(study, CLI, rater, "P1", done=False)


@pytest.fixture
def p1(study_from):
    return study_from(interview)


def consistent(study, name: str = "P1") -> None:
    """What every fix must leave: segments numbered 0..n-1 in order, trimmed, each inside one turn
    of its own speaker; turns in order; every span inside its segment, with its key in step."""
    with study.session() as session:
        t = session.scalar(select(Transcript).where(Transcript.name == name))
        segments = list(session.scalars(select(Segment).where(Segment.transcript_id == t.id).order_by(Segment.index)))
        assert [s.index for s in segments] == list(range(len(segments)))
        ends = [0]
        for turn in t.turns:
            assert ends[-1] <= turn[1] < turn[2] <= len(t.text) and t.text[turn[1]:turn[2]].strip() == t.text[turn[1]:turn[2]]
            ends.append(turn[2])
        for s in segments:
            text = t.text[s.start:s.end]
            assert text and text == text.strip()
            [turn] = [turn for turn in t.turns if turn[1] <= s.start and s.end <= turn[2]]
            assert turn[0] == s.speaker
        by_id = {s.id: s for s in segments}
        for c in session.scalars(select(Coding).where(Coding.transcript_id == t.id)):
            if c.span is not None:
                seg = by_id[c.segment_id]
                assert seg.start <= c.span[0] < c.span[1] <= seg.end and (c.span[0], c.span[1]) != (seg.start, seg.end)
                assert c.unit_key == f"segment:{c.segment_id}:{c.span[0]}-{c.span[1]}"
            elif c.segment_id is not None:
                assert c.segment_id in by_id and c.unit_key == f"segment:{c.segment_id}"
        for m in session.scalars(select(Memo).where(Memo.transcript_id == t.id)):
            assert m.segment_id is None or m.segment_id in by_id


def coded(study, name: str = "P1") -> dict[tuple[str, str], list[tuple[int | None, str]]]:
    """{(rater, code): [(segment, coded words)]}: what each coding is on, by its words."""
    found: dict = {}
    for rater in ("alice", "bob"):
        for row in codings.codings_of(study, CLI, rater, name):
            with study.session() as session:
                t = session.scalar(select(Transcript).where(Transcript.name == name))
                seg = session.scalar(select(Segment).where(Segment.transcript_id == t.id, Segment.index == row.segment))
                words = t.text[row.span[0]:row.span[1]] if row.span else t.text[seg.start:seg.end]
            found.setdefault((rater, row.code), []).append((row.segment, words))
    return {k: sorted(v) for k, v in found.items()}


def memo_texts(study, rater: str, index: int | None, name: str = "P1") -> list[str]:
    """The rater's memo history on segment ``index``, newest first."""
    with study.session() as session:
        t = session.scalar(select(Transcript).where(Transcript.name == name))
        seg_id = None if index is None else session.scalar(
            select(Segment.id).where(Segment.transcript_id == t.id, Segment.index == index))
        tid = t.id
    return [v.text for v in workspace.memo_history(study, Actor(rater, "coder"), tid, seg_id)]


def audited(study, action: str) -> list[AuditEntry]:
    with study.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def decisions(study) -> dict[int, list[str]]:
    """Each segment's decisions (one per code decided), in a stable order."""
    found: dict[int, list[str]] = {}
    with study.session() as session:
        for index, decision in session.execute(
                select(Segment.index, Resolution.decision).join(Segment, Segment.id == Resolution.segment_id)
                .order_by(Segment.index, Resolution.decision)):
            found.setdefault(index, []).append(decision)
    return found


# -- speakers


def test_renaming_a_speaker_renames_every_turn_and_keeps_every_coding(p1):
    before, ids = coded(p1), coding_ids(p1)
    renamed = speakers.rename_speaker(p1, ADMIN, "P1", "dana", "P1 Dana")
    assert (renamed.name, renamed.turns, renamed.role) == ("P1 Dana", 2, "participant")
    assert [r["speaker"] for r in segment_rows(p1, "P1")] == ["Interviewer", "P1 Dana", "Interviewer", "P1 Dana", "Sam"]
    assert coded(p1) == before and coding_ids(p1) == ids
    [entry] = audited(p1, "speaker.rename")
    assert (entry.target, entry.before, entry.after) == ("P1/Dana", {"speaker": "Dana"}, {"speaker": "P1 Dana", "turns": 2})
    consistent(p1)


def test_renaming_a_speaker_to_another_speakers_name_is_a_merge_and_refused(p1):
    with pytest.raises(Conflict, match="has a speaker named 'Dana' already") as refused:
        speakers.rename_speaker(p1, ADMIN, "P1", "Sam", "dana")
    assert refused.value.remedy == "merge_speakers"
    assert audited(p1, "speaker.rename") == []


def test_merging_two_speakers_gives_every_turn_to_one_who_keeps_their_role(p1):
    before = coded(p1)
    speakers.set_speaker_role(p1, ADMIN, "P1", "Sam", "interviewer")
    merged = speakers.merge_speakers(p1, ADMIN, "P1", "Sam", "Dana")
    assert (merged.name, merged.turns, merged.role) == ("Dana", 3, "participant")
    assert [(r["speaker"], r["role"]) for r in segment_rows(p1, "P1")][-1] == ("Dana", "participant")
    assert [s.name for s in speakers.transcript_speakers(p1, ADMIN, "P1")] == ["Interviewer", "Dana"]
    assert coded(p1) == before
    [entry] = audited(p1, "speaker.merge")
    assert entry.before == {"speaker": "Sam", "role": "interviewer", "turns": 1}
    consistent(p1)


def test_a_coder_may_not_fix_speakers_turns_or_participants(p1):
    for fix in (lambda: speakers.rename_speaker(p1, ALICE, "P1", "Dana", "D"),
                lambda: corrections.split_turn(p1, ALICE, "P1", 1, 5),
                lambda: corrections.correct_text(p1, ALICE, "P1", 1, "mine"),
                lambda: participants.move_transcript(p1, ALICE, "P1", "P9")):
        with pytest.raises(NotAllowed):
            fix()


# -- turns


def test_a_turns_speaker_changes_alone(p1):
    fixed = corrections.change_turn_speaker(p1, ADMIN, "P1", 4, "Lee", role="interviewer")
    assert fixed.said == "the turn holding segment 4 of P1 (segments 4) is Lee's now, not Sam's"
    rows = segment_rows(p1, "P1")
    assert (rows[4]["speaker"], rows[4]["role"]) == ("Lee", "interviewer")
    corrections.change_turn_speaker(p1, ADMIN, "P1", 4, "dana")  # an existing speaker keeps their role
    assert (segment_rows(p1, "P1")[4]["speaker"], segment_rows(p1, "P1")[4]["role"]) == ("Dana", "participant")
    with pytest.raises(StudyError, match="Dana is participant in P1, not interviewer"):
        corrections.change_turn_speaker(p1, ADMIN, "P1", 2, "Dana", role="interviewer")
    assert [e.after["speaker"] for e in audited(p1, "turn.speaker")] == ["Lee", "Dana"]
    consistent(p1)


def test_splitting_a_turn_cuts_its_segment_and_carries_codings_memos_and_decisions(p1):
    before = coded(p1)
    fixed = corrections.split_turn(p1, ADMIN, "P1", 1, "Then I read", speaker="Interviewer")
    assert fixed.said.endswith("segment 1 is now segments 1 and 2")
    rows = segment_rows(p1, "P1")
    assert [(r["speaker"], r["text"]) for r in rows[1:3]] == [("Dana", "I search the hub by downloads."),
                                                              ("Interviewer", "Then I read the card.")]
    assert [r["index"] for r in rows] == [0, 1, 2, 3, 4, 5]
    after = coded(p1)
    # the whole-segment code on both halves; spans where their words are; a span across the cut, cut
    assert after[("alice", SEARCH)] == [(1, "I search the hub by downloads."), (2, "Then I read the card.")]
    assert after[("alice", POPULAR)] == [(1, "by downloads")]
    assert after[("bob", MISSING)] == [(2, "read the card"), (5, "take notes")]
    assert after[("bob", POPULAR)] == [(1, "downloads."), (2, "Then")]
    unchanged = {k: [(i + 1 if i >= 2 else i, w) for i, w in v] for k, v in before.items()
                 if k not in {("alice", SEARCH), ("alice", POPULAR), ("bob", MISSING), ("bob", POPULAR)}}
    assert {k: after[k] for k in unchanged} == unchanged
    assert memo_texts(p1, "alice", 1) == ["second thought", "first thought"]  # history stays with the first half
    assert memo_texts(p1, "alice", 3) == ["on the question"]  # the question's memo followed its renumbered segment
    assert decisions(p1) == {1: ["agreed", "both"], 2: ["agreed", "both"], 4: ["agreed"]}  # both halves; 3 renumbered
    [entry] = audited(p1, "turn.split")
    assert entry.after["turns"][1][0] == "Interviewer" and entry.after["cut_segment"] == 1
    consistent(p1)


def test_a_split_that_leaves_no_words_on_one_side_changes_nothing(p1):
    rows = segment_rows(p1, "P1")
    with pytest.raises(StudyError, match="leaves no words on one side"):
        corrections.split_turn(p1, ADMIN, "P1", 1, 0)
    with pytest.raises(StudyError, match="found 2 times"):
        corrections.split_turn(p1, ADMIN, "P1", 1, "I ")
    assert segment_rows(p1, "P1") == rows and audited(p1, "turn.split") == []


def test_merging_two_turns_joins_their_segments_codings_memos_with_history_and_decisions(p1):
    before = coded(p1)
    fixed = corrections.merge_turns(p1, ADMIN, "P1", 1)
    assert fixed.said == "the turn holding segment 1 of P1 and the next are one turn of Dana; segments 1 and 2 are one"
    rows = segment_rows(p1, "P1")
    assert rows[1]["text"] == "I search the hub by downloads. Then I read the card.\n\nInterviewer: And licences?"
    assert [r["index"] for r in rows] == [0, 1, 2, 3]
    assert coded(p1)[("alice", SEARCH)] == [(1, rows[1]["text"])]  # the whole-segment coding covers both now
    assert coded(p1)[("alice", POPULAR)] == before[("alice", POPULAR)]  # spans keep their words
    assert coded(p1)[("bob", MISSING)] == [(1, "read the card"), (3, "take notes")]
    # alice memoed both segments: her history on the first, then the second's, then both texts
    assert memo_texts(p1, "alice", 1) == ["second thought\n\n(segment 2) on the question", "on the question",
                                          "second thought", "first thought"]
    assert memo_texts(p1, "bob", 1) == ["bob on the question"]  # bob's moved whole
    assert decisions(p1) == {1: ["agreed", "both"], 2: ["agreed"]}
    [entry] = audited(p1, "turn.merge")
    assert entry.after["text_between"] == "\n\nInterviewer: "
    consistent(p1)


def test_merging_turns_of_sentence_segments_keeps_every_segment(study_from):
    study = study_from(interview)
    from study.importing.resegment import resegment

    resegment(study, ["P1"], "sentence", CLI)
    before = segment_rows(study, "P1")
    corrections.merge_turns(study, ADMIN, "P1", 2)  # Dana's second sentence, then the question
    rows = segment_rows(study, "P1")
    assert [(r["start"], r["end"]) for r in rows] == [(r["start"], r["end"]) for r in before]
    assert [r["speaker"] for r in rows] == ["Interviewer", "Dana", "Dana", "Dana", "Dana", "Sam"]
    corrections.split_turn(study, ADMIN, "P1", 2, 0, speaker="Dana")  # between two sentences: no segment cut
    assert [(r["start"], r["end"]) for r in segment_rows(study, "P1")] == [(r["start"], r["end"]) for r in before]
    consistent(study)


def test_the_last_turn_has_no_next_turn_to_merge(p1):
    with pytest.raises(StudyError, match="last turn"):
        corrections.merge_turns(p1, ADMIN, "P1", 4)
    with pytest.raises(NotFound, match="no segment 9"):
        corrections.merge_turns(p1, ADMIN, "P1", 9)


# -- a typo


def test_correcting_a_typo_shifts_later_spans_and_flags_codings_on_the_changed_words(p1):
    before = coded(p1)
    fixed = corrections.correct_text(p1, ADMIN, "P1", 3, ("licnese", "license"))
    assert segment_rows(p1, "P1")[3]["text"] == "The license matters to us."
    after = coded(p1)
    assert after[("alice", LICENSE)] == [(3, "The license matters to us."), (3, "license matters")]
    assert after[("bob", LICENSE)] == [(3, "matters to us")]  # not on the typo: kept, unflagged
    assert after[("bob", MISSING)] == before[("bob", MISSING)] == [(1, "read the card"), (4, "take notes")]
    start, end = span_of(p1, "P1", 3, "license matters")
    # alice's codings and the consensus that marking done carried from them
    assert sorted(fixed.flagged) == [f"{rater}: {LICENSE} on segment 3{where}" for rater in ("alice", "consensus")
                                     for where in ("", f"[{start}:{end}]")]
    flags = corrections.flagged_codings(p1, ADMIN, "P1")
    assert {(f.rater, f.text) for f in flags} == {(r, w) for r in ("alice", "consensus")
                                                  for w in ("The license matters to us.", "license matters")}
    assert all(f.reason == "segment 3: its words were corrected: 'licnese' became 'license'" for f in flags)
    assert corrections.flagged_codings(p1, BOB) == []  # a coder sees their own flags only
    [entry] = audited(p1, "text.correct")  # the two characters that changed, and the word as read
    assert (entry.before["words"], entry.after["words"], entry.after["shift"]) == ("ne", "en", 0)
    assert (entry.before["read"], entry.after["read"]) == ("licnese", "license")
    consistent(p1)


def test_a_correction_that_changes_the_length_moves_every_later_offset(p1):
    with p1.session() as session:
        text_before = session.scalar(select(Transcript.text).where(Transcript.name == "P1"))
    rows_before, before = segment_rows(p1, "P1"), coded(p1)
    corrections.correct_text(p1, ADMIN, "P1", 1, "I search the Hugging Face hub by downloads. Then I read the card.")
    rows = segment_rows(p1, "P1")
    shift = len("Hugging Face ")
    assert [(r["start"], r["end"]) for r in rows[2:]] == [(r["start"] + shift, r["end"] + shift) for r in rows_before[2:]]
    with p1.session() as session:
        t = session.scalar(select(Transcript).where(Transcript.name == "P1"))
        assert t.text == text_before.replace("the hub", "the Hugging Face hub")
        assert [turn[2] - turn[1] for turn in t.turns][1] == len(rows[1]["text"])
    after = coded(p1)
    assert {k: v for k, v in after.items() if k != ("alice", SEARCH)} == \
        {k: v for k, v in before.items() if k != ("alice", SEARCH)}  # every span on the same words
    # only the whole-segment codings (alice's, and the consensus the adjudicator made)
    assert {(f.rater, f.code) for f in corrections.flagged_codings(p1, ADMIN)} == {("alice", SEARCH), ("consensus", SEARCH)}
    consistent(p1)


@pytest.mark.parametrize("old, new, words, flagged", [
    ("card", "cards", "cards", True),  # an insertion continuing the span's word
    ("the card", "the model card", "card", False),  # an insertion before the span, between words
])
def test_an_insertion_at_a_spans_edge_is_its_own_words_only_when_it_continues_a_word(p1, old, new, words, flagged):
    codings.apply_code(p1, ALICE, "alice", "P1", 1, LICENSE, span=span_of(p1, "P1", 1, "card"))
    corrections.correct_text(p1, ADMIN, "P1", 1, (old, new))
    assert [w for s, w in coded(p1)[("alice", LICENSE)] if s == 1] == [words]
    assert any(f.code == LICENSE for f in corrections.flagged_codings(p1, ADMIN)) is flagged
    consistent(p1)


# -- participants


def test_a_transcript_moves_to_its_real_participant_and_the_file_names_one_goes(p1):
    moved = participants.move_transcript(p1, ADMIN, "P1", "P01")
    assert str(moved) == "P1: participant P01 (was interview-P1); interview-P1 had nothing left and was removed"
    assert {r["participant"]: r["transcripts"] for r in participants.list_participants(p1)} == {"P01": ["P1"]}
    participants.rename_participant(p1, ADMIN, "P01", "P-01")
    assert next(r for r in transcript_rows(p1) if r["name"] == "P1")["participant"] == "P-01"
    upload_participants(p1, ADMIN, UploadedFile("people.csv", b"participant,age\nP02,41\n"))
    with pytest.raises(Conflict, match="participant 'P02' exists already") as refused:
        participants.rename_participant(p1, ADMIN, "P-01", "P02")
    assert refused.value.remedy == "move_transcript"
    assert [e.after["participant"] for e in audited(p1, "transcript.participant") + audited(p1, "participant.rename")] \
        == ["P01", "P-01"]


def test_a_participants_table_applies_to_transcripts_already_imported_or_says_why_not(p1):
    table = UploadedFile("people.csv", b"participant,transcript,age\nP07,P1,34\nP08,P2,29\n")
    applied = upload_participants(p1, ADMIN, table)
    assert [str(m) for m in applied.moved] == [
        "P1: participant P07 (was interview-P1); interview-P1 had nothing left and was removed"]
    assert applied.not_in_study == ("P2",)
    assert next(r for r in transcript_rows(p1) if r["name"] == "P1")["participant"] == "P07"
    [entry] = audited(p1, "participants.import")
    assert entry.after["not_in_study"] == ["P2"] and len(entry.after["moved"]) == 1


def test_the_cli_loads_a_participants_table_onto_imported_transcripts(p1, tmp_path, db_url):
    (tmp_path / "people.csv").write_text("participant,transcript\nP07,P1\nP08,P2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", db_url, "participants", "--load", str(tmp_path / "people.csv")])
    assert result.exit_code == 0, result.output
    assert "P1: participant P07 (was interview-P1)" in result.stderr
    assert "not applied: no transcript named 'P2' in the study" in result.stderr


# -- the command line


def test_the_cli_fixes_a_turn_and_a_typo_and_lists_the_flags(p1, db_url):
    run = lambda *args: CliRunner().invoke(cli, ["--db", db_url, "fix", *args])  # noqa: E731
    result = run("split", "P1", "1", "--before", "Then I read", "--speaker", "Interviewer")
    assert result.exit_code == 0 and "Fixed: the turn holding segment 1 of P1 is two turns, the second Interviewer's" in result.stdout
    result = run("text", "P1", "4", "--replace", "licnese", "--with", "license")
    assert result.exit_code == 0, result.output
    assert f"flagged (its words changed): alice: {LICENSE} on segment 4" in result.stdout
    result = run("flagged", "P1", "--format", "json")
    assert result.exit_code == 0 and result.stdout.count('"rater": "alice"') == 2
    result = run("rename-speaker", "P1", "Sam", "Dana")
    assert result.exit_code == 1 and "merge them with `study fix merge-speakers TRANSCRIPT 'Sam' 'Dana'`" in result.stderr


def coding_ids(study) -> set[int]:
    with study.session() as session:
        return set(session.scalars(select(Coding.id)))


def test_every_fix_is_one_audit_entry(p1):
    with p1.session() as session:
        count = session.scalar(select(func.count()).select_from(AuditEntry))
    corrections.split_turn(p1, ADMIN, "P1", 1, "Then")
    corrections.merge_turns(p1, ADMIN, "P1", 1)
    corrections.correct_text(p1, ADMIN, "P1", 1, ("hub", "Hub"))
    speakers.rename_speaker(p1, ADMIN, "P1", "Sam", "Sam Lee")
    with p1.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == count + 4
        assert session.scalar(select(func.count()).select_from(MemoVersion)) == 4  # every version saved, none lost
    consistent(p1)


def test_importing_again_with_a_participants_table_moves_the_transcripts_already_in_the_study(study, tmp_path):
    from study.importing.batch import import_files
    from study.participants import read_participants_csv

    (tmp_path / "Interview-2022-07-04.txt").write_text("Interviewer: Why?\n\nAna: Because.\n", encoding="utf-8")
    first = import_files(study, [tmp_path], actor=CLI)
    assert first.imported == ["Interview-2022-07-04"]
    assert transcript_rows(study)[0]["participant"] == "Interview-2022-07-04"  # the file name, no participant ID in it
    (tmp_path / "people.csv").write_text("participant,transcript\nP02,Interview-2022-07-04\nP03,Interview-9\n",
                                         encoding="utf-8")
    again = import_files(study, [tmp_path], actor=CLI, participants=read_participants_csv(tmp_path / "people.csv"))
    assert again.unchanged == ["Interview-2022-07-04"]
    assert again.participants_moved == ["Interview-2022-07-04: participant P02 (was Interview-2022-07-04); "
                                        "Interview-2022-07-04 had nothing left and was removed"]
    assert again.warnings == ["Interview-9: named in the participants table, but no transcript of that name is in "
                              "the study"]
    assert transcript_rows(study)[0]["participant"] == "P02"


# -- any sequence of fixes keeps the offsets exact


FIXES = st.lists(st.tuples(st.sampled_from(["split", "merge", "text", "speaker"]), st.floats(0, 1), st.floats(0, 1),
                           st.text(alphabet="ab ,.xyz", max_size=6)), min_size=1, max_size=6)


def spanned(study) -> None:
    """P1 with alice's spans, some on the words a typo fix may change, some overlapping."""
    load_small_codebook(study)
    auth.add_user(study, "alice", "coder", "password-123", CLI)
    add_parsed_transcript(study, "P1", parsed_from_turns(TURNS), "P1", ImportOptions(interviewer="Interviewer"))
    for index, words in ((1, "hub by"), (1, "card."), (3, "licnese"), (3, "The licnese matters"), (4, "notes")):
        codings.apply_code(study, ALICE, "alice", "P1", index, LICENSE, span=span_of(study, "P1", index, words))


@pytest.fixture(scope="module")
def spanned_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spanned") / "study.db"
    study = Study.open(f"sqlite:///{path}")
    spanned(study)
    study.close()
    return path


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fixes=FIXES)
def test_any_sequence_of_fixes_keeps_offsets_exact_and_spans_on_their_words(spanned_db, tmp_path_factory, fixes):
    copy = tmp_path_factory.mktemp("fixes") / "study.db"
    shutil.copy(spanned_db, copy)
    study = Study.open(f"sqlite:///{copy}")
    try:
        for kind, where, how, text in fixes:
            rows = segment_rows(study, "P1")
            row = rows[int(where * (len(rows) - 1))]
            before = span_words(study)
            flags = len(corrections.flagged_codings(study, ADMIN))
            try:
                if kind == "split":
                    corrections.split_turn(study, ADMIN, "P1", row["index"], int(how * len(row["text"])))
                elif kind == "merge":
                    corrections.merge_turns(study, ADMIN, "P1", row["index"])
                elif kind == "speaker":
                    corrections.change_turn_speaker(study, ADMIN, "P1", row["index"], "Sam" if how < .5 else "Dana")
                else:
                    cut = int(how * len(row["text"]))
                    corrections.correct_text(study, ADMIN, "P1", row["index"], row["text"][:cut] + text + row["text"][cut + 2:])
            except StudyError:
                continue  # refused (no words on one side, the last turn, nothing changed...): nothing changed
            finally:
                consistent(study)
            after = span_words(study)
            flagged = {f.span for f in corrections.flagged_codings(study, ADMIN)} if kind == "text" else set()
            for coding_id, words in after.items():
                if coding_id not in before or after[coding_id][0] in flagged:
                    continue  # a new piece of a cut span, or a span whose words were corrected (and flagged)
                # a span keeps its words; cut by a split, it keeps part of them
                assert words[1] == before[coding_id][1] or (kind == "split" and words[1] in before[coding_id][1])
            assert kind == "text" or len(corrections.flagged_codings(study, ADMIN)) == flags
    finally:
        study.close()


def span_words(study) -> dict[int, tuple[tuple[int, int], str]]:
    with study.session() as session:
        text = session.scalar(select(Transcript.text).where(Transcript.name == "P1"))
        return {c.id: (c.span, text[c.span[0]:c.span[1]]) for c in session.scalars(
            select(Coding).where(Coding.span_start.is_not(None)))}


def test_a_span_click_racing_a_text_correction_ends_on_its_own_words_or_is_refused(p1, monkeypatch):
    # the coder's click checks its words, then (held here) writes; meanwhile an admin inserts words
    # before the span. Whichever goes first, the coding must end on "hub" or be refused: never on the
    # old offsets over other words
    import threading

    span = span_of(p1, "P1", 1, "hub")
    checked, corrected = threading.Event(), threading.Event()
    real_write = workspace.write_codings

    def held_write(*args, **kwargs):
        checked.set()
        corrected.wait(timeout=3)  # the admin's fix, unless the click holds it back
        return real_write(*args, **kwargs)

    monkeypatch.setattr(workspace, "write_codings", held_write)

    def fix():
        checked.wait(timeout=10)
        corrections.correct_text(p1, ADMIN, "P1", 1, ("search the hub", "search the model hub"))
        corrected.set()

    admin = threading.Thread(target=fix)
    admin.start()
    with p1.session() as session:
        tid = session.scalar(select(Transcript.id).where(Transcript.name == "P1"))
        segment_id = session.scalar(select(Segment.id).where(Segment.transcript_id == tid, Segment.index == 1))
        code_id = session.scalar(select(Coding.code_id).where(Coding.transcript_id == tid).limit(1))
    try:
        workspace.apply_change(p1, ALICE, tid, workspace.Change(segment_id, code_id, True, span, "hub"))
    except Conflict:
        pass  # refused: the page reloads and the coder selects again
    admin.join(timeout=30)
    with p1.session() as session:
        text = session.scalar(select(Transcript.text).where(Transcript.id == tid))
        assert "search the model hub" in text
        spans = session.execute(select(Coding.span_start, Coding.span_end).where(
            Coding.transcript_id == tid, Coding.code_id == code_id, Coding.segment_id == segment_id,
            Coding.rater_id == select(auth.User.id).where(auth.User.name == "alice").scalar_subquery(),
            Coding.span_start.is_not(None))).all()
    assert all(text[start:end] in ("hub", "by downloads") for start, end in spans), [text[s:e] for s, e in spans]
