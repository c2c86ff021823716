"""Inter-rater agreement: coefficients on units x raters tables, and bootstrap intervals.

The package module itself stays light (no numpy): the one rule for an undefined coefficient and
the one way a coefficient is written as text, used by the agreement report, the ratings-table
calculator, suggestion scores, the CLI, the app and the report alike.
"""
from __future__ import annotations

import math


def defined(value) -> float | None:
    """A coefficient as a float for JSON, or None where it is undefined (NaN, or no value)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def coefficient_text(value: float | None, undefined: str = "undefined") -> str:
    """A coefficient with three decimals (``0.812``), or ``undefined`` when it has no value."""
    return undefined if value is None else f"{value:.3f}"


def interval_text(interval: tuple[float, float] | None) -> str:
    """A 95% interval as ``[0.702, 0.881]``; empty when there is none."""
    return f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""
