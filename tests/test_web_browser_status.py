"""Real-browser tests of the status pages (headless Chromium, every non-loopback request blocked): notes holding
markup are shown as text on the item page, in the map popup and in the printable bulletin; the geometry editor
draws and saves a polygon."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from test_web_browser import PageWatch, browser  # noqa: F401
from web.reports.bulletins import quarters_to_list
from web_fixtures import log_in_through_form, served_with_user

pytestmark = pytest.mark.browser

HOSTILE_NOTE = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">进展正常'
PASSWORD = "editor-pass-1"


@pytest.fixture(scope="module")
def status_server() -> Iterator[str]:
    """The app on the shipped plan with an empty SQLite database and one editor, served on loopback."""
    with served_with_user(role="editor", password=PASSWORD) as base:
        yield base


@pytest.fixture
def editor_page(browser, status_server) -> Iterator[PageWatch]:  # noqa: F811
    """A page logged in as the editor through the login form; dialogs (alert) are recorded and dismissed."""
    watch = PageWatch(browser)
    watch.dialogs = []
    watch.page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    log_in_through_form(watch.page, status_server, name="editor", password=PASSWORD)
    yield watch
    watch.page.close()


def _assert_inert(watch: PageWatch) -> None:
    assert watch.page.evaluate("window.__xss") is None
    assert watch.dialogs == []
    injected = "[...document.scripts].some((s) => s.textContent.trim() === 'window.__xss = 1')"
    assert watch.page.evaluate(injected) is False
    watch.assert_clean()


def test_a_note_holding_markup_is_text_everywhere(editor_page: PageWatch, status_server: str) -> None:
    page = editor_page.page
    page.goto(status_server + "/items/B01")
    page.fill("#percent", "50")
    page.fill("#note", HOSTILE_NOTE)
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#saved")
    assert page.inner_text("#current-note") == HOSTILE_NOTE
    page.fill("#check-note", HOSTILE_NOTE)
    page.click("#check-off-form button[type=submit]")
    page.wait_for_selector("#confirm-panel")  # a check-off is always confirmed first
    assert HOSTILE_NOTE in page.inner_text("#confirm-title")
    page.click("#confirm-submit")
    page.wait_for_selector("#close-note")
    assert page.inner_text("#close-note") == HOSTILE_NOTE
    assert HOSTILE_NOTE in page.inner_text("#report-history")
    _assert_inert(editor_page)

    editor_page.open(status_server + "/?focus=B01")
    popup = page.locator(".leaflet-popup-content .corridor-popup")
    popup.wait_for()
    assert popup.get_attribute("data-id") == "B01"
    assert HOSTILE_NOTE in popup.inner_text() and popup.locator("img, script").count() == 0
    assert popup.locator("a[href='/items/B01']").count() == 1
    _assert_inert(editor_page)

    current = quarters_to_list(date.today())[-1]
    page.goto(f"{status_server}/reports/{current}")
    page.wait_for_load_state("networkidle")
    closed = page.locator("#closed-items")
    assert HOSTILE_NOTE in closed.inner_text() and closed.locator("img, script").count() == 0
    assert page.locator("svg.status-map path[data-id='B01']").get_attribute("data-colour") == "green"
    _assert_inert(editor_page)


def test_drawing_a_polygon_saves_a_hand_drawn_version_that_can_be_viewed_and_reverted(editor_page: PageWatch,
                                                                                      status_server: str) -> None:
    page = editor_page.page
    page.goto(status_server + "/items/B05")
    page.wait_for_function("() => window.itemEditor && window.itemEditor.streets !== null")
    assert page.evaluate("window.itemEditor.kind") == "Polygon"
    corners = page.evaluate("""() => {
      const map = window.itemEditor.map, c = window.itemEditor.current.getBounds().getCenter();
      const box = map.getContainer().getBoundingClientRect();
      return [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([dx, dy]) => {
        const p = map.latLngToContainerPoint(L.latLng(c.lat + dy * 0.002, c.lng + dx * 0.002));
        return {x: box.left + p.x, y: box.top + p.y};
      });
    }""")
    page.uncheck("#geometry-snap")  # the corners exactly where clicked
    page.click("#draw-anew")
    for corner in [*corners, corners[0]]:  # clicking the first vertex again closes the polygon
        page.mouse.click(corner["x"], corner["y"])
    assert page.evaluate("window.itemEditor.pending().type") == "Polygon"
    assert len(page.evaluate("window.itemEditor.pending().coordinates[0]")) == 5
    assert page.evaluate("window.itemEditor.source()") == "hand_drawn"
    page.click("#geometry-save")
    page.wait_for_selector("#saved")
    assert page.locator("#geometry-history tbody tr").count() == 2  # version 1 and the plan's baseline
    assert page.inner_text("#geometry-provenance").startswith("几何来源：手绘（editor，")
    assert "手绘" in page.inner_text("#plan-attributes") and "测绘" not in page.inner_text("#plan-attributes")
    block = page.evaluate("fetch('/api/blocks/B05').then((r) => r.json())")
    assert block["properties"]["geometry_source"] == "hand_drawn"
    assert len(block["geometry"]["coordinates"][0]) == 5

    page.click(".version-show[data-version='0']")  # the baseline, drawn over the map
    page.wait_for_selector("#version-preview-note:has-text('第 0 版（规划基线）')")
    assert page.evaluate("window.geometryVersions.shown() !== null")
    page.click("form.version-restore[data-version='0'] button")  # asks first; dismissed: nothing happens
    assert editor_page.dialogs == ["确定恢复规划基线？将以它生成新的当前版本，原有各版本仍保留。"]
    assert page.locator("#geometry-history tbody tr").count() == 2
    page.evaluate("document.querySelector(\"form.version-restore[data-version='0']\").submit()")
    page.wait_for_selector("#saved")
    assert page.locator("#geometry-history tbody tr").count() == 3
    assert page.inner_text("#geometry-provenance").startswith("几何来源：规划基线（editor恢复规划基线，")
    block = page.evaluate("fetch('/api/blocks/B05').then((r) => r.json())")
    assert block["properties"]["geometry_source"] == "approximate"
    editor_page.assert_clean()
