"""Real-browser tests of the 下载 menu (headless Chromium): it opens on the overview, access, tour and parks pages,
its links carry the page's parameters, and a click downloads a GIS file with its Chinese name."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyogrio
import pytest

from test_web_browser import PageWatch, browser, watch  # noqa: F401
from web_fixtures import live_server, real_app  # noqa: F401

pytestmark = pytest.mark.browser


def _menu_links(watch: PageWatch) -> dict[tuple[str, str], str]:  # noqa: F811
    """Open the menu; its links as (layer, format) -> href."""
    watch.page.click("#export-menu-button")
    menu = watch.page.locator("#export-menu .dropdown-menu")
    menu.wait_for(state="visible")
    links = {}
    for layer in menu.locator(".export-layer").all():
        for link in layer.locator("a[data-format]").all():
            links[(layer.get_attribute("data-layer") + ":" + layer.locator(".fw-bold").inner_text(),
                   link.get_attribute("data-format"))] = link.get_attribute("href")
    return links


def _download(watch: PageWatch, selector: str, tmp_path: Path) -> tuple[str, Path]:  # noqa: F811
    with watch.page.expect_download() as info:
        watch.page.click(selector)
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return download.suggested_filename, path


def test_the_overview_menu_downloads_a_layer(watch: PageWatch, live_server: str, tmp_path: Path) -> None:  # noqa: F811
    watch.open(live_server + "/")
    links = _menu_links(watch)
    layers = {layer for layer, _ in links}
    assert layers == {"blocks:重点区块", "roads:交通路网项目与环线", "tasks:环境整治任务", "districts:行政区与功能区"}
    assert {fmt for _, fmt in links} == {"gpkg", "shp", "kml", "kmz", "geojson", "csv"}
    name, path = _download(watch, '.export-layer[data-layer="blocks"] a[data-format="gpkg"]', tmp_path)
    assert name == "环大罗山科创走廊-重点区块.gpkg"
    blocks = pyogrio.read_dataframe(path)
    assert len(blocks) == 13 and "温州国际未来科技岛" in set(blocks["name"]) and blocks.crs.to_epsg() == 4326
    watch.assert_clean()


def test_the_access_comparison_offers_both_scenarios_bands(watch: PageWatch, live_server: str,
                                                           tmp_path: Path) -> None:  # noqa: F811
    watch.open(live_server + "/access?scenario=compare&congestion=0.6")
    links = _menu_links(watch)
    shp = {layer: href for (layer, fmt), href in links.items() if fmt == "shp"}
    assert set(shp) == {"isochrones:入环等时圈（现状路网）", "isochrones:入环等时圈（规划路网）"}
    queries = [parse_qs(urlparse(href).query) for href in shp.values()]
    assert sorted(q["scenario"][0] for q in queries) == ["baseline", "planned"]
    assert all(q["congestion"] == ["0.6"] and "target" not in q for q in queries)
    name, path = _download(watch, '.export-layer a[data-format="kmz"] >> nth=0', tmp_path)
    assert name == "环大罗山科创走廊-入环等时圈-现状路网-拥堵系数0.6.kmz"
    assert list(pyogrio.read_dataframe(path)["label_zh"])[0] == "5分钟以内"
    watch.assert_clean()


def test_the_tour_menu_downloads_the_planned_route(watch: PageWatch, live_server: str,
                                                   tmp_path: Path) -> None:  # noqa: F811
    watch.open(live_server + "/tour?sites=B01,B05&depart=09:00&scenario=baseline")
    links = _menu_links(watch)
    query = parse_qs(urlparse(links[("tour:巡查路线", "geojson")]).query)
    assert query["sites"] == ["B01,B05"] and query["depart"] == ["09:00"] and query["scenario"] == ["baseline"]
    name, path = _download(watch, 'a[data-format="csv"]', tmp_path)
    assert name == "环大罗山科创走廊-巡查路线-现状路网-2个点位.csv"
    tour = pyogrio.read_dataframe(path)
    assert sorted(set(tour.geom_type)) == ["LineString", "Point"]
    stops = tour[tour.geom_type == "Point"]
    assert len(stops) == 3 and stops["name"].iloc[0] == "温州市人民政府"
    watch.assert_clean()


def test_the_parks_menu_passes_the_quarter(watch: PageWatch, live_server: str, tmp_path: Path) -> None:  # noqa: F811
    watch.open(live_server + "/parks?quarter=2021Q3")
    links = _menu_links(watch)
    assert parse_qs(urlparse(links[("parks:园区目标", "kml")]).query) == {"quarter": ["2021Q3"]}
    name, path = _download(watch, 'a[data-format="kml"]', tmp_path)
    assert name == "环大罗山科创走廊-园区目标-2021Q3.kml"
    parks = pyogrio.read_dataframe(path)
    assert len(parks) == 6 and set(parks["quarter"]) == {"2021Q3"}
    watch.assert_clean()
