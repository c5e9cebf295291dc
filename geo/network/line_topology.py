"""Planar topology for loose polylines: join them, node crossings, snap dangling ends, cut junction-to-junction pieces.

Road lines without junction ids (such as a BBBike extract) only say where they run. This module turns them into
graph pieces by fixed rules:

1. **Coordinate grid.** Every coordinate is a key on a 1e-7° grid (about 1 cm; :mod:`geo.network.lonlat_keys`); two lines are
   joined wherever they have a vertex with the same key.
2. **Crossings.** Where two segments of two different lines that both have ``crossing`` set intersect, the
   intersection is inserted as a vertex into both (a T-touch, a vertex of one line on a segment of the other, is
   inserted into the other line only). Collinear overlaps and a line crossing itself are not noded.
3. **Dangling ends.** A line end whose key occurs nowhere else is dangling, unless it is one of ``cut_ends`` (where
   a clip cut the line). It is snapped to the nearest point of the nearest other line within ``snap_m`` (ties: the
   lower line index), where a vertex is inserted; the snapping line is extended to that point. The nearest point
   is replaced by the target's own vertex when one lies within :data:`VERTEX_PULL_M`, so no sliver edges appear.
   An end does not snap onto a line that already passes through the junction nearest the end along its own line
   (an overshoot past a junction would only close a tiny loop), and it may snap onto a line only if the target has
   ``snap_from_any`` set or the end's line has ``snap_to_all`` set. Snaps are applied nearest first; an end that a
   previous snap already reached is no longer dangling.
4. **Junctions** (keys that occur more than once) closer than :data:`JUNCTION_MERGE_M` to each other are merged
   into one: an input vertex rather than an inserted point, then the one in most lines, then the lowest key.
   Near-coincident crossings of lines that miss a common junction by centimetres would otherwise leave slivers.
5. **Pieces** by :mod:`geo.network.line_pieces`: split at junctions and ends, merged through points where only two pieces
   of one ``group`` meet (nodes remain at junctions, dead ends and changes of group), dead ends and loops shorter
   than ``snap_m`` trimmed as overshoots.

Distances are measured in a local equirectangular frame centred on the data (:class:`LocalFrame`), whose scale error
is below 0.5 % across 50 km; geometry stays on the WGS-84 key grid.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from geo.network.line_pieces import junction_pieces
from geo.network.lonlat_keys import key_lonlat, to_keys

logger = logging.getLogger(__name__)

VERTEX_PULL_M = 1.0
JUNCTION_MERGE_M = 1.0
_METRES_PER_DEGREE = 6_371_008.8 * np.pi / 180.0


@dataclass(frozen=True)
class LocalFrame:
    """An equirectangular metric frame about ``(lon0, lat0)``: metres east and north."""

    lon0: float
    lat0: float

    @classmethod
    def around(cls, keys: np.ndarray) -> LocalFrame:
        lon, lat = key_lonlat(keys)
        return cls(float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2))

    def forward(self, keys: np.ndarray) -> np.ndarray:
        lon, lat = key_lonlat(keys)
        east = (lon - self.lon0) * _METRES_PER_DEGREE * np.cos(np.radians(self.lat0))
        return np.column_stack([east, (lat - self.lat0) * _METRES_PER_DEGREE])

    def to_keys(self, xy: np.ndarray) -> np.ndarray:
        lon = self.lon0 + xy[:, 0] / (_METRES_PER_DEGREE * np.cos(np.radians(self.lat0)))
        return to_keys(lon, self.lat0 + xy[:, 1] / _METRES_PER_DEGREE)


@dataclass(frozen=True)
class Polylines:
    """Polylines as flat arrays: line ``i`` is ``keys[offsets[i]:offsets[i + 1]]`` (2+ keys, no repeats in a row).

    Attributes
    ----------
    keys
        Vertex keys (:func:`to_keys`), int64.
    offsets
        Start of each line in ``keys``, plus the total, int64 of length ``n_lines + 1``.
    group
        Attribute group of each line (e.g. class and name), int64: pieces merge only within a group.
    crossing
        True where the line is at-grade: its crossings with other such lines are noded.
    snap_from_any
        True where any dangling end may snap onto the line.
    snap_to_all
        True where the line's dangling ends may snap onto every line.
    """

    keys: np.ndarray
    offsets: np.ndarray
    group: np.ndarray
    crossing: np.ndarray
    snap_from_any: np.ndarray
    snap_to_all: np.ndarray

    @property
    def n_lines(self) -> int:
        return len(self.offsets) - 1

    def line_of_vertex(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_lines), np.diff(self.offsets))


@dataclass(frozen=True)
class Topology:
    """The result of :func:`build_topology`.

    Attributes
    ----------
    pieces
        Junction-to-junction pieces as :class:`Polylines` (``group`` kept; the masks are those of ``line``).
    line
        For each piece, the input line it starts on.
    crossings
        Keys of the crossing points inserted (step 2).
    snap_from, snap_to
        Keys of each snapped end and of the point it was snapped to (step 3).
    snap_m
        Length of each snap in metres.
    trimmed
        Number of dead-end stubs and small loops trimmed (step 5).
    """

    pieces: Polylines
    line: np.ndarray
    crossings: np.ndarray
    snap_from: np.ndarray
    snap_to: np.ndarray
    snap_m: np.ndarray
    trimmed: int


@dataclass(frozen=True)
class _Insertions:
    """Vertices to insert: into ``line`` at position ``pos`` (segment index + fraction) with ``key``."""

    line: np.ndarray
    pos: np.ndarray
    key: np.ndarray

    def __add__(self, other: _Insertions) -> _Insertions:
        return _Insertions(*(np.concatenate([a, b]) for a, b in
                             ((self.line, other.line), (self.pos, other.pos), (self.key, other.key))))


def build_topology(lines: Polylines, *, snap_m: float, cut_ends: np.ndarray | None = None) -> Topology:
    """Join, node and snap ``lines`` and split them into pieces by the rules of this module's docstring.

    Parameters
    ----------
    lines
        The polylines.
    snap_m
        Greatest distance in metres at which a dangling end is snapped.
    cut_ends
        Keys of line ends that are not real ends (e.g. where a clip cut the line): never snapped.
    """
    frame = LocalFrame.around(lines.keys)
    xy = frame.forward(lines.keys)
    crossings, crossing_keys = _crossing_insertions(lines, xy, frame)
    cut_ends = np.empty(0, dtype=np.int64) if cut_ends is None else cut_ends
    snapped, snap_from, snap_to, snap_len = _snap_insertions(lines, xy, frame, crossings, snap_m=snap_m,
                                                             cut_ends=cut_ends)
    key, line = _merge_close_junctions(*_assemble(lines, crossings + snapped), frame, lines.keys)
    piece_keys, offsets, piece_line, trimmed = junction_pieces(key, line, lines.group, trim_m=snap_m)
    pieces = Polylines(keys=piece_keys, offsets=offsets, group=lines.group[piece_line],
                       crossing=lines.crossing[piece_line], snap_from_any=lines.snap_from_any[piece_line],
                       snap_to_all=lines.snap_to_all[piece_line])
    logger.info("topology: %d lines, %d crossings noded, %d ends snapped, %d stubs trimmed, %d pieces",
                lines.n_lines, len(crossing_keys), len(snap_from), trimmed, pieces.n_lines)
    return Topology(pieces=pieces, line=piece_line, crossings=crossing_keys, snap_from=snap_from, snap_to=snap_to,
                    snap_m=snap_len, trimmed=trimmed)


def _segments(lines: Polylines) -> tuple[np.ndarray, np.ndarray]:
    """Index of each segment's first vertex in the flat arrays, and the segment's line."""
    line_of = lines.line_of_vertex()
    starts = np.setdiff1d(np.arange(len(lines.keys) - 1), lines.offsets[1:-1] - 1)
    return starts, line_of[starts]


def _crossing_insertions(lines: Polylines, xy: np.ndarray, frame: LocalFrame) -> tuple[_Insertions, np.ndarray]:
    """Crossing points of at-grade lines, as insertions into both lines (step 2)."""
    starts, seg_line = _segments(lines)
    at_grade = lines.crossing[seg_line]
    starts, seg_line = starts[at_grade], seg_line[at_grade]
    segments = shapely.linestrings(np.stack([xy[starts], xy[starts + 1]], axis=1))
    a, b = shapely.STRtree(segments).query(segments, predicate="intersects")
    pairs = (a < b) & (seg_line[a] != seg_line[b])
    a, b = a[pairs], b[pairs]
    p, r = xy[starts[a]], xy[starts[a] + 1] - xy[starts[a]]
    q, s = xy[starts[b]], xy[starts[b] + 1] - xy[starts[b]]
    denom = _cross(r, s)
    proper = np.abs(denom) > 1e-9 * np.hypot(*r.T) * np.hypot(*s.T)  # parallel and collinear pairs are skipped
    a, b, p, r, q, s, denom = (v[proper] for v in (a, b, p, r, q, s, denom))
    t = np.clip(_cross(q - p, s) / denom, 0.0, 1.0)
    u = np.clip(_cross(q - p, r) / denom, 0.0, 1.0)
    keys = frame.to_keys(p + t[:, None] * r)
    parts, noded = [], np.zeros(len(keys), dtype=bool)
    for seg, frac in ((a, t), (b, u)):
        first = lines.keys[starts[seg]]
        new = (keys != first) & (keys != lines.keys[starts[seg] + 1])
        noded |= new
        local = starts[seg] - lines.offsets[seg_line[seg]]
        parts.append(_Insertions(seg_line[seg][new], (local + frac)[new], keys[new]))
    insertions = _unique_insertions(parts[0] + parts[1])
    return insertions, np.unique(keys[noded])


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]


def _unique_insertions(ins: _Insertions) -> _Insertions:
    """One insertion per line and key (a vertex touching a segment is reported by both of its segments)."""
    order = np.lexsort((ins.pos, ins.key, ins.line))
    line, key = ins.line[order], ins.key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (line[1:] != line[:-1]) | (key[1:] != key[:-1])
    return _Insertions(line[first], ins.pos[order][first], key[first])


def _snap_insertions(lines: Polylines, xy: np.ndarray, frame: LocalFrame, crossings: _Insertions, *,
                     snap_m: float, cut_ends: np.ndarray) -> tuple[_Insertions, np.ndarray, np.ndarray, np.ndarray]:
    """Snap every dangling end (step 3): insertions into targets and extensions of the snapping lines."""
    key, line = _assemble(lines, crossings)
    ends, end_line, stub_node = _dangling_ends(lines, key, line, cut_ends)
    geoms = shapely.linestrings(xy, indices=lines.line_of_vertex())
    points = shapely.points(xy[ends])
    e, target = shapely.STRtree(geoms).query(points, predicate="dwithin", distance=snap_m)
    ok = (end_line[e] != target) & (lines.snap_from_any[target] | lines.snap_to_all[end_line[e]])
    ok &= ~_passes_through(key, line, target, stub_node[e])
    e, target = e[ok], target[ok]
    distance = shapely.distance(points[e], geoms[target])
    order = np.lexsort((target, distance, e))
    nearest = np.ones(len(order), dtype=bool)
    nearest[1:] = e[order][1:] != e[order][:-1]
    e, target, distance = e[order][nearest], target[order][nearest], distance[order][nearest]
    seg, frac, keys = _nearest_points(lines, xy, frame, geoms[target], points[e], target)
    return _apply_snaps(lines, ends[e], end_line[e], target, seg + frac, keys, distance)


def _dangling_ends(lines: Polylines, key: np.ndarray, line: np.ndarray,
                   cut_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dangling ends: flat indices into ``lines``, their lines, and the key of the junction nearest each along it.

    ``key``/``line`` are the lines with the crossings inserted; an end is dangling when its key occurs once there
    and is not in ``cut_ends``. The junction key is -1 when the line has no junction.
    """
    unique, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    ends = np.concatenate([lines.offsets[:-1], lines.offsets[1:] - 1])
    at_start = np.arange(len(ends)) < lines.n_lines
    alone = (counts[np.searchsorted(unique, lines.keys[ends])] == 1) & ~np.isin(lines.keys[ends], cut_ends)
    ends, at_start = ends[alone], at_start[alone]
    end_line = lines.line_of_vertex()[ends]
    stub_node = _nearest_junction(key, line, np.flatnonzero(counts[inverse] > 1), end_line, at_start)
    order = np.argsort(ends, kind="stable")
    return ends[order], end_line[order], stub_node[order]


def _nearest_junction(key: np.ndarray, line: np.ndarray, shared: np.ndarray, end_line: np.ndarray,
                      at_start: np.ndarray) -> np.ndarray:
    """Key of the first junction (position in ``shared``) from each line's start or end; -1 when it has none."""
    if len(shared) == 0:
        return np.full(len(end_line), -1, dtype=np.int64)
    first = np.searchsorted(line, end_line)  # each line's first position in ``key``
    last = np.searchsorted(line, end_line, side="right") - 1
    nearest = np.where(at_start, np.searchsorted(shared, first), np.searchsorted(shared, last, side="right") - 1)
    candidate = shared[np.clip(nearest, 0, len(shared) - 1)]
    on_line = (nearest >= 0) & (nearest < len(shared)) & (line[candidate] == end_line)
    return np.where(on_line, key[candidate], -1)


def _passes_through(key: np.ndarray, line: np.ndarray, target: np.ndarray, node: np.ndarray) -> np.ndarray:
    """True where line ``target`` has a vertex with key ``node`` (in the lines with crossings inserted)."""
    unique = np.unique(key)
    index = np.searchsorted(unique, node)
    known = (node >= 0) & (index < len(unique)) & (unique[np.minimum(index, len(unique) - 1)] == node)
    codes = line.astype(np.int64) * len(unique) + np.searchsorted(unique, key)
    wanted = target.astype(np.int64) * len(unique) + index
    return known & np.isin(wanted, codes)


def _nearest_points(lines: Polylines, xy: np.ndarray, frame: LocalFrame, targets: np.ndarray, points: np.ndarray,
                    target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment, fraction and key of the nearest point of each target line, pulled onto a vertex within 1 m."""
    seg_len = np.hypot(*np.diff(xy, axis=0).T)
    seg_len[lines.offsets[1:-1] - 1] = 1.0  # the gap between two lines keeps the running sum increasing
    running = np.concatenate([[0.0], np.cumsum(seg_len)])  # distance of each vertex from the first line's start
    wanted = running[lines.offsets[target]] + shapely.line_locate_point(targets, points)
    first = np.searchsorted(running, wanted, side="right") - 1
    first = np.clip(first, lines.offsets[target], lines.offsets[target + 1] - 2)
    span = np.hypot(*(xy[first + 1] - xy[first]).T)
    metres = np.clip(wanted - running[first], 0.0, span)
    frac = metres / np.maximum(span, 1e-12)
    keys = frame.to_keys(xy[first] + frac[:, None] * (xy[first + 1] - xy[first]))
    to_start, to_end = metres <= VERTEX_PULL_M, (span - metres) <= VERTEX_PULL_M
    keys = np.where(to_start, lines.keys[first], np.where(to_end, lines.keys[first + 1], keys))
    frac = np.where(to_start, 0.0, np.where(to_end, 1.0, frac))
    return first - lines.offsets[target], frac, keys


def _apply_snaps(lines: Polylines, ends: np.ndarray, end_line: np.ndarray, target: np.ndarray, pos: np.ndarray,
                 keys: np.ndarray, distance: np.ndarray) -> tuple[_Insertions, np.ndarray, np.ndarray, np.ndarray]:
    """Apply the snaps nearest first; an end that an earlier snap landed on is joined and skipped."""
    reached: set[int] = set()
    chosen = []
    for i in np.lexsort((ends, distance)):
        if int(lines.keys[ends[i]]) in reached:
            continue
        reached.add(int(keys[i]))
        chosen.append(i)
    chosen = np.array(sorted(chosen), dtype=np.int64)
    ends, end_line, target, pos, keys = (v[chosen] for v in (ends, end_line, target, pos, keys))
    is_start = ends == lines.offsets[end_line]
    extend_pos = np.where(is_start, -0.5, np.diff(lines.offsets)[end_line] - 0.5)
    inserted = _Insertions(target, pos, keys) + _Insertions(end_line, extend_pos, keys)
    return inserted, lines.keys[ends], keys, distance[chosen]


def _assemble(lines: Polylines, inserted: _Insertions) -> tuple[np.ndarray, np.ndarray]:
    """Flat keys and line numbers of every line with the insertions in place, consecutive repeats removed."""
    line_of = lines.line_of_vertex()
    local = np.arange(len(lines.keys)) - lines.offsets[line_of]
    line = np.concatenate([line_of, inserted.line])
    pos = np.concatenate([local.astype(np.float64), inserted.pos])
    key = np.concatenate([lines.keys, inserted.key])
    order = np.lexsort((key, pos, line))
    line, key = line[order], key[order]
    keep = np.ones(len(key), dtype=bool)
    keep[1:] = (line[1:] != line[:-1]) | (key[1:] != key[:-1])
    return key[keep], line[keep]


def _merge_close_junctions(key: np.ndarray, line: np.ndarray, frame: LocalFrame,
                           original: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge junctions closer than :data:`JUNCTION_MERGE_M` (step 4); ``original`` are the input's vertex keys."""
    unique, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    junction = np.flatnonzero(counts > 1)
    points = shapely.points(frame.forward(unique[junction]))
    a, b = shapely.STRtree(points).query(points, predicate="dwithin", distance=JUNCTION_MERGE_M)
    _, cluster = connected_components(coo_array((np.ones(len(a)), (a, b)), shape=(len(points),) * 2), directed=False)
    is_original = np.isin(unique[junction], original)
    order = np.lexsort((unique[junction], -counts[junction], ~is_original, cluster))  # the best of each first
    head = np.ones(len(order), dtype=bool)
    head[1:] = cluster[order][1:] != cluster[order][:-1]
    representative = np.empty(cluster.max() + 1 if len(cluster) else 0, dtype=np.int64)
    representative[cluster[order][head]] = unique[junction][order][head]
    merged = unique.copy()
    merged[junction] = representative[cluster]
    key = merged[inverse]
    keep = np.ones(len(key), dtype=bool)
    keep[1:] = (line[1:] != line[:-1]) | (key[1:] != key[:-1])
    logger.debug("merged %d junctions into %d", len(junction), len(representative))
    return key[keep], line[keep]
