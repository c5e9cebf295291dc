"""Tests for geo.network.bbbike: reading and validating a BBBike extract."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from bbbike_fixtures import at, road, write_extract
from geo.network.bbbike import read_extract
from geo.errors import DataFileError


def test_reads_roads_railways_places_and_the_extract_date(tmp_path):
    path = write_extract(tmp_path / "x.json", [road("primary", "学院路", (0, 0), (300, 0)),
                                               road("footway", "", (0, 10), (0, 50), (20, 60))])
    extract = read_extract(path)
    assert extract.date == dt.date(2026, 6, 8)
    assert extract.label == "BBBike 2026-06-08"
    assert extract.bbox == (120.6, 27.8, 120.8, 28.0)
    first, second = extract.roads
    assert (first.index, first.kind, first.name) == (0, "primary", "学院路")
    assert np.array_equal(first.coords, np.array([at(0, 0), at(300, 0)]))
    assert (second.index, second.kind, second.coords.shape) == (1, "footway", (3, 2))
    assert [(r.kind, r.name) for r in extract.railways] == [("rail", "市域铁路S1线")]
    assert [(p.name, p.kind, p.lon, p.lat) for p in extract.places] == [("温州市", "city", 120.695345, 27.99639)]


@pytest.mark.parametrize(("content", "match"), [
    ("{not json", r"x\.json is not readable JSON"),
    ("[1, 2]", r"expected one JSON object, got list"),
    ('{"source": "BBBike 2026-06-08"}', r"missing key\(s\) bbox, types, roads, railways, places"),
])
def test_malformed_files_are_named_with_the_problem(tmp_path, content, match):
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError, match=match):
        read_extract(path)


def test_missing_file_says_which_file_was_expected(tmp_path):
    with pytest.raises(DataFileError, match=r"nothing\.json does not exist; expected the BBBike extract"):
        read_extract(tmp_path / "nothing.json")


GOOD = road("primary", "学院路", (0, 0), (300, 0))


@pytest.mark.parametrize(("overrides", "match"), [
    ({"roads": [GOOD, [1, "单点路", [[120.7, 27.9]]]]}, r"roads\[1\] must be \[type_index < 11, name, \[\[lon, lat\]"),
    ({"roads": [GOOD, [99, "", [[120.7, 27.9], [120.8, 27.9]]]]}, r"roads\[1\] must be \[type_index < 11"),
    ({"roads": [GOOD, [1, None, [[120.7, 27.9], [120.8, 27.9]]]]}, r"roads\[1\]"),
    ({"roads": [GOOD, [1, "", [[120.7, "27.9"], [120.8, 27.9]]]]}, r"roads\[1\]"),
    ({"railways": [[0, "", [[120.7, 27.9], [float("nan"), 27.9]]]]}, r"railways\[0\] .* finite numbers"),
    ({"places": [["温州市", "city", 120.7]]}, r"places\[0\] must be \[name, kind, lon, lat\]"),
    ({"source": "BBBike extract"}, r"'source' must name the extract date"),
    ({"source": "BBBike 2026-13-45"}, r"'source' must name the extract date"),
    ({"bbox": [120.8, 27.8, 120.6, 28.0]}, r"'bbox' must be \[west, south, east, north\]"),
    ({"types": ["primary", 3]}, r"'types' must be a list of OSM class names"),
    ({"counts": {"roads": 5}}, r"looks truncated \(roads: counts says 5, the list has 1\)"),
])
def test_invalid_records_are_named(tmp_path, overrides, match):
    roads = overrides.pop("roads", [GOOD])
    path = write_extract(tmp_path / "x.json", roads, **overrides)
    with pytest.raises(DataFileError, match=match):
        read_extract(path)


def test_error_names_the_file(tmp_path):
    path = write_extract(tmp_path / "wenzhou.json", [GOOD], places="none")
    with pytest.raises(DataFileError, match=r"wenzhou\.json: 'places' must be a list"):
        read_extract(path)
    assert json.loads(path.read_text(encoding="utf-8"))["places"] == "none"
