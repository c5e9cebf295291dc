"""The quarterly bulletin pages and downloads (web/reports/bulletins.py): numbers equal the database's (department tasks and
park targets included), the lagging items listed by district, text is escaped; the index lists years newest first."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from geo.bulletins.bulletin import TABLE_TITLES, quarterly_bulletin, table_rows
from geo.bulletins.files import bulletin_bytes
from geo.bulletins.lagging import district_groups
from geo.plan.quarters import Quarter, parse_quarter
from geo.status.target_records import add_actual
from status_web_fixtures import login, report_body, status_app  # noqa: F401
from test_bulletin import write_tiny_targets
from web.core.database import app_store
from web.reports.bulletins import LAGGING_COLUMNS, quarters_to_list, years_to_list
from web.core.state import corridor_state


SCRIPT_NOTE = '<script>window.__xss = 1</script>验收通过'


class TableReader(HTMLParser):
    """Collects the text of every cell of the table with a given id."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data) -> None:
        if self.cell is not None:
            self.cell += data


def read_table(html: str, table_id: str) -> list[list[str]]:
    reader = TableReader(table_id)
    reader.feed(html)
    assert reader.rows, f"no table {table_id}"
    return reader.rows


@pytest.fixture
def targets_app(status_app):
    """The tiny plan's app with the repo's targets and department tasks and six tiny parks in its data folder."""
    write_tiny_targets(corridor_state(status_app).data_dir)
    return status_app


@pytest.fixture
def reported(targets_app):
    """B01 seriously behind, R01 on schedule, E02 closed (with a note holding markup), E01 never reported; no
    department task reported."""
    client = targets_app.test_client()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, "editor")
    assert client.post("/api/items/B01/reports", json=report_body(percent=10)).status_code == 201
    assert client.post("/api/items/R01/reports", json=report_body(percent=50)).status_code == 201
    closed = client.post("/api/items/E02/close", json={"note": SCRIPT_NOTE, "effective_on": "2021-06-20",
                                                        "expected_version": 0})
    assert closed.status_code == 201
    return client


def _expected(app, quarter: str):
    state = corridor_state(app)
    return quarterly_bulletin(app_store(app), state.plan, parse_quarter(quarter), targets=state.targets)


def _departments(app) -> int:
    return len(corridor_state(app).targets.department_tasks)


def test_bulletin_numbers_equal_the_database(targets_app, reported) -> None:
    n = _departments(targets_app)
    page = reported.get("/reports/2021Q2").get_data(as_text=True)
    by_colour = read_table(page, "by-colour")
    assert by_colour[0] == ["类别", "绿", "黄（含未上报）", "红", "其中未上报", "已销号", "合计"]
    # green R01+E02, yellow E01 and the unreported department tasks, red B01
    assert by_colour[-1] == ["合计", "2", str(1 + n), "1", str(1 + n), "1", str(4 + n)]
    assert by_colour[-2] == ["部门工作任务", "0", str(n), "0", str(n), "0", str(n)]
    bulletin = _expected(targets_app, "2021Q2")
    for table_id, frame in (("by-colour", bulletin.by_colour), ("by-district", bulletin.by_district),
                            ("by-lead-unit", bulletin.by_lead_unit), ("park-targets", bulletin.park_targets),
                            ("park-summary", bulletin.park_summary)):
        assert read_table(page, table_id) == [[str(c) for c in row] for row in table_rows(frame)], table_id
    red = read_table(page, "red-items")
    assert [row[1] for row in red[1:]] == ["B01"] == list(bulletin.red_items["id"])


def test_lagging_items_are_listed_by_district_with_lead_unit_and_progress(targets_app, reported) -> None:
    page = reported.get("/reports/2021Q2").get_data(as_text=True)
    bulletin = _expected(targets_app, "2021Q2")
    groups = district_groups(bulletin.lagging)
    assert len(groups) > 3 and re.findall(r'data-district="([^"]+)"', page) == [d for d, _ in groups]
    for index, (district, frame) in enumerate(groups, start=1):
        rows = read_table(page, f"lagging-{index}")
        assert rows == [[str(c) for c in row] for row in table_rows(frame[list(LAGGING_COLUMNS)])], district
    first = read_table(page, "lagging-1")  # 鹿城区: B01 red (10 % of about 49 % due), E01 never reported
    assert first[0] == ["类别", "编号", "名称", "牵头单位", "计算颜色", "完成进度（%）", "最近上报日期", "最新进展",
                        "滞后情况"]
    assert first[1][:6] == ["重点区块", "B01", "测试区块", "市科技局", "严重滞后", "10.0"]
    assert first[1][7] == "按计划推进" and first[1][8].startswith("严重滞后：上报时应完成 ")
    assert first[2][:5] == ["环境整治任务", "E01", "区块整治", "市综合行政执法局", "未上报"]
    assert first[2][8] == "截至 2021-06-30 未上报进展"
    assert "鹿城区：共 2 项（严重滞后 1，进度滞后 0，未上报 1）" in page
    departments = page.split('data-district="市直部门任务"', 1)[1]
    assert 'data-long="true"' in departments.split(">", 1)[0]  # 74 rows: collapsed on screen at first
    assert 'href="/reports/2021Q2?format=csv&amp;table=lagging"' in page


def test_earlier_quarter_ignores_later_reports(targets_app, reported) -> None:
    n = _departments(targets_app)
    page = reported.get("/reports/2021Q1").get_data(as_text=True)
    assert read_table(page, "by-colour")[-1] == ["合计", "0", str(4 + n), "0", str(4 + n), "0", str(4 + n)]
    assert 'id="red-items"' in page and "本季度无红色事项" in page


def test_bulletin_follows_new_writes(targets_app, reported) -> None:
    n = _departments(targets_app)
    reported.get("/reports/2021Q2")
    assert reported.post("/api/items/E01/reports", json=report_body(percent=45)).status_code == 201
    assert reported.post("/api/items/DT14-1/reports", json=report_body(percent=5)).status_code == 201
    page = reported.get("/reports/2021Q2").get_data(as_text=True)
    assert read_table(page, "by-colour")[-1] == ["合计", "3", str(n - 1), "2", str(n - 1), "1", str(4 + n)]
    red = read_table(page, "red-items")
    assert [row[:2] for row in red[1:]] == [["重点区块", "B01"], ["部门工作任务", "DT14-1"]]
    lead = {row[0]: row for row in read_table(page, "by-lead-unit")[1:]}
    assert lead["市投促局"][3] == "1"  # DT14-1's lead unit: one red


def test_park_targets_follow_the_actuals(targets_app, reported) -> None:
    state = corridor_state(targets_app)
    page = reported.get("/reports/2021Q2").get_data(as_text=True)
    park = state.targets.park_name("P1")
    cells = [row for row in read_table(page, "park-targets")[1:] if row[0] == "A3-1" and row[4] == park]
    assert [row[-1] for row in cells] == ["未上报"]
    add_actual(app_store(targets_app), state.targets, "A3-1", park="P1", quarter="2021Q2", value=2,
               reported_on="2021-07-05", reporter="张三", expected_version=0)
    page = reported.get("/reports/2021Q2").get_data(as_text=True)
    [row] = [row for row in read_table(page, "park-targets")[1:] if row[0] == "A3-1" and row[4] == park]
    assert row[5:] == ["10", "5.0", "2.0", "40.0", "30.0", "严重滞后"]  # 2 of 10 with 5 due: 30 points behind
    assert "2021年度目标" in page.split('id="target-note"', 1)[1][:300]


def test_later_quarters_say_the_targets_are_the_plan_years(reported) -> None:
    page = reported.get("/reports/2022Q1").get_data(as_text=True)
    assert "九、园区目标完成情况（2021Q4）" in page and "2022Q1 已超出目标年度" in page


def test_map_is_inline_svg_coloured_like_the_bulletin(targets_app, reported) -> None:
    page = reported.get("/reports/2021Q2").get_data(as_text=True)
    svg = page[page.index("<svg"):page.index("</svg>")]
    colours = dict(re.findall(r'data-id="([^"]+)" data-colour="([^"]+)"', svg))
    assert colours == {"B01": "red", "R01": "green", "E02": "green"}  # block tasks are drawn as their block
    assert "<script" not in svg and "<title>B01 测试区块（严重滞后）</title>" in svg
    assert re.search(r'<path d="M[\d.]+,[\d.]+L', svg)


def test_notes_are_escaped_in_the_printable_bulletin(targets_app, reported) -> None:
    page = reported.get("/reports/2021Q2").get_data(as_text=True)
    assert SCRIPT_NOTE not in page and "&lt;script&gt;window.__xss = 1&lt;/script&gt;验收通过" in page
    assert read_table(page, "closed-items")[1][-1] == SCRIPT_NOTE


def test_print_styles_and_downloads_are_linked(reported) -> None:
    page = reported.get("/reports/2021Q2").get_data(as_text=True)
    [stylesheet] = re.findall(r'href="(/static/v-[0-9a-f]{12}/status\.css)"', page)  # fingerprinted URL
    assert 'href="/reports/2021Q2?format=xlsx"' in page
    css = reported.get(stylesheet).get_data(as_text=True)
    assert "size: A4" in css and "@media print" in css


def test_csv_zip_and_xlsx_downloads_equal_the_database(targets_app, reported) -> None:
    n = _departments(targets_app)
    bulletin = _expected(targets_app, "2021Q2")
    zipped = reported.get("/reports/2021Q2?format=zip")
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    assert 'filename="corridor-bulletin-2021Q2.zip"' in zipped.headers["Content-Disposition"]
    assert zipped.data == bulletin_bytes(bulletin, fmt="zip")
    assert len(zipfile.ZipFile(io.BytesIO(zipped.data)).namelist()) == 1 + len(TABLE_TITLES)
    one = reported.get("/reports/2021Q2?format=csv&table=lagging")
    assert one.status_code == 200 and one.mimetype == "text/csv"
    assert 'filename="corridor-bulletin-2021Q2-lagging.csv"' in one.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(one.data.decode("utf-8-sig"))))
    assert rows == [[str(c) for c in row] for row in table_rows(bulletin.lagging)]
    xlsx = load_workbook(io.BytesIO(reported.get("/reports/2021Q2?format=xlsx").data))
    assert xlsx.sheetnames == list(TABLE_TITLES.values())
    totals = [[c.value for c in row] for row in xlsx[TABLE_TITLES["by_colour"]].iter_rows(min_row=3)][-1]
    assert totals == ["合计", 2, 1 + n, 1, 1 + n, 1, 4 + n]


@pytest.mark.parametrize(("path", "label"), [
    ("/reports/2021Q5", "季度："), ("/reports/21Q1", "季度："), ("/reports/2021Q2?format=pdf", "导出格式："),
    ("/reports/２０２１Q2", "季度："), ("/reports/2021Q٢", "季度："), ("/reports/2021Q2?format=csv", "导出表格："),
    ("/reports/2021Q2?format=csv&table=yellow", "导出表格：")])
def test_bad_quarter_format_or_table_is_400_naming_the_field(targets_app, path, label) -> None:
    response = targets_app.test_client().get(path)
    assert response.status_code == 400 and label in response.get_data(as_text=True)


def test_index_lists_years_newest_first_with_the_plan_year_marked(status_app) -> None:
    client = status_app.test_client()
    page = client.get("/reports").get_data(as_text=True)
    assert 'href="/reports/2021Q1"' in page and 'href="/reports/2021Q4"' in page
    links = re.findall(r'href="/reports/(\d{4}Q\d)"', page)
    assert links == sorted(links, reverse=True) and links[-1] == "2021Q1"  # newest first
    assert 'href="#year-2021" class="fw-bold" id="plan-year-link">2021年（方案年度）</a>' in page
    plan_year = page.split('id="year-2021"', 1)[1].split("</details>", 1)[0]
    assert "方案年度" in plan_year and plan_year.count('?format=xlsx"') == 4
    assert 'href="/reports">季度通报</a>' in client.get("/").get_data(as_text=True)


def test_years_to_list_groups_quarters_newest_first() -> None:
    from datetime import date

    years = years_to_list(quarters_to_list(date(2022, 5, 1)))
    assert [(y.year, [str(q) for q in y.quarters], y.plan_year) for y in years] == [
        (2022, ["2022Q2", "2022Q1"], False), (2021, ["2021Q4", "2021Q3", "2021Q2", "2021Q1"], True)]
    assert years_to_list([Quarter(2021, 1)])[0].plan_year


def test_quarters_to_list_runs_from_the_plan_year_to_today() -> None:
    from datetime import date

    quarters = quarters_to_list(date(2022, 5, 1))
    assert [str(q) for q in quarters] == ["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1", "2022Q2"]
