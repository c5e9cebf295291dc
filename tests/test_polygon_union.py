"""Merging drawn polygons (geo/plan/polygon_union.py): overlapping or touching parts become one polygon, apart ones a
MultiPolygon; anything but polygons is refused naming the part."""
from __future__ import annotations

import pytest
from shapely.geometry import shape

from geo.errors import InvalidParameter
from geo.plan.polygon_union import MAX_PARTS, union_of_polygons


def _square(x0: float, y0: float, size: float = 0.01) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_overlapping_squares_merge_into_one_polygon_of_their_union() -> None:
    merged = union_of_polygons([_square(120.70, 27.90), _square(120.705, 27.90)])
    assert merged["type"] == "Polygon"
    assert shape(merged).area == pytest.approx(0.015 * 0.01, rel=1e-6)
    assert shape(merged).exterior.is_ccw  # RFC 7946: exterior rings counter-clockwise


def test_touching_squares_merge_without_a_seam() -> None:
    merged = union_of_polygons([_square(120.70, 27.90), _square(120.71, 27.90)])
    assert merged["type"] == "Polygon" and len(merged["coordinates"]) == 1
    assert shape(merged).area == pytest.approx(0.02 * 0.01, rel=1e-6)


def test_apart_squares_and_a_multipolygon_stay_a_multipolygon() -> None:
    multi = {"type": "MultiPolygon", "coordinates": [_square(120.80, 27.90)["coordinates"]]}
    merged = union_of_polygons([_square(120.70, 27.90), multi])
    assert merged["type"] == "MultiPolygon" and len(merged["coordinates"]) == 2


@pytest.mark.parametrize(("parts", "field", "kind"), [
    ([_square(120.7, 27.9)], "geometries", "merge_parts"),
    ("two squares", "geometries", "merge_parts"),
    ([_square(120.7, 27.9)] * (MAX_PARTS + 1), "geometries", "merge_parts"),
    ([_square(120.7, 27.9), {"type": "LineString", "coordinates": [[120.7, 27.9], [120.8, 27.9]]}],
     r"geometries\[1\]", "merge_type"),
    ([_square(120.7, 27.9), {"type": "Polygon", "coordinates": [[1, 2]]}], r"geometries\[1\]", "merge_coordinates"),
    ([_square(120.7, 27.9), {"type": "Polygon"}], r"geometries\[1\]", "merge_coordinates"),
])
def test_anything_but_two_or_more_polygons_is_refused(parts: object, field: str, kind: str) -> None:
    with pytest.raises(InvalidParameter, match=f"^{field}: ") as caught:
        union_of_polygons(parts)
    assert caught.value.kind == kind
