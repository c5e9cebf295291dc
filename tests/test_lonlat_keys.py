"""Tests for geo.network.lonlat_keys: exact round trip of extract coordinates and the sort order."""
from __future__ import annotations

import numpy as np

from geo.network.lonlat_keys import key_lonlat, to_keys


def test_six_decimal_coordinates_round_trip_exactly():
    lon = np.array([120.657251, 121.079946, -73.985428, 0.0, 179.9999999])
    lat = np.array([28.038306, 27.631547, 40.748817, -89.9999999, -0.000001])
    back_lon, back_lat = key_lonlat(to_keys(lon, lat))
    assert np.array_equal(back_lon, lon) and np.array_equal(back_lat, lat)


def test_points_closer_than_the_grid_share_a_key_and_keys_sort_by_lon_then_lat():
    assert to_keys(120.70000001, 27.9) == to_keys(120.7, 27.90000004)
    keys = to_keys(np.array([120.7, 120.7, 120.6, -1.0]), np.array([28.0, 27.9, 30.0, 50.0]))
    assert list(np.argsort(keys)) == [3, 2, 1, 0]
