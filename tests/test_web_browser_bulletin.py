"""The 2021Q2 bulletin in a real browser (headless Chromium, every non-loopback request blocked): the lagging list
names a known yellow item with its lead unit under its district, long groups collapse on screen but print in full,
and the Excel download opens with the same row; /reports reaches the plan year in one click."""
from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pytest
from openpyxl import load_workbook

from geo.status.records import add_report
from test_web_browser import PageWatch, browser  # noqa: F401
from web.core.database import app_store
from web.core.state import corridor_state
from web_fixtures import DATA_DIR, make_app, served

pytestmark = pytest.mark.browser

YELLOW_ID = "B05"  # 温州南湖科创小镇 (瓯海区, lead unit 市科技局 in data/blocks.geojson): 30 % of about 45 % due


@pytest.fixture(scope="module")
def bulletin_server() -> Iterator[str]:
    """The app on the shipped plan with one report: B05 15 points behind on 2021-06-15 (yellow in 2021Q2)."""
    app = make_app(DATA_DIR)
    add_report(app_store(app), corridor_state(app).plan, YELLOW_ID, percent=30, state="进行中",
               note="征迁进度偏慢", reported_on="2021-06-15", reporter="张三", expected_version=0,
               today=date(2021, 7, 1))
    try:
        with served(app) as base:
            yield base
    finally:
        app_store(app).close()


@pytest.fixture
def watch(browser) -> Iterator[PageWatch]:  # noqa: F811
    watched = PageWatch(browser)
    yield watched
    watched.page.close()


def _blocks(watch: PageWatch) -> dict:
    return watch.page.evaluate("fetch('/api/blocks/B05').then((r) => r.json())")["properties"]


def test_the_bulletin_names_a_yellow_item_with_its_lead_unit(watch: PageWatch, bulletin_server: str) -> None:
    page = watch.page
    page.goto(bulletin_server + "/reports/2021Q2", wait_until="load")
    block = _blocks(watch)
    group = page.locator(f".lagging-group[data-district='{block['district']}']")
    row = group.locator("tbody tr", has=page.locator("td", has_text=YELLOW_ID))
    cells = row.locator("td").all_inner_texts()
    assert cells[:5] == ["重点区块", YELLOW_ID, block["name"], block["lead_unit"], "进度滞后"]
    assert cells[5:8] == ["30.0", "2021-06-15", "征迁进度偏慢"]
    assert cells[8].startswith("进度滞后：上报时应完成 45.") and "落后 15." in cells[8]
    assert group.get_attribute("data-long") == "true" and not row.is_visible()  # long: collapsed at first
    group.locator(".lagging-toggle").click()
    assert row.is_visible() and group.locator(".lagging-toggle").get_attribute("aria-expanded") == "true"
    page.click("[data-lagging-all='close']")
    hidden = page.locator(".lagging-group tbody tr:not(:visible)").count()
    assert hidden == page.locator(".lagging-group tbody tr").count() > 150
    page.emulate_media(media="print")  # printed, every row of every group shows
    assert page.locator(".lagging-group tbody tr:not(:visible)").count() == 0
    assert not page.locator(".lagging-toggle").first.is_visible()
    watch.assert_clean()


def test_the_excel_download_holds_the_same_row(watch: PageWatch, bulletin_server: str) -> None:
    page = watch.page
    page.goto(bulletin_server + "/reports/2021Q2", wait_until="load")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    path = download.value.path()
    workbook = load_workbook(io.BytesIO(open(path, "rb").read()))
    sheet = workbook["滞后事项清单"]
    header = [cell.value for cell in sheet[2]]
    [row] = [dict(zip(header, cells)) for cells in sheet.iter_rows(min_row=3) if cells[2].value == YELLOW_ID]
    block = _blocks(watch)
    assert (row["地区"].value, row["牵头单位"].value, row["计算颜色"].value) == (block["district"], block["lead_unit"],
                                                                        "进度滞后")
    assert (row["完成进度（%）"].value, row["完成进度（%）"].data_type) == (30, "n")
    assert sheet.auto_filter.ref.startswith("A2:") and sheet.page_setup.orientation == "landscape"
    watch.assert_clean()


def test_the_index_lists_newest_first_and_reaches_the_plan_year(watch: PageWatch, bulletin_server: str) -> None:
    page = watch.page
    page.goto(bulletin_server + "/reports", wait_until="load")
    years = page.locator("#quarters > details > summary").all_inner_texts()
    assert [int(text[:4]) for text in years] == sorted((int(text[:4]) for text in years), reverse=True)
    assert page.locator("#quarters > details[open]").count() == (1 if len(years) == 1 else 2)  # newest, 2021
    page.click("#plan-year-link")
    assert page.url.endswith("#year-2021")
    plan_year = page.locator("#year-2021")
    assert "方案年度" in plan_year.inner_text() and plan_year.is_visible()
    plan_year.get_by_role("link", name="2021年第2季度（2021Q2）").click()
    page.wait_for_url("**/reports/2021Q2")
    assert page.locator("#lagging").is_visible()
    watch.assert_clean()
