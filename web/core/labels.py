"""Chinese labels for the UI: property names, coded values, map groups, the approximate-position notice and the
plan's transport counts beside the map's."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.plan.schema import PLAN_TRANSPORT_TOTAL, PLAN_TRANSPORT_TOTAL_PARTS
from geo.plan.transport_counts import TRANSIT, TransportCounts
from web.core.popups import popup_spec
from web.core.status import STATUS_COLORS

FIELD_LABELS: dict[str, str] = {
    "id": "编号", "name": "名称", "name_source": "名称来源", "name_en": "英文名称（本项目译名）", "district": "地区",
    "districts": "涉及地区", "tier": "区块等级", "new_in_2021": "2021年新布局", "category": "类别", "kind": "类型",
    "block_id": "所属区块", "road_name": "道路名称", "target_2021": "2021年任务目标（规划原文）",
    "target_2021_line": "目标原文所在行（规划文本）", "lead_unit": "牵头单位（规划原文）",
    "responsible_unit": "责任单位（规划原文）", "responsible_unit_derived": "责任单位细化（推导，非规划原文）",
    "responsible_unit_basis": "细化推导依据", "project_id": "建设项目", "components": "组成（本项目占位说明）",
    "adcode": "行政区划代码",
    "source": "数据来源", "geometry_source": "位置来源", "anchor": "近似位置的定位依据",
    "anchor_shift_m": "按地名重新定位移动（米）", "status": "状态", "status_color": "状态颜色",
    "worst_min": "入环时间·最不利（分钟）", "median_min": "入环时间·中位（分钟）", "access_pass": "10分钟入环",
    "access_status": "入环测算",
    "measured_at": "测算位置", "nearest_node_m": "距最近路网节点（米）", "node_id": "路网节点",
    "band": "时间带", "from_min": "起（分钟）", "to_min": "止（分钟）", "label_zh": "入环时间", "area_km2": "面积（平方公里）",
    "progress_state": "进展状态", "progress_percent": "完成进度（%）", "expected_percent": "应完成进度（%）",
    "last_reported_on": "最近上报日期", "reporter": "上报人", "progress_note": "进展说明", "reported_colour": "上报颜色",
    "colour_mismatch": "上报颜色与计算颜色不一致", "stale": "超一季度未上报", "closed": "已销号", "closed_on": "销号日期",
    "closed_by": "销号人", "close_note": "销号说明", "status_as_of": "颜色判定日期（北京时间）", "version": "版本",
    "osm_names": "OpenStreetMap 道路名称",
    "matched_length_m": "匹配长度（米）", "match_note": "匹配说明",
}
VALUE_LABELS: dict[str, dict[str, str]] = {
    "category": {"road_complete_2021": "道路建成（2021年）", "road_continuing": "道路续建", "transit": "公交线路及首末站",
                 "ring": "环山路环线"},
    "kind": {"block": "重点区块整治", "ring_road": "重要环线道路整治", "district": "行政区",
             "functional_zone": "功能区", "corridor": "科创走廊研究范围"},
    "geometry_source": {"approximate": "近似", "provisional": "临时占位",
                        "surveyed": "测绘", "osm-matched": "OpenStreetMap 匹配，待核实",
                        "hand_drawn": "手绘", "uploaded": "上传文件（来源未注明）"},
    "name_source": {"plan": "规划原文", "derived": "据规划推导（见数据说明）", "project": "本项目拟定，非规划原文，待规划确认"},
    "status_color": {key: label for key, (label, _) in STATUS_COLORS.items()},
    "reported_colour": {key: label for key, (label, _) in STATUS_COLORS.items()},
    "measured_at": {"block_nodes": "区块内路网节点", "nearest_node": "区块中心最近的路网节点"},
    "access_status": {"measured": "已测算", "outside_network": "超出路网覆盖范围（未达标）"},
}
# The map's category filter spans layers: each feature belongs to one group.
GROUP_LABELS: dict[str, str] = {
    "block": "重点区块", "road_complete_2021": "道路建成（2021年）", "road_continuing": "道路续建",
    "transit": "公交线路及首末站", "ring": "环山路环线", "task_block": "重点区块环境整治",
    "task_ring_road": "重要环线道路整治",
}
APPROXIMATE_NOTICE: dict[str, str] = {
    "approximate": "位置为近似，约1–2公里精度",
    "provisional": "位置为临时占位：规划未给出位置，待规划人员指定",
    "osm-matched": "走向由规划近似线匹配到 OpenStreetMap 道路得出，请规划人员核实",
}

# Block names are written on the map from this zoom on (about 1:70 000, where a block is a few hundred pixels
# wide); below it they would cover one another.
NAME_LABEL_MIN_ZOOM = 13

# The ring's course and the road network come from OpenStreetMap (ODbL): credited on every map, whatever the tiles.
OSM_DATA_ATTRIBUTION = ('环线与路网数据 &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                        'contributors（ODbL）')


def group_of(layer: str, properties: Mapping[str, Any]) -> str:
    """The map group (category filter value) of a feature of ``layer``."""
    if layer == "blocks":
        return "block"
    if layer == "tasks":
        return f"task_{properties['kind']}"
    return str(properties["category"])


def display_value(field: str, value: object) -> str:
    """A property value as shown in tables and popups."""
    if value is None:
        return "—"
    if isinstance(value, bool) and field.endswith("pass"):
        return "达标" if value else "未达标"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(map(str, value))
    return VALUE_LABELS.get(field, {}).get(str(value), str(value))


def map_options() -> dict[str, Any]:
    """Labels the map script needs (popups and their field order, groups, notices, status colours, block names)."""
    return {"attribution": OSM_DATA_ATTRIBUTION, "fieldLabels": FIELD_LABELS, "valueLabels": VALUE_LABELS,
            "groupLabels": GROUP_LABELS, **popup_spec(FIELD_LABELS),
            "notices": APPROXIMATE_NOTICE, "itemPath": "/items/",
            "statusColors": {key: hex_ for key, (_, hex_) in STATUS_COLORS.items()},
            "nameLabels": {"layer": "blocks", "minZoom": NAME_LABEL_MIN_ZOOM}}


@dataclass(frozen=True)
class TransportTexts:
    """Wherever the UI counts the transport items: a short ``label`` and the ``note`` that explains it."""

    label: str
    note: str


def transport_texts(counts: TransportCounts) -> TransportTexts:
    """The plan's 17项 as the plan states it, the map's count beside it, and why they differ (docs/data-model.md)."""
    total, parts = PLAN_TRANSPORT_TOTAL, PLAN_TRANSPORT_TOTAL_PARTS
    continuing = counts.row("road_continuing")
    transit = counts.row(TRANSIT)
    label = f"交通路网项目（规划称{total.figure}项；本数据{counts.items}项，见注）"
    note = (f"注：规划文本“{total.quote}”（第{total.line}行）即“{parts.quote}”（第{parts.line}行），只计道路；续建道路"
            f"规划写“{continuing.plan.quote}”，只列名{continuing.named}条（第{continuing.plan.line}行）。本数据{counts.items}项 = "
            f"道路{counts.roads}条 + 公交{counts.transit}项；“公交线路及首末站”在规划中是一行（第{transit.plan.line}行），"
            f"拆为{counts.transit}项是本项目的读法。")
    return TransportTexts(label=label, note=note)
