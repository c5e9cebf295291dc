"""The pages (Flask test client): content in Chinese, counts that agree with the API, offline assets, errors."""
from __future__ import annotations

import json
import re

import pytest
from flask import Flask

from web.core.navigation import add_nav_link
from web_fixtures import real_app, tiny_app  # noqa: F401

MAX_PAGE_BYTES = 1_500_000
ASSET_URL = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"')


def _page(app: Flask, path: str) -> str:
    response = app.test_client().get(path)
    assert response.status_code == 200, response.text[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("path", "title"), [("/", "总览"), ("/access", "可达性"), ("/tasks", "任务清单")])
def test_pages_load_in_chinese_with_local_assets_only(real_app: Flask, path: str, title: str) -> None:
    html = _page(real_app, path)
    assert '<html lang="zh-CN">' in html and f"<title>{title}" in html
    assets = ASSET_URL.findall(html)
    assert assets and all(url.startswith(("/static/", "/assets/")) for url in assets), assets
    for url in assets:  # every referenced asset is really served
        assert real_app.test_client().get(url).status_code == 200, url
    assert len(html.encode()) < MAX_PAGE_BYTES


def test_overview_side_table_agrees_with_the_api(real_app: Flask) -> None:
    html = _page(real_app, "/")
    client = real_app.test_client()
    rows = re.findall(r'<tr data-district="([^"]+)">.*?data-layer="blocks">(\d+)</td><td data-layer="roads">(\d+)'
                      r'</td><td data-layer="tasks">(\d+)</td>', html, flags=re.S)
    assert len(rows) == 7
    for district, blocks, roads, tasks in rows:
        for layer, shown in (("blocks", blocks), ("tasks", tasks)):
            api = client.get(f"/api/{layer}", query_string={"district": district}).get_json()["features"]
            assert int(shown) == len(api), (district, layer)
        api_roads = client.get("/api/roads", query_string={"district": district}).get_json()["features"]
        assert int(roads) == sum(f["properties"]["category"] != "ring" for f in api_roads)
    assert sum(int(r[1]) for r in rows) == 13 and sum(int(r[3]) for r in rows) == 76
    assert re.search(r"<td>合计</td><td>13</td><td>17</td><td>76</td>", html)


def test_overview_has_controls_legend_and_notice(real_app: Flask) -> None:
    html = _page(real_app, "/")
    for element in ('id="search"', 'id="filter-district"', 'id="filter-category"', 'id="filter-status"',
                    'id="legend"', "L.control.fullscreen", "L.control.scale", "L.control.layers", "corridorMapInit"):
        assert element in html, element
    assert "位置均为近似，仅供示意" in html and "临时占位：规划未给出位置" in html
    assert html.count('<li data-id="') == 13 + 17 + 4 + 76


NOTE = ("注：规划文本“交通路网建设（17项）”（第213行）即“完成道路建成7条、续建10条”（第241行），只计道路；续建道路规划写"
        "“市域铁路S2线一期等10条”，只列名8条（第216行）。本数据17项 = 道路15条 + 公交2项；“公交线路及首末站”在规划中是一行"
        "（第218行），拆为2项是本项目的读法。")


@pytest.mark.parametrize("path", ["/", "/tasks", "/reports"])
def test_the_plans_17_is_shown_with_the_datas_count_and_the_caveat(real_app: Flask, path: str) -> None:
    html = _page(real_app, path)
    assert f'id="transport-note">{NOTE}' in html
    assert "交通路网项目（17项）" not in html
    label = "交通路网项目（规划称17项；本数据17项，见注）"
    assert (json.dumps(label) if path == "/" else label) in html  # on the overview: the map's layer control


def test_focus_must_name_an_item(real_app: Flask) -> None:
    assert '"focus": "E14"' in _page(real_app, "/?focus=E14")
    response = real_app.test_client().get("/?focus=X99")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "focus" in response.get_data(as_text=True)


def test_tasks_table_lists_projects_and_tasks_linking_to_the_map(real_app: Flask) -> None:
    html = _page(real_app, "/tasks")
    ids = re.findall(r'<tr data-id="([^"]+)"', html)
    assert len(ids) == 17 + 76 and "RING-N" not in ids
    assert 'href="/?focus=E14"' in html and 'href="/?focus=R08"' in html
    assert 'th data-sort' in html
    assert "<td>道路建成 <small class=\"text-muted\">（第215行）</small></td><td>科创走廊所在地政府、功能区管委会，市交通局</td>" in html
    assert "责任单位细化（推导）" in html and "<td>鹿城区政府</td>" in html


def test_access_page_shows_source_tables_and_controls(real_app: Flask) -> None:
    html = _page(real_app, "/access?scenario=baseline&congestion=0.6")
    assert "OpenStreetMap 真实路网（BBBike 2026-06-08 提取）" in html and "© OpenStreetMap contributors" in html
    assert 'id="ring-match"' in html and "请规划人员核实" in html
    assert 'value="baseline" checked' in html and 'name="congestion"' in html and 'value="0.6"' in html
    assert re.findall(r'<tr data-direction="(\w+)">', html) == ["clockwise", "counterclockwise"]
    assert len(re.findall(r'<tr data-id="B\d\d">', html)) == 13
    assert len(re.findall(r'<tr data-id="(?:D\d\d|CORRIDOR)"', html)) == 8
    b08_row = html[html.index('<tr data-id="B08">'):].split("</tr>")[0]
    assert "未达标" in b08_row  # on real roads Yueqing Bay is measured, and far from the ring


@pytest.mark.parametrize("query", ["scenario=tomorrow", "congestion=abc", "congestion=0", "week=1", "target=0.2"])
def test_access_page_bad_parameters_are_400_pages(real_app: Flask, query: str) -> None:
    response = real_app.test_client().get(f"/access?{query}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "请求参数有误" in response.get_data(as_text=True)


def test_unknown_page_and_method_are_html_errors(tiny_app: Flask) -> None:
    client = tiny_app.test_client()
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "找不到" in missing.get_data(as_text=True)
    assert client.post("/tasks").status_code == 405


def test_pages_work_on_other_data(tiny_app: Flask) -> None:
    html = _page(tiny_app, "/")
    assert "测试区块" in html and re.search(r"<td>合计</td><td>1</td><td>1</td><td>2</td>", html)
    assert len(re.findall(r'<tr data-id="', _page(tiny_app, "/tasks"))) == 1 + 2


def test_other_pages_can_join_the_navigation(tiny_app: Flask) -> None:
    tiny_app.add_url_rule("/extra", endpoint="extra", view_func=lambda: "extra")
    add_nav_link(tiny_app, "巡查路线", "extra")
    html = _page(tiny_app, "/tasks")
    assert 'href="/extra">巡查路线</a>' in html


def test_item_pages_say_where_each_value_comes_from(real_app: Flask) -> None:
    html = _page(real_app, "/items/R16")
    for text in ("名称来源</th><td>本项目拟定，非规划原文，待规划确认", "责任单位（规划原文）</th><td>科创走廊所在地政府、功能区管委会，市交通局",
                 "目标原文所在行（规划文本）</th><td>218", "组成（本项目占位说明）", "位置为临时占位：规划未给出位置"):
        assert text in html, text
    block = _page(real_app, "/items/B01")
    assert "英文名称（本项目译名）</th><td>Wenzhou International Future Sci-Tech Island" in block
    assert "责任单位细化（推导，非规划原文）</th><td>鹿城区政府" in block


@pytest.mark.parametrize("path", ["/departments", "/departments/DT04-1"])
def test_the_department_task_that_says_17项_carries_the_caveat(real_app: Flask, path: str) -> None:
    html = _page(real_app, path)
    assert "等共计17项任务。" in html  # the plan's words, unchanged
    assert html.count(f'<div class="small text-muted transport-note">{NOTE}</div>') == 1
