"""Agreement between raters on a study: per code, per theme, overall; units; bootstrap; CLI.

Expected values are worked out by hand in the comments, from the published formulas:
- percent agreement (Gwet's p_a): mean over units of agreeing rater pairs / all pairs;
- Cohen's kappa: (p_o - p_e) / (1 - p_e), p_e = sum_k p_k. p_.k;
- Fleiss' kappa: the same with p_e = pi^2 + (1 - pi)^2, pi = share of ones over all ratings;
- Gwet's AC1 (q = 2): p_e = 2 pi (1 - pi);
- Krippendorff's alpha, binary nominal: 1 - (n.. - 1) * sum_u k_u (m - k_u) / (m - 1) / (n_0 n_1),
  n.. values, n_1 ones, n_0 zeros, k_u ones among the m values of unit u.
"""
from __future__ import annotations

import json
import textwrap

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from study import codes, codings
from study.agreement.study_agreement import (
    BASIS_ALL,
    BASIS_DONE,
    agreement_report,
    alpha_band,
    kappa_band,
    per_code_agreement,
)
from study.codes import code_of_ref
from study import auth
from study.auth import CLI, Actor
from study.cli import cli
from study.codebook import parse_codebook
from study.errors import NotAllowed, NotFound, StudyError
from tests.factories import add_interview, load_small_codebook

MS = "Challenges/Model search"
MA = "Challenges/Missing attributes"
POP = "Attributes/Traditional/Popularity"
LIC = "Attributes/Portability/License"
CODER = Actor("bob", "coder")


def rate(study, rater: str, transcript: str, bits: dict[str, str], done: bool = True) -> None:
    """Apply each code on the segments whose character in ``bits`` is '1'; then mark done.
    The rater is registered first: a rater may finish a transcript without applying any code."""
    if rater not in {u["name"] for u in auth.users(study)}:
        auth.add_user(study, rater, "coder", None, CLI)
    for code, pattern in bits.items():
        for index, bit in enumerate(pattern):
            if bit == "1":
                codings.apply_code(study, CLI, rater, transcript, index, code)
    if done:
        codings.mark_done(study, CLI, rater, transcript, anyway=True)


def ten_segments(study, name: str = "T1", participant: str = "P01") -> None:
    """A transcript of ten segments (five questions, five answers)."""
    add_interview(study, name, participant, [f"answer {i} of {name}" for i in range(5)])


def code_row(report, ref: str):
    return next(c for c in report.codes if c.code == ref)


def two_raters_study(study):
    """Ten segments, two raters:
    Model search      alice 1111110000, bob 1111100000
    Missing attrs     alice 0001000000, bob 0000000000  (rare: one of ten, missed)
    Popularity, License: nobody (no variation)
    """
    load_small_codebook(study)
    ten_segments(study)
    rate(study, "alice", "T1", {MS: "1111110000", MA: "0001000000"})
    rate(study, "bob", "T1", {MS: "1111100000"})
    return study


@pytest.fixture
def two_raters(study_from):
    return study_from(two_raters_study)


def test_two_raters_per_code_figures_match_hand_calculation(two_raters):
    row = code_row(agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0), MS)
    # 2x2 table: both 5, alice only 1, bob only 0, neither 4 (of 10 units).
    # percent: 9 agreeing units of 10 = .9
    assert row.percent == pytest.approx(0.9)
    # Cohen: p_e = .6 * .5 + .4 * .5 = .5; kappa = (.9 - .5) / (1 - .5) = .8
    assert row.kappa == pytest.approx(0.8)
    assert row.kappa_kind == "cohen"
    # alpha: n.. = 20, n_1 = 6 + 5 = 11, n_0 = 9, one disagreeing unit (k = 1, m = 2: 1 * 1 / 1 = 1)
    # alpha = 1 - 19 * 1 / (11 * 9) = 80 / 99 = .808
    assert row.alpha == pytest.approx(80 / 99)
    # AC1: pi = 11 / 20 = .55; p_e = 2 * .55 * .45 = .495; AC1 = (.9 - .495) / .505
    assert row.ac1 == pytest.approx(0.405 / 0.505)
    assert row.prevalence == {"alice": 6, "bob": 5}
    assert row.units == 10 and row.rare is False and row.undefined is None
    # the same alpha from an independent implementation (raters x units)
    reference = krippendorff.alpha([[1] * 6 + [0] * 4, [1] * 5 + [0] * 5], level_of_measurement="nominal")
    assert row.alpha == pytest.approx(reference)


def test_three_raters_use_fleiss_kappa(study):
    load_small_codebook(study)
    ten_segments(study)
    rate(study, "ann", "T1", {MS: "1111100000"})
    rate(study, "ben", "T1", {MS: "1111000000"})
    rate(study, "cat", "T1", {MS: "1110010000"})
    row = code_row(agreement_report(study, CLI, ["ann", "ben", "cat"], replicates=0), MS)
    # ones per unit k = 3,3,3,2,1,1,0,0,0,0 of m = 3.
    # p_a per unit: (k(k-1) + (3-k)(2-k)) / 6 -> 1,1,1,1/3,1/3,1/3,1,1,1,1; mean = 8 / 10 = .8
    assert row.percent == pytest.approx(0.8)
    # pi = 13 / 30; Fleiss p_e = (13/30)^2 + (17/30)^2 = 458 / 900
    assert row.kappa == pytest.approx((0.8 - 458 / 900) / (1 - 458 / 900))
    assert row.kappa_kind == "fleiss"
    # AC1 p_e = 2 * 13 * 17 / 900 = 442 / 900
    assert row.ac1 == pytest.approx((0.8 - 442 / 900) / (1 - 442 / 900))
    # alpha: n.. = 30, n_1 = 13, n_0 = 17; sum k(3-k)/2 = 1 (k=2) + 1 + 1 (k=1) = 3
    # alpha = 1 - 29 * 3 / (13 * 17) = 134 / 221
    assert row.alpha == pytest.approx(134 / 221)
    assert row.prevalence == {"ann": 5, "ben": 4, "cat": 4}


def test_rare_code_missed_by_one_rater_is_flagged(two_raters):
    row = code_row(agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0), MA)
    # one of ten units, the other rater missed it: alpha = 1 - 19 * 1 / (1 * 19) = 0
    assert row.alpha == pytest.approx(0.0)
    # Cohen: p_o = .9, p_e = .1 * 0 + .9 * 1 = .9 -> 0
    assert row.kappa == pytest.approx(0.0)
    # AC1: pi = 1 / 20; p_e = 2 * .05 * .95 = .095; (.9 - .095) / .905
    assert row.ac1 == pytest.approx(0.805 / 0.905)
    assert row.rare is True


def test_code_applied_often_enough_is_not_rare(two_raters):
    assert code_row(agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0), MS).rare is False


def test_no_variation_gives_null_alpha_with_reason_never_one(two_raters):
    report = agreement_report(two_raters, CLI, ["alice", "bob"], replicates=100)
    row = code_row(report, POP)
    assert row.alpha is None and row.kappa is None and row.ac1 is None and row.alpha_ci is None
    assert row.undefined.startswith("no variation")
    assert row.percent == 1.0
    as_json = next(c for c in report.to_dict()["codes"] if c["code"] == POP)
    assert as_json["alpha"] is None and "no variation" in as_json["undefined"]
    # overall figures leave undefined codes out: median of 80/99 and 0
    assert report.overall.codes_with_alpha == 2
    assert report.overall.median_alpha == pytest.approx(40 / 99)
    assert (report.overall.min_alpha, report.overall.max_alpha) == pytest.approx((0.0, 80 / 99))


def test_pooled_alpha_pools_every_unit_code_cell(two_raters):
    overall = agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0).to_dict()["overall"]
    # 40 cells (10 units x 4 codes): n.. = 80, n_1 = 11 + 1 = 12, n_0 = 68, two disagreeing cells
    # alpha = 1 - 79 * 2 / (12 * 68) = 1 - 158 / 816
    assert overall["pooled_alpha"] == pytest.approx(1 - 158 / 816)
    assert overall["pooled_alpha_note"] == "pools every (unit, code) cell; mostly measures agreement on absences"
    assert "Krippendorff's alpha" in overall["methods"] and "alice, bob" in overall["methods"]
    assert "10 segments" in overall["methods"]


def test_units_are_segments_of_transcripts_done_by_every_rater(two_raters):
    ten_segments(two_raters, "T2", "P02")
    rate(two_raters, "alice", "T2", {MS: "1111111111"})  # done by alice only
    rate(two_raters, "bob", "T2", {MS: "0000000000"}, done=False)
    report = agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0)
    assert report.transcripts == ("T1",)
    assert report.units_basis == BASIS_DONE == "done by all raters"
    assert code_row(report, MS).units == 10
    assert code_row(report, MS).alpha == pytest.approx(80 / 99)


def test_all_includes_unfinished_transcripts_and_says_so(two_raters):
    ten_segments(two_raters, "T2", "P02")
    rate(two_raters, "alice", "T2", {MS: "1000000000"})
    report = agreement_report(two_raters, CLI, ["alice", "bob"], include_unfinished=True, replicates=0)
    assert report.transcripts == ("T1", "T2")
    assert report.to_dict()["units_basis"] == BASIS_ALL == "all coded transcripts (unfinished included)"
    row = code_row(report, MS)
    assert row.units == 20 and row.prevalence == {"alice": 7, "bob": 5}
    assert any("not every rater marked done" in n for n in report.notes)


def test_no_transcript_done_by_all_is_a_clear_error(study):
    load_small_codebook(study)
    ten_segments(study)
    rate(study, "alice", "T1", {MS: "1"})
    rate(study, "bob", "T1", {MS: "1"}, done=False)
    with pytest.raises(StudyError, match="no transcript is marked done by all of alice, bob"):
        agreement_report(study, CLI, ["alice", "bob"])


def test_whole_transcript_codings_are_ignored_at_segment_level_with_a_note(two_raters):
    codings.mark_done(two_raters, CLI, "alice", "T1", done=False)
    codings.apply_code(two_raters, CLI, "alice", "T1", None, LIC)
    codings.mark_done(two_raters, CLI, "alice", "T1", anyway=True)
    report = agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0)
    assert code_row(report, LIC).prevalence == {"alice": 0, "bob": 0}
    assert any("1 whole-transcript coding(s) ignored" in n for n in report.notes)


def test_participant_level_counts_a_participant_once(study):
    load_small_codebook(study)
    ten_segments(study, "P01-a", "P01")
    ten_segments(study, "P01-b", "P01")
    ten_segments(study, "P02-a", "P02")
    rate(study, "alice", "P01-a", {MS: "0100000000"})
    rate(study, "alice", "P01-b", {MS: "0001000000"})  # P01 again: still one unit
    rate(study, "alice", "P02-a", {})
    rate(study, "bob", "P01-a", {})
    codings.apply_code(study, CLI, "bob", "P01-b", None, MS)  # the whole transcript counts here
    rate(study, "bob", "P01-b", {})
    rate(study, "bob", "P02-a", {MS: "0000010000"})
    report = agreement_report(study, CLI, ["alice", "bob"], level="participant", replicates=0)
    row = code_row(report, MS)
    # units P01: alice 1, bob 1; P02: alice 0, bob 1
    assert row.units == 2
    assert row.prevalence == {"alice": 1, "bob": 2}
    assert row.percent == pytest.approx(0.5)
    assert report.level == "participant" and "2 participants" in report.overall.methods


def test_bootstrap_is_reproducible_with_a_seed_and_differs_with_another(study):
    load_small_codebook(study)
    rng = np.random.default_rng(7)
    for t in range(4):
        ten_segments(study, f"T{t}", f"P{t}")
        alice = "".join(rng.choice(["0", "1"], 10, p=[0.6, 0.4]))
        bob = "".join(a if rng.random() < 0.8 else "10"[int(a)] for a in alice)
        rate(study, "alice", f"T{t}", {MS: alice})
        rate(study, "bob", f"T{t}", {MS: bob})
    first = code_row(agreement_report(study, CLI, ["alice", "bob"], replicates=500, seed=1), MS)
    again = code_row(agreement_report(study, CLI, ["alice", "bob"], replicates=500, seed=1), MS)
    other = code_row(agreement_report(study, CLI, ["alice", "bob"], replicates=500, seed=2), MS)
    assert (first.alpha_ci, first.q) == (again.alpha_ci, again.q)
    assert (first.alpha_ci, first.q) != (other.alpha_ci, other.q)
    assert first.alpha == other.alpha


def test_bootstrap_interval_contains_the_point_alpha(two_raters):
    report = agreement_report(two_raters, CLI, ["alice", "bob"], replicates=1000, seed=3)
    with_interval = [c for c in report.codes if c.alpha_ci is not None]
    assert with_interval
    for row in with_interval:
        low, high = row.alpha_ci
        assert low <= row.alpha <= high
        assert all(0 <= p <= 1 for p in row.q.values())
        assert set(row.q) == {"0.667", "0.800"}


def test_theme_option_keeps_only_that_themes_codes(two_raters):
    report = agreement_report(two_raters, CLI, ["alice", "bob"], theme="challenges", replicates=0)
    assert [c.code for c in report.codes] == [MS, MA]
    with pytest.raises(NotFound, match="no theme 'Nope'"):
        agreement_report(two_raters, CLI, ["alice", "bob"], theme="Nope")


EXCLUSIVE_CODEBOOK = """
name: Stance codebook
themes:
  - name: Stance
    exclusive: true
    codes:
      - name: Positive
        definition: Speaks well of it.
      - name: Negative
        definition: Speaks ill of it.
"""


def test_cu_alpha_over_an_exclusive_themes_chosen_code(study):
    codes.load_into_study(study, parse_codebook(textwrap.dedent(EXCLUSIVE_CODEBOOK), source="stance.yaml"), CLI)
    ten_segments(study)
    pos, neg = "Stance/Positive", "Stance/Negative"
    rate(study, "alice", "T1", {pos: "1110000000", neg: "0001100000"})
    rate(study, "bob", "T1", {pos: "1100000001", neg: "0011100000"})
    theme = next(t for t in agreement_report(study, CLI, ["alice", "bob"], replicates=0).themes)
    # per unit (alice, bob): PP PP PN NN NN 00 00 00 00 0P   (0 = chose none)
    # coincidences: o_PP = 4, o_NN = 4, o_00 = 8, o_PN = o_NP = 1, o_0P = o_P0 = 1
    # n_P = 6, n_N = 5, n_0 = 9, n = 20; sum_{c != k} n_c n_k = 400 - (36 + 25 + 81) = 258
    # alpha = 1 - 19 * 4 / 258 = 182 / 258
    assert theme.theme == "Stance" and theme.exclusive is True
    assert theme.cu_alpha == pytest.approx(182 / 258)
    reference = krippendorff.alpha(
        [["P", "P", "P", "N", "N", "0", "0", "0", "0", "0"], ["P", "P", "N", "N", "N", "0", "0", "0", "0", "P"]],
        level_of_measurement="nominal")
    assert theme.cu_alpha == pytest.approx(reference)


def test_cu_alpha_leaves_out_a_rating_that_chose_several_codes(study):
    codes.load_into_study(study, parse_codebook(textwrap.dedent(EXCLUSIVE_CODEBOOK), source="stance.yaml"), CLI)
    ten_segments(study)
    rate(study, "alice", "T1", {"Stance/Positive": "11", "Stance/Negative": "01"})
    rate(study, "bob", "T1", {"Stance/Positive": "11"})
    theme = agreement_report(study, CLI, ["alice", "bob"], replicates=0).themes[0]
    assert "1 rating(s) chose several codes" in theme.cu_note


def test_only_admins_may_compute_agreement(two_raters):
    with pytest.raises(NotAllowed):
        agreement_report(two_raters, CODER, ["alice", "bob"])
    assert agreement_report(two_raters, Actor("boss", "admin"), ["alice", "bob"], replicates=0).codes


def test_at_least_two_distinct_raters(two_raters):
    with pytest.raises(StudyError, match="at least two raters"):
        agreement_report(two_raters, CLI, ["alice"])
    with pytest.raises(StudyError, match="named twice"):
        agreement_report(two_raters, CLI, ["alice", "alice"])


@pytest.mark.parametrize("alpha, band", [(0.95, "reliable"), (0.8, "reliable"), (0.7999, "tentative"),
                                         (0.667, "tentative"), (0.6669, "unreliable"), (-0.2, "unreliable"),
                                         (None, None)])
def test_alpha_bands(alpha, band):
    assert alpha_band(alpha) == band


@pytest.mark.parametrize("kappa, band", [(0.9, "almost perfect"), (0.81, "almost perfect"), (0.7, "substantial"),
                                         (0.5, "moderate"), (0.3, "fair"), (0.1, "slight"), (0.0, "slight"),
                                         (-0.1, "poor")])
def test_landis_koch_bands(kappa, band):
    assert kappa_band(kappa) == band


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=2, max_size=40))
def test_agreement_is_symmetric_in_the_raters_and_bounded(pairs):
    presence = np.array(pairs, dtype=bool)[:, None, :]  # units x 1 code x 2 raters
    info = [code_of_ref("T/c")]
    ab = per_code_agreement(presence, info, ["a", "b"], replicates=0)[0]
    ba = per_code_agreement(presence[:, :, ::-1], info, ["b", "a"], replicates=0)[0]
    for field in ("alpha", "kappa", "ac1", "percent"):
        x, y = getattr(ab, field), getattr(ba, field)
        assert (x is None and y is None) or x == pytest.approx(y)
    assert 0 <= ab.percent <= 1
    if ab.alpha is not None:
        assert -1 <= ab.alpha <= 1 and ab.kappa <= 1 and ab.ac1 <= 1


# -- command line ----------------------------------------------------------------------


@pytest.fixture
def run(db_url):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["--db", db_url, *args])


def test_cli_agreement_json_shape(two_raters, run):
    result = run("agreement", "--raters", "alice,bob", "--replicates", "200", "--seed", "5", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"overall", "codes", "themes", "raters", "level", "units_basis"}
    assert data["raters"] == ["alice", "bob"] and data["level"] == "segment"
    assert data["units_basis"] == "done by all raters"
    assert {"median_alpha", "alpha_range", "pooled_alpha", "pooled_alpha_note", "methods"} <= set(data["overall"])
    row = next(c for c in data["codes"] if c["code"] == MS)
    assert set(row) >= {"code", "alpha", "alpha_ci", "q", "kappa", "kappa_kind", "ac1", "percent", "prevalence",
                        "units", "rare", "undefined", "alpha_band", "kappa_band"}
    assert row["alpha"] == pytest.approx(80 / 99) and len(row["alpha_ci"]) == 2
    assert set(row["q"]) == {"0.667", "0.800"} and row["prevalence"] == {"alice": 6, "bob": 5}
    assert next(c for c in data["codes"] if c["code"] == POP)["alpha"] is None


def test_cli_agreement_table_and_csv(two_raters, run):
    table = run("agreement", "--raters", "alice,bob", "--replicates", "100")
    assert table.exit_code == 0, table.output
    assert MS in table.stdout and "0.808" in table.stdout and "no variation" in table.stdout
    assert "pooled alpha" in table.stdout
    csv_out = run("agreement", "--raters", "alice,bob", "--level", "participant", "--format", "csv")
    assert csv_out.exit_code == 0, csv_out.output
    header = csv_out.stdout.splitlines()[0].split(",")
    assert header[:4] == ["code", "theme", "units", "alpha"] and "prevalence_alice" in header


def test_cli_agreement_user_mistake_is_one_line_error(two_raters, run):
    result = run("agreement", "--raters", "alice,nobody")
    assert result.exit_code == 1
    assert "no rater named 'nobody'" in result.output


def test_cli_irr_on_a_ratings_csv(tmp_path, run):
    path = tmp_path / "ratings.csv"
    path.write_text("alice,bob\n" + "".join(f"{a},{b}\n" for a, b in zip("1111110000", "1111100000")))
    result = run("irr", str(path), "--format", "json", "--replicates", "100")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["alpha"] == pytest.approx(80 / 99)  # as worked out above
    assert data["cohen_kappa"] == pytest.approx(0.8)
    table = run("irr", str(path), "--categories", "0,1")
    assert table.exit_code == 0, table.output
    assert "cohen_kappa" in table.stdout and "0.800" in table.stdout


def test_participant_turns_only_leaves_interviewer_segments_out(two_raters):
    # Model search: alice 1111110000, bob 1111100000 on segments 0-9; odd segments are answers.
    # Answers only (1, 3, 5, 7, 9): alice 1 1 1 0 0, bob 1 1 0 0 0 -> one disagreement in 5 units.
    report = agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0, participant_turns_only=True)
    row = code_row(report, MS)
    assert row.units == 5 and row.percent == pytest.approx(4 / 5)
    # alpha: n.. = 10, n_1 = 3 + 2 = 5, n_0 = 5; D_o: one split unit -> 1 - 9 * 1 / (5 * 5) = .64
    assert row.alpha == pytest.approx(1 - 9 / 25)
    assert any("interviewer segment(s) left out" in note for note in report.notes)
