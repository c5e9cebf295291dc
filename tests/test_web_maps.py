"""Folium builders and local assets: styles, tiles, GCJ-02 overlays for AMap, no CDN left in a rendered map."""
from __future__ import annotations

import json
import re

import folium
import folium.plugins
import pytest
from flask import Flask

from geo.plan.coords import wgs84_to_gcj02
from web.infra.assets import OfflineAssetMissing, localize_assets
from web.maps import (ACCESS_COLORS, OVERVIEW_LAYERS, PLACEHOLDER, access_block_style, band_style,
                      block_style, for_tiles, layered_map, render_parts, road_style, task_style)
from web.core.status import STATUS_COLORS
from web.core.tiles import TILE_LAYERS
from web.views import map_collections
from web_fixtures import make_app, real_app  # noqa: F401

BOUNDS = (120.6, 27.8, 120.9, 28.0)
EXTERNAL = re.compile(r'(?:src|href)="(https?:)?//')


def _feature(**properties) -> dict:
    return {"type": "Feature", "id": "X", "properties": properties,
            "geometry": {"type": "Point", "coordinates": [120.7, 27.9]}}


def test_styles_follow_status_category_and_geometry_source() -> None:
    grey = STATUS_COLORS["grey"][1]
    block = block_style(_feature(status_color="grey", geometry_source="approximate"))
    assert block["fillColor"] == grey and block["dashArray"] == "4 3"
    assert block_style(_feature(status_color="red", geometry_source="surveyed"))["dashArray"] is None
    built = road_style(_feature(status_color="green", category="road_complete_2021"))
    continuing = road_style(_feature(status_color="green", category="road_continuing"))
    assert built["color"] == continuing["color"] == STATUS_COLORS["green"][1]
    assert built["dashArray"] is None and continuing["dashArray"]
    assert band_style(_feature(to_min=5.0))["fillColor"] != band_style(_feature(to_min=None))["fillColor"]
    assert ACCESS_COLORS[True] != ACCESS_COLORS[False]


def test_placeholders_are_drawn_faint_and_dotted_whatever_their_category() -> None:
    for category in ("road_complete_2021", "transit"):
        placed = road_style(_feature(status_color="grey", category=category, geometry_source="provisional"))
        assert placed.items() >= PLACEHOLDER.items()
        approximate = road_style(_feature(status_color="grey", category=category, geometry_source="approximate"))
        assert approximate["weight"] > placed["weight"] and approximate["opacity"] > placed["opacity"]
    task = task_style(_feature(status_color="grey", kind="ring_road", geometry_source="provisional"))
    assert task["dashArray"] == PLACEHOLDER["dashArray"] and task["fill"] is False
    assert task_style(_feature(status_color="grey", kind="block", geometry_source="approximate"))["dashArray"] == "3 5"


def test_localize_assets_points_every_asset_at_the_app(real_app: Flask) -> None:
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    with real_app.test_request_context():
        localize_assets(m.get_root())
        html = m.get_root().render()
    assert not EXTERNAL.search(html)
    # fingerprinted (web/infra/asset_urls.py): /assets/xstatic/leaflet/v-1.9.3.0/leaflet.js, /static/v-<hash>/vendor/...
    assert re.search(r'"/assets/xstatic/leaflet/v-[0-9.]+/leaflet\.js"', html)
    assert re.search(r'"/static/v-[0-9a-f]{12}/vendor/leaflet\.fullscreen/', html)


def test_an_asset_without_local_copy_is_refused(real_app: Flask) -> None:
    m = folium.Map(tiles=None)
    folium.plugins.MiniMap().add_to(m)
    with real_app.test_request_context(), pytest.raises(OfflineAssetMissing, match="Control_MiniMap_js"):
        localize_assets(m.get_root())


def test_overview_map_registers_every_layer_with_the_hook(real_app: Flask) -> None:
    with real_app.test_request_context():
        collections = map_collections()
        m = layered_map(OVERVIEW_LAYERS, collections, tiles="osm", tianditu_key="", bounds=BOUNDS, options={})
        parts = render_parts(m)
    hook = re.search(r"corridorMapInit\((map_\w+), \{(.*?)\}, (\{.*\})\);", str(parts.script), flags=re.S)
    assert hook, "the hook call is missing"
    assert re.findall(r'"(\w+)": geo_json_\w+', hook.group(2)) == [layer.key for layer in OVERVIEW_LAYERS]
    assert json.loads(hook.group(3))["bounds"] == [[27.8, 120.6], [28.0, 120.9]]
    assert "tile.openstreetmap.org" in str(parts.script)


def test_amap_overlays_are_converted_to_gcj02() -> None:
    collection = {"type": "FeatureCollection", "features": [_feature(name="p")]}
    converted = for_tiles(collection, tiles="amap")["features"][0]["geometry"]["coordinates"]
    assert list(converted) == pytest.approx([float(v) for v in wgs84_to_gcj02(120.7, 27.9)], abs=1e-5)
    assert for_tiles(collection, tiles="osm") is collection
    assert for_tiles(collection, tiles="tianditu") is collection  # Tianditu is on CGCS2000 ≈ WGS-84


@pytest.mark.parametrize(("tiles", "key", "expected"), [
    ("amap", "", "webrd0{s}.is.autonavi.com"),
    ("tianditu", "abc123", "tk=abc123"),
])
def test_configured_tiles_reach_the_page(write_layers, tiles: str, key: str, expected: str) -> None:
    app = make_app(write_layers(), TILES=tiles, TIANDITU_KEY=key)
    html = app.test_client().get("/").get_data(as_text=True)
    assert expected in html and "tile.openstreetmap.org" not in html


def test_amap_page_shifts_the_overlays(write_layers) -> None:
    folder = write_layers()
    osm = make_app(folder).test_client().get("/").get_data(as_text=True)
    amap = make_app(folder, TILES="amap").test_client().get("/").get_data(as_text=True)
    shifted_lon, shifted_lat = (round(float(v), 5) for v in wgs84_to_gcj02(120.09, 27.89))
    assert "[120.09, 27.89]" in osm  # a corner of the tiny block, WGS-84
    assert f"[{shifted_lon}, {shifted_lat}]" in amap


def test_every_tile_provider_has_an_attribution() -> None:
    for specs in TILE_LAYERS.values():
        assert all(spec["attr"] and spec["tiles"].startswith("https://") for spec in specs)


def test_blocks_beyond_the_network_are_not_drawn_as_measured_failures() -> None:
    measured_fail = access_block_style(_feature(access_pass=False, access_status="measured"))
    beyond = access_block_style(_feature(access_pass=False, access_status="outside_network"))
    assert measured_fail["fillColor"] == ACCESS_COLORS[False]
    assert beyond["fillColor"] == ACCESS_COLORS[None] and beyond["dashArray"]
