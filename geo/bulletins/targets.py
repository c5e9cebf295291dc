"""The bulletin's target sections: 园区目标完成情况 (Attachment 1's targets against the parks' actual values) and
园区汇总 (one colour and the cell counts per park). Pure.

The targets are the plan year's (2021). A bulletin of a plan-year quarter compares each cell's year-to-date actual
for that quarter with its pro-rata share of the annual target (:mod:`geo.status.achievement`). The actual of a quarter is
the latest reported for it, whenever reported: actuals are keyed by their quarter and are normally reported after
it ends (:func:`geo.status.target_records.check_actual` refuses dates before it begins), so cutting them at the quarter's
last day, as the item reports are, would leave nearly every cell unreported; the /parks page shows the same values.
A bulletin of a later quarter shows the plan year's last quarter (the year's outcome); one of an earlier quarter
shows the plan year's first with nothing reported (the year had not begun). :attr:`TargetSections.note` says which
quarter the rows are for.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geo.status.achievement import park_summary, target_rows
from geo.plan.quarters import Quarter
from geo.status.colours import PLAN_YEAR_START, Thresholds
from geo.plan.target_plan import TargetPlan

logger = logging.getLogger(__name__)

PLAN_YEAR = PLAN_YEAR_START.year
TARGET_TABLE_COLUMNS: tuple[str, ...] = (
    "target_id", "action_name", "label", "unit", "park_name", "target", "expected", "actual", "achievement", "gap",
    "colour",
)
# park_summary's counts are of target cells by achievement colour (grey and "none" apart), unlike the bulletin's
# item counts where grey counts as yellow: they get names (and labels) of their own.
PARK_COUNTS: dict[str, str] = {"green": "green_cells", "yellow": "yellow_cells", "red": "red_cells",
                               "grey": "grey_cells", "none": "none_cells"}
PARK_TABLE_COLUMNS: tuple[str, ...] = ("park", "park_name", "colour", *PARK_COUNTS.values())
TARGET_COLUMN_LABELS: dict[str, str] = {
    "target_id": "指标编号", "action_name": "专项行动", "label": "指标", "unit": "单位", "park": "园区编号",
    "park_name": "园区", "target": "年度目标", "expected": "序时应完成", "actual": "累计完成",
    "achievement": "完成率（%）", "gap": "差距（百分点）", "green_cells": "绿（指标数）", "yellow_cells": "黄",
    "red_cells": "红", "grey_cells": "未上报", "none_cells": "无量化目标",
}


@dataclass(frozen=True)
class TargetSections:
    """The two target tables of a bulletin and the plan-year quarter they describe.

    ``targets`` has :data:`TARGET_TABLE_COLUMNS` (one row per target and park, or 合计), ``parks`` has
    :data:`PARK_TABLE_COLUMNS` (one row per park).
    """

    quarter: Quarter
    targets: pd.DataFrame
    parks: pd.DataFrame
    note: str


def plan_quarter(quarter: Quarter) -> Quarter:
    """The plan-year quarter a bulletin of ``quarter`` shows the targets for: itself within the plan year, the
    last one after it, the first one before it."""
    first, last = Quarter(PLAN_YEAR, 1), Quarter(PLAN_YEAR, 4)
    return min(max(quarter, first), last)


def annual_target(target: float | None, text: str) -> int | float | str:
    """The annual target as the table holds it: a number (whole numbers as ``int``), or ``text`` (无量化目标) for a
    cell without one, so that spreadsheets get numbers where the plan gives them."""
    if target is None or (isinstance(target, float) and pd.isna(target)):
        return text
    return int(target) if float(target).is_integer() else float(target)


def target_note(quarter: Quarter, shown: Quarter) -> str:
    """What the target tables compare, and for a bulletin outside the plan year which quarter they show."""
    note = (f"目标为附件1所列{PLAN_YEAR}年度目标；实际值为各园区上报的年度累计完成值，序时应完成值为年度目标×季度数/4"
            f"（增速类指标不折算）。")
    if quarter > shown:
        note += f"{quarter} 已超出目标年度，下表为 {shown}（全年）的完成情况。"
    elif quarter < shown:
        note += f"{quarter} 目标年度尚未开始，下表列出 {shown} 的目标，尚无实际值。"
    return note


def target_sections(plan: TargetPlan, actuals: Mapping[tuple[str, str, Quarter], float], quarter: Quarter, *,
                    thresholds: Thresholds = Thresholds()) -> TargetSections:
    """The target tables of the bulletin of ``quarter`` from the actual values reported
    (:func:`geo.status.target_records.actual_values` of :func:`geo.status.target_records.latest_actuals`)."""
    shown = plan_quarter(quarter)
    rows = target_rows(plan, actuals if quarter >= shown else {}, shown, thresholds=thresholds)
    rows["target"] = pd.Series([annual_target(t, text) for t, text in zip(rows["target"], rows["target_text"])],
                               index=rows.index, dtype=object)
    parks = park_summary(rows, thresholds=thresholds).rename(columns=PARK_COUNTS)
    logger.info("bulletin %s: %d target cells for %s", quarter, len(rows), shown)
    return TargetSections(quarter=shown, targets=rows[list(TARGET_TABLE_COLUMNS)].reset_index(drop=True),
                          parks=parks[list(PARK_TABLE_COLUMNS)].reset_index(drop=True),
                          note=target_note(quarter, shown))
