"""The timeline's server side (web/editing/timeline.py): the item page's history chart and the overview's timeline steps."""
from __future__ import annotations

import re

from flask import Flask

from geo.status import records
from status_web_fixtures import status_app  # noqa: F401
from web.core.database import app_store
from web.core.state import corridor_state

STEP = re.compile(r'<option value="(\d+)" label="([^"]+)" data-as-of="([^"]*)" data-day="([^"]+)"')


def _report(app: Flask, item_id: str, *, percent: float, reported_on: str) -> None:
    with app.app_context():
        records.add_report(app_store(app), corridor_state().plan, item_id, percent=percent, state="进行中",
                           reported_on=reported_on, reporter="editor", expected_version=0)


def test_the_item_page_draws_the_reports_on_its_chart(status_app: Flask) -> None:  # noqa: F811
    _report(status_app, "B01", percent=40, reported_on="2021-05-01")
    page = status_app.test_client().get("/items/B01").get_data(as_text=True)
    chart = page[page.index('<section class="card mb-2" id="progress-history"'):]
    chart = chart[:chart.index("</svg>")]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="history-chart" id="history-chart-B01"' in chart
    assert re.findall(r'<circle class="report" data-day="([^"]+)" data-percent="([^"]+)" data-colour="(\w+)"',
                      chart) == [("2021-05-01", "40", "green")]
    assert "暂无上报" not in chart


def test_an_item_without_reports_has_a_chart_saying_so(status_app: Flask) -> None:  # noqa: F811
    page = status_app.test_client().get("/items/E01").get_data(as_text=True)
    assert 'id="history-chart-E01"' in page
    assert '<text class="no-reports"' in page


def test_the_overview_steps_through_every_quarter_end_to_today(status_app: Flask) -> None:  # noqa: F811
    page = status_app.test_client().get("/").get_data(as_text=True)
    steps = STEP.findall(page)
    assert steps[:2] == [("0", "2021Q1", "2021-03-31", "2021-03-31"), ("1", "2021Q2", "2021-06-30", "2021-06-30")]
    assert steps[-1][1:3] == ("今天", "")
    assert [int(s[0]) for s in steps] == list(range(len(steps)))
    assert f'value="{len(steps) - 1}" list="timeline-stops"' in page


def test_a_page_reviewing_the_past_starts_the_timeline_at_its_day(status_app: Flask) -> None:  # noqa: F811
    page = status_app.test_client().get("/?as_of=2021-05-01").get_data(as_text=True)
    steps = STEP.findall(page)
    assert [s[1] for s in steps[:3]] == ["2021Q1", "截至 2021-05-01", "2021Q2"]
    assert 'value="1" list="timeline-stops"' in page
    quarter_end = status_app.test_client().get("/?as_of=2021-06-30").get_data(as_text=True)
    assert [s[1] for s in STEP.findall(quarter_end)[:2]] == ["2021Q1", "2021Q2"]
    assert 'value="1" list="timeline-stops"' in quarter_end
