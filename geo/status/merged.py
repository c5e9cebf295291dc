"""The merged view: the plan's baseline layers with each item's current status, colour and stored geometry.

This is what the web layer serves. The baseline GeoJSON stays untouched; the database adds the status columns
below and replaces a geometry by its latest stored version, whose ``source`` becomes ``geometry_source``
(``hand_drawn``, ``uploaded``, ``surveyed``; a restored baseline keeps the layer's own, e.g. ``approximate``).
A block task (``kind == "block"``) shares its block's polygon, so it follows the block's stored geometry
unless it has a version of its own.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from geo.status.models import BASELINE
from geo.plan.layers import PlanData
from geo.status.snapshot import GeometryVersion, ItemState, item_states
from geo.status.colours import CLOSED_LABEL, COLOUR_LABELS, PLAN_YEAR_END, PLAN_YEAR_START, Thresholds, assess
from geo.status.store import Store

STATUS_COLUMNS: tuple[str, ...] = (
    "state", "percent", "colour", "colour_label", "computed_colour", "reported_colour", "colour_mismatch",
    "expected_percent", "stale", "closed", "closed_on", "closed_by", "close_note", "last_reported_on", "reporter",
    "note", "period_start", "period_end", "version", "geometry_version", "as_of",
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def status_row(item_id: str, state: ItemState | None, *, as_of: date,
               thresholds: Thresholds = Thresholds()) -> dict:
    """The status columns of one item (``state`` ``None``: never edited) as JSON-ready values (dates as ISO text).

    ``colour_label`` reads 已销号 for a closed item (its colour stays green); ``as_of`` is the day the colour is
    judged against, so that every page showing the colour can say so.
    """
    state = state or ItemState(item_id=item_id)
    report = state.report
    start, end = state.period_start or PLAN_YEAR_START, state.period_end or PLAN_YEAR_END
    verdict = assess(percent=report.percent if report else None, state=report.state if report else None,
                     reported_on=report.reported_on if report else None,
                     reported_colour=report.reported_colour if report else None, closed=state.closed, as_of=as_of,
                     start=start, end=end, milestones=state.milestones, thresholds=thresholds)
    return {
        "state": report.state if report else None,
        "percent": report.percent if report else None,
        "colour": verdict.colour,
        "colour_label": CLOSED_LABEL if state.closed else COLOUR_LABELS[verdict.colour],
        "computed_colour": verdict.computed_colour,
        "reported_colour": verdict.reported_colour,
        "colour_mismatch": verdict.colour_mismatch,
        "expected_percent": verdict.expected_percent,
        "stale": verdict.stale,
        "closed": state.closed,
        "closed_on": _iso(state.closing.effective_on) if state.closing else None,
        "closed_by": state.closing.actor if state.closing else None,
        "close_note": state.closing.note if state.closing else None,
        "last_reported_on": _iso(report.reported_on) if report else None,
        "reporter": report.reporter if report else None,
        "note": report.note if report else None,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "version": state.version,
        "geometry_version": state.geometry.version if state.geometry else None,
        "as_of": as_of.isoformat(),
    }


def status_rows(states: Mapping[str, ItemState], item_ids: Iterable[str], *, as_of: date,
                thresholds: Thresholds = Thresholds()) -> dict[str, dict]:
    """:func:`status_row` of every id in ``item_ids``, keyed by id: the status alone, without geometries, for
    callers that keep serialised layers and add status per request."""
    return {item_id: status_row(item_id, states.get(item_id), as_of=as_of, thresholds=thresholds)
            for item_id in item_ids}


def _source(new: GeometryVersion | None, old: str) -> str:
    return old if new is None or new.source == BASELINE else new.source


def _with_status(layer: gpd.GeoDataFrame, states: Mapping[str, ItemState], *, as_of: date, thresholds: Thresholds,
                 geometry_of: Mapping[str, GeometryVersion]) -> gpd.GeoDataFrame:
    rows = status_rows(states, layer["id"], as_of=as_of, thresholds=thresholds)
    merged = layer.copy()
    for column in STATUS_COLUMNS:
        merged[column] = pd.Series([rows[item_id][column] for item_id in layer["id"]], index=layer.index,
                                   dtype=object)
    stored = [geometry_of.get(item_id) for item_id in layer["id"]]
    merged["geometry_source"] = pd.Series([_source(new, old) for new, old in zip(stored, layer["geometry_source"])],
                                          index=layer.index, dtype=object)
    merged = merged.set_geometry(gpd.GeoSeries([shape(new.geometry) if new is not None else old for new, old in
                                                zip(stored, layer.geometry)], index=layer.index, crs=layer.crs))
    return merged


def merge_states(plan: PlanData, states: Mapping[str, ItemState], *, as_of: date,
                 thresholds: Thresholds = Thresholds()) -> PlanData:
    """The plan with status columns (:data:`STATUS_COLUMNS`) on blocks, roads and tasks, and stored geometries.

    Pure: ``states`` comes from :func:`geo.status.snapshot.item_states`; ``as_of`` is the day the colours are for.
    """
    geometry_of = {item_id: s.geometry for item_id, s in states.items() if s.geometry is not None}
    task_geometry_of = dict(geometry_of)
    for task_id, kind, block_id in zip(plan.tasks["id"], plan.tasks["kind"], plan.tasks["block_id"]):
        if kind == "block" and task_id not in geometry_of and block_id in geometry_of:
            task_geometry_of[task_id] = geometry_of[block_id]
    common = {"states": states, "as_of": as_of, "thresholds": thresholds}
    return replace(plan, blocks=_with_status(plan.blocks, geometry_of=geometry_of, **common),
                   roads=_with_status(plan.roads, geometry_of=geometry_of, **common),
                   tasks=_with_status(plan.tasks, geometry_of=task_geometry_of, **common))


def merged_view(store: Store, plan: PlanData, *, as_of: date, thresholds: Thresholds = Thresholds()) -> PlanData:
    """:func:`merge_states` over the database's states as of ``as_of`` (reports dated after it are ignored)."""
    return merge_states(plan, item_states(store, as_of=as_of), as_of=as_of, thresholds=thresholds)
