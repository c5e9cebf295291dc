"""Isochrone bands: every node lies in its own band or a faster one, never a slower one; unreachable areas are holes."""
from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from geo.access.evaluation import scenario_mask, time_to_ring_nodes
from geo.access.placement import prepare_network
from geo.errors import InvalidParameter, RingNotConnected
from geo.access.isochrones import RASTER_M, isochrone_bands
from geo.network.road_network import RoadNetwork
from geo.plan.layers import PlanData, load_plan
from geo.access.ring import match_ring_edges, ring_line, to_wgs84_xy

from test_access import grid_network


@pytest.fixture
def tiny_plan(write_layers) -> PlanData:
    return load_plan(write_layers())


def node_times(network: RoadNetwork, plan: PlanData, scenario: str) -> np.ndarray:
    ring = match_ring_edges(network, ring_line(plan.ring))
    active = scenario_mask(network, plan, scenario)
    return time_to_ring_nodes(network, ring.mask & active, active, network.travel_time_s())


def slow_grid() -> RoadNetwork:
    """The test grid at 6 km/h, so its ~560 m blocks spread the times over all four bands."""
    network = grid_network()
    network.speed_kph = np.full(network.n_edges, 6.0)
    return network


@pytest.mark.parametrize("scenario", ["planned", "baseline"])
def test_each_node_lies_in_its_band_or_a_faster_one_and_never_in_a_slower_one(tiny_plan, scenario):
    network = slow_grid()
    bands = isochrone_bands(network, tiny_plan, scenario=scenario)
    json.dumps(bands)
    assert [f["properties"]["band"] for f in bands["features"]] == ["0-5", "5-10", "10-15", ">15"]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in bands["features"]]
    times_min = node_times(network, tiny_plan, scenario) / 60
    band_of = np.digitize(times_min, [5, 10, 15])
    reachable = np.flatnonzero(np.isfinite(times_min))
    assert len(set(band_of[reachable])) == 4, "the fixture spreads nodes over every band"
    for node in reachable:
        k = band_of[node]
        assert any(shapely.intersects_xy(shapes[j], network.x[node], network.y[node]) for j in range(k + 1)), node
        assert not any(shapely.intersects_xy(shapes[j], network.x[node], network.y[node])
                       for j in range(k + 1, 4)), node


def test_unreachable_roads_leave_holes(tiny_plan):
    network = slow_grid()
    bands = isochrone_bands(network, tiny_plan, scenario="planned")
    covered = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in bands["features"]])
    times = node_times(network, tiny_plan, "planned")
    unreachable = np.flatnonzero(~np.isfinite(times))
    assert unreachable.size == 2  # the separate street far east
    assert not shapely.intersects_xy(covered, network.x[unreachable], network.y[unreachable]).any()
    assert not covered.convex_hull.equals(covered)  # bands follow the streets, not a hull


def test_bands_do_not_overlap_and_report_their_area(tiny_plan):
    bands = isochrone_bands(slow_grid(), tiny_plan, scenario="planned")
    shapes = [shapely.geometry.shape(f["geometry"]) for f in bands["features"]]
    for i in range(4):
        for j in range(i + 1, 4):
            # only slivers from rounding coordinates to 5 decimals (~1 m) may overlap
            assert shapely.intersection(shapes[i], shapes[j]).area < 1e-3 * min(shapes[i].area, shapes[j].area)
    assert all(f["properties"]["area_km2"] >= 0 for f in bands["features"])
    assert bands["network"]["source"] == "test-grid"


def test_bad_scenario_congestion_and_ring_are_refused(tiny_plan):
    with pytest.raises(InvalidParameter, match="^scenario: expected one of baseline, planned"):
        isochrone_bands(grid_network(), tiny_plan, scenario="compare")
    with pytest.raises(InvalidParameter, match="^congestion"):
        isochrone_bands(grid_network(), tiny_plan, congestion=-1)
    with pytest.raises(RingNotConnected, match="ring could not be matched onto the network"):
        isochrone_bands(grid_network(lon0=121.0), tiny_plan)


@pytest.mark.parametrize("scenario", ["planned", "baseline"])
def test_a_placed_network_gives_the_same_bands(tiny_plan, scenario):
    network = slow_grid()
    placed = prepare_network(network, tiny_plan)
    assert isochrone_bands(placed, scenario=scenario, congestion=0.8) == isochrone_bands(
        network, tiny_plan, scenario=scenario, congestion=0.8)


@pytest.mark.parametrize("link_class", ["trunk_link", "primary"])
def test_only_roads_with_roadside_access_are_drawn(write_layers, link_class):
    from test_coverage import X0, Y0, hand_layers, hand_network

    network = hand_network(link_class=link_class)
    bands = isochrone_bands(network, load_plan(write_layers(hand_layers)), scenario="planned")
    covered = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in bands["features"]])
    lon, lat = to_wgs84_xy(np.array([X0 + 1125.0, X0 + 2000.0]), np.array([Y0 + 900.0, Y0 + 900.0]))
    at_link_end, on_motorway = shapely.intersects_xy(covered, lon, lat)
    assert not on_motorway  # reachable through the link, but nothing beside a motorway can get on it
    assert at_link_end == (link_class == "primary")  # a trunk_link has no roadside access either


def _metric(feature: dict) -> shapely.Geometry:
    from geo.access.ring import to_metric_xy

    return shapely.transform(shapely.geometry.shape(feature["geometry"]),
                             lambda xy: np.column_stack(to_metric_xy(xy[:, 0], xy[:, 1])))


def test_display_simplification_drops_the_raster_stairs_and_keeps_the_bands_together(tiny_plan):
    exact = isochrone_bands(slow_grid(), tiny_plan, scenario="planned", simplify_m=0)
    shown = isochrone_bands(slow_grid(), tiny_plan, scenario="planned")
    vertices = [sum(shapely.get_num_coordinates(_metric(f)) for f in bands["features"]) for bands in (exact, shown)]
    assert vertices[1] < 0.7 * vertices[0]  # the buffers' round ends are 50 m stairs on the raster
    assert [f["properties"]["area_km2"] for f in shown["features"]] == [
        f["properties"]["area_km2"] for f in exact["features"]]  # measured before simplifying
    before, after = ([_metric(f) for f in bands["features"]] for bands in (exact, shown))
    for i, (outline, drawn) in enumerate(zip(before, after)):
        assert shapely.hausdorff_distance(outline, drawn, densify=0.05) < 1.05 * RASTER_M  # moved by at most a cell
        assert all(shapely.intersection(drawn, other).area < 1.0 for other in after[i + 1:])  # m²: rounding only
    assert shapely.union_all(after).area == pytest.approx(shapely.union_all(before).area, rel=0.002)  # no gaps
