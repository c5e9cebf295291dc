"""Quarterly bulletins (季度通报) in the app: ``/reports`` (the list) and ``/reports/<year>Q<n>``.

The page is printable on A4: counts by colour, a map of the blocks and projects coloured by status drawn as inline
SVG on the server (Shapely geometries projected to EPSG:32651 → SVG path strings; no tiles, no browser needed),
the tables by district and by lead unit (department tasks included), the red items, the list of lagging items by
district (long groups collapsible on screen, always complete in print), closed items and colour mismatches, the
parks' targets against their actual values and the park summary. ``?format=xlsx`` downloads the workbook,
``?format=zip`` every table as CSV, ``?format=csv&table=lagging`` one table (:mod:`geo.bulletins.files`). Bulletins
are cached per quarter until the database changes (:func:`geo.status.snapshot.latest_change_id`). ``/reports`` lists the
quarters by year, newest first, the plan year marked.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import shapely
from flask import Blueprint, Response, render_template, request
from markupsafe import Markup, escape

from geo.bulletins.bulletin import (
    COLUMN_LABELS, DEPARTMENT_DISTRICT, KIND_LABELS, ROADS_DISTRICT, Bulletin, build_bulletin, table_rows,
)
from geo.bulletins.files import bulletin_bytes
from geo.bulletins.lagging import district_groups
from geo.errors import InvalidParameter
from geo.status.merged import merge_states
from geo.plan.layers import PlanData
from geo.plan.quarters import Quarter, parse_quarter, quarter_of
from geo.plan.schema import METRIC_CRS
from geo.status.snapshot import item_states, latest_change_id
from geo.status.colours import COLOUR_LABELS, GREY, PLAN_YEAR_START, RED, YELLOW
from geo.status.target_records import actual_values, latest_actuals
from web.core.as_of import beijing_today
from web.infra.cache import app_cached
from web.core.database import app_store
from web.core.navigation import add_nav_link
from web.maps import AREA_STYLES, RING_COLOR
from web.core.state import corridor_state
from web.core.status import STATUS_COLORS

logger = logging.getLogger(__name__)

reports_blueprint = Blueprint("reports", __name__)

CACHE_EXTENSION = "corridor_bulletins"
DOWNLOAD_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAP_WIDTH_PX = 680
MAP_PAD_M = 1500.0
AREA_SIMPLIFY_M = 40.0
RED_COLUMNS = ("kind", "id", "name", "district", "lead_unit", "state", "percent", "expected_percent",
               "last_reported_on")
CLOSED_COLUMNS = ("kind", "id", "name", "district", "lead_unit", "closed_on", "close_note")
MISMATCH_COLUMNS = ("kind", "id", "name", "district", "colour", "reported_colour", "percent", "expected_percent")
LAGGING_COLUMNS = ("kind", "id", "name", "lead_unit", "colour", "percent", "last_reported_on", "progress", "overdue")
LONG_GROUP_ROWS = 10  # a district's lagging list longer than this starts collapsed on screen

@reports_blueprint.record_once
def _register_nav(state) -> None:
    add_nav_link(state.app, "季度通报", "reports.index")


@dataclass(frozen=True)
class BulletinPage:
    """A bulletin and its map (drawn from the merged layers: status columns, surveyed geometries)."""

    bulletin: Bulletin
    map_svg: Markup


def bulletin_page(quarter: Quarter) -> BulletinPage:
    """The bulletin of ``quarter`` from the database, cached until the next write."""
    store = app_store()
    plan = corridor_state().plan

    def compute() -> BulletinPage:
        states = item_states(store, as_of=quarter.end)
        actuals = actual_values(latest_actuals(store))
        bulletin = build_bulletin(plan, states, quarter, targets=corridor_state().targets, actuals=actuals)
        return BulletinPage(bulletin=bulletin, map_svg=status_map_svg(merge_states(plan, states, as_of=quarter.end)))

    return app_cached(CACHE_EXTENSION, (quarter, latest_change_id(store)), compute)


def _path_data(geometry: shapely.Geometry, transform) -> str:
    """SVG path data of a (multi)polygon or (multi)line in metres, through ``transform`` to pixels."""
    parts = []
    for part in getattr(geometry, "geoms", [geometry]):
        rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
        for ring in rings:
            points = [transform(x, y) for x, y in ring.coords]
            closing = "Z" if part.geom_type == "Polygon" else ""
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + closing)
    return "".join(parts)


def _shape(geometry: shapely.Geometry, transform, *, attributes: str, title: str, radius: float = 4.0) -> str:
    """One SVG element (circles for points, a path otherwise) with a tooltip ``title``; text is escaped."""
    tooltip = f"<title>{escape(title)}</title>"
    if geometry.geom_type in ("Point", "MultiPoint"):
        return "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" {attributes}>{tooltip}</circle>'
                       for x, y in (transform(p.x, p.y) for p in getattr(geometry, "geoms", [geometry])))
    return f'<path d="{_path_data(geometry, transform)}" {attributes}>{tooltip}</path>'


def _item_attributes(row, *, fill: bool, width: float) -> str:
    colour = STATUS_COLORS[row["colour"]][1]
    paint = (f'fill="{colour}" fill-opacity="0.75" stroke="#212529" stroke-width="0.8"' if fill
             else f'fill="none" stroke="{colour}" stroke-width="{width}" stroke-linecap="round"')
    return f'{paint} data-id="{escape(row["id"])}" data-colour="{escape(row["colour"])}"'


def _item_title(row) -> str:
    return f"{row['id']} {row['name']}（{COLOUR_LABELS[row['colour']]}）"


def status_map_svg(merged: PlanData, *, width_px: int = MAP_WIDTH_PX) -> Markup:
    """The corridor as inline SVG: plan areas outlined, ring-road tasks, the ring, road projects and blocks
    coloured by status (the bulletin's colours, grey = 未上报). Every text is escaped."""
    areas = merged.districts.to_crs(METRIC_CRS)
    corridor = areas[areas["kind"] == "corridor"]
    min_x, min_y, max_x, max_y = (corridor if len(corridor) else areas).total_bounds
    min_x, min_y, max_x, max_y = min_x - MAP_PAD_M, min_y - MAP_PAD_M, max_x + MAP_PAD_M, max_y + MAP_PAD_M
    scale = width_px / (max_x - min_x)
    height_px = (max_y - min_y) * scale

    def transform(x: float, y: float) -> tuple[float, float]:
        return (x - min_x) * scale, (max_y - y) * scale

    elements: list[str] = []
    for row, geometry in zip(areas.to_dict("records"), areas.geometry.simplify(AREA_SIMPLIFY_M)):
        style = AREA_STYLES[row["kind"]]
        dash = f' stroke-dasharray="{style["dashArray"]}"' if style.get("dashArray") else ""
        elements.append(_shape(geometry, transform, title=row["name"], attributes=(
            f'fill="none" stroke="{style["color"]}" stroke-width="{style["weight"]}"{dash} class="area"')))
    tasks = merged.tasks[merged.tasks["kind"] != "block"].to_crs(METRIC_CRS)
    roads = merged.roads.to_crs(METRIC_CRS)
    ring = roads[roads["category"] == "ring"]
    elements += [_shape(g, transform, title=r["name"], attributes=f'fill="none" stroke="{RING_COLOR}" '
                                                                     f'stroke-width="6" stroke-opacity="0.5"')
                 for r, g in zip(ring.to_dict("records"), ring.geometry)]
    elements += _item_shapes(tasks, transform, fill=False, width=1.5)
    elements += _item_shapes(roads[roads["category"] != "ring"], transform, fill=False, width=3.5)
    elements += _item_shapes(merged.blocks.to_crs(METRIC_CRS), transform, fill=True, width=0.8)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="status-map" role="img" '
                  f'viewBox="0 0 {width_px} {height_px:.0f}" width="100%" aria-label="环大罗山科创走廊三色状态图">'
                  + "".join(elements) + "</svg>")


def _item_shapes(layer, transform, *, fill: bool, width: float) -> Iterable[str]:
    for row, geometry in zip(layer.drop(columns="geometry").to_dict("records"), layer.geometry):
        attributes = _item_attributes(row, fill=fill, width=width)
        if geometry.geom_type in ("Point", "MultiPoint"):
            attributes = attributes.replace('fill="none"', f'fill="{STATUS_COLORS[row["colour"]][1]}"')
        yield _shape(geometry, transform, attributes=attributes, title=_item_title(row))


def _table(frame, columns: tuple[str, ...] | None = None) -> list[list[object]]:
    return table_rows(frame[list(columns)] if columns else frame)


@dataclass(frozen=True)
class LaggingGroup:
    """One district's lagging items on the page: display rows and how many are red, yellow, unreported."""

    district: str
    rows: list[list[object]]
    red: int
    yellow: int
    unreported: int

    @property
    def long(self) -> bool:
        """True when the group starts collapsed on screen."""
        return len(self.rows) - 1 > LONG_GROUP_ROWS


def lagging_groups(bulletin: Bulletin) -> list[LaggingGroup]:
    """The bulletin's lagging list per district, as the page shows it."""
    groups = []
    for district, frame in district_groups(bulletin.lagging):
        counts = frame["colour"].value_counts()
        groups.append(LaggingGroup(district=district, rows=_table(frame, LAGGING_COLUMNS), red=int(counts.get(RED, 0)),
                                   yellow=int(counts.get(YELLOW, 0)), unreported=int(counts.get(GREY, 0))))
    return groups


@dataclass(frozen=True)
class PlanYear:
    """A year of quarters on the index, newest first; ``plan_year`` for the year the plan is for."""

    year: int
    quarters: list[Quarter]
    plan_year: bool


def years_to_list(quarters: list[Quarter]) -> list[PlanYear]:
    """``quarters`` grouped by year, newest year and quarter first."""
    years: dict[int, list[Quarter]] = {}
    for quarter in sorted(quarters, reverse=True):
        years.setdefault(quarter.year, []).append(quarter)
    return [PlanYear(year=year, quarters=listed, plan_year=year == PLAN_YEAR_START.year)
            for year, listed in years.items()]


def quarters_to_list(today: date) -> list[Quarter]:
    """The plan year's quarters, then every quarter up to the current one, newest last."""
    current = quarter_of(today)
    quarters, year, number = [], PLAN_YEAR_START.year, 1
    while Quarter(year, number) <= current:
        quarters.append(Quarter(year, number))
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return quarters or [current]


@reports_blueprint.get("/reports")
def index():
    """季度通报: the quarters with a bulletin, by year, newest first."""
    return render_template("reports_index.html", years=years_to_list(quarters_to_list(date.today())))


@reports_blueprint.get("/reports/<quarter>")
def bulletin_view(quarter: str):
    """The quarter's bulletin as a printable page, or as ``?format=xlsx|zip``, or ``?format=csv&table=NAME``."""
    parsed = parse_quarter(quarter)
    fmt = request.args.get("format", "html")
    if fmt not in ("html", *DOWNLOAD_TYPES):
        raise InvalidParameter("format", f"expected html, xlsx, zip or csv, got {fmt!r}", kind="choice",
                               details={"got": fmt, "choices": ("html", *DOWNLOAD_TYPES)})
    table = request.args.get("table") if fmt == "csv" else None
    page = bulletin_page(parsed)
    if fmt != "html":
        content = bulletin_bytes(page.bulletin, fmt=fmt, table=table)
        name = f"corridor-bulletin-{parsed}{f'-{table}' if table else ''}.{fmt}"
        return Response(content, mimetype=DOWNLOAD_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    b = page.bulletin
    return render_template(
        "bulletin.html", quarter=parsed, bulletin=b, map_svg=page.map_svg,
        by_colour=_table(b.by_colour), by_district=_table(b.by_district), by_lead_unit=_table(b.by_lead_unit),
        red_items=_table(b.red_items, RED_COLUMNS), lagging=lagging_groups(b), roads_district=ROADS_DISTRICT,
        department_district=DEPARTMENT_DISTRICT,
        closed_items=_table(b.closed_items, CLOSED_COLUMNS),
        mismatches=_table(b.mismatches, MISMATCH_COLUMNS), park_targets=_table(b.park_targets),
        park_summary=_table(b.park_summary), kind_labels=KIND_LABELS, column_labels=COLUMN_LABELS,
        generated_on=beijing_today().isoformat())

