"""Every cell kept: a CSV row with more cells than its header (an unquoted comma in an answer) is
joined back into a last free-text column with the commas that split it, and said in the import's
report, or refused naming the line. Issue 17 found ``P2,We looked at downloads, then the card…``
stored as "We looked at downloads" with exit 0, in speaker tables, survey answers and codings memos.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from study import codings
from study.adjudication import import_resolutions_csv
from study.auth import CLI
from study.errors import CodingsFileError, ParticipantsError, StudyError
from study.importing.batch import import_files
from study.participants import read_participants_csv
from study.store import Transcript
from study.transcripts import read_transcript
from tests.factories import ADMIN
from tests.test_layouts import minimal_xlsx

ANSWER = "We looked at downloads, then the card, then the licence."


def stored_texts(study) -> dict[str, str]:
    with study.session() as session:
        return {t.name: t.text for t in session.scalars(select(Transcript))}


def test_a_survey_answer_split_by_commas_is_stored_whole_and_reported(study, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(f"participant,response\nP1,Yes.\nP2,{ANSWER}\n", encoding="utf-8")
    summary = import_files(study, [path], actor=CLI)
    assert not summary.failed
    assert ANSWER in stored_texts(study)["survey-P2"]
    assert summary.warnings == ["survey-P2: line 3: 2 unquoted comma(s) split the last column; its cells were "
                                "joined back with them"]


def test_a_speaker_table_whose_text_is_last_keeps_the_whole_turn(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text(f"speaker,text\nInterviewer,How do you choose?\nP2,{ANSWER}\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert [parsed.turn_text(t) for t in parsed.turns] == ["How do you choose?", ANSWER]
    assert parsed.warnings == ("line 3: 2 unquoted comma(s) split the last column; its cells were joined back with them",)


def test_a_tab_separated_table_joins_back_with_tabs(tmp_path):
    path = tmp_path / "table.tsv"
    path.write_text("speaker\ttext\nP2\tfirst\tsecond\n", encoding="utf-8")
    assert read_transcript(path).text.endswith("first\tsecond")


@pytest.mark.parametrize("suffix, data, problem", [
    (".csv", f"speaker,text,start\nP2,{ANSWER},00:01\n".encode(), r"line 2 has 5 cells, more than the header's 3"),
    (".xlsx", minimal_xlsx([["Speaker", "Text"], ["P2", "We looked", "then the card"]]),
     r"row 2 has a cell past the header's 2 columns"),
])
def test_extra_cells_where_the_text_is_not_last_are_refused_naming_the_line(tmp_path, suffix, data, problem):
    path = tmp_path / f"table{suffix}"
    path.write_bytes(data)
    with pytest.raises(StudyError, match=problem) as caught:
        read_transcript(path)
    assert str(path) in str(caught.value)


def test_a_survey_whose_answers_are_not_last_refuses_extra_cells(study, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(f"participant,response,age\nP2,{ANSWER},31\n", encoding="utf-8")
    summary = import_files(study, [path], actor=CLI)
    [(_, problem)] = summary.failed
    assert "line 2 has 5 cells, more than the header's 3" in problem and stored_texts(study) == {}


def test_a_codings_memo_split_by_a_comma_is_refused_naming_the_line(coded, tmp_path):
    path = tmp_path / "codings.csv"
    path.write_text("transcript,segment,code,memo\nP01,1,Challenges/Model search,downloads, then stars\n",
                    encoding="utf-8")
    with pytest.raises(CodingsFileError, match=r"codings\.csv, line 2 has 5 cells, more than the header's 4 .*"
                                               r"nothing was applied; put the cell that holds commas in double quotes"):
        codings.import_codings_csv(coded, CLI, "carol", path)


def test_a_resolution_reason_split_by_a_comma_is_refused_naming_the_line(coded, tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("transcript,segment,decision,reason\nP01,1,take:alice,closer reading, and the memo\n",
                    encoding="utf-8")
    with pytest.raises(CodingsFileError, match=r"decisions\.csv, line 2 has 5 cells, more than the header's 4"):
        import_resolutions_csv(coded, ADMIN, ["alice", "bob"], path)


def test_a_participants_row_with_an_extra_cell_is_refused_not_shifted(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text("participant,role\nP1,engineer, lead\nP2,student\n", encoding="utf-8")
    with pytest.raises(ParticipantsError, match=r"participants\.csv, line 2 has 3 cells, more than the header's 2"):
        read_participants_csv(path)


def test_empty_trailing_cells_are_no_extra_cells(tmp_path):
    # pandas would have made the first column the index: 'engineer' read as the participant
    path = tmp_path / "participants.csv"
    path.write_text("participant,role\nP1,engineer,\nP2,student\n", encoding="utf-8")
    assert [(r.label, r.attributes) for r in read_participants_csv(path)] == [
        ("P1", {"role": "engineer"}), ("P2", {"role": "student"})]
