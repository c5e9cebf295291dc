"""WGS-84 ⇄ GCJ-02 conversion, for overlays on Chinese base maps (AMap) and AMap navigation links, and BD-09
(Baidu) → WGS-84 for imported files (:func:`geometry_to_wgs84`).

GCJ-02 is the obfuscated datum that Chinese map providers must use; the forward transform below is the widely
published public formula (Krasovsky 1940 ellipsoid parameters, offsets of a few hundred metres). Outside mainland
China the datum equals WGS-84, so points there pass through unchanged. The inverse has no closed form: it is solved
by fixed-point iteration to well under a centimetre.

Every function is pure and vectorised over NumPy arrays; :func:`geometry_wgs84_to_gcj02` maps a Shapely geometry and
:func:`geojson_wgs84_to_gcj02` a GeoJSON mapping (Feature, FeatureCollection or geometry) without touching the input.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

logger = logging.getLogger(__name__)

KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
# A rectangle around mainland China; the formula is only applied inside it (the usual rough test).
CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)
INVERSE_TOLERANCE_DEG = 1e-10
INVERSE_MAX_ITERATIONS = 30
# A datum conversion: (lon, lat) arrays in degrees to the same points in another datum.
Transform = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def in_china(lon: np.ndarray | float, lat: np.ndarray | float) -> np.ndarray:
    """Whether each point lies in the rectangle where GCJ-02 differs from WGS-84."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon >= CHINA_LON[0]) & (lon <= CHINA_LON[1]) & (lat >= CHINA_LAT[0]) & (lat <= CHINA_LAT[1])


def _offsets(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 shift (dlon, dlat) in degrees at WGS-84 points."""
    x, y = lon - 105.0, lat - 35.0
    root = np.sqrt(np.abs(x))
    waves = 20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root
            + waves * 2.0 / 3.0
            + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root
            + waves * 2.0 / 3.0
            + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS-84 lon/lat (degrees) to GCJ-02; points outside China are returned unchanged."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offsets(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _inverse(forward: Transform, target: tuple[np.ndarray, np.ndarray], *,
             start: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The points that ``forward`` maps onto ``target`` (lon, lat), by fixed-point iteration from ``start``.

    Each step moves the guess back by the forward transform's error there; the shifts are small and vary slowly, so
    the error shrinks fast, and the iteration stops once it is under ``INVERSE_TOLERANCE_DEG`` everywhere (at most
    ``INVERSE_MAX_ITERATIONS`` steps).
    """
    target_lon, target_lat = target
    guess_lon, guess_lat = start
    for _ in range(INVERSE_MAX_ITERATIONS):
        fwd_lon, fwd_lat = forward(guess_lon, guess_lat)
        err_lon, err_lat = fwd_lon - target_lon, fwd_lat - target_lat
        guess_lon, guess_lat = guess_lon - err_lon, guess_lat - err_lat
        if max(np.max(np.abs(err_lon), initial=0.0), np.max(np.abs(err_lat), initial=0.0)) < INVERSE_TOLERANCE_DEG:
            break
    return guess_lon, guess_lat


def gcj02_to_wgs84(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 lon/lat to WGS-84 by iterating the forward transform until it reproduces the input."""
    target = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return _inverse(wgs84_to_gcj02, target, start=target)


def geometry_wgs84_to_gcj02(geometry: shapely.Geometry, *, ndigits: int | None = None) -> shapely.Geometry:
    """Return ``geometry`` (WGS-84) with every vertex converted to GCJ-02 (rounded to ``ndigits`` if given)."""
    def convert(coords: np.ndarray) -> np.ndarray:
        converted = np.column_stack(wgs84_to_gcj02(coords[:, 0], coords[:, 1]))
        return converted if ndigits is None else np.round(converted, ndigits)

    return shapely.transform(geometry, convert)


def geojson_wgs84_to_gcj02(obj: dict[str, Any], *, ndigits: int | None = None) -> dict[str, Any]:
    """Return a copy of a GeoJSON FeatureCollection, Feature or geometry with coordinates in GCJ-02."""
    kind = obj.get("type")
    if kind == "FeatureCollection":
        return {**obj, "features": [geojson_wgs84_to_gcj02(f, ndigits=ndigits) for f in obj["features"]]}
    if kind == "Feature":
        geometry = obj.get("geometry")
        return {**obj, "geometry": None if geometry is None else geojson_wgs84_to_gcj02(geometry, ndigits=ndigits)}
    if kind == "GeometryCollection":
        return {**obj, "geometries": [geojson_wgs84_to_gcj02(g, ndigits=ndigits) for g in obj["geometries"]]}
    converted = geometry_wgs84_to_gcj02(shapely.geometry.shape(obj), ndigits=ndigits)
    return {**obj, "coordinates": shapely.geometry.mapping(converted)["coordinates"]}


BD09_X_PI = math.pi * 3000.0 / 180.0
BD09_OFFSET = (0.0065, 0.006)  # Baidu's published constant shift of BD-09 from GCJ-02, degrees


def gcj02_to_bd09(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 lon/lat to BD-09 (Baidu's datum, a further published shift of GCJ-02)."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    radius = np.hypot(x, y) + 0.00002 * np.sin(y * BD09_X_PI)
    angle = np.arctan2(y, x) + 0.000003 * np.cos(x * BD09_X_PI)
    return radius * np.cos(angle) + BD09_OFFSET[0], radius * np.sin(angle) + BD09_OFFSET[1]


def bd09_to_gcj02(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 lon/lat to GCJ-02 by the published inverse (off by up to about 10 cm: see
    :func:`bd09_to_gcj02_refined`)."""
    x = np.asarray(lon, dtype=float) - BD09_OFFSET[0]
    y = np.asarray(lat, dtype=float) - BD09_OFFSET[1]
    radius = np.hypot(x, y) - 0.00002 * np.sin(y * BD09_X_PI)
    angle = np.arctan2(y, x) - 0.000003 * np.cos(x * BD09_X_PI)
    return radius * np.cos(angle), radius * np.sin(angle)


def bd09_to_gcj02_refined(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`bd09_to_gcj02` refined by fixed-point iteration on :func:`gcj02_to_bd09` to well under a centimetre
    (the published inverse alone is off by up to about 10 cm)."""
    target = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return _inverse(gcj02_to_bd09, target, start=bd09_to_gcj02(*target))


def geometry_to_wgs84(geometry: shapely.Geometry, *, datum: str) -> shapely.Geometry:
    """Return ``geometry`` with every vertex converted from ``datum`` (``gcj02`` or ``bd09``) to WGS-84."""
    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = coords[:, 0], coords[:, 1]
        if datum == "bd09":
            lon, lat = bd09_to_gcj02_refined(lon, lat)
        elif datum != "gcj02":
            raise ValueError(f"expected the datum gcj02 or bd09, got {datum!r}")
        return np.column_stack(gcj02_to_wgs84(lon, lat))

    return shapely.transform(geometry, convert)
