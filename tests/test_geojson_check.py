"""The structure of GeoJSON geometry objects (geo/plan/geojson_check.py): each break of RFC 7946 named by its path."""
from __future__ import annotations

import math

import pytest

from geo.plan.geojson_check import geometry_problem, shown

RING = [[120.0, 27.0], [120.1, 27.0], [120.1, 27.1], [120.0, 27.1], [120.0, 27.0]]


@pytest.mark.parametrize("geometry", [
    {"type": "Point", "coordinates": [120.0, 27.0]},
    {"type": "Point", "coordinates": [120, 27, 5]},  # integers and an altitude are positions too
    {"type": "MultiPoint", "coordinates": [[120.0, 27.0], [120.1, 27.1]]},
    {"type": "LineString", "coordinates": [[120.0, 27.0], [120.1, 27.1]]},
    {"type": "MultiLineString", "coordinates": [[[120.0, 27.0], [120.1, 27.1]]]},
    {"type": "Polygon", "coordinates": [RING, RING]},
    {"type": "MultiPolygon", "coordinates": [[RING], [RING]]},
    {"type": "Polygon", "coordinates": []},  # empty: the caller reports an empty geometry
    {"type": "Polygon", "coordinates": (tuple(map(tuple, RING)),)},  # as shapely.geometry.mapping() gives it
])
def test_well_formed_geometries_pass(geometry) -> None:
    assert geometry_problem(geometry) is None


@pytest.mark.parametrize(("geometry", "expected"), [
    ([120.0, 27.0], "expected a GeoJSON geometry object, got list"),
    ({"coordinates": [RING]}, "missing member 'type'; expected one of Point, MultiPoint, LineString"),
    ({"type": "polygon", "coordinates": [RING]}, "'type' must be one of Point, MultiPoint, LineString, "
                                                 "MultiLineString, Polygon, MultiPolygon (spelt as RFC 7946 does), "
                                                 "got 'polygon'"),
    ({"type": ["Polygon"], "coordinates": [RING]}, "got ['Polygon']"),
    ({"type": "Polygon"}, "missing member 'coordinates'; a Polygon needs them"),
    ({"type": "Polygon", "coordinates": RING}, "coordinates[0][0]: expected a position [longitude, latitude] of 2 "
                                               "or 3 numbers, got 120.0"),
    ({"type": "Polygon", "coordinates": [RING[:-1]]}, "ring coordinates[0] is not closed: it starts at [120.0, 27.0] "
                                                      "and ends at [120.0, 27.1]; repeat the first position at the "
                                                      "end (RFC 7946 §3.1.6)"),
    ({"type": "MultiPolygon", "coordinates": [[RING], [RING, RING[:-1]]]}, "ring coordinates[1][1] is not closed"),
    ({"type": "Polygon", "coordinates": [RING[:1] + RING[:1] + RING[:1]]}, "ring coordinates[0] has 3 position(s); "
                                                                           "a polygon ring needs at least 4"),
    ({"type": "LineString", "coordinates": [[120.0, 27.0]]}, "line coordinates has 1 position(s); a LineString "
                                                             "needs at least 2"),
    ({"type": "MultiLineString", "coordinates": [[[120.0, 27.0], [120.1, 27.1]], []]}, "line coordinates[1] has 0"),
    ({"type": "Point", "coordinates": ["120.0", "27.0"]}, "coordinates[0]: expected a number, got str '120.0'; "
                                                          "write coordinates as JSON numbers, not text"),
    ({"type": "Point", "coordinates": [True, 27.0]}, "coordinates[0]: expected a number, got bool True"),
    ({"type": "Point", "coordinates": [120.0, 27.0, 0.0, 1.0]}, "coordinates: expected a position"),
    ({"type": "LineString", "coordinates": [[120.0, 27.0], [math.nan, 27.1]]},
     "coordinates must be finite numbers: coordinates[1][0] is nan"),
    ({"type": "Point", "coordinates": [10**400, 27.0]}, "coordinates must be finite numbers: coordinates[0] is"),
    ({"type": "MultiPoint", "coordinates": [[120.0, 27.0], 5]}, "coordinates[1]: expected a position"),
    ({"type": "Polygon", "coordinates": [5]}, "coordinates[0]: expected an array (1 more level(s) of arrays around "
                                              "the positions), got 5"),
])
def test_each_break_is_named_by_its_path(geometry, expected: str) -> None:
    problem = geometry_problem(geometry)
    assert problem is not None and expected in problem, problem


def test_long_values_are_cut_in_messages() -> None:
    problem = geometry_problem({"type": "x" * 500, "coordinates": []})
    assert problem.endswith("got " + shown("x" * 500)) and shown("x" * 500) == "'" + "x" * 59 + "…"
