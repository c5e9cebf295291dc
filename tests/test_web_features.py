"""GeoJSON preparation for the web: districts of roads, RFC 7946 output, filters, the status hook."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.errors import InvalidParameter, UnknownItem
from geo.plan.layers import load_plan
from web.core.features import parse_filters, prepare_layers, road_districts, to_feature_collection, with_status
from web.core.status import STATUS_COLORS, item_status, status_filter_values


def _roads(*lines: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"R{i:02d}" for i in range(len(lines))]},
                            geometry=[shapely.LineString(line) for line in lines], crs="EPSG:4326")


def test_roads_count_in_every_area_they_run_through(write_layers) -> None:
    areas = load_plan(write_layers()).districts  # 0.1°-wide squares: 鹿城区 120.05–120.15, 龙湾区 120.15–120.25
    roads = _roads([(120.10, 27.9), (120.20, 27.9)],      # crosses into 龙湾区 for ~5 km
                   [(120.10, 27.9), (120.1502, 27.9)],    # ends 20 m inside 龙湾区: too little to count
                   [(121.5, 27.9), (121.6, 27.9)])        # outside every area
    assert road_districts(roads, areas) == [["鹿城区", "龙湾区"], ["鹿城区"], []]


def test_points_count_where_they_lie(write_layers) -> None:
    areas = load_plan(write_layers()).districts
    stops = gpd.GeoDataFrame({"id": ["R16"]}, geometry=[shapely.MultiPoint([(120.1, 27.9), (120.3, 27.9)])],
                             crs="EPSG:4326")
    assert road_districts(stops, areas) == [["鹿城区", "瓯海区"]]


def test_feature_collection_orients_rounds_and_cleans_values() -> None:
    clockwise = shapely.Polygon([(120.0, 28.0), (120.0, 28.1), (120.1234567891, 28.1), (120.1, 28.0)])
    frame = gpd.GeoDataFrame({"id": ["B01"], "tier": [None], "new_in_2021": [np.bool_(True)],
                              "area": [np.float64(np.nan)]}, geometry=[clockwise], crs="EPSG:4326")
    feature = to_feature_collection(frame, precision=6)["features"][0]
    assert feature["id"] == "B01"
    assert feature["properties"] == {"id": "B01", "tier": None, "new_in_2021": True, "area": None}
    assert type(feature["properties"]["new_in_2021"]) is bool
    ring = shapely.geometry.shape(feature["geometry"]).exterior
    assert ring.is_ccw and (120.123457, 28.1) in list(ring.coords)


def test_prepared_layers_find_items_in_any_layer(write_layers) -> None:
    layers = prepare_layers(load_plan(write_layers()))
    assert layers.find("RING-S")[0] == "roads" and layers.find("E02")[0] == "tasks"
    with pytest.raises(UnknownItem, match="ids look like"):
        layers.find("Z9")
    # display geometry is simplified but keeps every feature
    assert len(layers.display["tasks"]["features"]) == len(layers.full["tasks"]["features"]) == 2


def test_parse_filters_maps_status_labels_to_colours() -> None:
    assert parse_filters("roads", {"status": "未上报", "category": "ring"}) == {"status": "grey", "category": "ring"}
    with pytest.raises(InvalidParameter, match="expected one of block, ring_road") as caught:
        parse_filters("tasks", {"category": "ring"})
    assert caught.value.field == "category"


def test_status_hook_gives_every_item_no_report_yet() -> None:
    status = item_status({"id": "B01"})
    assert (status.color, status.label, status.hex) == ("grey", "未上报", STATUS_COLORS["grey"][1])
    feature = with_status({"type": "Feature", "id": "E01", "properties": {"id": "E01"}, "geometry": None})
    assert feature["properties"] == {"id": "E01", "status": "未上报", "status_color": "grey"}
    assert set(status_filter_values().values()) == set(STATUS_COLORS)
