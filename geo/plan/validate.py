"""Validation of the plan's data layers: every problem is collected, none stops the search for the others."""
from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from geo.plan.geojson_check import geometry_problem
from geo.plan.schema import (
    METRIC_CRS, ROAD_GEOMETRY_BY_CATEGORY, TASK_GEOMETRY_BY_KIND, WGS84, LayerSpec,
)

logger = logging.getLogger(__name__)

WGS84_CRS_NAMES = frozenset({
    "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "OGC:CRS84", "CRS84",
    "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG:4326",
})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data: where it is and what was expected."""

    file: str
    feature_id: str | None
    field: str | None
    message: str
    # A stable code for what is wrong and the values the message quotes, so that a user interface can say it in its
    # own language; neither takes part in comparisons nor in to_dict().
    kind: str | None = dataclass_field(default=None, compare=False, repr=False, kw_only=True)
    details: Mapping[str, object] = dataclass_field(default_factory=dict, compare=False, repr=False, kw_only=True)

    def __str__(self) -> str:
        where = self.file + (f" [{self.feature_id}]" if self.feature_id else "")
        return f"{where} {self.field or 'file'}: {self.message}"

    def to_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if key not in ("kind", "details")}


def read_feature_collection(path: Path) -> tuple[dict | None, list[Problem]]:
    """Read a GeoJSON FeatureCollection, reporting a missing, unreadable or malformed file as a problem."""
    name = path.name
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [Problem(name, None, None, f"file not found at {path}; run scripts/build_plan_data.py "
                                                "or restore it from git")]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [Problem(name, None, None, f"expected UTF-8 GeoJSON, could not read it: {exc}")]
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        return None, [Problem(name, None, None, "expected a GeoJSON FeatureCollection with a 'features' list")]
    return doc, _check_crs(doc, name)


def _check_crs(doc: dict, name: str) -> list[Problem]:
    crs = doc.get("crs")
    if crs is None:
        return []  # RFC 7946: no crs member means WGS-84
    crs_name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
    if crs_name in WGS84_CRS_NAMES:
        return []
    return [Problem(name, None, "crs", f"expected WGS-84 (EPSG:4326, lon/lat), got {crs_name or crs!r}; "
                                       "reproject the file to EPSG:4326 and drop the crs member")]


def check_features(doc: dict, spec: LayerSpec) -> tuple[list[dict], list[Problem]]:
    """Check every feature's properties and geometry against ``spec``.

    Returns
    -------
    tuple
        Every feature that has properties, as ``{"properties", "geometry"}`` with a shapely geometry (``None``
        when the geometry is unusable, so that links between layers are still checked), and the problems found.
    """
    problems: list[Problem] = []
    parsed: list[dict] = []
    ids = Counter()
    for index, feature in enumerate(doc["features"]):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            problems.append(Problem(spec.filename, f"#{index}", "properties", "expected a properties object"))
            continue
        fid = props.get("id") if isinstance(props.get("id"), str) else f"#{index}"
        ids[fid] += 1
        problems += _check_properties(props, spec, fid)
        geometry, geometry_problems = _parse_geometry(feature.get("geometry"), spec, fid)
        problems += geometry_problems
        if geometry is not None:
            problems += _check_geometry_kind(geometry, props, spec, fid)
        parsed.append({"properties": props, "geometry": geometry})
    problems += [Problem(spec.filename, fid, "id", f"duplicate id: used by {n} features; ids must be unique")
                 for fid, n in ids.items() if n > 1]
    return parsed, problems


def _check_properties(props: dict, spec: LayerSpec, fid: str) -> list[Problem]:
    problems = []
    for name, field in spec.fields.items():
        if name not in props:
            if name not in spec.optional_fields:
                problems.append(Problem(spec.filename, fid, name, "missing property"))
            continue
        error = field.check(props[name])
        if error:
            problems.append(Problem(spec.filename, fid, name, error))
    for name in sorted(set(props) - set(spec.fields)):
        problems.append(Problem(spec.filename, fid, name, f"unknown property; expected only "
                                                          f"{', '.join(spec.fields)}"))
    return problems


def _parse_geometry(geojson: object, spec: LayerSpec, fid: str):
    def problem(message: str, kind: str, **details: object) -> tuple[None, list[Problem]]:
        return None, [Problem(spec.filename, fid, "geometry", message, kind=kind, details=details)]

    if not isinstance(geojson, dict):
        return problem("missing geometry; every feature needs one", "geometry_missing")
    structure = geometry_problem(geojson)  # shapely would close open rings, read text as numbers, choke on NaN
    if structure:
        return problem(structure, "geojson_structure")
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        return problem(f"could not parse the geometry: {exc}", "geojson_unreadable")
    if geometry.is_empty:
        return problem("empty geometry", "geometry_empty")
    if geometry.geom_type not in spec.geometry_types:
        return problem(f"expected {' or '.join(spec.geometry_types)}, got {geometry.geom_type}", "geometry_type",
                       expected=spec.geometry_types, got=geometry.geom_type)
    coords = shapely.get_coordinates(geometry)
    if (abs(coords[:, 0]) > 180).any() or (abs(coords[:, 1]) > 90).any():
        return problem("coordinates out of WGS-84 range: expected lon/lat degrees in [-180, 180] × [-90, 90]; "
                       "is the file in a projected CRS or in lat/lon order?", "coordinates_range")
    if not geometry.is_valid:
        return problem(f"invalid geometry: {explain_validity(geometry)}", "geometry_invalid")
    return geometry, []


def _check_geometry_kind(geometry, props: dict, spec: LayerSpec, fid: str) -> list[Problem]:
    allowed_by = {"roads": ("category", ROAD_GEOMETRY_BY_CATEGORY), "tasks": ("kind", TASK_GEOMETRY_BY_KIND)}
    if spec.name not in allowed_by:
        return []
    key, allowed = allowed_by[spec.name]
    expected = allowed.get(props.get(key))
    if expected is None or geometry.geom_type in expected:
        return []
    return [Problem(spec.filename, fid, "geometry",
                    f"a {key} '{props[key]}' needs {' or '.join(expected)}, got {geometry.geom_type}",
                    kind="geometry_type", details={"expected": tuple(expected), "got": geometry.geom_type})]


def to_geodataframe(parsed: list[dict], spec: LayerSpec) -> gpd.GeoDataFrame:
    """Build the layer's GeoDataFrame (EPSG:4326, columns in schema order) from checked features.

    Property columns keep the JSON values as they are (object dtype), so a null stays ``None``, never ``NaN``.
    """
    columns = {name: pd.Series([f["properties"].get(name) for f in parsed], dtype=object) for name in spec.fields}
    return gpd.GeoDataFrame(columns, geometry=[f["geometry"] for f in parsed], crs=WGS84)


def check_inside_areas(layer: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, filename: str,
                       tolerance_m: float) -> list[Problem]:
    """Report features lying outside the area named by their ``district`` by more than ``tolerance_m``."""
    area_by_name = areas.to_crs(METRIC_CRS).set_index("name").geometry
    metric = layer.to_crs(METRIC_CRS)
    problems = []
    for fid, district, geometry in zip(metric["id"], metric["district"], metric.geometry):
        if geometry is None:
            continue
        if district not in area_by_name.index:
            problems.append(Problem(filename, fid, "district", f"no area named {district!r} in districts.geojson"))
            continue
        outside = geometry.difference(area_by_name[district].buffer(tolerance_m))
        if not outside.is_empty:
            far = shapely.distance(shapely.points(shapely.get_coordinates(outside)), area_by_name[district]).max()
            problems.append(Problem(filename, fid, "geometry",
                                    f"lies outside its district {district} by up to {far:.0f} m (tolerance "
                                    f"{tolerance_m:.0f} m); move it inside or correct 'district'",
                                    kind="outside_district",
                                    details={"district": district, "distance_m": float(far),
                                             "tolerance_m": float(tolerance_m)}))
    return problems
