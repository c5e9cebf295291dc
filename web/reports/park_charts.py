"""What the 园区目标 page draws on the server: per park, each target's actual against its pro-rata expectation in
every quarter of the plan year as inline SVG, and the cells of the targets × parks table.

The charts need no script and print as drawn: one row per target, one track per quarter whose length is the
annual target, filled to the cumulative actual in the cell's colour, with a dark tick where the quarter's pro-rata
expectation lies (the annual target itself for growth rates). Numbers are written on the tracks and every track
carries a ``<title>`` with the whole assessment. Every text is escaped.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup, escape

from geo.status.achievement import ACHIEVEMENT_LABELS, RATE_UNIT, TOTAL
from geo.plan.quarters import Quarter
from web.maps import achievement_hex

logger = logging.getLogger(__name__)

CHART_WIDTH = 640
HEADER_HEIGHT = 16
LABEL_HEIGHT = 14
BAR_HEIGHT = 13
ROW_GAP = 8
TRACK_GAP = 10
TRACK_COLOUR = "#e9ecef"
TICK_COLOUR = "#212529"
QUARTER_NAMES: dict[int, str] = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
TOTAL_CHART_NAME = "全区合计"


def number_text(value: float | None) -> str:
    """A value as the page writes it: at most two decimals, no trailing zeros; ``—`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def cell_title(row: Mapping[str, object], quarter: Quarter) -> str:
    """The whole assessment of one cell in words (table cell and chart track tooltips)."""
    unit = str(row["unit"])
    parts = [f"{row['target_id']} {row['label']} · {row['park_name']} · {quarter}"]
    parts.append(f"全年目标 {row['target_text']}{unit if _present(row['target']) else ''}")
    if _present(row["expected"]):
        parts.append(f"应完成 {number_text(row['expected'])}{unit}")
    parts.append(f"累计完成 {number_text(row['actual'])}{unit}" if _present(row["actual"]) else "未上报")
    if _present(row["achievement"]):
        parts.append(f"完成率 {number_text(row['achievement'])}%")
    if _present(row["gap"]):
        parts.append(f"差距 {number_text(row['gap'])} 个百分点")
    parts.append(ACHIEVEMENT_LABELS[str(row["colour"])])
    return "；".join(parts)


@dataclass(frozen=True)
class TableCell:
    """One cell of the targets × parks table: the cumulative actual against the annual target, coloured."""

    park: str
    colour: str
    actual_text: str
    target_text: str
    title: str


@dataclass(frozen=True)
class TableRow:
    """One target of Attachment 1 across the parks and the total (``None``: the plan's "/", no cell)."""

    target_id: str
    action_name: str
    label: str
    unit: str
    cells: tuple[TableCell | None, ...]

    @property
    def zone_wide(self) -> bool:
        """Whether the plan sets only a zone-wide figure (the growth rates): no park has a cell."""
        return all(cell is None for cell in self.cells[:-1])


def target_table(rows: pd.DataFrame, *, columns: tuple[str, ...], quarter: Quarter) -> list[TableRow]:
    """The table of one quarter's :func:`geo.status.achievement.target_rows`, one row per target, cells in the order of
    ``columns`` (park ids, then :data:`~geo.status.achievement.TOTAL`)."""
    table = []
    for target_id, group in rows.groupby("target_id", sort=False):
        by_park = {record["park"]: record for record in group.to_dict("records")}
        first = next(iter(by_park.values()))
        cells = tuple(TableCell(park=park, colour=str(r["colour"]), actual_text=number_text(r["actual"]),
                                target_text=str(r["target_text"]), title=cell_title(r, quarter))
                      if (r := by_park.get(park)) is not None else None for park in columns)
        table.append(TableRow(target_id=str(target_id), action_name=str(first["action_name"]),
                              label=str(first["label"]), unit=str(first["unit"]), cells=cells))
    return table


def park_chart(park: str, by_quarter: Mapping[Quarter, pd.DataFrame], *, selected: Quarter) -> Markup:
    """The SVG chart of ``park`` (or :data:`~geo.status.achievement.TOTAL`): one row per target it has a cell for, one
    track per quarter of ``by_quarter`` (each quarter's :func:`~geo.status.achievement.target_rows`)."""
    quarters = sorted(by_quarter)
    cells = {q: {r["target_id"]: r for r in by_quarter[q][by_quarter[q]["park"] == park].to_dict("records")}
             for q in quarters}
    firsts = list(cells[quarters[0]].values())
    track_width = (CHART_WIDTH - TRACK_GAP * (len(quarters) - 1)) / len(quarters)
    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    elements = [_header(quarters, track_width, selected)]
    for index, first in enumerate(firsts):
        top = HEADER_HEIGHT + index * row_height
        goal = f"全年目标 {first['target_text']}{first['unit']}" if _present(first["target"]) else first["target_text"]
        label = f"{first['target_id']} {first['label']}（{goal}）"
        elements.append(f'<text x="0" y="{top + LABEL_HEIGHT - 3}" font-size="11" fill="#212529">'
                        f"{escape(label)}</text>")
        for position, quarter in enumerate(quarters):
            x = position * (track_width + TRACK_GAP)
            elements.append(_track(cells[quarter][first["target_id"]], quarter, x=x, y=top + LABEL_HEIGHT,
                                   width=track_width, selected=quarter == selected))
    height = HEADER_HEIGHT + len(firsts) * row_height
    name = TOTAL_CHART_NAME if park == TOTAL else (firsts[0]["park_name"] if firsts else park)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="park-chart" data-park="{escape(park)}" '
                  f'role="img" viewBox="0 0 {CHART_WIDTH} {height:.0f}" width="100%" '
                  f'aria-label="{escape(name)}各项目标分季度累计完成情况">' + "".join(elements) + "</svg>")


def _header(quarters: list[Quarter], track_width: float, selected: Quarter) -> str:
    texts = []
    for position, quarter in enumerate(quarters):
        x = position * (track_width + TRACK_GAP) + track_width / 2
        weight = ' font-weight="bold"' if quarter == selected else ""
        texts.append(f'<text x="{x:.1f}" y="11" font-size="11" text-anchor="middle" fill="#495057"{weight}>'
                     f"{QUARTER_NAMES[quarter.number]}</text>")
    return "".join(texts)


def _share(row: Mapping[str, object], key: str) -> float | None:
    """``row[key]`` as a share of the annual target (``None`` without a positive numeric target or a value)."""
    target, value = row["target"], row[key]
    if not _present(target) or not _present(value) or float(target) <= 0:
        return None
    return float(value) / float(target)


def _track(row: Mapping[str, object], quarter: Quarter, *, x: float, y: float, width: float, selected: bool) -> str:
    colour = str(row["colour"])
    share, expected_share = _share(row, "actual"), _share(row, "expected")
    outline = ' stroke="#495057" stroke-width="1"' if selected else ""
    parts = [f"<title>{escape(cell_title(row, quarter))}</title>",
             f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{TRACK_COLOUR}"{outline}/>']
    if share is not None and share > 0:
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y}" width="{min(share, 1.0) * width:.1f}" '
                     f'height="{BAR_HEIGHT}" fill="{achievement_hex(colour)}"/>')
    if expected_share is not None:
        tick = x + min(expected_share, 1.0) * width
        parts.append(f'<line class="expected" x1="{tick:.1f}" x2="{tick:.1f}" y1="{y - 2}" y2="{y + BAR_HEIGHT + 2}" '
                     f'stroke="{TICK_COLOUR}" stroke-width="1.5"/>')
    parts.append(f'<text x="{x + 3:.1f}" y="{y + BAR_HEIGHT - 3}" font-size="10" fill="#212529" stroke="#ffffff" '
                 f'stroke-width="2.5" paint-order="stroke">{escape(_track_text(row, share))}</text>')
    return (f'<g class="track" data-target="{escape(row["target_id"])}" data-quarter="{quarter}" '
            f'data-colour="{escape(colour)}">' + "".join(parts) + "</g>")


def _track_text(row: Mapping[str, object], share: float | None) -> str:
    if not _present(row["actual"]):
        return ACHIEVEMENT_LABELS["grey"]
    value = number_text(row["actual"]) + (RATE_UNIT if row["unit"] == RATE_UNIT else "")
    return f"{value}（{share * 100:.0f}%）" if share is not None else value
