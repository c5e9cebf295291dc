"""Geometry versions: how each was made, reading one, and restoring one as an audited revert."""
from __future__ import annotations

from datetime import date

import pytest
import shapely

from geo.errors import EditConflict, ValidationError
from geo.status.geometry_versions import baseline_geometry, restore_geometry_version, stored_version
from geo.status.merged import merged_view
from geo.status.records import add_geometry_version
from geo.status.snapshot import audit_entries, geometry_history, item_state

AS_OF = date(2021, 6, 30)
DRAWN = {"type": "Polygon", "coordinates": [[[120.09, 27.89], [120.11, 27.89], [120.11, 27.91], [120.09, 27.91],
                                             [120.09, 27.89]]]}
SURVEY = {"type": "Polygon", "coordinates": [[[120.095, 27.895], [120.105, 27.895], [120.105, 27.905],
                                              [120.095, 27.905], [120.095, 27.895]]]}


def _two_versions(store, plan) -> None:
    add_geometry_version(store, plan, "B01", SURVEY, author="测绘员", expected_version=0, source="surveyed")
    add_geometry_version(store, plan, "B01", DRAWN, author="张三", expected_version=1)


def test_each_version_keeps_how_it_was_made_and_the_merged_view_says_so(store, plan):
    _two_versions(store, plan)
    history = geometry_history(store, "B01")
    assert [(v.version, v.source, v.author) for v in history] == [(2, "hand_drawn", "张三"),
                                                                  (1, "surveyed", "测绘员")]
    merged = merged_view(store, plan, as_of=AS_OF)
    assert merged.blocks.set_index("id").loc["B01", "geometry_source"] == "hand_drawn"
    assert merged.tasks.set_index("id").loc["E01", "geometry_source"] == "hand_drawn"  # follows its block
    assert stored_version(store, "B01", 1).geometry == SURVEY


@pytest.mark.parametrize("source", ["baseline", "survey", None, 1])
def test_an_edit_names_a_source_an_edit_can_have(store, plan, source):
    with pytest.raises(ValidationError, match=r"source: expected one of hand_drawn, uploaded, surveyed, got"):
        add_geometry_version(store, plan, "B01", DRAWN, author="张三", expected_version=0, source=source)
    assert geometry_history(store, "B01") == []


def test_restoring_copies_the_version_into_a_new_one_with_its_source_and_an_audit_entry(store, plan):
    _two_versions(store, plan)
    written = restore_geometry_version(store, plan, "B01", 1, author="李四", expected_version=2)
    assert (written.version, written.record.version, written.record.restored_from) == (3, 3, 1)
    assert (written.record.source, written.record.author, written.record.geometry) == ("surveyed", "李四", SURVEY)
    assert [v.version for v in geometry_history(store, "B01")] == [3, 2, 1]  # history is never rewritten
    entry = audit_entries(store, item_id="B01")[0]
    assert (entry.action, entry.actor) == ("geometry_revert", "李四")
    assert entry.details == {"geometry_version": 3, "source": "surveyed", "restored_from": 1,
                             "geometry_type": "Polygon", "vertices": 5, "version": 3}
    assert merged_view(store, plan, as_of=AS_OF).blocks.set_index("id").loc["B01", "geometry_source"] == "surveyed"


def test_restoring_the_baseline_brings_back_the_plans_geometry_and_its_own_source(store, plan):
    _two_versions(store, plan)
    restore_geometry_version(store, plan, "B01", 0, author="李四", expected_version=2)
    current = item_state(store, "B01").geometry
    assert (current.version, current.source, current.restored_from) == (3, "baseline", 0)
    block = merged_view(store, plan, as_of=AS_OF).blocks.set_index("id").loc["B01"]
    baseline = plan.blocks.set_index("id").loc["B01"]
    assert block["geometry_source"] == baseline["geometry_source"] == "approximate"
    assert block.geometry.equals(shapely.geometry.shape(baseline_geometry(plan, "B01").geometry))


def test_a_stale_version_is_a_conflict_and_writes_nothing(store, plan):
    _two_versions(store, plan)
    with pytest.raises(EditConflict, match="based on version 1, it is now at version 2"):
        restore_geometry_version(store, plan, "B01", 1, author="李四", expected_version=1)
    assert [v.version for v in geometry_history(store, "B01")] == [2, 1]
    assert item_state(store, "B01").version == 2


@pytest.mark.parametrize(("version", "message"), [
    (2, "version 2 is already the current geometry of B01"),
    (7, "B01 has no geometry version 7; expected one of 0, 1, 2"),
    (-1, "expected the number of a geometry version to restore .* got -1"),
    (True, "expected the number .* got True"),
    ("1", "expected the number .* got '1'"),
])
def test_a_version_that_cannot_be_restored_is_refused_naming_the_field(store, plan, version, message):
    _two_versions(store, plan)
    with pytest.raises(ValidationError, match=rf"geometry revert \[B01\] version: {message}"):
        restore_geometry_version(store, plan, "B01", version, author="李四", expected_version=2)
    assert item_state(store, "B01").version == 2


def test_an_item_never_edited_has_only_its_baseline(store, plan):
    with pytest.raises(ValidationError, match="version 0 is already the current geometry of B01"):
        restore_geometry_version(store, plan, "B01", 0, author="李四", expected_version=0)
    with pytest.raises(ValidationError, match="B01 has no geometry version 1"):
        stored_version(store, "B01", 1)
    assert baseline_geometry(plan, "R01").geometry_source == plan.roads.set_index("id").loc["R01", "geometry_source"]
