"""Readability of the status on the maps and in the task list: popups in the fixed order with Chinese labels
(web/core/popups.py), block names written on the map when zoomed in, the 销号 column and filter of 任务清单."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from readability_fixtures import reported_app  # noqa: F401
from test_web_browser import PageWatch, browser  # noqa: F401
from web.core.labels import FIELD_LABELS
from web_fixtures import served

ROW = re.compile(r'<tr data-id="([^"]+)"[^>]*data-closed="(open|closed)">(.*?)</tr>', re.S)


def _task_rows(app: Flask) -> dict[str, tuple[str, str]]:
    page = app.test_client().get("/tasks").get_data(as_text=True)
    return {item_id: (closed, cells) for item_id, closed, cells in ROW.findall(page)}


def test_the_task_list_shows_who_closed_what_and_when(reported_app: Flask) -> None:  # noqa: F811
    rows = _task_rows(reported_app)
    assert len(rows) == 93
    closed, cells = rows["E03"]
    assert closed == "closed"
    assert '<td class="closed-cell">已销号<small class="text-muted d-block">2021-06-20，editor</small></td>' in cells
    assert "已销号</td>" in cells and "按期推进" not in cells  # the status column too: closed, not "on schedule"
    assert [item_id for item_id, (state, _) in rows.items() if state == "closed"] == ["E03"]
    assert '<td class="closed-cell">未销号</td>' in rows["E04"][1]


def test_the_task_list_offers_the_closed_filter(reported_app: Flask) -> None:  # noqa: F811
    page = reported_app.test_client().get("/tasks").get_data(as_text=True)
    select = re.search(r'<select id="table-closed"[^>]*aria-label="销号">(.*?)</select>', page, re.S)
    assert select and re.findall(r'<option value="([^"]*)">([^<]+)</option>', select.group(1)) == [
        ("", "销号：全部"), ("open", "未销号"), ("closed", "已销号")]
    assert "<th data-sort=\"text\">位置来源</th>" in page


@pytest.fixture(scope="module")
def server(reported_app: Flask) -> Iterator[str]:  # noqa: F811
    with served(reported_app) as base:
        yield base


@pytest.fixture
def watch(browser: object) -> Iterator[PageWatch]:  # noqa: F811
    watched = PageWatch(browser)
    yield watched
    watched.page.close()


POPUP_FIELDS = ("() => [...document.querySelectorAll('.leaflet-popup-content .corridor-popup tr')]"
                ".map(r => r.dataset.field)")


def _popup_fields(watch: PageWatch, item_id: str) -> list[str]:
    watch.page.locator(f".leaflet-popup-content .corridor-popup[data-id='{item_id}']").wait_for()
    return watch.page.evaluate(POPUP_FIELDS)


@pytest.mark.browser
def test_a_popup_shows_what_a_planner_reads_first_in_chinese(watch: PageWatch, server: str) -> None:
    watch.open(server + "/?focus=B03")
    fields = _popup_fields(watch, "B03")
    assert fields[:9] == ["id", "status", "stale", "status_as_of", "progress_percent", "expected_percent",
                          "last_reported_on", "reporter", "lead_unit"]
    assert fields[9:11] == ["district", "geometry_source"]  # a block: its 地区, no 涉及地区 repeating it
    rest = fields[11:]
    assert rest == [key for key in FIELD_LABELS if key in rest]  # then the others, in the labels' order
    headers = watch.page.locator(".corridor-popup th").all_inner_texts()
    assert headers[:5] == ["编号", "状态", "超一季度未上报", "颜色判定日期（北京时间）", "完成进度（%）"]
    assert headers == [FIELD_LABELS[key] for key in fields]  # Chinese labels only, never a raw key
    rows = dict(zip(fields, watch.page.locator(".corridor-popup td").all_inner_texts()))
    # yellow today (stale); due 48.1 % on 2021-06-25 (175 of 364 days), shown to one decimal
    assert (rows["status"], rows["stale"], rows["expected_percent"]) == ("进度滞后", "是", "48.1")
    text = watch.page.inner_text(".corridor-popup")
    assert "status_color" not in text and "销号说明" not in text  # internal keys and empty fields left out
    watch.assert_clean()


@pytest.mark.browser
def test_a_closed_tasks_popup_says_closed_by_whom_and_when(watch: PageWatch, server: str) -> None:
    watch.open(server + "/?focus=E03")
    fields = _popup_fields(watch, "E03")
    assert fields[:5] == ["id", "status", "closed_on", "closed_by", "status_as_of"]
    rows = dict(zip(fields, watch.page.locator(".corridor-popup td").all_inner_texts()))
    assert (rows["status"], rows["closed_on"], rows["closed_by"]) == ("已销号", "2021-06-20", "editor")
    assert rows["progress_percent"] == "—" and rows["last_reported_on"] == "—"  # never reported: said, not hidden
    watch.assert_clean()


@pytest.mark.browser
def test_block_names_appear_when_zoomed_in_and_go_when_zoomed_out(watch: PageWatch, server: str) -> None:
    watch.open(server + "/")
    labels = ".leaflet-marker-pane .map-name-label"
    assert watch.page.evaluate("window.corridorMap.getZoom()") < 13
    assert watch.page.locator(labels).count() == 0
    centre = ("(id) => window.corridorLayers.blocks.getLayers().find(l => l.feature.properties.id === id)"
              ".getBounds().getCenter()")
    point = watch.page.evaluate(centre, "B03")
    watch.page.evaluate("([p, z]) => window.corridorMap.setView([p.lat, p.lng], z, {animate: false})", [point, 14])
    assert "B03" in watch.page.evaluate("window.corridor.labelledIds()")
    label = watch.page.locator(labels + " span", has_text="中国眼谷")
    assert label.count() == 1 and label.is_visible()
    watch.page.select_option("#filter-category", "road_continuing")  # a filtered-out block loses its name too
    assert watch.page.locator(labels).count() == 0
    watch.page.select_option("#filter-category", "")
    assert watch.page.locator(labels, has_text="中国眼谷").count() == 1
    watch.page.evaluate("window.corridorMap.setZoom(11, {animate: false})")
    assert watch.page.locator(labels).count() == 0 and watch.page.evaluate("window.corridor.labelledIds()") == []
    watch.assert_clean()


@pytest.mark.browser
def test_the_closed_filter_of_the_task_list(watch: PageWatch, server: str) -> None:
    watch.open(server + "/tasks")
    ids = "window.corridorTable.visibleIds()"
    watch.page.select_option("#table-closed", "closed")
    assert watch.page.evaluate(ids) == ["E03"]
    assert watch.page.inner_text("#table-count") == "显示 1 / 93 项"
    watch.page.select_option("#table-closed", "open")
    assert len(watch.page.evaluate(ids)) == 92 and "E03" not in watch.page.evaluate(ids)
    watch.page.select_option("#table-district", "龙湾区")
    watch.page.select_option("#table-closed", "closed")
    assert watch.page.evaluate(ids) == ["E03"]
    watch.page.select_option("#table-closed", "")
    watch.page.select_option("#table-district", "")
    assert len(watch.page.evaluate(ids)) == 93
    watch.assert_clean()
