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
code at scale, alpha for set-valued codings (MASI and its variants, mv-alpha) and
the span-based measures (Krippendorff's unitizing alpha, Mathet's gamma).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Hashable, Iterable, Sequence

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

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
    """Cohen's kappa for exactly two raters, on the units both rated (scikit-learn).

    ``weighted`` is None, "linear" or "quadratic"; weights follow the order of
    ``categories``.
    """
    coded = encode_ratings(ratings, categories)
    pairs = coded.complete_pairs()
    q = len(coded.categories)
    table = np.bincount(pairs[:, 0] * q + pairs[:, 1], minlength=q * q).reshape(q, q)
    return cohen_kappa_from_table(table, weighted)


def cohen_kappa_from_table(table, weighted: str | None = None) -> float:
    """Cohen's kappa from a q x q contingency table (rows: first rater, columns: second)."""
    if weighted not in KAPPA_WEIGHTS:
        raise ValueError(f"weighted must be one of {KAPPA_WEIGHTS}, got {weighted!r}")
    table = np.asarray(table)
    first_used = np.flatnonzero(table.sum(axis=1))
    second_used = np.flatnonzero(table.sum(axis=0))
    one_shared_category = len(first_used) == 1 and np.array_equal(first_used, second_used)
    if table.sum() == 0 or one_shared_category:  # p_e = 1: kappa is 0/0
        return math.nan
    labels = np.arange(table.shape[0])
    first, second = np.meshgrid(labels, labels, indexing="ij")
    return float(
        cohen_kappa_score(
            first.ravel(), second.ravel(), labels=labels, weights=weighted,
            sample_weight=table.ravel(),
        )
    )


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


def binary_code_stats(ones, n) -> BinaryCodeStats:
    """All rater-exchangeable coefficients of one binary code, from per-unit tallies.

    ``n[u]`` raters rated unit u and ``ones[u]`` of them applied the code. The
    results equal the general functions with ``categories=[0, 1]``.

    >>> binary_code_stats(ones=[1, 0, 0, 2], n=[2, 2, 2, 2]).percent_agreement
    0.75
    """
    types = binary_unit_types(ones, n)
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
    values = weights @ m
    ones = weights @ k
    disagreement = weights @ (k * (m - k) / (m - 1))
    variation = ones * (values - ones)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (values - 1) * disagreement / variation
    return np.where(variation > 0, alpha, math.nan)


# --------------------------------------------------------------------------
# Set-valued codings: several codes per unit and rater
# --------------------------------------------------------------------------


def masi_distance(a: Iterable, b: Iterable) -> float:
    """Passonneau's (2006) MASI distance (NLTK's definition); two empty sets are identical.

    >>> round(masi_distance({1, 2}, {1, 2, 3, 4}), 4)
    0.6667
    """
    from nltk.metrics.distance import masi_distance as nltk_masi_distance

    a, b = frozenset(a), frozenset(b)
    if not a and not b:  # NLTK divides by the empty union here
        return 0.0
    return float(nltk_masi_distance(a, b))


def passonneau_set_distance(a: Iterable, b: Iterable) -> float:
    """Passonneau's (2004) set distance: 0 equal, 1/3 subset, 2/3 overlap, 1 disjoint."""
    a, b = frozenset(a), frozenset(b)
    if a == b:
        return 0.0
    if a <= b or b <= a:
        return 1 / 3
    return 2 / 3 if a & b else 1.0


def dkpro_masi_distance(a: Iterable, b: Iterable) -> float:
    """DKPro Statistics' "MASI": Jaccard distance x Passonneau's (2004) set distance.

    Not Passonneau's (2006) MASI (see ``masi_distance``); kept to compare with
    DKPro's results.
    """
    a, b = frozenset(a), frozenset(b)
    union = a | b
    jaccard = 1 - len(a & b) / len(union) if union else 1.0
    return jaccard * passonneau_set_distance(a, b)


SET_DISTANCES: dict[str, Callable[[Iterable, Iterable], float]] = {
    "masi": masi_distance,
    "passonneau2004": passonneau_set_distance,
    "dkpro_masi": dkpro_masi_distance,
}


def set_alpha(ratings, distance: str = "masi") -> float:
    """Krippendorff's alpha over set-valued cells with a set distance (``SET_DISTANCES``).

    Each cell is a collection of codes (empty = rated, no code) or None (missing).
    """
    if distance not in SET_DISTANCES:
        raise ValueError(f"distance must be one of {sorted(SET_DISTANCES)}, got {distance!r}")
    rows = _set_rows(ratings)
    values = sorted({cell for row in rows for cell in row if cell is not None}, key=_set_key)
    index = {value: i for i, value in enumerate(values)}
    value_counts = np.zeros((len(rows), len(values)), dtype=np.int64)
    for unit, row in enumerate(rows):
        for cell in row:
            if cell is not None:
                value_counts[unit, index[cell]] += 1
    measure = SET_DISTANCES[distance]
    distances = np.array([[measure(a, b) for b in values] for a in values])
    return alpha_from_value_counts(value_counts, range(len(values)), _matrix_metric(distances))


def _matrix_metric(distances: np.ndarray):
    """A ``krippendorff`` distance callable that looks values up by index."""

    def metric(v1, v2, i1, i2, n_v, dtype=np.float64):
        return distances[i1, i2].astype(dtype)

    return metric


def _set_rows(ratings) -> list[list[frozenset | None]]:
    if isinstance(ratings, pd.DataFrame):
        ratings = ratings.to_numpy(dtype=object).tolist()
    return [[_set_cell(cell) for cell in row] for row in ratings]


def _set_cell(cell) -> frozenset | None:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    if isinstance(cell, (str, bytes)):
        raise ValueError(f"set-valued cells must be collections of codes, got {cell!r}")
    return frozenset(cell)


def _set_key(value: frozenset):
    return (len(value), sorted(map(str, value)))


def mv_alpha(ratings, max_label_combinations: int = 10**7) -> float:
    """Krippendorff & Craggs' (2016) multi-valued alpha, nominal, as in R mvalpha 0.6.

    Cells are sets of codes (empty = rated, no code) or None. The observed
    disagreement uses the Dice distance between the sets two observers gave a unit;
    the expected one draws sets of each observed size from the pooled label counts.
    Cost grows with C(labels, size)^2, bounded by ``max_label_combinations``.
    """
    units = [
        [cell for cell in row if cell is not None]
        for row in _set_rows(ratings)
    ]
    units = [cells for cells in units if len(cells) >= 2]
    if not units:
        return math.nan
    observed = _mv_observed_disagreement(units)
    expected = _mv_expected_disagreement(units, max_label_combinations)
    if expected == 0:
        return math.nan
    return 1 - observed / expected


def _dice_distance(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 0.0
    return 1 - 2 * len(a & b) / (len(a) + len(b))


def _mv_observed_disagreement(units: list[list[frozenset]]) -> float:
    total = 0.0
    for cells in units:
        for i, a in enumerate(cells):
            for j, b in enumerate(cells):
                if i != j:
                    total += _dice_distance(a, b) / (len(cells) - 1)
    return total / sum(len(cells) for cells in units)


def _mv_expected_disagreement(units: list[list[frozenset]], max_label_combinations: int) -> float:
    values = [cell for cells in units for cell in cells]
    label_counts = Counter(label for value in values for label in value)
    labels = sorted(label_counts, key=str)
    size_share = {
        size: count / len(values) for size, count in Counter(map(len, values)).items()
    }
    sizes = sorted(size_share)
    work = sum(math.comb(len(labels), s) * math.comb(len(labels), t) for s in sizes for t in sizes)
    if work > max_label_combinations:
        raise ValueError(f"mv-alpha would compare {work} label-set pairs; too many labels")
    expected = 0.0
    for s, t in itertools.combinations_with_replacement(sizes, 2):
        both_orders = 1 if s == t else 2
        expected += size_share[s] * size_share[t] * both_orders * _mv_mean_distance(
            labels, label_counts, s, t
        )
    return expected


def _mv_mean_distance(labels: list, label_counts: Counter, s: int, t: int) -> float:
    """Mean Dice distance between label sets of sizes s and t drawn from the label pool."""
    weighted, weights = 0.0, 0.0
    for first in itertools.combinations(labels, s):
        c = frozenset(first)
        for second in itertools.combinations(labels, t):
            k = frozenset(second)
            weight = math.prod(label_counts[x] for x in c)
            weight *= math.prod(label_counts[x] for x in k - c)
            weight *= math.prod(label_counts[x] - 1 for x in k & c)
            weighted += weight * _dice_distance(c, k)
            weights += weight
    return weighted / weights if weights else 0.0


# --------------------------------------------------------------------------
# Spans on a continuum: Krippendorff's unitizing alpha, Mathet's gamma
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A stretch [begin, begin + length) of the continuum that a rater marked with a category."""

    begin: int
    length: int
    rater: int
    category: Hashable


@dataclass(frozen=True)
class UnitizingResult:
    """Krippendorff's (1995) unitizing disagreements and alpha for one category."""

    observed: float
    expected: float
    alpha: float


def unitizing_alpha(
    spans: Iterable[Span], begin: int, length: int, raters: int
) -> dict[Hashable, UnitizingResult]:
    """Krippendorff's (1995) alpha_u per category, ported from DKPro Statistics.

    Positions are integers; a rater's spans of one category must not overlap.
    """
    spans = sorted(spans, key=lambda span: (span.begin, span.length, span.rater))
    results = {}
    for category in sorted({span.category for span in spans}, key=str):
        chosen = [span for span in spans if span.category == category]
        observed = _unitizing_observed(chosen, begin, length, raters)
        expected = _unitizing_expected(chosen, begin, length, raters)
        alpha = 1 - observed / expected if expected else math.nan
        results[category] = UnitizingResult(observed, expected, alpha)
    return results


def _sections(spans: list[Span], rater: int, begin: int, length: int) -> list[tuple[int, int, bool]]:
    """A rater's partition of the continuum: (offset, length, is_span) in order."""
    sections, position = [], begin
    for span in (s for s in spans if s.rater == rater):
        if span.begin < position:
            raise ValueError(f"rater {rater}'s spans of {span.category!r} overlap at {span.begin}")
        if span.begin > position:
            sections.append((position, span.begin - position, False))
        sections.append((span.begin, span.length, True))
        position = span.begin + span.length
    if position < begin + length:
        sections.append((position, begin + length - position, False))
    return sections


def _unitizing_observed(spans: list[Span], begin: int, length: int, raters: int) -> float:
    total = 0
    for r1, r2 in itertools.combinations(range(raters), 2):
        total += _pair_disagreement(
            _sections(spans, r1, begin, length), _sections(spans, r2, begin, length),
            last_span_start=_last_span_start(spans, r1, r2),
        )
    return 2 * total / (raters * (raters - 1) * length * length)


def _last_span_start(spans: list[Span], *raters: int) -> int:
    starts = [span.begin for span in spans if span.rater in raters]
    return max(starts, default=-1)


def _pair_disagreement(first, second, last_span_start: int) -> int:
    """Sum of section distances while sweeping both partitions, as DKPro does.

    DKPro stops sweeping once both raters' last spans have started; later section
    pairs contribute nothing anyway.
    """
    total, i, j = 0, 0, 0
    while i < len(first) and j < len(second):
        (o1, l1, unit1), (o2, l2, unit2) = first[i], second[j]
        total += _section_distance(o1, l1, unit1, o2, l2, unit2)
        if max(o1, o2) >= last_span_start:
            break
        end1, end2 = o1 + l1, o2 + l2
        i, j = i + (end1 <= end2), j + (end2 <= end1)
    return total


def _section_distance(o1, l1, unit1, o2, l2, unit2) -> int:
    begin_diff, length_diff = o1 - o2, l1 - l2
    if unit1 and unit2 and -l1 < begin_diff < l2:
        return begin_diff**2 + (begin_diff + length_diff) ** 2
    if unit1 and not unit2 and 0 <= begin_diff <= -length_diff:
        return l1 * l1
    if unit2 and not unit1 and -length_diff <= begin_diff <= 0:
        return l2 * l2
    return 0


def _unitizing_expected(spans: list[Span], begin: int, length: int, raters: int) -> float:
    gaps = sorted(
        (
            section_length
            for rater in range(raters)
            for _, section_length, is_span in _sections(spans, rater, begin, length)
            if not is_span
        ),
        reverse=True,
    )
    count = len(spans)
    total = Fraction(0)
    for span in spans:
        size = span.length
        total += Fraction((count - 1) * (2 * size**3 - 3 * size**2 + size), 3)
        total += size * size * sum(gap - size + 1 for gap in gaps if gap >= size)
    within_spans = sum(span.length * (span.length - 1) for span in spans)
    denominator = raters * length * (raters * length - 1) - within_spans
    return float(total * 2 / length / denominator)


def digitize_spans(
    spans: Iterable[Span], begin: int, length: int, raters: int, category
) -> np.ndarray:
    """Positions x raters table of 0/1: whether each rater's spans of ``category`` cover it."""
    table = np.zeros((length, raters), dtype=np.int64)
    for span in spans:
        if span.category == category:
            table[span.begin - begin : span.begin - begin + span.length, span.rater] = 1
    return table


@dataclass(frozen=True)
class Annotation:
    """An annotator's unit [start, end) with a category, for gamma."""

    annotator: Hashable
    start: float
    end: float
    category: Hashable


@dataclass(frozen=True)
class GammaResult:
    """Mathet et al.'s (2015) gamma with its observed and (sampled) expected disorder."""

    observed_disorder: float
    expected_disorder: float
    gamma: float
    samples: int


def gamma_agreement(
    annotations: Iterable[Annotation], *, alpha: float = 1.0, beta: float = 1.0,
    delta_empty: float = 1.0, samples: int = 30, seed: int = 12345,
) -> GammaResult:
    """Mathet, Widlöcher & Métivier's (2015) gamma for two annotators.

    Dissimilarity = alpha x positional + beta x categorical (0/1); an unaligned unit
    costs ``delta_empty``. The expected disorder is the mean best-alignment disorder
    of ``samples`` continua drawn like pygamma-agreement's statistical sampler
    (normal numbers of units, gaps and durations; categories by frequency).
    """
    annotations = list(annotations)
    annotators = sorted({a.annotator for a in annotations}, key=str)
    if len(annotators) != 2:
        raise ValueError(f"gamma is implemented for two annotators, got {len(annotators)}")
    dissimilarity = _GammaDissimilarity(alpha, beta, delta_empty)
    observed = dissimilarity.best_alignment_disorder(annotations, annotators)
    rng = np.random.default_rng(seed)
    sampler = _StatisticalContinuumSampler(annotations, annotators)
    expected = float(
        np.mean([
            dissimilarity.best_alignment_disorder(sampler.sample(rng), annotators)
            for _ in range(samples)
        ])
    )
    gamma = 1 - observed / expected if expected else math.nan
    return GammaResult(observed, expected, gamma, samples)


@dataclass(frozen=True)
class _GammaDissimilarity:
    alpha: float
    beta: float
    delta_empty: float

    def between(self, u: Annotation, v: Annotation) -> float:
        position = (abs(u.start - v.start) + abs(u.end - v.end)) / (
            (u.end - u.start) + (v.end - v.start)
        )
        categorical = 0.0 if u.category == v.category else 1.0
        return (self.alpha * position**2 + self.beta * categorical) * self.delta_empty

    def best_alignment_disorder(self, annotations: list[Annotation], annotators: list) -> float:
        """Least total disorder of an alignment (pairs, or a unit with nothing) per mean unit count.

        For two annotators that is an assignment problem: unit i of the first may take
        unit j of the second or its own "nothing" slot (cost delta_empty), and so may j.
        """
        from scipy.optimize import linear_sum_assignment

        first = [a for a in annotations if a.annotator == annotators[0]]
        second = [a for a in annotations if a.annotator == annotators[1]]
        size = len(first) + len(second)
        cost = np.full((size, size), np.inf)
        cost[: len(first), : len(second)] = [[self.between(u, v) for v in second] for u in first]
        cost[: len(first), len(second):][np.diag_indices(len(first))] = self.delta_empty
        cost[len(first):, : len(second)][np.diag_indices(len(second))] = self.delta_empty
        cost[len(first):, len(second):] = 0.0
        rows, columns = linear_sum_assignment(cost)
        return float(cost[rows, columns].sum() / (size / 2))


class _StatisticalContinuumSampler:
    """Random continua with the reference's unit counts, gaps, durations and categories."""

    def __init__(self, annotations: list[Annotation], annotators: list):
        by_annotator = [
            sorted((a for a in annotations if a.annotator == name), key=lambda a: (a.start, a.end))
            for name in annotators
        ]
        gaps = [b.start - a.end for units in by_annotator for a, b in zip(units, units[1:])]
        gaps += [units[0].start for units in by_annotator if units and units[0].start > 0]
        counts = Counter(a.category for a in annotations)
        self.annotators = annotators
        self.unit_count = _mean_and_sd([len(units) for units in by_annotator])
        self.gap = _mean_and_sd(gaps or [0.0])
        self.duration = _mean_and_sd([a.end - a.start for a in annotations])
        self.categories = list(counts)
        self.weights = np.array([counts[c] for c in self.categories]) / len(annotations)

    def sample(self, rng: np.random.Generator) -> list[Annotation]:
        sampled = []
        for name in self.annotators:
            last = 0.0
            for _ in range(max(1, int(rng.normal(*self.unit_count)))):
                start = last + rng.normal(*self.gap)
                duration = abs(rng.normal(*self.duration))
                while duration <= 0:
                    duration = abs(rng.normal(*self.duration))
                category = self.categories[rng.choice(len(self.categories), p=self.weights)]
                sampled.append(Annotation(name, start, start + duration, category))
                last = start + duration
        return sampled


def _mean_and_sd(values: list[float]) -> tuple[float, float]:
    return float(np.mean(values)), float(np.std(values))
