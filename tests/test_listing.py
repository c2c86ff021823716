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
