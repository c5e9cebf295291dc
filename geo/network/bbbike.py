"""The BBBike extract of Wenzhou (``data/sources/wenzhou-bbbike-roads.json``): its format and reading it.

This module owns the extract's file format. The file is one JSON object with ``source`` (naming the extract
date), ``bbox``, ``types`` (OSM class names), ``counts`` and lists ``roads``/``waterways``/``railways`` of
``[type_index, name, [[lon, lat], ...]]`` and ``places`` of ``[name, place_kind, lon, lat]``. It has no junction
nodes, ids, ``oneway``, ``maxspeed`` nor bridge flags, and its lines were simplified (3–14 m), so the road network
is rebuilt from the lines by :mod:`geo.network.bbbike_build`. Waterways are not read.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geo.errors import DataFileError

logger = logging.getLogger(__name__)

_REQUIRED_KEYS = ("source", "bbox", "types", "roads", "railways", "places")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_NUMBER = (int, float)  # exact types: JSON true/false are no coordinates


@dataclass(frozen=True)
class ExtractLine:
    """One line record: its position in its list, OSM class, name and ``(k, 2)`` lon/lat vertices."""

    index: int
    kind: str
    name: str
    coords: np.ndarray


@dataclass(frozen=True)
class Place:
    """A named place of the extract (``city``, ``town``, ``village``, …)."""

    name: str
    kind: str
    lon: float
    lat: float


@dataclass(frozen=True)
class BBBikeExtract:
    """The parsed extract; ``label`` is e.g. ``"BBBike 2026-06-08"``."""

    path: Path
    source: str
    date: dt.date
    bbox: tuple[float, float, float, float]
    roads: tuple[ExtractLine, ...]
    railways: tuple[ExtractLine, ...]
    places: tuple[Place, ...]

    @property
    def label(self) -> str:
        return f"BBBike {self.date.isoformat()}"


def railway_line(extract: BBBikeExtract, name: str) -> shapely.MultiLineString | shapely.LineString:
    """The railway records named ``name`` (any class: in service, under construction), merged where they join.

    Raises
    ------
    DataFileError
        When the extract has no railway of that name.
    """
    parts = [shapely.LineString(line.coords) for line in extract.railways if line.name == name]
    if not parts:
        raise DataFileError(f"{extract.path}: no railway named {name!r}; expected e.g. 温州市域铁路S2线")
    return shapely.line_merge(shapely.MultiLineString(parts))


def read_extract(path: str | Path) -> BBBikeExtract:
    """Read and validate a BBBike extract file.

    Raises
    ------
    DataFileError
        The file is missing, not JSON, or not in the format of this module's docstring; the message names the file,
        the record and what was expected.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"{path} does not exist; expected the BBBike extract "
                            "(data/sources/wenzhou-bbbike-roads.json)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataFileError(f"{path} is not readable JSON ({exc}); restore the BBBike extract file") from exc
    if not isinstance(document, dict):
        raise DataFileError(f"{path}: expected one JSON object, got {type(document).__name__}")
    missing = [key for key in _REQUIRED_KEYS if key not in document]
    if missing:
        raise DataFileError(f"{path}: missing key(s) {', '.join(missing)}; a BBBike extract has "
                            f"{', '.join(_REQUIRED_KEYS)}")
    types = document["types"]
    if not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
        raise DataFileError(f"{path}: 'types' must be a list of OSM class names, got {types!r:.80}")
    _check_counts(path, document)
    extract = BBBikeExtract(path=path, source=str(document["source"]), date=_source_date(path, document["source"]),
                            bbox=_bbox(path, document["bbox"]), roads=_lines(path, document, "roads", types),
                            railways=_lines(path, document, "railways", types),
                            places=_places(path, document["places"]))
    logger.info("read %s: %d roads, %d railways, %d places", path.name, len(extract.roads), len(extract.railways),
                len(extract.places))
    return extract


def _source_date(path: Path, source: object) -> dt.date:
    match = _DATE.search(source) if isinstance(source, str) else None
    try:
        if match:
            return dt.date.fromisoformat(match.group(1))
    except ValueError:
        pass  # a date-shaped string that is no date, e.g. 2026-13-45
    raise DataFileError(f"{path}: 'source' must name the extract date, e.g. \"BBBike extract, created 2026-06-08\"; "
                        f"got {source!r}")


def _bbox(path: Path, bbox: object) -> tuple[float, float, float, float]:
    if not (isinstance(bbox, list) and len(bbox) == 4 and all(_is_number(v) for v in bbox)
            and bbox[0] < bbox[2] and bbox[1] < bbox[3]):
        raise DataFileError(f"{path}: 'bbox' must be [west, south, east, north] in degrees, got {bbox!r}")
    return tuple(float(v) for v in bbox)


def _check_counts(path: Path, document: dict) -> None:
    counts = document.get("counts", {})
    if not isinstance(counts, dict):
        raise DataFileError(f"{path}: 'counts' must map list names to lengths, e.g. {{\"roads\": 29595}}; got "
                            f"{counts!r:.80}")
    wrong = [f"{key}: counts says {counts[key]}, the list has {len(document[key])}"
             for key in ("roads", "railways", "places")
             if key in counts and isinstance(document[key], list) and counts[key] != len(document[key])]
    if wrong:
        raise DataFileError(f"{path} looks truncated ({'; '.join(wrong)}); restore the complete extract")


def _lines(path: Path, document: dict, key: str, types: list[str]) -> tuple[ExtractLine, ...]:
    records = document[key]
    if not isinstance(records, list):
        raise DataFileError(f"{path}: '{key}' must be a list of [type_index, name, [[lon, lat], ...]]")
    lines = []
    for index, record in enumerate(records):
        coords = _coords(record)
        if coords is None or not isinstance(record[0], int) or not 0 <= record[0] < len(types) or \
                not isinstance(record[1], str):
            raise DataFileError(f"{path}: {key}[{index}] must be [type_index < {len(types)}, name, "
                                f"[[lon, lat], ... at least 2]] with finite numbers; got {record!r:.120}")
        lines.append(ExtractLine(index=index, kind=types[record[0]], name=record[1], coords=coords))
    return tuple(lines)


def _coords(record: object) -> np.ndarray | None:
    """The ``(k, 2)`` vertices of a record, or ``None`` when it is not ``[type, name, [[lon, lat], ...]]``."""
    if not (isinstance(record, list) and len(record) == 3 and isinstance(record[2], list) and len(record[2]) >= 2):
        return None
    if not all(isinstance(p, list) and len(p) == 2 and type(p[0]) in _NUMBER and type(p[1]) in _NUMBER
               for p in record[2]):
        return None
    coords = np.array(record[2], dtype=np.float64)
    return coords if np.isfinite(coords).all() else None


def _places(path: Path, places: object) -> tuple[Place, ...]:
    if not isinstance(places, list):
        raise DataFileError(f"{path}: 'places' must be a list of [name, kind, lon, lat]")
    for index, place in enumerate(places):
        if not (isinstance(place, list) and len(place) == 4 and isinstance(place[0], str)
                and isinstance(place[1], str) and _is_number(place[2]) and _is_number(place[3])):
            raise DataFileError(f"{path}: places[{index}] must be [name, kind, lon, lat], got {place!r:.120}")
    return tuple(Place(name, kind, float(lon), float(lat)) for name, kind, lon, lat in places)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
