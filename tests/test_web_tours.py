"""The tour planner in the web app: /tour page, GPX download and POST /api/tours (Flask client and Chromium)."""
from __future__ import annotations

import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask

from environment import unavailable
from geo.plan.coords import wgs84_to_gcj02
from geo.tours.itinerary import GPX_NAMESPACE
from web.core.features import DISPLAY_PRECISION
from web_fixtures import DATA_DIR, live_server, make_app, real_app  # noqa: F401

MAX_PAGE_BYTES = 1_500_000
CHROMIUM = Path("/usr/bin/chromium")
EVERY_SITE = [*(f"B{i:02d}" for i in range(1, 14)), *(f"R{i:02d}" for i in range(1, 18)),
              *(f"RING-{side}" for side in "NESW"), *(f"E{i:02d}" for i in range(1, 77))]
TOUR_QUERY = "site=B01&site=B05&site=R03&depart=10:30&lunch=1&lunch_from=12:00&lunch_to=13:00&lunch_minutes=45"


def test_form_lists_every_site(real_app: Flask) -> None:
    response = real_app.test_client().get("/tour")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert len(re.findall(r'<input type="checkbox" name="site"', page)) == 13 + 21 + 76
    assert 'id="itinerary"' not in page and "巡查路线" in page
    assert 'value="温州市人民政府"' in page


def test_page_shows_itinerary_with_clock_times_and_amap_links(real_app: Flask) -> None:
    response = real_app.test_client().get(f"/tour?{TOUR_QUERY}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert len(response.data) < MAX_PAGE_BYTES
    rows = re.findall(r'<tr data-id="([^"]+)" data-role="(\w+)">', page)
    assert rows[0] == ("温州市人民政府", "start") and rows[-1] == ("温州市人民政府", "return")
    assert sorted(r[0] for r in rows[1:-1]) == ["B01", "B05", "R03"]
    assert page.count('class="amap-link"') == 5 and "coordinate=gaode" in page
    assert "OpenStreetMap 真实路网" in page and 'id="tour-lunch"' in page and "id=\"gpx-link\"" in page
    assert 'id="print-button"' in page and "@media print" not in page  # print rules live in tour.css


def test_page_on_amap_tiles_draws_the_route_in_gcj02(real_app: Flask) -> None:
    amap = make_app(DATA_DIR, TILES="amap")
    wgs = real_app.test_client().post("/api/tours", json={"sites": ["B01"]}).get_json()
    page = amap.test_client().get("/tour?site=B01").get_data(as_text=True)
    lon, lat = wgs["legs"][0]["geometry"]["coordinates"][1]
    gcj_lon, gcj_lat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    pair = lambda x, y: json.dumps([round(x, DISPLAY_PRECISION), round(y, DISPLAY_PRECISION)])  # noqa: E731
    assert pair(gcj_lon, gcj_lat) in page and pair(lon, lat) not in page


def test_page_reports_bad_input_naming_the_field(real_app: Flask) -> None:
    response = real_app.test_client().get("/tour?site=B01&site=B99&dwell=-3")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="tour-error" data-field="dwell, sites"' in page and "B99" in page


def test_gpx_download(real_app: Flask) -> None:
    response = real_app.test_client().get(f"/tour/gpx?{TOUR_QUERY}")
    assert response.status_code == 200 and response.mimetype == "application/gpx+xml"
    assert "attachment" in response.headers["Content-Disposition"]
    root = ET.fromstring(response.data)
    assert len(root.findall(f"{{{GPX_NAMESPACE}}}wpt")) == 5
    assert len(root.findall(f"{{{GPX_NAMESPACE}}}trk/{{{GPX_NAMESPACE}}}trkseg")) == 4


def test_api_plans_a_tour(real_app: Flask) -> None:
    body = {"sites": ["B01", "B05", "R03"], "end": "open", "depart": "11:00", "dwell": 30,
            "dwell_by_site": {"R03": 10}, "lunch": "12:00-13:00", "lunch_minutes": 40, "budget": 120}
    response = real_app.test_client().post("/api/tours", json=body)
    assert response.status_code == 200
    tour = response.get_json()
    assert sorted(o["id"] for o in tour["order"]) == ["B01", "B05", "R03"]
    assert tour["points"][0]["id"] == "温州市人民政府" and tour["points"][-1]["role"] == "stop"
    assert len(tour["legs"]) == 3 and all(leg["geometry"]["type"] == "LineString" for leg in tour["legs"])
    dwell = {p["id"]: p["dwell_min"] for p in tour["points"]}
    assert dwell["R03"] == 10 and dwell["B01"] == 30
    assert tour["lunch"]["taken"] and tour["totals"]["lunch_min"] == 40
    assert tour["budget"]["within"] is False and tour["network"]["label"] == "OpenStreetMap 真实路网（BBBike 2026-06-08 提取）"
    link = urllib.parse.urlparse(tour["points"][1]["amap_url"])
    assert link.netloc == "uri.amap.com" and "coordinate=gaode" in link.query


def test_api_and_page_switch_the_scenario(real_app: Flask) -> None:
    client = real_app.test_client()
    planned = client.post("/api/tours", json={"sites": ["B01", "B05"]}).get_json()
    baseline = client.post("/api/tours", json={"sites": ["B01", "B05"], "scenario": "baseline"}).get_json()
    assert planned["params"]["scenario"] == "planned" and planned["params"]["edges_left_out"] == 0
    assert baseline["params"]["scenario"] == "baseline" and baseline["params"]["edges_left_out"] > 0
    page = client.get("/tour?site=B01&scenario=baseline").get_data(as_text=True)
    assert 'id="tour-scenario" data-scenario="baseline">现状路网<' in page
    assert '<option value="baseline" selected>' in page
    default = client.get("/tour?site=B01").get_data(as_text=True)
    assert 'data-scenario="planned">规划路网<' in default and '<option value="planned" selected>' in default
    bad = client.get("/tour?site=B01&scenario=future")
    assert bad.status_code == 400 and 'data-field="scenario"' in bad.get_data(as_text=True)


def test_unreachable_sites_show_their_distance(real_app: Flask) -> None:
    tour = real_app.test_client().post("/api/tours", json={"sites": ["B01", "B05"], "end": "open"}).get_json()
    assert tour["params"]["max_snap_m"] == 1000
    assert all(u["distance_m"] > 1000 or u["reason"] == "disconnected" for u in tour["unreachable"])


def test_api_query_by_district_and_status(real_app: Flask) -> None:
    body = {"query": {"district": "瓯江口产业集聚区", "status": "未上报"}, "end": "open"}
    response = real_app.test_client().post("/api/tours", json=body)
    assert response.status_code == 200
    tour = response.get_json()
    assert tour["totals"]["stops"] + len(tour["unreachable"]) >= 9  # the zone's block, its block task, 8 ring tasks


@pytest.mark.parametrize(("body", "parameter", "message"), [
    ({"sites": ["B01", "B99"]}, "sites", "unknown site id(s): B99"),
    ({"sites": []}, "sites", "expected at least one site"),
    ({"sites": EVERY_SITE}, "sites", "at most 60 stops per tour, got "),  # > 60 reach the road, whatever the network
    ({"sites": ["B01"], "scenario": "compare"}, "scenario", "expected 'planned' (the network as mapped) or"),
    ({"sites": ["B01"], "scenario": 1}, "scenario", "got 1"),
    ({"sites": ["B01"], "dwell": -5}, "dwell", "expected dwell minutes from 0 to 1440"),
    ({"sites": ["B01"], "dwell": "long"}, "dwell", "expected a number"),
    ({"sites": ["B01"], "depart": "25:00"}, "depart", "expected a time of day as HH:MM"),
    ({"sites": ["B01"], "lunch": "13:00-12:00"}, "lunch", "must end after it starts"),
    ({"sites": ["B01"], "end": "nowhere"}, "end", "expected a site id"),
    ({"sites": "B01"}, "sites", "expected a list of site ids"),
    ({"sites": ["B01"], "colour": "red"}, "colour", "unknown field"),
    ({"query": {"status": "purple"}}, "query.status", "expected one of"),
    ([1, 2], "body", "expected a JSON object"),
])
def test_api_bad_input_is_a_400_naming_the_field(real_app: Flask, body: object, parameter: str,
                                                 message: str) -> None:
    response = real_app.test_client().post("/api/tours", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    error = response.get_json()
    assert error["error"] == "invalid_parameter" and error["parameter"] == parameter
    assert message in error["message"] and "Traceback" not in response.get_data(as_text=True)


def test_api_rejects_a_body_that_is_not_json(real_app: Flask) -> None:
    response = real_app.test_client().post("/api/tours", data="sites=B01", content_type="text/plain")
    assert response.status_code == 400 and response.get_json()["parameter"] == "body"


def test_api_rejects_a_deeply_nested_body_without_login(real_app: Flask) -> None:
    for body in ("[" * 100_000 + "]" * 100_000, '{"sites": ' + "[" * 50_000 + "]" * 50_000 + "}"):
        response = real_app.test_client().post("/api/tours", data=body, content_type="application/json", headers={"Accept-Language": "en"})
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert response.get_json()["parameter"] == "body" and "nested too deeply" in response.get_json()["message"]


@pytest.fixture(scope="module")
def chromium_page(live_server: str) -> Iterator[tuple[object, list[str], list[str]]]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        blocked: list[str] = []
        errors: list[str] = []

        def route(request_route) -> None:
            if urlparse(request_route.request.url).hostname in {"127.0.0.1", "localhost"}:
                request_route.continue_()
            else:
                blocked.append(request_route.request.url)
                request_route.abort()

        page.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and m.location.get("url") not in blocked
                and errors.append(m.text))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page, errors, blocked
        browser.close()


@pytest.mark.browser
def test_tour_page_in_a_browser(chromium_page, live_server: str) -> None:
    page, errors, blocked = chromium_page
    page.goto(f"{live_server}/tour?{TOUR_QUERY}")
    page.wait_for_load_state("networkidle")
    counts = page.evaluate("Object.fromEntries(Object.entries(window.corridorLayers)"
                           ".map(([k, l]) => [k, l.getLayers().length]))")
    assert counts["route"] == 4 and counts["stops"] == 4  # 4 legs; start + 3 stops (the return is the start)
    labels = page.locator(".stop-number").all_inner_texts()
    assert sorted(labels) == ["1", "2", "3", "起"]
    checked = "document.querySelectorAll('#tour-form input[name=site]:checked').length"
    assert page.evaluate(checked) == 3
    page.evaluate("window.corridorLayers.blocks.getLayers()"
                  ".find((l) => l.feature.properties.id === 'B02').fire('click')")
    assert page.evaluate(checked) == 4 and page.locator("#selected-count").inner_text() == "4"
    assert errors == []
    assert {urlparse(url).hostname for url in blocked} <= {"tile.openstreetmap.org"}


UNREACHABLE = "B10"  # 瑞安罗阳未来科技城核心区: 1,211 m from the nearest road of the bundled network
ASK_QUERY = f"site=B01&site={UNREACHABLE}&site=B05&plan=1"
ITINERARY_ID = re.compile(r'id="([\w-]+)"')


def test_api_check_lists_unreachable_sites_before_planning(real_app: Flask) -> None:
    client = real_app.test_client()
    report = client.get(f"/api/tours/check?sites=B01,{UNREACHABLE},B05").get_json()
    assert report["counts"] == {"chosen": 3, "reachable": 2, "unreachable": 1} and report["can_plan"] is True
    [far] = report["unreachable"]
    assert far["id"] == UNREACHABLE and far["reason"] == "far" and far["distance_m"] > report["max_snap_m"] == 1000
    assert report["summary"] == f"共选 3 个点位，其中 1 个无法到达（{UNREACHABLE} 瑞安罗阳未来科技城核心区），路线包含 2 个点位"
    alone = client.get(f"/api/tours/check?site={UNREACHABLE}").get_json()
    assert alone["can_plan"] is False and alone["problem"]["kind"] == "sites_unreachable"
    empty = client.get("/api/tours/check?scenario=baseline")
    assert empty.status_code == 400 and empty.get_json()["parameter"] == "sites"


def test_page_asks_before_planning_without_unreachable_sites(real_app: Flask) -> None:
    client = real_app.test_client()
    asked = client.get(f"/tour?{ASK_QUERY}")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="reach-check"' in page and 'id="itinerary"' not in page
    assert f'<li data-id="{UNREACHABLE}" data-reason="far">' in page and "距最近道路 1,211 米" in page
    assert f'name="confirm" value="{UNREACHABLE}"' in page and "按其余 2 个点位规划路线" in page
    other = client.get(f"/tour?{ASK_QUERY}&confirm=B01").get_data(as_text=True)
    assert 'id="reach-check"' in other and 'id="itinerary"' not in other  # confirmed something else: ask again
    planned = client.get(f"/tour?{ASK_QUERY}&confirm={UNREACHABLE}")
    page = planned.get_data(as_text=True)
    assert planned.status_code == 200 and 'id="reach-check"' not in page
    ids = ITINERARY_ID.findall(page[page.index('id="itinerary"'):])
    assert ids.index("tour-selection") < ids.index("unreachable") < ids.index("itinerary-table")  # in the header
    assert (f"共选 3 个点位，其中 1 个无法到达（{UNREACHABLE} 瑞安罗阳未来科技城核心区），路线包含 2 个点位</p>"
            in page)


def test_page_without_any_reachable_site_says_so(real_app: Flask) -> None:
    response = real_app.test_client().get(f"/tour?site={UNREACHABLE}&plan=1")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-can-plan="false"' in page and 'id="confirm-plan"' not in page
    assert 'id="tour-error" data-field="sites"' in page and 'id="itinerary"' not in page


def test_submitting_without_a_site_names_the_field_in_chinese(real_app: Flask) -> None:
    from web.core.message_texts import KIND_TEXTS
    from web.core.messages import field_label

    response = real_app.test_client().get("/tour?plan=1&start=温州市人民政府&end=start&depart=08:30&dwell=20")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(r'<p [^>]*id="tour-error" data-field="sites">(.*?)</p>', page).group(1)
    assert field_label("sites") in error and KIND_TEXTS["sites_empty"] in error and "expected" not in error
    assert 'id="tour-error"' in page.split('id="tour-form"')[0]  # above the long form, where it is seen
    assert real_app.test_client().get("/tour").status_code == 200  # merely opening the page is no submission


@pytest.mark.parametrize(("end", "shown"), [("start", "返回起点"), ("open", "不返回（开放路线，最后一个点位结束）"),
                                            ("B05", "温州南湖科创小镇")])
def test_end_is_shown_in_words(real_app: Flask, end: str, shown: str) -> None:
    page = real_app.test_client().get(f"/tour?site=B01&site=B05&end={end}").get_data(as_text=True)
    assert f'<span id="tour-end" data-end="{end}">{shown}</span>' in page
    selected = re.search(r'<select [^>]*id="end" name="end">.*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)" selected>', selected) == [end]
    assert '<option value="start" selected>' not in page or end == "start"
    assert not re.search(r'<input[^>]*name="end"', page)  # a choice in words, never a raw value to edit


def test_forty_minute_stops_eat_inside_the_lunch_window(real_app: Flask) -> None:
    body = {"sites": ["B05", "B08", "B09", "B11", "B13"], "dwell": 40, "lunch": "12:00-13:00", "depart": "08:30"}
    for dwell in range(20, 65, 5):
        tour = real_app.test_client().post("/api/tours", json={**body, "dwell": dwell}).get_json()
        lunch = tour["lunch"]
        assert lunch["taken"], (dwell, lunch)
        assert "12:00" <= lunch["start"] and lunch["end"] <= "13:00", (dwell, lunch)
        [at] = [p for p in tour["points"] if p["lunch_min"]]
        assert at["depart_min"] - at["arrive_min"] == pytest.approx(dwell + 60 + at["wait_min"], abs=0.06)


def test_page_shows_the_lunch_inside_its_window(real_app: Flask) -> None:
    page = real_app.test_client().get("/tour?site=B05&site=B08&site=B09&site=B11&site=B13&dwell=40&lunch=1"
                                      "&lunch_from=12:00&lunch_to=13:00&lunch_minutes=60").get_data(as_text=True)
    assert re.search(r'id="tour-lunch">午餐（12:00-13:00，60 分钟）：12:00–13:00 在 \S+（', page)
    assert re.search(r'class="small text-muted lunch-row">午餐 12:00–13:00（', page)


def _loopback_only(request_route) -> None:
    if urlparse(request_route.request.url).hostname in {"127.0.0.1", "localhost"}:
        request_route.continue_()
    else:
        request_route.abort()


@pytest.fixture
def phone_page(chromium_page) -> Iterator[tuple[object, list[str]]]:
    """A 390 × 844 touch page in the same browser, its page errors collected."""
    page, _, _ = chromium_page
    phone = page.context.browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    errors: list[str] = []
    phone.route("**/*", _loopback_only)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    yield phone, errors
    phone.close()


@pytest.mark.browser
def test_confirm_flow_in_a_browser(chromium_page, live_server: str) -> None:
    page, errors, _ = chromium_page
    errors.clear()  # the page is shared by the module's tests
    page.goto(f"{live_server}/tour?{ASK_QUERY}")
    page.wait_for_load_state("networkidle")
    question = page.locator("#reach-check")
    assert question.is_visible() and UNREACHABLE in question.inner_text() and "距最近道路" in question.inner_text()
    assert page.locator("#drop-unreachable").is_visible() and not page.locator("#itinerary").count()
    with page.expect_navigation():
        page.locator("#confirm-plan").click()
    page.wait_for_load_state("networkidle")
    assert f"confirm={UNREACHABLE}" in page.url
    header = page.locator("#tour-selection").inner_text()
    assert header == f"共选 3 个点位，其中 1 个无法到达（{UNREACHABLE} 瑞安罗阳未来科技城核心区），路线包含 2 个点位"
    assert page.evaluate("window.corridorLayers.route.getLayers().length") == 3
    assert page.locator("#tour-end").inner_text() == "返回起点" and errors == []


@pytest.mark.browser
def test_dropping_the_unreachable_sites_unchecks_them(chromium_page, live_server: str) -> None:
    page, errors, _ = chromium_page
    errors.clear()  # the page is shared by the module's tests
    page.goto(f"{live_server}/tour?{ASK_QUERY}")
    page.wait_for_load_state("networkidle")
    page.locator("#drop-unreachable").click()
    assert not page.locator("#reach-check").is_visible()
    assert not page.locator(f'#tour-form input[name="site"][value="{UNREACHABLE}"]').is_checked()
    assert page.locator("#selected-count").inner_text() == "2" and errors == []
    with page.expect_navigation():
        page.locator("#plan-button").click()
    assert page.locator("#tour-selection").inner_text() == "共选 2 个点位，全部可到达，路线包含 2 个点位"


@pytest.mark.browser
def test_submitting_no_site_in_a_browser_says_so(chromium_page, live_server: str) -> None:
    from web.core.messages import field_label

    page, errors, _ = chromium_page
    errors.clear()
    page.goto(f"{live_server}/tour")
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("#plan-button").click()
    error = page.locator("#tour-error")
    assert error.is_visible() and field_label("sites") in error.inner_text()
    assert error.get_attribute("data-field") == "sites"
    assert [e for e in errors if "status of 400" not in e] == []  # the page itself is the 400 answer
    errors.clear()


@pytest.mark.browser
def test_printed_itinerary_includes_the_route_map(chromium_page, live_server: str) -> None:
    page, errors, _ = chromium_page
    errors.clear()
    page.goto(f"{live_server}/tour?{TOUR_QUERY}")
    page.wait_for_load_state("networkidle")
    try:
        page.emulate_media(media="print")
        page.wait_for_function("() => window.corridorMap.getSize().y === "
                               "Math.round(document.querySelector('.map-area').clientHeight)")
        assert page.locator(".map-area").is_visible() and page.locator("#itinerary-table").is_visible()
        assert not page.locator("#tour-form").is_visible() and not page.locator(".leaflet-control-zoom").is_visible()
        box = page.locator(".map-area").bounding_box()
        assert box["height"] == pytest.approx(110 / 25.4 * 96, abs=1)  # 110 mm at the CSS 96 px per inch
        table = page.locator("#itinerary-table").bounding_box()
        assert box["y"] >= table["y"] + table["height"] and box["width"] >= table["width"] - 1
        fitted = page.evaluate("window.corridorMap.getBounds().contains(window.corridorLayers.route.getBounds())")
        assert fitted and page.locator(".map-area path.leaflet-interactive").count() > 0
    finally:
        page.emulate_media(media="screen")
    assert errors == []


@pytest.mark.browser
def test_confirm_flow_on_a_phone(phone_page, live_server: str) -> None:
    phone, errors = phone_page
    phone.goto(f"{live_server}/tour?{ASK_QUERY}&lunch=1&dwell=40")
    phone.wait_for_load_state("networkidle")
    box = phone.locator("#reach-check").bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    with phone.expect_navigation():
        phone.locator("#confirm-plan").tap()
    phone.wait_for_load_state("networkidle")
    assert "其中 1 个无法到达" in phone.locator("#tour-selection").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 and errors == []
