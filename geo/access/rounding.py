"""Many floats rounded at once to what the built-in ``round`` gives each, for the JSON reports.

``round(x, digits)`` is exact: the float nearest to ``x`` rounded to ``digits`` decimals, ties to even on ``x``'s
exact binary value. Scaling by ``10 ** digits``, rounding to an integer and scaling back gives that very float
(the integer and the power of ten are exact, and a division of exact values is correctly rounded) — unless the
scaling's own rounding error (below 2 ** -13 for scaled values below 2 ** 40) could have moved the scaled value
across or onto a half: values that close to a half, larger ones, NaN and infinities are left to ``round``.
"""
from __future__ import annotations

import math

import numpy as np

from geo.errors import InvalidParameter

MAX_DIGITS = 15  # 10 ** digits is exact up to 10 ** 22; scaled values must stay below _MAX_SCALED anyway
_MAX_SCALED = 2.0 ** 40
_NEAR_HALF = 0.5 - 2.0 ** -10  # 8× the scaling's largest error below _MAX_SCALED


def rounded(values: np.ndarray, digits: int) -> list[float | None]:
    """``[round(v, digits) for v in values]`` as Python floats, ``None`` where a value is NaN or infinite.

    ``values`` is one-dimensional; ``digits`` 0 to :data:`MAX_DIGITS`.

    Raises
    ------
    InvalidParameter
        When ``digits`` is out of range.
    """
    if not 0 <= digits <= MAX_DIGITS:
        raise InvalidParameter("digits", f"expected 0 to {MAX_DIGITS} decimals, got {digits}; use the built-in "
                                         "round one value at a time")
    values = np.asarray(values, dtype=np.float64)
    scale = 10.0 ** digits
    with np.errstate(invalid="ignore", over="ignore"):  # NaN and infinities are handed to round below
        scaled = values * scale
        whole = np.rint(scaled)
        exact = (np.abs(scaled - whole) < _NEAR_HALF) & (np.abs(scaled) < _MAX_SCALED)
    out = (whole / scale).tolist()
    for i in np.flatnonzero(~exact).tolist():
        value = float(values[i])
        out[i] = round(value, digits) if math.isfinite(value) else None
    return out
