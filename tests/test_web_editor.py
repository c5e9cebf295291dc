"""The item page's geometry editor (Leaflet-Geoman) in a real headless Chromium, every non-loopback request blocked:
an editor drags one vertex of a block and saves it as a hand-drawn version, a dragged vertex snaps onto a street of
the road network, and polygons are cut and merged; the CSP lets Geoman run with no console error."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from shapely.geometry import shape

from test_web_browser import PageWatch, browser  # noqa: F401
from web_fixtures import log_in_through_form, served_with_user

pytestmark = pytest.mark.browser

PASSWORD = "editor-pass-1"
DRAG_PX = (70, 45)
METRES_PER_DEGREE = 111_320.0

# The screen position of vertex ``index`` of the working polygon's outer ring, and where a drag by (dx, dy) pixels
# lands on the map.
VERTEX_JS = """([index, dx, dy]) => {
  const editor = window.itemEditor, map = editor.map, box = map.getContainer().getBoundingClientRect();
  const ring = editor.working()[0].getLatLngs()[0], vertex = ring[index];
  const p = map.latLngToContainerPoint(vertex), target = map.containerPointToLatLng(p.add([dx, dy]));
  return {x: box.left + p.x, y: box.top + p.y, from: [vertex.lng, vertex.lat], to: [target.lng, target.lat]};
}"""
# A street vertex shown on the map near the working polygon's vertex ``index`` (but not on it), on screen.
STREET_NEAR_JS = """([index]) => {
  const editor = window.itemEditor, map = editor.map, box = map.getContainer().getBoundingClientRect();
  const size = map.getSize(), from = map.latLngToContainerPoint(editor.working()[0].getLatLngs()[0][index]);
  let best = null;
  editor.streets.eachLayer((street) => street.getLatLngs().forEach((ll) => {
    const p = map.latLngToContainerPoint(ll), d = p.distanceTo(from);
    if (p.x > 60 && p.y > 20 && p.x < size.x - 20 && p.y < size.y - 20 && d > 40 && d < 200 && (!best || d < best.d))
      best = {d: d, x: box.left + p.x, y: box.top + p.y};
  }));
  return best;
}"""


@pytest.fixture(scope="module")
def editor_server() -> Iterator[str]:
    """The app on the shipped plan with an empty SQLite database and one editor, served on loopback."""
    with served_with_user(role="editor", password=PASSWORD) as base:
        yield base


@pytest.fixture
def editor_page(browser, editor_server) -> Iterator[PageWatch]:  # noqa: F811
    """A page logged in as the editor through the login form."""
    watch = PageWatch(browser)
    log_in_through_form(watch.page, editor_server, name="editor", password=PASSWORD)
    yield watch
    watch.page.close()


def _open_editor(watch: PageWatch, base: str, item_id: str, *, snap: bool) -> None:
    watch.page.goto(f"{base}/items/{item_id}")
    watch.page.wait_for_function("() => window.itemEditor && window.itemEditor.streets !== null")
    if not snap:
        watch.page.uncheck("#geometry-snap")
    watch.page.click("#edit-vertices")
    watch.page.wait_for_function("() => window.itemEditor.map.pm.globalEditModeEnabled()")


def _drag(watch: PageWatch, start: dict, end: tuple[float, float]) -> None:
    mouse = watch.page.mouse
    mouse.move(start["x"], start["y"])
    mouse.down()
    mouse.move(*end, steps=12)
    mouse.up()
    # Geoman reports a dragged shape's edit 10 ms after the mouse is released
    watch.page.wait_for_function("() => window.itemEditor.pending() !== null")


def _vertices(geometry: dict) -> list[tuple[float, float]]:
    return [tuple(xy) for xy in shapely.get_coordinates(shape(geometry)).tolist()]


def _save(watch: PageWatch) -> None:
    watch.page.click("#geometry-save")
    watch.page.wait_for_selector("#saved")


def _api(watch: PageWatch, path: str) -> dict:
    return watch.page.evaluate(f"fetch('{path}').then((r) => r.json())")


def test_dragging_one_vertex_saves_a_hand_drawn_version_moving_only_that_vertex(editor_page: PageWatch,
                                                                               editor_server: str) -> None:
    page = editor_page.page
    before = _api(editor_page, "/api/blocks/B05")["geometry"]
    _open_editor(editor_page, editor_server, "B05", snap=False)
    assert page.is_disabled("#geometry-save")
    vertex = page.evaluate(VERTEX_JS, [2, *DRAG_PX])
    _drag(editor_page, vertex, (vertex["x"] + DRAG_PX[0], vertex["y"] + DRAG_PX[1]))
    assert page.evaluate("window.itemEditor.source()") == "hand_drawn"
    assert not page.is_disabled("#geometry-save")
    _save(editor_page)

    after = _api(editor_page, "/api/blocks/B05")
    assert after["properties"]["geometry_source"] == "hand_drawn"
    old, new = _vertices(before), _vertices(after["geometry"])
    assert len(new) == len(old)
    moved = [(a, b) for a, b in zip(old, new) if max(abs(a[0] - b[0]), abs(a[1] - b[1])) > 2e-6]
    assert len(moved) == 1  # that vertex alone
    (was, now), = moved
    assert was == pytest.approx(tuple(vertex["from"]), abs=2e-6)
    pixel_deg = abs(vertex["to"][0] - vertex["from"][0]) / DRAG_PX[0]
    assert now == pytest.approx(tuple(vertex["to"]), abs=1.5 * pixel_deg)  # where the mouse let go, to a pixel
    history = _api(editor_page, "/api/items/B05/history")["geometry_versions"]
    assert [v["source"] for v in history] == ["hand_drawn"]
    assert page.locator("#geometry-history tbody tr").count() == 2  # version 1 and the plan's baseline
    editor_page.assert_clean()


def test_a_dragged_vertex_snaps_onto_a_street_of_the_road_network(editor_page: PageWatch,
                                                                  editor_server: str) -> None:
    page = editor_page.page
    _open_editor(editor_page, editor_server, "B03", snap=True)
    vertex = page.evaluate(VERTEX_JS, [1, 0, 0])
    street = page.evaluate(STREET_NEAR_JS, [1])
    assert street is not None, "no street vertex drawn near the block"
    drop = (street["x"] + 4, street["y"] + 3)  # 5 px off the street: snapping must pull it on
    _drag(editor_page, vertex, drop)
    _save(editor_page)

    saved = _vertices(_api(editor_page, "/api/blocks/B03")["geometry"])
    moved = [xy for xy in saved if xy not in set(_vertices(_api(editor_page, "/api/items/B03/geometry/versions/0")
                                                            ["geometry"]))]
    assert len(moved) == 1
    point = shapely.Point(moved[0])
    west, south, east, north = (point.x - 0.002, point.y - 0.002, point.x + 0.002, point.y + 0.002)
    streets = _api(editor_page, f"/api/network/edges?bbox={west},{south},{east},{north}")["features"]
    nearest_m = min(shape(f["geometry"]).distance(point) for f in streets) * METRES_PER_DEGREE
    assert nearest_m < 0.5
    editor_page.assert_clean()


# Screen points of a closed ring around the working polygon's centre: ``w`` and ``h`` are shares of its bounds' width
# and height on each side of the centre.
RING_JS = """([w, h]) => {
  const editor = window.itemEditor, map = editor.map, b = editor.working()[0].getBounds(), c = b.getCenter();
  const box = map.getContainer().getBoundingClientRect();
  const dx = (b.getEast() - b.getWest()) * w, dy = (b.getNorth() - b.getSouth()) * h;
  const ring = [[c.lat - dy, c.lng - dx], [c.lat - dy, c.lng + dx], [c.lat + dy, c.lng + dx], [c.lat + dy, c.lng - dx]];
  return ring.concat([ring[0]]).map((ll) => {
    const p = map.latLngToContainerPoint(ll); return {x: box.left + p.x, y: box.top + p.y};
  });
}"""


def _click_ring(watch: PageWatch, points: list[dict]) -> None:
    for point in points:
        watch.page.mouse.click(point["x"], point["y"])


def test_cutting_a_block_in_two_and_merging_the_halves_gives_one_polygon_back(editor_page: PageWatch,
                                                                              editor_server: str) -> None:
    page = editor_page.page
    _open_editor(editor_page, editor_server, "B07", snap=False)
    page.click("#edit-vertices")  # off again: cutting works on the shapes themselves
    # a thin strip across the whole block, drawn with Geoman's cut tool: the block falls into two halves
    page.evaluate("() => window.itemEditor.map.pm.enableGlobalCutMode({snappable: false})")
    _click_ring(editor_page, page.evaluate(RING_JS, [0.7, 0.05]))
    halves = page.evaluate("window.itemEditor.pending()")
    assert halves["type"] == "MultiPolygon" and len(halves["coordinates"]) == 2

    # a bridge inside the block across the cut, then 合并面: the union of the halves and the bridge is one polygon
    page.evaluate("() => window.itemEditor.map.pm.disableGlobalCutMode()")
    page.evaluate("() => window.itemEditor.map.pm.enableDraw('Polygon', {snappable: false})")
    _click_ring(editor_page, page.evaluate(RING_JS, [0.12, 0.15]))
    assert page.evaluate("window.itemEditor.pending().coordinates.length") == 3
    page.click("#merge-parts")
    page.wait_for_selector("#geometry-message:has-text('已将')")
    assert page.evaluate("window.itemEditor.pending().type") == "Polygon"
    _save(editor_page)
    block = _api(editor_page, "/api/blocks/B07")
    assert block["geometry"]["type"] == "Polygon" and block["properties"]["geometry_source"] == "hand_drawn"
    assert shape(block["geometry"]).is_valid
    editor_page.assert_clean()


def test_dragging_one_point_of_a_multipoint_item_keeps_the_others(editor_page: PageWatch, editor_server: str) -> None:
    page = editor_page.page
    before = _vertices(_api(editor_page, "/api/roads/R16")["geometry"])
    _open_editor(editor_page, editor_server, "R16", snap=False)
    point = page.evaluate("""() => {
      const editor = window.itemEditor, map = editor.map, box = map.getContainer().getBoundingClientRect();
      const p = map.latLngToContainerPoint(editor.working()[0].getLatLng());
      return {x: box.left + p.x, y: box.top + p.y};
    }""")
    _drag(editor_page, point, (point["x"] + 20, point["y"] - 15))
    assert page.evaluate("window.itemEditor.pending().type") == "MultiPoint"
    _save(editor_page)
    after = _api(editor_page, "/api/roads/R16")
    assert after["geometry"]["type"] == "MultiPoint" and after["properties"]["geometry_source"] == "hand_drawn"
    new = _vertices(after["geometry"])
    kept = [xy for xy in new if any(max(abs(xy[0] - a[0]), abs(xy[1] - a[1])) < 2e-6 for a in before)]
    assert len(new) == len(before) and len(kept) == len(before) - 1
    editor_page.assert_clean()
