"""Tests for geo.network.line_pieces: splitting at junctions, merging through points of one group, trimming stubs."""
from __future__ import annotations

import numpy as np
import pytest

from bbbike_fixtures import at
from geo.network.line_pieces import junction_pieces
from geo.network.lonlat_keys import to_keys


def flat(*lines: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Keys and line numbers of lines given as points in metres."""
    keys = [to_keys(*np.array([at(*p) for p in line]).T) for line in lines]
    return np.concatenate(keys), np.repeat(np.arange(len(lines)), [len(k) for k in keys])


def split(*lines, group=None, trim_m=0.0):
    key, line = flat(*lines)
    group = np.zeros(len(lines), dtype=np.int64) if group is None else np.array(group)
    keys, offsets, piece_line, trimmed = junction_pieces(key, line, group, trim_m=trim_m)
    return [keys[a:b] for a, b in zip(offsets[:-1], offsets[1:])], piece_line, trimmed


def test_lines_are_split_at_shared_vertices_and_merged_through_points_of_one_group():
    cross = [(-100, 0), (0, 0), (100, 0)], [(0, -100), (0, 0), (0, 100)]
    parts, _, _ = split(*cross)
    assert len(parts) == 4 and all(len(p) == 2 for p in parts)
    # the second line runs backwards into the first one's end: one piece, in the first line's direction
    parts, piece_line, _ = split([(0, 0), (100, 0)], [(100, 100), (100, 0)])
    assert len(parts) == 1 and list(piece_line) == [0]
    assert list(parts[0]) == list(flat([(0, 0), (100, 0), (100, 100)])[0])
    parts, _, _ = split([(0, 0), (100, 0)], [(100, 100), (100, 0)], group=[0, 1])
    assert len(parts) == 2


def test_a_closed_loop_without_junction_keeps_one_node():
    parts, _, _ = split([(0, 0), (100, 0), (100, 100), (0, 0)])
    assert len(parts) == 1 and parts[0][0] == parts[0][-1] and len(parts[0]) == 4


def test_short_dead_ends_and_loops_are_trimmed_and_the_rest_merged_again():
    through = [(-100, 0), (0, 0), (100, 0)]
    stub = [(0, 0), (0, 5)]
    parts, _, trimmed = split(through, stub, trim_m=12.0)
    assert trimmed == 1
    assert len(parts) == 1 and len(parts[0]) == 3  # the stub gone, the junction at (0, 0) is none any more
    parts, _, trimmed = split(through, stub, trim_m=4.0)
    assert (len(parts), trimmed) == (3, 0)
    parts, _, trimmed = split(through, [(0, 0), (3, 3), (0, 3), (0, 0)], trim_m=12.0)
    assert (len(parts), trimmed) == (1, 1)


@pytest.mark.parametrize("trim_m", [0.0, 12.0])
def test_no_lines_no_pieces(trim_m):
    keys, offsets, piece_line, trimmed = junction_pieces(np.empty(0, np.int64), np.empty(0, np.int64),
                                                         np.empty(0, np.int64), trim_m=trim_m)
    assert (len(keys), list(offsets), len(piece_line), trimmed) == (0, [0], 0, 0)
