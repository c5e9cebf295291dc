"""Tour sites: anchors of each geometry type, selection by id and by query, start/end places."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.errors import InvalidParameter, UnknownItem
from geo.plan.layers import load_plan, reference_points
from geo.tours.sites import anchor_point, query_sites, resolve_place, resolve_sites

PLACES = ("name,kind,district,lat,lon,crs,confidence,source\n"
          "温州市人民政府,reference,鹿城区,27.95,120.10,WGS84,high,test\n"
          "ring waypoint N1,ring,鹿城区,27.92,120.12,WGS84,low,test\n")


@pytest.fixture
def data_dir(write_layers) -> Path:
    return write_layers(places=PLACES)


def test_polygon_anchor_is_the_centroid() -> None:
    square = shapely.box(0, 0, 100, 100)
    assert anchor_point(square).equals(shapely.Point(50, 50))


def test_concave_polygon_anchor_falls_inside() -> None:
    c_shape = shapely.Polygon([(0, 0), (100, 0), (100, 10), (10, 10), (10, 90), (100, 90), (100, 100), (0, 100)])
    assert not c_shape.contains(c_shape.centroid)
    assert c_shape.contains(anchor_point(c_shape))


def test_line_anchors_are_midpoints() -> None:
    assert anchor_point(shapely.LineString([(0, 0), (100, 0), (100, 100)])).equals(shapely.Point(100, 0))
    parts = shapely.MultiLineString([[(0, 0), (10, 0)], [(0, 50), (200, 50)]])
    assert anchor_point(parts).equals(shapely.Point(100, 50))


def test_multipoint_anchor_is_the_member_nearest_the_centre() -> None:
    points = shapely.MultiPoint([(0, 0), (40, 0), (100, 0)])
    assert anchor_point(points).equals(shapely.Point(40, 0))


def test_resolve_sites_in_order_without_duplicates(data_dir: Path) -> None:
    plan = load_plan(data_dir)
    sites = resolve_sites(plan, ["R01", "B01", " E02 ", "B01"])
    assert [(s.id, s.kind) for s in sites] == [("R01", "project"), ("B01", "block"), ("E02", "task")]
    block = sites[1]
    assert (block.lon, block.lat) == pytest.approx((120.1, 27.9), abs=1e-6)
    assert block.district == "鹿城区" and sites[0].district is None
    assert (sites[0].lon, sites[0].lat) == pytest.approx((120.12, 27.9), abs=1e-4)


def test_unknown_ids_are_all_named(data_dir: Path) -> None:
    with pytest.raises(UnknownItem, match="unknown site id\\(s\\): B99, X1"):
        resolve_sites(load_plan(data_dir), ["B01", "B99", "X1"])


def test_query_by_district_uses_area_for_roads(data_dir: Path) -> None:
    plan = load_plan(data_dir)
    ids = {s.id for s in query_sites(plan, district="鹿城区")}
    assert ids == {"B01", "R01", "RING-N", "RING-E", "RING-S", "RING-W", "E01", "E02"}
    assert query_sites(plan, district="龙湾区") == []


def test_query_by_category_and_layers(data_dir: Path) -> None:
    plan = load_plan(data_dir)
    assert [s.id for s in query_sites(plan, category="ring_road")] == ["E02"]
    assert {s.id for s in query_sites(plan, category="ring", layers=["roads"])} == {"RING-N", "RING-E", "RING-S",
                                                                                   "RING-W"}


def test_query_by_status_when_a_status_column_exists(data_dir: Path) -> None:
    plan = load_plan(data_dir)
    assert query_sites(plan, status="red") == []  # no layer has a status yet
    blocks = plan.blocks.assign(status_color=["red"])
    with_status = type(plan)(blocks=blocks, roads=plan.roads, tasks=plan.tasks, districts=plan.districts)
    assert [s.id for s in query_sites(with_status, status="red")] == ["B01"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"district": "火星区"}, "district: no district or zone is named '火星区'"),
    ({"layers": ["parks"]}, "layers: expected any of blocks, roads, tasks"),
])
def test_bad_query(data_dir: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        query_sites(load_plan(data_dir), **kwargs)


def test_places_by_reference_name_or_site_id(data_dir: Path) -> None:
    plan, references = load_plan(data_dir), reference_points(data_dir)
    assert isinstance(references, gpd.GeoDataFrame)
    government = resolve_place(plan, references, "温州市人民政府", field="start")
    assert (government.kind, government.lon, government.lat) == ("reference", 120.10, 27.95)
    assert resolve_place(plan, references, "B01", field="end").kind == "block"
    with pytest.raises(InvalidParameter, match="end: expected a site id .* or a reference point \\(温州市人民政府\\)"):
        resolve_place(plan, references, "nowhere", field="end")
