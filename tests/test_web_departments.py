"""部门任务 (web/reports/departments.py): the list by lead unit, counts by colour, the task page and its forms, the JSON.

The app runs on the shipped data (the targets files live in the repo's ``data/`` only) over a real database
(SQLite, and PostgreSQL when configured), shared by the module: each test writes to tasks of its own.
"""
from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from db_fixtures import POSTGRES_ENV, _empty_postgres
from environment import unavailable
from geo.status.snapshot import check_history, item_state, report_history
from geo.accounts.users import add_user
from status_web_fixtures import PASSWORDS, csrf_from, login
from test_web_browser import PageWatch, browser  # noqa: F401
from test_web_reports import read_table
from web.core.as_of import beijing_today
from web.core.database import app_store
from web.core.messages import field_label
from web_fixtures import DATA_DIR, log_in_through_form, make_app, served

SHARED = "多单位共同负责"
TODAY = beijing_today().isoformat()  # the day the app judges "today" against


def csv_groups() -> dict[str, list[str]]:
    """Attachment 3's task ids by lead unit, read straight from the CSV: the starred first unit or the only unit,
    else shared; units in the order the file first names them, the shared group last."""
    with (DATA_DIR / "department_tasks.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    groups: dict[str, list[str]] = {}
    for row in rows:
        units = row["units"].split("、")
        lead = units[0] if row["starred"] == "true" or len(units) == 1 else SHARED
        groups.setdefault(lead, []).append(row["id"])
    shared = groups.pop(SHARED, None)
    return {**groups, **({SHARED: shared} if shared else {})}


def csv_targets() -> dict[str, tuple[str, str, str]]:
    """(measure, value, unit) of every task the CSV gives a numeric target."""
    with (DATA_DIR / "department_tasks.csv").open(encoding="utf-8", newline="") as handle:
        return {row["id"]: (row["measure"], row["value"], row["unit"]) for row in csv.DictReader(handle)
                if row["value"]}


class GroupReader(HTMLParser):
    """The list page's groups: unit → [(task id, colour, closed)] in page order, and each row's target cell."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: dict[str, list[tuple[str, str, bool]]] = {}
        self.targets: dict[str, str] = {}
        self.unit: str | None = None
        self.row_id: str | None = None
        self.cells: list[str] = []
        self.cell: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "section" and "unit-group" in (attrs.get("class") or ""):
            self.unit = attrs["data-unit"]
            self.groups[self.unit] = []
        elif tag == "tr" and self.unit and attrs.get("data-id"):
            self.row_id, self.cells = attrs["data-id"], []
            self.groups[self.unit].append((attrs["data-id"], attrs["data-colour"], attrs["data-closed"] == "true"))
        elif tag == "td" and self.row_id:
            self.cell = ""

    def handle_endtag(self, tag) -> None:
        if tag == "td" and self.cell is not None:
            self.cells.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row_id:
            self.targets[self.row_id] = self.cells[4]
            self.row_id = None
        elif tag == "section":
            self.unit = None

    def handle_data(self, data) -> None:
        if self.cell is not None:
            self.cell += data


def page_groups(client: FlaskClient, query: str = "") -> GroupReader:
    response = client.get("/departments" + query)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    reader = GroupReader()
    reader.feed(response.get_data(as_text=True))
    return reader


def unit_counts(client: FlaskClient) -> dict[str, dict[str, int]]:
    """The counts table: unit (合计 for the last row) → {column label: count}."""
    header, *rows = read_table(client.get("/departments").get_data(as_text=True), "unit-counts")
    return {row[0]: dict(zip(header[1:], map(int, row[1:]))) for row in rows}


def colour_of(client: FlaskClient, task_id: str) -> tuple[str, bool]:
    [(colour, closed)] = [(c, closed) for rows in page_groups(client).groups.values() for i, c, closed in rows
                          if i == task_id]
    return colour, closed


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def department_app(request, tmp_path_factory) -> Iterator[Flask]:
    """The app on the shipped data over an empty database with one user per role, shared by the module."""
    folder = tmp_path_factory.mktemp("departments")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'status.sqlite3'}"
    elif os.environ.get(POSTGRES_ENV):
        url = _empty_postgres(os.environ[POSTGRES_ENV])
    else:
        unavailable(f"set {POSTGRES_ENV} (see scripts/ci_postgres.sh) to run against PostgreSQL")
    app = make_app(DATA_DIR, DATABASE_URL=url, INSTANCE_PATH=str(folder / "instance"))
    for role, password in PASSWORDS.items():
        add_user(app_store(app), role, role=role, password=password, actor="test")
    yield app
    app_store(app).close()


@pytest.fixture
def editor(department_app) -> FlaskClient:
    client = department_app.test_client()
    login(client, "editor")
    return client


def _form(client: FlaskClient, task_id: str, **values: str) -> dict[str, str]:
    version = client.get(f"/api/items/{task_id}/history").get_json()["status"]["version"]
    return {"percent": "10", "state": "进行中", "reported_on": "2021-06-30", "note": "表单上报", "reported_colour": "",
            "expected_version": str(version), "csrf_token": csrf_from(client, f"/departments/{task_id}"), **values}


def test_tasks_are_grouped_by_lead_unit_in_the_plans_order(editor) -> None:
    expected = csv_groups()
    groups = page_groups(editor).groups
    assert list(groups) == list(expected) and list(groups)[-1] == SHARED
    assert {unit: [i for i, _, _ in rows] for unit, rows in groups.items()} == expected
    assert sum(map(len, expected.values())) == 74


def test_counts_by_colour_per_unit_and_overall_match_the_rows(editor) -> None:
    expected, groups, counts = csv_groups(), page_groups(editor).groups, unit_counts(editor)
    labels = {"green": "按期推进", "yellow": "进度滞后", "red": "严重滞后", "grey": "未上报"}
    for unit, ids in expected.items():
        assert counts[unit]["合计"] == len(ids)
        for colour, label in labels.items():
            assert counts[unit][label] == sum(c == colour for _, c, _ in groups[unit]), (unit, colour)
        assert counts[unit]["已销号"] == sum(closed for _, _, closed in groups[unit])
    for column in counts["合计"]:
        assert counts["合计"][column] == sum(counts[unit][column] for unit in expected)
    assert counts["合计"]["合计"] == 74


def test_numeric_targets_are_shown_as_the_csv_gives_them(editor) -> None:
    targets = page_groups(editor).targets
    for task_id, (measure, value, unit) in csv_targets().items():
        number = value.removesuffix(".0")
        assert targets[task_id].startswith(f"{measure} {number} {unit}"), task_id
    assert targets["DT01-1"] == "—"


def test_report_by_form_and_by_json_api_changes_the_colour(editor) -> None:
    unit = next(unit for unit, ids in csv_groups().items() if "DT13-1" in ids)
    before = unit_counts(editor)[unit]
    assert colour_of(editor, "DT13-1") == ("grey", False)
    saved = editor.post("/departments/DT13-1/reports", data=_form(editor, "DT13-1", percent="10"))
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/departments/DT13-1?saved=reports")
    assert colour_of(editor, "DT13-1") == ("red", False)  # 49.5 % due on 2021-06-30, 10 % reported
    after = unit_counts(editor)[unit]
    assert (after["严重滞后"], after["未上报"]) == (before["严重滞后"] + 1, before["未上报"] - 1)
    assert "DT13-1" in [t["id"] for u in editor.get("/api/departments?colour=red").get_json()["units"]
                        for t in u["tasks"]]

    token = csrf_from(editor, "/departments/DT13-1")
    written = editor.post("/api/items/DT13-1/reports", headers={"X-CSRF-Token": token},
                          json={"percent": 100, "state": "进行中", "reported_on": TODAY, "expected_version": 1})
    assert written.status_code == 201 and written.get_json()["status"]["colour"] == "green"
    assert colour_of(editor, "DT13-1") == ("green", False)
    page = editor.get("/departments/DT13-1").get_data(as_text=True)
    assert 'id="status-label">按期推进' in page and "表单上报" in page


def test_close_and_reopen_by_form(department_app, editor) -> None:
    form = _form(editor, "DT29-2")
    close = {"note": "券已发放", "effective_on": "", "expected_version": form["expected_version"],
             "csrf_token": form["csrf_token"]}
    asked = editor.post("/departments/DT29-2/close", data=close)
    assert asked.status_code == 200 and 'data-kind="close_unreported"' in asked.get_data(as_text=True)
    assert colour_of(editor, "DT29-2") == ("grey", False)
    closed = editor.post("/departments/DT29-2/close", data={**close, "confirm": "1"})
    assert closed.status_code == 303
    assert colour_of(editor, "DT29-2") == ("green", True)
    page = editor.get("/departments/DT29-2").get_data(as_text=True)
    assert "已销号" in page and "重新打开原因" in page
    reopened = editor.post("/departments/DT29-2/reopen", data={"note": "复核未完成", "expected_version": "1",
                                                               "csrf_token": form["csrf_token"]})
    assert reopened.status_code == 303
    assert colour_of(editor, "DT29-2") == ("grey", False)
    assert [e.action for e in check_history(app_store(department_app), "DT29-2")] == ["reopen", "close"]


@pytest.mark.parametrize(("changes", "field"), [({"percent": "200"}, "percent"), ({"state": "完成了"}, "state"),
                                                ({"reported_on": "2999-01-01"}, "reported_on"),
                                                ({"expected_version": "one"}, "expected_version"),
                                                ({"expected_version": "²"}, "expected_version"),
                                                ({"reported_on": "0001-01-01"}, "reported_on")])
def test_bad_form_input_is_400_naming_the_field_and_writes_nothing(department_app, editor, changes, field) -> None:
    response = editor.post("/departments/DT29-1/reports", data=_form(editor, "DT29-1", **changes))
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.get_data(as_text=True)
    assert report_history(app_store(department_app), "DT29-1") == []


def test_a_task_posted_to_the_item_form_lands_on_its_own_page_and_is_written_once(department_app, editor) -> None:
    form = _form(editor, "DT15-1", percent="20")
    response = editor.post("/items/DT15-1/reports", data=form, follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/departments/DT15-1"
    assert [r.percent for r in report_history(app_store(department_app), "DT15-1")] == [20]
    closed = editor.post("/items/DT15-1/close", data={"note": "已完成", "effective_on": "", "expected_version": "1",
                                                       "csrf_token": form["csrf_token"], "confirm": "1"},
                         follow_redirects=True)
    assert closed.status_code == 200 and closed.request.path == "/departments/DT15-1"
    assert [e.action for e in check_history(app_store(department_app), "DT15-1")] == ["close"]
    assert editor.get("/items/DT15-1", follow_redirects=True).request.path == "/departments/DT15-1"


def test_stale_version_is_409_and_loses_nothing(department_app, editor) -> None:
    form = _form(editor, "DT26-2.2b", percent="30")
    assert editor.post("/departments/DT26-2.2b/reports", data=form).status_code == 303
    stale = editor.post("/departments/DT26-2.2b/reports", data={**form, "percent": "35"})
    assert stale.status_code == 409 and 'id="conflict"' in stale.get_data(as_text=True)
    assert [r.percent for r in report_history(app_store(department_app), "DT26-2.2b")] == [30]


def test_a_stale_or_future_version_of_an_edited_task_is_409_and_loses_nothing(department_app, editor) -> None:
    # version 1 of a task now at 2, or a version it never had: refused past the first edit too
    for percent in ("20", "30"):
        form = _form(editor, "DT26-3", percent=percent)
        assert editor.post("/departments/DT26-3/reports", data=form).status_code == 303
    form = _form(editor, "DT26-3", percent="35")
    assert form["expected_version"] == "2"
    for stale in ("1", "3"):
        response = editor.post("/departments/DT26-3/reports", data={**form, "expected_version": stale})
        assert response.status_code == 409 and 'id="conflict"' in response.get_data(as_text=True)
    closed = editor.post("/departments/DT26-3/close", data={"note": "完成", "effective_on": "",
                                                            "expected_version": "1", "csrf_token": form["csrf_token"]})
    assert closed.status_code == 409
    assert [r.percent for r in report_history(app_store(department_app), "DT26-3")] == [30, 20]
    assert item_state(app_store(department_app), "DT26-3").version == 2
    assert check_history(app_store(department_app), "DT26-3") == []
    assert editor.post("/departments/DT26-3/reports", data=form).status_code == 303


@pytest.mark.parametrize("query", ["?colour=purple", "?unit=不存在的单位", "?sort=id"])
def test_bad_filters_are_400_naming_the_parameter(editor, query) -> None:
    name = query[1:].split("=")[0]
    page = editor.get("/departments" + query)
    assert page.status_code == 400 and f"{field_label(name)}：" in page.get_data(as_text=True)
    answer = editor.get("/api/departments" + query)
    assert answer.status_code == 400 and answer.get_json()["parameter"] == name
    if name == "colour":  # each choice named once, by its label
        assert answer.get_json()["message"].count("进度滞后") == 1


def test_a_blank_filter_from_the_form_means_no_filter_here_but_not_on_item_layers(editor) -> None:
    body = editor.get("/api/departments?colour=&unit=").get_json()
    assert body["filters"] == {} and body["shown"] == body["counts"]["total"] == 74
    answer = editor.get("/api/tasks?district=")
    assert answer.status_code == 400 and answer.get_json()["parameter"] == "district"


def test_filters_narrow_the_list_but_not_the_counts(editor) -> None:
    expected = csv_groups()
    unit = list(expected)[1]
    body = editor.get("/api/departments", query_string={"unit": unit}).get_json()
    assert [t["id"] for u in body["units"] for t in u["tasks"]] == expected[unit]
    assert body["counts"]["total"] == 74 and body["shown"] == len(expected[unit])
    assert [u["unit"] for u in body["units"]] == list(expected)
    grey = editor.get("/api/departments", query_string={"colour": "未上报"}).get_json()
    assert all(t["status"]["colour"] == "grey" for u in grey["units"] for t in u["tasks"])
    assert grey["shown"] == grey["counts"]["grey"] and grey["filters"] == {"colour": "grey"}
    listed = page_groups(editor, "?colour=grey&unit=" + unit).groups
    assert list(listed) == [unit] and all(c == "grey" for _, c, _ in listed[unit])


def test_unknown_or_non_department_ids_are_404(department_app, editor) -> None:
    token = csrf_from(editor, "/departments/DT13-1")
    for task_id in ("DT99-9", "B01", "E14", "%3Cscript%3E"):
        assert editor.get(f"/departments/{task_id}").status_code == 404
        response = editor.post(f"/departments/{task_id}/reports", data={"percent": "50", "state": "进行中",
                                                                         "expected_version": "0", "csrf_token": token})
        assert response.status_code == 404
    assert item_state(app_store(department_app), "B01").version == 0


def test_report_form_shows_the_numeric_target(department_app, editor) -> None:
    page = editor.get("/departments/DT13-1").get_data(as_text=True)
    target = re.search(r'id="report-target">(.*?)</p>', page).group(1)
    assert "新增孵化面积 10 万平方米" in target and "已完成 5 万平方米" in target and "填 50" in target
    plain = editor.get("/departments/DT01-1").get_data(as_text=True)
    assert 'id="report-target"' not in plain and 'id="report-form"' in plain and "无量化目标" in plain


def test_viewer_sees_no_forms_and_may_not_write(department_app) -> None:
    viewer = department_app.test_client()
    token = login(viewer, "viewer")
    page = viewer.get("/departments/DT02-1").get_data(as_text=True)
    assert 'id="report-form"' not in page and 'id="check-off-form"' not in page
    form = {"percent": "50", "state": "进行中", "expected_version": "0", "csrf_token": token}
    assert viewer.post("/departments/DT02-1/reports", data=form).status_code == 403
    assert viewer.post("/departments/DT02-1/close", data={"note": "x", "expected_version": "0",
                                                           "csrf_token": token}).status_code == 403
    assert viewer.post("/api/items/DT02-1/reports", headers={"X-CSRF-Token": token},
                       json={"percent": 50, "state": "进行中", "expected_version": 0}).status_code == 403
    anonymous = department_app.test_client()
    assert 'id="report-form"' not in anonymous.get("/departments/DT02-1").get_data(as_text=True)
    refused = anonymous.post("/departments/DT02-1/reports", data=form)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert item_state(app_store(department_app), "DT02-1").version == 0


def test_forms_need_the_csrf_token(department_app, editor) -> None:
    form = _form(editor, "DT02-5")
    for token in ("", "forged"):
        response = editor.post("/departments/DT02-5/reports", data={**form, "csrf_token": token})
        assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert item_state(app_store(department_app), "DT02-5").version == 0


def test_navigation_links_the_page(editor) -> None:
    assert 'href="/departments">部门任务</a>' in editor.get("/").get_data(as_text=True)


@pytest.mark.browser
def test_report_in_a_real_browser_turns_the_row_green(department_app, browser) -> None:  # noqa: F811
    unit = next(unit for unit, ids in csv_groups().items() if "DT21-1a" in ids)
    with served(department_app) as base:
        watch = PageWatch(browser)
        page = watch.page
        log_in_through_form(page, base, name="editor", password=PASSWORDS["editor"])
        page.goto(base + "/departments")
        page.select_option("#filter-unit", unit)
        page.click("#department-filters button[type=submit]")
        page.wait_for_selector(f"section.unit-group[data-unit='{unit}']")
        assert page.locator("section.unit-group").count() == 1
        page.click("tr[data-id='DT21-1a'] a")
        assert "新开工建设人才住房 20 万平方米" in page.inner_text("#report-target")
        page.fill("#percent", "100")
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#saved")
        assert page.inner_text("#status-label") == "按期推进"
        page.goto(base + "/departments?colour=green")
        assert page.locator("tr[data-id='DT21-1a']").get_attribute("data-colour") == "green"
        watch.assert_clean()
        page.close()
