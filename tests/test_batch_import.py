"""A batch import never loses the rest: each file succeeds or fails on its own, the summary always
prints, every failure is one line naming its file; a survey CSV is stored whole or not at all."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from study.importing import reading, storing, uploads as uploading
from study.auth import Actor
from study.cli import cli
from study.errors import ParticipantsError
from study.importing.batch import import_files
from study.importing.reading import ImportOptions
from study.importing.uploads import UploadedFile
from study.listing import segment_rows, transcript_rows
from study.participants import read_participants_csv
from study.auth import CLI

INTERVIEW = "Interviewer: How do you pick a model?\n\nDana: By downloads, mostly.\n"


def write(folder, name, text=INTERVIEW):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def broken_reader(monkeypatch):
    """A reader failing the way a truncated LZMA member inside a .docx does (EOFError), on files named 'bad*'."""
    real = reading.read_transcript_data

    def reader(data, name, **kwargs):
        if Path(name).name.startswith("bad"):
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        return real(data, name, **kwargs)

    monkeypatch.setattr(reading, "read_transcript_data", reader)


def test_an_unexpected_failure_in_one_file_leaves_the_rest_of_the_batch_done(study, tmp_path, broken_reader):
    files = [write(tmp_path, "P01.txt"), write(tmp_path, "bad.txt"), write(tmp_path, "P03.txt")]
    summary = import_files(study, files, actor=CLI)
    assert summary.imported == ["P01", "P03"]
    [(file, message)] = summary.failed
    assert file.endswith("bad.txt")
    assert message.startswith(f"{tmp_path / 'bad.txt'}: could not be read (EOFError: Compressed file ended")
    assert "\n" not in message


def test_the_cli_prints_the_summary_and_exits_non_zero_when_a_file_failed(db_url, tmp_path, broken_reader):
    files = [write(tmp_path, "P01.txt"), write(tmp_path, "bad.txt"), write(tmp_path, "P03.txt")]
    result = CliRunner().invoke(cli, ["--db", db_url, "import", *map(str, files)])
    assert result.exit_code == 1
    assert "Imported 2, replaced 0, unchanged 0, failed 1." in result.stdout
    assert "bad.txt: could not be read (EOFError" in result.stderr
    assert "Traceback" not in result.output


def test_a_file_name_that_is_not_utf8_fails_alone_with_a_clear_message(db_url, tmp_path):
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9-P02.txt"), "wb") as handle:  # Latin-1 name, as old archives hold
        handle.write(INTERVIEW.encode())
    write(tmp_path, "P01.txt")
    result = CliRunner().invoke(cli, ["--db", db_url, "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "Imported 1, replaced 0, unchanged 0, failed 1." in result.stdout
    assert "caf\\xe9-P02.txt: the transcript name 'caf\\xe9-P02' is not valid text" in result.stderr
    assert "Traceback" not in result.output


def test_an_upload_failing_unexpectedly_does_not_lose_the_uploads_after_it(study, broken_reader):
    uploads = [UploadedFile(name, INTERVIEW.encode()) for name in ("P01.txt", "bad.txt", "P03.txt")]
    summary = uploading.upload_transcripts(study, Actor("ann", "admin"), uploads)
    assert summary.imported == ["P01", "P03"]
    [(file, message)] = summary.failed
    assert file == "bad.txt" and "could not be read (EOFError" in message and "study-upload" not in message


SURVEY = "participant,question,response\nP1,Why reuse?,It saves time.\nP2,Why reuse?,Licenses are clear.\n"


def test_a_survey_csv_is_stored_whole_or_not_at_all(study, tmp_path):
    # P2's label is 201 characters: one bad participant means no participant of the file is stored
    path = write(tmp_path, "survey.csv", SURVEY.replace("P2,", "x" * 201 + ","))
    summary = import_files(study, [path], actor=CLI)
    assert summary.imported == [] and len(summary.failed) == 1
    assert transcript_rows(study) == []


def test_a_changed_survey_reports_only_the_changed_participant(study, tmp_path):
    path = write(tmp_path, "survey.csv", SURVEY)
    assert import_files(study, [path], actor=CLI).imported == ["survey-P1", "survey-P2"]
    write(tmp_path, "survey.csv", SURVEY.replace("Licenses are clear.", "Licenses are clear enough."))
    summary = import_files(study, [path], actor=CLI)
    [(_, message)] = summary.failed
    assert "'survey-P2'" in message and "survey-P1" not in message
    replaced = import_files(study, [path], options=ImportOptions(replace=True), actor=CLI)
    assert (replaced.unchanged, replaced.replaced) == (["survey-P1"], ["survey-P2"])
    assert segment_rows(study, "survey-P2")[-1]["text"] == "Licenses are clear enough."


def test_an_unchanged_survey_is_unchanged_for_every_participant(study, tmp_path):
    path = write(tmp_path, "survey.csv", SURVEY)
    import_files(study, [path], actor=CLI)
    assert import_files(study, [path], actor=CLI).unchanged == ["survey-P1", "survey-P2"]


# An opening quote never closed: P1's answer would swallow P2's and P3's rows.
UNCLOSED = 'participant,response\nP1,"It saves time.\nP2,Licenses are clear.\nP3,Never.\n'
# A stray second quote closes it later, after swallowing P2's row (line 3).
SWALLOWED = 'participant,response\nP1,"It saves time.\nP2,Licenses are clear."\nP3,Never.\n'


@pytest.mark.parametrize("text, problem", [
    (UNCLOSED, "line 2: a quoted field opened on this line is never closed"),
    (SWALLOWED, "line 2: a quoted field opened on this line runs on and swallows the row on line 3"),
])
def test_a_survey_with_an_unclosed_quote_is_refused_with_its_line(study, tmp_path, text, problem):
    summary = import_files(study, [write(tmp_path, "survey.csv", text)], actor=CLI)
    [(_, message)] = summary.failed
    assert problem in message
    assert transcript_rows(study) == []


def test_a_quoted_answer_over_several_lines_is_kept_whole(study, tmp_path):
    text = 'participant,response\nP1,"First, I search.\nThen, I read the card."\nP2,Never.\n'
    import_files(study, [write(tmp_path, "survey.csv", text)], actor=CLI)
    assert segment_rows(study, "survey-P1")[0]["text"] == "First, I search.\nThen, I read the card."


def test_a_participants_csv_with_an_unclosed_quote_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, "people.csv", 'participant,role\nP1,"engineer\nP2,manager\nP3,student\n')
    with pytest.raises(ParticipantsError, match=r"people\.csv, line 2: a quoted field opened on this line is never"):
        read_participants_csv(path)


def test_cli_refuses_a_participants_csv_with_a_swallowed_row(db_url, tmp_path):
    people = write(tmp_path, "people.csv", 'participant,role\nP1,"engineer\nP2,manager"\nP3,student\n')
    result = CliRunner().invoke(cli, ["--db", db_url, "import", str(write(tmp_path, "P1.txt")),
                                      "--participants", str(people)])
    assert result.exit_code == 1
    assert "people.csv, line 2: a quoted field opened on this line runs on and swallows the row on line 3" in result.stderr


@pytest.mark.parametrize("bad_name, shown", [  # uploads are read from memory: the name is checked as a transcript's
    ("P02" + "x" * 300 + ".txt", "is 303 characters long; shorten it to at most 300"),
    ("P02\x00.txt", "contains the control character U+0000; remove it"),
])
def test_an_upload_whose_name_no_transcript_can_have_fails_alone(study, bad_name, shown):
    uploads = [UploadedFile(name, INTERVIEW.encode()) for name in ("P01.txt", bad_name, "P03.txt")]
    summary = uploading.upload_transcripts(study, Actor("ann", "admin"), uploads)
    assert summary.imported == ["P01", "P03"]
    [(_, message)] = summary.failed
    assert shown in message
    preview = uploading.preview_uploads(Actor("ann", "admin"), uploads)
    assert [t.name for t in preview.transcripts] == ["P01", "P03"] and len(preview.failed) == 1


def test_a_database_refusing_one_file_is_worded_as_the_database_and_the_batch_goes_on(study, tmp_path, monkeypatch):
    from sqlalchemy.exc import OperationalError

    real = storing.add_segments

    def add_segments(session, transcript, spans):
        if transcript.name == "P02":
            raise OperationalError("INSERT INTO segments ...", {}, Exception("database or disk is full"))
        return real(session, transcript, spans)

    monkeypatch.setattr(storing, "add_segments", add_segments)
    files = [write(tmp_path, f"P0{n}.txt") for n in (1, 2, 3)]
    summary = import_files(study, files, actor=CLI)
    assert summary.imported == ["P01", "P03"]
    [(_, message)] = summary.failed
    assert "P02.txt: not stored: " in message and "nothing of this change was saved" in message
    assert "P02" not in {row["name"] for row in transcript_rows(study)}  # rolled back whole


PROTOCOL = ("Interview protocol\n\nConsent: read the consent form aloud.\n\n"
            "Could you briefly describe your role in your team?\n\nHow do you choose a pre-trained model?\n")
INTERVIEW = "Interviewer: How do you choose a model?\n\nP1: By its downloads, mostly.\n"


@pytest.fixture
def study_folder(tmp_path):
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "P01.txt").write_text(INTERVIEW, encoding="utf-8")
    (folder / "Interview-Protocol.txt").write_text(PROTOCOL, encoding="utf-8")
    return folder


def test_a_document_with_no_speakers_in_a_folder_is_skipped_and_said_not_made_a_participant(study, study_folder):
    summary = import_files(study, [study_folder], actor=CLI)
    assert summary.imported == ["P01"]
    assert summary.failed == []
    [(file, why)] = summary.skipped
    assert file.endswith("Interview-Protocol.txt")
    assert "no speakers found" in why and "not an interview" in why
    assert [row["participant"] for row in transcript_rows(study)] == ["P01"]


def test_the_same_document_named_on_its_own_is_imported_as_one_speakers_text(study, study_folder):
    summary = import_files(study, [study_folder / "Interview-Protocol.txt"], actor=CLI)
    assert summary.imported == ["Interview-Protocol"] and summary.skipped == []
    assert len(segment_rows(study, "Interview-Protocol")) == 4  # one turn per paragraph


def test_the_cli_dry_run_and_import_say_why_the_document_was_skipped(db_url, study_folder):
    runner = CliRunner()
    dry = runner.invoke(cli, ["--db", db_url, "import", "--dry-run", str(study_folder)])
    assert dry.exit_code == 0, dry.output
    assert "1 transcript(s) from 1 file(s) would be imported; 0 file(s) failed, 1 skipped" in dry.stdout
    done = runner.invoke(cli, ["--db", db_url, "import", str(study_folder)])
    assert done.exit_code == 0, done.output
    assert "Imported 1," in done.stdout
    assert "Interview-Protocol.txt: no speakers found" in done.stderr
    assert "name the file itself (`study import FILE`)" in done.stderr
