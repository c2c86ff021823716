"""One rule for an undefined coefficient and one way to write a coefficient, shared by every front end."""
from __future__ import annotations

import math

import numpy as np

from study.agreement import coefficient_text, defined, interval_text


def test_an_undefined_coefficient_is_none():
    assert defined(math.nan) is None and defined(None) is None and defined(np.float64("nan")) is None
    assert defined(np.float64(0.5)) == 0.5 and type(defined(np.float64(0.5))) is float


def test_a_coefficient_is_written_with_three_decimals():
    assert coefficient_text(0.8125) == "0.812" and coefficient_text(-0.05) == "-0.050"
    assert coefficient_text(None) == "undefined" and coefficient_text(None, undefined="") == ""


def test_an_interval_is_written_in_brackets():
    assert interval_text((0.7021, 0.881)) == "[0.702, 0.881]" and interval_text(None) == ""
