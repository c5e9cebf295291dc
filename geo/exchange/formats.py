"""The plan's layers as GIS files: GeoPackage, zipped Shapefile, KML, KMZ, GeoJSON and CSV with WKT.

Every file is written by GDAL through :func:`pyogrio.write_dataframe` into a temporary folder and returned as bytes.
Coordinates are WGS-84 lon/lat (EPSG:4326) in every format; text is UTF-8.

=========  ==================  ===========  =========================================  =================================
format     GDAL driver         extension    media type                                 notes
=========  ==================  ===========  =========================================  =================================
gpkg       GPKG                .gpkg        application/geopackage+sqlite3             one layer per geometry family
shp        ESRI Shapefile      .shp.zip     application/zip                            one layer per geometry family,
                                                                                       ``.cpg`` UTF-8, ``fields.csv``
kml        LIBKML              .kml         application/vnd.google-earth.kml+xml       attributes as ``<Data>`` text
kmz        LIBKML              .kmz         application/vnd.google-earth.kmz           that KML zipped as ``doc.kml``
geojson    GeoJSON             .geojson     application/geo+json                       RFC 7946; lists stay arrays
csv        CSV                 .csv         text/csv; charset=utf-8                    ``WKT`` column first, UTF-8 BOM
=========  ==================  ===========  =========================================  =================================

Rules that keep data from being lost:

- **Geometry families.** A Shapefile layer holds one geometry type and GIS expect the same of a GeoPackage layer,
  so a frame that mixes points, lines and polygons (the roads hold the transit row's stops, a tour its legs and
  stops) becomes one layer per family there, named ``<layer>_points``, ``<layer>_lines``, ``<layer>_polygons``;
  single and multi parts of one family share a layer (promoted to multi). KML, GeoJSON and CSV hold any mix.
- **Lists and mappings** (e.g. ``districts``) are written as JSON text, except in GeoJSON, which keeps lists.
- **Shapefile field names** are at most 10 bytes: :func:`shapefile_field_names` shortens longer names
  deterministically, and the zip's ``fields.csv`` maps every short name back to the property (and its label).
  Text over a DBF field's 254 bytes is cut at a character boundary and the full text is kept in the zip's
  ``long_values.csv``.
- **CSV** cannot say its CRS: the ``WKT`` column is lon/lat in EPSG:4326 (stated in ``docs/exchange.md``).
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.errors import InvalidParameter

logger = logging.getLogger(__name__)

EXPORT_CRS = "EPSG:4326"
SHAPEFILE_NAME_BYTES = 10
DBF_TEXT_BYTES = 254
CUT_MARK = "…"
FIELD_TABLE = "fields.csv"
LONG_VALUE_TABLE = "long_values.csv"
KMZ_DOCUMENT = "doc.kml"
FAMILIES: dict[str, str] = {"Point": "points", "MultiPoint": "points", "LineString": "lines",
                            "MultiLineString": "lines", "Polygon": "polygons", "MultiPolygon": "polygons"}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_]")
_KML_LOCK = threading.Lock()


@dataclass(frozen=True)
class ExchangeFormat:
    """One file format: its key (the ``format`` parameter), GDAL driver, file extension and media type."""

    key: str
    driver: str
    extension: str
    media_type: str


FORMATS: dict[str, ExchangeFormat] = {fmt.key: fmt for fmt in (
    ExchangeFormat("gpkg", "GPKG", ".gpkg", "application/geopackage+sqlite3"),
    ExchangeFormat("shp", "ESRI Shapefile", ".shp.zip", "application/zip"),
    ExchangeFormat("kml", "LIBKML", ".kml", "application/vnd.google-earth.kml+xml"),
    ExchangeFormat("kmz", "LIBKML", ".kmz", "application/vnd.google-earth.kmz"),
    ExchangeFormat("geojson", "GeoJSON", ".geojson", "application/geo+json"),
    ExchangeFormat("csv", "CSV", ".csv", "text/csv; charset=utf-8"),
)}


def exchange_format(key: str) -> ExchangeFormat:
    """The format named ``key``; :class:`InvalidParameter` naming ``format`` and the choices otherwise."""
    if key not in FORMATS:
        raise InvalidParameter("format", f"expected one of {', '.join(FORMATS)}, got {key!r}", kind="choice",
                               details={"got": key, "choices": tuple(FORMATS)})
    return FORMATS[key]


def features_frame(features: Sequence[Mapping[str, Any]], *, columns: Sequence[str] | None = None
                   ) -> gpd.GeoDataFrame:
    """GeoJSON features as a frame in EPSG:4326, one column per property in order of first appearance.

    Parameters
    ----------
    features
        RFC 7946 features (lon/lat).
    columns
        The property columns to hold even when ``features`` is empty (default: those of the features).

    Integer properties stay integers where some features lack them (nullable ``Int64``, not floats).
    """
    names = list(dict.fromkeys([*(columns or ()), *(key for f in features for key in f["properties"])]))
    data = {name: _typed(pd.Series([f["properties"].get(name) for f in features], dtype=object)) for name in names}
    geometries = [shapely.geometry.shape(f["geometry"]) if f.get("geometry") else None for f in features]
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometries, crs=EXPORT_CRS), crs=EXPORT_CRS)


def _typed(values: pd.Series) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return values.astype("Int64")
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return values.astype(bool)
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return values.astype(float)
    return values


def write_layer(frame: gpd.GeoDataFrame, *, format: str, layer_name: str,
                field_labels: Mapping[str, str] | None = None) -> bytes:
    """Write ``frame`` as a file of ``format`` (a key of :data:`FORMATS`) and return its bytes.

    Parameters
    ----------
    frame
        The features, with a CRS (reprojected to EPSG:4326).
    format
        ``gpkg``, ``shp`` (a zip), ``kml``, ``kmz``, ``geojson`` or ``csv``.
    layer_name
        The layer's name in the file (and the base of the Shapefile's file names): ASCII letters, digits and ``_``.
    field_labels
        Optional readable names of the properties, listed beside them in a Shapefile's ``fields.csv``.

    Raises
    ------
    InvalidParameter
        For an unknown ``format`` or a ``layer_name`` that is not a plain name, or a frame without a CRS.
    """
    fmt = exchange_format(format)
    _check_inputs(frame, layer_name)
    frame = frame.to_crs(EXPORT_CRS)
    with tempfile.TemporaryDirectory(prefix="corridor-export-") as folder:
        target = Path(folder)
        if fmt.key == "shp":
            return _shapefile_zip(frame, target, layer_name=layer_name, field_labels=field_labels or {})
        if fmt.key == "gpkg":
            path = target / f"{layer_name}.gpkg"
            for name, part in family_layers(frame, layer_name=layer_name):
                _write(_json_text(part), path, driver=fmt.driver, layer=name, append=path.exists(),
                       one_family=True)
            return path.read_bytes()
        path = target / f"{layer_name}{'.kml' if fmt.key == 'kmz' else fmt.extension}"
        _write_single(frame, path, fmt=fmt, layer_name=layer_name)
        return _kmz(path) if fmt.key == "kmz" else path.read_bytes()


def _check_inputs(frame: gpd.GeoDataFrame, layer_name: str) -> None:
    if not layer_name or _UNSAFE_NAME.search(layer_name):
        raise InvalidParameter("layer_name", f"expected ASCII letters, digits and _ only, got {layer_name!r}")
    if frame.crs is None:
        raise InvalidParameter("frame", "the frame has no CRS; set it (e.g. frame.set_crs('EPSG:4326')) first")


def _write_single(frame: gpd.GeoDataFrame, path: Path, *, fmt: ExchangeFormat, layer_name: str) -> None:
    if fmt.key == "geojson":
        _write(_json_text(frame, keep_lists=True), path, driver=fmt.driver, layer=layer_name,
               layer_options={"RFC7946": "YES"})
    elif fmt.key == "csv":
        _write(_json_text(frame), path, driver=fmt.driver, layer=layer_name,
               layer_options={"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES"})
    else:
        _write_kml(_json_text(frame), path, layer=layer_name)


def _write_kml(frame: gpd.GeoDataFrame, path: Path, *, layer: str) -> None:
    """KML with the attributes as ``<Data>`` elements: every KML client shows them, and GDAL reads them back from a
    KMZ too (typed ``SchemaData`` in a single-file KMZ it does not). The switch is a process-wide GDAL setting, so
    it is set and cleared under a lock."""
    with _KML_LOCK:
        pyogrio.set_gdal_config_options({"LIBKML_USE_SIMPLEFIELD": "NO"})
        try:
            _write(frame, path, driver=FORMATS["kml"].driver, layer=layer)
        finally:
            pyogrio.set_gdal_config_options({"LIBKML_USE_SIMPLEFIELD": None})


def _write(frame: gpd.GeoDataFrame, path: Path, *, driver: str, layer: str, append: bool = False,
           one_family: bool = False, **options: Any) -> None:
    """Write through Arrow (nullable integers stay integers); ``one_family``: single and multi parts of a family
    share the layer as multi parts (for formats with one geometry type per layer)."""
    multi = frame.geom_type.dropna().str.startswith("Multi")
    promote = one_family and bool(multi.any()) and not bool(multi.all())
    pyogrio.write_dataframe(frame, path, driver=driver, layer=layer, append=append, use_arrow=True,
                            promote_to_multi=promote, **options)
    logger.info("wrote %d features to %s (%s, layer %s)", len(frame), path.name, driver, layer)


def family_layers(frame: gpd.GeoDataFrame, *, layer_name: str) -> list[tuple[str, gpd.GeoDataFrame]]:
    """``frame`` split by geometry family (points, lines, polygons) as ``(name, part)``: one part named
    ``layer_name`` when there is a single family (or no feature), else ``<layer_name>_<family>`` each."""
    family = frame.geom_type.map(FAMILIES)
    names = [name for name in ("points", "lines", "polygons") if (family == name).any()]
    if len(names) <= 1:
        return [(layer_name, frame)]
    return [(f"{layer_name}_{name}", frame[family == name]) for name in names]


def _json_text(frame: gpd.GeoDataFrame, *, keep_lists: bool = False) -> gpd.GeoDataFrame:
    """A copy with list and mapping values as JSON text (lists kept when ``keep_lists``)."""
    out = frame.copy()
    for column in out.columns.drop(out.geometry.name):
        if out[column].dtype != object:
            continue
        kinds = (dict,) if keep_lists else (list, tuple, dict)
        if any(isinstance(v, kinds) for v in out[column]):
            out[column] = [json.dumps(v, ensure_ascii=False) if isinstance(v, (list, tuple, dict)) else v
                           for v in out[column]]
    return out


def _kmz(kml_path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(kml_path, KMZ_DOCUMENT)
    return buffer.getvalue()


def shapefile_field_names(names: Iterable[str]) -> dict[str, str]:
    """Map property names to Shapefile field names of at most 10 bytes, unique regardless of case.

    A name that already fits (ASCII, at most 10 bytes) is kept. Any other is made ASCII (other characters become
    ``_``) and cut to 10 bytes; if that is taken, to 7 bytes plus ``_`` and a two-digit counter
    (``responsible_unit`` → ``responsibl``, then ``responsible_unit_derived`` → ``respons_01``). The result depends
    only on the names and their order.
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        short = name if name.isascii() and len(name) <= SHAPEFILE_NAME_BYTES else \
            _UNSAFE_NAME.sub("_", name)[:SHAPEFILE_NAME_BYTES] or "field"
        counter = 0
        while short.lower() in taken:
            counter += 1
            short = f"{_UNSAFE_NAME.sub('_', name)[:SHAPEFILE_NAME_BYTES - 3]}_{counter:02d}"
        taken.add(short.lower())
        mapping[name] = short
    return mapping


def _shapefile_zip(frame: gpd.GeoDataFrame, folder: Path, *, layer_name: str,
                   field_labels: Mapping[str, str]) -> bytes:
    frame = _json_text(frame)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    names = shapefile_field_names(columns)
    field_rows, long_rows = [], []
    for name, part in family_layers(frame, layer_name=layer_name):
        part, cut = _fit_dbf_text(part.rename(columns=names), file=f"{name}.shp", names=names)
        long_rows += cut
        _write(part, folder / f"{name}.shp", driver="ESRI Shapefile", layer=name, one_family=True,
               layer_options={"ENCODING": "UTF-8"})
        field_rows += [(f"{name}.shp", names[c], c, field_labels.get(c, "")) for c in columns]
    _write_table(folder / FIELD_TABLE, ("file", "field", "property", "label"), field_rows)
    if long_rows:
        _write_table(folder / LONG_VALUE_TABLE, ("file", "row", "id", "field", "property", "full_value"), long_rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def _fit_dbf_text(frame: gpd.GeoDataFrame, *, file: str, names: Mapping[str, str]
                  ) -> tuple[gpd.GeoDataFrame, list[tuple]]:
    """Cut text over :data:`DBF_TEXT_BYTES` at a character boundary (with a mark); return the rows cut."""
    properties = {short: name for name, short in names.items()}
    ids = frame[names["id"]] if "id" in names else pd.Series([""] * len(frame), index=frame.index)
    out, cut = frame.copy(), []
    for column in properties:
        if out[column].dtype != object:
            continue
        for row, (index, value) in enumerate(out[column].items()):
            if isinstance(value, str) and len(value.encode("utf-8")) > DBF_TEXT_BYTES:
                out.at[index, column] = _cut(value)
                cut.append((file, row, ids[index], column, properties[column], value))
    return out, cut


def _cut(text: str) -> str:
    budget = DBF_TEXT_BYTES - len(CUT_MARK.encode("utf-8"))
    return text.encode("utf-8")[:budget].decode("utf-8", errors="ignore") + CUT_MARK


def _write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A small CSV beside the layers, UTF-8 with BOM so that Excel shows the Chinese text."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
