"""The plan-data builder: deterministic output that loads, validates and matches the plan's counts and ranges."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import shapely

from geo.plan.layers import load_plan
from geo.plan.schema import METRIC_CRS, PLAN_RING_ROAD_TASKS_BY_DISTRICT, PLAN_TRANSIT_ROW
from geo.plan.shapes import to_metric

REPO = Path(__file__).resolve().parent.parent
LAYERS = ("blocks", "roads", "tasks", "districts", "osm-places")


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_plan_data", REPO / "scripts" / "build_plan_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    builder = _load_builder()
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    for out in (first, second):
        builder.build(sources=REPO / "data" / "sources", out=out,
                      matched_ring=REPO / "data" / "network" / "ring.geojson")
    return first, second


@pytest.fixture(scope="module")
def plan(built):
    return load_plan(built[0])


def _collection(folder: Path, layer: str) -> dict:
    return json.loads((folder / f"{layer}.geojson").read_text(encoding="utf-8"))


@pytest.mark.parametrize("layer", LAYERS)
def test_two_runs_are_byte_identical(built, layer):
    first, second = built
    assert (first / f"{layer}.geojson").read_bytes() == (second / f"{layer}.geojson").read_bytes()


@pytest.mark.parametrize("layer", LAYERS)
def test_collections_carry_name_attribution_and_ids_in_order(built, layer):
    doc = _collection(built[0], layer)
    assert doc["name"] == layer and doc["attribution"]
    ids = [f["properties"]["id"] for f in doc["features"]]
    assert ids == [f["id"] for f in doc["features"]] and len(set(ids)) == len(ids)


def test_the_shipped_data_is_what_the_builder_produces(built):
    for layer in LAYERS:
        assert (REPO / "data" / f"{layer}.geojson").read_bytes() == (built[0] / f"{layer}.geojson").read_bytes()


def test_counts_match_the_plan(plan):
    assert list(plan.blocks["id"]) == [f"B{i:02d}" for i in range(1, 14)]
    assert plan.roads["category"].value_counts().to_dict() == {
        "road_continuing": 8, "road_complete_2021": 7, "ring": 4, "transit": 2}
    ring_tasks = plan.tasks[plan.tasks["kind"] == "ring_road"]
    assert list(plan.tasks["id"]) == [f"E{i:02d}" for i in range(1, 77)]
    assert ring_tasks["district"].value_counts().to_dict() == PLAN_RING_ROAD_TASKS_BY_DISTRICT
    assert list(plan.districts["id"]) == ["D01", "D02", "D03", "D04", "D05", "D06", "D07", "CORRIDOR"]
    assert "中国·温州安全（应急）产业园" in set(plan.blocks["name"])


def test_every_geometry_is_valid(plan):
    for layer in (plan.blocks, plan.roads, plan.tasks, plan.districts):
        assert layer.geometry.is_valid.all() and not layer.geometry.is_empty.any()


def test_blocks_and_tasks_lie_inside_their_district(plan):
    areas = plan.districts.to_crs(METRIC_CRS).set_index("name").geometry
    for layer in (plan.blocks, plan.tasks):
        metric = layer.to_crs(METRIC_CRS)
        outside = [fid for fid, district, geom in zip(metric["id"], metric["district"], metric.geometry)
                   if not geom.within(areas[district].buffer(1.0))]
        assert outside == []


def test_block_areas_and_shapes_are_in_range(plan):
    metric = plan.blocks.to_crs(METRIC_CRS)
    assert metric.area.between(0.5e6, 3e6).all()
    assert all(7 <= len(g.exterior.coords) - 1 <= 10 for g in metric.geometry)
    assert sum(a.intersects(b) for i, a in enumerate(metric.geometry) for b in metric.geometry[i + 1:]) == 0


def test_road_and_task_lengths_are_in_range(plan):
    roads = plan.roads.to_crs(METRIC_CRS)
    named = roads[roads["category"].isin(["road_complete_2021", "road_continuing"]) & (roads["id"] != "R15")]
    assert named.length.between(1e3, 30e3).all()
    s2 = roads.loc[roads["id"] == "R15"]  # OSM draws both tracks of the S2 line (about 63 km) apart
    assert s2["geometry_source"].iloc[0] == "osm-matched" and 110e3 < s2.length.iloc[0] < 140e3
    bus_lines = roads.loc[roads["id"] == "R17"].geometry.iloc[0]
    assert len(bus_lines.geoms) == 7 and all(1e3 <= line.length <= 30e3 for line in bus_lines.geoms)
    assert len(roads.loc[roads["id"] == "R16"].geometry.iloc[0].geoms) == 5
    tasks = plan.tasks[plan.tasks["kind"] == "ring_road"].to_crs(METRIC_CRS)
    assert tasks.length.between(0.5e3, 3e3).all()
    assert (tasks["geometry_source"] == "provisional").all() and tasks["road_name"].isna().all()
    assert sum(a.intersects(b) for i, a in enumerate(tasks.geometry) for b in tasks.geometry[i + 1:]) == 0


def test_ring_is_the_matched_osm_loop_closing_exactly(plan):
    ring = plan.ring.set_index("id")
    order = ["RING-N", "RING-E", "RING-S", "RING-W"]
    for current, following in zip(order, order[1:] + order[:1]):
        assert ring.geometry[current].coords[-1] == ring.geometry[following].coords[0]
    assert (ring["geometry_source"] == "osm-matched").all() and ring["osm_names"].notna().all()
    length = sum(to_metric(ring.geometry[i]).length for i in order)
    assert 40e3 < length < 55e3  # the arterial loop round the mountain; the plan's approximate ring is 39.5 km
    assert sum(ring["matched_length_m"]) == pytest.approx(length, rel=0.002)  # geodesic vs UTM length
    assert ring.loc["RING-S", "project_id"] == "R12"


def test_districts_are_copied_unchanged_from_tianditu(built):
    source = _collection(REPO / "data" / "sources", "wenzhou-districts")
    by_name = {f["properties"]["district_name"]: f["geometry"] for f in source["features"]}
    for feature in _collection(built[0], "districts")["features"]:
        if feature["properties"]["kind"] == "district":
            assert feature["geometry"] == by_name[feature["properties"]["name"]]
            assert feature["properties"]["geometry_source"] == "surveyed"


def test_functional_zones_contain_their_anchor_points(plan):
    zones = plan.districts.set_index("name").geometry
    assert zones["浙南产业集聚区"].contains(shapely.Point(120.840, 27.870))
    assert zones["瓯江口产业集聚区"].contains(shapely.Point(120.916, 27.944))
    assert all(10e6 < to_metric(zones[name]).area < 100e6 for name in ("浙南产业集聚区", "瓯江口产业集聚区"))
    assert plan.corridor.intersects(shapely.Point(120.750, 27.895))


def test_blocks_named_after_an_osm_place_are_re_anchored_there(built):
    blocks = {f["id"]: f["properties"] for f in _collection(built[0], "blocks")["features"]}
    anchored = {block_id: props["anchor"] for block_id, props in blocks.items() if "anchor" in props}
    assert anchored == {"B01": "OpenStreetMap 地名“七都街道”（© OpenStreetMap contributors，ODbL 1.0）",
                        "B07": "OpenStreetMap 地名“茶山街道”（© OpenStreetMap contributors，ODbL 1.0）"}
    assert all(props["geometry_source"] == "approximate" for props in blocks.values())
    assert (blocks["B01"]["anchor_shift_m"], blocks["B07"]["anchor_shift_m"]) == (3007, 384)
    assert "anchor_shift_m" not in blocks["B02"]


def test_re_anchored_blocks_lie_at_their_place(plan):
    centres = plan.blocks.to_crs(METRIC_CRS).set_index("id").geometry.centroid
    qidu = to_metric(shapely.Point(120.764375, 28.007497))
    chashan = to_metric(shapely.Point(120.699491, 27.919876))
    assert centres["B01"].distance(qidu) < 100  # centred there
    assert centres["B07"].distance(chashan) < 500  # pushed 450 m off it to keep clear of B06


def test_osm_places_are_copied_from_the_extract(built):
    extract = json.loads((REPO / "data" / "sources" / "wenzhou-bbbike-roads.json").read_text(encoding="utf-8"))
    features = _collection(built[0], "osm-places")["features"]
    assert [(f["properties"]["name"], f["properties"]["place"], *f["geometry"]["coordinates"]) for f in features] == [
        tuple(row) for row in extract["places"]]
    assert "ODbL" in _collection(built[0], "osm-places")["attribution"]


def test_what_the_plan_does_not_locate_is_a_placeholder(plan):
    roads = plan.roads.set_index("id")
    assert set(roads.index[roads["geometry_source"] == "provisional"]) == {"R07", "R16", "R17"}
    assert roads.loc["R16", "components"].startswith("图上5个点均为本项目临时占位（规划第218行只给数量，未给位置）")
    assert roads.loc[["R07", "R16", "R17"], "responsible_unit_derived"].isna().all()  # a placeholder says nothing


def test_road_names_say_whose_they_are_and_the_ring_stays_osm_matched(plan):
    roads = plan.roads.set_index("id")
    sources = roads["name_source"]
    assert set(sources.index[sources != "plan"]) == {"R06", "R16", "RING-E", "RING-W"}
    assert roads.loc["RING-W", ["name", "name_source", "geometry_source"]].tolist() == ["环山西路", "project",
                                                                                       "osm-matched"]
    assert roads.loc["R06", "name_source"] == "derived" and roads.loc["R16", "name_source"] == "project"


def test_targets_quote_the_plan_with_their_line_or_are_empty(plan):
    roads = plan.roads.set_index("id")
    quoted = {rid: (target, line) for rid, target, line in zip(roads.index, roads["target_2021"],
                                                               roads["target_2021_line"])}
    assert {quoted[f"R{i:02d}"] for i in range(1, 8)} == {("道路建成", 215)}
    assert {quoted[f"R{i:02d}"] for i in range(8, 16)} | {quoted["RING-S"]} == {("道路续建", 216)}
    assert quoted["R16"] == quoted["R17"] == (PLAN_TRANSIT_ROW.quote, 218)
    assert all(quoted[rid] == (None, None) for rid in ("RING-N", "RING-E", "RING-W"))
    assert set(zip(plan.tasks["target_2021"], plan.tasks["target_2021_line"])) == {
        ("完成涉及13个重点区块、63条重要环线道路整治提升共计76项任务", 246)}


def test_responsible_units_are_the_plans_text_refined_apart(plan):
    assert set(plan.blocks["responsible_unit"]) == set(plan.tasks["responsible_unit"]) == {"科创走廊所在地政府、功能区管委会"}
    assert set(plan.roads["responsible_unit"]) == {"科创走廊所在地政府、功能区管委会，市交通局"}
    for layer in (plan.blocks, plan.tasks):
        derived = dict(zip(layer["district"], layer["responsible_unit_derived"]))
        assert derived["鹿城区"] == "鹿城区政府" and derived["瓯江口产业集聚区"] == "瓯江口产业集聚区管委会"
        assert layer["responsible_unit_basis"].str.startswith("按").all()
    roads = plan.roads.set_index("id")
    assert "市交运集团" not in "".join(roads["responsible_unit"]) + "".join(roads["responsible_unit_derived"].dropna())
    assert roads.loc["R02", "responsible_unit_derived"] == "龙湾区政府"
    assert roads.loc["R02", "responsible_unit_basis"] == "按本项目概略线位所经地区（200米以上）推导；线位为估计，待核实"
    assert roads.loc["RING-N", "responsible_unit_basis"].startswith("按 OpenStreetMap 匹配线位所经地区")
