"""Validation of every write to the status database. Pure: nothing here touches the database.

Each ``check_*`` function takes the raw values a form or JSON body supplies (numbers or numeric text, dates or
ISO ``YYYY-MM-DD`` text), collects every problem as a :class:`~geo.plan.validate.Problem` naming the field, and returns
the normalised values with the problems; the caller raises :class:`~geo.errors.ValidationError` once.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

import geopandas as gpd
import shapely

from geo.plan.layers import DISTRICT_TOLERANCE_M, PlanData, check_ring_closed
from geo.plan.schema import LAYERS, METRIC_CRS, WGS84
from geo.status.colours import COLOURS, COMPLETED, NOT_STARTED, PLAN_YEAR_START, STATES, Milestone
from geo.plan.validate import WGS84_CRS_NAMES, Problem, check_features, check_inside_areas

MAX_NOTE_CHARS = 2000
MAX_NAME_CHARS = 64
MAX_VERTICES = 10_000
MAX_AREA_KM2 = 50.0
MAX_LENGTH_KM = 100.0
PLAN_AREA_NAME = "规划范围"  # the union of the plan's districts and zones, for roads (which name no district)
_ALLOWED_CONTROL = frozenset("\n\r\t")
# float() also reads "１０" (full-width), "1_0" and "٣": numeric text is refused unless written as JSON writes numbers
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class Problems:
    """Collects the problems of one write: what is being written, to which item."""

    def __init__(self, what: str, item_id: str | None) -> None:
        self.what = what
        self.item_id = item_id
        self.found: list[Problem] = []

    def add(self, field: str, message: str, *, kind: str | None = None, **details: object) -> None:
        """Record a problem of ``field``; ``kind`` and ``details`` let a user interface word it (see
        :class:`~geo.plan.validate.Problem`)."""
        self.found.append(Problem(self.what, self.item_id, field, message, kind=kind, details=details))


def parse_date(value: object, field: str, problems: Problems) -> date | None:
    """``value`` as a date (a date, or ISO ``YYYY-MM-DD`` text); ``None`` with a problem when it is neither."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.add(field, f"expected a date as YYYY-MM-DD (e.g. 2021-06-30), got {value!r}", kind="date_format",
                 got=value)
    return None


def parse_finite(value: object) -> float | None:
    """``value`` (a number, not a bool, or numeric text in ASCII digits) as a finite float; ``None`` when it is not
    one."""
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value) if abs(value) < 1e300 else math.inf  # float() of a huge int overflows
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = float(value.strip())
    return number if number is not None and math.isfinite(number) else None


def check_day(day: date | None, field: str, problems: Problems, *, today: date) -> None:
    """A problem unless ``day`` lies from the plan year's first day to ``today`` (``None``, a date that could not be
    read, has its problem already).

    Reporting on the plan cannot predate it; it may go on after the plan year (late reports, check-off).
    """
    if day is None or PLAN_YEAR_START <= day <= today:
        return
    window = f"expected a date from {PLAN_YEAR_START} (the plan year's first day) to today ({today}), got {day}"
    problems.add(field, f"cannot be dated {'after today' if day > today else 'before the plan year'}: {window}",
                 kind="date_after_today" if day > today else "date_before_plan", got=day, earliest=PLAN_YEAR_START,
                 today=today)


def parse_percent(value: object, field: str, problems: Problems) -> float | None:
    """``value`` as a percentage in 0..100 (a number or numeric text)."""
    number = parse_finite(value)
    if number is None or not 0 <= number <= 100:
        problems.add(field, f"expected a number from 0 to 100 (percent), got {value!r}", kind="percent_range",
                     got=value)
        return None
    return number


def check_text(value: object, field: str, problems: Problems, *, max_chars: int, required: bool) -> str:
    """``value`` stripped; a problem when missing (if required), too long, or holding control characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(field, f"expected text, got {type(value).__name__}", kind="text_expected")
        return ""
    text = value.strip()
    if required and not text:
        problems.add(field, "must not be empty", kind="required")
    if len(text) > max_chars:
        problems.add(field, f"expected at most {max_chars} characters, got {len(text)}; shorten it", kind="too_long",
                     limit=max_chars, got=len(text))
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROL for ch in text):
        problems.add(field, "contains control characters; only printable text, tabs and line breaks are allowed",
                     kind="control_characters")
    return text


def check_report(item_id: str, *, percent: object, state: object, note: object, reported_on: object,
                 reporter: object, reported_colour: object, today: date) -> tuple[dict, list[Problem]]:
    """Check a progress report; 已完成 needs 100 %, 未开始 needs 0 %, and a report cannot be dated after ``today``."""
    problems = Problems("progress report", item_id)
    values = {
        "percent": parse_percent(percent, "percent", problems),
        "state": state,
        "note": check_text(note, "note", problems, max_chars=MAX_NOTE_CHARS, required=False),
        "reported_on": parse_date(reported_on, "reported_on", problems),
        "reporter": check_text(reporter, "reporter", problems, max_chars=MAX_NAME_CHARS, required=True),
        "reported_colour": reported_colour or None,
    }
    if state not in STATES:
        problems.add("state", f"expected one of {' / '.join(STATES)}, got {state!r}", kind="choice", got=state,
                     choices=STATES)
    elif values["percent"] is not None:
        if state == COMPLETED and values["percent"] != 100:
            problems.add("percent", f"a report with state {COMPLETED} needs 100, got {values['percent']:g}",
                         kind="percent_for_state", state=COMPLETED, needed=100, got=values["percent"])
        if state == NOT_STARTED and values["percent"] != 0:
            problems.add("percent", f"a report with state {NOT_STARTED} needs 0, got {values['percent']:g}",
                         kind="percent_for_state", state=NOT_STARTED, needed=0, got=values["percent"])
    if values["reported_colour"] is not None and values["reported_colour"] not in COLOURS:
        problems.add("reported_colour", f"expected one of {', '.join(COLOURS)} or nothing, got {reported_colour!r}",
                     kind="choice", got=reported_colour, choices=COLOURS)
    check_day(values["reported_on"], "reported_on", problems, today=today)
    return values, problems.found


def check_check_off(item_id: str, *, closing: bool, currently_closed: bool, note: object, effective_on: object,
                    actor: object, today: date) -> tuple[dict, list[Problem]]:
    """Check closing (销号, a note is required) or reopening (a reason is required) an item."""
    problems = Problems("check-off", item_id)
    values = {
        "note": check_text(note, "note", problems, max_chars=MAX_NOTE_CHARS, required=True),
        "effective_on": parse_date(effective_on, "effective_on", problems),
        "actor": check_text(actor, "actor", problems, max_chars=MAX_NAME_CHARS, required=True),
    }
    if closing and currently_closed:
        problems.add("closed", "the item is already closed; reopen it first", kind="already_closed")
    if not closing and not currently_closed:
        problems.add("closed", "the item is not closed, so it cannot be reopened", kind="not_closed")
    check_day(values["effective_on"], "effective_on", problems, today=today)
    return values, problems.found


def check_period(item_id: str, *, start: object, end: object) -> tuple[dict, list[Problem]]:
    """Check an item's period: two dates, the start before the end."""
    problems = Problems("period", item_id)
    values = {"start": parse_date(start, "period_start", problems), "end": parse_date(end, "period_end", problems)}
    if values["start"] and values["end"] and values["start"] >= values["end"]:
        problems.add("period_end", f"must be after period_start ({values['start']}), got {values['end']}",
                     kind="period_order", start=values["start"], got=values["end"])
    return values, problems.found


def check_milestones(item_id: str, milestones: Iterable[object], *, start: date,
                     end: date) -> tuple[tuple[Milestone, ...], list[Problem]]:
    """Check milestones (``{"due_on", "percent"}`` mappings or :class:`Milestone`): inside the period, one per
    date, and never less than an earlier one."""
    problems = Problems("milestones", item_id)
    parsed = []
    for index, raw in enumerate(milestones):
        due, pct = (raw.due_on, raw.percent) if isinstance(raw, Milestone) else (
            (raw.get("due_on"), raw.get("percent")) if isinstance(raw, dict) else (None, None))
        day = parse_date(due, f"milestones[{index}].due_on", problems)
        value = parse_percent(pct, f"milestones[{index}].percent", problems)
        if day is not None and not start < day < end:
            problems.add(f"milestones[{index}].due_on", f"must lie strictly inside the period {start} .. {end}, "
                                                        f"got {day}", kind="milestone_outside", start=start, end=end,
                         got=day)
        if day is not None and value is not None:
            parsed.append(Milestone(day, value))
    parsed.sort(key=lambda m: m.due_on)
    for earlier, later in zip(parsed, parsed[1:]):
        if earlier.due_on == later.due_on:
            problems.add("milestones", f"two milestones on {later.due_on}; keep one per date",
                         kind="milestone_duplicate", day=later.due_on)
        elif later.percent < earlier.percent:
            problems.add("milestones", f"progress cannot go down: {earlier.percent:g} % by {earlier.due_on} "
                                       f"but {later.percent:g} % by {later.due_on}", kind="milestone_decrease",
                         earlier=earlier.percent, earlier_on=earlier.due_on, later=later.percent,
                         later_on=later.due_on)
    return tuple(parsed), problems.found


def check_geometry_edit(plan: PlanData, item_id: str, geojson: object, *, tolerance_m: float = DISTRICT_TOLERANCE_M,
                        max_vertices: int = MAX_VERTICES, max_area_km2: float = MAX_AREA_KM2,
                        max_length_km: float = MAX_LENGTH_KM) -> tuple[shapely.Geometry | None, list[Problem]]:
    """Check a replacement geometry for ``item_id`` (a GeoJSON geometry, Feature, one-feature FeatureCollection,
    or that as JSON text): valid, WGS-84, the right type for the item's layer and kind, inside its district
    within ``tolerance_m`` (roads: inside the plan's areas; ring segments: the ring still closes), and within the
    size limits."""
    layer = plan.layer_of(item_id)
    problems = Problems("geometry edit", item_id)
    geometry_doc = _geometry_member(geojson, problems)
    if geometry_doc is None:
        return None, problems.found
    table = getattr(plan, layer)
    row = table[table["id"] == item_id].iloc[0]
    props = {**row.drop(labels="geometry").to_dict(), "geometry_source": "surveyed"}
    parsed, found = check_features({"features": [{"properties": props, "geometry": geometry_doc}]}, LAYERS[layer])
    problems.found += [replace(p, file=problems.what, feature_id=item_id) for p in found]
    geometry = parsed[0]["geometry"] if parsed else None
    if geometry is None or problems.found:
        return None, problems.found
    _check_size(geometry, problems, max_vertices=max_vertices, max_area_km2=max_area_km2, max_length_km=max_length_km)
    _check_place(plan, layer, row, geometry, problems, tolerance_m=tolerance_m)
    return (geometry if not problems.found else None), problems.found


def _geometry_member(geojson: object, problems: Problems) -> dict | None:
    if isinstance(geojson, (str, bytes)):
        try:
            geojson = json.loads(geojson)
        except (ValueError, UnicodeDecodeError) as exc:
            problems.add("geometry", f"expected GeoJSON, could not parse it: {exc}", kind="geojson_unreadable")
            return None
    if not isinstance(geojson, dict):
        problems.add("geometry", f"expected a GeoJSON object, got {type(geojson).__name__}",
                     kind="geojson_unreadable")
        return None
    crs = geojson.get("crs")
    if crs is not None and ((crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None) \
            not in WGS84_CRS_NAMES:
        problems.add("crs", "expected WGS-84 (EPSG:4326, lon/lat); reproject the geometry and drop the crs member",
                     kind="crs_not_wgs84")
        return None
    if geojson.get("type") == "FeatureCollection":
        features = geojson.get("features")
        if not isinstance(features, list) or len(features) != 1:
            problems.add("geometry", "a FeatureCollection must hold exactly one feature: the item's new geometry",
                         kind="one_feature")
            return None
        geojson = features[0]
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict):
        problems.add("geometry", "the Feature has no geometry; expected a GeoJSON geometry object",
                     kind="geometry_missing")
        return None
    return geojson


def _check_size(geometry: shapely.Geometry, problems: Problems, *, max_vertices: int, max_area_km2: float,
                max_length_km: float) -> None:
    vertices = int(shapely.get_num_coordinates(geometry))
    if vertices > max_vertices:
        problems.add("geometry", f"expected at most {max_vertices} vertices, got {vertices}; simplify it",
                     kind="too_many_vertices", limit=max_vertices, got=vertices)
    metric = gpd.GeoSeries([geometry], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    if geometry.geom_type in ("Polygon", "MultiPolygon") and metric.area / 1e6 > max_area_km2:
        problems.add("geometry", f"expected at most {max_area_km2:g} km², got {metric.area / 1e6:.1f} km²",
                     kind="area_too_large", limit=max_area_km2, got=metric.area / 1e6)
    if geometry.geom_type in ("LineString", "MultiLineString") and metric.length / 1e3 > max_length_km:
        problems.add("geometry", f"expected at most {max_length_km:g} km long, got {metric.length / 1e3:.1f} km",
                     kind="length_too_long", limit=max_length_km, got=metric.length / 1e3)


def _check_place(plan: PlanData, layer: str, row, geometry: shapely.Geometry, problems: Problems, *,
                 tolerance_m: float) -> None:
    areas = plan.districts[plan.districts["kind"] != "corridor"]
    district = row.get("district") if layer != "roads" else PLAN_AREA_NAME
    if layer == "roads":
        areas = gpd.GeoDataFrame({"name": [PLAN_AREA_NAME]}, geometry=[areas.union_all()], crs=areas.crs)
    candidate = gpd.GeoDataFrame({"id": [row["id"]], "district": [district]}, geometry=[geometry], crs=WGS84)
    for problem in check_inside_areas(candidate, areas, filename=problems.what, tolerance_m=tolerance_m):
        problems.add(problem.field, problem.message, kind=problem.kind, **problem.details)
    if layer == "roads" and row["category"] == "ring":
        roads = plan.roads.copy()
        roads.loc[roads["id"] == row["id"], "geometry"] = geometry
        for problem in check_ring_closed(roads):
            problems.add("geometry", f"{problem.feature_id}: {problem.message}", kind=problem.kind,
                         **problem.details)
