"""The inspection report pages: ``/tour/<id>/report`` (A4 HTML), ``/tour/<id>/report.xlsx`` and turning a check-in's
finding into an audited progress report (``POST /tour/<id>/findings``); a real browser prints it."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from environment import unavailable
from geo.status import models
from geo.field.inspection_report_xlsx import SHEET_TITLE
from geo.status.records import add_report
from inspection_report_fixtures import BEIJING, check_in, photo, planned, saved  # noqa: F401
from status_web_fixtures import PASSWORDS, login, status_app  # noqa: F401
from web.core.database import app_store
from web.tours.field_api import MEDIA_EXTENSION
from web.core.state import corridor_state
from web_fixtures import served

FORM_INPUT = r'name="{name}"[^>]*value="([^"]*)"'


@pytest.fixture
def tour(status_app, planned):
    """The tour saved and visited: B01 on site (note, estimate 60 %, a photo), R01 1.5 km away with an estimate of
    30 %, E02 not visited. R01 was reported at 40 % before the tour."""
    store, plan = app_store(status_app), corridor_state(status_app).plan
    tour = saved(store, planned)
    add_report(store, plan, "R01", percent=40, state="进行中", reported_on="2021-05-31", reporter="王五",
               expected_version=0, today=date(2021, 7, 1))
    b01 = check_in(store, plan, tour, "B01", at=datetime(2021, 6, 18, 9, 12, tzinfo=BEIJING), lon=120.10, lat=27.90,
                   note="主体结构已封顶", estimate=60)
    check_in(store, plan, tour, "R01", at=datetime(2021, 6, 18, 10, 5, tzinfo=BEIJING), lon=120.12, lat=27.8865,
             note="路面未完成", estimate=30)
    photo(store, status_app.extensions[MEDIA_EXTENSION], tour, "B01", client_id="p-1",
          checkin_client_id=b01["client_id"])
    return tour


def _reports(app, item_id: str) -> list[models.ProgressReport]:
    with app_store(app).read() as session:
        return list(session.scalars(sa.select(models.ProgressReport).where(models.ProgressReport.item_id == item_id)
                                    .order_by(models.ProgressReport.id)))


def _audit(app, action: str) -> list[models.AuditEntry]:
    with app_store(app).read() as session:
        return list(session.scalars(sa.select(models.AuditEntry).where(models.AuditEntry.action == action)))


def _finding_form(html: str, checkin_id: int) -> dict[str, str]:
    """The prefilled values of a check-in's 转为进度上报 form."""
    form = re.search(rf'<details class="finding no-print" id="finding-{checkin_id}".*?</details>', html, re.S)
    assert form, f"no finding form for check-in {checkin_id}"
    text = form.group(0)
    values = {name: re.search(FORM_INPUT.format(name=name), text).group(1)
              for name in ("checkin_id", "expected_version", "percent", "reported_on")}
    values["note"] = re.search(r'name="note"[^>]*>([^<]*)</textarea>', text).group(1)
    values["state"] = re.search(r'<option value="([^"]+)" selected>', text).group(1)
    return values


def _checkin_ids(app) -> dict[str, int]:
    with app_store(app).read() as session:
        return {row.site_id: row.id for row in session.scalars(sa.select(models.TourCheckin))}


def test_report_shows_the_map_and_each_stop_with_checkins_photos_and_statuses(status_app, tour) -> None:
    client = status_app.test_client()
    login(client, "viewer")
    html = client.get(f"/tour/{tour.id}/report").get_data(as_text=True)
    assert "巡查报告 · 二季度观摩（2021-06-18）" in html
    assert html.count('class="stop-mark"') == 3 and 'class="route-leg"' in html
    b01 = re.search(r'<section class="stop" id="stop-\d" data-id="B01">.*?</section>', html, re.S).group(0)
    assert "签到 2021-06-18 09:12" in b01 and "距点位 0 米" in b01 and "超出 500 米" not in b01
    assert "主体结构已封顶" in b01 and "进度估计 <span class=\"estimate\">60%</span>" in b01
    src = re.search(r'<img src="([^"]+)"', b01).group(1)
    assert src == "/media/tours/1"
    assert client.get(src).mimetype == "image/png"
    r01 = re.search(r'<section class="stop" id="stop-\d" data-id="R01">.*?</section>', html, re.S).group(0)
    assert re.search(r"距点位 1,4\d\d 米 <span class=\"far-flag\">超出 500 米</span>", r01)
    assert re.search(r'data-which="before" data-colour="green">.*?按期推进 · 40% · 进行中', r01)
    e02 = re.search(r'<section class="stop" id="stop-\d" data-id="E02">.*?</section>', html, re.S).group(0)
    assert "未签到" in e02 and 'data-which="after" data-colour="grey"' in e02
    assert "转为进度上报" not in html  # a viewer may not report
    assert f'href="/tour/{tour.id}/report.xlsx"' in html and f'href="/tour/{tour.id}/field"' in html


def test_report_needs_a_login_and_a_saved_tour(status_app, tour) -> None:
    client = status_app.test_client()
    answer = client.get(f"/tour/{tour.id}/report")
    assert answer.status_code == 302 and "/login" in answer.location
    login(client, "viewer")
    missing = client.get("/tour/99/report")
    assert missing.status_code == 404 and "没有编号为 99 的已保存路线" in missing.get_data(as_text=True)
    assert client.get("/tour/99/report.xlsx").status_code == 404


def test_the_report_and_field_pages_link_each_other(status_app, tour) -> None:
    client = status_app.test_client()
    login(client, "viewer")
    listing = client.get("/tours/saved").get_data(as_text=True)
    assert f'class="btn btn-outline-secondary btn-sm report-link" href="/tour/{tour.id}/report"' in listing
    assert f'id="field-report-link"' in client.get(f"/tour/{tour.id}/field").get_data(as_text=True)


def test_workbook_downloads_the_stops(status_app, tour) -> None:
    client = status_app.test_client()
    login(client, "viewer")
    answer = client.get(f"/tour/{tour.id}/report.xlsx")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    assert f'filename="tour-{tour.id}-report.xlsx"' in answer.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.data))[SHEET_TITLE]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert sorted(row[1] for row in rows) == ["B01", "E02", "R01"]
    b01 = next(row for row in rows if row[1] == "B01")
    assert b01[4] == datetime(2021, 6, 18, 9, 12) and b01[9] == 60 and b01[11] == 1


def test_a_finding_becomes_one_audited_progress_report(status_app, tour) -> None:
    client = status_app.test_client()
    csrf = login(client, "editor")
    checkin_id = _checkin_ids(status_app)["B01"]
    form = _finding_form(client.get(f"/tour/{tour.id}/report").get_data(as_text=True), checkin_id)
    assert form == {"checkin_id": str(checkin_id), "expected_version": "0", "percent": "60",
                    "reported_on": "2021-06-18", "note": "主体结构已封顶", "state": "进行中"}
    answer = client.post(f"/tour/{tour.id}/findings", data={**form, "csrf_token": csrf})
    assert answer.status_code == 303 and answer.location.endswith(f"saved=B01#checkin-{checkin_id}")
    report, = _reports(status_app, "B01")
    assert (report.percent, report.state, report.note, report.reported_on, report.reporter) == (
        60, "进行中", "主体结构已封顶", date(2021, 6, 18), "editor")
    entry, = [e for e in _audit(status_app, "report") if e.item_id == "B01"]
    assert entry.actor == "editor" and entry.details["report_id"] == report.id and entry.details["version"] == 1
    page = client.get(answer.location).get_data(as_text=True)
    # judged today, years after its date, the report is stale: yellow at best
    assert 'id="saved"' in page and re.search(r'data-which="after" data-colour="yellow">.*?进度滞后 · 60% · 进行中', page)
    again = client.post(f"/tour/{tour.id}/findings", data={**form, "csrf_token": csrf})  # a stale version
    assert again.status_code == 409 and 'id="conflict"' in again.get_data(as_text=True)
    assert len(_reports(status_app, "B01")) == 1


def test_a_lower_estimate_is_confirmed_before_it_is_reported(status_app, tour) -> None:
    client = status_app.test_client()
    csrf = login(client, "editor")
    checkin_id = _checkin_ids(status_app)["R01"]
    form = _finding_form(client.get(f"/tour/{tour.id}/report").get_data(as_text=True), checkin_id)
    assert (form["percent"], form["expected_version"]) == ("30", "1")
    asked = client.post(f"/tour/{tour.id}/findings", data={**form, "csrf_token": csrf})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="confirm-panel"' in html and len(_reports(status_app, "R01")) == 1
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                             re.search(r'<form method="post" action="[^"]+" id="confirm-form".*?</form>', html,
                                       re.S).group(0)))
    assert hidden["checkin_id"] == str(checkin_id) and hidden["confirm"] == "1"
    done = client.post(f"/tour/{tour.id}/findings", data=hidden)
    assert done.status_code == 303
    assert [r.percent for r in _reports(status_app, "R01")] == [40, 30]
    entry = [e for e in _audit(status_app, "report") if e.item_id == "R01"][-1]
    assert entry.details["percent"] == 30 and entry.details.get("confirmed")


def test_a_finding_names_a_bad_checkin_and_needs_an_editor(status_app, tour) -> None:
    client = status_app.test_client()
    csrf = login(client, "editor")
    bad = client.post(f"/tour/{tour.id}/findings", data={"checkin_id": "999", "percent": "50", "state": "进行中",
                                                        "expected_version": "0", "csrf_token": csrf})
    assert bad.status_code == 400 and 'data-field="checkin_id">签到记录' in bad.get_data(as_text=True)
    viewer = status_app.test_client()
    viewer_csrf = login(viewer, "viewer")
    refused = viewer.post(f"/tour/{tour.id}/findings", data={"checkin_id": "1", "csrf_token": viewer_csrf})
    assert refused.status_code == 403
    assert _reports(status_app, "B01") == []


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # print layout does not depend on the database
def test_printed_report_shows_the_map_and_photos(status_app, tour) -> None:
    from test_web_browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with served(status_app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
        page.goto(f"{base}/login?next=/tour/{tour.id}/report")
        page.fill("input[name=name]", "viewer")
        page.fill("input[name=password]", PASSWORDS["viewer"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/tour/{tour.id}/report")
        page.emulate_media(media="print")
        assert not page.is_visible(".corridor-nav") and not page.is_visible("#print-button")
        box = page.locator("#route-map svg").bounding_box()
        assert box["width"] > 500 and box["height"] > 300
        assert page.locator("#route-map .stop-mark").count() == 3
        image = page.locator(".photo img").first
        image.scroll_into_view_if_needed()
        assert image.is_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth") == 320
        assert page.evaluate("getComputedStyle(document.querySelector('.stop-details')).breakBefore") == "page"
        pdf = page.pdf(format="A4", print_background=True)
        browser.close()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2
