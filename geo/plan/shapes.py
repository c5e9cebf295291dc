"""Geometry construction helpers for the plan's approximate and provisional shapes.

Pure functions used by :mod:`geo.plan.build_layers`: reprojection between WGS-84 and the metric CRS, seeded
irregular block outlines, smooth paths through waypoints, the smallest shift that fits a shape into an area, and
coordinate rounding for stable GeoJSON output. Randomness always comes from a caller-supplied ``random.Random`` so
that every result is reproducible.
"""
from __future__ import annotations

import logging
import math
import random
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from geo.plan.schema import METRIC_CRS, WGS84

logger = logging.getLogger(__name__)

Point2 = tuple[float, float]


@lru_cache(maxsize=2)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _reproject(geometry: BaseGeometry, source: str, target: str) -> BaseGeometry:
    transformer = _transformer(source, target)

    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, apply)


def to_metric(geometry: BaseGeometry) -> BaseGeometry:
    """Reproject a lon/lat geometry to the metric CRS (UTM 51N)."""
    return _reproject(geometry, WGS84, METRIC_CRS)


def to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    """Reproject a metric (UTM 51N) geometry to lon/lat."""
    return _reproject(geometry, METRIC_CRS, WGS84)


def irregular_polygon(centre: Point2, *, area_m2: float, rng: random.Random) -> shapely.Polygon:
    """A rotated, elongated, jittered star-shaped polygon of 7–10 vertices with exactly ``area_m2`` area.

    Angles stay strictly increasing (jitter below half the angular step), so the outline is always simple.
    """
    count = rng.randint(7, 10)
    step = 2 * math.pi / count
    aspect = rng.uniform(1.15, 1.6)
    outline = []
    for index in range(count):
        angle = index * step + rng.uniform(-0.3, 0.3) * step
        radius = rng.uniform(0.78, 1.22)
        outline.append((radius * aspect * math.cos(angle), radius * math.sin(angle)))
    shape = affinity.rotate(shapely.Polygon(outline), rng.uniform(0.0, 180.0), origin=(0, 0))
    scale = math.sqrt(area_m2 / shape.area)
    shape = affinity.scale(shape, scale, scale, origin=(0, 0))
    return affinity.translate(shape, *centre)


def _catmull_rom_span(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray,
                      samples: int) -> list[Point2]:
    """Points from ``p1`` (included) towards ``p2`` (excluded) on a centripetal Catmull-Rom spline."""
    t0 = 0.0
    t1 = t0 + max(float(np.linalg.norm(p1 - p0)), 1e-9) ** 0.5
    t2 = t1 + max(float(np.linalg.norm(p2 - p1)), 1e-9) ** 0.5
    t3 = t2 + max(float(np.linalg.norm(p3 - p2)), 1e-9) ** 0.5
    points = [(float(p1[0]), float(p1[1]))]
    for t in np.linspace(t1, t2, samples, endpoint=False)[1:]:
        a1 = (t1 - t) / (t1 - t0) * p0 + (t - t0) / (t1 - t0) * p1
        a2 = (t2 - t) / (t2 - t1) * p1 + (t - t1) / (t2 - t1) * p2
        a3 = (t3 - t) / (t3 - t2) * p2 + (t - t2) / (t3 - t2) * p3
        b1 = (t2 - t) / (t2 - t0) * a1 + (t - t0) / (t2 - t0) * a2
        b2 = (t3 - t) / (t3 - t1) * a2 + (t - t1) / (t3 - t1) * a3
        c = (t2 - t) / (t2 - t1) * b1 + (t - t1) / (t2 - t1) * b2
        points.append((float(c[0]), float(c[1])))
    return points


def smooth_path(waypoints: Sequence[Point2], *, closed: bool = False, samples: int = 8) -> list[Point2]:
    """A smooth path through every waypoint, ``samples`` points per span (waypoint ``i`` lands at ``i * samples``).

    Open paths end at the last waypoint; closed paths return to the first (the first point is repeated at the end).
    """
    pts = [np.asarray(p, dtype=float) for p in waypoints]
    if closed:
        padded = [pts[-1], *pts, pts[0], pts[1]]
    else:
        padded = [2 * pts[0] - pts[1], *pts, 2 * pts[-1] - pts[-2]]
    path: list[Point2] = []
    for index in range(1, len(padded) - 2):
        path += _catmull_rom_span(*padded[index - 1:index + 3], samples=samples)
    last = pts[0] if closed else pts[-1]
    path.append((float(last[0]), float(last[1])))
    return path


def nearest_fit(shape: BaseGeometry, *, container: BaseGeometry, obstacles: BaseGeometry | None = None,
                step_m: float = 50.0, max_shift_m: float = 8000.0, directions: int = 16
                ) -> tuple[BaseGeometry, float]:
    """Shift ``shape`` the least (searched on rings of ``step_m``) so it lies within ``container`` clear of obstacles.

    Returns the shifted shape and the shift in metres.

    Raises
    ------
    ValueError
        When no position within ``max_shift_m`` fits.
    """
    def fits(candidate: BaseGeometry) -> bool:
        clear = obstacles is None or obstacles.is_empty or not candidate.intersects(obstacles)
        return clear and candidate.within(container)

    if fits(shape):
        return shape, 0.0
    for ring in range(1, int(max_shift_m / step_m) + 1):
        for k in range(directions):
            angle = 2 * math.pi * k / directions
            shift = ring * step_m
            candidate = affinity.translate(shape, shift * math.cos(angle), shift * math.sin(angle))
            if fits(candidate):
                return candidate, shift
    raise ValueError(f"no position within {max_shift_m:.0f} m fits the shape inside its area; enlarge the area "
                     "or move the source point")


def round_coordinates(geometry: BaseGeometry, *, ndigits: int = 6) -> BaseGeometry:
    """The geometry with every coordinate rounded to ``ndigits`` decimals."""
    return shapely.transform(geometry, lambda coords: np.round(coords, ndigits))
