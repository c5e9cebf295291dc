"""The coordinates of an imported file: which CRS they are in, and bringing them to WGS-84.

The user says where the coordinates come from (:data:`COORDINATE_SOURCES`): the file's own CRS, WGS-84, CGCS2000
(EPSG:4490), AMap's GCJ-02 or Baidu's BD-09 (both lon/lat, shifted by a few hundred metres: converted with
:mod:`geo.plan.coords`), or any EPSG code GDAL/PROJ knows (e.g. EPSG:4549, CGCS2000 3° Gauss–Krüger zone CM 120°E, which
Wenzhou's surveyors use). A file without a CRS is refused unless the user states one; a stated CRS that contradicts
the file's is refused too, except among the lon/lat datums WGS-84, CGCS2000, GCJ-02 and BD-09 (files from AMap or
Baidu say WGS-84 although they are not: that is what the user's choice corrects).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.plan.coords import geometry_to_wgs84
from geo.plan.schema import WGS84
from geo.plan.validate import Problem

logger = logging.getLogger(__name__)

WHAT = "geometry import"
FILE, EPSG = "file", "epsg"
DATUMS = ("gcj02", "bd09")
STATED_CRS: dict[str, int] = {"wgs84": 4326, "cgcs2000": 4490, "gcj02": 4326, "bd09": 4326}
COORDINATE_SOURCES: tuple[str, ...] = (FILE, "wgs84", "cgcs2000", "gcj02", "bd09", EPSG)
LONLAT_EPSG = frozenset({4326, 4490, 4479, 4480})  # WGS-84 and CGCS2000 lon/lat: under a metre apart


@dataclass(frozen=True)
class Coordinates:
    """Where a file's coordinates come from: the CRS to read them in and the datum shift to undo (if any)."""

    crs: CRS
    datum: str | None

    @property
    def label(self) -> str:
        """``EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)``, with ``+ GCJ-02``/``+ BD-09`` when shifted."""
        code = self.crs.to_epsg()
        name = f"EPSG:{code} ({self.crs.name})" if code else self.crs.name
        return name + {"gcj02": " + GCJ-02", "bd09": " + BD-09", None: ""}[self.datum]


def _problem(field: str, message: str, kind: str, **details: object) -> Problem:
    return Problem(WHAT, None, field, message, kind=kind, details=details)


def _epsg(value: object) -> tuple[CRS | None, list[Problem]]:
    text = str(value or "").strip().upper().removeprefix("EPSG:")
    if not text.isascii() or not text.isdigit():
        return None, [_problem("epsg", f"expected an EPSG code such as 4549, got {value!r}", "import_epsg",
                               got=value)]
    try:
        return CRS.from_epsg(int(text)), []
    except CRSError:
        return None, [_problem("epsg", f"EPSG:{text} is not a CRS that PROJ knows; check the code (e.g. 4549 for "
                                       f"CGCS2000 3° zone CM 120°E)", "import_epsg_unknown", got=value)]


def is_lonlat(crs: CRS) -> bool:
    """Whether ``crs`` is WGS-84 or CGCS2000 lon/lat (where GCJ-02 and BD-09 coordinates hide)."""
    return crs.to_epsg() in LONLAT_EPSG or crs.equals(CRS.from_user_input("OGC:CRS84"), ignore_axis_order=True)


def resolve_coordinates(file_crs: CRS | str | None, source: object, *,
                        epsg: object = None) -> tuple[Coordinates | None, list[Problem]]:
    """The CRS and datum to read a layer whose own CRS is ``file_crs`` (``None``: it has none), as the user
    stated them with ``source`` (one of :data:`COORDINATE_SOURCES`; ``epsg`` goes with ``epsg``)."""
    if source not in COORDINATE_SOURCES:
        return None, [_problem("coordinates", f"expected one of {', '.join(COORDINATE_SOURCES)}, got {source!r}",
                               "choice", got=source, choices=COORDINATE_SOURCES)]
    own = CRS.from_user_input(file_crs) if file_crs is not None else None
    if source == FILE:
        if own is None:
            return None, [_problem("coordinates", "the file states no CRS (a Shapefile without .prj, a CSV, a DXF); "
                                                  "choose the coordinate system its coordinates are in",
                                   "import_crs_missing")]
        return Coordinates(own, None), []
    stated, problems = _epsg(epsg) if source == EPSG else (CRS.from_epsg(STATED_CRS[source]), [])
    if stated is None:
        return None, problems
    if own is not None and not own.equals(stated, ignore_axis_order=True) and not (is_lonlat(own) and is_lonlat(stated)):
        return None, [_problem("coordinates", f"the file states {own.to_string()} but {stated.to_string()} was "
                                              f"chosen; choose the file's own CRS or correct the file",
                               "import_crs_conflict", file_crs=own.to_string(), stated=stated.to_string())]
    return Coordinates(stated, source if source in DATUMS else None), []


def to_wgs84(frame: gpd.GeoDataFrame, coordinates: Coordinates) -> tuple[gpd.GeoSeries, gpd.GeoSeries]:
    """``frame``'s geometries in WGS-84: as read (reprojected, the datum shift still in) and converted (the
    GCJ-02/BD-09 shift undone; the same as read when there is none)."""
    as_read = frame.geometry.set_crs(coordinates.crs, allow_override=True).to_crs(WGS84)
    if coordinates.datum is None:
        return as_read, as_read
    converted = gpd.GeoSeries([None if g is None else geometry_to_wgs84(g, datum=coordinates.datum)
                               for g in as_read], index=as_read.index, crs=WGS84)
    logger.info("converted %d geometries from %s to WGS-84", len(converted), coordinates.datum)
    return as_read, converted
