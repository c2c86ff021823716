"""The agreement report as display tables (study.agreement.tables): one row builder for the CLI,
the Agreement page and the findings report.

Figures for the ``two_raters`` study (ten segments), by hand:
- Model search, alice 1111110000 / bob 1111100000: 9 of 10 units agree, percent .900; alpha
  1 - (20 - 1) * 1 / 1 / (11 * 9) = 80/99 = .808; alice applied it on 6 units, bob on 5; Cohen's
  kappa: p_o = .9, p_e = .6 * .5 + .4 * .5 = .5, (.9 - .5) / (1 - .5) = .800.
- Popularity and License: nobody applied them, so alpha is undefined (no variation).
"""
from __future__ import annotations

import csv
import io

import pytest

from study import exports, report
from study.agreement.study_agreement import agreement_report
from study.agreement.tables import applied_key, code_table, theme_table
from study.auth import CLI, Actor
from study.agreement import visibility
from tests.test_study_agreement import MS, POP, run, two_raters  # noqa: F401  (fixtures)


def test_code_table_shows_the_chosen_columns_under_the_chosen_labels(two_raters):
    table = code_table(agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0),
                       ("code", "prevalence", "percent", "alpha", "kappa", "flags"), labels={"code": "Code"})
    assert [c.label for c in table.columns] == ["Code", "prevalence", "percent", "alpha", "Cohen's kappa", "flags"]
    rows = {r["Code"]: r for r in table.display_rows()}
    assert rows[MS] == {"Code": MS, "prevalence": "6/5", "percent": "0.900", "alpha": "0.808",
                        "Cohen's kappa": "0.800", "flags": ""}
    assert rows[POP]["alpha"] == "" and rows[POP]["flags"] == "rare, undefined: no variation"
    assert table.title == "Agreement per code between alice, bob"


def test_agreement_csv_holds_alpha_in_full(two_raters):
    """The terminal shows alpha to three decimals (0.808); the CSV holds 80/99 in full."""
    table = code_table(agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0),
                       ("code", "alpha", "percent_100"))
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(exports.to_csv(table)))}
    assert float(rows[MS]["alpha"]) == 80 / 99 and float(rows[MS]["% agree"]) == 90.0


def test_cli_per_transcript_csv_holds_the_median_alpha_in_full(two_raters, run):
    """Median over the defined alphas of T1: Model search 80/99 and Missing attributes 0 (alice's one unit,
    n = 20: 1 - 19 * 1 / (1 * 19)) gives 40/99, shown 0.404."""
    result = run("agreement", "--raters", "alice,bob", "--by", "transcript", "--format", "csv")
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert float(row["median alpha"]) == pytest.approx(40 / 99, abs=1e-12) and row["median alpha"] != "0.404"


def test_rows_keep_values_for_pages_to_colour(two_raters):
    table = code_table(agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0), ("name", "alpha"))
    row = next(r for r in table.rows if r["code"] == MS)
    assert row["name"] == "Model search" and abs(row["alpha"] - 80 / 99) < 1e-12
    assert row[applied_key("alice")] == 6 and row[applied_key("bob")] == 5


def test_applied_only_leaves_out_codes_nobody_applied(two_raters):
    table = code_table(agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0), ("code",),
                       applied_only=True)
    assert [r["code"] for r in table.rows] == [MS, "Challenges/Missing attributes"]


def test_a_coder_sees_only_their_own_applied_count(two_raters):
    visibility.set_coders_see_agreement(two_raters, CLI, True)
    coded = agreement_report(two_raters, Actor("bob", "coder"), ["alice", "bob"], replicates=0)
    row = next(r for r in code_table(coded, ("code",)).rows if r["code"] == MS)
    assert row[applied_key("bob")] == 5 and row[applied_key("alice")] is None


def test_theme_table_gives_the_median_alpha(two_raters):
    rows = theme_table(agreement_report(two_raters, CLI, ["alice", "bob"], replicates=0)).display_rows()
    # Challenges: the median of Model search (.808) and Missing attributes (.000) is .404
    assert rows[0] == {"theme": "Challenges", "codes": "2", "median alpha": "0.404", "cu-alpha": "", "note": ""}


def test_cli_and_report_show_the_same_alpha(two_raters, run):
    cli_text = run("agreement", "--raters", "alice,bob", "--replicates", "0").stdout
    built = report.build_report(two_raters, CLI, source="alice", raters=["alice", "bob"])
    table = next(b.table for b in built.tables if b.table.name == "agreement")
    cells = dict((row[0], row[2]) for row in table.cells())
    assert cells[MS] == "0.808" and "0.808" in cli_text
    assert [c.label for c in table.columns][:3] == ["Code", "Units", "Alpha"]
