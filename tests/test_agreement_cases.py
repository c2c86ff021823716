"""The published worked examples in tests/agreement_cases/ (sources in each file).

Every case with a numeric ``expected`` is one test; behaviour probes
(``expected: null``) test the project's documented behaviour instead.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest

from study.agreement.coefficients import (
    LEVELS,
    brennan_prediger,
    cohen_kappa,
    conger_kappa,
    encode_ratings,
    fleiss_kappa,
    gwet_ac1,
    has_variation,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from study.agreement.sets import (
    masi_distance,
    mv_alpha,
    set_alpha,
)
from study.agreement.spans import (
    Annotation,
    Span,
    digitize_spans,
    gamma_agreement,
    unitizing_alpha,
)

CASES_DIR = Path(__file__).parent / "agreement_cases"
CASES = {case["id"]: case for case in (json.loads(p.read_text()) for p in sorted(CASES_DIR.glob("*.json")))}

# Case level -> name in study.agreement.sets.SET_DISTANCES.
SET_LEVELS = {"masi": "masi", "set_passonneau2004": "passonneau2004", "set_dkpro_masi_variant": "dkpro_masi"}

COEFFICIENTS = {
    "cohen_kappa": cohen_kappa,
    "cohen_weighted_kappa_linear": lambda data, categories: cohen_kappa(data, categories, weighted="linear"),
    "scott_pi": scott_pi,
    "fleiss_kappa": fleiss_kappa,
    "conger_kappa": conger_kappa,
    "gwet_ac1": gwet_ac1,
    "brennan_prediger": brennan_prediger,
    "bennett_s_brennan_prediger": brennan_prediger,
    "randolph_free_marginal_kappa": brennan_prediger,
    "percent_agreement": lambda data, categories: percent_agreement(data),
    "mv_alpha": lambda data, categories: mv_alpha(data),
}



def categories_of(case: dict) -> list | None:
    """q from the published counts table: its columns are categories 1..q, some possibly unused."""
    if "counts_table" in case:
        return list(range(1, len(case["counts_table"][0]) + 1))
    return None


def compute(case: dict) -> float:
    data, level, coefficient = case["data"], case["level"], case["coefficient"]
    if coefficient == "krippendorff_alpha":
        if level in LEVELS:
            return krippendorff_alpha(data, level)
        return set_alpha(data, SET_LEVELS[level])
    return COEFFICIENTS[coefficient](data, categories_of(case))


def scalar_cases():
    for case in CASES.values():
        if isinstance(case["expected"], (int, float)):
            yield pytest.param(case, id=case["id"])


@pytest.mark.parametrize("case", list(scalar_cases()))
def test_published_value(case):
    assert compute(case) == pytest.approx(case["expected"], abs=case["tolerance"])


@pytest.mark.parametrize(
    "case_id, key, function",
    [
        ("brennan_prediger_ex1_p689", "cohen_kappa_expected", cohen_kappa),
        ("gwet_ac1_dkpro_hand_example", "scott_pi_expected", scott_pi),
    ],
)
def test_second_published_value_of_a_case(case_id, key, function):
    case = CASES[case_id]
    assert function(case["data"]) == pytest.approx(case[key], abs=case["tolerance"])


@pytest.mark.parametrize("case", [c for c in CASES.values() if "counts_table" in c], ids=lambda c: c["id"])
def test_data_matches_published_counts_table(case):
    counts = encode_ratings(case["data"], categories_of(case)).counts()
    assert counts.tolist() == case["counts_table"]


@pytest.mark.parametrize("case", [c for c in CASES.values() if "table" in c], ids=lambda c: c["id"])
def test_data_matches_published_contingency_table(case):
    """The data cross-tabulates to the published table, under the table's order of categories."""
    labels = sorted({value for row in case["data"] for value in row})
    tables = [_cross_table(case["data"], order) for order in itertools.permutations(labels)]
    assert case["table"] in tables


def _cross_table(data: list, order: tuple) -> list[list[int]]:
    table = [[0] * len(order) for _ in order]
    for first, second in data:
        table[order.index(first)][order.index(second)] += 1
    return table


# --- MASI distance ---------------------------------------------------------

MASI = CASES["masi_distance_nltk"]


@pytest.mark.parametrize(
    "pair, expected",
    [
        pytest.param(MASI["data"][0], MASI["expected"][0], id="nltk-docstring"),
        pytest.param(MASI["data"][1], MASI["expected"][1], id="nltk-doctest"),  # see the case's "correction"
    ],
)
def test_masi_distance(pair, expected):
    assert masi_distance(*pair) == pytest.approx(expected, abs=MASI["tolerance"])


# --- Unitizing alpha (Krippendorff 1995) ------------------------------------

UNITIZING = CASES["unitizing_alpha_krippendorff_1995"]


def unitizing_spans(stretch: int = 1) -> list[Span]:
    return [
        Span(u["begin"] * stretch, u["length"] * stretch, u["rater"], u["category"])
        for u in UNITIZING["units"]
    ]


def test_unitizing_observed_disagreement():
    begin, end = UNITIZING["continuum"]
    results = unitizing_alpha(unitizing_spans(), begin, end - begin, raters=2)
    for category, expected in UNITIZING["expected"]["observed_disagreement"].items():
        tolerance = UNITIZING["tolerance"]["observed_disagreement"]
        assert results[category].observed == pytest.approx(expected, abs=tolerance)


def test_unitizing_alpha_on_a_fine_continuum():
    stretch = 50_000
    begin, end = UNITIZING["continuum"]
    results = unitizing_alpha(unitizing_spans(stretch), begin, (end - begin) * stretch, raters=2)
    for category, expected in UNITIZING["expected"]["category_alpha_at_stretch_50000"].items():
        tolerance = UNITIZING["tolerance"]["category_alpha_at_stretch_50000"]
        assert results[category].alpha == pytest.approx(expected, abs=tolerance)


def test_unitizing_pair_a_digitized_to_positions():
    begin, end = UNITIZING["continuum"]
    table = digitize_spans(unitizing_spans(), begin, end - begin, raters=2, category="A")
    expected = UNITIZING["expected"]["digitized_pair_A"]
    tolerance = UNITIZING["tolerance"]["digitized_pair_A"]
    assert cohen_kappa(table) == pytest.approx(expected["cohen_kappa"], abs=tolerance)
    assert scott_pi(table) == pytest.approx(expected["scott_pi"], abs=tolerance)
    assert krippendorff_alpha(table) == pytest.approx(expected["krippendorff_alpha_nominal"], abs=tolerance)


# --- Gamma (Mathet et al. 2015) ---------------------------------------------

GAMMA = CASES["gamma_pygamma_fixture01"]


def test_gamma_best_alignment_and_sampled_gamma():
    """pygamma's 30-sample gamma is one noisy draw (a 30-sample mean of disorders whose
    spread is about 0.3); 1,000 samples put ours near the sampler's true expectation."""
    params = GAMMA["params"]
    result = gamma_agreement(
        [Annotation(**unit) for unit in GAMMA["continuum"]],
        alpha=params["alpha"], beta=params["beta"], delta_empty=params["deltaEmpty"], samples=1000,
    )
    tolerance = GAMMA["tolerance"]
    assert result.observed_disorder == pytest.approx(
        GAMMA["expected"]["best_alignment_disorder"], abs=tolerance["best_alignment_disorder"]
    )
    assert result.gamma == pytest.approx(GAMMA["expected"]["gamma_30_samples"], abs=tolerance["gamma_30_samples"])


# --- Behaviour probes (expected: null) --------------------------------------


def test_no_variation_leaves_alpha_and_kappas_undefined():
    data = CASES["edge_case_no_variation"]["data"]
    assert not has_variation(data)
    for coefficient in (krippendorff_alpha, cohen_kappa, scott_pi, fleiss_kappa, conger_kappa):
        assert math.isnan(coefficient(data)), coefficient.__name__
    assert percent_agreement(data) == 1.0


def test_no_variation_ac1_and_brennan_prediger_need_q():
    data = CASES["edge_case_no_variation"]["data"]
    # One observed category: q = 1 and p_e's (q - 1) or (1 - 1/q) is 0.
    assert math.isnan(gwet_ac1(data))
    assert math.isnan(brennan_prediger(data))
    # With q = 2 from the codebook both are defined: p_a = 1, so 1.0 (irrCAC agrees).
    assert gwet_ac1(data, categories=[0, 1]) == 1.0
    assert brennan_prediger(data, categories=[0, 1]) == 1.0
    assert math.isnan(krippendorff_alpha(data, value_domain=[0, 1]))
    assert math.isnan(cohen_kappa(data, categories=[0, 1]))


def test_rare_code_missed_shows_the_kappa_paradox():
    data = CASES["synthetic_rare_code_one_of_12_missed"]["data"]
    assert percent_agreement(data) == pytest.approx(11 / 12)
    # Cohen: p_e = (1/12)(0) + (11/12)(1) = 11/12 = p_a.
    assert cohen_kappa(data) == pytest.approx(0.0, abs=1e-12)
    # Alpha: D_o = 2/24 and D_e = 2 * 23 * 1 / (24 * 23) = 2/24.
    assert krippendorff_alpha(data) == pytest.approx(0.0, abs=1e-12)
    # AC1: pi_1 = 1/24, p_e = 2 (1/24)(23/24) = 46/576; (11/12 - 46/576) / (1 - 46/576) = 482/530.
    assert gwet_ac1(data) == pytest.approx(482 / 530)
    assert brennan_prediger(data) == pytest.approx((11 / 12 - 1 / 2) / (1 / 2))


def test_rare_code_agreed_is_perfect_agreement():
    data = CASES["synthetic_rare_code_one_of_12_agreed"]["data"]
    for coefficient in (krippendorff_alpha, cohen_kappa, gwet_ac1, brennan_prediger, percent_agreement):
        assert coefficient(data) == pytest.approx(1.0), coefficient.__name__
