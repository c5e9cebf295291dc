"""Quarterly bulletins (季度通报): every block, project and task as of a quarter's last day, in numbers.

The items are the 13 blocks, the 17 transport projects (ring segments are parts of projects, not items of the
plan's lists, so they are left out) and the 76 tasks. Colours follow :mod:`geo.status`; in the counts an
unreported (grey) item counts as yellow, and the ``unreported`` column says how many of the yellow ones are that.
Roads name no district in the plan, so the district table lists them together under :data:`ROADS_DISTRICT`.
"""
from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from geo.errors import InvalidParameter
from geo.merged import merge_states
from geo.plan import PlanData
from geo.quarters import Quarter
from geo.schema import PLAN_DISTRICTS
from geo.snapshot import ItemState, item_states
from geo.status import COLOUR_LABELS, COLOURS, GREY, RED, Thresholds, bulletin_colour
from geo.store import Store

logger = logging.getLogger(__name__)

KIND_LABELS: dict[str, str] = {"blocks": "重点区块", "roads": "交通项目", "tasks": "环境整治任务"}
ROADS_DISTRICT = "市级交通项目（跨区域）"
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
}
TABLE_TITLES: dict[str, str] = {
    "by_colour": "按颜色统计", "by_district": "按地区统计", "by_lead_unit": "按牵头单位统计",
    "red_items": "红色事项", "closed_items": "已销号事项", "mismatches": "颜色不一致事项", "items": "全部事项",
}


@dataclass(frozen=True)
class Bulletin:
    """A quarter's bulletin: the item table and the tables derived from it (columns: :data:`COLUMN_LABELS`)."""

    quarter: Quarter
    items: pd.DataFrame
    by_colour: pd.DataFrame
    by_district: pd.DataFrame
    by_lead_unit: pd.DataFrame
    red_items: pd.DataFrame
    closed_items: pd.DataFrame
    mismatches: pd.DataFrame

    @property
    def as_of(self) -> date:
        """The day the bulletin describes: the quarter's last day."""
        return self.quarter.end

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables in bulletin order, keyed as :data:`TABLE_TITLES`."""
        return {name: getattr(self, name) for name in TABLE_TITLES}


def bulletin_items(plan: PlanData, states: Mapping[str, ItemState], *, as_of: date,
                   thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """One row per block, transport project and task (:data:`ITEM_COLUMNS`), coloured as of ``as_of``."""
    merged = merge_states(plan, states, as_of=as_of, thresholds=thresholds)
    frames = []
    for kind in KIND_LABELS:
        layer = pd.DataFrame(getattr(merged, kind).drop(columns="geometry"))
        if kind == "roads":
            layer = layer[layer["category"] != "ring"].assign(district=ROADS_DISTRICT)
        frames.append(layer.assign(kind=kind)[list(ITEM_COLUMNS)])
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


def build_bulletin(plan: PlanData, states: Mapping[str, ItemState], quarter: Quarter, *,
                   thresholds: Thresholds = Thresholds()) -> Bulletin:
    """The bulletin for ``quarter`` from item states read as of its last day. Pure."""
    items = bulletin_items(plan, states, as_of=quarter.end, thresholds=thresholds)
    by_kind = count_by(items.assign(kind=items["kind"].map(KIND_LABELS)), "kind",
                       order=list(KIND_LABELS.values()))
    return Bulletin(
        quarter=quarter, items=items,
        by_colour=pd.concat([by_kind, count_by(items, None)], ignore_index=True),
        by_district=count_by(items, "district", order=[*PLAN_DISTRICTS, ROADS_DISTRICT]),
        by_lead_unit=count_by(items, "lead_unit"),
        red_items=items[items["colour"] == RED].reset_index(drop=True),
        closed_items=items[items["closed"].astype(bool)].reset_index(drop=True),
        mismatches=items[items["colour_mismatch"].astype(bool)].reset_index(drop=True),
    )


def quarterly_bulletin(store: Store, plan: PlanData, quarter: Quarter, *,
                       thresholds: Thresholds = Thresholds()) -> Bulletin:
    """The bulletin for ``quarter`` from the database: reports dated up to its last day, events effective by then."""
    return build_bulletin(plan, item_states(store, as_of=quarter.end), quarter, thresholds=thresholds)


def _cell(column: str, value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if column in ("colour", "reported_colour"):
        return COLOUR_LABELS.get(value, value)
    if column == "kind":
        return KIND_LABELS.get(value, value)
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, float):
        return round(value, 1)
    return value.item() if hasattr(value, "item") else value


def table_rows(table: pd.DataFrame) -> list[list[object]]:
    """The table as display rows: Chinese headers first, then cells (colours and kinds in Chinese, 是/否)."""
    header = [COLUMN_LABELS.get(column, column) for column in table.columns]
    return [header, *([_cell(column, value) for column, value in zip(table.columns, row)]
                      for row in table.itertuples(index=False))]


def _title(bulletin: Bulletin) -> str:
    return f"环大罗山科创走廊 {bulletin.quarter} 季度通报（截至 {bulletin.as_of.isoformat()}）"


def csv_bytes(bulletin: Bulletin) -> bytes:
    """Every table in one CSV document, titled sections separated by blank lines, UTF-8 with BOM (for Excel)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([_title(bulletin)])
    for name, table in bulletin.tables().items():
        writer.writerows([[], [TABLE_TITLES[name]], *table_rows(table)])
    return text.getvalue().encode("utf-8-sig")


def xlsx_bytes(bulletin: Bulletin) -> bytes:
    """An Excel workbook with one sheet per table, titled in Chinese."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, table in bulletin.tables().items():
        sheet = workbook.create_sheet(TABLE_TITLES[name])
        sheet.append([_title(bulletin)])
        for row in table_rows(table):
            sheet.append(row)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A3"
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in list(column)[1:]) if sheet.max_row > 1 else 8
            sheet.column_dimensions[column[0].column_letter].width = min(60, 4 + 2 * width)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


BULLETIN_FORMATS = {"csv": csv_bytes, "xlsx": xlsx_bytes}


def bulletin_bytes(bulletin: Bulletin, *, fmt: str) -> bytes:
    """The bulletin as ``csv`` or ``xlsx`` file content (for downloads); :class:`InvalidParameter` naming
    ``format`` otherwise."""
    if fmt not in BULLETIN_FORMATS:
        raise InvalidParameter("format", f"expected one of {', '.join(BULLETIN_FORMATS)}, got {fmt!r}")
    return BULLETIN_FORMATS[fmt](bulletin)


def write_bulletin(bulletin: Bulletin, path: Path | str) -> Path:
    """Write the bulletin as CSV or XLSX, chosen by the file's extension."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in BULLETIN_FORMATS:
        raise InvalidParameter("out", f"expected a file name ending in .csv or .xlsx, got {path.name!r}")
    logger.info("writing the %s bulletin to %s", bulletin.quarter, path)
    path.write_bytes(bulletin_bytes(bulletin, fmt=fmt))
    return path
