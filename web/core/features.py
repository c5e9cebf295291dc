"""The plan's layers as GeoJSON for the API and the maps: prepared once, filtered and given status per request.

Geometry serialisation is the costly part, so :func:`prepare_layers` does it once per app (full precision for the
API, simplified for display). Status changes with progress reports, so :func:`with_status` applies
:func:`web.core.status.item_status` on every request.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import InvalidParameter, UnknownItem, raise_parameter_problems
from geo.plan.freshness import APPROXIMATE, CLASS_OF_SOURCE, is_approximate
from geo.plan.layers import PlanData
from geo.plan.schema import METRIC_CRS, PLAN_DISTRICTS, ROAD_CATEGORIES, TASK_KINDS, TIERS
from web.core.status import item_status, status_filter_values

logger = logging.getLogger(__name__)

ITEM_LAYERS: tuple[str, ...] = ("blocks", "roads", "tasks")
# Which property the ``category`` filter reads in each layer, and its allowed values.
CATEGORY_FIELD: dict[str, str] = {"blocks": "tier", "roads": "category", "tasks": "kind"}
CATEGORY_CHOICES: dict[str, tuple[str, ...]] = {"blocks": TIERS, "roads": ROAD_CATEGORIES, "tasks": TASK_KINDS}
FILTERS: tuple[str, ...] = ("district", "category", "status", "approximate")
# Read for every request before the view runs (web.core.as_of_view), so filters accept them without using them.
REQUEST_PARAMETERS: tuple[str, ...] = ("as_of",)
APPROXIMATE_CHOICES: tuple[str, ...] = ("1", "0")  # 1: only the items whose position is still approximate
APPROXIMATE_SOURCES: tuple[str, ...] = tuple(s for s, c in CLASS_OF_SOURCE.items() if c == APPROXIMATE)
API_PRECISION = 6  # decimal degrees: ~0.1 m
DISPLAY_PRECISION = 5  # ~1 m, plenty on screen
# Simplification for display, metres: district outlines are surveyed and heavy, plan items are small.
DISPLAY_TOLERANCE_M: dict[str, float] = {"districts": 30.0, "blocks": 3.0, "roads": 5.0, "tasks": 5.0}
MIN_OVERLAP_M = 50.0  # a road touching an area for less than this does not count as being in it


@dataclass(frozen=True)
class PreparedLayers:
    """GeoJSON FeatureCollections of every layer: ``full`` for the API, ``display`` (simplified) for the maps."""

    full: dict[str, dict[str, Any]]
    display: dict[str, dict[str, Any]]

    def find(self, item_id: str) -> tuple[str, dict[str, Any]]:
        """Return ``(layer, feature)`` of the block, road or task with ``item_id`` (full precision)."""
        for layer in ITEM_LAYERS:
            for feature in self.full[layer]["features"]:
                if feature["id"] == item_id:
                    return layer, feature
        raise UnknownItem(f"no block, road or task has id {item_id!r}; ids look like B01, R05, RING-N or E14")


def prepare_layers(plan: PlanData) -> PreparedLayers:
    """Serialise the plan's four layers once, with each item's ``districts`` (the plan areas it lies in)."""
    frames = {"blocks": plan.blocks, "roads": plan.roads, "tasks": plan.tasks, "districts": plan.districts}
    frames = {name: frame.copy() for name, frame in frames.items()}
    frames["blocks"]["districts"] = [[d] for d in frames["blocks"]["district"]]
    frames["tasks"]["districts"] = [[d] for d in frames["tasks"]["district"]]
    frames["roads"]["districts"] = road_districts(frames["roads"], plan.districts)
    full = {name: to_feature_collection(frame, precision=API_PRECISION) for name, frame in frames.items()}
    display = {name: to_feature_collection(simplify(frame, tolerance_m=DISPLAY_TOLERANCE_M[name]),
                                           precision=DISPLAY_PRECISION)
               for name, frame in frames.items()}
    return PreparedLayers(full=full, display=display)


def road_districts(roads: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> list[list[str]]:
    """The plan areas (districts and functional zones) each road runs through, in the plan's order.

    The plan gives roads no 地区, so this is geometric: a line counts when at least ``MIN_OVERLAP_M`` of it lies in
    the area, a point when it lies in it (zones overlap 龙湾区, so a road may count for both).
    """
    plan_areas = areas[areas["name"].isin(PLAN_DISTRICTS)].to_crs(METRIC_CRS)
    order = {name: i for i, name in enumerate(PLAN_DISTRICTS)}
    result = []
    for geometry in roads.to_crs(METRIC_CRS).geometry:
        names = {name for name, area in zip(plan_areas["name"], plan_areas.geometry) if _lies_in(geometry, area)}
        result.append(sorted(names, key=order.__getitem__))
    return result


def _lies_in(geometry: shapely.Geometry, area: shapely.Geometry) -> bool:
    if geometry.geom_type in ("Point", "MultiPoint"):
        return bool(geometry.intersects(area))
    return bool(geometry.intersection(area).length >= MIN_OVERLAP_M)


def simplify(frame: gpd.GeoDataFrame, *, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify geometries by ``tolerance_m`` metres (topology preserved), returned in EPSG:4326."""
    simplified = frame.copy()
    simplified.geometry = frame.to_crs(METRIC_CRS).geometry.simplify(tolerance_m).to_crs(frame.crs)
    return simplified


def to_feature_collection(frame: gpd.GeoDataFrame, *, precision: int) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection: ``id`` on each feature, lon/lat rounded, polygons counter-clockwise."""
    geometries = shapely.orient_polygons(np.asarray(frame.geometry.values), exterior_cw=False)
    geometries = shapely.transform(geometries, lambda xy: np.round(xy, precision))
    columns = [c for c in frame.columns if c != frame.geometry.name]
    features = []
    for record, geometry in zip(frame[columns].to_dict(orient="records"), geometries):
        properties = {key: _json_value(value) for key, value in record.items()}
        features.append({"type": "Feature", "id": properties.get("id"), "properties": properties,
                         "geometry": shapely.geometry.mapping(geometry)})
    return {"type": "FeatureCollection", "features": features}


def _json_value(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, np.generic):
        return value.item()
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value


def with_status(feature: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``feature`` whose properties carry ``status``, ``status_color`` and the progress details from
    :func:`item_status`."""
    status = item_status(feature["properties"])
    properties = {**feature["properties"], **status.details, "status": status.label, "status_color": status.color}
    return {**feature, "properties": properties}


def parse_filters(layer: str, args: Mapping[str, str]) -> dict[str, str]:
    """Check the query parameters of an item layer; return ``{filter: value}`` with status as a colour key.

    Raises
    ------
    InvalidParameter
        Naming every unknown parameter and every value outside its choices (all at once).
    """
    choices = {"district": dict(zip(PLAN_DISTRICTS, PLAN_DISTRICTS)),
               "category": dict(zip(CATEGORY_CHOICES[layer], CATEGORY_CHOICES[layer])),
               "status": status_filter_values(), "approximate": dict(zip(APPROXIMATE_CHOICES, APPROXIMATE_CHOICES))}
    return parse_choice_filters(args, choices, expected=f"one of {', '.join(FILTERS)}")


def parse_choice_filters(args: Mapping[str, str], choices: Mapping[str, Mapping[str, str]], *, expected: str,
                         empty_means_none: bool = False) -> dict[str, str]:
    """Check query parameters against ``choices`` (``{filter: {value: key}}``); return ``{filter: key}``.

    Parameters
    ----------
    args
        The query parameters; :data:`REQUEST_PARAMETERS` are passed over.
    choices
        Per filter, its accepted values and the key each stands for.
    expected
        How the message for an unknown parameter names the filters (``"one of a, b"``, ``"a or b"``).
    empty_means_none
        Whether an empty value of a known filter means no filter (a form's blank choice).

    Raises
    ------
    InvalidParameter
        Naming every unknown parameter and every value outside its choices (all at once).
    """
    problems: list[InvalidParameter] = []
    filters: dict[str, str] = {}
    for name, value in args.items():
        if name in REQUEST_PARAMETERS or (empty_means_none and name in choices and not value):
            continue
        if name not in choices:
            problems.append(InvalidParameter(name, f"unknown filter; expected {expected}", kind="unknown_parameter",
                                             details={"allowed": tuple(choices)}))
        elif value not in choices[name]:
            problems.append(InvalidParameter(name, f"expected one of {', '.join(choices[name])}; got {value!r}",
                                             kind="choice", details={"got": value, "choices": tuple(choices[name])}))
        else:
            filters[name] = choices[name][value]
    raise_parameter_problems(problems)
    return filters


def matches(layer: str, properties: Mapping[str, Any], filters: Mapping[str, str]) -> bool:
    """Whether an item (with status applied) passes every filter."""
    if "district" in filters and filters["district"] not in properties["districts"]:
        return False
    if "category" in filters and properties.get(CATEGORY_FIELD[layer]) != filters["category"]:
        return False
    if filters.get("approximate") == "1" and not is_approximate(properties):
        return False
    return "status" not in filters or properties["status_color"] == filters["status"]


def item_collection(layers: PreparedLayers, layer: str, filters: Mapping[str, str], *,
                    display: bool = False) -> dict[str, Any]:
    """The FeatureCollection of ``layer`` with status applied and ``filters`` kept."""
    source = layers.display if display else layers.full
    features = [with_status(f) for f in source[layer]["features"]]
    return {"type": "FeatureCollection",
            "features": [f for f in features if matches(layer, f["properties"], filters)]}


def approximate_flag(value: str | None, *, field: str = "approximate") -> bool:
    """The 「仅显示近似位置」 flag of a query (``1`` on, ``0`` or absent off).

    Raises
    ------
    InvalidParameter
        Naming ``field`` for any other value.
    """
    if value is None:
        return False
    if value not in APPROXIMATE_CHOICES:
        raise InvalidParameter(field, f"expected 1 (approximate positions only) or 0, got {value!r}", kind="choice",
                               details={"got": value, "choices": tuple(APPROXIMATE_CHOICES)})
    return value == "1"
