"""Krippendorff's unitizing alpha computed with array operations (``spans.unitizing_alpha``: the
overlapping sections of each pair of raters at once, the expected disagreement from sorted gaps)
equals DKPro's section-by-section sweep, figure for figure, on random continua: two to six raters,
spans touching, nested in gaps, at both ends, of length zero and reaching past the continuum."""
from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest

from study.agreement.spans import Span, unitizing_alpha


def _sections(spans: list[Span], rater: int, begin: int, length: int) -> list[tuple[int, int, bool]]:
    """A rater's partition of the continuum: (offset, length, is_span) in order (DKPro's, as it was)."""
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


def _pair_disagreement(first, second, last_span_start: int) -> int:
    """DKPro's sweep of two partitions, section by section, stopped once both raters' last spans started."""
    total, i, j = 0, 0, 0
    while i < len(first) and j < len(second):
        (o1, l1, unit1), (o2, l2, unit2) = first[i], second[j]
        begin_diff, length_diff = o1 - o2, l1 - l2
        if unit1 and unit2 and -l1 < begin_diff < l2:
            total += begin_diff ** 2 + (begin_diff + length_diff) ** 2
        elif unit1 and not unit2 and 0 <= begin_diff <= -length_diff:
            total += l1 * l1
        elif unit2 and not unit1 and -length_diff <= begin_diff <= 0:
            total += l2 * l2
        if max(o1, o2) >= last_span_start:
            break
        i, j = i + (o1 + l1 <= o2 + l2), j + (o2 + l2 <= o1 + l1)
    return total


def swept_alpha(spans, begin: int, length: int, raters: int) -> dict:
    """The alpha of before: every pair swept section by section, each span's gaps summed one by one."""
    spans = sorted(spans, key=lambda span: (span.begin, span.length, span.rater))
    results = {}
    for category in sorted({span.category for span in spans}, key=str):
        chosen = [span for span in spans if span.category == category]
        total = 0
        for r1, r2 in itertools.combinations(range(raters), 2):
            starts = [span.begin for span in chosen if span.rater in (r1, r2)]
            total += _pair_disagreement(_sections(chosen, r1, begin, length), _sections(chosen, r2, begin, length),
                                        last_span_start=max(starts, default=-1))
        observed = 2 * total / (raters * (raters - 1) * length * length)
        gaps = sorted((size for rater in range(raters) for _, size, is_span in _sections(chosen, rater, begin, length)
                       if not is_span), reverse=True)
        expected_total = Fraction(0)
        for span in chosen:
            size = span.length
            expected_total += Fraction((len(chosen) - 1) * (2 * size ** 3 - 3 * size ** 2 + size), 3)
            expected_total += size * size * sum(gap - size + 1 for gap in gaps if gap >= size)
        within = sum(span.length * (span.length - 1) for span in chosen)
        expected = float(expected_total * 2 / length / (raters * length * (raters * length - 1) - within))
        results[category] = (observed, expected, 1 - observed / expected if expected else math.nan)
    return results


def random_spans(rng: random.Random, begin: int, length: int, raters: int, zero: bool) -> list[Span]:
    spans = []
    for rater in range(raters):
        for category in "abc":
            position = begin
            while True:
                position += rng.choice([0, 0, 1, 3, 20, 90])
                size = rng.choice([1, 2, 5, 40, 300] + ([0] if zero else []))
                if position + size > begin + length + (5 if zero else 0):
                    break
                spans.append(Span(position, size, rater, category))
                position += size
    return spans


@pytest.mark.parametrize("seed", range(40))
def test_unitizing_alpha_equals_the_sweep_section_by_section(seed):
    rng = random.Random(seed)
    raters, begin, length = rng.randint(2, 6), rng.choice([0, 7]), rng.choice([50, 400, 3000])
    spans = random_spans(rng, begin, length, raters, zero=seed % 5 == 4)
    rng.shuffle(spans)  # in no order: unitizing_alpha sorts them
    expected = swept_alpha(spans, begin, length, raters)
    got = {c: (r.observed, r.expected, r.alpha) for c, r in unitizing_alpha(spans, begin, length, raters).items()}
    assert got.keys() == expected.keys()
    for category, (observed, exp, alpha) in expected.items():
        assert got[category][:2] == (observed, exp), category
        assert got[category][2] == alpha or (math.isnan(alpha) and math.isnan(got[category][2]))
    assert any(o > 0 for o, _, _ in expected.values()) or not spans


@pytest.mark.parametrize("seed", range(4))
def test_unitizing_alpha_is_exact_on_a_continuum_too_long_for_64_bit_sums(seed):
    """Positions a million times those above (up to 3 billion): cubes of span lengths, and sums
    of squared differences, past 2**63."""
    rng, scale = random.Random(seed), 1_000_000
    raters, length = rng.randint(2, 6), 3000
    spans = [Span(s.begin * scale, s.length * scale, s.rater, s.category)
             for s in random_spans(rng, 0, length, raters, zero=False)]
    expected = swept_alpha(spans, 0, length * scale, raters)
    got = unitizing_alpha(spans, 0, length * scale, raters)
    assert {c: (r.observed, r.expected, r.alpha) for c, r in got.items()} == expected


def test_unitizing_alpha_is_exact_when_one_pair_disagrees_by_more_than_2_63():
    """Three spans of two billion positions that one rater marked and the other did not (but for a
    short one): each adds its length squared (4e18) to the pair's disagreement, 1.2e19 together."""
    size, gap = 2_000_000_000, 1_000
    spans = [Span(gap + n * (size + gap), size, 0, "a") for n in range(3)] + [Span(gap, 10, 1, "a")]
    length = 3 * (size + gap) + gap
    expected = swept_alpha(spans, 0, length, 2)
    assert {c: (r.observed, r.expected, r.alpha) for c, r in unitizing_alpha(spans, 0, length, 2).items()} == expected
