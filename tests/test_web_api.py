"""The JSON/GeoJSON API: FeatureCollections per RFC 7946, filters, single items, access, and every error path."""
from __future__ import annotations

import pytest
import shapely
from flask import Flask

from geo.errors import NetworkSourceError
from web import create_app
from web.core.messages import field_label
from web_fixtures import DATA_DIR, PINNED, make_app, real_app, tiny_app  # noqa: F401

GEOJSON = "application/geo+json"


def _ids(response) -> list[str]:
    return [f["id"] for f in response.get_json()["features"]]


def test_health_counts_the_loaded_layers(real_app: Flask) -> None:
    body = real_app.test_client().get("/api/health").get_json()
    assert body["status"] == "ok"
    assert body["counts"] == {"blocks": 13, "roads": 21, "tasks": 76, "districts": 8}


@pytest.mark.parametrize(("layer", "count"), [("blocks", 13), ("roads", 21), ("tasks", 76), ("districts", 8)])
def test_layers_are_rfc7946_feature_collections(real_app: Flask, layer: str, count: int) -> None:
    response = real_app.test_client().get(f"/api/{layer}")
    assert response.status_code == 200 and response.mimetype == GEOJSON
    doc = response.get_json()
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert len(doc["features"]) == count
    for feature in doc["features"]:
        assert feature["type"] == "Feature" and feature["id"] == feature["properties"]["id"]
        geometry = shapely.geometry.shape(feature["geometry"])
        minx, miny, maxx, maxy = geometry.bounds
        assert 120 < minx <= maxx < 122 and 27 < miny <= maxy < 29  # lon, lat order
        for polygon in getattr(geometry, "geoms", [geometry]):
            if polygon.geom_type == "Polygon":
                assert polygon.exterior.is_ccw  # RFC 7946 §3.1.6 right-hand rule


def test_items_carry_status_and_districts(real_app: Flask) -> None:
    props = real_app.test_client().get("/api/roads/R01").get_json()["properties"]
    assert props["status"] == "未上报" and props["status_color"] == "grey"
    assert props["districts"] == ["龙湾区", "乐清市", "瓯江口产业集聚区"]


def test_district_filter_on_the_plan(real_app: Flask) -> None:
    client = real_app.test_client()
    assert _ids(client.get("/api/blocks", query_string={"district": "龙湾区"})) == ["B02", "B03", "B04"]
    tasks = client.get("/api/tasks", query_string={"district": "瓯海区"}).get_json()["features"]
    assert len(tasks) == 3 + 11  # Attachment 2 section 三: 3 blocks and 11 ring-road tasks


def test_category_filters_read_tier_category_and_kind(real_app: Flask) -> None:
    client = real_app.test_client()
    assert _ids(client.get("/api/roads?category=ring")) == ["RING-N", "RING-E", "RING-S", "RING-W"]
    assert len(_ids(client.get("/api/roads?category=road_continuing"))) == 8
    assert len(_ids(client.get("/api/tasks?category=ring_road"))) == 63
    assert _ids(client.get("/api/blocks?category=示范区块")) == []  # tiers are not assigned yet


def test_status_filter_accepts_colour_or_label(real_app: Flask) -> None:
    client = real_app.test_client()
    assert len(_ids(client.get("/api/tasks?status=grey"))) == 76
    assert len(_ids(client.get("/api/tasks?status=未上报"))) == 76
    assert _ids(client.get("/api/tasks?status=red")) == []


def test_filters_combine(tiny_app: Flask) -> None:
    client = tiny_app.test_client()
    assert _ids(client.get("/api/tasks?district=鹿城区&category=block&status=grey")) == ["E01"]
    assert _ids(client.get("/api/tasks?district=龙湾区&category=block")) == []


@pytest.mark.parametrize(("query", "parameter"), [
    ("district=温州市", "district"),
    ("category=road_continuing", "category"),  # a road category is not a block tier
    ("status=blue", "status"),
    ("colour=grey", "colour"),
    ("district=温州市&status=blue", "district, status"),
])
def test_bad_filters_are_400_naming_the_parameter(tiny_app: Flask, query: str, parameter: str) -> None:
    response = tiny_app.test_client().get(f"/api/blocks?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_parameter" and body["parameter"] == parameter
    assert all(field_label(name) in body["message"] for name in parameter.split(", "))  # Chinese, with the labels
    english = tiny_app.test_client().get(f"/api/blocks?{query}", headers={"Accept-Language": "en"}).get_json()
    assert all(name in english["message"] for name in parameter.split(", "))


def test_single_item_and_unknown_ids(tiny_app: Flask) -> None:
    client = tiny_app.test_client()
    feature = client.get("/api/blocks/B01").get_json()
    assert feature["type"] == "Feature" and feature["properties"]["name"] == "测试区块"
    for path in ("/api/blocks/B99", "/api/roads/B01", "/api/tasks/E99"):
        response = client.get(path)
        assert response.status_code == 404 and response.is_json
        assert response.get_json()["error"] == "not_found"
        assert path.rsplit("/", 1)[1] in response.get_json()["message"]


def test_districts_layer_takes_no_parameters(tiny_app: Flask) -> None:
    response = tiny_app.test_client().get("/api/districts?district=鹿城区")
    assert response.status_code == 400 and response.get_json()["parameter"] == "district"


def test_unknown_route_and_wrong_method_are_json(tiny_app: Flask) -> None:
    client = tiny_app.test_client()
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    post = client.post("/api/blocks")
    assert post.status_code == 405 and post.get_json()["error"] == "method_not_allowed"
    assert "GET" in post.headers["Allow"]


def test_server_errors_are_json_without_traceback(write_layers) -> None:
    app = make_app(write_layers())

    def broken() -> None:
        raise RuntimeError("secret internal detail")

    def bad_network() -> None:
        raise NetworkSourceError("the network file /x.osm is not OSM XML")

    app.add_url_rule("/api/broken", view_func=broken)
    app.add_url_rule("/api/bad-network", view_func=bad_network)
    client = app.test_client()
    response = client.get("/api/broken")
    assert response.status_code == 500 and response.get_json()["error"] == "server_error"
    assert "secret" not in response.text and "Traceback" not in response.text
    known = client.get("/api/bad-network", headers={"Accept-Language": "en"})
    assert known.status_code == 500 and "not OSM XML" in known.get_json()["message"]
    assert client.get("/api/bad-network").get_json()["message"] == "服务器内部错误，请稍后再试。"


def test_access_report_has_every_section_and_names_the_osm_network(real_app: Flask) -> None:
    response = real_app.test_client().get("/api/access?scenario=planned&congestion=1")
    assert response.status_code == 200
    report = response.get_json()
    assert {"network", "params", "coverage", "districts", "blocks", "ring_loop", "verdict"} <= set(report)
    assert report["network"]["source"] == "osm" and report["network"]["extract"] == "BBBike 2026-06-08"
    assert report["network"]["attribution"] == "© OpenStreetMap contributors" and not report["network"]["schematic"]
    assert report["params"]["scenario"] == "planned" and report["params"]["congestion"] == pytest.approx(1.0)
    assert len(report["blocks"]) == 13
    assert set(report["ring_loop"]["directions"]) == {"clockwise", "counterclockwise"}


def test_access_results_are_cached_per_scenario_and_congestion(real_app: Flask) -> None:
    from web.core.state import corridor_state

    client = real_app.test_client()
    state = corridor_state(real_app)
    first = client.get("/api/access?scenario=baseline&congestion=0.6").get_json()
    size = state.cache_size
    again = client.get("/api/access?congestion=0.6000001&scenario=baseline").get_json()
    assert again == first and state.cache_size == size
    peak_planned = client.get("/api/access?scenario=planned&congestion=0.6").get_json()
    assert state.cache_size == size + 1
    assert peak_planned["params"]["scenario"] == "planned"


def test_isochrones_are_four_bands(real_app: Flask) -> None:
    response = real_app.test_client().get("/api/access/isochrones?scenario=planned")
    assert response.status_code == 200 and response.mimetype == GEOJSON
    bands = response.get_json()["features"]
    assert [b["properties"]["to_min"] for b in bands] == [5, 10, 15, None]


@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/access?scenario=tomorrow", "scenario"),
    ("/api/access?congestion=fast", "congestion"),
    ("/api/access?congestion=-0.5", "congestion"),
    ("/api/access?congestion=nan", "congestion"),
    ("/api/access?speed=1", "speed"),
    ("/api/access/isochrones?scenario=compare", "scenario"),
])
def test_bad_access_parameters_are_400(real_app: Flask, path: str, parameter: str) -> None:
    response = real_app.test_client().get(path)
    assert response.status_code == 400
    assert response.get_json()["parameter"] == parameter


def test_data_dir_is_the_configured_one(write_layers, monkeypatch) -> None:
    # The tiny layers differ from the shipped ones (one block B01 测试区块, no B13): whichever folder is configured
    # (DATA_DIR, or CORRIDOR_DATA_DIR when DATA_DIR is not set) is the one served, never data/.
    tiny = write_layers()
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(DATA_DIR))  # the setting wins over the environment
    for client in (make_app(tiny).test_client(), _app_without_data_dir(tiny, monkeypatch).test_client()):
        blocks = client.get("/api/blocks").get_json()["features"]
        assert [(f["id"], f["properties"]["name"]) for f in blocks] == [("B01", "测试区块")]
        assert client.get("/api/blocks/B13").status_code == 404
    shipped = make_app(DATA_DIR).test_client()
    assert shipped.get("/api/blocks/B13").status_code == 200
    assert len(shipped.get("/api/blocks").get_json()["features"]) == 13


def _app_without_data_dir(data_dir, monkeypatch) -> Flask:
    """An app configured like :func:`make_app` but without ``DATA_DIR``: it reads ``CORRIDOR_DATA_DIR``."""
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(data_dir))
    app = make_app(data_dir)
    return create_app({**PINNED, "INSTANCE_PATH": app.instance_path})
