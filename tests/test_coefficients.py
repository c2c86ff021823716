"""Behaviour and invariants of study.agreement: conventions, properties, the binary fast
path and the bootstrap. Published worked examples live in test_agreement_cases.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from study.agreement.bootstrap import alpha_bootstrap, alpha_bootstrap_table
from study.agreement.coefficients import (
    binary_alpha,
    binary_code_stats,
    binary_type_stats,
    binary_unit_types,
    brennan_prediger,
    cohen_kappa,
    cohen_kappa_from_table,
    conger_kappa,
    encode_ratings,
    fleiss_kappa,
    gwet_ac1,
    has_variation,
    histogram_unit_types,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from study.agreement.sets import (
    masi_distance,
    mv_alpha,
    passonneau_set_distance,
)

CATEGORIES = ("a", "b", "c")
MULTI_RATER = (krippendorff_alpha, fleiss_kappa, conger_kappa, gwet_ac1, brennan_prediger)
TWO_RATER = (cohen_kappa, scott_pi)


def same(a: float, b: float) -> bool:
    """Equal as coefficients: both undefined, or equal up to rounding."""
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-9)


@st.composite
def tables(draw, raters=st.integers(2, 4), values=CATEGORIES + (None,), max_units=25):
    width = draw(raters)
    row = st.lists(st.sampled_from(values), min_size=width, max_size=width)
    return draw(st.lists(row, min_size=1, max_size=max_units))


def every_coefficient(table) -> dict[str, float]:
    values = {f.__name__: f(table, categories=CATEGORIES) for f in MULTI_RATER if f is not krippendorff_alpha}
    values["krippendorff_alpha"] = krippendorff_alpha(table, value_domain=CATEGORIES)
    values["percent_agreement"] = percent_agreement(table)
    if len(table[0]) == 2:
        values.update({f.__name__: f(table, categories=CATEGORIES) for f in TWO_RATER})
        values["weighted_kappa"] = cohen_kappa(table, categories=CATEGORIES, weighted="quadratic")
    return values


# --- conventions -------------------------------------------------------------


def test_missing_ratings_may_be_none_or_nan():
    with_none = [[1, 1], [2, None], [2, 2], [1, 2]]
    with_nan = [[1, 1], [2, math.nan], [2, 2], [1, 2]]
    assert krippendorff_alpha(with_none) == krippendorff_alpha(with_nan)
    assert encode_ratings(with_nan).codes.tolist() == [[0, 0], [1, -1], [1, 1], [0, 1]]


def test_ratings_outside_the_categories_are_refused():
    with pytest.raises(ValueError, match="'maybe' is not one of the categories"):
        fleiss_kappa([["yes", "maybe"]], categories=["yes", "no"])


def test_two_rater_coefficients_refuse_three_raters():
    with pytest.raises(ValueError, match="exactly two raters"):
        cohen_kappa([[1, 1, 2]])


def test_interval_alpha_refuses_text_labels():
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["b", "b"]], level="interval")


def test_ordinal_alpha_on_text_labels_follows_the_value_domain():
    # Krippendorff (2011) section C data, 1..5 written as words: ordinal alpha = .815.
    words = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high", None: None}
    numbers = [
        [1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, 3, None, None],
    ]
    table = [[words[v] for v in row] for row in numbers]
    order = ["very low", "low", "mid", "high", "very high"]
    assert krippendorff_alpha(table, "ordinal", value_domain=order) == pytest.approx(0.815, abs=5e-4)
    with pytest.raises(ValueError, match="value_domain"):
        krippendorff_alpha(table, "ordinal")


def test_no_variation_is_undefined_not_one():
    nobody_applied = [[0, 0]] * 5
    assert not has_variation(nobody_applied)
    assert math.isnan(krippendorff_alpha(nobody_applied, value_domain=[0, 1]))
    assert math.isnan(fleiss_kappa(nobody_applied, categories=[0, 1]))
    assert math.isnan(cohen_kappa(nobody_applied, categories=[0, 1]))
    assert percent_agreement(nobody_applied) == 1.0


def test_no_pairable_unit_leaves_everything_undefined():
    lone_ratings = [[1, None], [None, 2]]
    assert math.isnan(percent_agreement(lone_ratings))
    assert math.isnan(krippendorff_alpha(lone_ratings))
    assert math.isnan(gwet_ac1(lone_ratings))
    assert math.isnan(cohen_kappa(lone_ratings))


def test_q_comes_from_the_categories_not_the_observed_values():
    # Randolph's table (6, 1, 0 / 0, 7, 0): p_a = (30/42 + 1) / 2 = 6/7.
    data = [[1] * 6 + [2], [2] * 7]
    assert brennan_prediger(data) == pytest.approx((6 / 7 - 1 / 2) / (1 / 2))  # q = 2 seen
    assert brennan_prediger(data, categories=[1, 2, 3]) == pytest.approx((6 / 7 - 1 / 3) / (2 / 3))


def test_cohen_kappa_from_a_contingency_table():
    # Feinstein & Cicchetti (1990) table a: p_o = .85, p_e = .49 x .46 + .51 x .54 = .5008.
    assert cohen_kappa_from_table([[40, 9], [6, 45]]) == pytest.approx((0.85 - 0.5008) / (1 - 0.5008))
    assert math.isnan(cohen_kappa_from_table([[0, 0], [0, 12]]))


# --- set-valued codings ------------------------------------------------------


def test_masi_distance_follows_nltk_and_passonneau():
    # nltk/test/metrics.doctest: J = 2/5, M = 1/3 (overlap) -> 1 - 2/15.
    assert masi_distance({1, 2, 3, 4}, {3, 4, 5}) == pytest.approx(1 - 2 / 15)
    assert masi_distance(set(), set()) == 0.0
    assert masi_distance(set(), {"A"}) == 1.0


def test_passonneau_set_distance_steps():
    assert passonneau_set_distance({"A"}, {"A"}) == 0
    assert passonneau_set_distance({"A"}, {"A", "B"}) == pytest.approx(1 / 3)
    assert passonneau_set_distance({"A", "C"}, {"A", "B"}) == pytest.approx(2 / 3)
    assert passonneau_set_distance({"A"}, {"B"}) == 1


# Krippendorff & Craggs (2016) Tables 3, 8a-c, 9a-c as set up in R mvalpha's worksheet.Rmd
# (observers as columns; None = missing, [] = observed, no value), with the published
# mv-alpha (Table 3 to 4 decimals as asserted in mvalpha's tests, the others to 3).
MV_TABLES = {
    "3": ([[["b", "d"], ["d"], None], [["a", "b", "d"], ["b"], ["b", "d"]], [[], ["a"], ["a"]], [["a"], None, None]], 0.2866, 5e-5),
    "8a": ([[["a"]] * 3, [["a", "b", "d"], ["a", "b", "d"], ["a", "b", "d", "e"]], [["d"]] * 3], 0.947, 5e-4),
    "8b": ([[["a"]] * 3, [["a", "b"], ["a", "b"], ["a", "b", "d"]], [["d"]] * 3], 0.923, 5e-4),
    "8c": ([[["a"]] * 3, [["b"], ["b"], ["b", "d"]], [["d"]] * 3], 0.895, 5e-4),
    "9a": ([[["a"]] * 3, [["a", "b"], ["a", "d"], ["d", "b"]], [["d"]] * 3], 0.716, 5e-4),
    "9b": ([[["a"]] * 3, [["a", "b"], ["e", "d"], ["f"]], [["d"]] * 3], 0.554, 5e-4),
    "9c": ([[["a"], ["b"], ["a", "b"]], [["a", "b"], ["e", "d"], ["f"]], [["b", "d"], ["d"], ["b", "e"]]], -0.002, 5e-4),
}


@pytest.mark.parametrize("table, expected, tolerance", MV_TABLES.values(), ids=MV_TABLES.keys())
def test_mv_alpha_matches_published_tables(table, expected, tolerance):
    assert mv_alpha(table) == pytest.approx(expected, abs=tolerance)


# --- properties ----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(tables(), st.randoms(use_true_random=False))
def test_swapping_raters_changes_no_coefficient(table, random):
    order = list(range(len(table[0])))
    random.shuffle(order)
    swapped = [[row[i] for i in order] for row in table]
    before, after = every_coefficient(table), every_coefficient(swapped)
    for name in before:
        assert same(before[name], after[name]), name


@settings(max_examples=60, deadline=None)
@given(tables())
def test_coefficients_stay_in_bounds(table):
    values = every_coefficient(table)
    assert math.isnan(values["percent_agreement"]) or 0 <= values["percent_agreement"] <= 1
    for name, value in values.items():
        assert math.isnan(value) or value <= 1 + 1e-12, name
    bp = values["brennan_prediger"]  # p_a >= 0 bounds it below by -1/(q - 1)
    assert math.isnan(bp) or bp >= -1 / (len(CATEGORIES) - 1) - 1e-12


@settings(max_examples=60, deadline=None)
@given(tables(raters=st.just(2), values=CATEGORIES))
def test_two_complete_raters_tie_the_hand_written_formulas_to_the_libraries(table):
    # Conger reduces to Cohen (scikit-learn) for two raters; Fleiss to Scott; and
    # alpha = 1 - (1 - pi)(2N - 1)/(2N) links Scott's pi to the krippendorff package.
    assert same(conger_kappa(table, CATEGORIES), cohen_kappa(table, CATEGORIES))
    assert same(fleiss_kappa(table, CATEGORIES), scott_pi(table, CATEGORIES))
    pi, values = scott_pi(table, CATEGORIES), 2 * len(table)
    expected_alpha = math.nan if math.isnan(pi) else 1 - (1 - pi) * (values - 1) / values
    assert same(krippendorff_alpha(table, value_domain=CATEGORIES), expected_alpha)


@settings(max_examples=100, deadline=None)
@given(tables(raters=st.integers(2, 6), values=(0, 1, None), max_units=40))
def test_binary_fast_path_equals_the_general_path(table):
    cells = np.array([[np.nan if v is None else v for v in row] for row in table])
    ones, n = np.nansum(cells, axis=1), (~np.isnan(cells)).sum(axis=1)
    fast = binary_code_stats(ones, n)
    binary = [0, 1]
    assert same(fast.alpha, krippendorff_alpha(table, value_domain=binary))
    assert same(fast.fleiss_kappa, fleiss_kappa(table, binary))
    assert same(fast.gwet_ac1, gwet_ac1(table, binary))
    assert same(fast.brennan_prediger, brennan_prediger(table, binary))
    assert same(fast.percent_agreement, percent_agreement(table))
    assert fast.pairable_units == int((n >= 2).sum())


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 6).flatmap(lambda n: st.lists(st.integers(0, n), min_size=1, max_size=40).map(lambda o: (o, n))))
def test_unit_types_from_a_histogram_are_those_of_the_units(tallies):
    ones, n = tallies
    from_units = binary_unit_types(ones, [n] * len(ones))
    from_histogram = histogram_unit_types(np.bincount(ones, minlength=n + 1))
    for field in ("raters", "ones", "counts"):
        assert getattr(from_histogram, field).tolist() == getattr(from_units, field).tolist()
    assert repr(binary_type_stats(from_histogram)) == repr(binary_code_stats(ones, [n] * len(ones)))  # NaN as 'nan'


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 6).flatmap(lambda n: st.lists(st.lists(st.integers(0, 40), min_size=n + 1, max_size=n + 1),
                                                    min_size=1, max_size=30)))
def test_alpha_of_many_histograms_at_once_is_each_ones_to_the_bit(histograms):
    """Agreement per transcript computes every (transcript, code) alpha in one call; each must be
    what the code's own types give, not merely close (the per-transcript rows are compared with ==)."""
    every_type = histogram_unit_types(np.ones(len(histograms[0]), dtype=np.int64))
    together = binary_alpha(every_type, np.array(histograms))
    for row, alpha in zip(histograms, together):
        alone = binary_alpha(histogram_unit_types(row))
        assert (math.isnan(alpha) and math.isnan(alone)) or alpha == alone


def test_binary_fast_path_refuses_impossible_tallies():
    with pytest.raises(ValueError, match="ones <= n"):
        binary_code_stats(ones=[3], n=[2])


# --- bootstrap -----------------------------------------------------------------


def binary_study(units: int, raters: int, seed: int, noise: float = 0.1):
    """Tallies of a code with prevalence .2 that each rater flips with probability ``noise``."""
    rng = np.random.default_rng(seed)
    truth = rng.random(units) < 0.2
    ratings = truth[:, None] ^ (rng.random((units, raters)) < noise)
    return ratings.astype(int), ratings.sum(axis=1), np.full(units, raters)


@settings(max_examples=25, deadline=None)
@given(st.integers(20, 200), st.integers(2, 5), st.integers(0, 10**6))
def test_bootstrap_is_reproducible_with_the_same_seed(units, raters, seed):
    _, ones, n = binary_study(units, raters, seed)
    first = alpha_bootstrap(ones, n, replicates=200, seed=seed)
    again = alpha_bootstrap(ones, n, replicates=200, seed=seed)
    assert first == again or (math.isnan(first.ci_low) and math.isnan(again.ci_low))


def test_bootstrap_interval_typically_contains_the_estimate():
    contained = 0
    for seed in range(20):
        _, ones, n = binary_study(units=150, raters=3, seed=seed)
        result = alpha_bootstrap(ones, n, seed=seed)
        contained += result.ci_low <= binary_code_stats(ones, n).alpha <= result.ci_high
    assert contained >= 19


def test_bootstrap_q_is_a_probability_that_grows_with_the_threshold():
    _, ones, n = binary_study(units=80, raters=2, seed=3, noise=0.15)
    result = alpha_bootstrap(ones, n, thresholds=(0.5, 0.667, 0.8))
    q = list(result.q.values())
    assert all(0 <= p <= 1 for p in q) and q == sorted(q)
    assert result.replicates == 1000


def test_binary_and_table_bootstraps_agree():
    ratings, ones, n = binary_study(units=400, raters=4, seed=7)
    fast = alpha_bootstrap(ones, n)
    general = alpha_bootstrap_table(ratings, value_domain=[0, 1])
    assert fast.ci_low == pytest.approx(general.ci_low, abs=0.02)
    assert fast.ci_high == pytest.approx(general.ci_high, abs=0.02)


def test_bootstrap_drops_and_counts_undefined_replicates():
    # One disagreement in 20 units: replicates that miss that unit have no variation.
    ones, n = [1] + [0] * 19, [2] * 20
    result = alpha_bootstrap(ones, n, replicates=500)
    assert 0 < result.undefined < 500
    assert result.ci_high <= 0  # every defined replicate sees only that disagreement
    no_variation = alpha_bootstrap([0] * 10, [2] * 10, replicates=50)
    assert no_variation.undefined == 50 and math.isnan(no_variation.ci_low)
    assert math.isnan(no_variation.q[0.667])
