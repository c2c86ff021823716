"""The transcript and segment listings: rows counted by hand, read with a fixed number of queries
whatever the study's size (one per table, not one per transcript)."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from study import listing
from study.auth import CLI
from study.exclusion import exclude
from study.errors import StudyError
from tests.factories import add_interview


def queries_run(study, read) -> int:
    """How many SQL statements ``read()`` sends to the database."""
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    event.listen(study.engine, "before_cursor_execute", counted)
    try:
        read()
    finally:
        event.remove(study.engine, "before_cursor_execute", counted)
    return count


def test_transcript_rows_count_segments_and_words(study):
    add_interview(study, "P1", "P1", ["We pick by downloads.", "Mostly."])
    add_interview(study, "P2", "P2", ["Licences first, then accuracy on our data."])
    exclude(study, CLI, "P2", kind="participant")  # leaves out every transcript of theirs
    rows = {row["name"]: row for row in listing.transcript_rows(study)}
    # P1: "Question 1?" (2 words) + 4 + "Question 2?" (2) + 1 = 9 words in 4 turns
    assert (rows["P1"]["segments"], rows["P1"]["words"], rows["P1"]["participant"]) == (4, 9, "P1")
    # P2: "Question 1?" (2 words) + 7 = 9 words in 2 turns
    assert (rows["P2"]["segments"], rows["P2"]["words"]) == (2, 9)
    assert (rows["P1"]["excluded"], rows["P2"]["excluded"]) == (False, True)


def test_segment_rows_give_each_turn_with_its_offsets(study):
    add_interview(study, "P1", "P1", ["We pick by downloads."])
    rows = listing.segment_rows(study, "P1")
    assert [(r["index"], r["speaker"], r["role"], r["text"]) for r in rows] == [
        (0, "Interviewer", "interviewer", "Question 1?"), (1, "P1", "participant", "We pick by downloads.")]
    assert all(r["end"] - r["start"] == len(r["text"]) for r in rows)


def test_an_unknown_transcript_is_named(study):
    with pytest.raises(StudyError, match="no transcript named 'P9'"):
        listing.segment_rows(study, "P9")


def test_the_listing_reads_as_many_queries_for_ten_transcripts_as_for_one(study):
    add_interview(study, "P1", "P1", ["An answer."])
    one = queries_run(study, lambda: listing.transcript_rows(study))
    for n in range(2, 11):
        add_interview(study, f"P{n}", f"P{n}", ["An answer.", "Another."])
    assert queries_run(study, lambda: listing.transcript_rows(study)) == one


@pytest.fixture
def seven(study):
    """Seven interviews imported in this order: T1..T7, participants Q7..Q1 (reversed), T3 with
    three answers (6 segments), the rest one (2 segments); T5 belongs to participant 'Ana_x'."""
    for n in range(1, 8):
        answers = ["One.", "Two.", "Three."] if n == 3 else ["One."]
        add_interview(study, f"T{n}", "Ana_x" if n == 5 else f"Q{8 - n}", answers)
    return study


def names(rows) -> list[str]:
    return [row["name"] for row in rows]


def test_a_page_of_the_listing_holds_its_rows_in_import_order(seven):
    assert names(listing.transcript_rows(seven, 0, 3)) == ["T1", "T2", "T3"]
    assert names(listing.transcript_rows(seven, 3, 3)) == ["T4", "T5", "T6"]
    assert names(listing.transcript_rows(seven, 6, 3)) == ["T7"]  # the last page is short
    assert listing.transcript_rows(seven, 9, 3) == []
    assert listing.transcript_rows(seven, 2, 1) == [r for r in listing.transcript_rows(seven) if r["name"] == "T3"]


def test_a_page_counts_the_segments_and_words_of_its_own_transcripts(seven):
    [row] = listing.transcript_rows(seven, 2, 1)
    # T3: "Question n?" (2 words) and a one-word answer, three times
    assert (row["name"], row["segments"], row["words"]) == ("T3", 6, 9)


@pytest.mark.parametrize("order, descending, expected", [
    ("name", True, ["T7", "T6", "T5"]),
    ("participant", False, ["T5", "T7", "T6"]),  # Ana_x, then Q1 (T7), Q2 (T6)
    ("segments", True, ["T3", "T1", "T2"]),  # 6 segments, then the 2-segment ones in import order
    ("segments", False, ["T1", "T2", "T4"]),
])
def test_the_listing_sorts_in_the_database_before_it_pages(seven, order, descending, expected):
    assert names(listing.transcript_rows(seven, 0, 3, order, descending)) == expected


def test_the_listing_finds_by_name_or_participant_in_any_case_and_literally(seven):
    assert names(listing.transcript_rows(seven, contains="t4")) == ["T4"]
    assert names(listing.transcript_rows(seven, contains="q1")) == ["T7"]  # participant Q1
    assert names(listing.transcript_rows(seven, contains="a_x")) == ["T5"]
    assert listing.transcript_rows(seven, contains="a%x") == []  # % is a character here, not a wildcard
    assert (listing.count_transcripts(seven), listing.count_transcripts(seven, "T"),
            listing.count_transcripts(seven, "q")) == (7, 7, 6)


def test_the_participants_list_reads_as_many_queries_for_ten_participants_as_for_one(study):
    from study.participants import list_participants

    add_interview(study, "P1", "P1", ["An answer."])
    one = queries_run(study, lambda: list_participants(study))
    for n in range(2, 11):
        add_interview(study, f"P{n}", f"P{n}", ["An answer."])
    assert queries_run(study, lambda: list_participants(study)) == one
    assert [row["transcripts"] for row in list_participants(study)][:2] == [["P1"], ["P2"]]
