"""Named places against blocks: the name rule that re-anchors a block, and each block's nearest place."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.plan.places import anchor_places, denoted_place, nearest_places, place_stem
from geo.plan.schema import METRIC_CRS, WGS84

# Metric (EPSG:32651) origin near Daluoshan; the fixtures are laid out in metres from it, then stored in WGS-84.
X0, Y0 = 274_000.0, 3_089_000.0


def _wgs84(geometries: list[shapely.Geometry]) -> gpd.GeoSeries:
    return gpd.GeoSeries(geometries, crs=METRIC_CRS).to_crs(WGS84)


def _places(rows: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    """Places from ``(name, kind, dx, dy)``, offsets in metres from the origin."""
    points = [shapely.Point(X0 + dx, Y0 + dy) for _, _, dx, dy in rows]
    return gpd.GeoDataFrame({"name": [r[0] for r in rows], "place": [r[1] for r in rows]},
                            geometry=_wgs84(points))


def _blocks(rows: list[tuple[str, str, float, float]], anchors: list[str | None] | None = None
            ) -> gpd.GeoDataFrame:
    """200 m square blocks from ``(id, name, dx, dy)``, centred at offsets in metres from the origin."""
    squares = [shapely.box(X0 + dx - 100, Y0 + dy - 100, X0 + dx + 100, Y0 + dy + 100) for _, _, dx, dy in rows]
    columns = {"id": [r[0] for r in rows], "name": [r[1] for r in rows]}
    if anchors is not None:
        columns["anchor"] = anchors
    return gpd.GeoDataFrame(columns, geometry=_wgs84(squares))


@pytest.mark.parametrize(("name", "stem"), [
    ("七都街道", "七都"), ("茶山街道", "茶山"), ("柳市镇", "柳市"), ("陡门乡", "陡门"),
    ("瓯海区", None), ("乐清市", None), ("半山", None), ("温州经济技术开发区", None), ("岛镇", None), ("街道", None),
])
def test_place_stem_drops_only_township_suffixes_and_keeps_two_characters(name, stem):
    assert place_stem(name) == stem


NAMES = ["瓯海区", "乐清市", "七都街道", "茶山街道", "柳市镇", "岛镇", "城北"]


@pytest.mark.parametrize(("label", "place"), [
    ("温州国际未来科技岛（七都岛）", "七都街道"),  # the gloss names the island
    ("茶山梦创小镇", "茶山街道"),
    ("温州国际未来科技岛", None),  # without the gloss nothing names 七都; 岛镇's stem 岛 is too short to count
    ("瓯海生命健康小镇", None),  # 瓯海区 is a district: 区 is not a township suffix
    ("乐清湾电力科技小镇", None),  # 乐清市 likewise
    ("乐清智能电气小镇", None),  # it lies at 柳市镇, but its name does not say so
    ("浙南科技城核心区", None),  # 城北 has no suffix, and 城 alone would be too short
])
def test_denoted_place_positive_and_negative(label, place):
    assert denoted_place(label, NAMES) == place


def test_denoted_place_is_none_when_several_places_match():
    assert denoted_place("七都茶山联合小镇", NAMES) is None
    assert denoted_place("茶山梦创小镇", ["茶山街道", "茶山街道"]) is None  # two places of one name


def test_anchor_places_gives_the_denoted_places_positions_by_key():
    places = [("七都街道", "suburb", 120.764375, 28.007497), ("茶山街道", "suburb", 120.699491, 27.919876),
              ("瓯海区", "city", 120.611424, 27.969659)]
    labels = {"B01": "温州国际未来科技岛（七都岛）", "B06": "瓯海生命健康小镇", "B07": "茶山梦创小镇"}
    assert anchor_places(labels, places) == {"B01": ("七都街道", 120.764375, 28.007497),
                                             "B07": ("茶山街道", 120.699491, 27.919876)}


def test_nearest_place_and_distance_by_hand():
    places = _places([("甲街道", "suburb", 300.0, 400.0), ("乙村", "village", -1000.0, 0.0),
                      ("丙镇", "town", 3000.0, 0.0)])
    blocks = _blocks([("B01", "一号区块", 0.0, 0.0), ("B02", "二号区块", 2000.0, 0.0)], anchors=["定位依据", None])
    rows = nearest_places(blocks, places)
    assert [(r["block_id"], r["place"], r["place_kind"], r["anchor"]) for r in rows] == [
        ("B01", "甲街道", "suburb", "定位依据"), ("B02", "丙镇", "town", None)]
    assert rows[0]["distance_m"] == pytest.approx(500.0, abs=0.01)  # 300-400-500 triangle
    assert rows[1]["distance_m"] == pytest.approx(1000.0, abs=0.01)
    assert rows[0]["block_name"] == "一号区块"


def test_nearest_place_ties_go_to_the_first_place_and_missing_geometries_are_skipped():
    places = _places([("东街道", "suburb", 500.0, 0.0), ("西街道", "suburb", -500.0, 0.0)])
    places.loc[len(places)] = {"name": "无位置", "place": "village", "geometry": None}
    blocks = _blocks([("B01", "区块", 0.0, 0.0), ("B02", "无形区块", 0.0, 0.0)])
    blocks.loc[1, "geometry"] = None
    rows = nearest_places(blocks, places)
    assert [(r["block_id"], r["place"], r["anchor"]) for r in rows] == [("B01", "东街道", None)]
    assert rows[0]["distance_m"] == pytest.approx(500.0, abs=0.01)


def test_no_places_means_no_rows():
    assert nearest_places(_blocks([("B01", "区块", 0.0, 0.0)]), _places([])) == []
