"""Each validation problem on a broken fixture yields its own message."""
from __future__ import annotations

import json

import pytest

from geo.plan.layers import read_plan


def _problems(write_layers, modify):
    data, problems = read_plan(write_layers(modify))
    return [str(p) for p in problems]


def _only(problems: list[str], *needles: str) -> str:
    assert len(problems) == 1, problems
    for needle in needles:
        assert needle in problems[0]
    return problems[0]


def test_tiny_fixture_is_valid(write_layers):
    data, problems = read_plan(write_layers())
    assert problems == []
    assert list(data.blocks["id"]) == ["B01"]


def test_missing_property(write_layers):
    def modify(layers):
        del layers["blocks"]["features"][0]["properties"]["lead_unit"]
    _only(_problems(write_layers, modify), "blocks.geojson [B01] lead_unit: missing property")


def test_unknown_property(write_layers):
    def modify(layers):
        layers["blocks"]["features"][0]["properties"]["colour"] = "red"
    _only(_problems(write_layers, modify), "[B01] colour: unknown property")


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("new_in_2021", "yes", "expected true/false, got str"),
    ("district", "温州市", "expected one of 鹿城区"),
    ("tier", "金牌区块", "expected one of 示范区块"),
    ("geometry_source", "gps", "expected one of approximate, provisional, surveyed"),
    ("name", "  ", "must not be empty text"),
    ("id", "X1", r"expected text matching B\d{2}"),
    ("name_en", None, "must not be null"),
    ("new_in_2021", 1, "expected true/false, got int"),
    ("anchor_shift_m", "3 km", "expected an integer or a number or null, got str"),
    ("anchor", 7, "expected text or null, got int"),
])
def test_wrong_type_or_value(write_layers, field, value, expected):
    def modify(layers):
        layers["blocks"]["features"][0]["properties"][field] = value
    problems = _problems(write_layers, modify)
    assert any(f" {field}: " in p and expected in p for p in problems), problems


def test_a_block_may_carry_its_anchor_note(write_layers):
    def modify(layers):
        layers["blocks"]["features"][0]["properties"] |= {"anchor": "OpenStreetMap 地名“七都街道”", "anchor_shift_m": 3007}
    assert _problems(write_layers, modify) == []


def test_boolean_is_not_accepted_as_integer(write_layers):
    def modify(layers):
        layers["districts"]["features"][0]["properties"]["adcode"] = True
    _only(_problems(write_layers, modify), "[D01] adcode: expected an integer or null, got a boolean")


def test_duplicate_id(write_layers):
    def modify(layers):
        tasks = layers["tasks"]["features"]
        tasks[1]["properties"]["id"] = "E01"
    _only(_problems(write_layers, modify), "tasks.geojson [E01] id: duplicate id: used by 2 features")


def test_invalid_geometry(write_layers):
    def modify(layers):
        bowtie = [[120.09, 27.89], [120.11, 27.91], [120.11, 27.89], [120.09, 27.91], [120.09, 27.89]]
        layers["blocks"]["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [bowtie]}
    _only(_problems(write_layers, modify), "[B01] geometry: invalid geometry: Self-intersection")


def test_empty_and_missing_geometry(write_layers):
    def modify(layers):
        layers["blocks"]["features"][0]["geometry"] = {"type": "Polygon", "coordinates": []}
        layers["tasks"]["features"][1]["geometry"] = None
    problems = _problems(write_layers, modify)
    assert any("[B01] geometry: empty geometry" in p for p in problems), problems
    assert any("[E02] geometry: missing geometry" in p for p in problems), problems


def test_wrong_geometry_type(write_layers):
    def modify(layers):
        layers["blocks"]["features"][0]["geometry"] = {"type": "Point", "coordinates": [120.1, 27.9]}
    _only(_problems(write_layers, modify), "[B01] geometry: expected Polygon or MultiPolygon, got Point")


def test_geometry_type_by_category(write_layers):
    def modify(layers):
        layers["roads"]["features"][0]["geometry"] = {"type": "Point", "coordinates": [120.12, 27.9]}
    _only(_problems(write_layers, modify), "[R01] geometry: a category 'road_continuing' needs LineString")


def test_crs_not_wgs84(write_layers):
    def modify(layers):
        layers["roads"]["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32651"}}
    _only(_problems(write_layers, modify), "roads.geojson crs: expected WGS-84", "EPSG::32651")


def test_projected_coordinates_are_out_of_range(write_layers):
    def modify(layers):
        layers["roads"]["features"][0]["geometry"]["coordinates"] = [[300000.0, 3090000.0], [301000.0, 3090000.0]]
    _only(_problems(write_layers, modify), "[R01] geometry: coordinates out of WGS-84 range")


def test_non_finite_coordinates(write_layers):
    def modify(layers):
        layers["roads"]["features"][0]["geometry"]["coordinates"][0] = [float("nan"), 27.9]
    _only(_problems(write_layers, modify), "[R01] geometry: coordinates must be finite")


def test_open_rings_and_text_coordinates_are_refused_not_repaired(write_layers):
    def modify(layers):  # shapely would close the ring and read the text as numbers without a word
        layers["blocks"]["features"][0]["geometry"]["coordinates"][0].pop()
        road = layers["roads"]["features"][0]["geometry"]["coordinates"]
        road[1] = [str(value) for value in road[1]]
    problems = _problems(write_layers, modify)
    assert any("[B01] geometry: ring coordinates[0] is not closed" in p for p in problems), problems
    assert any("[R01] geometry: coordinates[1][0]: expected a number, got str" in p for p in problems), problems


def test_outside_district(write_layers):
    def modify(layers):  # 瓯海区 is the third square; the block claims 鹿城区 but moves there
        layers["blocks"]["features"][0]["geometry"]["coordinates"][0] = [
            [x + 0.2, y] for x, y in layers["blocks"]["features"][0]["geometry"]["coordinates"][0]]
    message = _only(_problems(write_layers, modify), "[B01] geometry: lies outside its district 鹿城区")
    assert "by up to" in message and "tolerance 200 m" in message


def test_block_task_links(write_layers):
    def modify(layers):
        layers["tasks"]["features"][0]["properties"]["block_id"] = "B09"
        layers["tasks"]["features"][1]["properties"]["block_id"] = "B01"
    problems = _problems(write_layers, modify)
    assert any("[E01] block_id: a block task needs the id of a block" in p for p in problems), problems
    assert any("[E02] block_id: a ring-road task has no block" in p for p in problems), problems


def test_ring_must_close(write_layers):
    def modify(layers):
        ring_south = layers["roads"]["features"][3]
        ring_south["geometry"]["coordinates"][0] = [120.141, 27.92]
    problems = _problems(write_layers, modify)
    assert any("[RING-E] geometry: the ring must close" in p for p in problems), problems


def test_unresolved_project_reference(write_layers):
    def modify(layers):
        layers["roads"]["features"][3]["properties"]["project_id"] = "R77"
    _only(_problems(write_layers, modify), "[RING-S] project_id: names no road project", "R77")


def test_every_problem_is_collected(write_layers):
    def modify(layers):
        del layers["blocks"]["features"][0]["properties"]["lead_unit"]
        layers["roads"]["features"][0]["properties"]["category"] = "highway"
        layers["tasks"]["features"][1]["properties"]["id"] = "E01"
    problems = _problems(write_layers, modify)
    assert len(problems) == 3, problems


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "expected UTF-8 GeoJSON"),
    (json.dumps({"type": "Feature"}), "expected a GeoJSON FeatureCollection"),
])
def test_unreadable_file(write_layers, content, expected):
    folder = write_layers()
    (folder / "tasks.geojson").write_text(content, encoding="utf-8")
    data, problems = read_plan(folder)
    assert data is None
    assert [str(p) for p in problems] == [f"tasks.geojson file: {expected}" + str(problems[0]).split(expected)[1]]


def test_missing_file(write_layers):
    folder = write_layers()
    (folder / "roads.geojson").unlink()
    data, problems = read_plan(folder)
    assert data is None
    assert "roads.geojson file: file not found" in str(problems[0])


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("name_source", "guess", "expected one of plan, derived, project; got 'guess'"),
    ("target_2021_line", "215", "expected an integer or null, got str"),
    ("responsible_unit_derived", 3, "expected text or null, got int"),
])
def test_provenance_properties_are_typed(write_layers, field, value, expected):
    def modify(layers):
        layers["roads"]["features"][0]["properties"][field] = value
    _only(_problems(write_layers, modify), f"roads.geojson [R01] {field}: {expected}")
