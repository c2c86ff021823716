"""The agreement calculator: a ratings CSV in, every coefficient out."""

from __future__ import annotations

import pandas as pd
import pytest

from study.errors import StudyError
from study.agreement.irr import irr_from_csv, irr_from_table

# Krippendorff (2011) section C: 4 observers, 12 units, missing ratings.
# Published alpha: nominal .743, ordinal .815, interval .849, ratio .797.
K2011_C = """A,B,C,D
1,1,,1
2,2,3,2
3,3,3,3
3,3,3,3
2,2,2,2
1,2,3,4
4,4,4,4
1,1,2,1
2,2,2,2
,5,5,5
,,1,1
,3,,
"""


def write(tmp_path, text: str, name: str = "ratings.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "level, expected", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_alpha_at_each_level(tmp_path, level, expected):
    result = irr_from_csv(write(tmp_path, K2011_C), level=level, replicates=100)
    assert result["alpha"] == pytest.approx(expected, abs=5e-4)
    assert result["level"] == level


def test_reports_the_table_it_read(tmp_path):
    result = irr_from_csv(write(tmp_path, K2011_C), replicates=100)
    assert result["raters"] == ["A", "B", "C", "D"]
    assert result["units"] == 12
    assert result["pairable_units"] == 11
    assert result["categories"] == [1, 2, 3, 4, 5]
    # Gwet (2014) raw_4raters is the same data but for who holds unit 12's lone rating,
    # which rater-exchangeable coefficients ignore: Fleiss .761, Brennan-Prediger .773.
    assert result["fleiss_kappa"] == pytest.approx(0.761, abs=5e-4)
    assert result["brennan_prediger"] == pytest.approx(0.773, abs=5e-4)
    assert any(note.startswith("1 unit(s) rated by only one rater") for note in result["notes"])


def test_three_raters_have_no_cohen_kappa_or_scott_pi(tmp_path):
    result = irr_from_csv(write(tmp_path, K2011_C), replicates=100)
    assert result["cohen_kappa"] is None and result["scott_pi"] is None
    assert any("exactly two raters" in note for note in result["notes"])


def test_two_raters_get_cohen_kappa_and_scott_pi(tmp_path):
    # scikit-learn's cohen_kappa_score docstring example: kappa .6875.
    # Scott: p_o = 4/5; pooled shares neg .5, pos .3, neu .2 give p_e = .38.
    csv = "coder 1,coder 2\nnegative,negative\npositive,positive\nnegative,negative\nneutral,neutral\npositive,negative\n"
    result = irr_from_csv(write(tmp_path, csv), replicates=100)
    assert result["cohen_kappa"] == pytest.approx(0.6875)
    assert result["scott_pi"] == pytest.approx((0.8 - 0.38) / (1 - 0.38))
    assert result["raters"] == ["coder 1", "coder 2"]
    assert result["categories"] == ["negative", "neutral", "positive"]


def test_alpha_comes_with_a_bootstrap_interval(tmp_path):
    result = irr_from_csv(write(tmp_path, K2011_C))
    interval = result["alpha_bootstrap"]
    assert interval["replicates"] == 1000 and interval["seed"] == 12345
    assert interval["ci_low"] <= result["alpha"] <= interval["ci_high"]
    assert set(interval["q"]) == {0.667, 0.8}
    assert irr_from_csv(write(tmp_path, K2011_C))["alpha_bootstrap"] == interval


def test_no_variation_is_reported_undefined_with_a_note(tmp_path):
    result = irr_from_csv(write(tmp_path, "ann,ben\n0,0\n0,0\n0,0\n"), replicates=100)
    for name in ("alpha", "cohen_kappa", "scott_pi", "fleiss_kappa", "conger_kappa"):
        assert result[name] is None, name
    assert result["percent_agreement"] == 1.0
    assert result["alpha_bootstrap"] is None
    assert any(note.startswith("no variation") for note in result["notes"])
    assert any("alpha" in note and "undefined" in note for note in result["notes"])


def test_categories_set_q(tmp_path):
    # Randolph's table (6, 1, 0 / 0, 7, 0): free-marginal kappa .785714 with q = 3.
    csv = "r1,r2,r3,r4,r5,r6,r7\n1,1,1,1,1,1,2\n2,2,2,2,2,2,2\n"
    result = irr_from_csv(write(tmp_path, csv), categories=["1", "2", "3"], replicates=100)
    assert result["brennan_prediger"] == pytest.approx(0.785714, abs=6e-6)
    assert result["categories"] == [1, 2, 3]
    assert not any(note.startswith("q =") for note in result["notes"])


def test_blank_and_padded_cells(tmp_path):
    result = irr_from_csv(write(tmp_path, "ann, ben\n yes , yes\nno,\n no,no\n"), replicates=100)
    assert result["raters"] == ["ann", "ben"]
    assert result["categories"] == ["no", "yes"]
    assert result["percent_agreement"] == 1.0


def test_table_with_nan_for_missing():
    table = pd.DataFrame({"ann": [1, 2, None], "ben": [1.0, 2.0, 2.0]})
    result = irr_from_table(table, replicates=50)
    assert result["pairable_units"] == 2
    assert result["alpha"] == pytest.approx(1.0)


# --- bad input -------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(StudyError, match="nowhere.csv: no such file; give the path of a CSV"):
        irr_from_csv(path)


def test_empty_file(tmp_path):
    with pytest.raises(StudyError, match="ratings.csv: the file is empty"):
        irr_from_csv(write(tmp_path, ""))


def test_fewer_than_two_rater_columns(tmp_path):
    with pytest.raises(StudyError, match=r"ratings.csv: found 1 rater column\(s\) \['ann'\]; the header must name at least two raters"):
        irr_from_csv(write(tmp_path, "ann\n1\n2\n"))


def test_no_rows(tmp_path):
    with pytest.raises(StudyError, match="ratings.csv: no rows under the header; add one row per unit"):
        irr_from_csv(write(tmp_path, "ann,ben\n"))


def test_unknown_level(tmp_path):
    with pytest.raises(StudyError, match="ratings.csv: unknown level 'cardinal'; choose one of nominal"):
        irr_from_csv(write(tmp_path, K2011_C), level="cardinal")


def test_rating_outside_the_categories(tmp_path):
    with pytest.raises(StudyError, match="ratings.csv: rating 5 is not one of the categories"):
        irr_from_csv(write(tmp_path, K2011_C), categories=[1, 2, 3, 4])


def test_text_ratings_at_interval_level(tmp_path):
    with pytest.raises(StudyError, match="ratings.csv: interval alpha needs numeric ratings"):
        irr_from_csv(write(tmp_path, "ann,ben\nlow,high\nhigh,high\n"), level="interval")


def test_text_category_for_numeric_ratings(tmp_path):
    with pytest.raises(StudyError, match="category 'x' is not a number, but every rating is"):
        irr_from_csv(write(tmp_path, K2011_C), categories=[1, 2, "x"])
