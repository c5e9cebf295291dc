"""Reading an uploaded survey file with pyogrio/GDAL: GeoPackage, zipped Shapefile, KML/KMZ, GeoJSON, CSV with a
WKT column, and DXF.

The format is taken from the file name's suffix and confirmed from the first bytes (a ``.gpkg`` must be an SQLite
file, a ``.zip`` must hold a ``.shp``, ...), so a renamed file is refused with a clear reason instead of a GDAL
error. The bytes are written under a folder the caller owns, named after the upload with only word characters
kept (single-layer formats name their layer after the file), and read
from there (zips through GDAL's ``/vsizip/``, never extracted). Every problem is a
:class:`~geo.plan.validate.Problem` of the field ``file`` (or ``layer``), raised once as
:class:`~geo.errors.ValidationError`.
"""
from __future__ import annotations

import io
import re
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

from geo.errors import ValidationError
from geo.plan.validate import Problem

logger = logging.getLogger(__name__)

WHAT = "geometry import"
MAX_FEATURES = 5000
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024  # a zip bomb is refused before GDAL opens it
SAMPLE_VALUES = 5
# suffix -> format name; the first bytes are checked by _content_problem
FORMATS: dict[str, str] = {
    ".gpkg": "GeoPackage", ".zip": "Shapefile (zip)", ".kml": "KML", ".kmz": "KMZ", ".geojson": "GeoJSON",
    ".json": "GeoJSON", ".csv": "CSV (WKT)", ".dxf": "DXF",
}
CSV_OPTIONS: dict[str, str] = {"GEOM_POSSIBLE_NAMES": "WKT,wkt,geometry,geom,the_geom,shape", "KEEP_GEOM_COLUMNS": "NO"}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGIC = b"PK\x03\x04"
_UNSAFE = re.compile(r"[^\w-]")


@dataclass(frozen=True)
class LayerInfo:
    """One layer of a survey file, as the import page offers it."""

    name: str
    geometry_type: str
    count: int
    fields: tuple[str, ...]
    crs: str | None
    """The layer's CRS as ``AUTHORITY:CODE`` or WKT; ``None`` when the file states none."""


@dataclass(frozen=True)
class SurveyFile:
    """An uploaded file ready for GDAL: ``path`` is what GDAL opens (``/vsizip/…`` for zips)."""

    filename: str
    format: str
    path: str

    @property
    def options(self) -> dict[str, str]:
        """GDAL open options of the format (CSV: where the WKT is)."""
        return CSV_OPTIONS if self.format == FORMATS[".csv"] else {}

    def layers(self) -> list[LayerInfo]:
        """Every layer with its geometry type, feature count, fields and CRS."""
        with _reading(self.filename):
            names = [str(row[0]) for row in pyogrio.list_layers(self.path)]
            infos = [(name, pyogrio.read_info(self.path, layer=name, force_feature_count=True, **self.options))
                     for name in names]
        return [LayerInfo(name, str(info.get("geometry_type") or "Unknown"), int(info.get("features") or 0),
                          tuple(str(f) for f in info["fields"]), info.get("crs") or None) for name, info in infos]

    def read(self, layer: str) -> gpd.GeoDataFrame:
        """The features of ``layer`` (2D, every field as read); a problem naming ``layer`` when the file has no such
        layer or it holds more than :data:`MAX_FEATURES` features."""
        known = {info.name: info for info in self.layers()}
        if layer not in known:
            raise _problem("file_layer", f"the file has no layer {layer!r}; expected one of {', '.join(known)}",
                           "import_layer_unknown", got=layer, choices=tuple(known))
        if known[layer].count > MAX_FEATURES:
            raise _problem("file_layer", f"expected at most {MAX_FEATURES} features, got {known[layer].count}; split "
                                    f"the file", "import_too_many_features", limit=MAX_FEATURES,
                           got=known[layer].count)
        with _reading(self.filename):
            frame = pyogrio.read_dataframe(self.path, layer=layer, **self.options)
        if "geometry" not in frame:
            raise _problem("file_layer", f"layer {layer!r} has no geometry column; export the layer with its "
                                    f"geometries", "import_no_geometry_column", layer=layer)
        frame = frame.set_geometry(shapely.force_2d(frame.geometry.values), crs=frame.crs)
        logger.info("read %d features of layer %s from %s", len(frame), layer, self.filename)
        return frame


def _problem(field: str, message: str, kind: str, **details: object) -> ValidationError:
    return ValidationError([Problem(WHAT, None, field, message, kind=kind, details=details)])


@contextmanager
def _reading(filename: str) -> Iterator[None]:
    """Turn GDAL's errors while reading into a ``file`` problem."""
    try:
        yield
    except (DataSourceError, DataLayerError, FieldError, GeometryError) as exc:
        raise _problem("file", f"GDAL could not read {filename}: {exc}", "import_unreadable",
                       reason=str(exc)) from exc


def open_survey_file(data: bytes, filename: str, *, folder: Path) -> SurveyFile:
    """Check ``data`` (named ``filename`` by the user) and write it into ``folder`` for GDAL.

    Raises
    ------
    ValidationError
        Naming ``file``: an unsupported suffix, content that is not what the suffix says, an empty file, a zip
        without a Shapefile (or a KMZ without KML) or one that unpacks to more than :data:`MAX_UNZIPPED_BYTES`.
    """
    name = PurePosixPath(filename.replace("\\", "/"))
    suffix = name.suffix.lower()
    if suffix not in FORMATS:
        raise _problem("file", f"expected a file ending in {', '.join(FORMATS)}, got {filename!r}",
                       "import_format", got=filename, choices=tuple(FORMATS))
    if not data:
        raise _problem("file", f"{filename} is empty", "import_empty_file", got=filename)
    inner = _content_problem(data, suffix, filename)
    # single-layer formats name their layer after the file: keep the user's name, made safe for a path
    path = folder / ((_UNSAFE.sub("_", name.stem)[:60] or "upload") + suffix)
    path.write_bytes(data)
    gdal_path = f"/vsizip/{path}/{inner}" if suffix == ".kmz" else f"/vsizip/{path}" if suffix == ".zip" else str(path)
    return SurveyFile(filename, FORMATS[suffix], gdal_path)


def _content_problem(data: bytes, suffix: str, filename: str) -> str | None:
    """Raise when ``data`` is not what ``suffix`` says; return the KML's name inside a KMZ."""
    if suffix in (".zip", ".kmz"):
        return _zip_member(data, suffix, filename)
    head = data[:2048]
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff").lstrip()
    ok = {".gpkg": head.startswith(_SQLITE_MAGIC), ".kml": "<kml" in text, ".geojson": text.startswith("{"),
          ".json": text.startswith("{"), ".dxf": "SECTION" in text,
          ".csv": b"\x00" not in head and any(sep in text for sep in ",;\t")}[suffix]
    if not ok:
        raise _problem("file", f"{filename} does not hold {FORMATS[suffix]} content; was it renamed?",
                       "import_content", got=filename, format=FORMATS[suffix])
    if suffix in (".csv", ".geojson", ".json"):  # GDAL reads these as UTF-8 (KML and DXF declare their encoding)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise _problem("file", f"{filename} is not UTF-8 text; save it as UTF-8 (e.g. Excel: CSV UTF-8)",
                           "import_encoding", got=filename) from None
    return None


def _zip_member(data: bytes, suffix: str, filename: str) -> str | None:
    if not data.startswith(_ZIP_MAGIC):
        raise _problem("file", f"{filename} is not a zip archive", "import_content", got=filename,
                       format=FORMATS[suffix])
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise _problem("file", f"{filename} is a damaged zip archive: {exc}", "import_content", got=filename,
                       format=FORMATS[suffix]) from exc
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise _problem("file", f"{filename} unpacks to more than {MAX_UNZIPPED_BYTES} bytes", "import_zip_size",
                       got=filename, limit=MAX_UNZIPPED_BYTES)
    wanted = ".kml" if suffix == ".kmz" else ".shp"
    found = [m.filename for m in members if m.filename.lower().endswith(wanted)]
    if not found:
        raise _problem("file", f"{filename} holds no {wanted} file; zip the Shapefile's .shp, .shx, .dbf, .prj "
                               f"and .cpg together", "import_zip_member", got=filename, wanted=wanted)
    return found[0] if suffix == ".kmz" else None
