"""The ring as a scenario has it, for maps: the stretches that can be driven, and the gaps where it is broken.

The access report locates each gap of a broken ring along the plan's ring line (``ring_loop.directions.*.gaps``:
``from_km`` and ``length_km``, possibly running past the line's end). :func:`ring_stretches` cuts the ring line at
those gaps — the union of both directions' gaps, since a stretch missing in either direction breaks the loop —
into the built pieces of each segment and the gaps, as WGS-84 GeoJSON, so a map can draw a broken ring broken.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import shapely
from shapely.ops import substring

from geo.access.ring import RingLine, to_wgs84_xy

logger = logging.getLogger(__name__)

MIN_PIECE_M = 1.0  # a built remnant shorter than this (rounding at a gap's end) is not drawn
COORD_DIGITS = 6  # about 0.1 m


def report_gaps(ring_loop: Mapping) -> list[dict]:
    """Every direction's gaps of a report's ``ring_loop`` section (a single scenario's), in one list."""
    return [gap for direction in ring_loop["directions"].values() for gap in direction["gaps"]]


def merged_gaps(ring: RingLine, gaps: Iterable[Mapping]) -> list[tuple[float, float, tuple[str, ...]]]:
    """The gaps as ``(start_m, end_m, segment names)`` along the ring line, overlapping ones merged; a gap that runs
    past the end of a closed ring keeps ``end_m`` beyond the ring's length (it wraps round to the start)."""
    total = ring.length_m
    spans = sorted((float(g["from_km"]) * 1000 % total, float(g["length_km"]) * 1000, tuple(g["segment_names"]))
                   for g in gaps)
    merged: list[list] = []
    for start, length, names in spans:
        end = start + length
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] = tuple(dict.fromkeys(merged[-1][2] + names))
        else:
            merged.append([start, end, names])
    if len(merged) > 1 and merged[-1][1] > total and merged[-1][1] - total >= merged[0][0]:
        last = merged.pop()  # wraps round onto the first gap
        merged[0] = [last[0], max(last[1], merged[0][1] + total), tuple(dict.fromkeys(last[2] + merged[0][2]))]
    return [(start, end, names) for start, end, names in merged]


def ring_stretches(ring: RingLine, gaps: Iterable[Mapping], *,
                   segment_properties: Mapping[str, Mapping] | None = None) -> tuple[dict, dict]:
    """The ring's built stretches and its gaps as two GeoJSON FeatureCollections (WGS-84).

    Parameters
    ----------
    ring
        The plan's ring line (:class:`geo.access.ring.RingLine`, the one the report's gaps are measured along).
    gaps
        The report's gaps (``from_km``, ``length_km``, ``segment_names``), e.g. :func:`report_gaps`.
    segment_properties
        Properties per segment id copied onto its built pieces (the plan's attributes); default ``id`` and ``name``.

    Returns
    -------
    tuple of dict
        The built pieces (one feature per segment: a LineString, or a MultiLineString when a gap cuts it; a segment
        entirely missing has none) and the gaps (one LineString each, properties ``id``, ``name`` — Chinese, for the
        map —, ``segment_names``, ``from_km``, ``length_km``).
    """
    spans = merged_gaps(ring, gaps)
    total = ring.length_m
    # the gaps on [0, total]: a wrapping gap in two parts
    cuts = sorted([(s, min(e, total)) for s, e, _ in spans] + [(0.0, e - total) for s, e, _ in spans if e > total])
    built = []
    for index, (sid, name) in enumerate(zip(ring.segment_ids, ring.segment_names)):
        pieces = _remaining(float(ring.segment_start_m[index]), float(ring.segment_start_m[index + 1]), cuts)
        lines = [_wgs84(substring(ring.line, a, b)) for a, b in pieces]
        if not lines:
            continue
        properties = dict((segment_properties or {}).get(sid, {"id": sid, "name": name}))
        geometry = lines[0] if len(lines) == 1 else {"type": "MultiLineString",
                                                     "coordinates": [line["coordinates"] for line in lines]}
        built.append({"type": "Feature", "id": sid, "properties": properties, "geometry": geometry})
    gap_features = [_gap_feature(ring, number, start, end, names)
                    for number, (start, end, names) in enumerate(spans, start=1)]
    return _collection(built), _collection(gap_features)


def _remaining(start: float, end: float, cuts: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """``[start, end]`` minus the ``cuts`` (sorted), pieces shorter than :data:`MIN_PIECE_M` dropped."""
    pieces, at = [], start
    for cut_start, cut_end in cuts:
        if cut_end <= at or cut_start >= end:
            continue
        if cut_start - at >= MIN_PIECE_M:
            pieces.append((at, cut_start))
        at = max(at, cut_end)
    if end - at >= MIN_PIECE_M:
        pieces.append((at, end))
    return pieces


def _gap_feature(ring: RingLine, number: int, start: float, end: float, names: tuple[str, ...]) -> dict:
    total = ring.length_m
    if end <= total:
        coords = np.asarray(substring(ring.line, start, end).coords)
    else:  # wraps past the start of a closed ring
        coords = np.vstack([np.asarray(substring(ring.line, start, total).coords),
                            np.asarray(substring(ring.line, 0.0, end - total).coords)[1:]])
    length_km = round((end - start) / 1000, 3)
    label = f"环线缺口：{'、'.join(names)}（约 {length_km:.1f} 公里，本情景不通）"
    return {"type": "Feature", "id": f"gap-{number}",
            "properties": {"id": f"gap-{number}", "name": label, "segment_names": list(names),
                           "from_km": round(start / 1000, 3), "length_km": length_km},
            "geometry": _wgs84(shapely.LineString(coords))}


def _wgs84(line: shapely.LineString) -> dict:
    lon, lat = to_wgs84_xy(*np.asarray(line.coords).T)
    return {"type": "LineString",
            "coordinates": np.round(np.column_stack([lon, lat]), COORD_DIGITS).tolist()}


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}
