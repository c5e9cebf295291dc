"""Real-browser tests of the 可达性 comparison (headless Chromium, every non-loopback request blocked): both maps
drawn and moving together, the baseline's ring gap labelled on its map, the ranking and exports on the page."""
from __future__ import annotations

import pytest

from test_web_browser import PageWatch, browser, watch  # noqa: F401
from web_fixtures import live_server, real_app  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_comparison_page_shows_both_maps_in_step_with_the_gap_and_the_ranking(
        watch: PageWatch, live_server: str) -> None:  # noqa: F811
    watch.open(live_server + "/access?scenario=compare")
    watch.page.wait_for_function("() => window.corridorCompare !== undefined")
    counts = watch.page.evaluate(
        "({b: window.corridorCompare.baseline.counts(), p: window.corridorCompare.planned.counts()})")
    assert counts["b"]["gaps"] == 1 and "gaps" not in counts["p"]  # only the baseline's ring is broken
    assert counts["b"]["blocks"] == counts["p"]["blocks"] == 13 and counts["b"]["bands"] == 4
    label = watch.page.locator('.compare-map[data-scenario="baseline"] .leaflet-tooltip.gap-label')
    assert label.count() == 1 and "环线缺口：环山南路" in label.inner_text() and label.is_visible()
    assert watch.page.locator('.compare-map[data-scenario="planned"] .gap-label').count() == 0
    boxes = [watch.page.locator(f'.compare-map[data-scenario="{name}"]').bounding_box()
             for name in ("baseline", "planned")]
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] + 1 and abs(boxes[0]["y"] - boxes[1]["y"]) < 1

    watch.page.evaluate("window.corridorCompare.baseline.map.setView([27.95, 120.75], 14, {animate: false})")
    view = watch.page.evaluate("""(() => { const m = window.corridorCompare.planned.map;
        return {lat: m.getCenter().lat, lng: m.getCenter().lng, zoom: m.getZoom()}; })()""")
    assert view["zoom"] == 14 and view["lat"] == pytest.approx(27.95, abs=1e-6)
    assert view["lng"] == pytest.approx(120.75, abs=1e-6)

    ranking = watch.page.locator("#ranking-table tbody tr")
    assert ranking.first.get_attribute("data-id") == "R12" and ranking.first.is_visible()
    assert watch.page.locator('#district-table tr[data-id="D04"]').inner_text().count("未达标") == 2
    assert watch.page.locator("#access-exports a", has_text="Excel").get_attribute("href").startswith(
        "/access/export.xlsx?scenario=compare")
    watch.assert_clean()


def test_choosing_the_comparison_and_a_target_in_the_form(watch: PageWatch, live_server: str) -> None:  # noqa: F811
    watch.open(live_server + "/access?scenario=planned")
    watch.page.fill("#target", "0.8")
    with watch.page.expect_navigation(wait_until="load"):
        watch.page.check("#scenario-compare")
    watch.page.wait_for_function("() => window.corridorCompare !== undefined")
    assert "scenario=compare" in watch.page.url and "target=0.8" in watch.page.url
    assert watch.page.locator('#threshold-table tr[data-threshold="coverage_target"]').inner_text().count("80%") == 1
    watch.assert_clean()
