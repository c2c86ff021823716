"""Uploads from a browser (study.importing.uploads): the same importers as the CLI, files named as the user named them."""
from __future__ import annotations

import pytest

from study.importing import uploads as importing
from study.errors import NotAllowed, ParticipantsError
from study.importing.uploads import UploadedFile
from study.listing import transcript_rows
from study.app.display import said
from tests.factories import ADMIN, ALICE

GOOD_TXT = b"Interviewer: How do you pick a model?\n\nP07: I search the hub by downloads.\n"


def test_upload_imports_a_transcript_under_its_own_name(coded):
    summary = importing.upload_transcripts(coded, ADMIN, [UploadedFile("P07-2024-05-01.txt", GOOD_TXT)])
    assert summary.imported == ["P07-2024-05-01"] and not summary.failed
    row = next(r for r in transcript_rows(coded) if r["name"] == "P07-2024-05-01")
    assert row["participant"] == "P07" and row["segments"] == 2


def test_upload_keeps_no_folder_part_of_a_browser_file_name(coded):
    summary = importing.upload_transcripts(coded, ADMIN, [UploadedFile("C:\\Users\\x\\P08.txt", GOOD_TXT)])
    assert summary.imported == ["P08"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.txt", b"   \n", "empty.txt: is empty"),
        ("notes.m4a", b"\x00\x00\x00 ftypM4A ", "notes.m4a: has an unsupported file type '.m4a'"),
        ("notes.pdf", b"%PDF-1.4", "notes.pdf: could not be read as a PDF"),
        ("broken.docx", b"not a zip file", "broken.docx: "),
    ],
)
def test_upload_errors_name_the_file_not_a_temporary_path(coded, name, data, expected):
    before = transcript_rows(coded)
    summary = importing.upload_transcripts(coded, ADMIN, [UploadedFile(name, data)])
    assert [file for file, _ in summary.failed] == [name]
    message = summary.failed[0][1]
    assert message.startswith(expected)
    assert "/tmp" not in message and "study-upload-" not in message
    assert transcript_rows(coded) == before  # nothing half-written


def test_upload_over_the_limit_is_refused(coded):
    summary = importing.upload_transcripts(coded, ADMIN, [UploadedFile("big.txt", GOOD_TXT)], max_bytes=10)
    size = len(GOOD_TXT)
    assert summary.failed == [("big.txt", f"big.txt: is {size} bytes, over the 10 bytes limit; split it into smaller files")]
    assert "big" not in {r["name"] for r in transcript_rows(coded)}


def test_a_failing_upload_does_not_stop_the_others(coded):
    summary = importing.upload_transcripts(
        coded, ADMIN, [UploadedFile("empty.txt", b""), UploadedFile("P09.txt", GOOD_TXT)]
    )
    assert summary.imported == ["P09"] and [f for f, _ in summary.failed] == ["empty.txt"]


def test_changed_upload_of_a_known_name_asks_to_tick_replace(coded):
    importing.upload_transcripts(coded, ADMIN, [UploadedFile("P10.txt", GOOD_TXT)])
    changed = GOOD_TXT.replace(b"downloads", b"likes")
    summary = importing.upload_transcripts(coded, ADMIN, [UploadedFile("P10.txt", changed)], describe=said)
    assert "tick 'Replace transcripts of the same name'" in summary.failed[0][1]
    assert "--replace" not in summary.failed[0][1]
    summary = importing.upload_transcripts(coded, ADMIN, [UploadedFile("P10.txt", changed)], replace=True)
    assert summary.replaced == ["P10"]


def test_uploaded_transcript_records_its_file_name_not_the_temporary_path(coded):
    from study.store import Transcript

    importing.upload_transcripts(coded, ADMIN, [UploadedFile("P11.txt", GOOD_TXT)])
    with coded.session() as s:
        assert s.query(Transcript).filter_by(name="P11").one().source_file == "upload: P11.txt"


def test_coder_may_not_upload(coded):
    with pytest.raises(NotAllowed):
        importing.upload_transcripts(coded, ALICE, [UploadedFile("P12.txt", GOOD_TXT)])
    with pytest.raises(NotAllowed):
        importing.upload_participants(coded, ALICE, UploadedFile("p.csv", b"participant\nP01\n"))


def test_participants_upload_saves_attributes(coded):
    from study.participants import list_participants

    applied = importing.upload_participants(coded, ADMIN, UploadedFile("people.csv", b"participant,role\nP01,engineer\n"))
    assert (applied.participants, applied.moved, applied.not_in_study) == (1, (), ())
    assert next(p for p in list_participants(coded) if p["participant"] == "P01")["attributes"] == {"role": "engineer"}


def test_participants_upload_error_names_the_file(coded):
    with pytest.raises(ParticipantsError) as caught:
        importing.upload_participants(coded, ADMIN, UploadedFile("people.csv", b"name,role\nP01,engineer\n"))
    assert str(caught.value).startswith("people.csv: no 'participant' column")


def test_participants_uploaded_with_transcripts_own_them(coded):
    people = UploadedFile("people.csv", b"participant,transcript,role\nP42,interview-x,engineer\n")
    importing.upload_transcripts(coded, ADMIN, [UploadedFile("interview-x.txt", GOOD_TXT)], participants=people)
    assert next(r for r in transcript_rows(coded) if r["name"] == "interview-x")["participant"] == "P42"


def test_participants_uploaded_with_transcripts_also_move_those_already_imported(coded):
    importing.upload_transcripts(coded, ADMIN, [UploadedFile("interview-y.txt", GOOD_TXT)])
    people = UploadedFile("people.csv", b"participant,transcript\nP43,interview-y\nP44,interview-z\n")
    summary = importing.upload_transcripts(coded, ADMIN, [UploadedFile("interview-y.txt", GOOD_TXT)],
                                           participants=people)
    assert summary.unchanged == ["interview-y"]
    assert summary.participants_moved == ["interview-y: participant P43 (was interview-y); "
                                          "interview-y had nothing left and was removed"]
    assert summary.warnings == ["interview-z: named in the participants table, but no transcript of that name is "
                                "in the study"]
