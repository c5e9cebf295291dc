"""The accessibility report as JSON-ready dicts: minutes rounded to 0.01, shares to 0.0001, ``None`` = unreachable.

Pure formatting of :class:`geo.access.evaluation.Evaluation` results; the schema is documented in ``docs/access.md``,
the command line's text is :mod:`geo.access.report_text`.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from geo.access.evaluation import MAX_SNAP_DISTANCE_M, Evaluation
from geo.access.placement import PlacedNetwork
from geo.access.coverage import ACCESS_SPEED_KPH, MAX_CELL_DISTANCE_M, Area, AreaCoverage
from geo.network.road_network import RoadNetwork, is_real_network, network_attribution, network_label
from geo.access.ring_loop import LoopDirection
from geo.access.rounding import rounded

MEASURED, OUTSIDE_NETWORK = "measured", "outside_network"  # a block's status
OUTSIDE_NETWORK_ZH, OUTSIDE_NETWORK_EN = "超出路网覆盖范围", "beyond the network"
DIRECTION_ZH = {"clockwise": "顺时针", "counterclockwise": "逆时针"}
PLAN_THRESHOLD_MIN = 10.0  # 「10分钟入环」
PLAN_LOOP_THRESHOLD_MIN = 30.0  # 「30分钟通环」
DEFAULT_COVERAGE_TARGET = 0.95  # project assumption: the plan's "everywhere" would be 1.0
# the plan's words for its thresholds and their line in docs/2021-implementation-plan.txt (item 10's 总目标)
PLAN_QUOTES = {"threshold_min": ("10分钟入环", 127), "loop_threshold_min": ("30分钟通环", 127)}
PLAN, ASSUMPTION, OPTION = "plan", "project assumption", "option"
SOURCE_ZH = {PLAN: "规划原文", ASSUMPTION: "项目设定", OPTION: "本次设定"}
SERVED_AREA_ZH = "走廊有路网服务区域：网格中心 {d:g} 米内有可从路侧进出的道路节点"
SERVED_AREA_EN = "served corridor area: cells with a node of a road with roadside access within {d:g} m of their centre"


@dataclass(frozen=True)
class Limits:
    """The report's thresholds: coverage bands, the 10-minute target, the 30-minute loop, the share target, how
    far a block may lie from its nearest access node, how far a served cell may, and the access legs' speed."""

    bands_min: tuple[float, ...]
    threshold_min: float
    loop_threshold_min: float
    coverage_target: float
    max_snap_distance_m: float
    max_cell_distance_m: float = MAX_CELL_DISTANCE_M
    access_speed_kph: float = ACCESS_SPEED_KPH

    @cached_property
    def all_min(self) -> tuple[float, ...]:
        return tuple(sorted({*self.bands_min, self.threshold_min}))

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(f"{v:g}" for v in self.all_min)

    @cached_property
    def threshold_key(self) -> str:
        return f"{self.threshold_min:g}"


def minutes(seconds: float) -> float | None:
    """Seconds as minutes rounded to 0.01, ``None`` when infinite (unreachable)."""
    return round(float(seconds) / 60.0, 2) if math.isfinite(seconds) else None


def thresholds(limits: Limits) -> list[dict]:
    """The check's thresholds, each with where it comes from: ``"plan"`` (the plan's words 「10分钟入环、30分钟通环」),
    ``"project assumption"`` (this project's own choice) or ``"option"`` (a caller's value in place of either)."""
    rows = (
        ("threshold_min", limits.threshold_min, "min", PLAN, PLAN_THRESHOLD_MIN,
         "「10分钟入环」：走廊各处 10 分钟内到达环山路", "「10分钟入环」: reach the ring road within 10 minutes"),
        ("loop_threshold_min", limits.loop_threshold_min, "min", PLAN, PLAN_LOOP_THRESHOLD_MIN,
         "「30分钟通环」：30 分钟内绕环山路一圈", "「30分钟通环」: drive once round the ring road within 30 minutes"),
        ("coverage_target", limits.coverage_target, "share", ASSUMPTION, DEFAULT_COVERAGE_TARGET,
         "有路网服务区域中须在时限内入环的比例（规划原文“各处”即 100%，留余量以免边缘网格左右结论）",
         "share of the served corridor area that must reach the ring in time (the plan's 'everywhere' is 100%; "
         "the margin keeps fringe cells from deciding)"),
        ("max_cell_distance_m", limits.max_cell_distance_m, "m", ASSUMPTION, MAX_CELL_DISTANCE_M,
         "网格中心此距离内有可从路侧进出的道路节点才算有路网服务",
         "a cell is served when a node of a road with roadside access lies within this distance of its centre"),
        ("access_speed_kph", limits.access_speed_kph, "km/h", ASSUMPTION, ACCESS_SPEED_KPH,
         "从网格中心或区块中心按直线距离到最近路网节点的接驳速度",
         "speed of the access leg from a cell's or block's centre to its network node, over the straight line"),
        ("max_snap_distance_m", limits.max_snap_distance_m, "m", ASSUMPTION, MAX_SNAP_DISTANCE_M,
         "区块内无路网节点时，中心到最近节点超过此距离即视为超出路网覆盖范围",
         "a block without nodes of its own lies beyond the network when its nearest node is farther than this"),
    )
    return [{"name": name, "value": float(value), "unit": unit, "source": _source(value, default, source),
             "default": float(default), "default_source": source, "plan_quote": PLAN_QUOTES.get(name, (None,))[0],
             "plan_line": PLAN_QUOTES.get(name, (None, None))[1], "zh": zh, "en": en}
            for name, value, unit, source, default, zh, en in rows]


def _source(value: float, default: float, source: str) -> str:
    """Where a threshold comes from: ``source`` for its default value, else a caller's ``"option"``."""
    return source if value == default else OPTION


def network_info(network: RoadNetwork) -> dict:
    """The network's provenance plus its size, its label and credit; ``schematic`` is true for a network that does
    not hold real roads (a synthetic one)."""
    return {**network.source, "source": network.source.get("source", "unknown"), "nodes": network.n_nodes,
            "edges": network.n_edges, "schematic": not is_real_network(network.source),
            "label": network_label(network.source), "attribution": network_attribution(network.source)}


def scenario_sections(study: PlacedNetwork, ev: Evaluation, limits: Limits, *, network: dict) -> dict:
    """``ring``, ``coverage``, ``districts``, ``blocks``, ``ring_loop`` and ``verdict`` for one scenario."""
    areas = area_summaries(study.plan.grid.areas, ev.areas, limits)
    blocks = _blocks(study, ev, limits)
    loop = _loop(study, ev, limits)
    return {"ring": _ring(study, ev), "coverage": areas[0], "districts": areas[1:], "blocks": blocks,
            "ring_loop": loop, "verdict": verdict(areas[0], blocks, loop, limits, network=network)}


def area_summaries(areas: Sequence[Area], raw: AreaCoverage, limits: Limits) -> list[dict]:
    """Each area's coverage section (``raw``'s rows, the areas in its order): road and area shares per limit, the
    area no road serves, pass against the coverage target."""
    keys = limits.keys
    n_limits, reached_at = len(keys), 2 * len(keys) + keys.index(limits.threshold_key)
    width = 3 * n_limits + 1  # per area: road, area and served area shares per limit, the unserved share
    shares = rounded(np.column_stack([raw.road_within, raw.area_within, raw.served_within,
                                      raw.unserved_share]).ravel(), 4)
    km = rounded(np.column_stack([raw.road_length_m / 1000, raw.area_m2 / 1e6, raw.served_area_m2 / 1e6,
                                  raw.unserved_m2 / 1e6]).ravel(), 3)
    rows = []
    for a, area in enumerate(areas):
        row = shares[a * width:(a + 1) * width]
        road_km, area_km2, served_km2, unserved_km2 = km[4 * a:4 * a + 4]
        reached = row[reached_at]
        rows.append({"id": area.id, "name": area.name, "road_length_km": road_km,
                     "road_within": dict(zip(keys, row[:n_limits])), "area_km2": area_km2,
                     "served_area_km2": served_km2, "unserved_area_km2": unserved_km2, "unserved_area_share": row[-1],
                     "area_within": dict(zip(keys, row[n_limits:2 * n_limits])),
                     "served_area_within": dict(zip(keys, row[2 * n_limits:3 * n_limits])),
                     "pass": None if reached is None else reached >= limits.coverage_target})
    return rows


def _ring(study: PlacedNetwork, ev: Evaluation) -> dict:
    ring = study.ring.ring
    return {"segments": [{"id": i, "name": n} for i, n in zip(ring.segment_ids, ring.segment_names)],
            "length_km": round(ring.length_m / 1000, 3), "closed": ring.closed,
            "edges": int(np.count_nonzero(ev.active[study.ring.index])),
            "entries": [{"node_id": i, "lon": x, "lat": y} for i, x, y in ev.entry_points]}


def _blocks(study: PlacedNetwork, ev: Evaluation, limits: Limits) -> list[dict]:
    times = ev.blocks
    leg_worst_median = rounded(np.column_stack([times.access_leg_s, times.worst_s, times.median_s]).ravel() / 60.0, 2)
    nearest = rounded(times.nearest_node_m, 1)
    rows = []
    for b, ((fid, name, district), nodes, outside) in enumerate(zip(study.plan.blocks, times.nodes.tolist(),
                                                                    times.outside.tolist())):
        leg, worst, median = leg_worst_median[3 * b:3 * b + 3]
        rows.append({"id": fid, "name": name, "district": district, "nodes": nodes,
                     "measured_at": "block_nodes" if nodes else "none" if nearest[b] is None else "nearest_node",
                     "nearest_node_m": nearest[b], "status": OUTSIDE_NETWORK if outside else MEASURED,
                     "reason": _outside_reason(float(times.nearest_node_m[b]), limits) if outside else None,
                     "access_leg_min": leg, "worst_min": worst, "median_min": median,
                     "pass": worst is not None and worst <= limits.threshold_min})
    return rows


def _outside_reason(distance_m: float, limits: Limits) -> str:
    limit_km = f"{limits.max_snap_distance_m / 1000:g}"
    if math.isnan(distance_m):
        return f"{OUTSIDE_NETWORK_ZH}：路网中没有可进出的节点 / {OUTSIDE_NETWORK_EN}: the network has no access node"
    km = f"{distance_m / 1000:.1f}"
    return (f"{OUTSIDE_NETWORK_ZH}：区块内无路网节点，最近节点距区块中心 {km} 公里（上限 {limit_km} 公里） / "
            f"{OUTSIDE_NETWORK_EN}: no access node in the block; the nearest is {km} km from its centre "
            f"(limit {limit_km} km)")


def _loop(study: PlacedNetwork, ev: Evaluation, limits: Limits) -> dict:
    directions = {name: _direction(study, ev, d, limits) for name, d in ev.loop.items()}
    missing = {}
    for d in ev.loop.values():
        for gap in d.gaps:
            missing.update(zip(gap.segment_ids, gap.segment_names))
    complete = all(d.complete for d in ev.loop.values())
    return {"threshold_min": limits.loop_threshold_min, "complete": complete,
            "pass": complete and all(d["pass"] for d in directions.values()),
            "missing_segments": [{"id": i, "name": n} for i, n in missing.items()], "directions": directions}


def _direction(study: PlacedNetwork, ev: Evaluation, loop: LoopDirection, limits: Limits) -> dict:
    network, ring = study.network, study.ring.ring
    if not loop.complete:
        return {"complete": False, "time_min": None, "pass": False, "segments": [], "slowest_segment": None,
                "edges": [], "gaps": [{"segment_ids": list(g.segment_ids), "segment_names": list(g.segment_names),
                                       "from_km": round(g.from_m / 1000, 3), "length_km": round(g.length_m / 1000, 3)}
                                      for g in loop.gaps]}
    at = np.searchsorted(study.ring.index, loop.edges)  # the loop's edges among the ring edges
    segment = study.ring.segment[at]
    order = np.argsort(segment, kind="stable")  # each segment's edges side by side, still in driving order
    times, lengths = loop.edge_time_s[order], network.length_m[loop.edges[order]]
    bounds = np.searchsorted(segment[order], np.arange(len(ring.segment_ids) + 1)).tolist()
    segments = []
    for index in dict.fromkeys(segment.tolist()):  # in the order the loop reaches them
        run = slice(bounds[index], bounds[index + 1])
        # add.reduce of a contiguous run: the same sum, to the bit, as .sum() of the edges picked by a mask
        time_s, length_m = float(np.add.reduce(times[run])), float(np.add.reduce(lengths[run]))
        segments.append({"id": ring.segment_ids[index], "name": ring.segment_names[index], "time_min": minutes(time_s),
                         "length_km": round(length_m / 1000, 3),
                         "speed_kph": round(length_m / time_s * 3.6, 1) if time_s > 0 else None})
    slowest = min(segments, key=lambda s: s["speed_kph"] if s["speed_kph"] is not None else math.inf)
    time_min = minutes(loop.time_s)
    return {"complete": True, "time_min": time_min, "pass": time_min <= limits.loop_threshold_min,
            "segments": segments, "slowest_segment": slowest,
            "edges": [list(study.ring_node_ids[i]) for i in at.tolist()],
            "gaps": []}


def verdict(coverage: dict, blocks: list[dict], loop: dict, limits: Limits, *, network: dict) -> dict:
    """Overall pass/fail: corridor coverage of the served area, every block within the threshold, and the loop
    both ways; states which area counts and how much of the corridor no road serves."""
    outside = [b["id"] for b in blocks if b["status"] == OUTSIDE_NETWORK]
    slow = [b["id"] for b in blocks if not b["pass"] and b["status"] != OUTSIDE_NETWORK]
    zh, en = _coverage_clauses(coverage, limits)
    block_zh, block_en = _block_clauses(len(blocks), slow, outside, limits.threshold_min)
    zh.append(block_zh)
    en.append(block_en)
    if not loop["complete"]:
        gone = "、".join(f"{s['name']}（{s['id']}）" for s in loop["missing_segments"])
        zh.append(f"环线不连通，缺：{gone or '环线几何未闭合'}")
        en.append("the ring cannot be driven all the way round; missing: "
                  + (", ".join(f"{s['name']} ({s['id']})" for s in loop["missing_segments"]) or "ring not closed"))
    else:
        times = {k: d["time_min"] for k, d in loop["directions"].items()}
        zh.append("环线一圈 " + "、".join(f"{DIRECTION_ZH[k]} {v:.1f} 分钟" for k, v in times.items())
                  + f"（目标 {limits.loop_threshold_min:g} 分钟）")
        en.append("one loop of the ring takes " + ", ".join(f"{v:.1f} min {k}" for k, v in times.items())
                  + f" (target {limits.loop_threshold_min:g} min)")
    passed = bool(coverage["pass"]) and not slow and not outside and loop["pass"]
    if network.get("schematic"):
        zh.append("注意：基于示意路网，非真实道路")
        en.append("note: computed on a schematic network, not real roads")
    d = limits.max_cell_distance_m
    return {"pass": passed, "coverage_pass": bool(coverage["pass"]), "blocks_pass": not slow and not outside,
            "loop_pass": loop["pass"], "blocks_over_threshold": slow, "blocks_outside_network": outside,
            "counted_area": {"zh": SERVED_AREA_ZH.format(d=d), "en": SERVED_AREA_EN.format(d=d),
                             "area_km2": coverage["served_area_km2"]},
            "unserved_area": {"area_km2": coverage["unserved_area_km2"], "share": coverage["unserved_area_share"]},
            "zh": ("达标：" if passed else "未达标：") + "；".join(zh) + "。",
            "en": ("Pass: " if passed else "Fail: ") + "; ".join(en) + "."}


def _coverage_clauses(coverage: dict, limits: Limits) -> tuple[list[str], list[str]]:
    """The verdict's clauses on the corridor: the share of the served area in time (which area that is, the
    target and where it comes from) and the area no road serves."""
    t, target, d = limits.threshold_min, limits.coverage_target, limits.max_cell_distance_m
    reached = coverage["served_area_within"][limits.threshold_key] or 0.0
    source = _source(target, DEFAULT_COVERAGE_TARGET, ASSUMPTION)
    served, unserved = coverage["served_area_km2"], coverage["unserved_area_km2"]
    share = coverage["unserved_area_share"]
    zh = [f"走廊有路网服务区域（网格中心 {d:g} 米内有可从路侧进出的道路，{served:.1f} 平方公里）中 {reached:.1%} "
          f"可在 {t:g} 分钟内入环（目标 {target:.0%}，{SOURCE_ZH[source]}）",
          f"无道路服务区域 {unserved:.1f} 平方公里" + ("" if share is None else f"，占走廊 {share:.1%}")]
    en = [f"{reached:.1%} of the served corridor area (cells with a road with roadside access within {d:g} m: "
          f"{served:.1f} km²) reaches the ring within {t:g} min (target {target:.0%}, {source})",
          f"no road serves {unserved:.1f} km²" + ("" if share is None else f" ({share:.1%} of the corridor)")]
    return zh, en


def _block_clauses(n_blocks: int, slow: list[str], outside: list[str], threshold_min: float) -> tuple[str, str]:
    """The verdict's clause on the blocks: how many are too slow, and how many lie beyond the network."""
    t = threshold_min
    zh = f"{n_blocks} 个重点区块中 {len(slow)} 个超过 {t:g} 分钟" + (f"（{'、'.join(slow)}）" if slow else "")
    en = f"{len(slow)} of {n_blocks} key blocks take longer than {t:g} min" + (f" ({', '.join(slow)})" if slow else "")
    if outside:
        zh += f"，{len(outside)} 个{OUTSIDE_NETWORK_ZH}（{'、'.join(outside)}）"
        en += f", {len(outside)} lie {OUTSIDE_NETWORK_EN} ({', '.join(outside)})"
    return zh, en


def compare_sections(base: dict, planned: dict, projects: list[dict]) -> dict:
    """Side-by-side sections with per-district and per-block deltas (planned − baseline) and project effects."""
    return {
        "ring": {"baseline": base["ring"], "planned": planned["ring"]},
        "coverage": {"baseline": base["coverage"], "planned": planned["coverage"],
                     "delta": _share_deltas(base["coverage"], planned["coverage"])},
        "districts": [{"id": b["id"], "name": b["name"], "baseline": b, "planned": p, "delta": _share_deltas(b, p)}
                      for b, p in zip(base["districts"], planned["districts"])],
        "blocks": [{"id": b["id"], "name": b["name"], "district": b["district"], "baseline": b, "planned": p,
                    "delta_worst_min": _delta(b["worst_min"], p["worst_min"], 2),
                    "delta_median_min": _delta(b["median_min"], p["median_min"], 2)}
                   for b, p in zip(base["blocks"], planned["blocks"])],
        "ring_loop": {"baseline": base["ring_loop"], "planned": planned["ring_loop"]},
        "projects": projects,
        "verdict": {"pass": planned["verdict"]["pass"], "baseline": base["verdict"], "planned": planned["verdict"],
                    "zh": f"现状：{base['verdict']['zh']} 规划：{planned['verdict']['zh']}",
                    "en": f"Baseline — {base['verdict']['en']} Planned — {planned['verdict']['en']}"},
    }


def _share_deltas(base: dict, planned: dict) -> dict:
    return {key: {k: _delta(base[key][k], planned[key][k], 4) for k in base[key]}
            for key in ("road_within", "area_within", "served_area_within")}


def _delta(before: float | None, after: float | None, digits: int) -> float | None:
    return None if before is None or after is None else round(after - before, digits)


NOT_MATCHED_NOTE = "未与路网匹配（轨道交通项目，或路网未经 geo.access.plan_matching 匹配）"


def project_effect(project_id: str, name: str, n_edges: int, base: dict, with_project: dict | None,
                   limits: Limits, *, match: dict | None = None) -> dict:
    """One road project's own effect: the coverage within the threshold it adds to the baseline alone; ``match`` is
    how the project was found on the network (:meth:`geo.access.plan_matching.ProjectMatch.to_dict`), when it was."""
    key = limits.threshold_key
    row = {"id": project_id, "name": name, "edges": n_edges, "in_network": n_edges > 0, "rank": None,
           "area_within_gain": None, "road_within_gain": None, "served_area_km2_gain": None,
           "match": match or {"method": "none", "note": NOT_MATCHED_NOTE}}
    if with_project is not None:
        row.update(area_within_gain=_delta(base["area_within"][key], with_project["area_within"][key], 4),
                   road_within_gain=_delta(base["road_within"][key], with_project["road_within"][key], 4),
                   served_area_km2_gain=round(with_project["served_area_km2"] - base["served_area_km2"], 3))
    return row


def rank_projects(rows: list[dict]) -> list[dict]:
    """Order by the served area's gain (the headline figure), then the whole area's and the roads' (projects
    absent from the network last) and number the ranks from 1."""
    present = sorted((r for r in rows if r["in_network"]),
                     key=lambda r: (-(r.get("served_area_within_gain") or 0.0), -(r["area_within_gain"] or 0.0),
                                    -(r["road_within_gain"] or 0.0), r["id"]))
    for rank, row in enumerate(present, start=1):
        row["rank"] = rank
    return present + [r for r in rows if not r["in_network"]]
