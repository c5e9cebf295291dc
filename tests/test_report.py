"""The validation report: counts against the plan and the plan's own inconsistencies."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import shapely

from geo.plan.validation_report import format_report, validation_report
from geo.plan.shapes import to_metric

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def shipped_copy(tmp_path: Path):
    """A copy of the shipped data folder (its layers and tables), with ``modify(roads)`` applied to the roads."""

    def copy(modify=None) -> Path:
        for path in [*DATA.glob("*.geojson"), *DATA.glob("*.csv")]:
            shutil.copy(path, tmp_path / path.name)
        roads = json.loads((tmp_path / "roads.geojson").read_text(encoding="utf-8"))
        if modify is not None:
            modify(roads["features"])
        (tmp_path / "roads.geojson").write_text(json.dumps(roads, ensure_ascii=False), encoding="utf-8")
        return tmp_path

    return copy


def _continuing_road(features: list[dict], road_id: str, name: str) -> dict:
    """A further continuing road, once the plan's unnamed ones are known: R14's line, shifted, under a new id."""
    template = next(f for f in features if f["id"] == "R14")
    props = template["properties"] | {"id": road_id, "name": name, "name_source": "project"}
    return template | {"id": road_id, "properties": props}


def test_shipped_counts_match_the_plan():
    report = validation_report()
    assert report["valid"], report["problems"]
    counts = report["counts"]
    assert counts["blocks"]["found"] == 13
    assert counts["blocks"]["by_district"]["龙湾区"] == {"expected": 3, "found": 3}
    roads = counts["roads"]
    assert (roads["found"], roads["roads"], roads["transit"]) == (17, 15, 2)
    assert (roads["plan_figure"], roads["plan_quote"], roads["plan_line"]) == (17, "交通路网建设（17项）", 213)
    assert {key: (row["plan_figure"], row["plan_named"], row["found"]) for key, row in roads["by_category"].items()} == {
        "road_complete_2021": (7, 7, 7), "road_continuing": (10, 8, 8), "transit": (None, None, 2)}
    assert roads["by_category"]["road_continuing"]["plan_line"] == 216
    assert roads["ring_segments"] == 4
    assert counts["tasks"]["found"] == 76
    assert counts["tasks"]["by_district"]["瓯海区"] == {"expected": 14, "found": 14}
    assert counts["tasks"]["ring_road_tasks"]["by_district"]["乐清市"] == {"expected": 11, "found": 11}


def test_tiers_are_reported_against_4_6_3_without_failing():
    tiers = validation_report()["tiers"]
    assert tiers["unset"] == 13 and not tiers["matches_plan"]
    assert {t: r["expected"] for t, r in tiers["by_tier"].items()} == {"示范区块": 4, "标准区块": 6, "储备潜力区块": 3}


def test_plan_inconsistencies_are_findings():
    findings = {f["id"]: f for f in validation_report()["findings"]}
    assert findings["continuing-roads-named"]["stated"] == 10
    assert findings["continuing-roads-named"]["found"] == 8
    by_value = {(f["found"], f["stated"]) for f in findings.values()}
    assert {(65, 60), (11, 8), (16, 12), (1408, 1400), (178, 170)} <= by_value


def test_roads_are_printed_with_the_plans_figures_beside_the_datas():
    text = format_report(validation_report())
    assert ("roads: plan 17 (“交通路网建设（17项）”, line 213; = “完成道路建成7条、续建10条”, line 241: roads only); "
            "data 17 (15 roads + 2 transit items)\n") in text
    assert "    road_continuing: plan 10 (“市域铁路S2线一期等10条”, line 216; 8 named); data 8\n" in text
    assert "    transit: plan one row (“公交首末站建成 3 个、" in text and "data 2 items (the project's reading" in text
    assert "road_continuing: 8 (plan: 8)" not in text and "transit: 2 (plan: 2)" not in text


def test_the_two_unnamed_continuing_roads_can_be_added(shipped_copy):
    def add_two(features):
        features.insert(15, _continuing_road(features, "R18", "续建道路甲"))
        features.insert(16, _continuing_road(features, "R19", "续建道路乙"))
    report = validation_report(shipped_copy(add_two))
    assert report["valid"], report["problems"]
    assert report["counts"]["roads"]["by_category"]["road_continuing"]["found"] == 10
    named = next(f for f in report["findings"] if f["id"] == "continuing-roads-named")
    assert (named["stated"], named["found"]) == (10, 8)  # a fact of the plan, whatever the data holds


def test_more_roads_than_the_plan_states_or_none_of_its_transit_is_a_problem(shipped_copy):
    def change(features):
        features.insert(15, _continuing_road(features, "R18", "续建道路甲"))
        features.insert(16, _continuing_road(features, "R19", "续建道路乙"))
        features.insert(17, _continuing_road(features, "R20", "续建道路丙"))
        features[:] = [f for f in features if f["properties"]["category"] != "transit"]
    messages = [p["message"] for p in validation_report(shipped_copy(change))["problems"]]
    assert ("road_continuing: the plan names 8 and states 10 (“市域铁路S2线一期等10条”, line 216); the data has 11: "
            "expected 8 to 10") in messages
    assert "transit: the plan's transit row (line 218) has no item in the data; expected at least one" in messages


def test_a_value_marked_plan_that_is_not_the_plans_words_is_a_problem(shipped_copy):
    def paraphrase(features):
        features[0]["properties"]["target_2021"] = "完成道路建成"  # line 241's words, not line 215's
        features[0]["properties"]["responsible_unit"] = "龙湾区政府，市交通局"
    problems = validation_report(shipped_copy(paraphrase))["problems"]
    assert {(p["feature_id"], p["field"]) for p in problems} == {("R01", "target_2021"), ("R01", "responsible_unit")}
    assert all("is not a verbatim quote of the plan" in p["message"] for p in problems)


def test_without_the_plan_text_the_plan_fields_cannot_be_checked(tmp_path):
    report = validation_report(plan_text=tmp_path / "missing.txt")
    [problem] = report["problems"]
    assert problem["file"] == "docs/2021-implementation-plan.txt"
    assert "expected the plan text at" in problem["message"] and "missing.txt" in problem["message"]


def test_count_mismatch_is_a_problem(write_layers):
    report = validation_report(write_layers())
    assert not report["valid"]
    messages = [p["message"] for p in report["problems"]]
    assert "龙湾区: the plan has 3, the data has 0" in messages
    assert "the plan has 76 tasks, the data has 2" in messages
    text = format_report(report)
    assert "INVALID" in text and "blocks.geojson district: 龙湾区: the plan has 3, the data has 0" in text


def _write_places(folder, rows) -> None:
    features = [{"type": "Feature", "properties": {"id": f"P{i:03d}", "name": name, "place": kind},
                 "geometry": {"type": "Point", "coordinates": [lon, lat]}}
                for i, (name, kind, lon, lat) in enumerate(rows, start=1)]
    (folder / "osm-places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                                               encoding="utf-8")


def test_each_blocks_nearest_place_is_a_finding_in_json_and_text(write_layers):
    folder = write_layers()  # B01 is a square centred at 120.1, 27.9
    _write_places(folder, [("近镇", "town", 120.1, 27.91), ("远村", "village", 120.1, 27.95)])
    report = validation_report(folder)
    section = report["block_places"]
    assert section["layer"] == "osm-places.geojson" and section["places"] == 2
    [row] = section["blocks"]
    expected_m = to_metric(shapely.Point(120.1, 27.9)).distance(to_metric(shapely.Point(120.1, 27.91)))
    assert (row["block_id"], row["place"], row["place_kind"], row["anchor"]) == ("B01", "近镇", "town", None)
    assert row["distance_m"] == round(expected_m) and row["distance_m"] == pytest.approx(1107, abs=2)
    assert not any("osm-places" in p["file"] for p in report["problems"])  # findings, not failures
    text = format_report(report)
    assert ("Block positions against the 2 OpenStreetMap named places of osm-places.geojson (findings, not "
            "failures; distance from the block's centre):") in text
    assert f"  * B01 测试区块: nearest 近镇 (town) at {row['distance_m']} m\n" in text


def test_a_re_anchored_block_says_so(write_layers):
    def modify(layers):
        layers["blocks"]["features"][0]["properties"] |= {"anchor": "OpenStreetMap 地名“近镇”", "anchor_shift_m": 120}
    folder = write_layers(modify)
    _write_places(folder, [("近镇", "town", 120.1, 27.9)])
    report = validation_report(folder)
    assert report["block_places"]["blocks"][0]["distance_m"] == 0
    assert "  * B01 测试区块: nearest 近镇 (town) at 0 m; re-anchored: OpenStreetMap 地名“近镇”" in format_report(report)


def test_without_places_the_positions_are_not_checked(write_layers):
    report = validation_report(write_layers())
    assert report["block_places"] == {"layer": "osm-places.geojson", "places": 0, "blocks": []}
    assert "Block positions: not checked against OpenStreetMap named places" in format_report(report)


def test_shipped_blocks_nearest_places():
    rows = {r["block_id"]: r for r in validation_report()["block_places"]["blocks"]}
    assert len(rows) == 13
    assert (rows["B01"]["place"], rows["B07"]["place"], rows["B09"]["place"]) == ("七都街道", "茶山街道", "柳市镇")
    assert {b for b, r in rows.items() if r["anchor"]} == {"B01", "B07"}
    assert rows["B01"]["distance_m"] < 500 and rows["B07"]["distance_m"] < 500
