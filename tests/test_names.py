"""Names are checked in the library, so SQLite and PostgreSQL accept and refuse the same ones."""
from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner

from study.cli import cli
from study.errors import InvalidName
from study.importing.batch import import_files
from study.listing import transcript_rows
from study.participants import ParticipantRow
from study.names import check_name, max_length
from study.auth import CLI


@pytest.mark.parametrize("kind, limit", [("participant", 200), ("transcript", 300), ("rater", 200), ("user", 200)])
def test_the_limit_is_the_length_of_the_column_the_name_is_stored_in(kind, limit):
    # store.py: Participant.label String(200), Transcript.name String(300), User.name String(200)
    assert max_length(kind) == limit
    assert check_name(kind, "x" * limit) == "x" * limit
    with pytest.raises(InvalidName, match=f"{limit + 1} characters long; shorten it to at most {limit}"):
        check_name(kind, "x" * (limit + 1))


def test_surrounding_spaces_are_dropped():
    assert check_name("participant", "  P3\t") == "P3"


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_a_blank_name_is_refused(value):
    with pytest.raises(InvalidName, match="participant name is blank"):
        check_name("participant", value)


@pytest.mark.parametrize("value, code", [("P\x003", "U+0000"), ("P\n3", "U+000A"), ("P\x1b3", "U+001B")])
def test_control_characters_are_refused_by_code_point(value, code):
    with pytest.raises(InvalidName, match=re.escape(code)):
        check_name("rater", value)


@pytest.mark.parametrize("kind", ["participant", "transcript", "speaker", "rater", "user"])
@pytest.mark.parametrize("mark", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u202a", "\u202b"])
def test_a_character_that_reorders_the_text_is_refused_and_shown_escaped(kind, mark):
    # "alice\u202eecila" displays as "aliceecila" reversed: a name that reads as another's
    with pytest.raises(InvalidName, match=re.escape(f"'ali\\u{ord(mark):04x}ce' contains U+{ord(mark):04X}, "
                                                    "which changes the order text is shown in")):
        check_name(kind, f"ali{mark}ce")


def test_right_to_left_names_and_their_marks_are_kept():
    assert check_name("participant", "\u05e9\u05e8\u05d4\u200f 2") == "\u05e9\u05e8\u05d4\u200f 2"


def test_a_file_name_that_is_not_utf8_is_refused_showing_its_bytes():
    undecodable = os.fsdecode(b"caf\xe9")  # Latin-1 'café' as Linux hands it to Python
    with pytest.raises(InvalidName, match=r"'caf\\xe9' is not valid text"):
        check_name("transcript", undecodable, where="in.txt")


def test_the_message_names_where_the_name_came_from():
    with pytest.raises(InvalidName, match=r"^people.csv, line 4: a participant name is blank"):
        check_name("participant", " ", where="people.csv, line 4")


def _survey(path, participant):
    path.write_text(f"participant,response\n{participant},I reuse models.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("participant, problem", [
    ("x" * 201, "201 characters long"),
    ("P\x1b1", "control character U+001B"),
])
def test_import_refuses_a_bad_participant_name_alike_on_every_backend(study, tmp_path, participant, problem):
    summary = import_files(study, [_survey(tmp_path / "s.csv", participant)], actor=CLI)
    [(_, message)] = summary.failed
    assert problem in message and "s.csv" in message
    assert transcript_rows(study) == []


def test_a_nul_byte_in_a_participant_label_is_refused_before_the_database_sees_it(study, tmp_path):
    transcript = tmp_path / "t.txt"
    transcript.write_text("Interviewer: Why?\n\nP1: Because.\n", encoding="utf-8")
    with pytest.raises(InvalidName, match=re.escape("'P\\x001' contains the control character U+0000")):
        import_files(study, [transcript], participants=[ParticipantRow("P\x001", "t")], actor=CLI)
    assert transcript_rows(study) == []


def test_import_refuses_a_transcript_name_longer_than_its_column(study, tmp_path):
    # a survey's transcripts are named <file stem>-<participant>: 150 + 1 + 150 = 301 > 300
    summary = import_files(study, [_survey(tmp_path / ("s" * 150 + ".csv"), "p" * 150)], actor=CLI)
    [(_, message)] = summary.failed
    assert "transcript name" in message and "301 characters long" in message
    assert transcript_rows(study) == []


def test_cli_reports_a_bad_participants_csv_label_with_its_line(db_url, tmp_path):
    people = tmp_path / "participants.csv"
    people.write_text("participant,age\nP1,30\n" + "y" * 250 + ",41\n", encoding="utf-8")
    transcript = tmp_path / "P1.txt"
    transcript.write_text("Interviewer: Why?\n\nP1: Because.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", db_url, "import", str(transcript), "--participants", str(people)])
    assert result.exit_code == 1
    assert "participants.csv, line 3: the participant name" in result.output
    assert "Traceback" not in result.output
