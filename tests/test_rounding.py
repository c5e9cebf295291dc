"""Many floats rounded at once (geo/access/rounding.py): each exactly what the built-in ``round`` gives, ``None`` where a
value is not finite — including decimal midpoints, whose binary value lies a hair above or below the half."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InvalidParameter
from geo.access.rounding import MAX_DIGITS, rounded


def builtin(values: list[float], digits: int) -> list[float | None]:
    return [round(v, digits) if math.isfinite(v) else None for v in values]


def signs(values: list[float | None]) -> list[float | None]:
    return [None if v is None else math.copysign(1.0, v) for v in values]


@pytest.mark.parametrize("digits", range(MAX_DIGITS + 1))
def test_decimal_midpoints_round_as_the_builtin_does_where_scaling_alone_would_not(digits):
    # (k + 1/2) units of the last decimal kept, e.g. 0.15 at one decimal: 0.1499999..., so round gives 0.1 while
    # 0.15 × 10 = 1.5 exactly, which rint would round to 2
    values = [float(f"{(k + 0.5) / 10 ** digits:.{digits + 1}f}") for k in range(0, 3000, 7)]
    assert rounded(np.array(values), digits) == builtin(values, digits)


def test_ties_in_binary_go_to_even_signs_stay_and_what_is_not_finite_is_none():
    values = [0.125, 0.375, 2.5, 3.5, -2.5, -0.0, -1e-9, np.nan, np.inf, -np.inf]
    got = rounded(np.array(values), 2)
    assert got == builtin(values, 2) == [0.12, 0.38, 2.5, 3.5, -2.5, -0.0, -0.0, None, None, None]
    assert signs(got) == signs(builtin(values, 2))
    assert rounded(np.array([2.5, 3.5, 0.5]), 0) == [2.0, 4.0, 0.0]


def test_values_too_large_to_scale_exactly_are_left_to_round():
    values = [1e300, -1e300, 2.0 ** 53 + 2, 123456789.123456789]
    for digits in (0, 3, 6, MAX_DIGITS):
        assert rounded(np.array(values), digits) == builtin(values, digits)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=30),
       digits=st.integers(0, MAX_DIGITS))
def test_any_floats_round_as_the_builtin_does(values, digits):
    got = rounded(np.array(values, dtype=np.float64), digits)
    assert got == builtin(values, digits) and signs(got) == signs(builtin(values, digits))
    assert all(v is None or type(v) is float for v in got)


@pytest.mark.parametrize("digits", [-1, MAX_DIGITS + 1])
def test_digits_out_of_range_are_refused(digits):
    with pytest.raises(InvalidParameter, match=rf"expected 0 to {MAX_DIGITS} decimals, got {digits}"):
        rounded(np.array([1.0]), digits)
