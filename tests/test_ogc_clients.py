"""OGC API – Features read by real clients against a live server: GDAL's OAPIF driver (through pyogrio, what QGIS
uses) and OWSLib.

The server runs as its own process (``corridor serve``): GDAL holds the GIL while it reads, so a server thread in
the test process could never answer it.
"""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyogrio
import pytest
import shapely
from owslib.ogcapi.features import Features

from environment import unavailable
from geo.status import records
from geo.plan.layers import load_plan
from geo.status.store import open_store
from web_fixtures import DATA_DIR

CORRIDOR = Path(sys.executable).parent / "corridor"
CHROMIUM = Path("/usr/bin/chromium")
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
TODAY = date(2021, 7, 1)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return 0
    finally:
        connection.close()


def _surveyed_b02(plan) -> shapely.Geometry:
    """B02's polygon shrunk to 80 % about its centroid: a stand-in survey that stays in its district."""
    from shapely import affinity

    return affinity.scale(plan.blocks.set_index("id").geometry["B02"], 0.8, 0.8, origin="centroid")


@pytest.fixture(scope="module")
def ogc_server(tmp_path_factory) -> Iterator[str]:
    """``corridor serve`` on the shipped data with B01 reported late and B02's geometry replaced by a survey."""
    folder = tmp_path_factory.mktemp("ogc")
    plan = load_plan(DATA_DIR)
    store = open_store(f"sqlite:///{folder / 'corridor.sqlite3'}")
    records.add_report(store, plan, "B01", percent=5, state="进行中", reported_on="2021-06-30", reporter="测试",
                       expected_version=0, today=TODAY)
    records.add_geometry_version(store, plan, "B02", shapely.geometry.mapping(_surveyed_b02(plan)), author="测试",
                                 expected_version=0, source="surveyed")
    store.close()
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CORRIDOR_")}
    env.update(CORRIDOR_INSTANCE_PATH=str(folder), CORRIDOR_DATA_DIR=str(DATA_DIR), CORRIDOR_TILES="osm")
    log = open(folder / "server.log", "wb")
    process = subprocess.Popen([str(CORRIDOR), "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 90
        while _status(port, "/ogc") != 200:
            assert process.poll() is None and time.monotonic() < deadline, (folder / "server.log").read_text()
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/ogc"
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def test_gdal_lists_every_collection(ogc_server: str) -> None:
    names = [name for name, _ in pyogrio.list_layers(f"OAPIF:{ogc_server}")]
    assert names == ["blocks", "roads", "tasks", "parks", "districts", "isochrones"]


def test_gdal_reads_the_13_blocks_with_status_and_edited_geometry(ogc_server: str) -> None:
    frame = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="blocks")
    assert len(frame) == 13 and sorted(frame["id"]) == [f"B{n:02d}" for n in range(1, 14)]
    assert frame.crs.to_string() == "OGC:CRS84"
    by_id = frame.set_index("id")
    assert by_id.loc["B01", "progress_percent"] == pytest.approx(5)
    assert by_id.loc["B01", "status"] != "未上报" and by_id.loc["B03", "status"] == "未上报"
    assert by_id.loc["B02", "geometry_source"] == "surveyed" and by_id.loc["B03", "geometry_source"] == "approximate"
    plan = load_plan(DATA_DIR)
    served, survey = by_id.loc["B02"].geometry, _surveyed_b02(plan)
    assert shapely.hausdorff_distance(served, survey) < 1e-5  # the API rounds to 6 decimals
    assert shapely.hausdorff_distance(served, plan.blocks.set_index("id").geometry["B02"]) > 1e-3


def test_gdal_reads_every_page_of_the_tasks(ogc_server: str) -> None:
    frame = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="tasks", PAGE_SIZE=10)
    assert len(frame) == 76 and frame["id"].is_unique


def test_gdal_asks_for_cgcs2000_and_gets_the_same_places(ogc_server: str) -> None:
    wgs84 = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="blocks")
    cgcs = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="blocks", CRS="EPSG:4490")
    assert cgcs.crs.to_epsg() == 4490
    cgcs_bounds = cgcs.set_index("id").geometry.bounds
    assert cgcs_bounds.values == pytest.approx(wgs84.set_index("id").geometry.bounds.values)


def test_gdal_bbox_keeps_the_features_in_the_box(ogc_server: str) -> None:
    box = (120.6, 27.9, 120.75, 28.1)
    frame = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="tasks", bbox=box)
    everything = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="tasks")
    expected = everything[everything.intersects(shapely.box(*box))]
    assert 0 < len(frame) < 76 and sorted(frame["id"]) == sorted(expected["id"])


def test_gdal_attribute_filter_matches_the_api(ogc_server: str) -> None:
    frame = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="tasks", where="district = '鹿城区'")
    everything = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="tasks")
    assert 0 < len(frame) < 76 and sorted(frame["id"]) == sorted(everything[everything["district"] == "鹿城区"]["id"])


def test_gdal_reads_the_planned_isochrones(ogc_server: str) -> None:
    frame = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="isochrones")
    assert list(frame["band"]) == ["0-5", "5-10", "10-15", ">15"]
    assert set(frame["scenario"]) == {"planned"}


def test_owslib_pages_through_the_blocks(ogc_server: str) -> None:
    service = Features(ogc_server)
    assert [c["id"] for c in service.collections()["collections"]] == [
        "blocks", "roads", "tasks", "parks", "districts", "isochrones"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in service.conformance()["conformsTo"]
    ids = []
    for offset in (0, 5, 10):
        page = service.collection_items("blocks", limit=5, offset=offset)
        assert page["numberMatched"] == 13
        assert page["numberReturned"] == len(page["features"]) == (5 if offset < 10 else 3)
        rels = {link["rel"] for link in page["links"]}
        assert ("next" in rels) == (offset < 10) and ("prev" in rels) == (offset > 0)
        ids += [feature["id"] for feature in page["features"]]
    assert ids == [f"B{n:02d}" for n in range(1, 14)]


def test_owslib_filters_by_property_bbox_and_crs(ogc_server: str) -> None:
    service = Features(ogc_server)
    lucheng = service.collection_items("tasks", district="鹿城区", limit=100)
    assert lucheng["numberMatched"] > 0 and {f["properties"]["district"] for f in lucheng["features"]} == {"鹿城区"}
    plain = service.collection_item("blocks", "B05")
    swapped = service.collection_items("blocks", bbox=[27.0, 120.0, 29.0, 122.0], crs=EPSG_4490,
                                       **{"bbox-crs": EPSG_4490, "id": "B05"})
    assert swapped["numberMatched"] == 1
    lon, lat = shapely.geometry.shape(plain["geometry"]).representative_point().coords[0]
    swapped_shape = shapely.geometry.shape(swapped["features"][0]["geometry"])
    assert shapely.Point(lat, lon).intersects(swapped_shape)  # lat, lon order in EPSG:4490


@pytest.mark.browser
def test_a_browser_walks_from_the_landing_page_to_a_feature(ogc_server: str) -> None:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []  # the app has no favicon: the browser's 404 for it is not the pages' fault
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda message: errors.append(f"{message.text} at {message.location}")
                if message.type == "error" and not message.location["url"].endswith("/favicon.ico") else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(ogc_server)  # a browser's Accept asks for the page, no f=html needed
        expect(page.locator("#ogc-title")).to_have_text("环大罗山科创走廊地图")
        page.click("text=要素集合")
        page.click("#ogc-table >> text=blocks")
        page.click("text=重点区块·要素列表（网页）")
        expect(page.locator("#ogc-summary")).to_have_text("共 13 个要素，本页第 1 至 10 个。")
        page.click("#ogc-links >> text=下一页")
        expect(page.locator("#ogc-summary")).to_have_text("共 13 个要素，本页第 11 至 13 个。")
        expect(page.locator("#ogc-table tbody tr")).to_have_count(3)
        page.click("#ogc-links >> text=上一页")
        expect(page.locator("#ogc-summary")).to_have_text("共 13 个要素，本页第 1 至 10 个。")
        page.click("#ogc-table >> text=B02")
        expect(page.locator("#ogc-title")).to_have_text("浙南科技城核心区")
        expect(page.locator("#ogc-table")).to_contain_text("测绘")  # B02's geometry_source: surveyed
        browser.close()
    assert errors == []
