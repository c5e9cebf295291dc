"""The 现状+已通车项目 (``current``) scenario in the web app: the API, isochrones, page and export follow the status
database (web/access/current.py), and a bad ``as_of`` is a 400 naming the field in Chinese."""
from __future__ import annotations

import pytest
from flask import Flask

from geo.status.records import close_item
from web.core.as_of import beijing_today
from web.core.database import app_store
from web.core.state import corridor_state
from web_fixtures import real_app  # noqa: F401


@pytest.fixture(scope="module")
def opened_app(real_app: Flask) -> Flask:  # noqa: F811
    """The shipped app with R07 (环山路二期, 道路建成) closed (销号) effective 2021-06-30."""
    with real_app.app_context():
        close_item(app_store(real_app), corridor_state(real_app).plan, "R07", note="已通车", actor="tester",
                   expected_version=0, effective_on="2021-06-30")
    return real_app


def _json(app: Flask, path: str, status: int = 200) -> dict:
    response = app.test_client().get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_json()


def test_today_the_closed_project_is_open_and_the_day_before_it_is_not(opened_app: Flask) -> None:
    report = _json(opened_app, "/api/access?scenario=current")
    opened = report["open_to_traffic"]
    assert opened["as_of"] == beijing_today().isoformat() and opened["as_of_source"] == "today"
    assert [(p["id"], p["basis"], p["since"]) for p in opened["projects"]] == [("R07", "closed", "2021-06-30")]
    assert report["params"]["open_projects"] == ["R07"] and opened["rule"]["provenance"] == "project"
    before = _json(opened_app, "/api/access?scenario=current&as_of=2021-06-29")
    assert before["open_to_traffic"]["projects"] == [] and before["params"]["open_projects"] == []
    baseline = _json(opened_app, "/api/access?scenario=baseline")
    assert before["coverage"] == baseline["coverage"]  # nothing open: the baseline's network
    on_day = _json(opened_app, "/api/access?scenario=current&as_of=2021-06-30")
    assert on_day["params"]["open_projects"] == ["R07"] and on_day["coverage"] == report["coverage"]


def test_isochrones_follow_the_day(opened_app: Flask) -> None:
    bands = _json(opened_app, "/api/access/isochrones?scenario=current&as_of=2021-06-30")
    assert bands["params"]["open_projects"] == ["R07"] and len(bands["features"]) == 4
    assert _json(opened_app, "/api/access/isochrones?scenario=current&as_of=2021-01-05")["params"][
        "open_projects"] == []


@pytest.mark.parametrize(("query", "words"), [
    ("scenario=current&as_of=2021-13-01", "应为 YYYY-MM-DD"),
    ("scenario=current&as_of=2999-01-01", "不能晚于今天"),
    ("scenario=baseline&as_of=2021-06-30", "仅在路网情景为「现状+已通车项目」"),
])
def test_a_bad_day_is_a_400_naming_the_field_in_chinese(opened_app: Flask, query: str, words: str) -> None:
    body = _json(opened_app, f"/api/access?{query}", status=400)
    assert "截至日期" in body["message"] and words in body["message"], body
    page = opened_app.test_client().get(f"/access?{query}")
    assert page.status_code == 400 and "截至日期" in page.get_data(as_text=True)


def test_the_page_lists_the_open_projects_with_the_rule_and_offers_the_day(opened_app: Flask) -> None:
    response = opened_app.test_client().get("/access?scenario=current&as_of=2021-07-01")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="scenario-current" value="current" checked' in html
    assert 'name="as_of"' in html and 'value="2021-07-01"' in html
    assert 'data-as-of="2021-07-01"' in html and 'data-id="R07" data-basis="closed"' in html
    assert "项目规则（非规划原文）</span> 截至所选日期，道路项目已销号" in html
    plain = opened_app.test_client().get("/access?scenario=baseline").get_data(as_text=True)
    assert 'id="scenario-current"' in plain and 'name="as_of"' not in plain


def test_the_export_states_the_open_projects_and_the_day(opened_app: Flask) -> None:
    response = opened_app.test_client().get("/access/export.csv?scenario=current&as_of=2021-07-01")
    assert response.status_code == 200
    assert "asof2021-07-01" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert "已通车道路项目" in text and "R07 环山路二期（已销号 2021-06-30）" in text and "截至 2021-07-01" in text
