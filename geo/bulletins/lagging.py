"""The bulletin's list of lagging items (滞后事项清单): every yellow, red and unreported item, and every park target
behind schedule or unreported, each with its lead unit, progress and what is overdue, grouped by district. Pure.

The plan's 季度通报 names who is behind (二、保障措施: 「实行定期督查、三色管理、季度通报」). An item is listed when
its bulletin colour is yellow or red (:func:`geo.status.colours.bulletin_colour`: an unreported, grey item counts as
yellow); its colour column keeps grey so that 未上报 stays visible. What is overdue (:func:`item_overdue`) is
derived from the item's latest report, its milestones and its period, judged as of the quarter's last day.

A park target cell (Attachment 1) is listed when it is yellow, red or unreported for the quarter, under the park's
district and the lead unit of its special action (:mod:`geo.plan.action_leads`); the zone-wide rates have no park and
come under :data:`ZONE_DISTRICT`. The totals of per-park targets are left out: the park cells name who is behind.
Target cells are listed only for a bulletin of a plan-year quarter (outside it the target tables show another
quarter, see :mod:`geo.bulletins.targets`). Its ``percent`` is the actual as a share of the annual target and its
``expected_percent`` the share due, so that, as for items, the gap is ``expected_percent − percent``.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from geo.status.achievement import RATE_UNIT, TOTAL_NAME
from geo.plan.action_leads import action_lead
from geo.plan.quarters import Quarter
from geo.status.snapshot import ItemState
from geo.status.colours import (
    COMPLETED, GREEN, GREY, PAUSED, PLAN_YEAR_END, RED, YELLOW, Milestone, Thresholds, bulletin_colour, colour_for_gap,
)
from geo.plan.target_plan import TargetPlan
from geo.plan.targets import ZONE_WIDE

logger = logging.getLogger(__name__)

TARGET_KIND = "park_targets"
ZONE_DISTRICT = "自创区整体指标（附件1）"
LAGGING_COLUMNS: tuple[str, ...] = (
    "district", "kind", "id", "name", "lead_unit", "colour", "state", "percent", "expected_percent",
    "last_reported_on", "progress", "overdue",
)
LAGGING_LABELS: dict[str, str] = {"progress": "最新进展", "overdue": "滞后情况"}
COLOUR_ORDER: tuple[str, ...] = (RED, YELLOW, GREY)  # within a district: the furthest behind first
SEPARATOR = "；"


def _number(value: float, *, digits: int = 2) -> str:
    """A figure as the plan writes it: ``10``, ``2.5``, ``3.6`` (at most ``digits`` decimals)."""
    return f"{round(float(value), digits):g}"


def _points(value: float) -> str:
    """A percentage or a gap in percentage points, to one decimal: ``45.3``, ``30``."""
    return _number(value, digits=1)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def missed_milestone(milestones: Sequence[Milestone], *, percent: float | None, as_of: date) -> Milestone | None:
    """The latest milestone due by ``as_of`` that the reported ``percent`` (``None``: no report) falls short of."""
    missed = [m for m in milestones if m.due_on <= as_of and (percent is None or float(percent) < m.percent)]
    return max(missed, key=lambda m: m.due_on, default=None)


def item_overdue(row: Mapping[str, object], state: ItemState | None, *, as_of: date,
                 thresholds: Thresholds = Thresholds()) -> str:
    """What is overdue for a lagging item (a row of the bulletin's items), as of ``as_of``, in Chinese: no report,
    a report older than a quarter, a gap behind schedule, a pause, a missed milestone, a period that has ended."""
    percent = None if _missing(row["percent"]) else float(row["percent"])
    reasons: list[str] = []
    if row["colour"] == GREY:
        reasons.append(f"截至 {as_of.isoformat()} 未上报进展")
    if row["stale"]:
        days = (as_of - date.fromisoformat(str(row["last_reported_on"]))).days
        reasons.append(f"超一季度未上报（最近 {row['last_reported_on']} 上报，至 {as_of.isoformat()} 已 {days} 天）")
    if percent is not None and not _missing(row["expected_percent"]):
        expected = float(row["expected_percent"])
        if colour_for_gap(expected - percent, thresholds) != GREEN:
            severity = "严重滞后" if expected - percent > thresholds.red_gap else "进度滞后"
            reasons.append(f"{severity}：上报时应完成 {_points(expected)}%，实际 {_points(percent)}%，"
                           f"落后 {_points(expected - percent)} 个百分点")
    if row["state"] == PAUSED:
        reasons.append("项目暂停")
    state = state or ItemState(item_id=str(row["id"]))
    milestone = missed_milestone(state.milestones, percent=percent, as_of=as_of)
    if milestone is not None:
        reasons.append(f"里程碑 {milestone.due_on.isoformat()} 应完成 {_points(milestone.percent)}%，未达到")
    end = state.period_end or PLAN_YEAR_END
    if end <= as_of and row["state"] != COMPLETED:
        reasons.append(f"计划完成期限 {end.isoformat()} 已到，尚未完成")
    return SEPARATOR.join(reasons)


def lagging_items(items: pd.DataFrame, states: Mapping[str, ItemState], *, as_of: date,
                  thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """The yellow, red and unreported rows of the bulletin's ``items`` (:data:`LAGGING_COLUMNS`, unsorted)."""
    behind = items[items["colour"].map(bulletin_colour).isin((YELLOW, RED))]
    records = []
    for row in behind.to_dict("records"):
        state = states.get(row["id"])
        report = state.report if state is not None else None
        records.append({**{column: row.get(column) for column in LAGGING_COLUMNS},
                        "progress": report.note if report is not None else None,
                        "overdue": item_overdue(row, state, as_of=as_of, thresholds=thresholds)})
    return pd.DataFrame(records, columns=list(LAGGING_COLUMNS), dtype=object)


def _share(value: object, target: object) -> float | None:
    """``value`` as a percentage of the annual ``target`` (``None`` when either is missing or the target is 0)."""
    if _missing(value) or not isinstance(target, (int, float)) or _missing(target) or target == 0:
        return None
    return float(value) * 100 / float(target)


def _target_texts(row: Mapping[str, object], quarter: Quarter) -> tuple[str | None, str]:
    """(progress, overdue) of a lagging target cell."""
    unit = str(row["unit"])
    done = "实际" if unit == RATE_UNIT else "累计完成"
    target, expected = _number(row["target"]), _number(row["expected"])
    if row["colour"] == GREY:
        return None, f"{quarter} {done}值未上报（序时应完成 {expected}{unit}，年度目标 {target}{unit}）"
    actual = _number(row["actual"])
    return (f"{done} {actual}{unit}，年度目标 {target}{unit}",
            f"落后序时进度 {_points(row['gap'])} 个百分点（序时应完成 {expected}{unit}，{done} {actual}{unit}）")


def lagging_targets(table: pd.DataFrame, targets: TargetPlan, quarter: Quarter) -> pd.DataFrame:
    """The park target cells of ``table`` (the bulletin's ``park_targets``, for ``quarter``) that are yellow, red or
    unreported, and the zone-wide targets' totals likewise (:data:`LAGGING_COLUMNS`, unsorted)."""
    district_of = dict(zip(targets.parks["name"], targets.parks["district"]))
    records = []
    for row in table[table["colour"].isin((YELLOW, RED, GREY))].to_dict("records"):
        target = targets.target(row["target_id"])
        if row["park_name"] == TOTAL_NAME and target.aggregation != ZONE_WIDE:
            continue
        progress, overdue = _target_texts(row, quarter)
        zone_wide = row["park_name"] == TOTAL_NAME
        records.append({
            "district": ZONE_DISTRICT if zone_wide else district_of[row["park_name"]], "kind": TARGET_KIND,
            "id": row["target_id"], "name": f"{row['label']} · {'全区' if zone_wide else row['park_name']}",
            "lead_unit": action_lead(target.action), "colour": row["colour"], "state": None,
            "percent": _share(row["actual"], row["target"]), "expected_percent": _share(row["expected"], row["target"]),
            "last_reported_on": None, "progress": progress, "overdue": overdue,
        })
    return pd.DataFrame(records, columns=list(LAGGING_COLUMNS), dtype=object)


def lagging_table(items: pd.DataFrame, targets: pd.DataFrame, *, district_order: Sequence[str],
                  kind_order: Sequence[str]) -> pd.DataFrame:
    """Both lists as one table sorted by district (``district_order`` first, then the rest by name), colour (red,
    yellow, unreported), kind (``kind_order``) and the plan's order within a kind."""
    frames = [frame for frame in (items, targets) if len(frame)]
    if not frames:
        return pd.DataFrame(columns=list(LAGGING_COLUMNS), dtype=object)
    table = pd.concat(frames, ignore_index=True)
    rank_district = {d: i for i, d in enumerate(district_order)}
    keys = pd.DataFrame({
        "district": [(rank_district.get(d, len(rank_district)), d) for d in table["district"]],
        "colour": table["colour"].map({c: i for i, c in enumerate(COLOUR_ORDER)}),
        "kind": table["kind"].map({k: i for i, k in enumerate(kind_order)}).fillna(len(kind_order)),
        "position": range(len(table)),
    })
    order = keys.sort_values(["district", "colour", "kind", "position"]).index
    logger.debug("%d lagging rows in %d districts", len(table), table["district"].nunique())
    return table.loc[order].reset_index(drop=True)


def district_groups(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The rows of a :func:`lagging_table` per district, in the table's order."""
    return [(district, table[table["district"] == district].reset_index(drop=True))
            for district in dict.fromkeys(table["district"])]
