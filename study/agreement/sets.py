"""Agreement on set-valued codings (several codes per unit and rater): MASI and its
variants as distances for Krippendorff's alpha, and Krippendorff & Craggs' mv-alpha."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from .coefficients import alpha_from_value_counts

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


