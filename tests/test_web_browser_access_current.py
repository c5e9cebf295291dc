"""Real-browser test of the 现状+已通车项目 scenario on the 可达性 page (headless Chromium): choosing it, setting the
day, and leaving it again without carrying the day into another scenario (which the server refuses)."""
from __future__ import annotations

import pytest
from flask import Flask

from geo.status.records import close_item
from test_web_browser import PageWatch, browser, watch  # noqa: F401
from web.core.database import app_store
from web.core.state import corridor_state
from web_fixtures import live_server, real_app  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def r07_closed(real_app: Flask) -> None:  # noqa: F811
    """R07 (环山路二期) closed (销号) effective 2021-06-30."""
    with real_app.app_context():
        close_item(app_store(real_app), corridor_state(real_app).plan, "R07", note="已通车", actor="tester",
                   expected_version=0, effective_on="2021-06-30")


def test_choosing_current_and_a_day_then_another_scenario(watch: PageWatch, live_server: str) -> None:  # noqa: F811
    watch.open(live_server + "/access?scenario=baseline")
    assert watch.page.locator("#as-of").count() == 0
    with watch.page.expect_navigation(wait_until="load"):
        watch.page.check("#scenario-current")
    assert "scenario=current" in watch.page.url and "as_of" not in watch.page.url  # empty day: today
    assert watch.page.locator('#open-projects li[data-id="R07"]').is_visible()
    watch.page.fill("#as-of", "2021-06-29")
    with watch.page.expect_navigation(wait_until="load"):
        watch.page.click("#access-form button[type=submit]")
    assert "as_of=2021-06-29" in watch.page.url
    assert watch.page.locator("#no-open-projects").is_visible()
    assert watch.page.locator("#open-projects").get_attribute("data-as-of") == "2021-06-29"
    assert watch.page.locator("#access-exports a", has_text="Excel").get_attribute("href").startswith(
        "/access/export.xlsx?scenario=current")
    with watch.page.expect_navigation(wait_until="load"):
        watch.page.check("#scenario-planned")
    assert "scenario=planned" in watch.page.url and "as_of" not in watch.page.url
    assert watch.page.locator("#verdict").is_visible()
    watch.assert_clean()
