"""The accessibility report's figures as tables with Chinese headings: what the 可达性 page shows and the exports hold.

One :class:`Table` per concern — the headline verdict, the plan areas, the key blocks, the ring loop and (for a
comparison) each road project's own effect — built from a report of :func:`geo.access.check.check_access`, single
scenario or ``compare``. Cells hold plain values: numbers as numbers (percentages as 0–100, changes in percentage
points), ``None`` where there is no figure, text for verdicts and notes. :func:`parameter_rows` states what the
figures were computed with: the scenario, the congestion, each threshold with its source, the network.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from geo.access.districts import STATUS_ZH
from geo.access.ranking import worst_loop_min
from geo.access.report import DIRECTION_ZH, OUTSIDE_NETWORK, SOURCE_ZH

logger = logging.getLogger(__name__)

SCENARIO_ZH = {"baseline": "现状", "planned": "规划", "current": "现状+已通车项目", "compare": "现状与规划对比"}
SCENARIO_TITLES = {"baseline": "现状（不含在建道路）", "planned": "规划（全部道路项目建成）",
                   "current": "现状+已通车项目（按进度状态）", "compare": "现状与规划对比"}
UNIT_SUFFIX = {"percent": "（%）", "points": "（百分点）", "min": "（分钟）", "km2": "（平方公里）", "km": "（公里）"}
PASS_ZH = {True: "达标", False: "未达标", None: "无法评估"}
THRESHOLD_ZH = {"threshold_min": "入环时间（10分钟入环）", "loop_threshold_min": "环线一圈时间（30分钟通环）",
                "coverage_target": "覆盖率目标", "max_cell_distance_m": "有路网服务的距离",
                "access_speed_kph": "接驳速度", "max_snap_distance_m": "区块中心到路网节点的距离上限"}
MATCH_ZH = {"osm-name": "按道路名称", "ring-segment": "环线路段", "map-matched": "地图匹配", "none": "未找到",
            "rail": "轨道交通（不计入道路网络）"}


@dataclass(frozen=True)
class Column:
    """A table column: its key, its Chinese heading (without the unit) and the unit of its cells.

    ``unit`` is one of ``text``, ``verdict`` (达标/未达标/无法评估), ``number`` (its unit in another column),
    ``percent`` (0–100), ``points`` (a change in percentage points), ``min``, ``km2``, ``km``, ``count``.
    """

    key: str
    label: str
    unit: str = "text"

    @property
    def heading(self) -> str:
        """The heading with its unit, e.g. ``10分钟内入环比例·现状（%）``."""
        return self.label + UNIT_SUFFIX.get(self.unit, "")


@dataclass(frozen=True)
class Table:
    """A titled table: ``rows`` hold one value per column (``None``: no figure)."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]

    def records(self) -> list[dict]:
        """The rows as dicts keyed by column key (what a page template reads)."""
        keys = [column.key for column in self.columns]
        return [dict(zip(keys, row)) for row in self.rows]


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 2)


def _scenarios(report: dict) -> list[tuple[str, dict]]:
    """``(scenario, sections)`` per scenario of ``report``: one for a single scenario, ``baseline`` and ``planned``
    for ``compare``."""
    if report["params"]["scenario"] != "compare":
        return [(report["params"]["scenario"], report)]
    return [(name, {"coverage": report["coverage"][name], "verdict": report["verdict"][name],
                                 "ring_loop": report["ring_loop"][name],
                                 "districts": [d[name] for d in report["districts"]],
                                 "blocks": [b[name] for b in report["blocks"]]})
            for name in ("baseline", "planned")]


def _threshold(report: dict, name: str) -> dict:
    return next(t for t in report["params"]["thresholds"] if t["name"] == name)


def source_text(threshold: dict) -> str:
    """Where a threshold comes from, in Chinese: the plan's words with their line, or the project's setting."""
    if threshold["source"] == "plan":
        return f"{SOURCE_ZH['plan']}「{threshold['plan_quote']}」（实施方案第{threshold['plan_line']}行）"
    if threshold["source"] == "option":
        default = threshold["default"] * 100 if threshold["unit"] == "share" else threshold["default"]
        unit = "%" if threshold["unit"] == "share" else f" {threshold['unit']}"
        return f"{SOURCE_ZH['option']}（默认 {default:g}{unit}，{SOURCE_ZH.get(threshold['default_source'], '')}）"
    return SOURCE_ZH[threshold["source"]]


def tables(report: dict) -> list[Table]:
    """Every table of ``report``: headline, areas, blocks, ring loop, and for ``compare`` the project ranking."""
    out = [headline_table(report), district_table(report), block_table(report), loop_table(report)]
    if report["params"]["scenario"] == "compare":
        out.append(ranking_table(report))
    return out


def _per_scenario(report: dict, key: str, label: str, unit: str, *, change: str | None = None) -> list[Column]:
    """One column per scenario (key ``value_baseline``, heading ``label·现状`` …), plus the change (planned −
    baseline, key ``value_change``) for ``compare``."""
    scenarios = _scenarios(report)
    if len(scenarios) == 1:
        return [Column(key, label, unit)]
    columns = [Column(f"{key}_{name}", f"{label}·{SCENARIO_ZH[name]}", unit) for name, _ in scenarios]
    return columns + ([Column(f"{key}_change", f"{label}·变化", change)] if change else [])


def _values(per_scenario: Sequence, *, change: str | None, digits: int = 2) -> list:
    """The scenarios' values, and for two scenarios their change when ``change`` (a unit) is asked for."""
    values = list(per_scenario)
    if len(values) == 2 and change:
        before, after = values
        values.append(None if before is None or after is None else round(after - before, digits))
    return values


def headline_table(report: dict) -> Table:
    """The verdict's figures: the served area in time, the area no road serves, the blocks, the loop, overall."""
    scenarios = _scenarios(report)
    limit = report["params"]["threshold_min"]
    key = f"{limit:g}"
    target, loop_limit = _threshold(report, "coverage_target"), _threshold(report, "loop_threshold_min")
    block_limit = _threshold(report, "threshold_min")
    columns = (Column("item", "检验项"), *_per_scenario(report, "value", "数值", "number", change="number"),
               Column("unit", "单位"), Column("target", "目标", "number"), Column("source", "目标来源"),
               *_per_scenario(report, "verdict", "结论", "verdict"))
    rows = [
        ("有路网服务区域 " + f"{limit:g} 分钟内入环比例", [_percent(s["coverage"]["served_area_within"][key])
                                                 for _, s in scenarios], "%", round(target["value"] * 100, 2),
         source_text(target), [PASS_ZH[s["verdict"]["coverage_pass"]] for _, s in scenarios]),
        ("无道路服务区域（不计入比例）", [s["coverage"]["unserved_area_km2"] for _, s in scenarios], "平方公里", None,
         "—", ["—" for _ in scenarios]),
        (f"超过 {limit:g} 分钟入环的重点区块", [len(s["verdict"]["blocks_over_threshold"]) for _, s in scenarios], "个",
         0, source_text(block_limit), [PASS_ZH[not s["verdict"]["blocks_over_threshold"]] for _, s in scenarios]),
        ("超出路网覆盖范围的重点区块", [len(s["verdict"]["blocks_outside_network"]) for _, s in scenarios], "个", 0,
         source_text(block_limit), [PASS_ZH[not s["verdict"]["blocks_outside_network"]] for _, s in scenarios]),
        ("环线一圈（较慢方向）", [worst_loop_min(s["ring_loop"]) for _, s in scenarios], "分钟", loop_limit["value"],
         source_text(loop_limit), [_loop_verdict(s["ring_loop"]) for _, s in scenarios]),
        ("总体结论", [None for _ in scenarios], "", None, "以上各项均达标",
         [PASS_ZH[s["verdict"]["pass"]] for _, s in scenarios]),
    ]
    return Table("headline", "结论", columns, tuple(
        (item, *_values(values, change="number"), unit, target_value, source, *verdicts)
        for item, values, unit, target_value, source, verdicts in rows))


def _loop_verdict(loop: dict) -> str:
    if not loop["complete"]:
        missing = "、".join(s["name"] for s in loop["missing_segments"])
        return f"未达标（环线不连通{'，缺' + missing if missing else ''}）"
    return PASS_ZH[loop["pass"]]


def district_table(report: dict) -> Table:
    """Each plan area: its area, the served share in time, road length in time, and its own verdict with reasons."""
    scenarios = _scenarios(report)
    key = f"{report['params']['threshold_min']:g}"
    limit = report["params"]["threshold_min"]
    columns = (Column("id", "编号"), Column("name", "地区"), Column("area_km2", "走廊内面积", "km2"),
               Column("unserved_km2", "无道路服务面积", "km2"),
               *_per_scenario(report, "served", f"有路网服务区域{limit:g}分钟内入环比例", "percent", change="points"),
               *_per_scenario(report, "roads", f"道路里程{limit:g}分钟内比例", "percent"),
               *_per_scenario(report, "verdict", "结论", "verdict"), Column("reason", "原因"))
    rows = []
    areas = [[s["coverage"]] + s["districts"] for _, s in scenarios]
    for rows_of_area in zip(*areas):
        first, last = rows_of_area[0], rows_of_area[-1]
        verdicts = [PASS_ZH[a["pass"]] if "verdict" not in a else STATUS_ZH[a["verdict"]["status"]]
                    for a in rows_of_area]
        reason = ("；".join(r["zh"] for r in last["verdict"]["reasons"]) if "verdict" in last
                  else "走廊整体，此处仅计覆盖率；总体结论见“结论”表")
        rows.append((first["id"], first["name"], first["area_km2"], last["unserved_area_km2"],
                     *_values([_percent(a["served_area_within"][key]) for a in rows_of_area], change="points"),
                     *[_percent(a["road_within"][key]) for a in rows_of_area], *verdicts, reason))
    return Table("districts", "分区", columns, tuple(rows))


def block_table(report: dict) -> Table:
    """Each key block: worst and median time to the ring (minutes), its verdict, and how it was measured."""
    scenarios = _scenarios(report)
    columns = (Column("id", "编号"), Column("name", "重点区块"), Column("district", "地区"),
               *_per_scenario(report, "worst", "最不利入环时间", "min", change="min"),
               *_per_scenario(report, "median", "中位入环时间", "min"),
               *_per_scenario(report, "verdict", "结论", "verdict"), Column("note", "说明"))
    rows = []
    for rows_of_block in zip(*[s["blocks"] for _, s in scenarios]):
        first, last = rows_of_block[0], rows_of_block[-1]
        rows.append((first["id"], first["name"], first["district"],
                     *_values([b["worst_min"] for b in rows_of_block], change="min"),
                     *[b["median_min"] for b in rows_of_block],
                     *[_block_verdict(b) for b in rows_of_block], _block_note(last)))
    return Table("blocks", "重点区块", columns, tuple(rows))


def _block_verdict(block: dict) -> str:
    if block["status"] == OUTSIDE_NETWORK:
        return "未达标（超出路网覆盖范围）"
    if block["worst_min"] is None:
        return "未达标（不可达）"
    return PASS_ZH[block["pass"]]


def _block_note(block: dict) -> str:
    if block["status"] == OUTSIDE_NETWORK:
        return block["reason"].split(" / ")[0]
    if block["measured_at"] == "nearest_node":
        return f"区块内无路网节点，按中心最近节点（{block['nearest_node_m']:.0f} 米外）计"
    return ""


def loop_table(report: dict) -> Table:
    """The ring loop each way: time, slowest segment, verdict, and what is missing when it is broken."""
    scenarios = _scenarios(report)
    columns = (Column("direction", "方向"), *_per_scenario(report, "time", "环线一圈用时", "min", change="min"),
               Column("slowest", "最慢路段"), *_per_scenario(report, "verdict", "结论", "verdict"))
    rows = []
    for direction in ("clockwise", "counterclockwise"):
        loops = [s["ring_loop"]["directions"][direction] for _, s in scenarios]
        whole = [s["ring_loop"] for _, s in scenarios]
        slowest = loops[-1]["slowest_segment"]
        rows.append((DIRECTION_ZH[direction], *_values([d["time_min"] for d in loops], change="min"),
                     slowest["name"] if slowest else "—",
                     *[_loop_verdict(w) if not d["complete"] else PASS_ZH[d["pass"]] for d, w in zip(loops, whole)]))
    return Table("loop", "环线", columns, tuple(rows))


def ranking_table(report: dict) -> Table:
    """Each road project's own effect (the baseline plus that project alone), ranked, with its share of the gain."""
    limit = report["params"]["threshold_min"]
    columns = (Column("rank", "排名", "count"), Column("id", "编号"), Column("name", "道路项目"),
               Column("gain", f"有路网服务区域{limit:g}分钟内入环比例提升", "points"),
               Column("share", "占全部项目建成增幅", "percent"),
               Column("road_gain", f"道路里程{limit:g}分钟内比例提升", "points"),
               Column("ring_gaps_km", "单独建成后环线缺口", "km"),
               Column("ring_loop_min", "单独建成后环线一圈·较慢方向", "min"),
               Column("match", "路网中的识别方式"))
    rows = tuple((p["rank"], p["id"], p["name"], _percent(p["served_area_within_gain"]),
                  _percent(p["share_of_total_gain"]), _percent(p["road_within_gain"]),
                  p["ring_gaps_km"] if p["in_network"] else None, p["ring_loop_min"],
                  _match_text(p)) for p in report["projects"])
    return Table("ranking", "道路项目排名", columns, rows)


def _match_text(project: dict) -> str:
    match = project["match"]
    how = MATCH_ZH.get(match["method"], match["method"])
    return how if project["in_network"] else f"{how}：{match['note']}"


def parameter_rows(report: dict) -> list[tuple[str, object, str]]:
    """``(name, value, note)`` of what the figures were computed with: scenario, congestion, thresholds, network."""
    params, network = report["params"], report["network"]
    rows = [("情景", SCENARIO_TITLES[params["scenario"]], ""),
            ("拥堵系数（车速倍数）", params["congestion"], "1 为畅行，高峰约 0.6")]
    if "open_to_traffic" in report:
        opened = report["open_to_traffic"]
        rows.append(("已通车道路项目", "、".join(f"{p['id']} {p['name']}（{p['basis_zh']} {p['since']}）"
                                            for p in opened["projects"]) or "无",
                     f"截至 {opened['as_of']}；{opened['rule']['zh']}"))
    for threshold in params["thresholds"]:
        value = threshold["value"] * 100 if threshold["unit"] == "share" else threshold["value"]
        unit = {"share": "%", "min": "分钟", "m": "米", "km/h": "公里/小时"}[threshold["unit"]]
        rows.append((THRESHOLD_ZH[threshold["name"]], f"{value:g} {unit}",
                     f"{source_text(threshold)}：{threshold['zh'].split('：', 1)[-1]}"))
    rows += [("路网来源", network["label"], network.get("attribution") or ""),
             ("路网规模", f"{network['nodes']} 个节点，{network['edges']} 条有向边", network.get("extract") or "")]
    return rows
