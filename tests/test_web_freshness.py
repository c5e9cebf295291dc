"""Data freshness on the maps (web/gis/freshness.py, templates/_freshness.html): every map page counts its layers'
surveyed / OSM / approximate positions, a planner's edit moves an item out of 近似, and the overview and the API
filter 「仅显示近似位置」 (``approximate=1``)."""
from __future__ import annotations

import re

import pytest
from flask import Flask

from status_web_fixtures import login, status_app  # noqa: F401
from test_web_browser import PageWatch, browser  # noqa: F401
from web_fixtures import live_server, real_app  # noqa: F401

SURVEYED_B01 = {"type": "Polygon", "coordinates": [[[120.095, 27.895], [120.105, 27.895], [120.105, 27.905],
                                                    [120.095, 27.905], [120.095, 27.895]]]}
ROW = re.compile(r'<div data-layer="(?P<layer>\w+)">(?P<body>.*?)</div>', re.S)
COUNT = re.compile(r'data-class="(?P<name>\w+)" data-count="(?P<count>\d+)">(?P<text>[^<]*)<')


def freshness(html: str) -> dict[str, dict[str, int]]:
    """Per layer of the page's 位置数据现状 panel: {class: count}."""
    panel = re.search(r'<section class="freshness.*?</section>', html, re.S)
    assert panel, "no freshness panel on the page"
    return {row["layer"]: {m["name"]: int(m["count"]) for m in COUNT.finditer(row["body"])}
            for row in ROW.finditer(panel.group(0))}


@pytest.mark.parametrize(("path", "layers"), [
    ("/", {"blocks", "roads", "ring", "tasks", "districts"}), ("/access", {"blocks", "ring", "districts"}),
    ("/access?scenario=compare", {"blocks", "ring", "districts"}),
    ("/tour", {"blocks", "roads", "ring", "tasks"}), ("/parks", {"parks", "districts"}), ("/items/B05", {"blocks"}),
    ("/items/RING-N", {"ring"}),
])
def test_every_map_counts_its_layers_from_the_shipped_data(real_app: Flask, path: str, layers: set) -> None:  # noqa: F811
    counts = freshness(real_app.test_client().get(path).get_data(as_text=True))
    assert set(counts) == layers
    expected = {"blocks": {"surveyed": 0, "osm": 0, "approximate": 13},  # data/blocks.geojson: 13 approximate
                "roads": {"surveyed": 0, "osm": 1, "approximate": 16},  # 13 approximate + 3 provisional; R?? matched
                "ring": {"surveyed": 0, "osm": 4, "approximate": 0},  # the ring's four segments, OSM-matched
                "tasks": {"surveyed": 0, "osm": 0, "approximate": 76},  # 13 approximate + 63 provisional
                "districts": {"surveyed": 5, "osm": 0, "approximate": 3},  # five districts; zones and corridor
                "parks": {"surveyed": 0, "osm": 0, "approximate": 6}}
    assert counts == {layer: expected[layer] for layer in layers}


def test_the_panel_reads_as_the_planners_say_it(real_app: Flask) -> None:  # noqa: F811
    html = real_app.test_client().get("/").get_data(as_text=True)
    row = ROW.search(html[html.index('id="freshness"'):])
    assert re.sub(r"<[^>]+>", "", row["body"]) == "重点区块：已测绘 0 · 来自 OSM 0 · 近似 13"


def test_a_planners_edit_moves_the_item_out_of_approximate(status_app: Flask) -> None:  # noqa: F811
    client = status_app.test_client()
    before = freshness(client.get("/").get_data(as_text=True))
    assert before["blocks"] == {"surveyed": 0, "osm": 0, "approximate": 1}
    assert [f["id"] for f in client.get("/api/blocks?approximate=1").json["features"]] == ["B01"]
    token = login(client, "editor")
    response = client.put("/api/items/B01/geometry", json={"geometry": SURVEYED_B01, "expected_version": 0,
                                                           "source": "hand_drawn"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.get_data(as_text=True)
    after = freshness(client.get("/").get_data(as_text=True))
    assert after["blocks"] == {"surveyed": 0, "osm": 0, "edited": 1, "approximate": 0}
    assert "手绘或上传 1" in client.get("/items/B01").get_data(as_text=True)
    assert client.get("/api/blocks?approximate=1").json["features"] == []
    assert len(client.get("/api/blocks?approximate=0").json["features"]) == 1


def test_a_bad_approximate_value_is_refused_naming_the_filter(real_app: Flask) -> None:  # noqa: F811
    client = real_app.test_client()
    api = client.get("/api/tasks?approximate=yes")
    assert api.status_code == 400 and api.json["parameter"] == "approximate"
    assert "仅显示近似位置" in api.json["message"]
    page = client.get("/?approximate=yes")
    assert page.status_code == 400 and "仅显示近似位置" in page.get_data(as_text=True)


def test_the_overview_starts_filtered_with_approximate_1(real_app: Flask) -> None:  # noqa: F811
    html = real_app.test_client().get("/?approximate=1").get_data(as_text=True)
    assert re.search(r'id="filter-approximate" checked', html)
    assert '"approximateOnly": true' in html


@pytest.mark.browser
def test_the_overview_shows_only_what_is_left_to_survey(browser, live_server: str) -> None:  # noqa: F811
    watch = PageWatch(browser)
    watch.open(live_server + "/?approximate=1")
    assert watch.page.is_checked("#filter-approximate")
    assert watch.counts() == {"districts": 8, "tasks": 76, "blocks": 13, "ring": 0, "roads": 16}
    assert watch.page.locator("#item-list li[data-id='RING-N']").is_hidden()
    watch.page.uncheck("#filter-approximate")
    assert watch.counts() == {"districts": 8, "tasks": 76, "blocks": 13, "ring": 4, "roads": 17}
    watch.page.check("#filter-approximate")
    watch.page.select_option("#filter-category", "ring")
    assert watch.counts()["ring"] == 0
    watch.assert_clean()
    watch.page.close()
