"""Provenance: every field is registered, the docs show the registry, and plan fields quote the plan verbatim."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.plan.layers import load_plan
from geo.plan.provenance import LAYER_PROVENANCE, check_plan_fields, provenance_rows, read_plan_text
from geo.plan.schema import LAYERS, PLACES_LAYER, PROVENANCE_KINDS
from geo.plan.targets import PARKS_SPEC

REPO = Path(__file__).resolve().parent.parent
UNITS = "（牵头单位：市住建局，责任单位：科创走廊所在地政府、功能区管委会，市交通局）"


def _text(lines: dict[int, str]) -> str:
    """A plan text of 260 lines, empty but for ``lines`` (by line number)."""
    rows = [""] * 260
    for number, content in lines.items():
        rows[number - 1] = content
    return "\n".join(rows) + "\n"


# The road layer's units (line 131) and names (line 216) where the registry expects them; a target on line 2.
TEXT = _text({2: "道路建成", 131: UNITS, 216: "环山南路"})


def _roads(**overrides) -> pd.DataFrame:
    row = {"id": "R01", "name": "环山南路", "name_source": None, "target_2021": "道路建成", "target_2021_line": 2,
           "lead_unit": "市住建局", "responsible_unit": "科创走廊所在地政府、功能区管委会，市交通局"}
    return pd.DataFrame([row | overrides])


def _check(frame: pd.DataFrame, text: str = TEXT) -> list[str]:
    return [str(p) for p in check_plan_fields({"roads": frame}, text)]


def test_every_field_of_every_layer_has_a_provenance():
    specs = {**{name: spec for name, spec in LAYERS.items()}, "parks": PARKS_SPEC, "osm-places": PLACES_LAYER}
    for layer, spec in specs.items():
        assert set(LAYER_PROVENANCE[layer]) == {*spec.fields, "geometry"}, layer
    for fields in LAYER_PROVENANCE.values():
        for provenance in fields.values():
            assert provenance.kind in PROVENANCE_KINDS or provenance.per_feature, provenance


def test_the_docs_table_is_the_registry():
    docs = (REPO / "docs" / "data-model.md").read_text(encoding="utf-8")
    for layer, field, kind, basis in provenance_rows():
        assert f"| {layer} | `{field}` | {kind} | {basis} |" in docs, (layer, field)


def test_the_shipped_plan_fields_quote_the_plan():
    data = load_plan()
    layers = {"blocks": data.blocks, "roads": data.roads, "tasks": data.tasks, "districts": data.districts}
    assert check_plan_fields(layers, read_plan_text()) == []


def test_plan_values_must_lie_on_the_registered_lines():
    assert _check(_roads()) == []
    lead, units = _check(_roads(), _text({2: "道路建成", 130: UNITS, 216: "环山南路"}))  # units one line early
    assert "[R01] responsible_unit: marked as the plan's words" in units
    assert lead.startswith("roads.geojson [R01] lead_unit: marked as the plan's words, but '市住建局' is not a "
                              "verbatim quote of the plan (docs/2021-implementation-plan.txt, line 131)")


def test_a_paraphrase_or_a_refinement_is_refused():
    [problem] = _check(_roads(responsible_unit="鹿城区政府"))
    assert "[R01] responsible_unit: marked as the plan's words, but '鹿城区政府'" in problem
    assert "put any refinement in a field marked derived or project" in problem


def test_a_quote_is_checked_on_its_own_line():
    assert _check(_roads(target_2021="道路建成", target_2021_line=2)) == []
    [problem] = _check(_roads(target_2021="环山南路", target_2021_line=2))
    assert "[R01] target_2021: marked as the plan's words, but '环山南路'" in problem and "line 2)" in problem
    [problem] = _check(_roads(target_2021="建成", target_2021_line=None))
    assert "a quote of the plan needs its line: expected target_2021_line between 1 and 260, got None" in problem
    [problem] = _check(_roads(target_2021="建成", target_2021_line=261))
    assert "got 261" in problem


def test_no_target_means_no_line_either():
    assert _check(_roads(target_2021=None, target_2021_line=None)) == []
    [problem] = _check(_roads(target_2021=None, target_2021_line=2))
    assert "target_2021_line is 2 but there is no quote; expected both null" in problem


@pytest.mark.parametrize(("source", "problems"), [(None, 1), ("plan", 1), ("derived", 0), ("project", 0)])
def test_a_road_name_is_checked_unless_the_road_says_it_is_not_the_plans(source, problems):
    names = pd.DataFrame([{"id": "R01", "name": "环山西路", "name_source": source}])
    found = _check(names, _text({252: "环山北路"}))
    assert len(found) == problems
    if problems:
        assert "[R01] name: marked as the plan's words, but '环山西路'" in found[0]
        assert "or set name_source to 'derived' or 'project'" in found[0]


def test_plan_text_is_read_from_the_repo():
    assert read_plan_text().split("\n")[212].startswith("二、交通路网建设（17项）")
