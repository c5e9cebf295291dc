"""Tour sites: the plan's blocks, road projects and tasks (and named reference points) as points to visit.

Sites are chosen by id (:func:`resolve_sites`) or by a query on district, category and status
(:func:`query_sites`); a tour's start or end may also be a reference point (:func:`resolve_place`).

Where a site is on the map (its *anchor*, then snapped to the network by :mod:`geo.tours.routing`):
polygons use their centroid, or a representative point inside them when the centroid falls outside (concave
shapes); lines use the point halfway along (for multi-lines, halfway along the longest part); a multipoint uses the
member point nearest to the members' centroid. All measured in EPSG:32651.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import InvalidParameter, UnknownItem
from geo.plan.layers import PlanData
from geo.plan.schema import METRIC_CRS, WGS84

logger = logging.getLogger(__name__)

DEFAULT_START = "温州市人民政府"
LAYER_KINDS = {"blocks": "block", "roads": "project", "tasks": "task"}


@dataclass(frozen=True)
class Site:
    """A place a tour can start at, visit or end at.

    Attributes
    ----------
    id
        Plan id (``B01``, ``R03``, ``RING-N``, ``E14``) or, for reference points, their name.
    name
        Display name.
    kind
        ``block``, ``project``, ``task`` or ``reference``.
    lon, lat
        The anchor (WGS-84) by the rule in the module docstring.
    district
        The plan's district, when the layer records one.
    """

    id: str
    name: str
    kind: str
    lon: float
    lat: float
    district: str | None = None


def anchor_point(geometry: shapely.Geometry) -> shapely.Point:
    """The point that stands for a geometry (EPSG:32651 in, EPSG:32651 out), by the module docstring's rule."""
    if isinstance(geometry, (shapely.Polygon, shapely.MultiPolygon)):
        centroid = geometry.centroid
        return centroid if geometry.contains(centroid) else geometry.representative_point()
    if isinstance(geometry, shapely.MultiLineString):
        geometry = max(geometry.geoms, key=lambda part: part.length)
    if isinstance(geometry, shapely.LineString):
        return geometry.interpolate(0.5, normalized=True)
    if isinstance(geometry, shapely.MultiPoint):
        centre = geometry.centroid
        return min(geometry.geoms, key=centre.distance)
    if isinstance(geometry, shapely.Point):
        return geometry
    raise InvalidParameter("geometry", f"cannot place a tour stop on a {geometry.geom_type}")


def sites_from_layer(layer: gpd.GeoDataFrame, *, kind: str) -> list[Site]:
    """One :class:`Site` per row of a plan layer (EPSG:4326, with ``id`` and ``name``)."""
    anchors = gpd.GeoSeries([anchor_point(g) for g in layer.geometry.to_crs(METRIC_CRS)], crs=METRIC_CRS)
    anchors = anchors.to_crs(WGS84)
    districts = layer["district"] if "district" in layer.columns else [None] * len(layer)
    return [Site(id=str(i), name=str(n), kind=kind, lon=float(p.x), lat=float(p.y),
                 district=None if d is None or (isinstance(d, float) and math.isnan(d)) else str(d))
            for i, n, p, d in zip(layer["id"], layer["name"], anchors, districts)]


def resolve_sites(plan: PlanData, ids: Sequence[str]) -> list[Site]:
    """The sites with ``ids`` (blocks, road projects, tasks) in the given order, duplicates dropped.

    Raises
    ------
    UnknownItem
        Listing every id that names nothing.
    """
    wanted = list(dict.fromkeys(str(i).strip() for i in ids if str(i).strip()))
    by_id = {}
    for layer_name, kind in LAYER_KINDS.items():
        layer = getattr(plan, layer_name)
        by_id.update({s.id: s for s in sites_from_layer(layer[layer["id"].isin(wanted)], kind=kind)})
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise UnknownItem(f"unknown site id(s): {', '.join(unknown)}; expected ids of blocks (B01–B13), road "
                          "projects (R01–R17, RING-N/E/S/W) or tasks (E01–E76)", item_id=", ".join(unknown))
    return [by_id[i] for i in wanted]


def query_sites(plan: PlanData, *, district: str | None = None, category: str | None = None,
                status: str | None = None, layers: Sequence[str] = tuple(LAYER_KINDS)) -> list[Site]:
    """The sites of ``layers`` matching every given filter.

    Parameters
    ----------
    district
        A district or functional zone name: matches the layer's ``district`` column, or for layers without one
        (roads) the anchor lying inside that area of ``plan.districts``.
    category
        Matches a road's ``category`` or a task's ``kind``; layers with neither are left out when given.
    status
        Matches a ``status_color`` (green/yellow/red/grey) or ``status`` column; layers with neither are left out.
    layers
        Any of ``blocks``, ``roads``, ``tasks``.
    """
    unknown = [name for name in layers if name not in LAYER_KINDS]
    if unknown:
        raise InvalidParameter("layers", f"expected any of {', '.join(LAYER_KINDS)}, got {', '.join(unknown)}")
    if district is not None and district not in set(plan.districts["name"]):
        raise InvalidParameter("district", f"no district or zone is named {district!r}; expected one of "
                                           f"{', '.join(plan.districts.loc[plan.districts['kind'] != 'corridor', 'name'])}")
    selected: list[Site] = []
    for layer_name in layers:
        layer = _filter_layer(getattr(plan, layer_name), plan, category=category, status=status)
        sites = sites_from_layer(layer, kind=LAYER_KINDS[layer_name])
        if district is not None:
            sites = _in_district(sites, layer, plan, district)
        selected += sites
    return selected


def _filter_layer(layer: gpd.GeoDataFrame, plan: PlanData, *, category: str | None,
                  status: str | None) -> gpd.GeoDataFrame:
    if category is not None:
        column = next((c for c in ("category", "kind") if c in layer.columns), None)
        layer = layer[layer[column] == category] if column else layer.iloc[0:0]
    if status is not None:
        columns = [c for c in ("status_color", "status") if c in layer.columns]
        layer = layer[np.logical_or.reduce([layer[c] == status for c in columns])] if columns else layer.iloc[0:0]
    return layer


def _in_district(sites: list[Site], layer: gpd.GeoDataFrame, plan: PlanData, district: str) -> list[Site]:
    if "district" in layer.columns:
        return [s for s in sites if s.district == district]
    area = plan.districts.loc[plan.districts["name"] == district].geometry.union_all()
    return [s for s in sites if area.covers(shapely.Point(s.lon, s.lat))]


def resolve_place(plan: PlanData, references: gpd.GeoDataFrame, text: str, *, field: str) -> Site:
    """A start or end given as a site id or a reference point's name (e.g. 温州市人民政府)."""
    text = str(text).strip()
    match = references[references["name"] == text]
    if len(match):
        row = match.iloc[0]
        district = row.get("district")
        return Site(id=text, name=text, kind="reference", lon=float(row.geometry.x), lat=float(row.geometry.y),
                    district=district if isinstance(district, str) else None)
    try:
        return resolve_sites(plan, [text])[0]
    except UnknownItem:
        names = ", ".join(references["name"])
        raise InvalidParameter(field, f"expected a site id (B01, R03, E14, …) or a reference point ({names}), "
                                      f"got {text!r}", kind="unknown_place", details={"got": text}) from None
