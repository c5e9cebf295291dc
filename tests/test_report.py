"""The validation report: counts against the plan and the plan's own inconsistencies."""
from __future__ import annotations

import json

import pytest
import shapely

from geo.report import format_report, validation_report
from geo.shapes import to_metric


def test_shipped_counts_match_the_plan():
    report = validation_report()
    assert report["valid"], report["problems"]
    counts = report["counts"]
    assert counts["blocks"]["found"] == 13
    assert counts["blocks"]["by_district"]["龙湾区"] == {"expected": 3, "found": 3}
    assert counts["roads"]["found"] == 17 and counts["roads"]["plan_total"] == 17
    assert counts["roads"]["by_category"] == {
        "road_complete_2021": {"expected": 7, "found": 7},
        "road_continuing": {"expected": 8, "found": 8},
        "transit": {"expected": 2, "found": 2},
    }
    assert counts["roads"]["ring_segments"] == 4
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
