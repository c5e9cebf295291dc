"""Each plan area's own verdict: its key blocks and its served area together, never 达标 on coverage alone."""
from __future__ import annotations

import pytest
from test_access import grid_network

from geo.access.check import check_access
from geo.access.districts import FAIL, NOT_ASSESSABLE, PASS, district_verdict
from geo.access.report import DEFAULT_COVERAGE_TARGET, Limits
from geo.plan.layers import load_plan
from geo.plan.schema import PLAN_DISTRICTS

LIMITS = Limits(bands_min=(5.0, 10.0, 15.0), threshold_min=10.0, loop_threshold_min=30.0,
                coverage_target=DEFAULT_COVERAGE_TARGET, max_snap_distance_m=2000.0)


def _with_two_blocks_beyond_the_network(layers: dict) -> None:
    """Two blocks of 龙湾区 (D02, lon 120.15–120.25), ~6 km east of the grid's last column and ~5 km west of the far
    street: no access node within the 2 km snap distance."""
    template = layers["blocks"]["features"][0]
    for fid, lat in (("B02", 27.89), ("B03", 27.91)):
        lon, half = 120.225, 0.001
        ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
                [lon - half, lat + half], [lon - half, lat - half]]
        layers["blocks"]["features"].append({**template, "properties": {**template["properties"], "id": fid,
                                                                            "district": PLAN_DISTRICTS[1]},
                                             "geometry": {"type": "Polygon", "coordinates": [ring]}})


def test_an_area_whose_blocks_lie_beyond_the_network_fails_though_all_its_served_area_is_in_time(write_layers):
    plain = check_access(grid_network(), load_plan(write_layers()), scenario="planned")
    assert plain["districts"][1]["served_area_within"]["10"] == 1.0
    assert plain["districts"][1]["verdict"]["status"] == PASS  # no block of its own: its coverage decides

    report = check_access(grid_network(), load_plan(write_layers(_with_two_blocks_beyond_the_network)),
                          scenario="planned")
    district = report["districts"][1]
    assert district["name"] == "龙湾区" and district["served_area_within"]["10"] == 1.0
    assert district["pass"] is True  # the coverage row alone would still say 达标 ...
    verdict = district["verdict"]
    assert (verdict["status"], verdict["pass"], verdict["coverage_status"]) == (FAIL, False, PASS)  # ... it is not
    assert verdict["blocks"] == ["B02", "B03"] and verdict["blocks_outside_network"] == ["B02", "B03"]
    assert [r["code"] for r in verdict["reasons"]] == ["blocks_outside_network"]
    assert verdict["zh"].startswith("未达标：重点区块 B02、B03 超出路网覆盖范围，未接入路网")
    assert "not reached" in verdict["en"]
    assert report["districts"][0]["verdict"]["status"] == PASS  # B01 is measured in 鹿城区 and in time


def test_an_area_no_road_serves_cannot_be_assessed_and_says_why(write_layers):
    report = check_access(grid_network(), load_plan(write_layers()), scenario="planned")
    yueqing = report["districts"][3]
    assert yueqing["name"] == "乐清市" and yueqing["served_area_km2"] == 0 and yueqing["area_km2"] > 100
    verdict = yueqing["verdict"]
    assert (verdict["status"], verdict["pass"], verdict["coverage_status"]) == (NOT_ASSESSABLE, None, NOT_ASSESSABLE)
    assert [r["code"] for r in verdict["reasons"]] == ["no_served_area"]
    assert verdict["zh"].startswith("无法评估：走廊内该地区 109.4 平方公里均无道路服务")


def _area(*, share: float | None, area_km2: float = 10.0, unserved_km2: float = 0.0) -> dict:
    return {"id": "D04", "name": "乐清市", "area_km2": area_km2, "unserved_area_km2": unserved_km2,
            "unserved_area_share": unserved_km2 / area_km2 if area_km2 else None,
            "served_area_within": {"5": share, "10": share, "15": share}}


def _block(fid: str, *, worst: float | None, outside: bool = False) -> dict:
    return {"id": fid, "district": "乐清市", "status": "outside_network" if outside else "measured",
            "worst_min": worst, "pass": worst is not None and worst <= 10.0}


@pytest.mark.parametrize(("area", "blocks", "status", "codes"), [
    (_area(share=1.0), [_block("B08", worst=29.46), _block("B09", worst=None)], FAIL, ["blocks_over_threshold"]),
    (_area(share=None), [_block("B08", worst=None, outside=True), _block("B09", worst=24.6)], FAIL,
     ["blocks_outside_network", "blocks_over_threshold", "no_served_area"]),
    (_area(share=None, area_km2=0.0), [], NOT_ASSESSABLE, ["outside_corridor"]),
    (_area(share=None), [_block("B08", worst=3.0)], NOT_ASSESSABLE, ["no_served_area"]),
    (_area(share=0.9499), [_block("B08", worst=3.0)], FAIL, ["coverage_below_target"]),
    (_area(share=0.95), [_block("B08", worst=10.0)], PASS, []),
])
def test_the_verdict_fails_on_any_block_or_the_coverage_and_is_unassessable_without_served_area(area, blocks, status,
                                                                                                codes):
    verdict = district_verdict(area, blocks, LIMITS)
    assert verdict["status"] == status and [r["code"] for r in verdict["reasons"]] == codes
    assert verdict["pass"] == {PASS: True, FAIL: False, NOT_ASSESSABLE: None}[status]


def test_slow_and_unreachable_blocks_are_named_with_their_times():
    verdict = district_verdict(_area(share=1.0), [_block("B08", worst=29.46), _block("B09", worst=None)], LIMITS)
    assert verdict["zh"] == "未达标：重点区块 B08（29.5 分钟）、B09（不可达）超过 10 分钟入环。"
    assert verdict["en"] == "Fail: key blocks B08 (29.5 min), B09 (unreachable) take longer than 10 min."


def test_the_area_no_road_serves_is_noted_beside_a_pass():
    verdict = district_verdict(_area(share=1.0, unserved_km2=4.0), [], LIMITS)
    assert verdict["status"] == PASS and verdict["reasons"] == []
    assert verdict["zh"] == "达标。注：另有 4.0 平方公里无道路服务（占 40.0%），未计入覆盖率。"


def test_on_real_roads_yueqing_is_not_reported_as_passing(bundled_placed):
    for scenario in ("baseline", "planned"):
        report = check_access(bundled_placed, scenario=scenario)
        yueqing = next(d for d in report["districts"] if d["name"] == "乐清市")
        verdict = yueqing["verdict"]
        assert verdict["status"] == FAIL and verdict["blocks_over_threshold"] == ["B08", "B09"], scenario
        assert "no_served_area" in [r["code"] for r in verdict["reasons"]]


@pytest.fixture(scope="module")
def bundled_placed():
    from geo.access.check import prepare_network
    from geo.network.loading import load_network

    return prepare_network(load_network(), load_plan())
