"""What the item editor asks the server (web/editing/editor_api.py): the streets around an item to snap to, the other plan
features nearby, and the union of drawn polygons (editors only, with the CSRF token; nothing stored)."""
from __future__ import annotations

import json
import re

import pytest
import shapely
from flask import Flask
from shapely.geometry import shape

from status_web_fixtures import csrf_from, login, status_app  # noqa: F401
from web_fixtures import real_app  # noqa: F401

EDITOR_DATA = re.compile(r'<script type="application/json" id="editor-data">(.*?)</script>', re.S)


def _square(x0: float, y0: float, size: float = 0.01) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_the_streets_around_a_block_come_from_the_road_network(real_app: Flask) -> None:  # noqa: F811
    client = real_app.test_client()
    block = shape(client.get("/api/blocks/B05").json["geometry"])
    west, south, east, north = block.buffer(0.005).bounds
    response = client.get(f"/api/network/edges?bbox={west},{south},{east},{north}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    streets = response.json
    assert 10 < len(streets["features"]) <= 3000 and streets["network"]["source"] == "osm"
    lines = [shape(f["geometry"]) for f in streets["features"]]
    box = shapely.box(west, south, east, north)
    assert all(line.geom_type == "LineString" and line.intersects(box.buffer(0.05)) for line in lines)
    lengths = [f["properties"]["length_m"] for f in streets["features"]]
    assert lengths == sorted(lengths, reverse=True)


@pytest.mark.parametrize(("query", "parameter"), [("", "bbox"), ("?bbox=1,2,3", "bbox"),
                                                  ("?bbox=120.6,27.8,121.0,28.2", "bbox"),
                                                  ("?bbox=120.7,27.9,120.71,27.91&limit=5", "limit")])
def test_a_bad_street_query_is_400_naming_the_parameter(real_app: Flask, query: str, parameter: str) -> None:  # noqa: F811
    response = real_app.test_client().get("/api/network/edges" + query)
    assert response.status_code == 400 and response.json["parameter"] == parameter
    assert re.search(r"[\u4e00-\u9fff]", response.json["message"])


def test_the_item_page_hands_the_editor_its_neighbours_but_not_its_own_shape(real_app: Flask) -> None:  # noqa: F811
    html = real_app.test_client().get("/items/B01").get_data(as_text=True)
    data = json.loads(EDITOR_DATA.search(html).group(1))
    ids = {f["id"] for f in data["neighbours"]["features"]}
    assert ids and "B01" not in ids
    assert "E01" not in ids  # B01's block task shares its polygon: snapping to it would pull vertices back
    assert data["edgesUrl"] == "/api/network/edges" and data["unionUrl"] == "/api/geometry/union"


def test_only_an_editor_page_loads_geoman(real_app: Flask, status_app: Flask) -> None:  # noqa: F811
    assert "leaflet-geoman" not in real_app.test_client().get("/items/B01").get_data(as_text=True)
    client = status_app.test_client()
    login(client, "editor")
    page = client.get("/items/B01").get_data(as_text=True)
    assert "vendor/leaflet-geoman/leaflet-geoman.min.js" in page and "leaflet-geoman.css" in page


def test_an_editor_gets_the_union_of_polygons(status_app: Flask) -> None:  # noqa: F811
    client = status_app.test_client()
    token = login(client, "editor")
    response = client.post("/api/geometry/union", json={"geometries": [_square(120.1, 27.9), _square(120.105, 27.9)]},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 200
    assert response.json["type"] == "Polygon"
    assert shape(response.json).area == pytest.approx(0.015 * 0.01, rel=1e-6)


@pytest.mark.parametrize(("role", "csrf", "status"), [(None, True, 401), ("viewer", True, 403),
                                                       ("editor", False, 400)])
def test_the_union_needs_an_editor_and_the_csrf_token(status_app: Flask, role: str | None, csrf: bool,  # noqa: F811
                                                     status: int) -> None:
    client = status_app.test_client()
    token = login(client, role) if role else csrf_from(client)
    headers = {"X-CSRF-Token": token} if csrf else {}
    body = {"geometries": [_square(120.1, 27.9), _square(120.105, 27.9)]}
    assert client.post("/api/geometry/union", json=body, headers=headers).status_code == status


@pytest.mark.parametrize(("body", "field"), [
    ({"geometries": [_square(120.1, 27.9)]}, "geometries"),
    ({"geometries": [_square(120.1, 27.9), {"type": "Point", "coordinates": [120.1, 27.9]}]}, "geometries[1]"),
    ({"geometries": [], "extra": 1}, "body"),
    ([1, 2], "body"),
])
def test_a_bad_union_body_is_400_in_chinese_naming_the_field(status_app: Flask, body: object,  # noqa: F811
                                                            field: str) -> None:
    client = status_app.test_client()
    token = login(client, "editor")
    response = client.post("/api/geometry/union", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["parameter"] == field
    assert re.search(r"[\u4e00-\u9fff]", response.json["message"])
