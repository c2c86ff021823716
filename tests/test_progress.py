"""Every rater's progress per transcript (study.workspace), as the Transcripts page shows it."""
from __future__ import annotations

import pytest

from study import codings, exclusion, workspace
from study.errors import NotAllowed
from tests.factories import ADMIN, ALICE


def test_progress_counts_coded_segments_and_done(coded):
    codings.mark_done(coded, ALICE, "alice", "P01")
    progress = {(p.transcript, p.rater): p for p in workspace.coding_progress(coded, ADMIN)}
    # P01 has four segments, two of them the participant's: those are the ones to code
    assert progress["P01", "alice"] == workspace.RaterProgress("P01", "alice", 2, 2, True)
    assert progress["P01", "bob"] == workspace.RaterProgress("P01", "bob", 1, 2, False)
    assert progress["P02", "alice"].coded == 0


def test_transcripts_table_shows_each_coder_to_an_admin(coded):
    codings.mark_done(coded, ALICE, "alice", "P01")
    table = workspace.transcripts_table(coded, ADMIN).set_index("transcript")
    assert table.loc["P01", "alice"] == "2 / 2, done"
    assert table.loc["P01", "bob"] == "1 / 2"
    assert table.loc["P01", "segments"] == 4 and table.loc["P01", "participant"] == "P01"


def test_transcripts_table_says_which_transcripts_are_excluded(coded):
    exclusion.exclude(coded, ADMIN, "P02", "transcript")
    table = workspace.transcripts_table(coded, ALICE).set_index("transcript")
    assert table["excluded"].to_dict() == {"P01": False, "P02": True}


def test_a_coder_sees_only_their_own_progress(coded):
    table = workspace.transcripts_table(coded, ALICE)
    assert "alice" in table.columns and "bob" not in table.columns
    with pytest.raises(NotAllowed):
        workspace.coding_progress(coded, ALICE, ["bob"])
