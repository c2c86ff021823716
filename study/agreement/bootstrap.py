"""Bootstrap confidence intervals for Krippendorff's alpha, resampling units.

Hayes & Krippendorff (2007) report, besides the interval, q: the probability
that alpha falls below a threshold such as .667 or .800. Both are computed here
from the alphas of resampled data sets; replicates whose alpha is undefined (no
variation left) are dropped and counted. Units rated by fewer than two raters
carry no information for alpha and are left out before resampling.

Krippendorff's KALPHA macro resamples pairs of values instead of units; that
variant is not implemented.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from study.agreement.coefficients import (
    UnitTypes,
    alpha_from_value_counts,
    binary_alpha,
    binary_unit_types,
    encode_for_alpha,
)

DEFAULT_REPLICATES = 1000
DEFAULT_SEED = 12345
DEFAULT_THRESHOLDS = (0.667, 0.800)


@dataclass(frozen=True)
class BootstrapResult:
    """Percentile 95% interval and q = P(alpha < threshold) over the defined replicates."""

    ci_low: float
    ci_high: float
    q: dict[float, float]
    replicates: int
    undefined: int


def alpha_bootstrap(
    ones, n, *, replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> BootstrapResult:
    """Bootstrap nominal alpha of one binary code from per-unit tallies.

    ``n[u]`` raters rated unit u and ``ones[u]`` applied the code. A unit is fully
    described by its (n, ones) type, so drawing N units with replacement is one
    multinomial draw over the type counts, and alpha follows from those counts.
    """
    return alpha_bootstrap_types(binary_unit_types(ones, n), replicates=replicates, seed=seed,
                                 thresholds=thresholds)


def alpha_bootstrap_types(
    types: UnitTypes, *, replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> BootstrapResult:
    """``alpha_bootstrap`` of units grouped by type (``coefficients.UnitTypes``)."""
    pairable = types.raters >= 2
    counts = types.counts[pairable]
    units = int(counts.sum())
    if units == 0:
        return summarise_replicates(np.full(replicates, math.nan), thresholds)
    rng = np.random.default_rng(seed)
    draws = np.zeros((replicates, len(types.counts)), dtype=np.int64)
    draws[:, pairable] = rng.multinomial(units, counts / units, size=replicates)
    return summarise_replicates(binary_alpha(types, draws), thresholds)


def alpha_bootstrap_table(
    ratings, level: str = "nominal", *, value_domain: Sequence | None = None,
    replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> BootstrapResult:
    """Bootstrap alpha of any units x raters table by resampling its pairable units."""
    value_counts, domain = encode_for_alpha(ratings, level, value_domain)
    value_counts = value_counts[value_counts.sum(axis=1) >= 2]
    rng = np.random.default_rng(seed)
    units = len(value_counts)
    alphas = np.full(replicates, math.nan)
    if units:
        for replicate in range(replicates):
            sample = value_counts[rng.integers(0, units, size=units)]
            alphas[replicate] = alpha_from_value_counts(sample, domain, level)
    return summarise_replicates(alphas, thresholds)


def summarise_replicates(alphas: np.ndarray, thresholds: Sequence[float]) -> BootstrapResult:
    """Interval and q from replicate alphas, NaN marking an undefined replicate."""
    defined = alphas[~np.isnan(alphas)]
    if defined.size == 0:
        low = high = math.nan
        q = {float(t): math.nan for t in thresholds}
    else:
        low, high = (float(x) for x in np.percentile(defined, [2.5, 97.5]))
        q = {float(t): float(np.mean(defined < t)) for t in thresholds}
    return BootstrapResult(
        ci_low=low, ci_high=high, q=q, replicates=int(alphas.size),
        undefined=int(alphas.size - defined.size),
    )
