"""Selecting, paging and re-projecting GeoJSON features the way OGC API – Features asks (Part 1 Core, Part 2 CRS).

Pure functions over RFC 7946 features (lon/lat, WGS-84); :mod:`web.gis.ogc` reads the request and answers with them.

The three coordinate reference systems served are one datum to within a metre: CGCS2000 (EPSG:4490) and WGS-84
are both realisations of the ITRS, and the transformation EPSG and PROJ give between them is the null
("ballpark") one. What differs is the **axis order**: ``CRS84`` is longitude, latitude; EPSG:4326 and EPSG:4490 are
latitude, longitude, and OGC API – Features Part 2 answers them in that order.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

logger = logging.getLogger(__name__)

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
SUPPORTED_CRS: tuple[str, ...] = (CRS84, EPSG_4326, EPSG_4490)
LATLON_CRS = frozenset({EPSG_4326, EPSG_4490})  # axis order latitude, longitude
WORLD_LON = (-180.0, 180.0)


@dataclass(frozen=True)
class Bbox:
    """A bounding box in CRS84 (lon/lat): ``west`` may exceed ``east`` for a box across the antimeridian."""

    west: float
    south: float
    east: float
    north: float

    def boxes(self) -> list[shapely.Polygon]:
        """The box as one polygon, or two when it crosses the antimeridian."""
        if self.west <= self.east:
            return [shapely.box(self.west, self.south, self.east, self.north)]
        return [shapely.box(self.west, self.south, WORLD_LON[1], self.north),
                shapely.box(WORLD_LON[0], self.south, self.east, self.north)]


def bbox_from_numbers(numbers: Sequence[float], *, crs: str) -> Bbox:
    """The :class:`Bbox` of 4 (2D) or 6 (3D: heights are ignored, the layers are flat) numbers given in ``crs``.

    Raises
    ------
    ValueError
        For another count of numbers, or a south edge north of the north edge.
    """
    if len(numbers) not in (4, 6):
        raise ValueError(f"a bbox has 4 numbers (or 6 with heights); got {len(numbers)}")
    low, high = (numbers[:2], numbers[2:4]) if len(numbers) == 4 else (numbers[:2], numbers[3:5])
    if crs in LATLON_CRS:
        low, high = low[::-1], high[::-1]
    if low[1] > high[1]:
        raise ValueError(f"the bbox's south edge {low[1]} lies north of its north edge {high[1]}; "
                         f"give the lower corner first")
    return Bbox(west=float(low[0]), south=float(low[1]), east=float(high[0]), north=float(high[1]))


def in_bbox(features: Sequence[Mapping[str, Any]], bbox: Bbox) -> list[Mapping[str, Any]]:
    """The features whose geometry intersects ``bbox`` (a feature without geometry never does)."""
    geometries = np.array([shapely.geometry.shape(f["geometry"]) if f.get("geometry") else None
                           for f in features], dtype=object)
    hit = np.zeros(len(features), dtype=bool)
    for box in bbox.boxes():
        hit |= shapely.intersects(geometries, box)
    return [feature for feature, keep in zip(features, hit) if keep]


def property_text(value: object) -> str:
    """A property value as a query parameter writes it (``true``/``false`` for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def matches_properties(properties: Mapping[str, Any], filters: Mapping[str, str]) -> bool:
    """Whether every ``{property: value}`` of ``filters`` holds: equal as text, or one of a list's members."""
    for name, wanted in filters.items():
        value = properties.get(name)
        values = value if isinstance(value, (list, tuple)) else [value]
        if wanted not in {property_text(v) for v in values}:
            return False
    return True


def page(features: Sequence[Mapping[str, Any]], *, limit: int, offset: int) -> list[Mapping[str, Any]]:
    """The ``limit`` features from position ``offset`` (0-based)."""
    return list(features[offset:offset + limit])


def swap_axes(geometry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A GeoJSON geometry with each position's first two coordinates swapped (lon/lat ↔ lat/lon)."""
    if geometry is None:
        return None
    if geometry["type"] == "GeometryCollection":
        return {**geometry, "geometries": [swap_axes(g) for g in geometry["geometries"]]}
    return {**geometry, "coordinates": _swap(geometry["coordinates"])}


def _swap(coordinates: Any) -> Any:
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [coordinates[1], coordinates[0], *coordinates[2:]]
    return [_swap(part) for part in coordinates]


def in_crs(feature: Mapping[str, Any], crs: str) -> Mapping[str, Any]:
    """``feature`` with its geometry in ``crs`` (one of :data:`SUPPORTED_CRS`): the same numbers, lat/lon order
    for the EPSG codes."""
    if crs not in LATLON_CRS:
        return feature
    return {**feature, "geometry": swap_axes(feature.get("geometry"))}


def extent(features: Sequence[Mapping[str, Any]]) -> list[float] | None:
    """The CRS84 bounding box ``[west, south, east, north]`` of the features' geometries (``None``: none)."""
    geometries = [shapely.geometry.shape(f["geometry"]) for f in features if f.get("geometry")]
    if not geometries:
        return None
    return [float(v) for v in shapely.total_bounds(geometries)]
