"""Every rater's progress per transcript (study.workspace), as the Transcripts page shows it."""
from __future__ import annotations

import pytest

from study import codings, exclusion, workspace
from study.errors import NotAllowed
from tests.factories import ADMIN, ALICE


def test_progress_counts_coded_segments_and_done(coded):
    codings.mark_done(coded, ALICE, "alice", "P01", anyway=True)
    progress = {(p.transcript, p.rater): p for p in workspace.coding_progress(coded, ADMIN)}
    # P01 has four segments, two of them the participant's: those are the ones to code
    assert progress["P01", "alice"] == workspace.RaterProgress("P01", "alice", 2, 2, True)
    assert progress["P01", "bob"] == workspace.RaterProgress("P01", "bob", 1, 2, False)
    assert progress["P02", "alice"].coded == 0


def test_transcripts_table_shows_each_coder_to_an_admin(coded):
    codings.mark_done(coded, ALICE, "alice", "P01", anyway=True)
    rows = {r["transcript"]: r for r in workspace.transcripts_table(coded, ADMIN).value_rows()}
    assert rows["P01"]["alice"] == "2 / 2, done"
    assert rows["P01"]["bob"] == "1 / 2"
    assert rows["P01"]["segments"] == 4 and rows["P01"]["participant"] == "P01"


def test_transcripts_table_says_which_transcripts_are_excluded(coded):
    exclusion.exclude(coded, ADMIN, "P02", "transcript")
    rows = workspace.transcripts_table(coded, ALICE).value_rows()
    assert {r["transcript"]: r["excluded"] for r in rows} == {"P01": False, "P02": True}


def test_a_coder_sees_only_their_own_progress(coded):
    labels = [c.label for c in workspace.transcripts_table(coded, ALICE).columns]
    assert "alice" in labels and "bob" not in labels
    with pytest.raises(NotAllowed):
        workspace.coding_progress(coded, ALICE, ["bob"])


def test_a_page_of_the_transcripts_table_says_where_it_is_and_shows_its_progress(coded):
    codings.mark_done(coded, ALICE, "alice", "P01", anyway=True)
    page = workspace.transcripts_page(coded, ADMIN, number=1, size=1)
    assert (page.total, page.pages, page.number, page.offset) == (2, 2, 1, 0)
    assert page.describe("transcripts") == "1–1 of 2 transcripts"
    assert page.table.value_rows() == workspace.transcripts_table(coded, ADMIN).value_rows()[:1]
    second = workspace.transcripts_page(coded, ADMIN, number=2, size=1)
    assert [r["transcript"] for r in second.table.value_rows()] == ["P02"] and second.number == 2


def test_a_page_past_the_last_shows_the_last(coded):
    page = workspace.transcripts_page(coded, ADMIN, number=9, size=1)
    assert (page.number, [r["transcript"] for r in page.table.value_rows()]) == (2, ["P02"])


def test_a_coders_page_holds_their_progress_alone(coded):
    page = workspace.transcripts_page(coded, ALICE, contains="P01")
    assert [c.label for c in page.table.columns][-1] == "alice"
    assert (page.total, [r["transcript"] for r in page.table.value_rows()]) == (1, ["P01"])


def test_a_filter_that_finds_nothing_is_an_empty_first_page(coded):
    page = workspace.transcripts_page(coded, ADMIN, number=3, contains="nobody")
    assert (page.total, page.pages, page.number, page.table.rows) == (0, 1, 1, ())
    assert page.describe("transcripts") == "No transcripts"
