"""Real-browser checks of what users read (headless Chromium, every non-loopback request blocked, so the base-map
tiles fail): the map says so, credits Leaflet without a flag, forms refuse bad values in Chinese with the field's
label, and entry times are Beijing time."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from test_web_browser import PageWatch, browser  # noqa: F401
from test_web_browser_status import PASSWORD, editor_page, status_server  # noqa: F401
from web_fixtures import live_server, real_app  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def watch(browser: object) -> Iterator[PageWatch]:  # noqa: F811
    watched = PageWatch(browser)
    yield watched
    watched.page.close()


def test_the_map_credits_leaflet_plainly_and_says_when_tiles_fail(watch: PageWatch, live_server: str) -> None:  # noqa: F811
    watch.open(live_server + "/")
    attribution = watch.page.inner_html(".leaflet-control-attribution")
    assert attribution.startswith('<a href="https://leafletjs.com"') and ">Leaflet</a>" in attribution
    assert "<svg" not in attribution and "🇺🇦" not in attribution
    watch.page.wait_for_selector(".tile-error-notice")  # the tiles are blocked: the map says so
    assert watch.page.inner_text(".tile-error-notice") == "底图加载失败，地图要素仍可使用"
    assert watch.page.locator(".tile-error-notice").count() == 1


def test_a_negative_actual_is_refused_in_chinese_with_the_label(editor_page: PageWatch,  # noqa: F811
                                                                 status_server: str) -> None:  # noqa: F811
    page = editor_page.page
    page.goto(status_server + "/parks")
    page.fill("#value", "-3")
    page.click("#actual-form button[type=submit]")
    problems = page.wait_for_selector("#form-problems")
    text = problems.inner_text()
    assert "累计完成值：应为年初至今的" in text and "收到「-3」" in text
    assert "expected" not in text and "value：" not in text


def test_a_bad_progress_report_is_refused_in_chinese_and_times_are_beijing_time(editor_page: PageWatch,  # noqa: F811
                                                                                 status_server: str) -> None:  # noqa: F811
    page = editor_page.page
    page.goto(status_server + "/items/B02")
    page.evaluate("document.getElementById('percent').removeAttribute('max')")  # what an old browser would send
    page.fill("#percent", "150")
    page.click("#report-form button[type=submit]")
    text = page.wait_for_selector("#form-problems").inner_text()
    assert "完成进度（%）：应为 0 到 100 之间的数字（百分比），收到「150」" in text and "expected" not in text
    page.fill("#percent", "40")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-history tbody tr")
    assert "录入时间（北京时间）" in page.inner_text("#report-history thead")
    shown = page.inner_text("#report-history tbody tr:first-child td:last-child").strip()
    entered = datetime.strptime(shown, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert abs(datetime.now(ZoneInfo("Asia/Shanghai")) - entered) < timedelta(minutes=5)
