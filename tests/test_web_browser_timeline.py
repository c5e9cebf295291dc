"""The overview's timeline in a real headless Chromium (web/static/timeline.js over the ``as_of`` API): stepping
and playing through the quarters restyles the map, the counts and the judging-day line, at phone and desktop size
without sideways scrolling."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from geo.status import records
from test_web_browser import PageWatch, browser  # noqa: F401
from web.core.database import app_store
from web.core.state import corridor_state
from web_fixtures import DATA_DIR, make_app, served

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
GREEN_HEX, YELLOW_HEX, GREY_HEX = "#2e9d4f", "#e0a800", "#8c8c8c"
B01_FILL = "window.corridor.allLayers('blocks').find((l) => l.feature.properties.id === 'B01').options.fillColor"
SHOWN = "document.getElementById('timeline').dataset.shown"


@pytest.fixture(scope="module")
def timeline_server() -> Iterator[str]:
    """The shipped plan with one report for B01, dated 2021-05-01 at 40 %: grey at the end of 2021Q1, green at
    the end of 2021Q2 (40 % against 33 % due), yellow today (the report is more than a quarter old)."""
    app: Flask = make_app(DATA_DIR)
    with app.app_context():
        records.add_report(app_store(app), corridor_state().plan, "B01", percent=40, state="进行中",
                           reported_on="2021-05-01", reporter="editor", expected_version=0)
    try:
        with served(app) as base:
            yield base
    finally:
        app_store(app).close()


@pytest.fixture(params=list(SIZES))
def sized(request, browser) -> Iterator[PageWatch]:  # noqa: F811
    watch = PageWatch(browser)
    watch.page.set_viewport_size(dict(zip(("width", "height"), SIZES[request.param])))
    yield watch
    watch.page.close()


def _step_to(watch: PageWatch, label: str) -> None:
    index = watch.page.evaluate(f"window.corridorTimeline.steps.findIndex((s) => s.label === {label!r})")
    watch.page.eval_on_selector("#timeline-slider", "(el, i) => { el.value = String(i); "
                                "el.dispatchEvent(new Event('input')); }", index)
    as_of = watch.page.evaluate(f"window.corridorTimeline.steps[{index}].asOf") or "today"
    watch.page.wait_for_function(f"() => {SHOWN} === {as_of!r}")


def _count(watch: PageWatch, colour: str) -> int:
    return int(watch.page.inner_text(f'#timeline-counts tr[data-layer="blocks"] td[data-colour="{colour}"]'))


def test_stepping_restyles_a_block_and_counts_its_colour(sized: PageWatch, timeline_server: str) -> None:
    sized.open(timeline_server + "/")
    assert sized.page.evaluate(B01_FILL) == YELLOW_HEX
    assert _count(sized, "yellow") == 1 and _count(sized, "grey") == 12
    _step_to(sized, "2021Q2")
    assert sized.page.evaluate(B01_FILL) == GREEN_HEX
    assert (_count(sized, "green"), _count(sized, "yellow"), _count(sized, "grey")) == (1, 0, 12)
    assert sized.page.inner_text("#colour-as-of strong") == "颜色按 2021-06-30（北京时间）判定"
    assert sized.page.inner_text("#timeline-label") == "2021Q2"
    assert "颜色按 2021-06-30（北京时间）判定" in sized.page.text_content("#legend-as-of")
    _step_to(sized, "2021Q1")
    assert sized.page.evaluate(B01_FILL) == GREY_HEX
    assert _count(sized, "grey") == 13
    _step_to(sized, "今天")
    assert sized.page.evaluate(B01_FILL) == YELLOW_HEX
    assert "今日" in sized.page.inner_text("#colour-as-of")
    layout = sized.page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert layout[0] <= layout[1], f"the overview scrolls sideways: {layout}"
    sized.assert_clean()


def test_play_runs_from_2021q1_to_today(sized: PageWatch, timeline_server: str) -> None:
    sized.open(timeline_server + "/")
    sized.page.evaluate("window.seen = []; new MutationObserver(() => window.seen.push("
                        f"[{SHOWN}, {B01_FILL}])).observe(document.getElementById('timeline'), "
                        "{attributes: true, attributeFilter: ['data-shown']})")
    sized.page.click("#timeline-play")
    assert sized.page.get_attribute("#timeline-play", "aria-pressed") == "true"
    sized.page.wait_for_function(f"() => {SHOWN} === '2021-06-30'")
    sized.page.click("#timeline-play")  # pause
    assert sized.page.inner_text("#timeline-play") == "播放"
    seen = sized.page.evaluate("window.seen")
    assert seen[:2] == [["2021-03-31", GREY_HEX], ["2021-06-30", GREEN_HEX]]
    sized.page.click("#timeline-play")  # resumes after 2021Q2 and plays to today (1.5 s a step)
    sized.page.wait_for_function(f"() => {SHOWN} === 'today'", timeout=90_000)
    assert sized.page.get_attribute("#timeline-play", "aria-pressed") == "false"
    seen = sized.page.evaluate("window.seen")
    assert seen[2][0] == "2021-09-30" and seen[-1] == ["today", YELLOW_HEX]
    assert [s[0] for s in seen].count("2021-09-30") == 1
    sized.assert_clean()
