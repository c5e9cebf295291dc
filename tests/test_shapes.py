"""Geometry construction helpers: seeded outlines, smooth paths, least-shift fitting, rounding, reprojection."""
from __future__ import annotations

import random

import pytest
import shapely

from geo.plan.shapes import irregular_polygon, nearest_fit, round_coordinates, smooth_path, to_metric, to_wgs84


@pytest.mark.parametrize("seed", ["a", "b", "c", "d"])
def test_irregular_polygon_has_exact_area_and_7_to_10_vertices(seed):
    outline = irregular_polygon((500.0, 700.0), area_m2=1.5e6, rng=random.Random(seed))
    assert outline.is_valid
    assert outline.area == pytest.approx(1.5e6)
    assert 7 <= len(outline.exterior.coords) - 1 <= 10


def test_irregular_polygon_is_reproducible_and_seed_dependent():
    make = lambda seed: irregular_polygon((0.0, 0.0), area_m2=1e6, rng=random.Random(seed))  # noqa: E731
    assert make("x").equals_exact(make("x"), 0.0)
    assert not make("x").equals_exact(make("y"), 1.0)


def test_smooth_path_passes_through_every_waypoint():
    waypoints = [(0.0, 0.0), (1000.0, 200.0), (2000.0, -100.0), (3000.0, 300.0)]
    path = smooth_path(waypoints, samples=5)
    assert len(path) == 3 * 5 + 1
    assert [path[i * 5] for i in range(4)] == waypoints


def test_closed_smooth_path_returns_to_its_start():
    square = [(0.0, 0.0), (1000.0, 0.0), (1000.0, 1000.0), (0.0, 1000.0)]
    path = smooth_path(square, closed=True, samples=4)
    assert path[0] == path[-1] and len(path) == 4 * 4 + 1
    assert shapely.Polygon(path).is_valid and shapely.Polygon(path).area > 1e6


def test_nearest_fit_keeps_a_fitting_shape_and_shifts_one_that_sticks_out():
    container = shapely.box(0, 0, 1000, 1000)
    inside = shapely.box(100, 100, 200, 200)
    assert nearest_fit(inside, container=container) == (inside, 0.0)
    moved, shift = nearest_fit(shapely.box(950, 400, 1050, 500), container=container, step_m=25.0)
    assert moved.within(container) and shift == pytest.approx(50.0)


def test_nearest_fit_avoids_obstacles_and_fails_clearly_when_nothing_fits():
    container = shapely.box(0, 0, 1000, 1000)
    moved, shift = nearest_fit(shapely.box(400, 400, 500, 500), container=container,
                               obstacles=shapely.box(350, 350, 550, 550))
    assert not moved.intersects(shapely.box(350, 350, 550, 550)) and shift > 0
    with pytest.raises(ValueError, match="no position within 500 m fits"):
        nearest_fit(shapely.box(0, 0, 2000, 2000), container=container, max_shift_m=500.0)


def test_round_coordinates_and_reprojection_round_trip():
    point = shapely.Point(120.7501234567, 27.8954321)
    assert round_coordinates(point).coords[0] == (120.750123, 27.895432)
    metric = to_metric(point)
    assert 200_000 < metric.x < 350_000 and 3_000_000 < metric.y < 3_200_000
    assert to_wgs84(metric).distance(point) < 1e-9
