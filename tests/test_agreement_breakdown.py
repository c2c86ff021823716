"""Agreement per transcript and per pair of raters (issue 10: review at scale)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from study import codings
from study.agreement.breakdown import agreement_by
from study.auth import CLI
from study.cli import cli
from study.errors import StudyError
from tests.factories import add_interview, add_raters, load_small_codebook

MS = "Challenges/Model search"
LIC = "Attributes/Portability/License"


@pytest.fixture
def three(study):
    """T1 and T2, four segments each (question, answer, question, answer).
    T1: everyone MS on #1; alice and carol LIC on #3, bob not.  T2: everyone MS on #1."""
    load_small_codebook(study)
    add_raters(study, "alice", "bob", "carol")
    add_interview(study, "T1", "P01", ["a", "b"])
    add_interview(study, "T2", "P02", ["c", "d"])
    for rater in ("alice", "bob", "carol"):
        codings.apply_code(study, CLI, rater, "T1", 1, MS)
        codings.apply_code(study, CLI, rater, "T2", 1, MS)
        if rater != "bob":
            codings.apply_code(study, CLI, rater, "T1", 3, LIC)
        for transcript in ("T1", "T2"):
            codings.mark_done(study, CLI, rater, transcript, anyway=True)
    return study


def test_per_transcript_finds_where_the_raters_disagree(three):
    t1, t2 = agreement_by(three, CLI, ["alice", "bob"], by="transcript")
    assert (t1.group, t1.units, t1.disputed_units, t1.identical) == ("T1", 4, 1, 0.75)
    # T1: Model search agrees on 4 units (alpha 1); License: one unit (1, 0), three (0, 0) of 8 values:
    # alpha = 1 - (n - 1) * o_01+o_10 / (2 n_0 n_1) = 1 - 7 * 2 / (2 * 7 * 1) = 0; median of 1 and 0 = .5
    assert (t1.median_alpha, t1.codes_with_alpha) == (0.5, 2)
    assert (t2.group, t2.disputed_units, t2.identical, t2.median_alpha) == ("T2", 0, 1.0, 1.0)


def test_per_pair_finds_who_disagrees_with_whom(three):
    rows = agreement_by(three, CLI, ["alice", "bob", "carol"], by="pair")
    assert [(r.group, r.units, r.disputed_units, r.identical) for r in rows] == [
        ("alice & bob", 8, 1, 0.875), ("alice & carol", 8, 0, 1.0), ("bob & carol", 8, 1, 0.875)]


def test_cli_agreement_by_transcript_and_pair(three, db_url):
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db_url, "agreement", "--raters", "alice,bob", "--by", "transcript",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [(r["group"], r["disputed_units"]) for r in json.loads(result.output)] == [("T1", 1), ("T2", 0)]
    table = runner.invoke(cli, ["--db", db_url, "agreement", "--raters", "alice,bob,carol", "--by", "pair"])
    assert table.exit_code == 0 and "alice & carol" in table.output


def test_unknown_breakdown_is_an_error(three):
    with pytest.raises(StudyError, match="unknown breakdown"):
        agreement_by(three, CLI, ["alice", "bob"], by="code")
