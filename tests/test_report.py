"""The validation report: counts against the plan and the plan's own inconsistencies."""
from __future__ import annotations

from geo.report import format_report, validation_report


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
