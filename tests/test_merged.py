"""The merged view: baseline layers plus status columns and surveyed geometries from the database."""
from __future__ import annotations

from datetime import date

import shapely

from geo.status.merged import STATUS_COLUMNS, merged_view, status_rows
from geo.status.records import add_geometry_version, add_report, close_item
from geo.status.snapshot import geometry_change_id, item_states, latest_change_id

AS_OF = date(2021, 6, 30)
SURVEYED = {"type": "Polygon", "coordinates": [[[120.095, 27.895], [120.105, 27.895], [120.105, 27.905],
                                                [120.095, 27.905], [120.095, 27.895]]]}



def test_unedited_plan_gets_grey_unreported_status(store, plan):
    merged = merged_view(store, plan, as_of=AS_OF)
    for layer, baseline in ((merged.blocks, plan.blocks), (merged.roads, plan.roads), (merged.tasks, plan.tasks)):
        assert list(layer.columns[:len(baseline.columns) - 1]) == list(baseline.columns.drop("geometry"))
        assert set(STATUS_COLUMNS) <= set(layer.columns)
        assert set(layer["colour"]) == {"grey"} and set(layer["colour_label"]) == {"未上报"}
        assert layer["state"].isna().all() and not layer["closed"].any()
        assert layer.geometry.equals(baseline.geometry)
    assert merged.districts is plan.districts


def test_status_columns_follow_the_latest_report_and_check_off(store, plan):
    add_report(store, plan, "R01", percent=10, state="进行中", reported_on="2021-06-15", reporter="张三",
               reported_colour="yellow", expected_version=0, today=AS_OF)
    add_report(store, plan, "R01", percent=90, state="进行中", reported_on="2021-07-15", reporter="张三",
               expected_version=1, today=date(2021, 8, 1))
    close_item(store, plan, "E02", note="整治完成", actor="李四", effective_on="2021-05-20", expected_version=0,
               today=AS_OF)
    roads = merged_view(store, plan, as_of=AS_OF).roads.set_index("id")
    assert roads.loc["R01", "percent"] == 10 and roads.loc["R01", "last_reported_on"] == "2021-06-15"
    assert roads.loc["R01", "expected_percent"] > 45
    assert (roads.loc["R01", "colour"], roads.loc["R01", "reported_colour"], roads.loc["R01", "colour_mismatch"]) \
        == ("red", "yellow", True)
    assert roads.loc["R01", "version"] == 2  # the version counts every edit, whatever the as-of date
    later = merged_view(store, plan, as_of=date(2021, 8, 1)).roads.set_index("id")
    assert (later.loc["R01", "percent"], later.loc["R01", "colour"]) == (90, "green")
    rows = status_rows(item_states(store, as_of=AS_OF), ["R01", "E02", "B01"], as_of=AS_OF)
    assert rows["R01"] == roads.loc["R01", list(STATUS_COLUMNS)].to_dict()
    assert (rows["B01"]["colour"], rows["B01"]["version"]) == ("grey", 0)
    tasks = merged_view(store, plan, as_of=AS_OF).tasks.set_index("id")
    assert (tasks.loc["E02", "closed"], tasks.loc["E02", "colour"], tasks.loc["E02", "closed_on"]) == (
        True, "green", "2021-05-20")


def test_surveyed_geometry_replaces_the_baseline_and_block_tasks_follow(store, plan):
    add_report(store, plan, "R01", percent=10, state="进行中", reported_on="2021-06-15", reporter="张三",
               expected_version=0, today=AS_OF)
    assert (geometry_change_id(store), latest_change_id(store)) == (0, 1)
    add_geometry_version(store, plan, "B01", SURVEYED, author="测绘员", expected_version=0, source="surveyed")
    assert geometry_change_id(store) == 1 and latest_change_id(store) == 2
    merged = merged_view(store, plan, as_of=AS_OF)
    block = merged.blocks.set_index("id").loc["B01"]
    task = merged.tasks.set_index("id").loc["E01"]
    expected = shapely.geometry.shape(SURVEYED)
    assert block.geometry.equals(expected) and task.geometry.equals(expected)
    assert (block["geometry_source"], task["geometry_source"], block["geometry_version"]) == ("surveyed",
                                                                                              "surveyed", 1)
    other = merged.tasks.set_index("id").loc["E02"]
    assert other["geometry_source"] == "provisional"
    assert plan.blocks.loc[0, "geometry_source"] == "approximate"  # the baseline is untouched
    assert merged.blocks.crs == plan.blocks.crs
