"""Span-level agreement (issue 9): `study agreement --unit span` gives Krippendorff's alpha_u per
code on the coded text, checked against Krippendorff's (1995) published example."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from study import codings
from study.agreement.span_study import span_agreement
from study.auth import CLI
from study.cli import cli
from study.importing.reading import ImportOptions
from study.importing.storing import add_parsed_transcript
from study.transcripts import ParsedTranscript, Turn
from tests.factories import add_raters, load_small_codebook

CASE = json.loads((Path(__file__).parent / "agreement_cases" / "unitizing_alpha_krippendorff_1995.json").read_text())
PAIRS = {"A": "Challenges/Model search", "C": "Challenges/Missing attributes"}


@pytest.fixture
def continuum(study):
    """Krippendorff's 24-position continuum as one 24-character transcript, one segment; his pairs
    of coders A and C as alice and bob coding one code each."""
    load_small_codebook(study)
    add_raters(study, "alice", "bob")
    text = "abcdefghijklmnopqrstuvwx"
    add_parsed_transcript(study, "K95", ParsedTranscript(text, (Turn("P1", 0, 24),), {}), "P1",
                          ImportOptions(unit="turn"))
    for pair, ref in PAIRS.items():
        for unit in CASE["units"]:
            if unit["category"] == pair:
                rater = ("alice", "bob")[unit["rater"]]
                codings.apply_code(study, CLI, rater, "K95", 0, ref, span=(unit["begin"], unit["begin"] + unit["length"]))
    for rater in ("alice", "bob"):
        codings.mark_done(study, CLI, rater, "K95", anyway=True)
    return study


def test_observed_disagreement_matches_krippendorff_1995(continuum):
    report = span_agreement(continuum, CLI, ["alice", "bob"])
    assert (report.continuum, report.transcripts) == (24, ("K95",))
    found = {c.code: c for c in report.codes}
    for pair, ref in PAIRS.items():
        assert found[ref].observed == pytest.approx(CASE["expected"]["observed_disagreement"][pair], abs=1e-5)
    # pair A: alice coded 2 stretches of 8 + 6 characters, bob 2 of 4 + 2
    assert (found[PAIRS["A"]].stretches, found[PAIRS["A"]].characters) == ((2, 2), (14, 6))


def test_a_whole_segment_coding_is_its_segment_on_the_continuum(continuum):
    codings.mark_done(continuum, CLI, "alice", "K95", done=False)
    codings.apply_code(continuum, CLI, "alice", "K95", 0, "Attributes/Portability/License")
    codings.mark_done(continuum, CLI, "alice", "K95", anyway=True)
    found = {c.code: c for c in span_agreement(continuum, CLI, ["alice", "bob"]).codes}
    assert found["Attributes/Portability/License"].characters == (24, 0)


def test_study_agreement_unit_span(continuum):
    result = CliRunner().invoke(cli, ["--db", continuum.url, "agreement", "--raters", "alice,bob", "--unit", "span",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.output)}
    assert rows[PAIRS["A"]]["stretches alice"] == 2 and "alpha_u" in rows[PAIRS["A"]]


def test_a_coder_sees_their_own_counts_and_a_band_never_a_figure(continuum):
    from study.agreement import visibility
    from study.agreement.study_agreement import TOO_FEW
    from study.auth import Actor

    visibility.set_coders_see_agreement(continuum, CLI, True)
    report = span_agreement(continuum, Actor("alice", "coder"), ["alice", "bob"])
    [a] = [c for c in report.codes if c.code == PAIRS["A"]]
    assert (a.stretches, a.characters) == ((2, None), (14, None))
    assert (a.observed, a.expected, a.alpha) == (None, None, None)  # with her own counts they would give bob's
    assert a.band == TOO_FEW  # two stretches of her own: too few to judge, whatever bob coded


def test_the_agreement_page_shows_span_agreement(continuum, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from study.auth import Actor
    from tests.conftest import ROOT

    monkeypatch.setenv("STUDY_DB", continuum.url)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=120)
    at.session_state["actor"] = Actor("admin", "admin")
    at.run()
    at.switch_page("views/agreement.py")
    at.run()
    at.button_group[0].set_value("span")
    at.run()
    assert not at.exception and not at.error
    frame = at.dataframe[0].value
    assert set(frame["code"]) == set(PAIRS.values())
