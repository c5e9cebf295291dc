"""Splitting noded polylines into junction-to-junction pieces: the last step of :mod:`geo.network.line_topology`.

Input are lines as flat vertex keys (:func:`geo.network.lonlat_keys.to_keys`) with the junctions already in place: a key
that occurs more than once (in one line or in several) is a junction. The rules, in order:

1. **Split** every line at its junctions and at its ends.
2. **Merge** pieces that meet end to end at a point shared by exactly two piece ends whose lines have the same
   ``group`` (e.g. class and name): such a point is no junction. A closed loop without a junction keeps one node.
3. **Trim** dead-end pieces and loops shorter than ``trim_m``: they are overshoots past a junction and slivers of
   near-coincident lines, not roads. Then merge again (a junction left with two pieces is no junction any more).
"""
from __future__ import annotations

import logging

import numpy as np

from geo.network.lonlat_keys import key_lonlat
from geo.network.road_network import haversine_m

logger = logging.getLogger(__name__)

_Spans = tuple[np.ndarray, np.ndarray, np.ndarray]  # flat keys, (start, end) index pairs into them, line of each


def junction_pieces(key: np.ndarray, line: np.ndarray, group: np.ndarray, *,
                    trim_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The pieces of the lines by the rules of this module.

    Parameters
    ----------
    key, line
        Flat vertex keys and the line of each vertex, grouped by line in vertex order, no consecutive repeats.
    group
        Attribute group of each line.
    trim_m
        Dead ends and loops shorter than this many metres are trimmed.

    Returns
    -------
    tuple
        Flat keys of the pieces, their offsets (``n_pieces + 1``), the line each piece starts on, and the number of
        pieces trimmed.
    """
    spans = _merge(_split(key, line), group)
    spans, trimmed = _trim(spans, trim_m=trim_m)
    key, pairs, piece_line = _merge(spans, group)
    offsets = np.concatenate([[0], np.cumsum(pairs[:, 1] - pairs[:, 0] + 1)]).astype(np.int64)
    flat = np.concatenate([key[a:b + 1] for a, b in pairs]) if len(pairs) else np.empty(0, dtype=np.int64)
    return flat, offsets, piece_line, trimmed


def _split(key: np.ndarray, line: np.ndarray) -> _Spans:
    """Pieces between junctions and line ends (rule 1)."""
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    is_end = np.ones(len(key), dtype=bool)
    is_end[1:-1] = (line[1:-1] != line[:-2]) | (line[1:-1] != line[2:])
    cut = np.flatnonzero(is_end | (counts[inverse] > 1))
    same_line = line[cut[:-1]] == line[cut[1:]]
    return key, np.column_stack([cut[:-1][same_line], cut[1:][same_line]]), line[cut[:-1][same_line]]


def _trim(spans: _Spans, *, trim_m: float) -> tuple[_Spans, int]:
    """Drop dead-end pieces and loops shorter than ``trim_m`` (rule 3)."""
    key, pairs, piece_line = spans
    first, last = key[pairs[:, 0]], key[pairs[:, 1]]
    _, inverse, counts = np.unique(np.concatenate([first, last]), return_inverse=True, return_counts=True)
    dead_end = (counts[inverse] == 1).reshape(2, -1).any(axis=0)
    lon, lat = key_lonlat(key)
    running = np.concatenate([[0.0], np.cumsum(haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:]))])
    short = (dead_end | (first == last)) & (running[pairs[:, 1]] - running[pairs[:, 0]] < trim_m)
    return (key, pairs[~short], piece_line[~short]), int(short.sum())


def _merge(spans: _Spans, group: np.ndarray) -> _Spans:
    """Merge pieces through points where exactly two piece ends of the same group meet (rule 2)."""
    key, pairs, piece_line = spans
    n = len(pairs)
    _, point, counts = np.unique(np.concatenate([key[pairs[:, 0]], key[pairs[:, 1]]]), return_inverse=True,
                                 return_counts=True)
    incident: dict[int, list[int]] = {}
    for slot in np.flatnonzero(counts[point] == 2):
        incident.setdefault(int(point[slot]), []).append(int(slot))
    piece_group = group[piece_line]
    through = {p: slots for p, slots in incident.items()
               if slots[0] % n != slots[1] % n and piece_group[slots[0] % n] == piece_group[slots[1] % n]}
    merged, offsets, out_line = [], [0], []
    for chain in _chains(n, point, through):
        vertices = [key[pairs[p, 0]:pairs[p, 1] + 1][::-1 if backward else 1] for p, backward in chain]
        merged.append(np.concatenate([vertices[0]] + [v[1:] for v in vertices[1:]]))
        offsets.append(offsets[-1] + len(merged[-1]))
        out_line.append(piece_line[chain[0][0]])
    flat = np.concatenate(merged) if merged else np.empty(0, dtype=np.int64)
    bounds = np.array(offsets, dtype=np.int64)
    return flat, np.column_stack([bounds[:-1], bounds[1:] - 1]), np.array(out_line, dtype=np.int64)


def _chains(n: int, end_point: np.ndarray, through: dict[int, list[int]]) -> list[list[tuple[int, bool]]]:
    """Order pieces into chains through the ``through`` points; each step is ``(piece, reversed)``.

    Piece ``p`` has end slots ``p`` (its start) and ``p + n`` (its end); ``end_point`` maps slots to point numbers.
    A chain enters a piece at one slot and leaves it by the other.
    """
    def joined(slot: int) -> int | None:
        slots = through.get(int(end_point[slot]))
        return None if slots is None else (slots[1] if slots[0] == slot else slots[0])

    def other_end(slot: int) -> int:
        return (slot + n) % (2 * n)

    visited = np.zeros(n, dtype=bool)
    chains = []
    for piece in range(n):
        if visited[piece]:
            continue
        entry = piece  # walk back to the chain's first piece; a closed cycle starts at ``piece``
        while (before := joined(entry)) is not None and before % n != piece:
            entry = other_end(before)
        chain = []
        while True:
            chain.append((entry % n, entry >= n))
            visited[entry % n] = True
            after = joined(other_end(entry))
            if after is None or visited[after % n]:
                break
            entry = after
        chains.append(chain)
    return chains
