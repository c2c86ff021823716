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


@dataclass(frozen=True)
class Stretches:
    """Spans held as arrays, one entry per span: what ``unitizing_alpha_of`` reads, with no object
    per span (a study's span agreement has hundreds of thousands)."""

    begin: np.ndarray  # int64
    length: np.ndarray  # int64
    rater: np.ndarray  # the rater's index
    category: np.ndarray  # the category's index in ``categories``
    categories: tuple

    @classmethod
    def of(cls, spans: Iterable[Span]) -> Stretches:
        spans = list(spans)
        categories = tuple(dict.fromkeys(span.category for span in spans))
        index = {category: n for n, category in enumerate(categories)}
        columns = ([s.begin, s.length, s.rater, index[s.category]] for s in spans)
        begin, length, rater, category = np.array(list(columns), dtype=np.int64).reshape(-1, 4).T
        return cls(begin, length, rater, category, categories)

    def take(self, chosen) -> Stretches:
        """The stretches ``chosen`` (an index array, a mask or a slice)."""
        return Stretches(self.begin[chosen], self.length[chosen], self.rater[chosen], self.category[chosen],
                         self.categories)


def unitizing_alpha(
    spans: Iterable[Span], begin: int, length: int, raters: int
) -> dict[Hashable, UnitizingResult]:
    """Krippendorff's (1995) alpha_u per category, ported from DKPro Statistics.

    Positions are integers; a rater's spans of one category must not overlap.
    """
    return unitizing_alpha_of(Stretches.of(spans), begin, length, raters)


def unitizing_alpha_of(stretches: Stretches, begin: int, length: int,
                       raters: int) -> dict[Hashable, UnitizingResult]:
    """``unitizing_alpha`` of spans held as arrays: per category that has spans, in the order of
    the categories' names."""
    ordered = _in_order(stretches)
    bounds = np.searchsorted(ordered.category, np.arange(len(ordered.categories) + 1)).tolist()
    results = {}
    for index in sorted(range(len(ordered.categories)), key=lambda n: str(ordered.categories[n])):
        if bounds[index] < bounds[index + 1]:
            chosen = ordered.take(slice(bounds[index], bounds[index + 1]))
            results[ordered.categories[index]] = _category_alpha(chosen, begin, length, raters)
    return results


def _in_order(stretches: Stretches) -> Stretches:
    """The stretches by category, rater, begin and length; not sorted again when they come so (as
    a study's united stretches do)."""
    keys = (stretches.length, stretches.begin, stretches.rater, stretches.category)  # the last first, as lexsort
    after = np.diff(keys[0]) >= 0
    for key in keys[1:]:
        step = np.diff(key)
        after = (step > 0) | ((step == 0) & after)
    return stretches if after.all() else stretches.take(np.lexsort(keys))


# A rater's partition of the continuum into sections, as arrays: offsets, lengths, is_span.
_Partition = tuple[np.ndarray, np.ndarray, np.ndarray]


def _category_alpha(chosen: Stretches, begin: int, length: int, raters: int) -> UnitizingResult:
    """alpha_u of one category's spans, sorted by rater, begin and length."""
    category = chosen.categories[chosen.category[0]]
    bounds = np.searchsorted(chosen.rater, np.arange(raters + 1)).tolist()
    partitions = [_partition(chosen.take(slice(bounds[rater], bounds[rater + 1])), begin, length, rater, category)
                  for rater in range(raters)]
    observed = _unitizing_observed(chosen, partitions, length, raters)
    expected = _unitizing_expected(chosen.length, partitions, length, raters)
    alpha = 1 - observed / expected if expected else math.nan
    return UnitizingResult(observed, expected, alpha)


def _partition(spans: Stretches, begin: int, length: int, rater: int, category) -> _Partition:
    """A rater's partition of the continuum by their spans (in order): each span a section, each
    gap of positive length between them, before the first and after the last a section too."""
    ends = spans.begin + spans.length
    previous = np.concatenate(([begin], ends)).astype(np.int64)[:-1]  # where each span's gap starts
    gaps = spans.begin - previous
    if (gaps < 0).any():
        raise ValueError(f"rater {rater}'s spans of {category!r} overlap at {spans.begin[np.argmax(gaps < 0)]}")
    offsets = np.column_stack((previous, spans.begin)).ravel()
    sizes = np.column_stack((gaps, spans.length)).ravel()
    is_span = np.tile(np.array([False, True]), len(gaps))
    last = int(ends[-1]) if len(ends) else begin
    if last < begin + length:
        offsets, sizes = np.append(offsets, last), np.append(sizes, begin + length - last)
        is_span = np.append(is_span, False)
    kept = is_span | (sizes > 0)
    return offsets[kept], sizes[kept], is_span[kept]


def _unitizing_observed(spans: Stretches, partitions: list[_Partition], length: int, raters: int) -> float:
    total = 0
    for r1, r2 in itertools.combinations(range(raters), 2):
        first, second = partitions[r1], partitions[r2]
        total += _pair_disagreement_swept(first, second) if _sweepable(first, second) else _pair_disagreement(
            _sections(first), _sections(second), last_span_start=_last_span_start(spans, r1, r2))
    return 2 * total / (raters * (raters - 1) * length * length)


def _sections(partition: _Partition) -> list[tuple[int, int, bool]]:
    """A partition as (offset, length, is_span) in order, for the sweep."""
    return list(zip(*(column.tolist() for column in partition)))


def _sweepable(first: _Partition, second: _Partition) -> bool:
    """Whether ``_pair_disagreement_swept`` gives ``_pair_disagreement``'s sum: sections of positive
    length both partitions end together (then DKPro's sweep visits exactly the overlapping pairs,
    and the pairs after its stop add nothing). Otherwise the sweep itself is run."""
    (o1, l1, _), (o2, l2, _) = first, second
    return (len(o1) > 0 and len(o2) > 0 and o1[0] == o2[0] and bool((l1 > 0).all()) and bool((l2 > 0).all())
            and o1[-1] + l1[-1] == o2[-1] + l2[-1])


def _pair_disagreement_swept(first: _Partition, second: _Partition) -> int:
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
    return _exact_sum(terms)


def _last_span_start(spans: Stretches, *raters: int) -> int:
    starts = spans.begin[np.isin(spans.rater, raters)]
    return int(starts.max()) if len(starts) else -1


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


def _unitizing_expected(sizes: np.ndarray, partitions: list[_Partition], length: int, raters: int) -> float:
    gaps = np.sort(np.concatenate([lengths[~is_span] for _, lengths, is_span in partitions]))
    # per span, the sum over the gaps at least its size of (gap - size + 1): sorted gaps and their sums from the top
    above = np.searchsorted(gaps, sizes, side="left")
    from_top = np.concatenate([np.cumsum(gaps[::-1])[::-1], np.zeros(1, dtype=np.int64)])
    fits = from_top[above] - (sizes - 1) * (len(gaps) - above)
    count, largest = len(sizes), int(sizes.max())
    size, fit = _exact(count * largest ** 2 * (3 * largest + int(fits.max()) + 1), sizes, fits)
    cubes = int((2 * size ** 3 - 3 * size ** 2 + size).sum())
    total = Fraction((count - 1) * cubes, 3) + int((size * size * fit).sum())
    within_spans = int((size * (size - 1)).sum())
    denominator = raters * length * (raters * length - 1) - within_spans
    return float(total * 2 / length / denominator)


def _exact(bound: int, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """``arrays`` as they are (int64) when no figure computed from them exceeds ``bound``, else as
    arrays of Python integers: exact either way, fast on every continuum but a huge one."""
    return arrays if bound < 2 ** 63 else tuple(array.astype(object) for array in arrays)


def _exact_sum(terms: np.ndarray) -> int:
    """The sum of int64 ``terms``, exact whatever their count and size."""
    if len(terms) * int(np.abs(terms).max(initial=0)) < 2 ** 63:
        return int(terms.sum())
    return sum(terms.tolist())


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

