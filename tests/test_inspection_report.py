"""The inspection report of a saved tour: stops with check-ins, photos, statuses before and after; workbook, map."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from geo.errors import InvalidParameter
from geo.field.inspection_report import Checkin, assemble_report, load_report
from geo.field.inspection_report_xlsx import COLUMNS, SHEET_TITLE, report_xlsx
from geo.field.media_store import open_media_store
from geo.status.records import add_report
from geo.tours.route_svg import MapStop, fit_frame, route_svg
from geo.field.saved_tours import UnknownTour
from inspection_report_fixtures import BEIJING, TOUR_DATE, check_in, photo, planned, saved  # noqa: F401

TODAY = date(2021, 7, 1)


def _report(store, plan, item_id: str, percent: float, on: str, *, version: int) -> None:
    add_report(store, plan, item_id, percent=percent, state="进行中", reported_on=on, reporter="王五",
               expected_version=version, today=TODAY)


@pytest.fixture
def visited(store, plan, planned, tmp_path):
    """The tour saved, B01 checked in on site with a note, estimate and a photo, R01 checked in 1.5 km away and
    again later; E02 not visited. B01 was reported at 40 % before the tour and at 60 % on the tour day."""
    tour = saved(store, planned)
    _report(store, plan, "B01", 40, "2021-05-31", version=0)
    _report(store, plan, "R01", 10, "2021-01-10", version=0)
    b01 = check_in(store, plan, tour, "B01", at=datetime(2021, 6, 18, 9, 12, tzinfo=BEIJING), lon=120.10,
                   lat=27.90, note="主体结构已封顶", estimate=60)
    check_in(store, plan, tour, "R01", at=datetime(2021, 6, 18, 10, 5, tzinfo=BEIJING), lon=120.12, lat=27.8865,
             note="路面未完成")
    check_in(store, plan, tour, "R01", at=datetime(2021, 6, 18, 10, 30, tzinfo=BEIJING), lon=120.12, lat=27.90,
             estimate=35)
    photo(store, open_media_store(folder=tmp_path / "media"), tour, "B01", client_id="p-1",
          checkin_client_id=b01["client_id"])
    _report(store, plan, "B01", 60, "2021-06-18", version=1)
    return tour


def test_stops_come_in_visiting_order_with_their_checkins_and_photos(store, visited) -> None:
    report = load_report(store, visited.id, today=TODAY)
    assert [s.site_id for s in report.stops] == [stop["id"] for stop in visited.stops()]
    assert [s.order for s in report.stops] == [1, 2, 3]
    by_id = {s.site_id: s for s in report.stops}
    b01, r01, e02 = by_id["B01"], by_id["R01"], by_id["E02"]
    assert b01.first_checkin.checked_in_at == datetime(2021, 6, 18, 9, 12, tzinfo=BEIJING)
    assert b01.first_checkin.distance_m == pytest.approx(0.0) and not b01.first_checkin.far
    assert (b01.notes, b01.progress_estimate, len(b01.photos)) == ("主体结构已封顶", 60, 1)
    assert (b01.photos[0].width, b01.photos[0].height) == (320, 240)
    assert len(r01.checkins) == 2
    assert r01.first_checkin.far and r01.first_checkin.distance_m == pytest.approx(1495, abs=15)
    assert r01.progress_estimate == 35 and r01.notes == "路面未完成"
    assert e02.checkins == () and e02.first_checkin is None and e02.photos == ()
    assert (report.checked_in, report.photo_count) == (2, 1)
    assert report.route and all(len(line) >= 2 for line in report.route)
    assert report.start == pytest.approx((120.075, 27.875))


def test_status_before_is_the_tour_mornings_and_after_is_today(store, visited) -> None:
    by_id = {s.site_id: s for s in load_report(store, visited.id, today=TODAY).stops}
    b01, r01, e02 = by_id["B01"], by_id["R01"], by_id["E02"]
    # the tour-day report (as a finding would be dated) counts after the tour, not before it
    assert (b01.before.percent, b01.before.last_reported_on, b01.before.as_of) == (40, "2021-05-31", "2021-06-18")
    assert (b01.after.percent, b01.after.last_reported_on, b01.after.as_of) == (60, "2021-06-18", "2021-07-01")
    assert b01.before.colour == b01.after.colour == "green"
    # 10 % on 2021-01-10 was on schedule then, but more than a quarter old on the tour date: yellow (stale)
    assert (r01.before.colour, r01.before.colour_label) == ("yellow", "进度滞后")
    assert (e02.before.colour, e02.after.colour, e02.after.percent) == ("grey", "grey", None)
    assert b01.after.version == 2 and e02.after.version == 0


def test_checkins_at_sites_off_the_tour_are_left_out(store, planned) -> None:
    tour = saved(store, planned)
    rows = {"colour": "grey", "colour_label": "未上报", "percent": None, "state": None, "last_reported_on": None,
            "closed": False, "as_of": "2021-06-18", "version": 0}
    stray = Checkin(id=9, client_id="x", site_id="B99", checked_in_at=datetime(2021, 6, 18, 9, tzinfo=BEIJING),
                    distance_m=None, far=False, accuracy_m=None, note="走错了", progress_estimate=None, author="a")
    report = assemble_report(tour, checkins=[stray], photos=[], before={s: rows for s in ("B01", "R01", "E02")},
                             after={s: rows for s in ("B01", "R01", "E02")}, today=TODAY)
    assert sum(len(s.checkins) for s in report.stops) == 0
    assert stray.is_finding  # a note alone makes a finding
    assert Checkin(**{**stray.__dict__, "note": " "}).is_finding is False


def test_an_unknown_tour_is_named(store) -> None:
    with pytest.raises(UnknownTour, match="no saved tour has the id 42"):
        load_report(store, 42, today=TODAY)


def test_workbook_has_one_row_per_stop_with_numbers_as_numbers(store, visited) -> None:
    report = load_report(store, visited.id, today=TODAY)
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))[SHEET_TITLE]
    header = [cell.value for cell in sheet[2]]
    assert header == [name for name, _, _ in COLUMNS]
    rows = {row[1]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert list(rows) == [s.site_id for s in report.stops]
    b01, r01, e02 = rows["B01"], rows["R01"], rows["E02"]
    assert b01["签到时间（北京时间）"] == datetime(2021, 6, 18, 9, 12)
    assert isinstance(r01["距点位（米）"], (int, float)) and r01["距点位（米）"] == pytest.approx(1495, abs=15)
    assert (r01["超过500米"], r01["签到次数"], r01["进度估计（%）"]) == ("是", 2, 35)
    assert (b01["进度估计（%）"], b01["照片数"], b01["现场记录"]) == (60, 1, "主体结构已封顶")
    assert (b01["巡查前进度（%）"], b01["当前进度（%）"], b01["当前颜色"]) == (40, 60, "按期推进")
    assert (e02["签到时间（北京时间）"], e02["签到次数"], e02["巡查前颜色"]) == (None, 0, "未上报")
    assert sheet.auto_filter.ref == f"A2:S{2 + len(report.stops)}"
    assert sheet.freeze_panes == "A3"
    assert (int(sheet.page_setup.paperSize), sheet.page_setup.orientation) == (int(sheet.PAPERSIZE_A4), "landscape")
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$2:$2" and "二季度观摩" in sheet.oddHeader.center.text
    assert sheet["A1"].value == f"巡查报告 · 二季度观摩（{TOUR_DATE.isoformat()}）"


def test_route_map_frames_every_stop_inside_the_margins() -> None:
    stops = [MapStop(number=1, site_id="A", lon=120.60, lat=27.90, name="甲<", visited=True),
             MapStop(number=2, site_id="B", lon=120.70, lat=28.00, name="乙", visited=False)]
    svg = route_svg(route=[[(120.60, 27.90), (120.65, 27.95), (120.70, 28.00)]], stops=stops, start=(120.62, 27.91),
                    width=600, height=400, margin=20)
    assert svg.count('class="stop-mark"') == 2 and "甲&lt;" in svg and 'class="start-mark"' in svg
    for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg):
        assert 20 - 0.1 <= float(x) <= 580 + 0.1 and 20 - 0.1 <= float(y) <= 380 + 0.1
    frame = fit_frame([(120.60, 27.90), (120.70, 28.00)], width=600, height=400, margin=20)
    west, north = frame.project(120.60, 28.00)
    east, south = frame.project(120.70, 27.90)
    # equal ground distances are equal on the map: 0.1° of latitude is 1/cos(lat) times 0.1° of longitude
    assert (south - north) / (east - west) == pytest.approx(1 / frame.aspect, rel=1e-9)
    assert frame.metres_per_unit * (east - west) == pytest.approx(0.1 * 111_320 * frame.aspect, rel=1e-9)
    assert re.search(r"\d+(\.\d)? 公里</text>", svg)


def test_route_map_needs_something_to_draw() -> None:
    with pytest.raises(InvalidParameter, match="expected a route or at least one stop"):
        route_svg(route=[], stops=[])
