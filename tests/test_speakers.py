"""Checking and correcting speakers: the dry run, --role/--speaker on import, `study speakers` afterwards."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from study import codings
from study.adjudication import resolve
from study.auth import CLI, Actor
from study.cli import cli
from study.codebook import parse_codebook
from study import codes
from study.errors import NotAllowed
from study.speakers import set_speaker_role, transcript_speakers
from study.store import Coding, Memo, Resolution, Segment, Study, Transcript
from tests.factories import SMALL_CODEBOOK, add_raters

# An Otter-style export: a name-and-time line, the words below; "Unknown Speaker" asks.
OTTER = (
    "Unknown Speaker  0:04\nSo what do you use for search?\n\n"
    "A5  0:10\nMostly the hub, honestly.\n\n"
    "Unknown Speaker  0:15\nWhy is that?\n\n"
    "A5  0:20\nIt has the downloads.\n"
)
INTERVIEW = "Interviewer: How do you find models?\n\nDana: I search the hub.\n\nInterviewer: And the license?\n\nDana: Always first.\n"


@pytest.fixture
def run(db_url):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--db", db_url, *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def files(tmp_path):
    (tmp_path / "otter.txt").write_text(OTTER, encoding="utf-8")
    (tmp_path / "P01.txt").write_text(INTERVIEW, encoding="utf-8")
    return tmp_path


def test_dry_run_prints_speakers_roles_reasons_and_first_words_and_stores_nothing(run, files, db_url):
    result = run("import", "--dry-run", str(files / "P01.txt"), str(files / "otter.txt"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "transcript 'P01', participant 'P01'" in out
    assert "Interviewer  interviewer     2 turns       8 words  (the label says interviewer)" in out
    # Unknown Speaker asks in 2 of 2 turns and says 7 + 3 = 10 of 18 words (56%); A5 asks in none, 4 + 4 = 8 (44%)
    assert "(asks questions in 2 of 2 turns (100%) and says 56% of the words; A5: 0% and 44%)" in out
    assert "    Dana: I search the hub." in out
    assert "layout:" in out and "Dry run, nothing stored: 2 transcript(s) from 2 file(s)" in out
    assert stored_transcripts(db_url) == []


def stored_transcripts(db_url):
    study = Study.open(db_url)
    try:
        with study.session() as session:
            return [t.name for t in session.query(Transcript)]
    finally:
        study.close()


def test_dry_run_reports_a_bad_file_and_still_previews_the_others(run, files):
    (files / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    result = run("import", "--dry-run", str(files / "broken.docx"), str(files / "P01.txt"))
    assert result.exit_code == 1
    assert "broken.docx" in result.stderr and "Traceback" not in result.output
    assert "transcript 'P01'" in result.stdout


def test_import_renames_and_sets_roles_given_on_the_command_line(run, files):
    result = run("import", str(files / "otter.txt"), "--speaker", "Unknown Speaker=P7",
                 "--role", "A5=interviewer,P7=participant")
    assert result.exit_code == 0, result.output
    segments = json.loads(run("segments", "otter", "--format", "json").stdout)
    assert [(s["speaker"], s["role"]) for s in segments] == [
        ("P7", "participant"), ("A5", "interviewer"), ("P7", "participant"), ("A5", "interviewer")]


def test_a_role_for_a_speaker_no_file_has_stores_nothing(run, files, db_url):
    result = run("import", str(files / "otter.txt"), "--role", "A9=interviewer")
    assert result.exit_code == 1
    assert "no speaker named 'A9' in the files; speakers found: A5, Unknown Speaker" in result.stderr
    assert stored_transcripts(db_url) == []


@pytest.mark.parametrize("value", ["A5", "A5=boss", "=interviewer"])
def test_a_malformed_role_option_is_one_line(run, files, value):
    result = run("import", str(files / "otter.txt"), "--role", value)
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_speakers_lists_roles_turns_words_and_why(run, files):
    run("import", str(files / "P01.txt"))
    rows = json.loads(run("speakers", "P01", "--format", "json").stdout)
    assert rows == [
        {"name": "Interviewer", "role": "interviewer", "turns": 2, "words": 8,
         "reason": "on import: the label says interviewer"},
        {"name": "Dana", "role": "participant", "turns": 2, "words": 6,
         "reason": "on import: not the interviewer (Interviewer is)"},
    ]


def test_set_role_keeps_segments_codings_memos_and_decisions(run, files, db_url):
    run("import", str(files / "otter.txt"))
    study = Study.open(db_url)
    try:
        codes.load_into_study(study, parse_codebook(SMALL_CODEBOOK, source="small.yaml"), CLI)
        add_raters(study, "alice", "bob")
        codings.apply_code(study, CLI, "alice", "otter", 1, "Challenges/Model search")
        codings.apply_code(study, CLI, "bob", "otter", 1, "Attributes/Traditional/Popularity")
        codings.set_memo(study, CLI, "alice", "otter", 1, "the hub again")
        codings.mark_done(study, CLI, "alice", "otter", anyway=True)
        codings.mark_done(study, CLI, "bob", "otter", anyway=True)
        resolve(study, CLI, ["alice", "bob"], "otter", 1, "take:alice")
        before = _state(study)

        result = run("speakers", "otter", "--set-role", "A5=interviewer,Unknown Speaker=participant")
        assert result.exit_code == 0, result.output

        after = _state(study)
        assert after["ids"] == before["ids"] and after["codings"] == before["codings"]
        assert after["memos"] == before["memos"] and after["resolutions"] == before["resolutions"]
        assert after["roles"] == ["participant", "interviewer", "participant", "interviewer"]
        assert after["interviewer"] == "A5"
        rows = transcript_speakers(study, CLI, "otter")
        assert [(r.name, r.role, r.reason.split(" on ")[0]) for r in rows] == [
            ("Unknown Speaker", "participant", "set by cli"), ("A5", "interviewer", "set by cli")]
    finally:
        study.close()


def _state(study):
    with study.session() as session:
        transcript = session.query(Transcript).one()
        return {
            "ids": [s.id for s in transcript.segments],
            "roles": [s.role for s in transcript.segments],
            "interviewer": transcript.interviewer,
            "codings": sorted((c.segment_id, c.code_id, c.rater_id) for c in session.query(Coding)),
            "memos": sorted((m.segment_id, m.text) for m in session.query(Memo)),
            "resolutions": sorted((r.segment_id, r.decision) for r in session.query(Resolution)),
        }


def test_changing_a_role_is_audited_and_for_admins_only(study, tmp_path):
    from study.importing.batch import import_files
    from study.store import AuditEntry

    (tmp_path / "P01.txt").write_text(INTERVIEW, encoding="utf-8")
    import_files(study, [tmp_path / "P01.txt"], actor=CLI)
    with pytest.raises(NotAllowed):
        set_speaker_role(study, Actor("carol", "coder"), "P01", "Dana", "interviewer")
    set_speaker_role(study, Actor("ann", "admin"), "P01", "dana", "interviewer")
    with study.session() as session:
        entry = session.query(AuditEntry).filter_by(action="speaker.role").one()
        assert (entry.actor, entry.target, entry.before, entry.after) == (
            "ann", "P01/Dana", {"role": "participant"}, {"role": "interviewer"})


def test_unknown_transcript_or_speaker_is_one_line(run, files):
    run("import", str(files / "P01.txt"))
    assert "no transcript named 'nope'" in run("speakers", "nope").stderr
    result = run("speakers", "P01", "--set-role", "Zed=interviewer")
    assert result.exit_code == 1 and "no speaker 'Zed' in P01; speakers: Interviewer, Dana" in result.stderr


def test_upload_preview_names_files_as_uploaded_and_is_for_admins(study):
    from study.importing.uploads import UploadedFile, preview_uploads

    uploads = [UploadedFile("P01.txt", INTERVIEW.encode()), UploadedFile("empty.txt", b"  \n")]
    preview = preview_uploads(Actor("ann", "admin"), uploads)
    [t] = preview.transcripts
    assert (t.file, t.name, t.interviewer) == ("P01.txt", "P01", "Interviewer")
    assert preview.failed == (("empty.txt", "empty.txt: is empty; export the transcript again"),)
    with pytest.raises(NotAllowed):
        preview_uploads(Actor("carol", "coder"), uploads)


def test_a_role_set_after_import_survives_resegmenting(run, files):
    run("import", str(files / "P01.txt"))
    run("speakers", "P01", "--set-role", "Dana=interviewer")
    assert run("resegment", "--unit", "sentence", "P01").exit_code == 0
    segments = json.loads(run("segments", "P01", "--format", "json").stdout)
    assert {s["role"] for s in segments} == {"interviewer"}


# A silent note-taker speaks first; the interviewer is who asks.
WITH_NOTE_TAKER = ("Note-taker: Recording is on.\n\nInterviewer: How do you find models?\n\n"
                   "Dana: I search the hub.\n\nInterviewer: And the license?\n\nDana: Always first.\n")


def test_other_speakers_are_kept_and_shown_but_never_to_code(run, files, db_url):
    from study import corrections, workspace

    (files / "P02.txt").write_text(WITH_NOTE_TAKER, encoding="utf-8")
    assert run("import", str(files / "P02.txt")).exit_code == 0
    rows = json.loads(run("speakers", "P02", "--format", "json").stdout)
    assert [(r["name"], r["role"], r["reason"]) for r in rows] == [
        ("Note-taker", "other", "on import: the label says other"),
        ("Interviewer", "interviewer", "on import: the label says interviewer"),
        ("Dana", "participant", "on import: not the interviewer (Interviewer is)")]
    study = Study.open(db_url)
    try:
        [listed] = workspace.transcript_progress(study, Actor("alice", "coder"))
        assert (listed.segments, listed.progress.total) == (5, 2)  # all five shown; Dana's two to code
        # a turn given to a new "Interpreter" makes them other, not a participant
        corrections.change_turn_speaker(study, CLI, "P02", 4, "Interpreter")
        assert _state(study)["roles"] == ["other", "interviewer", "participant", "interviewer", "other"]
        assert workspace.transcript_progress(study, Actor("alice", "coder"))[0].progress.total == 1
        with study.session() as session:
            assert session.query(Transcript).one().interviewer == "Interviewer"
    finally:
        study.close()
    result = run("speakers", "P02", "--set-role", "Note-taker=participant,Dana=other")
    assert result.exit_code == 0, result.output
    assert [s["role"] for s in json.loads(run("segments", "P02", "--format", "json").stdout)] == [
        "participant", "interviewer", "other", "interviewer", "other"]


def test_other_is_a_role_given_on_import(run, files):
    (files / "P03.txt").write_text(INTERVIEW.replace("Dana: Always first.", "Lea: One moment, please."),
                                   encoding="utf-8")
    assert run("import", str(files / "P03.txt"), "--role", "Lea=other").exit_code == 0
    segments = json.loads(run("segments", "P03", "--format", "json").stdout)
    assert [(s["speaker"], s["role"]) for s in segments][-1] == ("Lea", "other")
