"""Importing replacement geometries from a survey file: match its features to items, preview, apply all or none.

A layer of an uploaded file (:mod:`geo.exchange.survey_files`) is read in the coordinates the user states
(:mod:`geo.exchange.import_coordinates`); each feature names its item in one field, by id (``B01``) or by name
(``中国眼谷``). Every feature then gets the checks of any geometry edit (:func:`geo.status.edits.check_geometry_edit`:
type per layer, validity, inside its district, size) plus the import's own: a key naming no item or several, two
features for one item, no geometry, far outside Wenzhou. :func:`preview_import` returns each feature with its
problems and how far it moves the item (Hausdorff and centroid distance in metres, EPSG:32651; for GCJ-02/BD-09
input also the shift the conversion undid). :func:`apply_import` writes nothing unless no feature has a problem,
then stores every geometry as a new ``surveyed`` version with its audit entry, each after its item's version
check, in one transaction: a version conflict on any item rolls back all of them.
"""
from __future__ import annotations

import logging
import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.status import models
from geo.status.edits import check_geometry_edit
from geo.errors import ValidationError
from geo.plan.coords import geometry_to_wgs84
from geo.exchange.import_coordinates import DATUMS, is_lonlat, resolve_coordinates, to_wgs84
from geo.plan.layers import PlanData
from geo.status.records import Written, store_geometry_version
from geo.plan.schema import LAYERS, METRIC_CRS, POLYGONAL, WGS84
from geo.status.snapshot import geometry_from_row
from geo.status.store import Store, bump_version
from geo.exchange.survey_files import SurveyFile
from geo.plan.validate import Problem

logger = logging.getLogger(__name__)

WHAT = "geometry import"
ITEM_LAYERS = ("blocks", "roads", "tasks")
MATCH_MODES: tuple[str, ...] = ("id", "name")
WENZHOU_MARGIN_M = 5000.0  # farther than this from every plan area is not a surveyed position in Wenzhou
DATUM_SHIFT_MIN_M = 100.0  # GCJ-02 moves Wenzhou by about 500 m, BD-09 by about 1 km


@dataclass(frozen=True)
class ImportChoice:
    """What the user chose: the file's layer, the field naming the items, how it names them, the coordinates."""

    layer: str
    key_field: str
    match: str = "id"
    coordinates: str = "file"
    epsg: str | None = None


@dataclass(frozen=True)
class Candidate:
    """One feature of the file: the item it names and its replacement geometry, or its problems."""

    index: int
    """Its position in the layer, from 1."""
    key: str
    item_id: str | None
    geometry: shapely.Geometry | None
    """The replacement in WGS-84, as converted (shown even with problems; written only without)."""
    as_read: shapely.Geometry | None
    """Before the GCJ-02/BD-09 conversion (the same as ``geometry`` without one)."""
    current: shapely.Geometry | None
    moved_m: float | None
    centroid_moved_m: float | None
    datum_shift_m: float | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class ImportPreview:
    """The outcome of reading and checking a file: every feature, and the problems of the file as a whole."""

    filename: str
    choice: ImportChoice
    coordinates: str
    candidates: tuple[Candidate, ...]
    datum_hint: str | None = None
    """``gcj02`` or ``bd09`` when the file, read as WGS-84, looks like AMap or Baidu coordinates (see
    :func:`datum_hint`)."""

    def all_problems(self) -> list[Problem]:
        """Every feature's problems, in the file's order."""
        return [p for c in self.candidates for p in c.problems]


def _problem(feature: str | None, field: str, message: str, kind: str, **details: object) -> Problem:
    return Problem(WHAT, feature, field, message, kind=kind, details=details)


def _shown(value: object) -> str:
    """A field's value as the file writes it (nothing for a null)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _text(value: object) -> str:
    """A field's value as matched: NFKC (full-width letters and brackets as ASCII), no spaces."""
    return "".join(unicodedata.normalize("NFKC", _shown(value)).split())


def item_keys(plan: PlanData, match: str) -> dict[str, list[str]]:
    """Every item's key as a file may write it (ids upper case; names without spaces, NFKC) → the item ids."""
    keys: dict[str, list[str]] = defaultdict(list)
    for layer in ITEM_LAYERS:
        table = getattr(plan, layer)
        for item_id, name in zip(table["id"], table["name"]):
            keys[_text(item_id).upper() if match == "id" else _text(name)].append(item_id)
    return keys


def suggest_key_field(frame: pd.DataFrame, plan: PlanData) -> tuple[str | None, str]:
    """The field (and match mode) whose values name the most items; ``(None, "id")`` when none names any."""
    best: tuple[int, str | None, str] = (0, None, "id")
    for match in MATCH_MODES:
        keys = item_keys(plan, match)
        for column in frame.columns:
            if column == "geometry":
                continue
            values = [_text(v) for v in frame[column]]
            hits = sum((v.upper() if match == "id" else v) in keys for v in values)
            best = max(best, (hits, column, match), key=lambda b: b[0])
    return best[1], best[2]


def _check_choice(frame: gpd.GeoDataFrame, choice: ImportChoice) -> None:
    problems = []
    fields = [c for c in frame.columns if c != "geometry"]
    if choice.key_field not in fields:
        problems.append(_problem(None, "key_field", f"the layer has no field {choice.key_field!r}; expected one of "
                                                    f"{', '.join(fields)}", "import_field_unknown",
                                 got=choice.key_field, choices=tuple(fields)))
    if choice.match not in MATCH_MODES:
        problems.append(_problem(None, "match", f"expected one of {', '.join(MATCH_MODES)}, got {choice.match!r}",
                                 "choice", got=choice.match, choices=MATCH_MODES))
    if not len(frame):
        problems.append(_problem(None, "file_layer", f"layer {choice.layer!r} holds no features", "import_layer_empty",
                                 layer=choice.layer))
    if problems:
        raise ValidationError(problems)


def _match(keys: Mapping[str, list[str]], value: object, match: str, index: int) -> tuple[str | None,
                                                                                        list[Problem]]:
    where, key = f"#{index}", _text(value)
    if not key:
        return None, [_problem(where, "key_field", "the feature names no item: the field is empty",
                               "import_key_missing")]
    ids = keys.get(key.upper() if match == "id" else key, [])
    key = _shown(value)
    if len(ids) == 1:
        return ids[0], []
    if ids:
        return None, [_problem(where, "key_field", f"the name {key!r} fits several items ({', '.join(ids)}); "
                                                   f"match by id instead", "import_name_ambiguous", got=key,
                               choices=tuple(ids))]
    kind = "import_unknown_id" if match == "id" else "import_unknown_name"
    return None, [_problem(where, "key_field", f"no block, road or task has the {match} {key!r}", kind, got=key)]


def _fitted(geometry: shapely.Geometry | None, layer: str) -> shapely.Geometry | None:
    """A closed line as a polygon where the item's layer holds polygons (CAD and GPS tracks draw outlines as
    closed polylines)."""
    if geometry is None or LAYERS[layer].geometry_types != POLYGONAL or geometry.geom_type != "LineString":
        return geometry
    return shapely.Polygon(geometry.coords) if geometry.is_closed and len(geometry.coords) >= 4 else geometry


def _plan_with(plan: PlanData, geometries: Mapping[str, shapely.Geometry]) -> PlanData:
    """``plan`` with the new geometries in place, so that checks across items (the ring closes) see them all."""
    layers = {}
    for layer in ITEM_LAYERS:
        table = getattr(plan, layer).copy()
        chosen = table["id"].isin(list(geometries))
        if chosen.any():
            table.loc[chosen, "geometry"] = gpd.GeoSeries([geometries[i] for i in table.loc[chosen, "id"]],
                                                          index=table.index[chosen], crs=table.crs)
            layers[layer] = table
    return replace(plan, **layers)


def _distance(before: shapely.Geometry | None, after: shapely.Geometry | None) -> tuple[float | None, float | None]:
    """(Hausdorff, centroid distance) in metres from ``before`` to ``after``; ``None`` when either is missing."""
    if before is None or after is None or before.is_empty or after.is_empty:
        return None, None
    if not (_lonlat(before) and _lonlat(after)):
        return None, None
    a, b = gpd.GeoSeries([before, after], crs=WGS84).to_crs(METRIC_CRS)
    return float(shapely.hausdorff_distance(a, b)), float(a.centroid.distance(b.centroid))


def _lonlat(geometry: shapely.Geometry) -> bool:
    """Whether every coordinate is a finite lon/lat (projected coordinates read as degrees are not)."""
    coords = shapely.get_coordinates(geometry)
    return bool(np.isfinite(coords).all() and (abs(coords[:, 0]) <= 180).all() and (abs(coords[:, 1]) <= 90).all())


def _outside_wenzhou(plan: PlanData, geometries: list[shapely.Geometry | None]) -> list[float | None]:
    """How far each geometry lies from every plan area, in metres (``None`` when missing)."""
    areas = plan.districts[plan.districts["kind"] != "corridor"].to_crs(METRIC_CRS).union_all()
    usable = [g if g is not None and not g.is_empty and _lonlat(g) else None for g in geometries]
    metric = gpd.GeoSeries(usable, crs=WGS84).to_crs(METRIC_CRS)
    return [None if g is None else float(g.distance(areas)) for g in metric]


def preview_import(survey: SurveyFile, plan: PlanData, choice: ImportChoice, *,
                   current: Mapping[str, shapely.Geometry]) -> ImportPreview:
    """Read ``choice.layer`` of ``survey`` and check every feature as a replacement for the item it names.

    Parameters
    ----------
    current
        Each item's geometry now (the stored version if any, else the plan's), to measure how far it moves.

    Raises
    ------
    ValidationError
        When nothing can be previewed: an unknown layer or field, an empty layer, no usable CRS (a file without
        one and none stated, or a stated one contradicting the file's).
    """
    frame = survey.read(choice.layer)
    _check_choice(frame, choice)
    coordinates, problems = resolve_coordinates(frame.crs, choice.coordinates, epsg=choice.epsg)
    if coordinates is None:
        raise ValidationError(problems)
    as_read, converted = to_wgs84(frame, coordinates)
    keys = item_keys(plan, choice.match)
    matched = [_match(keys, value, choice.match, n) for n, value in enumerate(frame[choice.key_field], 1)]
    geometries = [_fitted(g, plan.layer_of(item_id)) if item_id else g for g, (item_id, _) in zip(converted, matched)]
    counts = Counter(item_id for item_id, _ in matched if item_id)
    after = _plan_with(plan, {item_id: g for g, (item_id, _) in zip(geometries, matched)
                              if item_id and g is not None and counts[item_id] == 1})
    far = _outside_wenzhou(plan, geometries)
    candidates = []
    for n, ((item_id, found), geometry, distance) in enumerate(zip(matched, geometries, far), 1):
        found = _problems_of(after, item_id, geometry, distance, found, counts, n)
        old = current.get(item_id) if item_id else None
        raw = as_read.iloc[n - 1]
        shift = _distance(raw, converted.iloc[n - 1])[0] if coordinates.datum else None
        candidates.append(Candidate(n, _shown(frame[choice.key_field].iloc[n - 1]), item_id, geometry, raw, old,
                                    *_distance(old, geometry), shift, tuple(found)))
    logger.info("previewed %d features of %s (%s): %d with problems", len(candidates), survey.filename,
                coordinates.label, sum(bool(c.problems) for c in candidates))
    hint = datum_hint(candidates) if coordinates.datum is None and is_lonlat(coordinates.crs) else None
    return ImportPreview(survey.filename, choice, coordinates.label, tuple(candidates), hint)


def datum_hint(candidates: list[Candidate]) -> str | None:
    """``gcj02`` or ``bd09`` when most features that moved more than :data:`DATUM_SHIFT_MIN_M` come back within a
    quarter of that distance once the datum's shift is undone: coordinates picked from AMap or Baidu, not said so."""
    moved = [c for c in candidates if c.current is not None and c.geometry is not None
             and (c.centroid_moved_m or 0) > DATUM_SHIFT_MIN_M]
    for datum in DATUMS:
        if moved and sum(_comes_back(c, datum) for c in moved) > len(moved) / 2:
            return datum
    return None


def _comes_back(candidate: Candidate, datum: str) -> bool:
    undone = _distance(candidate.current, geometry_to_wgs84(candidate.geometry, datum=datum))[1]
    return undone is not None and undone < candidate.centroid_moved_m / 4


def _problems_of(plan: PlanData, item_id: str | None, geometry: shapely.Geometry | None, distance: float | None,
                 found: list[Problem], counts: Counter, index: int) -> list[Problem]:
    where = item_id or f"#{index}"
    if geometry is None or geometry.is_empty:
        return [*found, _problem(where, "geometry", "the feature has no geometry", "geometry_missing")]
    if not _lonlat(geometry):
        return [*found, _problem(where, "geometry", "coordinates out of lon/lat range after reading the file in its "
                                                    "CRS; does the file state the wrong CRS?", "coordinates_range")]
    if distance is not None and distance > WENZHOU_MARGIN_M:
        return [*found, _problem(where, "geometry", f"lies {distance / 1000:.1f} km from every plan area, outside "
                                                    f"Wenzhou; check the coordinate system", "import_outside_wenzhou",
                                 distance_km=round(distance / 1000, 1))]
    if item_id is None:
        return found
    if counts[item_id] > 1:
        found = [*found, _problem(where, "key_field", f"{counts[item_id]} features name {item_id}; keep one",
                                  "import_duplicate_item", got=item_id, count=counts[item_id])]
    return [*found, *check_geometry_edit(plan, item_id, shapely.geometry.mapping(geometry))[1]]


def apply_import(store: Store, preview: ImportPreview, *, author: str,
                 expected_versions: Mapping[str, object]) -> list[Written]:
    """Store every feature of ``preview`` as its item's new ``surveyed`` geometry version, in one transaction.

    Parameters
    ----------
    expected_versions
        Each item's version when the preview was shown (:class:`~geo.errors.EditConflict`, and nothing written,
        when any item moved on since).

    Raises
    ------
    ValidationError
        With every problem of the preview (nothing is written while any feature has one), or naming ``versions``
        for an item whose expected version is missing.
    """
    problems = preview.all_problems()
    if not preview.candidates:
        problems.append(_problem(None, "file_layer", "the layer holds no features", "import_layer_empty",
                                 layer=preview.choice.layer))
    problems += [_problem(c.item_id, "versions", f"no expected version for {c.item_id}; preview the file again",
                          "import_version_missing", got=c.item_id)
                 for c in preview.candidates if c.item_id and c.item_id not in expected_versions]
    if problems:
        raise ValidationError(problems)
    written = []
    with store.write() as session:
        for candidate in sorted(preview.candidates, key=lambda c: c.item_id):  # one lock order for every import
            version = bump_version(session, candidate.item_id, expected_versions[candidate.item_id])
            row = store_geometry_version(session, candidate.item_id, candidate.geometry, source=models.SURVEYED,
                                         author=author, details={"version": version, "import_file": preview.filename,
                                                                 "import_feature": candidate.index})
            written.append(Written(candidate.item_id, version, geometry_from_row(row)))
    logger.info("imported %d surveyed geometries from %s by %s", len(written), preview.filename, author)
    return written
