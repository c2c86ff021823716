"""Who may see agreement (study.agreement.visibility), consulted by the agreement report itself."""
from __future__ import annotations

import pytest

from study import auth, codings, exclusion
from study.agreement import visibility
from study.errors import NotAllowed, StudyError
from tests.factories import ADMIN, ALICE, BOB


def test_admin_may_always_compare(coded):
    assert visibility.agreement_transcripts(coded, ADMIN, ["alice", "bob"]) == []
    codings.mark_done(coded, ALICE, "alice", "P01", anyway=True)
    codings.mark_done(coded, BOB, "bob", "P01", anyway=True)
    assert visibility.agreement_transcripts(coded, ADMIN, ["alice", "bob"]) == ["P01"]


def test_an_excluded_transcript_is_not_shown_to_anyone(coded):
    codings.mark_done(coded, ALICE, "alice", "P01", anyway=True)
    codings.mark_done(coded, BOB, "bob", "P01", anyway=True)
    visibility.set_coders_see_agreement(coded, ADMIN, True)
    exclusion.exclude(coded, ADMIN, "P01", "transcript", reason="withdrew consent")
    assert visibility.agreement_transcripts(coded, ADMIN, ["alice", "bob"]) == []
    with pytest.raises(NotAllowed, match="marked a transcript done"):
        visibility.agreement_transcripts(coded, ALICE, ["alice", "bob"])
    exclusion.include(coded, ADMIN, "P01", "transcript")
    assert visibility.agreement_transcripts(coded, ALICE, ["alice", "bob"]) == ["P01"]


def test_coders_see_no_agreement_unless_the_admin_allows_it(coded):
    codings.mark_done(coded, ALICE, "alice", "P01", anyway=True)
    codings.mark_done(coded, BOB, "bob", "P01", anyway=True)
    with pytest.raises(NotAllowed, match="admin allows"):
        visibility.agreement_transcripts(coded, ALICE, ["alice", "bob"])
    visibility.set_coders_see_agreement(coded, ADMIN, True)
    assert visibility.coders_see_agreement(coded)
    assert visibility.agreement_transcripts(coded, ALICE, ["alice", "bob"]) == ["P01"]


def test_coders_see_agreement_only_once_every_compared_coder_is_done(coded):
    visibility.set_coders_see_agreement(coded, ADMIN, True)
    codings.mark_done(coded, ALICE, "alice", "P01", anyway=True)
    with pytest.raises(NotAllowed, match="marked a transcript done"):
        visibility.agreement_transcripts(coded, ALICE, ["alice", "bob"])


def test_a_coder_may_not_compare_two_other_coders(coded):
    auth.add_user(coded, "carol", "coder", "password-123", auth.CLI)
    visibility.set_coders_see_agreement(coded, ADMIN, True)
    with pytest.raises(NotAllowed):
        visibility.agreement_transcripts(coded, auth.Actor("carol", "coder"), ["alice", "bob"])


def test_only_an_admin_changes_the_agreement_setting(coded):
    with pytest.raises(NotAllowed):
        visibility.set_coders_see_agreement(coded, ALICE, True)
    assert not visibility.coders_see_agreement(coded)


def test_agreement_needs_two_raters(coded):
    with pytest.raises(StudyError, match="two raters"):
        visibility.agreement_transcripts(coded, ADMIN, ["alice"])


def test_the_agreement_report_itself_lets_an_allowed_coder_see_the_figures(coded):
    from study.agreement.study_agreement import agreement_report

    codings.mark_done(coded, ALICE, "alice", "P01", anyway=True)
    codings.mark_done(coded, BOB, "bob", "P01", anyway=True)
    with pytest.raises(NotAllowed):
        agreement_report(coded, ALICE, ["alice", "bob"], replicates=0)
    visibility.set_coders_see_agreement(coded, ADMIN, True)
    report = agreement_report(coded, ALICE, ["alice", "bob"], replicates=0)
    assert report.transcripts == ("P01",)  # only the transcript both marked done
    with pytest.raises(NotAllowed):
        agreement_report(coded, ALICE, ["alice", "bob"], include_unfinished=True, replicates=0)
    with pytest.raises(NotAllowed):
        codings.codings_of(coded, ALICE, "bob")  # the figures, never the codings behind them
