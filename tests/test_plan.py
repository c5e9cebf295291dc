"""Loading the plan's layers, and the shipped data itself."""
from __future__ import annotations

import json

import pytest
import shapely

from geo.errors import CorridorError, UnknownItem, ValidationError
from geo.plan.layers import default_data_dir, load_plan, read_places, reference_points
from geo.access.ring import ring_line
from geo.plan.schema import METRIC_CRS, PLAN_DISTRICTS


@pytest.fixture(scope="module")
def shipped():
    return load_plan()


def test_load_plan_raises_once_with_every_problem(write_layers):
    def modify(layers):
        del layers["blocks"]["features"][0]["properties"]["name_en"]
        layers["tasks"]["features"][0]["properties"]["kind"] = "river"
    with pytest.raises(ValidationError, match=r"2 validation problem\(s\)") as info:
        load_plan(write_layers(modify))
    assert isinstance(info.value, ValueError) and isinstance(info.value, CorridorError)
    assert {p.field for p in info.value.problems} == {"name_en", "kind"}


def test_tiny_plan_loads_as_wgs84_geodataframes(write_layers):
    data = load_plan(write_layers())
    for layer in (data.blocks, data.roads, data.tasks, data.districts):
        assert layer.crs.to_epsg() == 4326
    assert list(data.ring["id"]) == ["RING-N", "RING-E", "RING-S", "RING-W"]
    assert data.blocks.loc[0, "tier"] is None
    assert data.item("E02")["kind"] == "ring_road"
    with pytest.raises(UnknownItem, match="no block, road or task has id 'B99'"):
        data.item("B99")
    assert [data.layer_of(i) for i in ("B01", "R01", "RING-S", "E02")] == ["blocks", "roads", "roads", "tasks"]
    with pytest.raises(UnknownItem, match="no block, road or task has id 'X1'"):
        data.layer_of("X1")


def test_data_dir_from_environment(monkeypatch, write_layers):
    folder = write_layers()
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(folder))
    assert default_data_dir() == folder
    assert len(load_plan().blocks) == 1


def test_shipped_data_is_valid(shipped):
    assert len(shipped.blocks) == 13
    assert len(shipped.roads[shipped.roads["category"] != "ring"]) == 17
    assert len(shipped.tasks) == 76


def test_shipped_blocks_follow_the_plan(shipped):
    blocks = shipped.blocks.set_index("id")
    assert blocks.loc["B01", "name"] == "温州国际未来科技岛"
    assert blocks.loc["B13", "name"] == "中国·温州安全（应急）产业园"
    assert blocks.loc["B13", "district"] == "瓯江口产业集聚区"
    new = set(blocks.index[blocks["new_in_2021"].astype(bool)])
    assert set(blocks.loc[sorted(new), "name"]) == {"乐清智能电气小镇", "瑞安罗阳未来科技城核心区", "文昌创客小镇",
                                                    "温州国际未来科技岛"}
    assert blocks["tier"].isna().all()


def test_shipped_blocks_are_plausible_polygons(shipped):
    metric = shipped.blocks.to_crs(METRIC_CRS)
    areas_km2 = metric.area / 1e6
    assert areas_km2.between(0.5, 3.0).all(), areas_km2.to_dict()
    # not circles: a circle's isoperimetric quotient is 1
    quotient = 4 * 3.141592653589793 * metric.area / metric.length ** 2
    assert (quotient < 0.97).all()


def test_shipped_geometries_valid_and_inside_their_district(shipped):
    areas = shipped.districts.set_index("name").to_crs(METRIC_CRS).geometry
    for layer in (shipped.blocks, shipped.tasks):
        metric = layer.to_crs(METRIC_CRS)
        assert metric.is_valid.all()
        for fid, district, geometry in zip(metric["id"], metric["district"], metric.geometry):
            assert geometry.difference(areas[district].buffer(200)).is_empty, fid
    assert set(PLAN_DISTRICTS) <= set(shipped.districts["name"])


def test_shipped_ring_chains_into_one_closed_loop_on_real_roads(shipped):
    chained = ring_line(shipped.ring)  # how the accessibility check reads it
    assert chained.closed and chained.segment_ids == ("RING-N", "RING-E", "RING-S", "RING-W")
    # the arterial loop the plan's approximate 39.5 km ring was matched to; it crosses itself only where a ramp
    # passes over it (grade-separated), so it is closed by its ends, not a simple ring geometrically
    assert 40 < chained.length_m / 1000 < 55


def test_every_feature_has_a_geometry_source(shipped):
    for layer in (shipped.blocks, shipped.roads, shipped.tasks, shipped.districts):
        assert layer["geometry_source"].isin(["approximate", "provisional", "surveyed", "osm-matched"]).all()
    osm = shipped.roads[shipped.roads["geometry_source"] == "osm-matched"]
    assert sorted(osm["id"]) == ["R15", "RING-E", "RING-N", "RING-S", "RING-W"]
    assert osm["match_note"].str.contains("核实").all()  # planners are asked to confirm
    ring_road_tasks = shipped.tasks[shipped.tasks["kind"] == "ring_road"]
    assert (ring_road_tasks["geometry_source"] == "provisional").all()
    assert ring_road_tasks["road_name"].isna().all()


def test_reference_points_include_the_city_government():
    points = reference_points()
    city_hall = points[points["name"] == "温州市人民政府"].iloc[0]
    assert (city_hall.geometry.x, city_hall.geometry.y) == pytest.approx((120.6993, 27.9938))


def _place(pid: str, name: str, kind: str, lon: float, lat: float) -> dict:
    return {"type": "Feature", "properties": {"id": pid, "name": name, "place": kind},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def test_read_places_loads_the_osm_places_layer(tmp_path):
    features = [_place("P001", "七都街道", "suburb", 120.764375, 28.007497),
                _place("P002", "半山", "village", 120.7163, 27.903406)]
    (tmp_path / "osm-places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                                                 encoding="utf-8")
    places, problems = read_places(tmp_path)
    assert problems == [] and list(places["name"]) == ["七都街道", "半山"] and places.crs.to_epsg() == 4326
    assert places.geometry.iloc[0].equals(shapely.Point(120.764375, 28.007497))


def test_read_places_without_the_file_is_not_a_problem(tmp_path):
    assert read_places(tmp_path) == (None, [])


def test_read_places_reports_bad_features(tmp_path):
    features = [_place("P001", "七都街道", "suburb", 120.76, 28.0), _place("X2", "  ", "town", 120.7, 27.9)]
    features[0]["geometry"] = {"type": "LineString", "coordinates": [[120.7, 27.9], [120.8, 27.9]]}
    (tmp_path / "osm-places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                                                 encoding="utf-8")
    places, problems = read_places(tmp_path)
    messages = sorted(str(p) for p in problems)
    assert messages == ["osm-places.geojson [P001] geometry: expected Point, got LineString",
                        "osm-places.geojson [X2] id: expected text matching P\\d{3}; got 'X2'",
                        "osm-places.geojson [X2] name: must not be empty text"]
    assert len(places) == 2 and places.geometry.iloc[0] is None


def test_shipped_osm_places_are_the_extracts_255_named_places():
    places, problems = read_places()
    assert problems == [] and len(places) == 255
    assert places.set_index("name").loc["茶山街道"].geometry.equals(shapely.Point(120.699491, 27.919876))
