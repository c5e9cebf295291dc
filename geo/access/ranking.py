"""Each road project's own effect, as a ranking: the coverage it adds to the baseline alone, its share of what all
projects together add, and what it does to the ring loop.

A project's own effect is the baseline plus that project alone, minus the baseline (:func:`geo.access.check._compare`).
Effects overlap — two projects that each close the same gap add little together beyond either alone — so the own
effects' shares of the total gain (planned − baseline) need not add up to 100 %: :func:`gain_summary` states both
the total and the sum of the own effects.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

logger = logging.getLogger(__name__)

GAIN_MEASURE = "served_area_within"  # the headline figure: the served corridor area within the threshold


def worst_loop_min(loop: dict) -> float | None:
    """The slower direction's time round the ring (minutes), ``None`` when the loop is broken."""
    times = [d["time_min"] for d in loop["directions"].values()]
    return None if not loop["complete"] or None in times else max(times)


def ring_effect(base_loop: dict, with_project: dict | None) -> dict:
    """What a project alone does to the ring loop: ``ring_loop_min`` with it (slower direction), whether it closes
    a ring broken in the baseline, the change in minutes when the loop is complete both before and after, and how
    many km of the ring are still missing with it (``ring_gaps_km``)."""
    if with_project is None:
        return {"ring_loop_min": None, "ring_closed_by_project": False, "ring_loop_change_min": None,
                "ring_gaps_km": _gap_km(base_loop)}
    before, after = worst_loop_min(base_loop), worst_loop_min(with_project)
    return {"ring_loop_min": after, "ring_closed_by_project": before is None and after is not None,
            "ring_loop_change_min": None if before is None or after is None else round(after - before, 2),
            "ring_gaps_km": _gap_km(with_project)}


def _gap_km(loop: dict) -> float:
    """How much of the ring is still missing (km, the direction missing more), 0 when it is complete."""
    return max((round(sum(g["length_km"] for g in d.get("gaps", [])), 3) for d in loop["directions"].values()),
               default=0.0)


def served_gain(base: dict, with_project: dict, threshold_key: str) -> float | None:
    """The gain in the served corridor area's share within the threshold (the headline figure)."""
    before, after = base[GAIN_MEASURE][threshold_key], with_project[GAIN_MEASURE][threshold_key]
    return None if before is None or after is None else round(after - before, 4)


def gain_summary(projects: Sequence[dict], coverage_delta: dict, threshold_key: str) -> dict:
    """Add each ranked project's ``share_of_total_gain`` (its own served-area gain / planned − baseline) and return
    the totals: ``total_gain``, ``sum_of_own_gains`` and whether the own effects overlap."""
    total = coverage_delta[GAIN_MEASURE][threshold_key]
    gains = [p["served_area_within_gain"] for p in projects if p.get("served_area_within_gain") is not None]
    for project in projects:
        gain = project.get("served_area_within_gain")
        project["share_of_total_gain"] = (round(gain / total, 4) if gain is not None and total else None)
    own = round(sum(gains), 4)
    return {"measure": GAIN_MEASURE, "threshold_key": threshold_key, "total_gain": total, "sum_of_own_gains": own,
            "overlap": total is not None and abs(own - total) > 1e-4,
            "zh": _summary_zh(total, own), "en": _summary_en(total, own)}


def _summary_zh(total: float | None, own: float) -> str:
    if total is None:
        return "全部项目建成前后的覆盖率无从比较。"
    text = f"全部道路项目建成，有路网服务区域达标比例提高 {total * 100:.1f} 个百分点；各项目单独效果之和为 {own * 100:.1f} 个百分点"
    if own > total + 1e-4:
        return text + "，大于合计：项目效果相互重叠（如多个项目改善同一片区），各项占比之和因此超过 100%。"
    if own < total - 1e-4:
        return text + "，小于合计：项目相互配合时效果更大，各项占比之和因此不足 100%。"
    return text + "。"


def _summary_en(total: float | None, own: float) -> str:
    if total is None:
        return "The coverage before and after all projects cannot be compared."
    text = (f"All road projects together raise the served area within the threshold by {total * 100:.1f} points; "
            f"the projects' own effects add up to {own * 100:.1f} points")
    if abs(own - total) > 1e-4:
        return text + " (effects overlap or combine, so the shares do not add up to 100%)."
    return text + "."
