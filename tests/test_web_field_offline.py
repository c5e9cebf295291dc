"""The field page offline (issue 16, items 2, 3 and 5): ``web/static/field.js``, ``field-photo.js`` and the service
worker ``field-sw.js``, in a real headless Chromium on a phone-sized viewport with a mocked position and camera.

Checked in and photographed without signal, the page queues both on the device (IndexedDB), still shows them after
a reload served by the service worker, and uploads them once the connection returns; the server then holds each
exactly once, also when the device sends the same queue again. Files that are no usable photo are refused on the
page, and an entry the server refuses (4xx) or finds in conflict (409) stays in the queue with the reason. The
worker script itself (``GET /field-sw.js``, :mod:`web.tours.field_offline`) is checked without a browser.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from web.core.tiles import TILE_LAYERS
from web.core.security import tile_hosts
from test_web_browser import browser  # noqa: F401
from web_fixtures import DATA_DIR, make_app, served_with_user

PHONE = {"width": 390, "height": 844}
PASSWORD = "Feldweg-2021-check"
SITES = ["B01", "B05"]
# The test photo's EXIF: 27°55'12"N 120°38'24"E, taken 2021-06-18 09:15 Beijing time.
EXIF_LAT, EXIF_LON = 27 + 55 / 60 + 12 / 3600, 120 + 38 / 60 + 24 / 3600
FAR_OFFSET_DEG = 0.03  # about 3.3 km north of the stop: the page must warn (> 500 m)

PUT_ITEMS_JS = """async (items) => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open("corridor-field", 1);
    r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  await new Promise((ok, fail) => { const t = db.transaction("uploads", "readwrite");
    items.forEach((item) => t.objectStore("uploads").put(item)); t.oncomplete = ok; t.onerror = () => fail(t.error); });
  db.close();
  await window.corridorField.flush();
}"""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The app on the shipped data with one editor, served on loopback."""
    with served_with_user(role="editor", password=PASSWORD) as base:
        yield base


@pytest.fixture
def phone(browser, base_url: str) -> Iterator[object]:  # noqa: F811
    """A logged-in phone-sized browser context allowed to read the position (cookies shared with its ``request``)."""
    context = logged_in_context(browser, base_url)
    context.grant_permissions(["geolocation"])
    yield context
    context.close()


@pytest.mark.parametrize("tiles", ["osm", "amap"])
def test_service_worker_is_served_for_the_tour_scope_and_may_fetch_only_tiles(tiles: str) -> None:
    client = make_app(DATA_DIR, TILES=tiles).test_client()
    response = client.get("/field-sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert b'addEventListener("fetch"' in response.data
    assert response.headers["Service-Worker-Allowed"] == "/tour/"
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
    policy = dict(d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
    assert policy["connect-src"].split() == ["'self'", *tile_hosts(tiles)]
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    page_policy = client.get("/login").headers["Content-Security-Policy"]
    assert "connect-src 'self';" in page_policy  # pages keep their own policy: only the worker may fetch tiles


def logged_in_context(browser, base_url: str) -> object:  # noqa: F811
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, base_url=base_url,
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    token = context.request.get("/api/session").json()["csrf_token"]
    login = context.request.post("/login", data={"name": "editor", "password": PASSWORD},
                                 headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert login.ok, login.text()
    context.csrf_token = context.request.get("/api/session").json()["csrf_token"]
    return context


def saved_tour(context) -> dict:
    response = context.request.post("/api/tours/saved", headers={"X-CSRF-Token": context.csrf_token},
                                    data={"title": "二季度观摩（现场测试）", "tour_date": "2021-06-18", "sites": SITES})
    assert response.status == 201, response.text()
    return response.json()


def open_field_page(context, tour: dict) -> object:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(f"/tour/{tour['id']}/field")
    expect(page.locator("#field-queue")).to_have_attribute("data-offline-ready", "true")
    return page


def photo_with_exif(tmp_path: Path) -> Path:
    """A 3000×2000 JPEG carrying EXIF GPS and DateTimeOriginal (with its offset), as a phone camera writes it."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (27.0, 55.0, 12.0), 3: "E", 4: (120.0, 38.0, 24.0)}
    exif[0x8769] = {0x9003: "2021:06:18 09:15:00", 0x9011: "+08:00"}
    path = tmp_path / "现场照片.jpg"
    Image.new("RGB", (3000, 2000), (110, 150, 90)).save(path, "JPEG", exif=exif, quality=80)
    return path


def queue_count(page) -> int:
    return int(page.locator("#queue-count").inner_text())


def stored(context, tour: dict, kind: str) -> list[dict]:
    response = context.request.get(f"/api/tours/saved/{tour['id']}/{kind}")
    assert response.ok, response.text()
    return response.json()[kind]


@pytest.mark.browser
def test_offline_checkin_and_photo_queue_survive_reload_and_upload_once(phone, tmp_path: Path) -> None:
    tour = saved_tour(phone)
    page = open_field_page(phone, tour)
    stop = page.evaluate("window.corridorField.data.stops[0]")
    phone.set_geolocation({"latitude": stop["lat"] + FAR_OFFSET_DEG, "longitude": stop["lon"], "accuracy": 25})
    actions = page.locator(f'.stop-actions[data-site-id="{stop["site_id"]}"]')

    phone.set_offline(True)
    actions.locator("textarea[name=note]").fill("地块已完成土方，围挡完好。")
    actions.locator("input[name=progress]").fill("65")
    actions.locator(".checkin-button").click()
    result = actions.locator(".checkin-result")
    result.filter(has_text="已签到").wait_for()
    assert "超过 500 米" in result.inner_text() and "±25 米" in result.inner_text()
    assert int(result.get_attribute("data-distance")) == pytest.approx(3336, abs=40)
    with page.expect_file_chooser() as chooser:
        actions.locator(".photo-input").click()
    chooser.value.set_files(str(photo_with_exif(tmp_path)))
    actions.locator(".photo-message.text-success").wait_for()
    assert "2048×1365" in actions.locator(".photo-message").inner_text()
    expect(page.locator("#queue-count")).to_have_text("2")
    assert page.locator("#queue-list li[data-state=pending]").count() == 2
    assert stored(phone, tour, "checkins") == [] and stored(phone, tour, "photos") == []

    reloaded = page.reload()
    assert reloaded.from_service_worker
    expect(page.locator("#queue-count")).to_have_text("2")
    assert "离线" in page.locator("#field-network").inner_text()
    queued = page.evaluate("window.corridorField.queued().then((items) => { window.replay = items; "
                           "return items.map((i) => [i.kind, i.client_id]); })")
    assert [kind for kind, _ in queued] == ["checkin", "photo"]

    phone.set_offline(False)
    expect(page.locator("#queue-count")).to_have_text("0")
    checkins, photos = stored(phone, tour, "checkins"), stored(phone, tour, "photos")
    assert [c["client_id"] for c in checkins] == [queued[0][1]]
    assert [p["client_id"] for p in photos] == [queued[1][1]]
    checkin, photo = checkins[0], photos[0]
    assert checkin["site_id"] == stop["site_id"] and checkin["note"] == "地块已完成土方，围挡完好。"
    assert checkin["progress_estimate"] == 65 and checkin["accuracy_m"] == pytest.approx(25)
    assert checkin["lat"] == pytest.approx(stop["lat"] + FAR_OFFSET_DEG) and checkin["distance_m"] > 0
    assert photo["checkin_client_id"] == checkin["client_id"]
    assert (photo["width"], photo["height"], photo["media_type"]) == (2048, 1365, "image/jpeg")
    assert photo["exif_lat"] == pytest.approx(EXIF_LAT, abs=1e-6)
    assert photo["exif_lon"] == pytest.approx(EXIF_LON, abs=1e-6)
    assert photo["taken_at"] == "2021-06-18T01:15:00+00:00"

    # The device sends the same queue twice more (a retry after a lost answer): nothing is stored again.
    for _ in range(2):
        page.evaluate(f"() => ({PUT_ITEMS_JS})(window.replay)")
        assert queue_count(page) == 0
    assert [c["id"] for c in stored(phone, tour, "checkins")] == [checkin["id"]]
    assert [p["id"] for p in stored(phone, tour, "photos")] == [photo["id"]]
    assert page.errors == []


@pytest.mark.browser
def test_files_that_are_no_usable_photo_are_refused_on_the_page(phone, tmp_path: Path) -> None:
    page = open_field_page(phone, saved_tour(phone))
    stop = page.evaluate("window.corridorField.data.stops[0]")
    photo_input = page.locator(f'.stop-actions[data-site-id="{stop["site_id"]}"] .photo-input')
    text = tmp_path / "记录.txt"
    text.write_text("不是照片", encoding="utf-8")
    fake = tmp_path / "损坏.jpg"
    fake.write_bytes(b"\xff\xd8\xff\xe0 this is no JPEG")
    huge = tmp_path / "超大.png"
    Image.new("L", (7000, 6000), 200).save(huge, "PNG")  # 42 MP, a few dozen KB on disk
    expected = {text: "不是图片文件", fake: "无法识别为图片", huge: "像素过多（7000×6000）"}
    for path, refusal in expected.items():
        photo_input.set_input_files(str(path))
        message = page.locator(".photo-message.photo-refused")
        message.filter(has_text=refusal).wait_for()
    assert queue_count(page) == 0
    assert page.errors == []


@pytest.mark.browser
def test_server_refusals_and_conflicts_stay_queued_with_the_reason(phone) -> None:
    tour = saved_tour(phone)
    page = open_field_page(phone, tour)
    stop = page.evaluate("window.corridorField.data.stops[0]")
    site = stop["site_id"]
    checkin = {"client_id": "5f0c7c7e-1d1a-4d43-9a55-3d5a3c1b0e01", "site_id": site,
               "checked_in_at": "2021-06-18T09:30:00+08:00", "lat": stop["lat"], "lon": stop["lon"],
               "accuracy_m": 10, "note": "第一次", "progress_estimate": 40}
    sent = phone.request.post(f"/api/tours/saved/{tour['id']}/checkins", data=checkin,
                              headers={"X-CSRF-Token": phone.csrf_token})
    assert sent.status == 201, sent.text()
    items = [
        {"client_id": checkin["client_id"], "kind": "checkin", "tour_id": tour["id"], "site_id": site,
         "label": "签到（改过的）", "created": 1, "state": "pending", "error": None,
         "content": {**checkin, "note": "改过的记录"}},
        {"client_id": "5f0c7c7e-1d1a-4d43-9a55-3d5a3c1b0e02", "kind": "photo", "tour_id": tour["id"],
         "site_id": site, "label": "照片（损坏）", "created": 2, "state": "pending", "error": None,
         "content": {"fields": {"client_id": "5f0c7c7e-1d1a-4d43-9a55-3d5a3c1b0e02", "site_id": site},
                     "filename": "photo.jpg"}},
    ]
    page.evaluate(f"""async (items) => {{
      items[1].content.blob = new Blob(["no image at all"], {{type: "image/jpeg"}});
      await ({PUT_ITEMS_JS})(items);
    }}""", items)
    assert queue_count(page) == 2
    conflict = page.locator("#queue-list li[data-state=conflict]")
    failed = page.locator("#queue-list li[data-state=failed]")
    assert conflict.count() == 1 and failed.count() == 1
    assert "冲突" in conflict.inner_text() and "原因：" in conflict.inner_text()
    assert "上传被拒绝" in failed.inner_text() and "原因：" in failed.inner_text()
    assert [c["note"] for c in stored(phone, tour, "checkins")] == ["第一次"]
    assert stored(phone, tour, "photos") == []
    assert page.errors == []


@pytest.mark.browser
def test_checkin_without_position_permission_is_kept_and_progress_is_checked(phone) -> None:
    phone.clear_permissions()
    tour = saved_tour(phone)
    page = open_field_page(phone, tour)
    stop = page.evaluate("window.corridorField.data.stops[0]")
    actions = page.locator(f'.stop-actions[data-site-id="{stop["site_id"]}"]')
    actions.locator("input[name=progress]").fill("150")
    actions.locator(".checkin-button").click()
    expect(actions.locator(".checkin-result")).to_have_text("进度估计须为 0 到 100 之间的整数。")
    assert queue_count(page) == 0
    actions.locator("input[name=progress]").fill("100")
    actions.locator(".checkin-button").click()
    expect(actions.locator(".checkin-result")).to_contain_text("未能获取位置（")
    expect(page.locator("#queue-count")).to_have_text("0")
    checkin, = stored(phone, tour, "checkins")
    assert (checkin["site_id"], checkin["progress_estimate"]) == (stop["site_id"], 100)
    assert checkin["lat"] is None and checkin["distance_m"] is None and checkin["far"] is False
    expect(page.locator(f'.field-stop[data-site-id="{stop["site_id"]}"] .stop-state')).to_have_text("已签到")
    assert page.errors == []


TILE_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
            b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
SHOW_TILE_JS = """(url) => new Promise((done) => {
  const img = new Image(); img.onload = () => done(img.naturalWidth); img.onerror = () => done(0); img.src = url;
  document.body.append(img);
})"""
CONTROLLED_JS = """async () => { if (!navigator.serviceWorker.controller) await new Promise((done) =>
  navigator.serviceWorker.addEventListener("controllerchange", done, {once: true})); }"""


@contextmanager
def tile_server() -> Iterator[tuple[str, list[str]]]:
    """A base-map tile server on loopback under another origin than the app (``localhost`` vs ``127.0.0.1``):
    yields its tile URL template and the paths asked for."""
    asked: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(TILE_PNG)))
            self.end_headers()
            self.wfile.write(TILE_PNG)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}/{{z}}/{{x}}/{{y}}.png", asked
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.mark.browser
def test_tiles_seen_online_are_shown_offline(browser, monkeypatch) -> None:  # noqa: F811
    with tile_server() as (template, asked):
        monkeypatch.setitem(TILE_LAYERS, "osm", [{**TILE_LAYERS["osm"][0], "tiles": template, "subdomains": ""}])
        with served_with_user(role="editor", password=PASSWORD) as base:
            context = logged_in_context(browser, base)
            try:
                page = open_field_page(context, saved_tour(context))
                page.evaluate(CONTROLLED_JS)
                seen, unseen = (template.format(z=15, x=27370, y=y) for y in (13780, 13781))
                assert page.evaluate(SHOW_TILE_JS, seen) == 1 and asked.count("/15/27370/13780.png") == 1
                page.reload()  # now under the worker: the small map's tiles go through it and are kept
                page.evaluate(CONTROLLED_JS)
                map_tiles = page.locator("#field-map img.leaflet-tile-loaded")
                expect(map_tiles.first).to_be_visible()
                # count once every tile the map asked for has arrived, not while some are still on their way
                expect(page.locator("#field-map img.leaflet-tile:not(.leaflet-tile-loaded)")).to_have_count(0)
                shown_online, asked_online = map_tiles.count(), list(asked)
                context.set_offline(True)
                page.reload()
                page.evaluate(CONTROLLED_JS)
                assert page.evaluate(SHOW_TILE_JS, seen) == 1  # from the worker's tile cache
                assert page.evaluate(SHOW_TILE_JS, unseen) == 0
                expect(map_tiles).to_have_count(shown_online)  # the map's tiles too, without signal
                assert asked == asked_online and "/15/27370/13781.png" not in asked
            finally:
                context.close()


@pytest.mark.browser
def test_files_of_an_earlier_deploy_leave_the_device_cache(phone) -> None:
    tour = saved_tour(phone)
    page = open_field_page(phone, tour)
    old = "/static/v-000000000000/field.js"
    page.evaluate("""async (old) => { const cache = await caches.open("corridor-field-shell-v1");
      await cache.put(old, new Response("// an earlier deploy", {headers: {"Content-Type": "text/javascript"}})); }""",
                  old)
    page.reload()
    expect(page.locator("#field-queue")).to_have_attribute("data-offline-ready", "true")
    kept = page.evaluate("""async () => (await (await caches.open("corridor-field-shell-v1")).keys())
      .map((request) => new URL(request.url).pathname)""")
    field_js = page.evaluate("document.querySelector('script[src*=\"field.js\"]').src")
    assert old not in kept and f"/tour/{tour['id']}/field" in kept
    assert any(field_js.endswith(path) for path in kept)
