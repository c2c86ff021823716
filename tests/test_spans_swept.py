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

from study.agreement.spans import Span, _pair_disagreement, _sections, unitizing_alpha


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
    expected = swept_alpha(spans, begin, length, raters)
    got = {c: (r.observed, r.expected, r.alpha) for c, r in unitizing_alpha(spans, begin, length, raters).items()}
    assert got.keys() == expected.keys()
    for category, (observed, exp, alpha) in expected.items():
        assert got[category][:2] == (observed, exp), category
        assert got[category][2] == alpha or (math.isnan(alpha) and math.isnan(got[category][2]))
    assert any(o > 0 for o, _, _ in expected.values()) or not spans
