"""Counting how current positions are (geo/plan/freshness.py): every geometry source a layer or a geometry version uses
falls in one class; placeholders count as approximate."""
from __future__ import annotations

import pytest

from geo.errors import InvalidParameter
from geo.plan.freshness import CLASS_OF_SOURCE, Freshness, collection_freshness, count_freshness, is_approximate
from geo.status.models import GEOMETRY_EDIT_SOURCES, BASELINE
from geo.plan.schema import GEOMETRY_SOURCES


def test_every_layer_and_version_source_has_a_class() -> None:
    assert set(GEOMETRY_SOURCES) | (set(GEOMETRY_EDIT_SOURCES) - {BASELINE}) == set(CLASS_OF_SOURCE)


def test_sources_are_counted_by_class() -> None:
    counts = count_freshness(["approximate", "provisional", "surveyed", "osm-matched", "osm-matched", "hand_drawn",
                              "uploaded", "approximate"])
    assert counts == Freshness(surveyed=1, osm=2, edited=2, approximate=3)
    assert counts.total == 8


def test_a_collection_is_counted_from_its_features_properties() -> None:
    collection = {"features": [{"properties": {"geometry_source": s}} for s in ("surveyed", "approximate")]}
    assert collection_freshness(collection) == Freshness(surveyed=1, approximate=1)
    assert count_freshness([]) == Freshness()


@pytest.mark.parametrize(("source", "expected"), [("approximate", True), ("provisional", True), ("surveyed", False),
                                                  ("osm-matched", False), ("hand_drawn", False)])
def test_only_approximate_and_placeholder_positions_are_left_to_survey(source: str, expected: bool) -> None:
    assert is_approximate({"geometry_source": source}) is expected


def test_an_unknown_source_is_refused_naming_it() -> None:
    with pytest.raises(InvalidParameter, match="^geometry_source: expected one of .*got 'guessed'"):
        count_freshness(["guessed"])
