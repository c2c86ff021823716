"""Agreement coefficients on a units x raters table.

Conventions shared by every function here:

- ``ratings`` is a 2-D array-like of shape (units, raters): a list of rows, a NumPy
  array or a pandas DataFrame. Values are category labels (ints or strings); a
  missing rating is ``None`` or NaN.
- ``categories`` (``value_domain`` for alpha, after the ``krippendorff`` package)
  lists the possible labels, in order. Give it whenever the codebook knows it: the
  number of categories q of Gwet's AC1 and Brennan-Prediger depends on it, and
  without it only the labels that occur are counted.
- Coefficients return a float and raise nothing for degenerate data. Where a
  coefficient is 0/0 -- alpha and the kappas when there is no variation -- it
  returns ``math.nan``; callers report that as "undefined", never as 1.0.
- Multi-rater formulas with missing ratings follow Gwet (2014), Handbook of
  Inter-Rater Reliability, 4th ed.: units rated by fewer than two raters drop out
  of observed agreement but still count toward category prevalence.

Besides the coding coefficients the module holds the binary fast path used per
code at scale. Set-valued codings are in ``sets``, span-based measures in ``spans``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import krippendorff
import numpy as np
import pandas as pd

LEVELS = ("nominal", "ordinal", "interval", "ratio")
KAPPA_WEIGHTS = (None, "linear", "quadratic")

# --------------------------------------------------------------------------
# Reading a ratings table
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CodedRatings:
    """Ratings as category indices: ``codes[unit, rater]`` indexes ``categories``, -1 = missing."""

    codes: np.ndarray
    categories: tuple

    def counts(self) -> np.ndarray:
        """Units x categories: how many raters put each unit in each category."""
        units, raters = self.codes.shape
        q = len(self.categories)
        flat = self.codes.ravel()
        rated = flat >= 0
        unit_of_cell = np.repeat(np.arange(units), raters)
        cells = unit_of_cell[rated] * q + flat[rated]
        return np.bincount(cells, minlength=units * q).reshape(units, q)

    def complete_pairs(self) -> np.ndarray:
        """The rows of a two-rater table where both raters gave a rating."""
        if self.codes.shape[1] != 2:
            raise ValueError(f"this coefficient needs exactly two raters, got {self.codes.shape[1]}")
        return self.codes[(self.codes >= 0).all(axis=1)]


def encode_ratings(ratings, categories: Sequence | None = None) -> CodedRatings:
    """Turn a units x raters table of labels into category indices.

    >>> encode_ratings([["a", "b"], ["b", None]]).codes.tolist()
    [[0, 1], [1, -1]]
    """
    table = _object_table(ratings)
    cells = table.ravel()
    missing = np.asarray(pd.isna(cells), dtype=bool)
    observed = cells[~missing]
    labels = _category_labels(observed, categories)
    index = {label: i for i, label in enumerate(labels)}
    codes = np.full(cells.shape, -1, dtype=np.int64)
    try:
        codes[~missing] = [index[value] for value in observed]
    except KeyError as error:
        raise ValueError(
            f"rating {error.args[0]!r} is not one of the categories {list(labels)}"
        ) from None
    return CodedRatings(codes.reshape(table.shape), labels)


def has_variation(ratings) -> bool:
    """True when the ratings use at least two different categories."""
    coded = encode_ratings(ratings)
    return len(np.unique(coded.codes[coded.codes >= 0])) >= 2


def _object_table(ratings) -> np.ndarray:
    if isinstance(ratings, pd.DataFrame):
        table = ratings.to_numpy(dtype=object)
    else:
        table = np.asarray(ratings, dtype=object)
    if table.ndim != 2:
        raise ValueError(f"ratings must be a units x raters table, got {table.ndim} dimension(s)")
    return table


def _category_labels(observed: np.ndarray, categories: Sequence | None) -> tuple:
    if categories is not None:
        labels = tuple(_plain(label) for label in categories)
        if len(set(labels)) != len(labels):
            raise ValueError(f"categories must be distinct, got {list(labels)}")
        return labels
    distinct = [_plain(value) for value in pd.unique(observed)]
    try:
        return tuple(sorted(distinct))
    except TypeError:  # mixed labels such as 1 and "a": any fixed order will do
        return tuple(sorted(distinct, key=lambda value: (type(value).__name__, str(value))))


def _plain(value):
    """NumPy scalars as Python values, so labels print and serialise plainly."""
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------
# Coefficients for coded units (Gwet 2014 formulas for multiple raters)
# --------------------------------------------------------------------------


def chance_corrected(observed: float, expected: float) -> float:
    """(p_a - p_e) / (1 - p_e); NaN where that is 0/0 (p_e = 1) or an input is undefined."""
    if math.isnan(observed) or math.isnan(expected) or math.isclose(expected, 1.0, abs_tol=1e-12):
        return math.nan
    return (observed - expected) / (1.0 - expected)


def observed_agreement(counts: np.ndarray) -> float:
    """Gwet's p_a from a units x categories count table; NaN without a pairable unit."""
    raters = counts.sum(axis=1)
    pairable = raters >= 2
    if not pairable.any():
        return math.nan
    agreeing_pairs = (counts[pairable] * (counts[pairable] - 1)).sum(axis=1)
    pairs = raters[pairable] * (raters[pairable] - 1)
    return float(np.mean(agreeing_pairs / pairs))


def category_prevalence(counts: np.ndarray) -> np.ndarray:
    """Gwet's pi_k: the mean share of each category over units rated at least once."""
    raters = counts.sum(axis=1)
    rated = raters >= 1
    if not rated.any():
        return np.full(counts.shape[1], math.nan)
    return (counts[rated] / raters[rated, None]).mean(axis=0)


def percent_agreement(ratings) -> float:
    """Share of agreeing rater pairs within a unit, averaged over units rated by two or more.

    >>> percent_agreement([[1, 1], [1, 0], [0, 0], [0, None]])
    0.6666666666666666
    """
    return observed_agreement(encode_ratings(ratings).counts())


def expected_scott(prevalence: np.ndarray) -> float:
    """Scott's and Fleiss' chance agreement: p_e = sum_k pi_k^2."""
    return float(np.sum(prevalence**2))


def expected_ac1(prevalence: np.ndarray) -> float:
    """Gwet's AC1 chance agreement: p_e = sum_k pi_k (1 - pi_k) / (q - 1); NaN when q < 2."""
    q = len(prevalence)
    return float(np.sum(prevalence * (1 - prevalence)) / (q - 1)) if q >= 2 else math.nan


def expected_free_marginal(q: int) -> float:
    """Brennan-Prediger's chance agreement: p_e = 1/q; NaN when q < 2."""
    return 1.0 / q if q >= 2 else math.nan


def fleiss_kappa(ratings, categories: Sequence | None = None) -> float:
    """Fleiss' kappa (the multi-rater Scott's pi)."""
    counts = encode_ratings(ratings, categories).counts()
    return chance_corrected(observed_agreement(counts), expected_scott(category_prevalence(counts)))


def gwet_ac1(ratings, categories: Sequence | None = None) -> float:
    """Gwet's AC1; q is the number of categories."""
    counts = encode_ratings(ratings, categories).counts()
    return chance_corrected(observed_agreement(counts), expected_ac1(category_prevalence(counts)))


def brennan_prediger(ratings, categories: Sequence | None = None) -> float:
    """Brennan-Prediger's kappa (Bennett's S, Randolph's free-marginal kappa)."""
    counts = encode_ratings(ratings, categories).counts()
    return chance_corrected(observed_agreement(counts), expected_free_marginal(counts.shape[1]))


def scott_pi(ratings, categories: Sequence | None = None) -> float:
    """Scott's pi for exactly two raters, on the units both rated."""
    coded = encode_ratings(ratings, categories)
    pairs = CodedRatings(coded.complete_pairs(), coded.categories).counts()
    return chance_corrected(observed_agreement(pairs), expected_scott(category_prevalence(pairs)))


def cohen_kappa(
    ratings, categories: Sequence | None = None, weighted: str | None = None
) -> float:
    """Cohen's kappa for exactly two raters, on the units both rated.

    ``weighted`` is None, "linear" or "quadratic"; weights follow the order of
    ``categories``.
    """
    coded = encode_ratings(ratings, categories)
    pairs = coded.complete_pairs()
    q = len(coded.categories)
    table = np.bincount(pairs[:, 0] * q + pairs[:, 1], minlength=q * q).reshape(q, q)
    return cohen_kappa_from_table(table, weighted)


def cohen_kappa_from_table(table, weighted: str | None = None) -> float:
    """Cohen's kappa from a q x q contingency table (rows: first rater, columns: second), by
    scikit-learn's ``cohen_kappa_score`` with each cell's count as the weight of its pair of labels.

    scikit-learn is imported here (the CLI starts without it); the app's server imports it when it
    starts (``study.app.preload``), so a page's first render does not pay for it.
    """
    if weighted not in KAPPA_WEIGHTS:
        raise ValueError(f"weighted must be one of {KAPPA_WEIGHTS}, got {weighted!r}")
    confusion = np.asarray(table, dtype=np.float64)
    first_used = np.flatnonzero(confusion.sum(axis=1))
    second_used = np.flatnonzero(confusion.sum(axis=0))
    one_shared_category = len(first_used) == 1 and np.array_equal(first_used, second_used)
    if confusion.sum() == 0 or one_shared_category:  # p_e = 1: kappa is 0/0
        return math.nan
    from sklearn.metrics import cohen_kappa_score

    labels = np.arange(confusion.shape[0])
    first, second = np.meshgrid(labels, labels, indexing="ij")
    return float(cohen_kappa_score(first.ravel(), second.ravel(), labels=labels, weights=weighted,
                                   sample_weight=confusion.ravel()))


def conger_kappa(ratings, categories: Sequence | None = None) -> float:
    """Conger's (1980) multi-rater generalisation of Cohen's kappa, as in Gwet (2014).

    p_e = sum_k (mean_g p_gk)^2 - var_g(p_gk) / r, where p_gk is the share of
    rater g's ratings in category k. Raters who rated nothing are left out.
    """
    coded = encode_ratings(ratings, categories)
    codes = coded.codes[:, (coded.codes >= 0).any(axis=0)]
    raters = codes.shape[1]
    if raters < 2:
        return math.nan
    q = len(coded.categories)
    per_rater = np.stack([np.bincount(column[column >= 0], minlength=q) for column in codes.T])
    shares = per_rater / per_rater.sum(axis=1, keepdims=True)
    expected = float(np.sum(shares.mean(axis=0) ** 2 - shares.var(axis=0, ddof=1) / raters))
    return chance_corrected(observed_agreement(coded.counts()), expected)


def krippendorff_alpha(ratings, level: str = "nominal", value_domain: Sequence | None = None) -> float:
    """Krippendorff's alpha at a level of measurement (the ``krippendorff`` package).

    ``value_domain`` lists the possible values in order; ordinal string labels
    need it. Units with fewer than two ratings are not pairable and are ignored.
    """
    value_counts, domain = encode_for_alpha(ratings, level, value_domain)
    return alpha_from_value_counts(value_counts, domain, level)


def encode_for_alpha(ratings, level: str, value_domain: Sequence | None = None):
    """Units x values counts, and the value domain alpha's distance uses at ``level``.

    Interval and ratio distances work on the numbers themselves; nominal and
    ordinal ones only on the order of the values, so those get ranks.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    coded = encode_ratings(ratings, value_domain)
    numeric = all(_is_number(label) for label in coded.categories)
    if level in ("interval", "ratio") and not numeric:
        raise ValueError(f"{level} alpha needs numeric ratings, got {list(coded.categories)}")
    if level == "ordinal" and value_domain is None and not numeric:
        raise ValueError("ordinal alpha on text labels needs value_domain, the labels in order")
    domain = coded.categories if level in ("interval", "ratio") else range(len(coded.categories))
    return coded.counts(), domain


def alpha_from_value_counts(value_counts: np.ndarray, value_domain, metric) -> float:
    """Alpha from a units x values count table; NaN without two distinct pairable values.

    ``metric`` is a level name or a ``krippendorff`` distance callable.
    """
    pairable = value_counts[value_counts.sum(axis=1) >= 2]
    if np.count_nonzero(pairable.sum(axis=0)) < 2:  # no variation: D_e = 0
        return math.nan
    return float(
        krippendorff.alpha(
            value_counts=pairable, value_domain=np.asarray(value_domain, dtype=float),
            level_of_measurement=metric,
        )
    )


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --------------------------------------------------------------------------
# Binary fast path: one code, many units
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitTypes:
    """Binary units grouped by type: ``raters`` rated the unit, ``ones`` of them applied the code.

    ``counts[t]`` units are of type t. The types are sufficient statistics for
    every rater-exchangeable coefficient, and there are at most raters^2 of them.
    """

    raters: np.ndarray
    ones: np.ndarray
    counts: np.ndarray


@dataclass(frozen=True)
class BinaryCodeStats:
    """Agreement on one binary code; NaN marks an undefined coefficient."""

    alpha: float
    fleiss_kappa: float
    gwet_ac1: float
    brennan_prediger: float
    percent_agreement: float
    pairable_units: int


def binary_unit_types(ones, n) -> UnitTypes:
    """Group units by (raters who rated it, raters who applied the code)."""
    ones = np.asarray(ones, dtype=np.int64).ravel()
    n = np.asarray(n, dtype=np.int64).ravel()
    if ones.shape != n.shape:
        raise ValueError(f"ones and n differ in length: {ones.size} and {n.size}")
    if ((ones < 0) | (ones > n)).any():
        raise ValueError("every unit needs 0 <= ones <= n")
    width = int(n.max(initial=0)) + 1
    counts = np.bincount(n * width + ones, minlength=width * width)
    present = np.flatnonzero(counts)
    return UnitTypes(raters=present // width, ones=present % width, counts=counts[present])


def histogram_unit_types(histogram) -> UnitTypes:
    """The unit types of a code when every one of n raters rated every unit: ``histogram[k]`` units
    had k of them apply it (n = len(histogram) - 1). Equals ``binary_unit_types`` of those units.

    >>> histogram_unit_types([3, 0, 1]).counts.tolist()
    [3, 1]
    """
    histogram = np.asarray(histogram, dtype=np.int64)
    present = np.flatnonzero(histogram)
    return UnitTypes(raters=np.full(present.size, histogram.size - 1, dtype=np.int64), ones=present,
                     counts=histogram[present])


def binary_code_stats(ones, n) -> BinaryCodeStats:
    """All rater-exchangeable coefficients of one binary code, from per-unit tallies.

    ``n[u]`` raters rated unit u and ``ones[u]`` of them applied the code. The
    results equal the general functions with ``categories=[0, 1]``.

    >>> binary_code_stats(ones=[1, 0, 0, 2], n=[2, 2, 2, 2]).percent_agreement
    0.75
    """
    return binary_type_stats(binary_unit_types(ones, n))


def binary_type_stats(types: UnitTypes) -> BinaryCodeStats:
    """``binary_code_stats`` of units grouped by type."""
    agreement = binary_observed_agreement(types)
    applied = binary_prevalence(types)
    prevalence = np.array([1 - applied, applied])
    return BinaryCodeStats(
        alpha=float(binary_alpha(types)),
        fleiss_kappa=chance_corrected(agreement, expected_scott(prevalence)),
        gwet_ac1=chance_corrected(agreement, expected_ac1(prevalence)),
        brennan_prediger=chance_corrected(agreement, expected_free_marginal(2)),
        percent_agreement=agreement,
        pairable_units=int(types.counts[types.raters >= 2].sum()),
    )


def binary_observed_agreement(types: UnitTypes) -> float:
    """Gwet's p_a for a binary code from its unit types."""
    pairable = types.raters >= 2
    units = types.counts[pairable].sum()
    if units == 0:
        return math.nan
    n, k = types.raters[pairable], types.ones[pairable]
    per_unit = (k * (k - 1) + (n - k) * (n - k - 1)) / (n * (n - 1))
    return float(types.counts[pairable] @ per_unit / units)


def binary_prevalence(types: UnitTypes) -> float:
    """Gwet's pi for the code (share of ones per unit, over units rated at least once)."""
    rated = types.raters >= 1
    units = types.counts[rated].sum()
    if units == 0:
        return math.nan
    return float(types.counts[rated] @ (types.ones[rated] / types.raters[rated]) / units)


def binary_alpha(types: UnitTypes, counts: np.ndarray | None = None):
    """Nominal alpha of a binary code from unit types, vectorised over ``counts``.

    ``counts`` (default ``types.counts``) may carry leading axes, e.g. one row per
    bootstrap replicate; the result has those axes. With n.. pairable values, n_1
    ones and n_0 zeros: alpha = 1 - (n.. - 1) sum_u k(m - k)/(m - 1) / (n_0 n_1).
    """
    counts = types.counts if counts is None else np.asarray(counts)
    pairable = types.raters >= 2
    m, k = types.raters[pairable], types.ones[pairable]
    weights = counts[..., pairable].astype(float)
    values = weights @ m  # sums of whole numbers: exact in any order
    ones = weights @ k
    disagreement = np.zeros(weights.shape[:-1])
    for t, per_unit in enumerate(k * (m - k) / (m - 1)):  # type by type, so that a row's alpha is the same bits
        disagreement = disagreement + weights[..., t] * per_unit  # whether alone, among many or beside empty types
    variation = ones * (values - ones)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (values - 1) * disagreement / variation
    return np.where(variation > 0, alpha, math.nan)
