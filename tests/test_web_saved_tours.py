"""Saved tours in the web app: POST/GET /api/tours/saved, the 「保存路线」 form of /tour, the 已保存路线 page and
the phone-first field page /tour/<id>/field (Flask client, and headless Chromium at a phone's size)."""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geo.status import models
from geo.plan.coords import wgs84_to_gcj02
from geo.status.store import utc_now
from geo.accounts.users import add_user
from status_web_fixtures import PASSWORDS, login
from test_web_browser import browser  # noqa: F401
from test_web_field_offline import TILE_PNG
from web.core.database import app_store
from web.core.tiles import TILE_LAYERS
from web_fixtures import DATA_DIR, log_in_through_form, make_app, served

CONTRACT_KEYS = {"id", "title", "tour_date", "owner", "created_at", "request", "result"}
FIELD_DATA = re.compile(r'<script type="application/json" id="field-data">(.*?)</script>', re.S)
STOP_ITEM = re.compile(r'<li class="field-stop[^"]*"\s+data-site-id="([^"]+)" data-order="(\d+)" '
                       r'data-checked-in="(true|false)"( aria-current="step")?>')


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    """The app on the shipped plan and network with an empty SQLite database and one user per role."""
    app = make_app(DATA_DIR)
    for role, password in PASSWORDS.items():
        add_user(app_store(app), role, role=role, password=password, actor="test")
    yield app
    app_store(app).close()


def _client(app: Flask, role: str | None) -> tuple[FlaskClient, str | None]:
    client = app.test_client()
    return client, login(client, role) if role else None


def _save(app: Flask, sites: list[str], *, title: str = "二季度观摩", tour_date: str = "2021-06-18") -> dict:
    client, token = _client(app, "editor")
    response = client.post("/api/tours/saved", json={"title": title, "tour_date": tour_date, "sites": sites,
                                                     "depart": "09:00"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _check_in(app: Flask, tour_id: int, site_id: str) -> None:
    with app_store(app).write() as session:
        session.add(models.TourCheckin(client_id=f"{tour_id}-{site_id}", tour_id=tour_id, site_id=site_id,
                                       checked_in_at=datetime(2021, 6, 18, 9, 30, tzinfo=timezone.utc),
                                       received_at=utc_now(), far=False, note="", author="editor"))


def test_editor_saves_a_tour_and_anyone_logged_in_reads_it(app: Flask) -> None:
    client, token = _client(app, "editor")
    response = client.post("/api/tours/saved", headers={"X-CSRF-Token": token},
                           json={"title": "二季度观摩", "tour_date": "2021-06-18", "sites": ["B01", "R03"],
                                 "dwell_by_site": {"B01": 45}, "lunch": "12:00-13:00"})
    assert response.status_code == 201
    saved = response.get_json()
    assert set(saved) == CONTRACT_KEYS and response.headers["Location"] == f"/api/tours/saved/{saved['id']}"
    assert (saved["title"], saved["tour_date"], saved["owner"]) == ("二季度观摩", "2021-06-18", "editor")
    planned = app.test_client().post("/api/tours", json={"sites": ["B01", "R03"], "dwell_by_site": {"B01": 45},
                                                          "lunch": "12:00-13:00"}).get_json()
    assert saved["result"]["legs"] == planned["legs"] and saved["result"]["points"] == planned["points"]
    assert saved["request"]["sites"] == [site["id"] for site in planned["order"]]
    assert saved["request"]["dwell_by_site"] == {"B01": 45.0} and saved["request"]["lunch"] == "12:00-13:00"
    viewer, _ = _client(app, "viewer")
    assert viewer.get(f"/api/tours/saved/{saved['id']}").get_json() == saved
    listed = {tour["id"]: tour for tour in viewer.get("/api/tours/saved").get_json()["tours"]}
    assert listed[saved["id"]]["sites"] == saved["request"]["sites"]
    assert listed[saved["id"]]["field_url"] == f"/tour/{saved['id']}/field"


def test_saving_needs_login_csrf_and_an_editor(app: Flask) -> None:
    body = {"title": "观摩", "tour_date": "2021-06-18", "sites": ["B01"]}
    anonymous = app.test_client()
    assert anonymous.post("/api/tours/saved", json=body).status_code == 401
    assert anonymous.get("/api/tours/saved").status_code == 401
    viewer, token = _client(app, "viewer")
    response = viewer.post("/api/tours/saved", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 403 and "无此权限" in response.get_json()["message"]
    editor, _ = _client(app, "editor")
    assert editor.post("/api/tours/saved", json=body).get_json()["error"] == "csrf"


def test_bad_input_is_refused_naming_each_field_in_chinese(app: Flask) -> None:
    client, token = _client(app, "editor")
    response = client.post("/api/tours/saved", headers={"X-CSRF-Token": token},
                           json={"title": " ", "tour_date": "2021-06-31", "sites": ["B01"]})
    assert response.status_code == 400
    body = response.get_json()
    assert [p["field"] for p in body["problems"]] == ["title", "tour_date"]
    assert "路线名称：不能为空" in body["message"] and "巡查日期：应为 YYYY-MM-DD" in body["message"]
    unknown = client.post("/api/tours/saved", headers={"X-CSRF-Token": token},
                          json={"title": "观摩", "tour_date": "2021-06-18", "sites": ["B01"], "colour": "red"})
    assert unknown.status_code == 400 and unknown.get_json()["parameter"] == "colour"
    missing = client.get("/api/tours/saved/987654")
    assert missing.status_code == 404 and "找不到编号为「987654」的已保存路线" in missing.get_json()["message"]
    page = client.get("/tour/987654/field")
    assert page.status_code == 404 and "找不到编号为「987654」的已保存路线" in page.get_data(as_text=True)


def test_the_tour_page_form_saves_the_tour_and_opens_its_field_page(app: Flask) -> None:
    client, _ = _client(app, "editor")
    page = client.get("/tour?site=B01&site=B05&depart=10:30").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/tours/saved" id="tour-save-form".*?</form>', page, re.S).group(0)
    fields = {name: html.unescape(value) for name, value in re.findall(r'name="(\w+)"[^>]*?value="([^"]*)"', form)}
    assert fields["query"] == "site=B01&site=B05&depart=10:30" and 'name="tour_date"' in form
    response = client.post("/tours/saved", data={**fields, "title": "龙湾片区观摩", "tour_date": "2021-07-02"})
    assert response.status_code == 303
    tour_id = int(re.fullmatch(r"/tour/(\d+)/field", response.headers["Location"]).group(1))
    saved = client.get(f"/api/tours/saved/{tour_id}").get_json()
    assert (saved["title"], saved["tour_date"], saved["request"]["depart"]) == ("龙湾片区观摩", "2021-07-02", "10:30")
    assert sorted(saved["request"]["sites"]) == ["B01", "B05"]
    refused = client.post("/tours/saved", data={**fields, "title": "", "tour_date": "2021-07-02"})
    assert refused.status_code == 400 and "路线名称：不能为空" in refused.get_data(as_text=True)
    viewer, _ = _client(app, "viewer")
    viewer_page = viewer.get("/tour?site=B01").get_data(as_text=True)
    assert 'id="tour-save-form"' not in viewer_page and "保存路线需要编辑角色" in viewer_page
    assert 'id="tour-save-login"' in app.test_client().get("/tour?site=B01").get_data(as_text=True)


def test_saved_tours_page_lists_the_latest_tour_date_first(app: Flask) -> None:
    later = _save(app, ["B02"], title="九月观摩", tour_date="2099-09-20")
    earlier = _save(app, ["B03"], title="九月前", tour_date="2099-09-19")
    viewer, _ = _client(app, "viewer")
    page = viewer.get("/tours/saved").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<tr data-tour-id="(\d+)">', page)]
    assert ids[:2] == [later["id"], earlier["id"]]
    assert f'href="/tour/{later["id"]}/field"' in page and 'id="main" tabindex="-1"' in page
    assert app.test_client().get("/tours/saved").status_code == 302  # to the login page


def _field_page(client: FlaskClient, tour_id: int) -> tuple[str, dict]:
    response = client.get(f"/tour/{tour_id}/field")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, json.loads(FIELD_DATA.search(page).group(1))


def test_field_page_highlights_the_first_stop_without_a_check_in(app: Flask) -> None:
    saved = _save(app, ["B01", "R03", "B02"])
    stops = [p for p in saved["result"]["points"] if p["role"] == "stop"]
    _check_in(app, saved["id"], stops[1]["id"])  # the second one: the first is still the next
    client, token = _client(app, "editor")
    page, data = _field_page(client, saved["id"])
    items = STOP_ITEM.findall(page)
    assert [(site, int(order)) for site, order, _, _ in items] == [(p["id"], p["seq"]) for p in stops]
    assert [site for site, _, _, current in items if current] == [stops[0]["id"]]
    assert [site for site, _, checked, _ in items if checked == "true"] == [stops[1]["id"]]
    assert data == {"tour_id": saved["id"], "can_check_in": True, "csrf_token": token,
                    "api": {"checkins": f"/api/tours/saved/{saved['id']}/checkins",
                            "photos": f"/api/tours/saved/{saved['id']}/photos"},
                    "stops": [{"site_id": p["id"], "name": p["name"], "lon": p["lon"], "lat": p["lat"],
                               "map_lon": p["lon"], "map_lat": p["lat"], "order": p["seq"],
                               "checked_in": p["id"] == stops[1]["id"]} for p in stops],
                    "tiles": {"url": TILE_LAYERS["osm"][0]["tiles"], "attribution": TILE_LAYERS["osm"][0]["attr"],
                              "subdomains": "abc", "max_zoom": 18},
                    "route": {"type": "MultiLineString",
                              "coordinates": [leg["geometry"]["coordinates"] for leg in saved["result"]["legs"]]}}
    for stop, leg in zip(stops, saved["result"]["legs"]):
        assert html.escape(stop["amap_url"]) in page and "coordinate=gaode" in stop["amap_url"]
        assert f'车程 <span class="leg-drive">{leg["drive_min"]:g}</span> 分钟，里程 <span class="leg-distance">' \
               f'{leg["distance_km"]:g}</span> 公里' in page
    assert '<script defer src="/static/' in page and "field.js" in page and 'id="main" tabindex="-1"' in page
    _check_in(app, saved["id"], stops[0]["id"])
    page, _ = _field_page(client, saved["id"])
    assert [site for site, _, _, current in STOP_ITEM.findall(page) if current] == [stops[2]["id"]]


def _app_with_tiles(tiles: str, **config: object) -> Flask:
    app = make_app(DATA_DIR, TILES=tiles, **config)
    add_user(app_store(app), "editor", role="editor", password=PASSWORDS["editor"], actor="test")
    return app


def _gcj02(coordinates: list[list[float]]) -> list[list[Any]]:
    lons, lats = wgs84_to_gcj02([c[0] for c in coordinates], [c[1] for c in coordinates])
    return [[pytest.approx(lon, abs=1e-5), pytest.approx(lat, abs=1e-5)] for lon, lat in zip(lons, lats)]


def test_field_map_on_amap_tiles_is_shifted_to_gcj02_and_gps_coordinates_stay_wgs84() -> None:
    app = _app_with_tiles("amap")
    try:
        saved = _save(app, ["B01", "R03", "B02"])
        client, _ = _client(app, "editor")
        _, data = _field_page(client, saved["id"])
    finally:
        app_store(app).close()
    stops = [p for p in saved["result"]["points"] if p["role"] == "stop"]
    legs = saved["result"]["legs"]
    assert data["tiles"]["url"] == TILE_LAYERS["amap"][0]["tiles"] and data["tiles"]["subdomains"] == "1234"
    assert data["route"]["type"] == "MultiLineString" and len(data["route"]["coordinates"]) == len(legs)
    for line, leg in zip(data["route"]["coordinates"], legs):
        assert line == _gcj02(leg["geometry"]["coordinates"])
    assert [[s["map_lon"], s["map_lat"]] for s in data["stops"]] == _gcj02([[p["lon"], p["lat"]] for p in stops])
    assert [(s["lon"], s["lat"]) for s in data["stops"]] == [(p["lon"], p["lat"]) for p in stops]  # for the GPS
    shift_lon, shift_lat = (data["stops"][0]["map_lon"] - stops[0]["lon"], data["stops"][0]["map_lat"] - stops[0]["lat"])
    assert 0.003 < shift_lon < 0.006 and -0.004 < shift_lat < -0.001  # GCJ-02's offset around Wenzhou


def test_field_map_on_tianditu_tiles_carries_the_key_as_the_tour_map_does() -> None:
    app = _app_with_tiles("tianditu", TIANDITU_KEY="tk-field-test")
    try:
        saved = _save(app, ["B01", "B02"])
        client, _ = _client(app, "editor")
        page, data = _field_page(client, saved["id"])
        tour_page = client.get("/tour").get_data(as_text=True)
    finally:
        app_store(app).close()
    assert data["tiles"]["url"] == TILE_LAYERS["tianditu"][0]["tiles"].replace("{key}", "tk-field-test")
    assert "tk=tk-field-test" in tour_page  # the field page puts no more in the page than the tour map does
    assert data["stops"][0]["map_lon"] == data["stops"][0]["lon"]
    route_start = data["route"]["coordinates"][0][0]
    assert route_start == saved["result"]["legs"][0]["geometry"]["coordinates"][0]


def _card(page: str, site_id: str) -> str:
    start = page.index(f'data-site-id="{site_id}" data-order=')
    return page[start:page.index("</li>\n", start)]


def test_field_page_shows_each_stops_status_and_open_tasks(app: Flask) -> None:
    saved = _save(app, ["B04", "R02"])
    client, token = _client(app, "editor")
    page, _ = _field_page(client, saved["id"])
    assert "尚无进展上报" in _card(page, "B04") and '<li data-id="E04">' in _card(page, "B04")
    assert "未销号任务（0）" in _card(page, "R02")  # the plan names no road of a ring-road task yet
    headers = {"X-CSRF-Token": token}
    report = {"percent": 40, "state": "进行中", "note": "主体结构施工", "reported_on": "2021-06-30",
              "expected_version": 0}
    assert client.post("/api/items/B04/reports", json=report, headers=headers).status_code == 201
    done = {**report, "percent": 100, "state": "已完成", "note": "整治完成"}
    assert client.post("/api/items/E04/reports", json=done, headers=headers).status_code == 201
    closed = client.post("/api/items/E04/close", json={"note": "验收通过", "expected_version": 1}, headers=headers)
    assert closed.status_code == 201, closed.get_json()
    viewer, _ = _client(app, "viewer")
    page, data = _field_page(viewer, saved["id"])
    card = _card(page, "B04")
    assert '<span class="status-percent">40</span>%' in card and "2021-06-30 editor，进行中：主体结构施工" in card
    assert '<li data-id="E04">' not in card and "未销号任务（0）" in card
    assert data["can_check_in"] is False and 'id="field-view-only"' in page
    assert app.test_client().get(f"/tour/{saved['id']}/field").status_code == 302  # to the login page


@pytest.fixture(scope="module")
def field_server(app: Flask) -> Iterator[str]:
    with served(app) as base:
        yield base


def test_field_page_fits_a_phone_with_the_next_stop_highlighted(app: Flask, browser, field_server) -> None:  # noqa: F811
    saved = _save(app, ["B01", "R03", "B02", "E05"], title="手机巡查：环大罗山科创走廊二季度现场观摩路线")
    stops = [p for p in saved["result"]["points"] if p["role"] == "stop"]
    _check_in(app, saved["id"], stops[0]["id"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).hostname == "127.0.0.1"
                  else route.abort())
    page = context.new_page()
    try:
        log_in_through_form(page, field_server, name="viewer", password=PASSWORDS["viewer"])
        page.goto(f"{field_server}/tour/{saved['id']}/field", wait_until="load")
        assert page.locator("li.field-stop").count() == len(stops)
        assert page.locator("li.field-stop[aria-current=step]").get_attribute("data-site-id") == stops[1]["id"]
        next_card = page.locator("li.field-stop.next")
        assert next_card.locator(".amap-link").is_visible() and next_card.locator(".status-card").is_visible()
        assert page.locator("li.field-stop:not(.next) .status-card").first.is_visible() is False  # folded
        highlighted, plain = (page.locator(f"li.field-stop[data-site-id='{stops[i]['id']}'] summary")
                              .evaluate("(e) => getComputedStyle(e).backgroundColor") for i in (1, 2))
        assert highlighted != plain
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator("#field-stops").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        context.close()


MAP_LAYERS_JS = """() => {
  const map = window.corridorField.map, markers = [], lines = [];
  map.eachLayer((layer) => {
    if (layer instanceof L.CircleMarker) markers.push([layer.getLatLng().lat, layer.getLatLng().lng]);
    else if (layer instanceof L.Polyline) lines.push(layer.getLatLngs().flat().length);
  });
  const box = document.getElementById("field-map").getBoundingClientRect();
  const inside = [...document.querySelectorAll("#field-map path.leaflet-interactive")].every((path) => {
    const r = path.getBoundingClientRect();
    return r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  });
  return {markers, lines, inside, tiles: document.querySelectorAll("#field-map img.leaflet-tile").length};
}"""


def test_field_map_shows_the_stops_and_route_on_a_phone(app: Flask, browser, field_server) -> None:  # noqa: F811
    saved = _save(app, ["B01", "R03", "B02", "E05"], title="现场地图")
    stops = [p for p in saved["result"]["points"] if p["role"] == "stop"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tile_hosts: list[str] = []

    def tiles_or_local(route) -> None:
        host = urlparse(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:  # the base map's tiles: answered here, so the test needs no network
            tile_hosts.append(host)
            route.fulfill(status=200, content_type="image/png", body=TILE_PNG)

    context.route("**/*", tiles_or_local)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        log_in_through_form(page, field_server, name="viewer", password=PASSWORDS["viewer"])
        page.goto(f"{field_server}/tour/{saved['id']}/field", wait_until="load")
        page.wait_for_function("() => window.corridorField && window.corridorField.map")
        page.wait_for_selector("#field-map img.leaflet-tile-loaded")
        shown = page.evaluate(MAP_LAYERS_JS)
        assert shown["markers"] == [[pytest.approx(p["lat"], abs=1e-9), pytest.approx(p["lon"], abs=1e-9)]
                                    for p in stops]
        route_points = sum(len(leg["geometry"]["coordinates"]) for leg in saved["result"]["legs"])
        assert shown["lines"] == [route_points] and shown["inside"] and shown["tiles"] > 0
        assert set(tile_hosts) == {"tile.openstreetmap.org"}
        box = page.locator("#field-map").bounding_box()
        assert box["height"] == pytest.approx(220, abs=2) and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    finally:
        context.close()
