"""The ``current`` access scenario: road projects open to traffic by the status database as of a day
(geo/status/open_to_traffic.py), added to the baseline (geo/access/check.py, geo/access/isochrones.py)."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from click.testing import CliRunner
from test_access import grid_network

from geo.access.check import check_access, prepare_network
from geo.status.as_of import statuses_as_of
from geo.errors import InvalidParameter
from geo.access.isochrones import isochrone_bands
from geo.network.road_network import RoadNetwork, save_network
from geo.status.open_to_traffic import CLOSED, COMPLETED_REPORT, open_road_projects
from geo.plan.layers import PlanData, load_plan
from geo.status.records import add_report, close_item, reopen_item
from geo.status.store import open_store
from web.cli.main import main

DAY = date(2021, 9, 30)
TODAY = date(2021, 12, 31)
SECTIONS = ("coverage", "districts", "blocks", "ring_loop", "verdict")


def _with_r02(layers: dict) -> None:
    """A second road project, R02 (道路建成), along lon 120.15 east of the ring."""
    road = next(f for f in layers["roads"]["features"] if f["properties"]["id"] == "R01")
    second = {**road, "properties": {**road["properties"], "id": "R02", "name": "测试二路",
                                     "category": "road_complete_2021", "target_2021": "道路建成"},
              "geometry": {"type": "LineString", "coordinates": [[120.15, 27.88], [120.15, 27.92]]}}
    layers["roads"]["features"].append(second)


@pytest.fixture
def two_projects(write_layers) -> PlanData:
    return load_plan(write_layers(_with_r02))


def two_project_grid() -> RoadNetwork:
    """The grid of :func:`test_access.grid_network` with the street along lon 120.15 (27.88–27.92) built by R02."""
    network = grid_network()
    x, y, u, v = network.x, network.y, network.edge_u, network.edge_v
    on = (np.isclose(x[u], 120.15) & np.isclose(x[v], 120.15) & (y[u] > 27.8799) & (y[v] > 27.8799)
          & (y[u] < 27.9201) & (y[v] < 27.9201))
    project = network.project_id.copy()
    project[on] = "R02"
    return replace(network, project_id=project)


def _projects(plan: PlanData) -> dict[str, tuple[str, str]]:
    roads = plan.roads[plan.roads["category"].isin(("road_complete_2021", "road_continuing"))]
    return {row.id: (row.name, row.category) for row in roads.itertuples()}


def _open_on(store, plan: PlanData, day: date) -> list[tuple[str, str, str]]:
    found = open_road_projects(statuses_as_of(store, plan, day, item_ids=list(_projects(plan))), _projects(plan))
    return [(p.id, p.basis, p.since) for p in found]


def test_closed_or_completed_by_the_day_is_open_and_later_completion_is_not(store, two_projects):
    plan = two_projects
    close_item(store, plan, "R01", note="通车", actor="tester", expected_version=0, effective_on="2021-09-01",
               today=TODAY)
    add_report(store, plan, "R02", percent=100, state="已完成", reported_on="2021-10-15", reporter="tester",
               expected_version=0, today=TODAY)
    assert _open_on(store, plan, DAY) == [("R01", CLOSED, "2021-09-01")]
    assert _open_on(store, plan, date(2021, 8, 31)) == []
    assert _open_on(store, plan, TODAY) == [("R01", CLOSED, "2021-09-01"), ("R02", COMPLETED_REPORT, "2021-10-15")]


def test_a_hundred_percent_still_in_progress_or_a_reopened_project_is_not_open(store, two_projects):
    plan = two_projects
    add_report(store, plan, "R02", percent=100, state="进行中", reported_on="2021-09-10", reporter="tester",
               expected_version=0, today=TODAY)
    written = close_item(store, plan, "R01", note="通车", actor="tester", expected_version=0,
                         effective_on="2021-09-01", today=TODAY)
    reopen_item(store, plan, "R01", note="返工", actor="tester", expected_version=written.version,
                effective_on="2021-09-20", today=TODAY)
    assert _open_on(store, plan, date(2021, 9, 10)) == [("R01", CLOSED, "2021-09-01")]
    assert _open_on(store, plan, DAY) == []


def test_current_equals_planned_restricted_to_the_open_projects(two_projects):
    network = two_project_grid()
    assert (network.project_id == "R02").sum() == 16 and (network.project_id == "R01").sum() == 8
    placed = prepare_network(network, two_projects)
    current = check_access(placed, scenario="current", open_projects=["R02"])
    restricted = check_access(network.select_edges(network.project_id != "R01"), two_projects, scenario="planned")
    assert {k: current[k] for k in SECTIONS} == {k: restricted[k] for k in SECTIONS}
    assert current["params"]["open_projects"] == ["R02"] and current["params"]["scenario"] == "current"
    assert not current["ring_loop"]["complete"]  # R01 builds RING-S and is not open
    assert current["coverage"] != check_access(placed, scenario="baseline")["coverage"]  # R02 counts
    with_ring = check_access(placed, scenario="current", open_projects=["R01", "R02"])
    planned = check_access(placed, scenario="planned")
    assert {k: with_ring[k] for k in SECTIONS} == {k: planned[k] for k in SECTIONS}


def test_current_with_nothing_open_is_the_baseline(two_projects):
    placed = prepare_network(two_project_grid(), two_projects)
    current = check_access(placed, scenario="current", open_projects=())
    baseline = check_access(placed, scenario="baseline")
    assert {k: current[k] for k in SECTIONS} == {k: baseline[k] for k in SECTIONS}
    assert current["params"]["open_projects"] == []


def test_isochrones_of_current_are_those_of_planned_restricted(two_projects):
    network = two_project_grid()
    placed = prepare_network(network, two_projects)
    current = isochrone_bands(placed, scenario="current", open_projects={"R02"})
    restricted = isochrone_bands(network.select_edges(network.project_id != "R01"), two_projects,
                                 scenario="planned")
    assert current["features"] == restricted["features"]
    assert current["params"]["open_projects"] == ["R02"]


@pytest.mark.parametrize(("scenario", "open_projects", "match"), [
    ("current", None, "expected the road project ids open to traffic"),
    ("current", "R01", "expected the road project ids open to traffic"),
    ("current", ["R01", "R99"], "expected road project ids of the plan .*got R99"),
    ("baseline", ["R01"], "expected no open projects for the baseline scenario"),
])
def test_open_projects_must_fit_the_scenario(two_projects, scenario, open_projects, match):
    placed = prepare_network(two_project_grid(), two_projects)
    with pytest.raises(InvalidParameter, match=match) as caught:
        check_access(placed, scenario=scenario, open_projects=open_projects)
    assert caught.value.field == "open_projects"


def test_the_command_line_reads_the_open_projects_from_the_status_database(tmp_path, write_layers, monkeypatch):
    monkeypatch.setenv("CORRIDOR_INSTANCE_PATH", str(tmp_path / "instance"))
    data_dir = write_layers(_with_r02)
    plan = load_plan(data_dir)
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    store = open_store(url)
    add_report(store, plan, "R02", percent=100, state="已完成", reported_on="2021-10-15", reporter="张三",
               expected_version=0, today=TODAY)
    store.close()
    network_dir = save_network(two_project_grid(), tmp_path / "grid")
    common = ["access", "--network", str(network_dir), "--data-dir", str(data_dir), "--database-url", url, "--json"]
    runs = {day: CliRunner().invoke(main, [*common, "--scenario", "current", "--as-of", day])
            for day in ("2021-10-14", "2021-10-15")}
    for result in runs.values():
        assert result.exit_code == 0, result.output
    before, after = (json.loads(runs[day].output) for day in ("2021-10-14", "2021-10-15"))
    assert before["params"]["open_projects"] == [] and after["params"]["open_projects"] == ["R02"]
    assert after["open_to_traffic"]["projects"][0] == {
        "id": "R02", "name": "测试二路", "category": "road_complete_2021", "basis": COMPLETED_REPORT,
        "since": "2021-10-15", "basis_zh": "上报状态「已完成」"}
    assert after["coverage"] == check_access(two_project_grid(), plan, scenario="current",
                                             open_projects=["R02"])["coverage"]
    refused = CliRunner().invoke(main, [*common, "--scenario", "baseline", "--as-of", "2021-10-15"])
    assert refused.exit_code != 0 and "--as-of: expected only with --scenario current" in refused.output
    future = CliRunner().invoke(main, [*common, "--scenario", "current", "--as-of", "2999-01-01"])
    assert future.exit_code != 0 and "--as-of" in future.output and "up to today" in future.output
