"""OGC API – Features at /ogc (web.gis.ogc) and its pure helpers (geo.exchange.ogc_query): documents, links, paging, bbox, CRS,
property filters and every error path."""
from __future__ import annotations

import pytest
import shapely
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.exchange.ogc_query import CRS84, EPSG_4326, EPSG_4490, Bbox, bbox_from_numbers, in_bbox, matches_properties, swap_axes
from web_fixtures import real_app  # noqa: F401

GEOJSON = "application/geo+json"
COLLECTIONS = ["blocks", "roads", "tasks", "parks", "districts", "isochrones"]


def _get(app: Flask, path: str, **kwargs):
    return app.test_client().get(path, **kwargs)


def test_swap_axes_swaps_every_position() -> None:
    polygon = {"type": "Polygon", "coordinates": [[[120.0, 28.0], [121.0, 28.0], [121.0, 27.0], [120.0, 28.0]]]}
    assert swap_axes(polygon)["coordinates"] == [[[28.0, 120.0], [28.0, 121.0], [27.0, 121.0], [28.0, 120.0]]]
    collection = {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1.0, 2.0, 3.0]}]}
    assert swap_axes(collection)["geometries"][0]["coordinates"] == [2.0, 1.0, 3.0]


def test_bbox_reads_lat_lon_for_the_epsg_codes() -> None:
    assert bbox_from_numbers([120, 27, 121, 28], crs=CRS84) == Bbox(120, 27, 121, 28)
    assert bbox_from_numbers([27, 120, 28, 121], crs=EPSG_4490) == Bbox(120, 27, 121, 28)
    assert bbox_from_numbers([120, 27, 0, 121, 28, 100], crs=CRS84) == Bbox(120, 27, 121, 28)
    with pytest.raises(ValueError, match="4 numbers"):
        bbox_from_numbers([1, 2, 3], crs=CRS84)
    with pytest.raises(ValueError, match="south edge"):
        bbox_from_numbers([120, 29, 121, 28], crs=CRS84)


def test_bbox_across_the_antimeridian_keeps_both_sides() -> None:
    features = [{"geometry": {"type": "Point", "coordinates": [x, 0.0]}} for x in (179.5, -179.5, 0.0)]
    kept = in_bbox(features, Bbox(west=179.0, south=-1.0, east=-179.0, north=1.0))
    assert [f["geometry"]["coordinates"][0] for f in kept] == [179.5, -179.5]


def test_property_filters_compare_text_and_list_members() -> None:
    properties = {"district": "鹿城区", "districts": ["鹿城区", "瓯海区"], "closed": False, "version": 2}
    assert matches_properties(properties, {"districts": "瓯海区", "closed": "false", "version": "2"})
    assert not matches_properties(properties, {"district": "瓯海区"})


def test_landing_page_links_definition_conformance_and_data(real_app: Flask) -> None:
    body = _get(real_app, "/ogc").get_json()
    rels = {link["rel"]: link for link in body["links"]}
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["alternate"]["type"] == "text/html"
    definition = _get(real_app, "/ogc/api")
    assert definition.mimetype == "application/vnd.oai.openapi+json"
    assert "/collections/blocks/items" in definition.get_json()["paths"]


def test_conformance_names_core_geojson_html_and_crs(real_app: Flask) -> None:
    classes = _get(real_app, "/ogc/conformance").get_json()["conformsTo"]
    assert {c.rsplit("/", 1)[1] for c in classes} == {"core", "geojson", "html", "crs"}


def test_collections_describe_extent_and_crs(real_app: Flask) -> None:
    body = _get(real_app, "/ogc/collections").get_json()
    assert [c["id"] for c in body["collections"]] == COLLECTIONS
    blocks = _get(real_app, "/ogc/collections/blocks").get_json()
    assert blocks["crs"] == [CRS84, EPSG_4326, EPSG_4490] and blocks["storageCrs"] == CRS84
    west, south, east, north = blocks["extent"]["spatial"]["bbox"][0]
    assert 120 < west < east < 122 and 27 < south < north < 29
    assert {link["rel"] for link in blocks["links"]} >= {"self", "alternate", "items"}
    isochrones = _get(real_app, "/ogc/collections/isochrones").get_json()
    assert "规划路网" in isochrones["description"]


def test_items_are_the_api_features_with_status(real_app: Flask) -> None:
    response = _get(real_app, "/ogc/collections/tasks/items?limit=100")
    assert response.status_code == 200 and response.mimetype == GEOJSON
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    ogc = response.get_json()
    api = _get(real_app, "/api/tasks").get_json()
    assert ogc["features"] == api["features"]
    assert all({"status", "status_color", "geometry_source"} <= set(f["properties"]) for f in ogc["features"])


def test_items_page_with_next_and_prev_links(real_app: Flask) -> None:
    body = _get(real_app, "/ogc/collections/tasks/items?limit=30&offset=30&kind=ring_road").get_json()
    assert body["numberMatched"] == 63 and body["numberReturned"] == len(body["features"]) == 30
    assert {f["properties"]["kind"] for f in body["features"]} == {"ring_road"}
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert "offset=0" in links["prev"] and "kind=ring_road" in links["prev"]
    assert "offset=60" in links["next"] and "kind=ring_road" in links["next"]
    last = _get(real_app, "/ogc/collections/tasks/items?limit=30&offset=60&kind=ring_road").get_json()
    assert last["numberReturned"] == 3 and "next" not in {link["rel"] for link in last["links"]}
    default = _get(real_app, "/ogc/collections/tasks/items").get_json()
    assert default["numberReturned"] == 10 and "offset=10" in {l["rel"]: l["href"] for l in default["links"]}["next"]


def test_limit_above_the_maximum_is_lowered_not_refused(real_app: Flask) -> None:
    body = _get(real_app, "/ogc/collections/tasks/items?limit=50000").get_json()
    assert body["numberReturned"] == 76


@pytest.mark.parametrize(("query", "parameter"), [
    ("limit=0", "limit"), ("limit=abc", "limit"), ("limit=²", "limit"), ("offset=-1", "offset"),
    ("bbox=1,2,3", "bbox"), ("bbox=1,nan,3,4", "bbox"), ("bbox=120,29,121,28", "bbox"), ("crs=EPSG:4326", "crs"),
    ("bbox-crs=x&bbox=1,2,3,4", "bbox-crs"), ("colour=red", "colour"), ("f=xml", "f"),
])
def test_bad_parameters_are_400_in_chinese_naming_the_field(real_app: Flask, query: str, parameter: str) -> None:
    response = _get(real_app, f"/ogc/collections/blocks/items?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == body["code"] == "invalid_parameter" and body["parameter"] == parameter
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def test_several_bad_parameters_are_reported_at_once(real_app: Flask) -> None:
    body = _get(real_app, "/ogc/collections/blocks/items?limit=0&offset=x").get_json()
    assert body["parameter"] == "limit, offset" and "每页条数" in body["message"] and "起始位置" in body["message"]


def test_english_errors_for_clients_that_ask(real_app: Flask) -> None:
    body = _get(real_app, "/ogc/collections/blocks/items?limit=0", headers={"Accept-Language": "en"}).get_json()
    assert "whole number" in body["description"]


def test_bbox_keeps_what_intersects_in_either_axis_order(real_app: Flask) -> None:
    box = (120.6, 27.9, 120.75, 28.1)
    lonlat = _get(real_app, "/ogc/collections/tasks/items?limit=100&bbox=" + ",".join(map(str, box))).get_json()
    latlon = _get(real_app, f"/ogc/collections/tasks/items?limit=100&bbox=27.9,120.6,28.1,120.75"
                            f"&bbox-crs={EPSG_4326}").get_json()
    expected = [f["id"] for f in _get(real_app, "/api/tasks").get_json()["features"]
                if shapely.geometry.shape(f["geometry"]).intersects(shapely.box(*box))]
    assert 0 < len(expected) < 76
    assert [f["id"] for f in lonlat["features"]] == [f["id"] for f in latlon["features"]] == expected


@pytest.mark.parametrize("crs", [EPSG_4326, EPSG_4490])
def test_epsg_output_is_lat_lon(real_app: Flask, crs: str) -> None:
    plain = _get(real_app, "/ogc/collections/blocks/items/B01").get_json()
    response = _get(real_app, f"/ogc/collections/blocks/items/B01?crs={crs}")
    assert response.headers["Content-Crs"] == f"<{crs}>"
    swapped = response.get_json()
    first = plain["geometry"]["coordinates"][0][0]
    assert swapped["geometry"]["coordinates"][0][0] == [first[1], first[0]]
    assert swapped["properties"] == plain["properties"]


def test_unknown_collection_and_feature_are_404(real_app: Flask) -> None:
    for path in ("/ogc/collections/lakes", "/ogc/collections/lakes/items", "/ogc/collections/blocks/items/B99"):
        response = _get(real_app, path)
        assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_isochrones_are_the_planned_bands_with_ids(real_app: Flask) -> None:
    body = _get(real_app, "/ogc/collections/isochrones/items").get_json()
    assert [f["id"] for f in body["features"]] == ["0-5", "5-10", "10-15", ">15"]
    api = _get(real_app, "/api/access/isochrones?scenario=planned").get_json()
    assert [f["geometry"] for f in body["features"]] == [f["geometry"] for f in api["features"]]


def test_parks_carry_the_quarters_colour(real_app: Flask) -> None:
    body = _get(real_app, "/ogc/collections/parks/items").get_json()
    api = _get(real_app, "/api/parks").get_json()
    assert body["numberMatched"] == 6 and body["features"] == api["features"]


def test_html_pages_are_chinese(real_app: Flask) -> None:
    page = _get(real_app, "/ogc/collections/blocks/items?f=html&limit=3")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "重点区块" in text and "共 13 个要素" in text and 'rel="next"' in text
    browser = _get(real_app, "/ogc/collections", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.mimetype == "text/html" and "入环时间等时圈" in browser.get_data(as_text=True)
    error = _get(real_app, "/ogc/collections/blocks/items?f=html&limit=0")
    assert error.status_code == 400 and error.mimetype == "text/html"
    missing = _get(real_app, "/ogc/collections/lakes", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "找不到" in missing.get_data(as_text=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["limit", "offset", "bbox", "bbox-crs", "crs", "f", "status", "districts", "zzz"]),
       value=st.text(max_size=20))
def test_fuzzed_parameters_never_fail_the_server(real_app: Flask, name: str, value: str) -> None:
    response = real_app.test_client().get("/ogc/collections/roads/items", query_string={name: value})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.get_json()["parameter"] == name
