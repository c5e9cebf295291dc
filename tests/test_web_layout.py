"""Real-browser tests of the page layouts on a phone (390×844) and on a desktop (1440×900), and of keyboard access.

Every page: no horizontal scroll, the map (where there is one) at least 90% of a phone's width, the menu collapsed
behind its button on a phone with the login control reachable in it, and a skip link as the first tab stop that
moves focus to the main content. Maps: shapes without a label are not tab stops; on a phone the layer list and the
legend start folded. Tours: the first navigation (AMap) link is a few Tab presses from the top.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from test_web_browser import PageWatch, browser, watch  # noqa: F401
from web_fixtures import log_in_through_form, served_with_user

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "layout-admin-pass-7"
SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
TOUR_QUERY = "site=B01&site=B05&site=R03&depart=10:30"
PAGES = {
    "overview": "/", "access": "/access", "access-compare": "/access?scenario=compare", "tasks": "/tasks",
    "tour": "/tour", "tour-result": f"/tour?{TOUR_QUERY}", "item": "/items/B03", "parks": "/parks",
    "departments": "/departments", "department": "/departments/DT01-1",
    "reports": "/reports", "bulletin": "/reports/2021Q2", "login": "/login", "error": "/no-such-page",
}
ADMIN_PAGES = {"admin-users": "/admin/users", "password": "/account/password"}
MAP_PAGES = {"overview", "access", "access-compare", "tour", "tour-result", "item", "parks"}
FULL_WINDOW_MAPS = {"overview", "access", "tour", "tour-result"}  # desktop: side panel left, map fills the rest
MAPS = ".folium-map, #editor-map"
READY_JS = """() => (!document.querySelector('.folium-map') || window.corridor !== undefined) &&
  (!document.querySelector('#editor-map') || document.querySelector('#editor-map.leaflet-container') !== null)"""
LAYOUT_JS = """(selector) => {
  const maps = [...document.querySelectorAll(selector)].map((m) => m.getBoundingClientRect());
  const panel = document.querySelector('.side-panel');
  return {scrollWidth: document.scrollingElement.scrollWidth, scrollHeight: document.scrollingElement.scrollHeight,
          width: innerWidth, height: innerHeight,
          maps: maps.map((r) => ({left: r.left, width: r.width, height: r.height})),
          panelRight: panel ? panel.getBoundingClientRect().right : null};
}"""
FOCUSED_JS = """() => { const e = document.activeElement, r = e.getBoundingClientRect();
  return {id: e.id, tag: e.tagName.toLowerCase(), classes: [...e.classList], text: e.textContent.trim(),
          href: e.getAttribute('href'), inMain: !!e.closest('#main'), inMap: !!e.closest('.leaflet-container'),
          visible: r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 &&
                   r.right <= innerWidth}; }"""
# A page that autofocuses a field (the login form) starts inside the main content; to check the skip link too, the
# test moves the focus start back to the top of the document, where a fresh page starts.
FOCUS_START_JS = """() => { document.activeElement.blur(); document.body.tabIndex = -1; document.body.focus();
  document.body.removeAttribute('tabindex'); }"""


@pytest.fixture(scope="module")
def layout_server() -> Iterator[str]:
    """The app on the shipped data with an empty SQLite database and one admin, served on loopback."""
    with served_with_user(role="admin", password=ADMIN_PASSWORD) as base:
        yield base


@pytest.fixture(params=list(SIZES))
def sized(request, browser) -> Iterator[tuple[str, PageWatch]]:  # noqa: F811
    """A watched page at the phone or the desktop size."""
    sized_watch = PageWatch(browser)
    width, height = SIZES[request.param]
    sized_watch.page.set_viewport_size({"width": width, "height": height})
    yield request.param, sized_watch
    sized_watch.page.close()


def open_page(watch: PageWatch, url: str) -> None:
    watch.page.goto(url, wait_until="load")
    watch.page.wait_for_function(READY_JS)


def focused(watch: PageWatch) -> dict:
    return watch.page.evaluate(FOCUSED_JS)


def assert_fits(watch: PageWatch, size: str, name: str) -> None:
    layout = watch.page.evaluate(LAYOUT_JS, MAPS)
    assert layout["scrollWidth"] <= layout["width"], f"{name} scrolls sideways at {size}: {layout}"
    assert bool(layout["maps"]) == (name in MAP_PAGES), layout
    for box in layout["maps"]:
        if size == "phone":
            assert box["width"] >= 0.9 * layout["width"], f"{name}: map {box['width']} px of {layout['width']}"
        elif name in FULL_WINDOW_MAPS:
            assert box["left"] >= layout["panelRight"] - 1 and box["height"] >= 0.85 * layout["height"], layout
            assert layout["scrollHeight"] <= layout["height"], layout


def assert_skip_link_moves_focus_to_main(watch: PageWatch) -> None:
    if focused(watch)["tag"] != "body":
        assert focused(watch)["inMain"], focused(watch)  # an autofocused field is in the main content
        watch.page.evaluate(FOCUS_START_JS)
    watch.page.keyboard.press("Tab")
    skip = focused(watch)
    assert "skip-link" in skip["classes"] and skip["href"] == "#main" and skip["text"] == "跳到主要内容", skip
    assert skip["visible"], "the skip link shows when it has the focus"
    watch.page.keyboard.press("Enter")
    assert focused(watch)["id"] == "main"


def assert_menu_holds(watch: PageWatch, size: str, control: str) -> None:
    toggler, item = watch.page.locator(".corridor-nav .navbar-toggler"), watch.page.locator(control)
    if size == "phone":
        assert toggler.is_visible() and not item.is_visible()
        toggler.click()
        watch.page.wait_for_selector("#main-nav.collapse.show")  # opened, not still sliding open
        assert toggler.get_attribute("aria-expanded") == "true"
    else:
        assert not toggler.is_visible()
    box = item.bounding_box()
    assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= SIZES[size][0], box


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_and_skips_to_its_main_content(sized, layout_server: str, name: str) -> None:
    size, watch = sized
    open_page(watch, layout_server + PAGES[name])
    assert_fits(watch, size, name)
    assert_skip_link_moves_focus_to_main(watch)
    assert_menu_holds(watch, size, "#login-link")
    with watch.page.expect_navigation(wait_until="load"):
        watch.page.click("#login-link")
    assert watch.page.url.startswith(layout_server + "/login?next=")
    if name == "error":  # the browser logs the page's own 404
        watch.errors = [error for error in watch.errors if PAGES["error"] not in error]
    watch.assert_clean()


@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_admin_pages_fit_and_skip_to_their_main_content(sized, layout_server: str, name: str) -> None:
    size, watch = sized
    log_in_through_form(watch.page, layout_server, name="admin", password=ADMIN_PASSWORD)
    open_page(watch, layout_server + ADMIN_PAGES[name])
    assert_fits(watch, size, name)
    assert_skip_link_moves_focus_to_main(watch)
    assert_menu_holds(watch, size, "#user-area button[type=submit]")
    watch.assert_clean()


@pytest.mark.parametrize("name", ["overview", "access", "tour-result", "parks", "item"])
def test_map_shapes_without_a_label_are_not_tab_stops(watch: PageWatch, layout_server: str, name: str) -> None:
    open_page(watch, layout_server + PAGES[name])
    shapes = watch.page.evaluate("[...document.querySelectorAll('.leaflet-container path.leaflet-interactive')]"
                                 ".map((p) => [p.getAttribute('tabindex'), p.hasAttribute('aria-label')])")
    assert shapes
    assert all(tabindex == "-1" for tabindex, labelled in shapes if not labelled)
    container = watch.page.locator(".leaflet-container").first
    assert container.get_attribute("role") == "region" and container.get_attribute("aria-label").startswith("地图")
    container.focus()
    watch.page.keyboard.press("Tab")  # from the map itself straight to its first control, past every shape
    after = focused(watch)
    assert after["inMap"] and after["tag"] == "a" and "leaflet-control-zoom-in" in after["classes"], after
    watch.assert_clean()


def test_shapes_shown_again_by_a_filter_stay_out_of_the_tab_order(watch: PageWatch, layout_server: str) -> None:
    open_page(watch, layout_server + "/")
    watch.page.select_option("#filter-district", "龙湾区")
    watch.page.select_option("#filter-district", "")
    assert watch.counts()["tasks"] == 76
    tabindexes = watch.page.evaluate("[...document.querySelectorAll('path.leaflet-interactive')]"
                                     ".map((p) => p.getAttribute('tabindex'))")
    assert len(tabindexes) > 100 and set(tabindexes) == {"-1"}
    watch.assert_clean()


def test_first_navigation_link_of_a_tour_is_a_few_tabs_away(sized, layout_server: str) -> None:
    size, watch = sized
    open_page(watch, layout_server + PAGES["tour-result"])
    watch.page.keyboard.press("Tab")  # the skip link
    watch.page.keyboard.press("Enter")
    presses = 1
    while "amap-link" not in focused(watch)["classes"] and presses < 4:
        watch.page.keyboard.press("Tab")
        presses += 1
    first_link = watch.page.locator(".amap-link").first.get_attribute("href")
    assert focused(watch)["href"] == first_link and presses <= 3, (size, presses, focused(watch))
    watch.page.wait_for_function(f"() => ({FOCUSED_JS})().visible")  # scrolled into view (smoothly)
    watch.assert_clean()


def test_a_phone_map_starts_with_its_layer_list_and_legend_folded(sized, layout_server: str) -> None:
    size, watch = sized
    open_page(watch, layout_server + "/")
    layer_list = watch.page.locator(".leaflet-control-layers-list")
    legend_rows = watch.page.locator("#legend > div")
    if size == "desktop":
        assert layer_list.is_visible() and legend_rows.first.is_visible()
        assert watch.page.locator(".legend-toggle").count() == 0
        return
    toggle = watch.page.locator("#legend .legend-toggle")
    assert not layer_list.is_visible() and not legend_rows.first.is_visible()
    assert toggle.inner_text().startswith("图例") and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert legend_rows.first.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    watch.page.locator(".leaflet-control-layers-toggle").press("Enter")
    assert layer_list.is_visible()
    watch.assert_clean()


def test_finding_an_item_on_a_phone_shows_its_popup_on_screen(sized, layout_server: str) -> None:
    size, watch = sized
    open_page(watch, layout_server + "/")
    # as a person does: scroll down to the search box (below the map on a phone) before typing into it
    watch.page.evaluate("document.getElementById('search').scrollIntoView({block: 'center', behavior: 'instant'})")
    watch.page.fill("#search", "中国眼谷")
    watch.page.press("#search", "Enter")
    popup = watch.page.locator(".leaflet-popup-content .corridor-popup[data-id='B03']")
    popup.wait_for()
    watch.page.wait_for_function("() => !document.querySelector('.leaflet-pan-anim')")  # the map has panned to it
    box = watch.page.locator(".leaflet-popup").bounding_box()
    width, height = SIZES[size]
    assert 0 <= box["x"] and box["x"] + box["width"] <= width and 0 <= box["y"] < height, (size, box)
    watch.assert_clean()
