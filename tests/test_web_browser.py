"""Real-browser tests: headless Chromium (Debian's) driven by Playwright, every non-loopback request blocked.

The pages must work with no internet: only the base-map tiles live elsewhere, and their failure may not break
anything else. Layers are inspected through the hook ``window.corridor`` (``static/corridor-map.js``).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from environment import unavailable
from web_fixtures import live_server, real_app  # noqa: F401

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TILE_HOSTS = {"tile.openstreetmap.org"}
OVERVIEW_COUNTS = {"districts": 8, "tasks": 76, "blocks": 13, "ring": 4, "roads": 17}

# Returns a pixel inside the block's polygon where the block itself is the topmost element (no road drawn over it).
CLICKABLE_POINT_JS = """(id) => {
  const entry = window.corridorLayers.blocks.getLayers().find((l) => l.feature.properties.id === id);
  const map = window.corridorMap, box = map.getContainer().getBoundingClientRect();
  const b = entry.getBounds();
  for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
    const ll = L.latLng(b.getSouth() + (b.getNorth() - b.getSouth()) * i / 12,
                        b.getWest() + (b.getEast() - b.getWest()) * j / 12);
    const p = map.latLngToContainerPoint(ll), x = box.left + p.x, y = box.top + p.y;
    if (document.elementFromPoint(x, y) === entry.getElement()) return {x: x, y: y};
  }
  return null;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageWatch:
    """A page with outside requests blocked, console errors and blocked URLs recorded."""

    def __init__(self, browser: object) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _route(self, route) -> None:
        if urlparse(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # a tile that could not load (blocked above) logs an error of its own; anything else is a real error
        if message.location.get("url") not in self.blocked:
            self.errors.append(f"{message.text} at {message.location}")

    def open(self, url: str) -> None:
        """Load ``url`` and wait until its script has set up the map or table (tiles may still be failing)."""
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function("() => window.corridor !== undefined || window.corridorTable !== undefined")

    def assert_clean(self) -> None:
        assert self.errors == []
        assert {urlparse(url).hostname for url in self.blocked} <= TILE_HOSTS, self.blocked

    def counts(self) -> dict[str, int]:
        return self.page.evaluate("window.corridor.counts()")


@pytest.fixture
def watch(browser: object) -> Iterator[PageWatch]:
    watched = PageWatch(browser)
    yield watched
    watched.page.close()


def test_overview_loads_every_layer_offline(watch: PageWatch, live_server: str) -> None:
    watch.open(live_server + "/")
    assert watch.counts() == OVERVIEW_COUNTS
    assert watch.page.locator(".leaflet-control-layers-overlays label").count() == len(OVERVIEW_COUNTS)
    assert watch.page.locator(".leaflet-control-scale").count() == 1
    assert watch.page.locator(".leaflet-control-zoom-fullscreen").count() == 1
    assert watch.page.locator("#legend.leaflet-control").is_visible()
    watch.assert_clean()


def test_clicking_a_block_opens_its_popup(watch: PageWatch, live_server: str) -> None:
    watch.open(live_server + "/")
    point = watch.page.evaluate(CLICKABLE_POINT_JS, "B03")
    assert point, "no clickable pixel inside B03"
    watch.page.mouse.click(point["x"], point["y"])
    popup = watch.page.locator(".leaflet-popup-content .corridor-popup")
    popup.wait_for()
    assert popup.get_attribute("data-id") == "B03"
    text = popup.inner_text()
    for expected in ("中国眼谷", "龙湾区", "市科技局", "未上报", "位置为近似，约1–2公里精度"):
        assert expected in text
    watch.assert_clean()


def test_filters_hide_what_they_should_and_agree_with_the_table(watch: PageWatch, live_server: str) -> None:
    watch.open(live_server + "/")
    watch.page.select_option("#filter-district", "龙湾区")
    row = watch.page.locator('#district-counts tr[data-district="龙湾区"] td[data-layer]').all_inner_texts()
    counts = watch.counts()
    assert [counts["blocks"], counts["roads"], counts["tasks"]] == [int(n) for n in row] == [3, 14, 13]
    assert watch.page.evaluate("window.corridor.visibleIds('blocks')") == ["B02", "B03", "B04"]
    watch.page.select_option("#filter-category", "block")
    assert watch.counts() == {"districts": 8, "tasks": 0, "blocks": 3, "ring": 0, "roads": 0}
    watch.page.select_option("#filter-status", "red")  # nothing is red until progress is reported
    assert watch.counts() == {"districts": 8, "tasks": 0, "blocks": 0, "ring": 0, "roads": 0}
    assert watch.page.locator("#item-list li:not([hidden])").count() == 0
    for control in ("#filter-district", "#filter-category", "#filter-status"):
        watch.page.select_option(control, "")
    assert watch.counts() == OVERVIEW_COUNTS
    watch.assert_clean()


def test_search_by_name_finds_and_opens_an_item(watch: PageWatch, live_server: str) -> None:
    watch.open(live_server + "/")
    watch.page.fill("#search", "中国眼谷")
    visible = watch.page.locator("#item-list li:not([hidden])")
    assert visible.evaluate_all("items => items.map(li => li.dataset.id)") == ["B03", "E03"]
    watch.page.press("#search", "Enter")
    watch.page.locator(".leaflet-popup-content .corridor-popup[data-id='B03']").wait_for()
    watch.assert_clean()


def test_focus_link_opens_a_provisional_task(watch: PageWatch, live_server: str) -> None:
    watch.open(live_server + "/?focus=E14")
    popup = watch.page.locator(".leaflet-popup-content .corridor-popup")
    popup.wait_for()
    assert popup.get_attribute("data-id") == "E14"
    assert "位置为临时占位：规划未给出位置" in popup.inner_text()
    assert watch.page.evaluate("window.corridorMap.getZoom()") >= 13
    watch.assert_clean()


def test_access_page_layers_and_scenario_toggle(watch: PageWatch, live_server: str) -> None:
    watch.open(live_server + "/access")
    report = watch.page.evaluate("fetch('/api/access').then(r => r.json())")
    assert watch.counts() == {"districts": 8, "bands": 4, "ring": 4, "blocks": 13,
                              "entries": len(report["ring"]["entries"])}
    assert "OpenStreetMap 真实路网" in watch.page.inner_text("#network-source")
    with watch.page.expect_navigation(wait_until="load"):
        watch.page.check("#scenario-baseline")
    watch.page.wait_for_function("() => window.corridor !== undefined")
    assert "scenario=baseline" in watch.page.url
    assert watch.page.is_checked("#scenario-baseline")
    watch.assert_clean()


def test_tasks_table_sorts_filters_and_links_to_the_map(watch: PageWatch, live_server: str) -> None:
    watch.open(live_server + "/tasks")
    ids = "window.corridorTable.visibleIds()"
    assert len(watch.page.evaluate(ids)) == 93
    watch.page.click("th:has-text('编号')")
    watch.page.click("th:has-text('编号')")
    assert watch.page.evaluate(ids)[0] == "R17"
    watch.page.select_option("#table-district", "鹿城区")
    assert len(watch.page.evaluate(ids)) == 2 + 5  # road items through 鹿城区, and its 1 + 4 tasks
    watch.page.select_option("#table-category", "task_ring_road")
    assert len(watch.page.evaluate(ids)) == 4
    with watch.page.expect_navigation(wait_until="load"):
        watch.page.click("tr:not([hidden]) >> text=在地图上查看 >> nth=0")
    watch.page.locator(".leaflet-popup-content .corridor-popup").wait_for()
    assert "focus=E" in watch.page.url
    watch.assert_clean()
