"""The streets inside a box (geo/network/edges.py): one feature per two-way street, longest first, capped, with
their shapes; and the box parameter's checks."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.errors import InvalidParameter
from geo.network.road_network import RoadNetwork, haversine_m
from geo.network.edges import MAX_BBOX_DEGREES, edges_in_bbox, parse_bbox

# Four nodes on a line at 27.9 N, 0.01° apart, joined two-way; a fifth far away.
X = np.array([120.70, 120.71, 120.72, 120.73, 121.50])
Y = np.array([27.90, 27.90, 27.90, 27.90, 28.50])
PAIRS = [(0, 1), (1, 2), (2, 3), (3, 4)]


def _network(*, with_shape: bool = False) -> RoadNetwork:
    a, b = np.array([p[0] for p in PAIRS]), np.array([p[1] for p in PAIRS])
    u, v = np.concatenate([a, b]), np.concatenate([b, a])
    length = haversine_m(X[u], Y[u], X[v], Y[v])
    length[[1, 5]] += 500.0  # the street 1–2 (both directions) winds: the longest
    geometry = None
    if with_shape:
        geometry = np.full(u.size, None, dtype=object)
        geometry[1] = shapely.LineString([(120.71, 27.90), (120.715, 27.905), (120.72, 27.90)])
    return RoadNetwork(node_id=np.arange(X.size), x=X, y=Y, edge_u=u, edge_v=v, length_m=length,
                       speed_kph=np.full(u.size, 40.0), highway=np.full(u.size, "secondary", dtype=object),
                       name=np.array(["甲路", "乙路", "丙路", "丁路"] * 2, dtype=object),
                       project_id=np.full(u.size, "", dtype=object), source={"source": "test"}, geometry=geometry)


def test_each_two_way_street_is_one_feature_longest_first() -> None:
    result = edges_in_bbox(_network(), (120.695, 27.89, 120.735, 27.91))
    names = [f["properties"]["name"] for f in result["features"]]
    # 丁路 reaches in from the far node (about 100 km long), 乙路 winds; 甲路 and 丙路 are 0.01° straight
    assert names[:2] == ["丁路", "乙路"] and sorted(names[2:]) == ["丙路", "甲路"]
    assert result["truncated"] is False and result["total"] == 4
    assert result["network"] == {"source": "test"}


def test_a_street_keeps_its_shape_and_a_straight_one_joins_its_ends() -> None:
    result = edges_in_bbox(_network(with_shape=True), (120.705, 27.89, 120.725, 27.91))
    by_name = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in result["features"]}
    assert by_name["乙路"] == [[120.71, 27.9], [120.715, 27.905], [120.72, 27.9]]
    assert by_name["甲路"] == [[120.70, 27.90], [120.71, 27.90]]


def test_the_answer_is_capped_and_says_so() -> None:
    result = edges_in_bbox(_network(), (120.695, 27.89, 120.735, 27.91), limit=2)
    assert len(result["features"]) == 2 and result["truncated"] is True and result["total"] == 4
    assert [f["properties"]["name"] for f in result["features"]] == ["丁路", "乙路"]


def test_a_box_with_no_street_gives_an_empty_collection() -> None:
    assert edges_in_bbox(_network(), (119.0, 26.0, 119.1, 26.1))["features"] == []


def test_a_box_is_read_west_south_east_north() -> None:
    assert parse_bbox("120.7,27.9,120.75,27.95") == pytest.approx((120.7, 27.9, 120.75, 27.95))


@pytest.mark.parametrize(("text", "kind"), [
    (None, "bbox_format"), ("120.7,27.9,120.75", "bbox_format"), ("a,b,c,d", "bbox_format"),
    ("120.75,27.9,120.7,27.95", "bbox_order"), ("120.7,27.9,nan,27.95", "bbox_order"),
    ("120.0,27.9,121.0,27.95", "bbox_size"),
])
def test_a_bad_box_is_refused_naming_bbox(text: str | None, kind: str) -> None:
    with pytest.raises(InvalidParameter, match="^bbox: ") as caught:
        parse_bbox(text)
    assert caught.value.kind == kind
    if kind == "bbox_size":
        assert caught.value.details["limit"] == MAX_BBOX_DEGREES
