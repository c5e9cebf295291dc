"""The 可达性 page: honest area verdicts, the broken ring drawn broken, thresholds with their sources and a visible
coverage target, and the 现状/规划 comparison with each road project's own effect ranked."""
from __future__ import annotations

import json
import re

import pytest
from flask import Flask

from web_fixtures import real_app  # noqa: F401


def _page(app: Flask, path: str) -> str:
    response = app.test_client().get(path)
    assert response.status_code == 200, response.text[:500]
    return response.get_data(as_text=True)


def _js(text: str) -> str:
    """``text`` as the map's script holds it (JSON, non-ASCII escaped)."""
    return json.dumps(text)[1:-1]


def _row(html: str, marker: str) -> str:
    return html[html.index(marker):].split("</tr>")[0]


def _cells(row: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row,
                                                                                     flags=re.S)]


def test_an_area_whose_blocks_miss_the_ring_is_not_shown_as_passing(real_app: Flask) -> None:
    html = _page(real_app, "/access?scenario=planned")
    yueqing = _row(html, '<tr data-id="D04"')
    assert 'data-status="fail"' in yueqing and "达标</span>" not in yueqing.replace("未达标</span>", "")
    assert "重点区块 B08（27.8 分钟）、B09（22.9 分钟）超过 10 分钟入环" in yueqing
    assert "均无道路服务" in yueqing  # and why its coverage has no figure
    api = real_app.test_client().get("/api/access?scenario=planned").get_json()
    assert next(d for d in api["districts"] if d["id"] == "D04")["verdict"]["status"] == "fail"


def test_the_baseline_map_draws_the_missing_ring_stretch_as_a_labelled_gap(real_app: Flask) -> None:
    baseline = _page(real_app, "/access?scenario=baseline")
    assert 'id="legend-gap"' in baseline and 'id="ring-gaps"' in baseline
    assert _js("环线缺口：环山南路（约 13.4 公里，本情景不通）") in baseline  # the gap's label, drawn on the map
    assert '"permanentLabels": ["gaps"]' in baseline and _js("环线缺口（本情景不通）") in baseline
    assert re.findall(r'<tr data-direction="\w+"><td>[^<]+</td>\s*<td>([^<]+)</td>', baseline) == ["不连通", "不连通"]
    planned = _page(real_app, "/access?scenario=planned")
    assert 'id="legend-gap"' not in planned and _js("环线缺口：") not in planned


def test_each_threshold_names_its_source_and_the_target_is_a_setting(real_app: Flask) -> None:
    html = _page(real_app, "/access")
    assert 'data-threshold="threshold_min" data-source="plan"' in html
    assert "规划原文「10分钟入环」（实施方案第127行）" in html and "规划原文「30分钟通环」（实施方案第127行）" in html
    target = _row(html, 'data-threshold="coverage_target"')
    assert 'data-source="project assumption"' in target and "95%" in target and "项目设定" in target
    assert 'id="target" name="target" min="0.5" max="1"' in html and 'value="0.95"' in html
    changed = _page(real_app, "/access?target=0.7")
    assert 'value="0.7"' in changed and "（目标 70%，本次设定）" in changed
    assert "本次设定（默认 95%，项目设定）" in _row(changed, 'data-threshold="coverage_target"')


@pytest.mark.parametrize("value", ["0.4", "1.01", "abc", "nan", ""])
def test_a_target_out_of_range_is_a_400_naming_the_field(real_app: Flask, value: str) -> None:
    page = real_app.test_client().get(f"/access?target={value}")
    assert page.status_code == 400 and "目标：应为 0.5 到 1 之间的数字" in page.get_data(as_text=True)
    api = real_app.test_client().get(f"/api/access?target={value}")
    assert api.status_code == 400 and api.get_json()["parameter"] == "target"


def test_the_target_decides_the_coverage_verdict(real_app: Flask) -> None:
    client = real_app.test_client()
    strict = client.get("/api/access?scenario=planned").get_json()
    lenient = client.get("/api/access?scenario=planned&target=0.5").get_json()
    share = strict["coverage"]["served_area_within"]["10"]
    assert 0.5 <= share < 0.95  # 82.5 % on the bundled network
    assert (strict["verdict"]["coverage_pass"], lenient["verdict"]["coverage_pass"]) == (False, True)
    assert lenient["params"]["coverage_target"] == 0.5
    assert {**strict["coverage"], "pass": None} == {**lenient["coverage"], "pass": None}  # same figures


def test_the_comparison_shows_both_scenarios_side_by_side_with_the_changes(real_app: Flask) -> None:
    html = _page(real_app, "/access?scenario=compare")
    report = real_app.test_client().get("/api/access?scenario=compare").get_json()
    assert 'value="compare" checked' in html
    assert html.count('class="compare-map" data-scenario=') == 2 and html.count('class="folium-map"') == 2
    assert 'data-scenario="baseline"' in html and 'data-scenario="planned"' in html
    served = _cells(_row(html, '<tr data-item="1">'))
    before, after = (report["coverage"][s]["served_area_within"]["10"] for s in ("baseline", "planned"))
    assert served[1].startswith(f"{before * 100:.1f}%") and served[2].startswith(f"{after * 100:.1f}%")
    assert served[3] == f"{(after - before) * 100:+.1f} 个百分点"
    loop = _cells(_row(html, '<tr data-item="5">'))
    assert loop[1].startswith("—") and "环线不连通，缺环山南路" in loop[1] and loop[2].startswith("41.8 分钟")
    yueqing = _cells(_row(html, '<tr data-id="D04"'))
    assert yueqing[-1] == "未达标 → 未达标"


def test_the_ranking_lists_each_projects_own_effect_and_its_share_of_the_gain(real_app: Flask) -> None:
    html = _page(real_app, "/access?scenario=compare")
    report = real_app.test_client().get("/api/access?scenario=compare").get_json()
    table = html[html.index('id="ranking-table"'):html.index("</table>", html.index('id="ranking-table"'))]
    ids = re.findall(r'<tr data-id="(R\d\d)">', table)
    assert ids == [p["id"] for p in report["projects"]] and ids[:2] == ["R12", "R06"]
    for project in report["projects"]:
        cells = _cells(_row(table, f'<tr data-id="{project["id"]}">'))
        if project["rank"] is None:
            assert cells[0] == "—" and cells[2] == "—" and cells[3] == "—"
            continue
        assert cells[0] == str(project["rank"])
        assert cells[2] == f"{project['served_area_within_gain'] * 100:+.1f} 个百分点"
        assert cells[3] == f"{project['share_of_total_gain'] * 100:.1f}%"
        assert cells[4] == f"仍缺 {project['ring_gaps_km']:.1f} 公里"
    summary = html[html.index('id="gain-summary"'):].split("</p>")[0]
    assert "各项目单独效果之和为 16.8 个百分点，大于合计" in summary and "现状环线缺口共约 13.4 公里" in summary
