"""Quarterly bulletins (季度通报): every block, project, task and department task as of a quarter's last day, and
the parks' targets against their actual values.

The items are the 13 blocks, the 17 transport projects (ring segments are parts of projects, not items of the
plan's lists, so they are left out), the 76 tasks and Attachment 3's 74 department tasks. Colours follow
:mod:`geo.status.colours`; in the counts an unreported (grey) item counts as yellow, and the ``unreported`` column says how
many of the yellow ones are that. Roads name no district in the plan, so the district table lists them together
under :data:`ROADS_DISTRICT`; department tasks are the city departments' and come under
:data:`DEPARTMENT_DISTRICT`, each listed by its lead unit (:func:`geo.plan.target_plan.lead_of`). The two target tables
(园区目标完成情况, 园区汇总) come from :mod:`geo.bulletins.targets`, the list of lagging items (滞后事项清单: every yellow
and red item with its lead unit, progress and what is overdue, by district) from :mod:`geo.bulletins.lagging`. The
files (CSV, XLSX) are written by :mod:`geo.bulletins.files`.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from geo.status.achievement import ACHIEVEMENT_LABELS
from geo.bulletins.lagging import (
    LAGGING_LABELS, TARGET_KIND, ZONE_DISTRICT, lagging_items, lagging_table, lagging_targets,
)
from geo.bulletins.targets import TARGET_COLUMN_LABELS, target_sections
from geo.status.merged import merge_states, status_rows
from geo.plan.layers import PlanData
from geo.plan.quarters import Quarter
from geo.plan.schema import PLAN_DISTRICTS
from geo.status.snapshot import ItemState, item_states
from geo.status.colours import COLOUR_LABELS, COLOURS, GREY, RED, Thresholds, bulletin_colour
from geo.status.store import Store
from geo.plan.target_plan import DEPARTMENT_TASKS_LAYER, TargetPlan, lead_of
from geo.status.target_records import actual_values, latest_actuals
from geo.plan.targets import DepartmentTask

logger = logging.getLogger(__name__)

KIND_LABELS: dict[str, str] = {"blocks": "重点区块", "roads": "交通项目", "tasks": "环境整治任务",
                               DEPARTMENT_TASKS_LAYER: "部门工作任务", TARGET_KIND: "园区目标（附件1）"}
ROADS_DISTRICT = "市级交通项目（跨区域）"
DEPARTMENT_DISTRICT = "市直部门任务"
NAME_CHARS = 40  # a department task's name: its text up to this many characters
COUNT_COLUMNS: tuple[str, ...] = (*COLOURS, "unreported", "closed", "total")
ITEM_COLUMNS: tuple[str, ...] = (
    "kind", "id", "name", "district", "lead_unit", "state", "percent", "expected_percent", "colour",
    "reported_colour", "colour_mismatch", "stale", "last_reported_on", "closed", "closed_on", "close_note",
)
COLUMN_LABELS: dict[str, str] = {
    "green": "绿", "yellow": "黄（含未上报）", "red": "红", "unreported": "其中未上报",
    "closed": "已销号", "total": "合计", "kind": "类别", "id": "编号", "name": "名称", "district": "地区",
    "lead_unit": "牵头单位", "state": "状态", "percent": "完成进度（%）", "expected_percent": "应完成进度（%）",
    "colour": "计算颜色", "reported_colour": "上报颜色", "colour_mismatch": "颜色不一致", "stale": "超一季度未上报",
    "last_reported_on": "最近上报日期", "closed_on": "销号日期", "close_note": "销号说明",
    **TARGET_COLUMN_LABELS, **LAGGING_LABELS,
}
TABLE_TITLES: dict[str, str] = {
    "by_colour": "按颜色统计", "by_district": "按地区统计", "by_lead_unit": "按牵头单位统计",
    "red_items": "红色事项", "lagging": "滞后事项清单", "closed_items": "已销号事项", "mismatches": "颜色不一致事项",
    "park_targets": "园区目标完成情况", "park_summary": "园区汇总", "items": "全部事项",
}
TARGET_TABLES: tuple[str, ...] = ("park_targets", "park_summary")
DISTRICT_ORDER: tuple[str, ...] = (*PLAN_DISTRICTS, ROADS_DISTRICT, DEPARTMENT_DISTRICT, ZONE_DISTRICT)
DISPLAY_COLOURS: dict[str, str] = {**COLOUR_LABELS, **ACHIEVEMENT_LABELS}


@dataclass(frozen=True)
class Bulletin:
    """A quarter's bulletin: the item table and the tables derived from it, the parks' target tables and the
    plan-year quarter these describe (``target_quarter``, explained by ``target_note``); columns:
    :data:`COLUMN_LABELS`."""

    quarter: Quarter
    items: pd.DataFrame
    by_colour: pd.DataFrame
    by_district: pd.DataFrame
    by_lead_unit: pd.DataFrame
    red_items: pd.DataFrame
    lagging: pd.DataFrame
    closed_items: pd.DataFrame
    mismatches: pd.DataFrame
    park_targets: pd.DataFrame
    park_summary: pd.DataFrame
    target_quarter: Quarter
    target_note: str

    @property
    def as_of(self) -> date:
        """The day the bulletin describes: the quarter's last day."""
        return self.quarter.end

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables in bulletin order, keyed as :data:`TABLE_TITLES`."""
        return {name: getattr(self, name) for name in TABLE_TITLES}

    def notes(self) -> dict[str, str]:
        """A note to print with a table, by table name (the target tables': which targets, which quarter)."""
        return dict.fromkeys(TARGET_TABLES, self.target_note)


def department_name(task: DepartmentTask) -> str:
    """A department task's name in the bulletin: its text, shortened to :data:`NAME_CHARS` characters."""
    return task.text if len(task.text) <= NAME_CHARS else task.text[:NAME_CHARS - 1] + "…"


def department_items(targets: TargetPlan, states: Mapping[str, ItemState], *, as_of: date,
                     thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """One row per department task (:data:`ITEM_COLUMNS`), coloured as of ``as_of``."""
    ids = [task.id for task in targets.department_tasks]
    rows = status_rows(states, ids, as_of=as_of, thresholds=thresholds)
    records = [{**rows[task.id], "kind": DEPARTMENT_TASKS_LAYER, "id": task.id, "name": department_name(task),
                "district": DEPARTMENT_DISTRICT, "lead_unit": lead_of(task)} for task in targets.department_tasks]
    return pd.DataFrame(records, columns=list(ITEM_COLUMNS), dtype=object)


def bulletin_items(plan: PlanData, states: Mapping[str, ItemState], *, targets: TargetPlan, as_of: date,
                   thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """One row per block, transport project, task and department task (:data:`ITEM_COLUMNS`), coloured as of
    ``as_of``."""
    merged = merge_states(plan, states, as_of=as_of, thresholds=thresholds)
    frames = []
    for kind in ("blocks", "roads", "tasks"):
        layer = pd.DataFrame(getattr(merged, kind).drop(columns="geometry"))
        if kind == "roads":
            layer = layer[layer["category"] != "ring"].assign(district=ROADS_DISTRICT)
        frames.append(layer.assign(kind=kind)[list(ITEM_COLUMNS)])
    frames.append(department_items(targets, states, as_of=as_of, thresholds=thresholds))
    return pd.concat(frames, ignore_index=True)


def count_by(items: pd.DataFrame, key: str | None, *, order: list[str] | None = None) -> pd.DataFrame:
    """Counts per value of ``key`` (``None``: one row 合计 for all, in a ``kind`` column): each bulletin colour,
    unreported, closed, total; groups in ``order`` first, then the rest sorted."""
    groups = items[key] if key is not None else pd.Series("合计", index=items.index)
    counted = pd.DataFrame({
        **{colour: items["colour"].map(bulletin_colour) == colour for colour in COLOURS},
        "unreported": items["colour"] == GREY, "closed": items["closed"].astype(bool),
        "total": True,
    }).groupby(groups, sort=False).sum().astype(int)
    if order is not None:
        counted = counted.reindex([g for g in order if g in counted.index] +
                                  sorted(g for g in counted.index if g not in order))
    name = key or "kind"
    return counted.rename_axis(name).reset_index()[[name, *COUNT_COLUMNS]]


def build_bulletin(plan: PlanData, states: Mapping[str, ItemState], quarter: Quarter, *, targets: TargetPlan,
                   actuals: Mapping[tuple[str, str, Quarter], float],
                   thresholds: Thresholds = Thresholds()) -> Bulletin:
    """The bulletin for ``quarter`` from item states read as of its last day and the targets' actual values
    (:func:`geo.status.target_records.actual_values`; which quarter's count: :mod:`geo.bulletins.targets`). Pure."""
    items = bulletin_items(plan, states, targets=targets, as_of=quarter.end, thresholds=thresholds)
    sections = target_sections(targets, actuals, quarter, thresholds=thresholds)
    behind = lagging_items(items, states, as_of=quarter.end, thresholds=thresholds)
    # Outside the plan year the target tables show another quarter: nothing of theirs is overdue in this one.
    cells = lagging_targets(sections.targets, targets, quarter) if sections.quarter == quarter else behind.iloc[:0]
    by_kind = count_by(items.assign(kind=items["kind"].map(KIND_LABELS)), "kind",
                       order=list(KIND_LABELS.values()))
    return Bulletin(
        quarter=quarter, items=items,
        by_colour=pd.concat([by_kind, count_by(items, None)], ignore_index=True),
        by_district=count_by(items, "district", order=list(DISTRICT_ORDER)),
        by_lead_unit=count_by(items, "lead_unit"),
        red_items=items[items["colour"] == RED].reset_index(drop=True),
        lagging=lagging_table(behind, cells, district_order=DISTRICT_ORDER, kind_order=list(KIND_LABELS)),
        closed_items=items[items["closed"].astype(bool)].reset_index(drop=True),
        mismatches=items[items["colour_mismatch"].astype(bool)].reset_index(drop=True),
        park_targets=sections.targets, park_summary=sections.parks, target_quarter=sections.quarter,
        target_note=sections.note,
    )


def quarterly_bulletin(store: Store, plan: PlanData, quarter: Quarter, *, targets: TargetPlan,
                       thresholds: Thresholds = Thresholds()) -> Bulletin:
    """The bulletin for ``quarter`` from the database: reports dated up to its last day, events effective by then,
    and the latest actual value of each target cell (see :mod:`geo.bulletins.targets` for why not cut by date)."""
    actuals = actual_values(latest_actuals(store))
    return build_bulletin(plan, item_states(store, as_of=quarter.end), quarter, targets=targets, actuals=actuals,
                          thresholds=thresholds)


def display_value(column: str, value: object) -> object:
    """A cell as tables show it: colours and kinds in Chinese, 是/否, floats to one decimal, missing as ""."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if column in ("colour", "reported_colour"):
        return DISPLAY_COLOURS.get(value, value)
    if column == "kind":
        return KIND_LABELS.get(value, value)
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, float):
        return round(value, 1)
    return value.item() if hasattr(value, "item") else value


def table_rows(table: pd.DataFrame) -> list[list[object]]:
    """The table as display rows: Chinese headers first, then cells (:func:`display_value`)."""
    header = [COLUMN_LABELS.get(column, column) for column in table.columns]
    return [header, *([display_value(column, value) for column, value in zip(table.columns, row)]
                      for row in table.itertuples(index=False))]


def bulletin_title(bulletin: Bulletin) -> str:
    """The bulletin's title, with the quarter and the day it is judged as of."""
    return f"环大罗山科创走廊 {bulletin.quarter} 季度通报（截至 {bulletin.as_of.isoformat()}）"
