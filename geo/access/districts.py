"""Each plan area's own verdict on 「10分钟入环」: its served area and its key blocks together, with the reasons.

An area's coverage share alone says nothing about an area no road serves (nothing to share) and can read 100 %
while the area's key blocks lie beyond the network or far from the ring. The verdict here is therefore

* ``fail`` (未达标) when a block of the area lies beyond the network, is slower than the threshold or cannot reach
  the ring, or when the area's served share misses the coverage target;
* ``not_assessable`` (无法评估) when nothing fails but the area has no served cell in the corridor (no road with
  roadside access near any of it, or no part of it inside the corridor), so its coverage cannot be measured;
* ``pass`` (达标) otherwise.

Every reason is listed in Chinese and English; the area no road serves is stated whenever there is some.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

from geo.access.report import OUTSIDE_NETWORK, OUTSIDE_NETWORK_EN, OUTSIDE_NETWORK_ZH, Limits

logger = logging.getLogger(__name__)

PASS, FAIL, NOT_ASSESSABLE = "pass", "fail", "not_assessable"
STATUS_ZH = {PASS: "达标", FAIL: "未达标", NOT_ASSESSABLE: "无法评估"}
STATUS_EN = {PASS: "Pass", FAIL: "Fail", NOT_ASSESSABLE: "Not assessable"}


def district_verdicts(districts: Sequence[dict], blocks: Sequence[dict], limits: Limits) -> list[dict]:
    """Each district row of a scenario's report with its ``verdict`` added (a new dict per row).

    Parameters
    ----------
    districts
        The scenario's area rows (:func:`geo.access.report.area_summaries`), one per plan area.
    blocks
        The scenario's block rows; a block belongs to the area its ``district`` names.
    limits
        The report's thresholds (the 10-minute threshold and the coverage target).
    """
    return [{**row, "verdict": district_verdict(row, [b for b in blocks if b["district"] == row["name"]], limits)}
            for row in districts]


def district_verdict(area: dict, blocks: Sequence[dict], limits: Limits) -> dict:
    """One area's verdict from its coverage row and its own blocks (see the module's docstring)."""
    outside = [b["id"] for b in blocks if b["status"] == OUTSIDE_NETWORK]
    slow = [b for b in blocks if b["status"] != OUTSIDE_NETWORK and not b["pass"]]
    reasons = []
    if outside:
        reasons.append(_reason("blocks_outside_network",
                               f"重点区块 {'、'.join(outside)} {OUTSIDE_NETWORK_ZH}，未接入路网，无法到达环线",
                               f"key blocks {', '.join(outside)} lie {OUTSIDE_NETWORK_EN}: not reached"))
    if slow:
        reasons.append(_reason("blocks_over_threshold",
                               f"重点区块 {'、'.join(_block_time_zh(b) for b in slow)}超过 {limits.threshold_min:g} 分钟入环",
                               f"key blocks {', '.join(_block_time_en(b) for b in slow)} take longer than "
                               f"{limits.threshold_min:g} min"))
    share = area["served_area_within"][limits.threshold_key]
    if share is None:
        coverage_status = NOT_ASSESSABLE
        reasons.append(_no_served_area(area, limits))
    else:
        coverage_status = PASS if share >= limits.coverage_target else FAIL
        if coverage_status == FAIL:
            reasons.append(_reason("coverage_below_target",
                                   f"有路网服务区域 {limits.threshold_min:g} 分钟内入环 {share:.1%}，低于目标 "
                                   f"{limits.coverage_target:.0%}",
                                   f"{share:.1%} of the served area reaches the ring within "
                                   f"{limits.threshold_min:g} min, below the target {limits.coverage_target:.0%}"))
    status = FAIL if outside or slow or coverage_status == FAIL else coverage_status
    notes = _unserved_note(area) if share is not None else []
    return {"status": status, "pass": {PASS: True, FAIL: False}.get(status), "coverage_status": coverage_status,
            "blocks": [b["id"] for b in blocks], "blocks_outside_network": outside,
            "blocks_over_threshold": [b["id"] for b in slow], "reasons": reasons, "notes": notes,
            "zh": STATUS_ZH[status] + ("：" + "；".join(r["zh"] for r in reasons) if reasons else "") + "。"
            + "".join(f"注：{n['zh']}。" for n in notes),
            "en": STATUS_EN[status] + (": " + "; ".join(r["en"] for r in reasons) if reasons else "") + "."
            + "".join(f" Note: {n['en']}." for n in notes)}


def _reason(code: str, zh: str, en: str) -> dict:
    return {"code": code, "zh": zh, "en": en}


def _block_time_zh(block: dict) -> str:
    worst = block["worst_min"]
    return f"{block['id']}（{'不可达' if worst is None else f'{worst:.1f} 分钟'}）"


def _block_time_en(block: dict) -> str:
    worst = block["worst_min"]
    return f"{block['id']} ({'unreachable' if worst is None else f'{worst:.1f} min'})"


def _no_served_area(area: dict, limits: Limits) -> dict:
    """Why an area's coverage cannot be measured: no part of it lies in the corridor, or no road serves it."""
    if not area["area_km2"]:
        return _reason("outside_corridor", "该地区不在走廊研究范围内，覆盖率无从计算",
                       "no part of the area lies inside the corridor: no coverage to measure")
    d = limits.max_cell_distance_m
    return _reason("no_served_area",
                   f"走廊内该地区 {area['area_km2']:.1f} 平方公里均无道路服务（{d:g} 米内没有可从路侧进出的道路），"
                   "覆盖率无从计算",
                   f"none of the area's {area['area_km2']:.1f} km² in the corridor is served (no road with roadside "
                   f"access within {d:g} m): no coverage to measure")


def _unserved_note(area: dict) -> list[dict]:
    """The area no road serves, which the coverage share leaves out, when there is some."""
    share = area["unserved_area_share"]
    if not share:
        return []
    return [_reason("unserved_area", f"另有 {area['unserved_area_km2']:.1f} 平方公里无道路服务（占 {share:.1%}），未计入覆盖率",
                    f"{area['unserved_area_km2']:.1f} km² ({share:.1%}) that no road serves are not counted")]
