"""Against which day a colour is judged, said on every page that shows one (web/core/as_of.py, _as_of.html)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geo.plan.quarters import Quarter
from readability_fixtures import reported_app  # noqa: F401
from web.core.as_of import beijing_today, colour_as_of_text, report_quarter

AS_OF = re.compile(r'id="colour-as-of" data-as-of="([0-9-]{10})"><strong>颜色按 ([0-9-]{10})（北京时间）判定</strong>')


def test_today_is_the_beijing_date_whatever_the_server_zone() -> None:
    assert beijing_today(now=datetime(2021, 6, 30, 15, 59, tzinfo=timezone.utc)) == date(2021, 6, 30)
    assert beijing_today(now=datetime(2021, 6, 30, 16, 0, tzinfo=timezone.utc)) == date(2021, 7, 1)
    assert beijing_today(now=datetime(2021, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=-7)))) == date(2021, 7, 1)


def test_the_sentence_and_the_quarter_of_a_report() -> None:
    assert colour_as_of_text(date(2021, 6, 30)) == "颜色按 2021-06-30（北京时间）判定"
    assert colour_as_of_text("2026-01-02") == "颜色按 2026-01-02（北京时间）判定"
    assert report_quarter("2021-06-25") == Quarter(2021, 2) and report_quarter("2021-07-01") == Quarter(2021, 3)
    assert report_quarter(None) is None


@pytest.fixture
def client(reported_app: Flask) -> FlaskClient:  # noqa: F811
    return reported_app.test_client()


def _as_of(client: FlaskClient, path: str) -> list[str]:
    """The judging day(s) a page states (attribute and sentence must agree)."""
    response = client.get(path)
    assert response.status_code == 200, path
    found = AS_OF.findall(response.get_data(as_text=True))
    assert all(attribute == shown for attribute, shown in found), found
    return [attribute for attribute, _ in found]


@pytest.mark.parametrize("path", ["/", "/tasks", "/items/B03", "/items/E03", "/departments", "/departments/DT13-1",
                                  "/tour"])
def test_live_pages_say_their_colours_are_judged_today_in_beijing(client: FlaskClient, path: str) -> None:
    before = beijing_today()
    stated = _as_of(client, path)
    assert len(stated) == 1 and stated[0] in {before.isoformat(), beijing_today().isoformat()}


def test_the_overview_legend_states_the_day_too(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    legend = re.search(r'id="legend-as-of">状态（三色管理，颜色按 ([0-9-]{10})（北京时间）判定）', page)
    assert legend and legend.group(1) == _as_of(client, "/")[0]


@pytest.mark.parametrize(("path", "day"), [("/reports/2021Q2", "2021-06-30"), ("/reports/2021Q1", "2021-03-31"),
                                           ("/parks?quarter=2021Q2", "2021-06-30"),
                                           ("/parks?quarter=2021Q3", "2021-09-30")])
def test_bulletins_and_parks_say_they_are_judged_at_the_quarters_end(client: FlaskClient, path: str,
                                                                       day: str) -> None:
    assert _as_of(client, path) == [day]


def test_an_old_report_is_stale_today_but_green_in_its_bulletin_and_the_item_page_says_why(
        client: FlaskClient) -> None:
    today = client.get("/api/items/B03/history").get_json()["status"]
    assert (today["colour"], today["stale"], today["as_of"]) == ("yellow", True, _as_of(client, "/items/B03")[0])
    page = client.get("/items/B03").get_data(as_text=True)
    assert 'href="/reports/2021Q2" id="bulletin-link">2021年第2季度通报</a>按 2021-06-30 判定，颜色可能不同' in page
    bulletin = client.get("/reports/2021Q2").get_data(as_text=True)
    assert "颜色按 2021-06-30（北京时间）判定" in bulletin
    assert 'id="bulletin-link"' not in client.get("/items/B04").get_data(as_text=True)  # no report: no bulletin


def test_the_map_features_carry_the_day_and_the_closer(client: FlaskClient) -> None:
    tasks = {f["id"]: f["properties"] for f in client.get("/api/tasks").get_json()["features"]}
    closed, open_ = tasks["E03"], tasks["E04"]
    assert (closed["status"], closed["status_color"], closed["closed_on"], closed["closed_by"]) == \
        ("已销号", "green", "2021-06-20", "editor")
    assert (open_["status"], open_["closed_by"]) == ("未上报", None)
    assert closed["status_as_of"] == open_["status_as_of"] == _as_of(client, "/")[0]
