"""The three users' jobs walked end to end in a real browser (headless Chromium, every non-loopback request blocked),
at 1440×900 and on a phone (390×844), by clicking, typing and following links as they would:

- a planner logs in, finds 中国眼谷 (B03) on the overview, opens its page, reports its progress and sees it on the
  page and in the map's popup;
- the bulletin reader opens the 2021Q2 bulletin from /reports and downloads its Excel workbook;
- the transport bureau reads the 可达性 verdict, switches to the side-by-side comparison, reads the ranking of the
  road projects and downloads the figures as CSV;
- an inspection-tour organiser (on a phone) chooses sites including one the network cannot reach, is told before
  the tour is computed, confirms, prints the itinerary with its route map and downloads the GPX.

Everything each user meets — the visible text of every page, dialogs, page titles and the tooltips and accessible
names of the controls on screen — must be Chinese: :func:`assert_chinese` fails on English wording, allowing
proper names, units and file formats. Set ``CORRIDOR_JOURNEY_SHOTS`` to a folder to keep a screenshot of every step.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from geo.status.records import add_report
from geo.accounts.users import add_user
from test_web_browser import PageWatch, browser  # noqa: F401
from web.core.database import app_store
from web.core.state import corridor_state
from web_fixtures import DATA_DIR, make_app, served

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
PASSWORDS = {"planner": "planner-pass-7", "bureau": "bureau-pass-7"}
EYE_VALLEY = ("B03", "中国眼谷")
LAGGING = "B05"  # 温州南湖科创小镇: seeded 30 % on 2021-06-15, about 45 % due: yellow in the 2021Q2 bulletin
UNREACHABLE = "B10"  # 瑞安罗阳未来科技城核心区: 1,211 m from the nearest road of the bundled network
TOUR_SITES = ("B01", UNREACHABLE, "B05")
SHOTS = os.environ.get("CORRIDOR_JOURNEY_SHOTS")

# What may stay in English: proper names (the blocks' English names, shown as 英文名称（本项目译名）), formats, units,
# and the map's required credits.
BLOCK_NAMES_EN = [block["properties"]["name_en"] for block in
                  json.loads((DATA_DIR / "blocks.geojson").read_text(encoding="utf-8"))["features"]
                  if block["properties"].get("name_en")]
ALLOWED_PHRASES = sorted({"© OpenStreetMap contributors", "OpenStreetMap contributors", "ODbL 1.0",
                          *BLOCK_NAMES_EN}, key=len, reverse=True)
ALLOWED_WORDS = {"leaflet", "openstreetmap", "osm", "bbbike", "odbl", "gpx", "csv", "xlsx", "excel", "json",
                 "geojson", "zip", "amap", "gcj", "wgs", "km", "pdf", "api", "javascript"}
ASCII_WORD = r"[A-Za-z][A-Za-z0-9'’.-]*"
ASCII_RUN = re.compile(rf"{ASCII_WORD}(?:[ ,:;/&()]+{ASCII_WORD}){{2,}}")
# Ids (B03, RING-S, GCJ-02), numbers, dates, times, addresses and file names.
ID_LIKE = re.compile(r"^(?:[A-Z]{1,4}-?\d+[\w.-]*|[A-Z0-9]+(?:-[A-Z0-9]+)+|\d[\w.:-]*|https?://\S+"
                     r"|[\w.-]+\.(?:xlsx|csv|gpx|json|js|css))$")
# The text the user reads: the page title, the rendered text, and the tooltip, accessible name, placeholder and
# alternative text of every element on screen (Leaflet's controls carry theirs only there).
READ_JS = """() => {
  const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const found = [{where: 'document.title', text: document.title, attribute: true},
                 {where: 'page text', text: document.body.innerText, attribute: false}];
  for (const e of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
    if (!shown(e)) continue;
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      if (e.hasAttribute(name)) found.push({where: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
        '[' + name + ']', text: e.getAttribute(name), attribute: true});
    }
  }
  return found;
}"""
# Whether an element is wholly on screen and has stopped moving (the same place in two consecutive polls).
IN_VIEW_JS = """(selector) => { const e = document.querySelector(selector); if (!e) return false;
  const r = e.getBoundingClientRect(), place = [r.left, r.top].join(), still = window.journeyPlace === place;
  window.journeyPlace = place;
  return still && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; }"""
# Whether an element shows without scrolling its (scrollable) table sideways.
UNSCROLLED_JS = """(selector) => { const e = document.querySelector(selector), box = e.closest('.table-responsive');
  const r = e.getBoundingClientRect(), frame = box.getBoundingClientRect();
  return box.scrollLeft === 0 && r.right <= Math.min(frame.right, innerWidth) + 1; }"""
# The map controls (zoom, full screen, layers) that cover part of an open popup.
COVERED_JS = """() => { const p = document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
  return [...document.querySelectorAll('.leaflet-top .leaflet-control')].filter((c) => {
    const r = c.getBoundingClientRect();
    return r.width > 0 && r.left < p.right && r.right > p.left && r.top < p.bottom && r.bottom > p.top;
  }).map((c) => c.className); }"""
OFF_SCREEN_JS = """(selector) => [...document.querySelectorAll(selector)].filter((e) => e.getClientRects().length)
  .map((e) => e.getBoundingClientRect()).filter((r) => r.left < -1 || r.right > innerWidth + 1).length"""


def english_in(text: str, *, attribute: bool) -> list[str]:
    """The English wording in ``text``: runs of three or more words in running text; in a title or an accessible
    name (where a control's whole label is often one or two words) any word; proper names, units, formats and ids
    excepted."""
    for phrase in ALLOWED_PHRASES:
        text = text.replace(phrase, " ")
    if attribute:
        words = re.findall(ASCII_WORD, text)
        return [w for w in words if len(w) > 1 and w.lower().strip(".") not in ALLOWED_WORDS and not ID_LIKE.match(w)]
    found = []
    for run in ASCII_RUN.finditer(text):
        words = [w for w in re.findall(ASCII_WORD, run.group(0))
                 if w.lower().strip(".") not in ALLOWED_WORDS and not ID_LIKE.match(w)]
        if len(words) >= 3:
            found.append(run.group(0))
    return found


class Journey:
    """One user's browser page at one size: what it read is checked for English, dialogs are recorded and
    accepted, and every step can be kept as a screenshot."""

    def __init__(self, browser: object, size: str, *, name: str) -> None:  # noqa: F811
        self.name = name
        self.watch = PageWatch(browser)
        self.page = self.watch.page
        self.size = size
        width, height = SIZES[size]
        self.page.set_viewport_size({"width": width, "height": height})
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)
        self.read_pages: list[str] = []

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()

    @property
    def phone(self) -> bool:
        return self.size == "phone"

    def step(self, name: str, *, printed: bool = False) -> None:
        """Check what the page shows now (Chinese, nothing pushed off a phone's screen) and keep a screenshot.
        ``printed``: the page as printed, laid out on the paper's width rather than the screen's."""
        self.page.wait_for_load_state("load")
        assert_chinese(self.page, self.dialogs)
        if self.phone and not printed:
            wide = self.page.evaluate("document.scrollingElement.scrollWidth")
            assert wide <= SIZES["phone"][0], f"{name}: the page scrolls sideways on a phone ({wide} px)"
            assert self.page.evaluate(OFF_SCREEN_JS, "button, a.btn, input, select, .leaflet-control") == 0, name
        self.read_pages.append(name)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            shot = Path(SHOTS) / f"{self.name}-{self.size}-{len(self.read_pages):02d}-{name}.png"
            self.page.screenshot(path=str(shot))

    def open_map(self, url: str) -> None:
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function("() => window.corridor !== undefined")

    def navigate(self, label: str) -> None:
        """Follow a link of the navigation bar, opening the phone's menu first."""
        self.open_menu()
        with self.page.expect_navigation(wait_until="load"):
            self.page.locator("#main-nav").get_by_role("link", name=label, exact=True).click()

    def open_menu(self) -> None:
        if self.phone:
            toggler = self.page.locator(".corridor-nav .navbar-toggler")
            assert toggler.is_visible()
            toggler.click()
            self.page.locator("#main-nav.show").wait_for()

    def log_in(self, name: str) -> None:
        self.open_menu()
        with self.page.expect_navigation(wait_until="load"):
            self.page.click("#login-link")
        self.step("login")
        self.page.fill("#name", name)
        self.page.fill("#password", PASSWORDS[name])
        with self.page.expect_navigation(wait_until="load"):
            self.page.click("#login-form button[type=submit]")
        self.page.locator("#current-user").wait_for(state="attached")

    def wait_in_view(self, selector: str) -> None:
        """Wait until the element is wholly on screen and still (a phone scrolls the map into view smoothly, the map
        pans to an opened popup)."""
        self.page.wait_for_function(IN_VIEW_JS, arg=selector, timeout=5000)

    def refused(self) -> None:
        """The page just shown is a refused form, answered with HTTP 400 (which the browser logs as an error)."""
        refusal = f"status of 400 (BAD REQUEST) at {{'url': '{self.page.url}'"
        assert any(refusal in error for error in self.watch.errors), self.watch.errors
        self.watch.errors[:] = [error for error in self.watch.errors if refusal not in error]

    def download(self, selector: str) -> bytes:
        with self.page.expect_download() as download:
            self.page.locator(selector).click()
        return Path(download.value.path()).read_bytes()

    def close(self) -> None:
        self.watch.assert_clean()
        assert self.dialogs == [], f"unexpected dialogs: {self.dialogs}"
        self.page.close()


def assert_chinese(page, dialogs: list[str]) -> None:
    """Fail when the page, its title, the tooltips and accessible names of its controls on screen, or a dialog it
    opened, show English wording."""
    english = [f"{entry['where']}: {found!r}" for entry in page.evaluate(READ_JS)
               for found in english_in(entry["text"], attribute=entry["attribute"])]
    english += [f"dialog: {found!r}" for message in dialogs for found in english_in(message, attribute=False)]
    assert english == [], f"English on {page.url}:\n" + "\n".join(english)


@pytest.fixture(scope="module")
def journey_server() -> Iterator[str]:
    """The app on the shipped plan with an empty SQLite database, a planner (editor) and a transport-bureau viewer,
    and two reports already in: B05 15 points behind on 2021-06-15, B03 at 40 % on 2021-04-20."""
    app = make_app(DATA_DIR)
    store = app_store(app)
    add_user(store, "planner", role="editor", password=PASSWORDS["planner"], actor="test")
    add_user(store, "bureau", role="viewer", password=PASSWORDS["bureau"], actor="test")
    add_report(store, corridor_state(app).plan, LAGGING, percent=30, state="进行中", note="征迁进度偏慢",
               reported_on="2021-06-15", reporter="张三", expected_version=0, today=date(2021, 7, 1))
    add_report(store, corridor_state(app).plan, EYE_VALLEY[0], percent=40, state="进行中", note="按计划推进",
               reported_on="2021-04-20", reporter="张三", expected_version=0, today=date(2021, 7, 1))
    try:
        with served(app) as base:
            yield base
    finally:
        store.close()


@pytest.fixture(params=list(SIZES))
def journey(request, browser) -> Iterator[Journey]:  # noqa: F811
    walked = Journey(browser, request.param, name=request.node.originalname.removeprefix("test_")[:24])
    yield walked
    walked.close()


def submit_report(page, *, percent: int, reported_on: str, note: str) -> None:
    """Fill in the item page's progress report as a planner would and send it."""
    page.fill("#percent", str(percent))
    page.fill("#reported_on", reported_on)
    page.fill("#note", note)
    with page.expect_navigation(wait_until="load"):
        page.click("#report-form button[type=submit]")


def test_english_is_found_in_sentences_and_control_names_but_names_and_units_pass() -> None:
    assert english_in("Zoom in", attribute=True) == ["Zoom", "in"]
    assert english_in("Layers", attribute=True) == ["Layers"]
    assert english_in("value：expected the year-to-date count", attribute=False) == ["expected the year-to-date count"]
    assert english_in("Leaflet | © OpenStreetMap contributors", attribute=False) == []
    assert english_in("下载 GPX、Excel（XLSX）与 CSV，编号 B03、RING-S，高德 GCJ-02", attribute=True) == []
    assert english_in("路网 BBBike 2026-06-08，距离 12 km", attribute=False) == []
    assert english_in("英文名称（本项目译名） China Eye Valley", attribute=False) == []


def test_a_planner_finds_the_eye_valley_and_reports_its_progress(journey: Journey, journey_server: str) -> None:
    page, (item_id, name) = journey.page, EYE_VALLEY
    journey.open_map(journey_server + "/")
    journey.step("overview")
    journey.log_in("planner")
    journey.page.wait_for_function("() => window.corridor !== undefined")
    journey.step("overview-logged-in")

    page.fill("#search", name)
    listed = page.locator("#item-list li:visible")
    assert listed.count() >= 1 and listed.first.get_attribute("data-id") == item_id
    journey.step("search")
    listed.first.locator("a").click()  # the map moves to it and opens its popup
    popup = page.locator(".leaflet-popup-content .corridor-popup")
    popup.wait_for()
    assert popup.get_attribute("data-id") == item_id and name in popup.inner_text()
    journey.wait_in_view(".leaflet-popup-content .corridor-popup")
    assert page.evaluate(COVERED_JS) == [], "the map's controls cover the popup"
    journey.step("popup")
    with page.expect_navigation(wait_until="load"):
        popup.locator(f"a[href='/items/{item_id}']").click()
    assert page.locator("#main").get_attribute("data-id") == item_id
    journey.step("item")

    # each run reports less than the report before it (the seeded 40 %, then the desktop's): a correction, confirmed
    percent, reported_on, note = ((20, "2021-06-28", "复核后下调进度") if journey.phone
                                  else (25, "2021-06-25", "主体工程完成过半"))
    submit_report(page, percent=percent, reported_on="2019-06-30", note=note)  # a slip: before the plan period
    assert "上报日期" in page.inner_text("#form-problems") and page.locator("#saved").count() == 0
    journey.refused()
    journey.step("refused")
    submit_report(page, percent=percent, reported_on=reported_on, note=note)
    assert "进度回落" in page.inner_text("#confirm-panel")  # asked whether going back is a correction
    journey.step("confirm")
    with page.expect_navigation(wait_until="load"):
        page.click("#confirm-submit")
    page.locator("#saved").wait_for()
    assert page.inner_text("#current-note") == note
    assert page.locator("#report-history tbody tr").first.inner_text().startswith(reported_on)
    journey.step("reported")

    journey.navigate("总览")
    page.wait_for_function("() => window.corridor !== undefined")
    page.fill("#search", item_id)
    page.locator(f"#item-list li[data-id='{item_id}'] a").click()
    popup.wait_for()
    journey.wait_in_view(".leaflet-popup-content .corridor-popup")
    assert page.evaluate(COVERED_JS) == [], "the map's controls cover the popup"
    shown = popup.inner_text()
    assert f"{percent}" in shown and reported_on in shown and note in shown and "planner" in shown
    journey.step("popup-after-report")


def test_the_2021q2_bulletin_and_its_workbook(journey: Journey, journey_server: str) -> None:
    page = journey.page
    journey.open_map(journey_server + "/")
    journey.navigate("季度通报")
    journey.step("reports")
    with page.expect_navigation(wait_until="load"):
        page.locator("#quarters").get_by_role("link", name="2021年第2季度（2021Q2）").click()
    assert page.url.endswith("/reports/2021Q2")
    group = page.locator(".lagging-group", has=page.locator("td", has_text=LAGGING))
    group.locator(".lagging-toggle").click()
    row = group.locator("tbody tr", has=page.locator("td", has_text=LAGGING))
    assert row.is_visible() and "进度滞后" in row.inner_text()
    journey.step("bulletin")

    workbook = load_workbook(io.BytesIO(journey.download("#download-xlsx")))
    assert "滞后事项清单" in workbook.sheetnames
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in workbook.sheetnames), workbook.sheetnames
    sheet = workbook["滞后事项清单"]
    header = [cell.value for cell in sheet[2]]
    [lagging] = [dict(zip(header, cells)) for cells in sheet.iter_rows(min_row=3) if cells[2].value == LAGGING]
    assert lagging["计算颜色"].value == "进度滞后" and lagging["牵头单位"].value == "市科技局"
    assert (lagging["完成进度（%）"].value, lagging["完成进度（%）"].data_type) == (30, "n")
    numbers = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row
               if isinstance(cell.value, str) and re.fullmatch(r"-?\d+(?:\.\d+)?", cell.value)]
    assert numbers == [], f"numbers stored as text: {[(c.parent.title, c.coordinate) for c in numbers][:5]}"
    journey.step("bulletin-downloaded")


def test_the_transport_bureau_reads_the_verdict_comparison_and_ranking(journey: Journey,
                                                                      journey_server: str) -> None:
    page = journey.page
    journey.open_map(journey_server + "/")
    journey.log_in("bureau")
    journey.navigate("可达性")
    page.wait_for_function("() => window.corridor !== undefined")
    verdict = page.locator("#verdict")
    assert verdict.is_visible() and re.search(r"达标|未达标", verdict.inner_text())
    journey.step("access")

    with page.expect_navigation(wait_until="load"):
        page.check("#scenario-compare")
    page.wait_for_function("() => window.corridorCompare !== undefined")
    assert "scenario=compare" in page.url
    assert page.locator("#headline-table").is_visible()
    for column, name in ((2, "现状"), (3, "规划")):
        assert page.evaluate(UNSCROLLED_JS, f"#headline-table tbody tr:first-child td:nth-child({column})"), \
            f"the headline's {name} figure needs a sideways swipe"
    journey.step("compare")
    ranking = page.locator("#ranking-table")
    ranking.scroll_into_view_if_needed()
    rows = ranking.locator("tbody tr")
    assert rows.count() >= 1 and rows.first.get_attribute("data-id") == "R12" and rows.first.is_visible()
    column = page.locator("#ranking-table thead th").all_inner_texts().index("占全部增幅") + 1
    assert page.evaluate(UNSCROLLED_JS, f"#ranking-table tbody tr:first-child td:nth-child({column})"), \
        "the first project's share of the gain needs a sideways swipe"
    journey.step("ranking")

    exports = page.locator("#access-exports")
    exports.scroll_into_view_if_needed()
    text = journey.download("#access-exports a:text-is('CSV')").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert len(table) > 2 and any("R12" in row for row in table)
    journey.step("exported")


def test_a_tour_organiser_plans_prints_and_exports_a_tour(journey: Journey, journey_server: str) -> None:
    page = journey.page
    journey.open_map(journey_server + "/")
    journey.navigate("巡查路线")
    page.wait_for_function("() => window.corridor !== undefined")
    journey.step("tour-form")
    for site in TOUR_SITES:
        page.fill("#site-search", site)
        page.locator(f"#tour-form li[data-id='{site}'] input[name=site]").check()
    page.fill("#site-search", "")
    assert page.inner_text("#selected-count") == str(len(TOUR_SITES))
    journey.step("tour-chosen")
    with page.expect_navigation(wait_until="load"):
        page.click("#plan-button")
    question = page.locator("#reach-check")
    assert question.is_visible() and UNREACHABLE in question.inner_text()
    assert page.locator("#itinerary").count() == 0  # asked before anything is computed
    journey.step("tour-asked")
    with page.expect_navigation(wait_until="load"):
        page.click("#confirm-plan")
    page.wait_for_function("() => window.corridor !== undefined")
    selection = page.inner_text("#tour-selection")
    assert "1 个无法到达" in selection and UNREACHABLE in selection and "路线包含 2 个点位" in selection
    stops = page.locator("#itinerary-table tbody td.name").all_inner_texts()
    assert len(stops) == 4  # the start, two stops, back at the start
    assert page.evaluate("window.corridorLayers.route.getLayers().length") == 3
    journey.step("itinerary")

    page.click("#print-button")  # headless Chromium prints nothing; the print media below is what paper shows
    page.emulate_media(media="print")
    route_map = page.locator(".folium-map")
    box = route_map.bounding_box()
    assert route_map.is_visible() and box["width"] > 200 and box["height"] > 200
    assert page.locator("#tour-form").is_hidden() and page.locator("#print-button").is_hidden()
    journey.step("printed", printed=True)
    page.emulate_media(media="screen")

    gpx = ElementTree.fromstring(journey.download("#gpx-link"))
    namespace = {"gpx": "http://www.topografix.com/GPX/1/1"}
    names = [e.text.split(" ", 1)[1] for e in gpx.findall("gpx:wpt/gpx:name", namespace)]
    assert names == stops  # the itinerary's points, in its order, without the unreachable site
    assert len(gpx.findall("gpx:trk/gpx:trkseg", namespace)) == 3
    assert all(len(leg.findall("gpx:trkpt", namespace)) > 2 for leg in gpx.findall("gpx:trk/gpx:trkseg", namespace))
    texts = [e.text for e in gpx.iter() if e.text and e.text.strip()]
    assert [t for t in texts if english_in(t, attribute=False)] == []  # what a navigation app will show
    journey.step("gpx")
