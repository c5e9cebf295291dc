"""The item page's history chart (web/editing/history_chart.py): points, scales, ticks, bands and the SVG."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from geo.status.snapshot import Report
from geo.status.colours import Milestone
from web.editing.history_chart import (
    LEFT, PLOT_HEIGHT, PLOT_WIDTH, TOP, Plan, Scale, band_edge, chart_span, expected_vertices, item_history_chart,
    progress_points, quarter_ticks,
)

PLAN_YEAR = Plan(start=date(2021, 1, 1), end=date(2021, 12, 31))


def report(report_id: int, day: date, percent: float, state: str = "进行中") -> Report:
    return Report(id=report_id, item_id="B01", percent=percent, state=state, note="", reported_on=day,
                  reporter="张三", reported_colour=None, created_at=datetime(2021, 1, 1, tzinfo=timezone.utc))


def test_points_are_in_date_order_and_judged_on_their_own_date():
    points = progress_points([report(2, date(2021, 9, 30), 20.0), report(1, date(2021, 3, 31), 20.0)], PLAN_YEAR)
    assert [p.day for p in points] == [date(2021, 3, 31), date(2021, 9, 30)]
    assert points[0].expected == pytest.approx(89 / 364 * 100)
    assert [p.colour for p in points] == ["green", "red"]  # 24.5 due: on schedule; 74.7 due: 54.7 points behind


def test_a_completed_report_is_green_whatever_the_numbers():
    [point] = progress_points([report(1, date(2021, 11, 30), 10.0, state="已完成")], PLAN_YEAR)
    assert point.colour == "green"


def test_milestones_bend_the_expected_line():
    plan = Plan(start=date(2021, 1, 1), end=date(2021, 12, 31), milestones=(Milestone(date(2021, 3, 1), 80.0),))
    vertices = expected_vertices(plan, date(2021, 1, 1), date(2021, 12, 31))
    assert [v[1] for v in vertices] == pytest.approx([0.0, 80.0, 100.0])


def test_the_span_covers_whole_quarters_from_the_period_to_today_and_any_report():
    points = progress_points([report(1, date(2020, 11, 5), 5.0)], PLAN_YEAR)
    assert chart_span(PLAN_YEAR, points, today=date(2022, 5, 2)) == (date(2020, 10, 1), date(2022, 6, 30))
    assert chart_span(PLAN_YEAR, [], today=date(2021, 5, 2)) == (date(2021, 1, 1), date(2021, 12, 31))


def test_quarters_are_named_when_few_and_only_years_when_many():
    few = quarter_ticks(date(2021, 1, 1), date(2021, 12, 31))
    assert [t.label for t in few] == ["一季度", "二季度", "三季度", "四季度"]
    assert [t.major for t in few] == [True, False, False, False]
    many = quarter_ticks(date(2021, 4, 1), date(2023, 12, 31))
    assert len(many) == 11
    assert [t.label for t in many if t.label] == ["2021年", "2022年", "2023年"]
    assert many[0].day == date(2021, 4, 1) and many[-1].day == date(2023, 10, 1)


def test_the_scale_maps_the_span_onto_the_plot():
    scale = Scale(date(2021, 1, 1), date(2021, 12, 31))
    assert scale.x(date(2021, 1, 1)) == pytest.approx(LEFT)
    assert scale.x(date(2022, 1, 1)) == pytest.approx(LEFT + PLOT_WIDTH)
    assert scale.y(0) == pytest.approx(TOP + PLOT_HEIGHT)
    assert scale.y(100) == pytest.approx(TOP)
    assert scale.y(150) == pytest.approx(TOP)  # clamped


def test_a_band_edge_meets_zero_where_the_expected_line_reaches_the_gap():
    edge = band_edge([(0.0, 0.0), (100.0, 100.0)], 25.0)
    assert edge == [(0.0, 0.0), (25.0, 0.0), (100.0, 75.0)]
    assert band_edge([(0.0, 50.0), (10.0, 60.0)], 10.0) == [(0.0, 40.0), (10.0, 50.0)]


def test_the_chart_draws_every_report_with_its_colour_and_describes_them():
    reports = [report(1, date(2021, 3, 31), 20.0), report(2, date(2021, 9, 30), 20.0)]
    svg = str(item_history_chart("B01", reports, PLAN_YEAR, today=date(2021, 11, 1)))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert re.findall(r'data-colour="(\w+)" cx', svg) == ["green", "red"]
    assert "<title id=\"history-chart-B01-title\">B01 上报进度与计划进度</title>" in svg
    assert "共 2 次上报：2021-03-31 上报 20%（应完成 24.5%，按期推进）" in svg
    assert svg.count('class="band"') == 3 and 'class="expected"' in svg and 'class="today"' in svg
    assert "暂无上报" not in svg


def test_an_item_without_reports_says_so():
    svg = str(item_history_chart("B02", [], PLAN_YEAR, today=date(2021, 6, 1)))
    assert '<text class="no-reports"' in svg and svg.count("暂无上报") == 2  # on the chart and in its description
    assert 'class="report"' not in svg


def test_texts_are_escaped():
    svg = str(item_history_chart("<b>", [], PLAN_YEAR, today=date(2021, 6, 1)))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
