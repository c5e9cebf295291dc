"""Integer keys for lon/lat points on a 1e-7° grid (about 1 cm), so coordinates can be compared exactly.

One int64 per point: sorting keys sorts points by longitude, then latitude. Used by :mod:`geo.network.line_topology` and
:mod:`geo.network.line_pieces` to join lines at shared coordinates and to number nodes deterministically.
"""
from __future__ import annotations

import numpy as np

KEY_SCALE = 10_000_000  # keys count 1e-7 degrees
_LAT_SHIFT = 2 ** 30  # latitudes (±9e8) shifted to be non-negative and below 2**31
_LON_FACTOR = 2 ** 31


def to_keys(lon: np.ndarray | float, lat: np.ndarray | float) -> np.ndarray:
    """One int64 key per lon/lat point (degrees), rounded to the 1e-7° grid."""
    lon_e7 = np.rint(np.asarray(lon, dtype=np.float64) * KEY_SCALE).astype(np.int64)
    lat_e7 = np.rint(np.asarray(lat, dtype=np.float64) * KEY_SCALE).astype(np.int64)
    return lon_e7 * _LON_FACTOR + lat_e7 + _LAT_SHIFT


def key_lonlat(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lon/lat (degrees) of keys, the inverse of :func:`to_keys` on the grid."""
    lon_e7, lat_part = np.divmod(np.asarray(keys, dtype=np.int64), _LON_FACTOR)
    return lon_e7 / KEY_SCALE, (lat_part - _LAT_SHIFT) / KEY_SCALE
