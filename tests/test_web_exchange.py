"""``GET /export/<layer>.<format>`` (web/gis/exports.py): every layer in every format, the same features as the API with
status applied, the layer's parameters, Chinese download names, and a 400 naming the field for bad input."""
from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pyogrio
import pytest
from flask import Flask

from geo.exchange.formats import FORMATS
from geo.status.records import add_report
from web.core.database import app_store
from web.core.state import corridor_state
from web.core.status import STATUS_COLORS
from web_fixtures import DATA_DIR, make_app, real_app  # noqa: F401

TOUR = "sites=B01,B05,R03&depart=09:00"
# layer -> (query string, the API answer holding the same features, Chinese title in the file name)
LAYERS: dict[str, tuple[str, str | None, str]] = {
    "blocks": ("", "/api/blocks", "重点区块"),
    "roads": ("", "/api/roads", "交通路网项目与环线"),
    "tasks": ("", "/api/tasks", "环境整治任务"),
    "districts": ("", "/api/districts", "行政区与功能区"),
    "parks": ("quarter=2021Q2", "/api/parks?quarter=2021Q2", "园区目标-2021Q2"),
    "isochrones": ("scenario=baseline&congestion=0.6", "/api/access/isochrones?scenario=baseline&congestion=0.6",
                   "入环等时圈-现状路网-拥堵系数0.6"),
    "tour": (TOUR, None, "巡查路线-规划路网-"),
}


def _filename(response) -> str:
    match = re.search(r"filename\*=UTF-8''(\S+)$", response.headers["Content-Disposition"])
    return unquote(match.group(1))


def _frames(response, tmp_path: Path, fmt: str) -> list:
    path = tmp_path / f"download{FORMATS[fmt].extension}"
    path.write_bytes(response.data)
    return [pyogrio.read_dataframe(path, layer=name) for name, _ in pyogrio.list_layers(path)]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("layer", list(LAYERS))
def test_every_layer_downloads_in_every_format_with_the_apis_features(real_app: Flask, layer: str, fmt: str,
                                                                      tmp_path: Path) -> None:  # noqa: F811
    query, api, title = LAYERS[layer]
    client = real_app.test_client()
    response = client.get(f"/export/{layer}.{fmt}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[-600:]
    assert response.content_type.startswith(FORMATS[fmt].media_type.split(";")[0])
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="corridor-{layer}')
    name = _filename(response)
    assert name.startswith(f"环大罗山科创走廊-{title}") and name.endswith(FORMATS[fmt].extension)
    frames = _frames(response, tmp_path, fmt)
    count = sum(len(frame) for frame in frames)
    if api is None:
        tour = client.post("/api/tours", json={"sites": ["B01", "B05", "R03"], "depart": "09:00"}).get_json()
        assert count == len(tour["legs"]) + len([p for p in tour["points"] if p["role"] != "return"])
    else:
        features = client.get(api).get_json()["features"]
        assert count == len(features)
        if "id" in features[0]["properties"]:
            assert sorted(i for frame in frames for i in frame["id"]) == sorted(f["id"] for f in features)


def test_filters_and_status_are_those_of_the_api(tmp_path: Path) -> None:
    app = make_app(DATA_DIR)
    add_report(app_store(app), corridor_state(app).plan, "R03", percent=5, state="进行中", reported_on="2021-03-01",
               reporter="张三", expected_version=0, today=date(2021, 7, 1))
    client = app.test_client()
    api = client.get("/api/roads?district=龙湾区").get_json()["features"]
    response = client.get("/export/roads.gpkg?district=龙湾区")
    assert response.status_code == 200
    frames = _frames(response, tmp_path, "gpkg")
    colours = {i: c for frame in frames for i, c in zip(frame["id"], frame["status_color"])}
    assert colours == {f["id"]: f["properties"]["status_color"] for f in api}
    assert colours["R03"] != "grey"
    red = client.get(f"/export/roads.csv?status={colours['R03']}&category=road_complete_2021")
    assert _filename(red) == f"环大罗山科创走廊-交通路网项目与环线-道路建成（2021年）-{STATUS_COLORS[colours['R03']][0]}.csv"
    assert red.headers["Content-Disposition"].startswith(
        f'attachment; filename="corridor-roads-road_complete_2021-{colours["R03"]}.csv"')
    (frame,) = _frames(red, tmp_path, "csv")
    assert "R03" in set(frame["id"]) and set(frame["status_color"]) == {colours["R03"]}


def test_the_shapefile_download_is_a_zip_with_cpg_and_the_field_table(real_app: Flask) -> None:  # noqa: F811
    response = real_app.test_client().get("/export/blocks.shp")
    archive = zipfile.ZipFile(__import__("io").BytesIO(response.data))
    assert archive.read("blocks.cpg") == b"UTF-8"
    assert "respons_01,responsible_unit_derived,责任单位细化（推导，非规划原文）" in \
        archive.read("fields.csv").decode("utf-8-sig")


@pytest.mark.parametrize(("path", "label", "text"), [
    ("/export/blocks.dxf", "导出格式", "gpkg、shp、kml、kmz、geojson、csv；收到「dxf」"),
    ("/export/lakes.gpkg", "导出图层", "blocks、roads、tasks、districts、parks、isochrones、tour；收到「lakes」"),
    ("/export/blocks.gpkg?colour=red", "状态颜色", "不是本页的参数；可用参数：district（地区）"),
    ("/export/districts.kml?quarter=2021Q2", "季度", "该图层不接受任何参数"),
    ("/export/parks.kml?quarter=2020Q1", "季度", "应为规划年度的季度"),
    ("/export/isochrones.csv?congestion=fast", "拥堵系数", "应为数字"),
    ("/export/tour.kmz", "观摩点位", "请至少选择一个观摩点位"),
])
def test_bad_input_is_a_400_naming_the_field_in_chinese(real_app: Flask, path: str, label: str,
                                                        text: str) -> None:  # noqa: F811
    response = real_app.test_client().get(path)
    assert response.status_code == 400 and "Content-Disposition" not in response.headers
    body = response.get_data(as_text=True)
    assert f"{label}：" in body and text in body and "Traceback" not in body


def test_a_chinese_filter_value_names_the_utf8_file_and_drops_out_of_the_ascii_one(
        real_app: Flask) -> None:  # noqa: F811
    response = real_app.test_client().get("/export/tasks.kml?district=龙湾区")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="corridor-tasks.kml";')
    assert _filename(response) == "环大罗山科创走廊-环境整治任务-龙湾区.kml"


def test_a_download_is_cached_and_revalidated_like_the_pages(real_app: Flask) -> None:  # noqa: F811
    client = real_app.test_client()
    first = client.get("/export/districts.gpkg")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/export/districts.gpkg", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
