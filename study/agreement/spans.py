"""Agreement on spans of a continuum: Krippendorff's unitizing alpha (1995) and
Mathet et al.'s gamma."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Hashable, Iterable

import numpy as np


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
    by_category: dict[Hashable, list[Span]] = {}
    for span in spans:
        by_category.setdefault(span.category, []).append(span)
    results = {}
    for category in sorted(by_category, key=str):
        chosen = by_category[category]
        partitions = [_sections(chosen, rater, begin, length) for rater in range(raters)]
        observed = _unitizing_observed(chosen, partitions, length, raters)
        expected = _unitizing_expected(chosen, partitions, length, raters)
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


def _unitizing_observed(spans: list[Span], partitions: list[list[tuple[int, int, bool]]], length: int,
                        raters: int) -> float:
    arrays = [_section_arrays(sections) for sections in partitions]
    total = 0
    for r1, r2 in itertools.combinations(range(raters), 2):
        total += _pair_disagreement_swept(arrays[r1], arrays[r2]) if _sweepable(arrays[r1], arrays[r2]) else \
            _pair_disagreement(partitions[r1], partitions[r2], last_span_start=_last_span_start(spans, r1, r2))
    return 2 * total / (raters * (raters - 1) * length * length)


def _section_arrays(sections: list[tuple[int, int, bool]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A partition as arrays: offsets, lengths, is_span."""
    if not sections:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    offsets, lengths, is_span = zip(*sections)
    return np.array(offsets, dtype=np.int64), np.array(lengths, dtype=np.int64), np.array(is_span, dtype=bool)


def _sweepable(first, second) -> bool:
    """Whether ``_pair_disagreement_swept`` gives ``_pair_disagreement``'s sum: sections of positive
    length both partitions end together (then DKPro's sweep visits exactly the overlapping pairs,
    and the pairs after its stop add nothing). Otherwise the sweep itself is run."""
    (o1, l1, _), (o2, l2, _) = first, second
    return (len(o1) > 0 and len(o2) > 0 and o1[0] == o2[0] and bool((l1 > 0).all()) and bool((l2 > 0).all())
            and o1[-1] + l1[-1] == o2[-1] + l2[-1])


def _pair_disagreement_swept(first, second) -> int:
    """``_pair_disagreement`` as array operations: the sum of ``_section_distance`` over every
    pair of overlapping sections of two partitions of the continuum."""
    (o1, l1, u1), (o2, l2, u2) = first, second
    low = np.searchsorted(o2 + l2, o1, side="right")  # the first section of the second ending after i starts
    counts = np.searchsorted(o2, o1 + l1, side="left") - low  # and how many start before i ends
    i = np.repeat(np.arange(len(o1)), counts)
    j = low[i] + np.arange(len(i)) - (np.cumsum(counts) - counts)[i]
    offset1, length1, span1, offset2, length2, span2 = o1[i], l1[i], u1[i], o2[j], l2[j], u2[j]
    begin_diff, length_diff = offset1 - offset2, length1 - length2
    terms = np.where(span1 & span2 & (-length1 < begin_diff) & (begin_diff < length2),
                     begin_diff ** 2 + (begin_diff + length_diff) ** 2, 0)
    terms += np.where(span1 & ~span2 & (0 <= begin_diff) & (begin_diff <= -length_diff), length1 * length1, 0)
    terms += np.where(span2 & ~span1 & (-length_diff <= begin_diff) & (begin_diff <= 0), length2 * length2, 0)
    return sum(terms.tolist())  # Python integers: exact, whatever the continuum's length


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


def _unitizing_expected(spans: list[Span], partitions: list[list[tuple[int, int, bool]]], length: int,
                        raters: int) -> float:
    gaps = np.sort(np.array([size for sections in partitions for _, size, is_span in sections if not is_span],
                            dtype=np.int64))
    sizes = np.array([span.length for span in spans], dtype=np.int64)
    # per span, the sum over the gaps at least its size of (gap - size + 1): sorted gaps and their sums from the top
    above = np.searchsorted(gaps, sizes, side="left")
    from_top = np.concatenate([np.cumsum(gaps[::-1])[::-1], np.zeros(1, dtype=np.int64)])
    fits = (from_top[above] - (sizes - 1) * (len(gaps) - above)).tolist()
    count = len(spans)
    cubes = sum(2 * size ** 3 - 3 * size ** 2 + size for size in sizes.tolist())  # Python integers: exact
    total = Fraction((count - 1) * cubes, 3) + sum(size * size * fit for size, fit in zip(sizes.tolist(), fits))
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

