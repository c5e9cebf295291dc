"""The plan's ring road and road projects found on a real road network.

The plan draws the ring (``RING-N/E/S/W``) and its road projects as approximate lines; the accessibility check needs
them as edges of the network. :func:`match_plan` finds them and writes them into the network's ``ring_id`` and
``project_id`` columns (both directions of every two-way street), returning what it matched and how:

- **the ring** by map matching the plan's ring line onto the network (:func:`geo.access.map_matching.match_loop`): one
  closed drivable loop, cut into the plan's four segments at the loop nodes nearest to where the plan's segments
  meet. A ring edge is an edge of that loop and nothing else — a stub that merely lies near the line is not one.
- **each road project**: a project that builds a ring segment is that segment of the matched loop; a project whose
  road OpenStreetMap knows by name is the road of that name (:data:`PROJECT_NAME_RULES`, cut to the stretch the plan
  names where it names one); otherwise the plan's approximate line is map matched
  (:func:`geo.access.map_matching.match_line`). A project with no credible match keeps no edges and is
  reported by name with the reason, never silently dropped. The rail line the plan lists among its roads is
  reported as rail; transit items are not projects here.

Projects are matched in the plan's order; an edge already claimed by an earlier project keeps that project (the
overlap is reported). Everything here is deterministic, so a rebuilt network gets the same answer.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from geo.access.prepared_plan import ROAD_PROJECT_CATEGORIES
from geo.errors import MatchFailed, RingNotConnected
from geo.access.map_matching import LOOP_SETTINGS, MatchedPath, MatchSettings, match_line, match_loop
from geo.network.road_network import RoadNetwork, path_coordinates
from geo.plan.layers import PlanData
from geo.access.ring import RingLine, edge_midpoints, ring_line_from_parts, to_metric_xy, to_wgs84_xy
from geo.network.road_graph import EdgeTwins

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class NameRule:
    """How a road project is found by its OSM name.

    Attributes
    ----------
    names
        OSM ``name`` values of the project's road in the 2026-06-08 extract (checked by hand).
    near_line
        Keep only the named edges within :data:`NAME_MATCH_BUFFER_M` of the plan's approximate line (a long road
        of which the project is one stretch); otherwise the whole named road in the network counts.
    near_places
        Keep only the named edges whose nearest OSM place (街道/镇) is one of these (a stretch the plan names by
        area); needs the places layer, else the rule does not apply.
    why
        Why the rule reads the plan that way (shown with the match).
    """

    names: tuple[str, ...]
    near_line: bool = False
    near_places: tuple[str, ...] = ()
    why: str = ""


# The 温州经济技术开发区 (浙南产业集聚区's core) administers these four streets: the plan's 经开区段.
ETDZ_STREETS = ("沙城街道", "天河街道", "海城街道", "星海街道")
PROJECT_NAME_RULES: dict[str, NameRule] = {
    "R02": NameRule(("温州大道东延线",), why="OSM 道路名 温州大道东延线"),
    "R03": NameRule(("雁荡中路",), why="OSM 道路名 雁荡中路"),
    "R05": NameRule(("永中西路",), why="OSM 道路名 永中西路"),
    "R06": NameRule(("环山东路",), near_places=ETDZ_STREETS,
                    why="OSM 环山东路中最近地名为经开区所辖沙城、天河、海城、星海街道的路段（推定为经开区段）"),
    "R10": NameRule(("通海大道",), why="OSM 道路名 通海大道"),
    "R14": NameRule(("G330", "G104;G330"), near_line=True, why="OSM G330 中靠近规划近似线（仙岩至丽岙）的路段"),
}
NAME_MATCH_BUFFER_M = 1500.0  # a stretch of a long named road counts only this close to the plan's line
PLACE_KINDS = ("town", "suburb")  # 街道 and 镇: the places a stretch of road is named by
MATCHED = "osm-matched"
RAIL = re.compile("铁路|轨道")  # the plan lists its rail line among the continuing roads: it builds no road edge
RAIL_NOTE = "轨道交通项目：不建道路，不计入道路网络；线位取自 OpenStreetMap 铁路图层（见 roads.geojson）"
# The loop settings are tuned on the plan's ring (39.5 km, drawn up to 3 km off its roads); a smaller ring (a test's,
# a district's) is matched with every distance scaled down in proportion.
TUNED_RING_LENGTH_M = 39_500.0
_DISTANCE_SETTINGS = ("sigma_m", "beta_m", "major_radius_m", "widen_to_m", "route_slack_m", "credible_mean_offset_m")


@dataclass(frozen=True)
class ProjectMatch:
    """How one road project was found on the network.

    Attributes
    ----------
    id, name
        The project's id and name in the plan.
    method
        ``"osm-name"``, ``"ring-segment"``, ``"map-matched"``, ``"rail"`` (a rail line: no road edges) or ``"none"``
        (no credible match: the project keeps no edges).
    edges
        The matched edges (one direction of each street), ascending.
    length_m
        Their length (one direction).
    osm_names
        The OSM names of the matched edges, longest first (``""`` for unnamed stretches).
    note
        Why the match is as it is (the reason when ``method == "none"``, overlaps with earlier projects).
    """

    id: str
    name: str
    method: str
    edges: tuple[int, ...]
    length_m: float
    osm_names: tuple[str, ...]
    note: str = ""

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "method": self.method, "edges": len(self.edges),
                "length_m": round(self.length_m, 1), "osm_names": list(self.osm_names), "note": self.note}


@dataclass(frozen=True)
class RingSegmentMatch:
    """One of the plan's ring segments on the matched loop: its edges in driving order and what they are."""

    id: str
    name: str
    edges: tuple[int, ...]
    length_m: float
    composition: tuple[tuple[str, str, float], ...]  # (OSM name, OSM class, metres), longest first

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "edges": len(self.edges), "length_m": round(self.length_m, 1),
                "composition": [{"osm_name": n, "highway": h, "length_m": round(m, 1)} for n, h, m in self.composition]}


@dataclass(frozen=True)
class PlanMatch:
    """The ring's segments on the matched loop (in driving order) and every road project's match."""

    ring: tuple[RingSegmentMatch, ...]
    projects: tuple[ProjectMatch, ...]

    @property
    def ring_length_m(self) -> float:
        return sum(segment.length_m for segment in self.ring)

    def to_dict(self) -> dict:
        return {"ring": {"length_m": round(self.ring_length_m, 1), "method": MATCHED,
                         "segments": [s.to_dict() for s in self.ring]},
                "projects": [p.to_dict() for p in self.projects]}


def match_plan(network: RoadNetwork, plan: PlanData, *,
               places: gpd.GeoDataFrame | None = None) -> tuple[RoadNetwork, PlanMatch]:
    """Find the plan's ring and road projects on ``network``; a copy with ``ring_id``/``project_id`` set.

    Parameters
    ----------
    network
        The road network (its own ``ring_id``/``project_id`` are replaced).
    plan
        The plan: its ring segments and road projects (approximate lines) are the hints.
    places
        The OSM named places (``osm-places.geojson``, :func:`geo.plan.layers.read_places`), for the rules that name a
        stretch of road by the places along it; without them those projects are map matched.

    Raises
    ------
    RingNotConnected
        When no closed loop along the ring can be found on the network.
    """
    ring = match_ring(network, plan_ring_line(plan))
    twins = EdgeTwins(network)
    ring_id = ring_edge_ids(network, ring, twins=twins)
    project_id, projects = match_projects(network, plan, ring=ring, places=places, twins=twins)
    result = PlanMatch(ring, projects)
    logger.info("ring matched: %.1f km; projects: %s", result.ring_length_m / 1000,
                ", ".join(f"{p.id}={p.method}" for p in projects))
    matched = replace(network, ring_id=ring_id, project_id=project_id,
                      source={**network.source, "plan_match": result.to_dict()})
    return matched, result


def ensure_matched(network: RoadNetwork, plan: PlanData) -> RoadNetwork:
    """``network`` as it is when its ring is matched already (a built or fetched cache), else matched now.

    A network that carries road-project ids of its own keeps them; only the ring is matched then.
    """
    if (network.ring_id != "").any():
        return network
    if (network.project_id != "").any():
        ring = match_ring(network, plan_ring_line(plan))
        return replace(network, ring_id=ring_edge_ids(network, ring, twins=EdgeTwins(network)))
    return match_plan(network, plan)[0]


def match_ring(network: RoadNetwork, hint: RingLine) -> tuple[RingSegmentMatch, ...]:
    """The ring loop matched onto ``network`` and cut into ``hint``'s segments.

    Raises
    ------
    RingNotConnected
        When no closed loop along ``hint`` can be found on the network.
    """
    scale = min(1.0, hint.length_m / TUNED_RING_LENGTH_M)
    try:
        loop = match_loop(network, _wgs84_line(hint), radius_m=400.0 * scale, spacing_m=200.0 * scale,
                          settings=_scaled(LOOP_SETTINGS, scale))
    except MatchFailed as exc:
        raise RingNotConnected(f"the plan's ring could not be matched onto the network "
                               f"{network.source.get('source', '')}: {exc}") from exc
    return tuple(split_loop(network, loop, hint))


def ring_edge_ids(network: RoadNetwork, ring: Sequence[RingSegmentMatch], *, twins: EdgeTwins) -> np.ndarray:
    """Per edge: the id of the ring segment whose street it is (both directions), ``""`` off the ring."""
    ring_id = np.full(network.n_edges, "", dtype=object)
    for segment in ring:
        ring_id[twins.both_ways(np.asarray(segment.edges, dtype=np.int64))] = segment.id
    return ring_id


def match_projects(network: RoadNetwork, plan: PlanData, *, ring: Sequence[RingSegmentMatch] = (),
                   places: gpd.GeoDataFrame | None = None,
                   twins: EdgeTwins | None = None) -> tuple[np.ndarray, tuple[ProjectMatch, ...]]:
    """Every road project of ``plan`` on ``network``: the edges' project ids (both directions) and the matches.

    A project that builds a ring segment (the segment's ``project_id`` in the plan) is that segment of the matched
    ``ring``; the others follow :func:`match_project`.
    """
    twins = twins or EdgeTwins(network)
    builds = {str(pid): str(sid) for sid, pid in zip(plan.ring["id"], plan.ring["project_id"]) if pid}
    segments = {segment.id: segment for segment in ring}
    project_id = np.full(network.n_edges, "", dtype=object)
    projects = []
    for pid, name, line in _road_projects(plan):
        segment = segments.get(builds.get(pid, ""))
        if RAIL.search(name):
            projects.append(ProjectMatch(pid, name, "rail", (), 0.0, (), note=RAIL_NOTE))
            continue
        if segment is not None:
            edges = twins.one_way(np.asarray(segment.edges, dtype=np.int64))
            match = ProjectMatch(pid, name, "ring-segment", tuple(int(e) for e in edges),
                                 float(network.length_m[edges].sum()), _names(network, edges),
                                 note=f"规划中 {segment.id}（{segment.name}）由本项目建设：取匹配环线的该段")
        else:
            match = match_project(network, pid, name, line, places=places, twins=twins)
        both = twins.both_ways(np.asarray(match.edges, dtype=np.int64))
        taken = both[project_id[both] != ""]
        if taken.size:
            owners = ", ".join(sorted(set(project_id[taken])))
            match = replace(match, note=(match.note + "；" if match.note else "")
                            + f"其中 {taken.size} 条有向边已属 {owners}")
        project_id[both[project_id[both] == ""]] = pid
        projects.append(match)
    return project_id, tuple(projects)


def plan_ring_line(plan: PlanData) -> RingLine:
    """The plan's ring segments chained into one metric line."""
    ring = plan.ring
    return ring_line_from_parts(ring["id"].tolist(), ring["name"].tolist(), ring.geometry.tolist())


def _scaled(settings: MatchSettings, scale: float) -> MatchSettings:
    """``settings`` with every distance scaled: a smaller ring than the plan's is drawn closer to its roads."""
    return replace(settings, **{name: getattr(settings, name) * scale for name in _DISTANCE_SETTINGS})


def _wgs84_line(ring: RingLine) -> shapely.LineString:
    lon, lat = to_wgs84_xy(*shapely.get_coordinates(ring.line).T)
    return shapely.LineString(np.column_stack([lon, lat]))


def _road_projects(plan: PlanData) -> list[tuple[str, str, shapely.Geometry]]:
    roads = plan.roads[plan.roads["category"].isin(ROAD_PROJECT_CATEGORIES)]
    return list(zip(roads["id"].tolist(), roads["name"].tolist(), roads.geometry.tolist()))


def split_loop(network: RoadNetwork, loop: MatchedPath, hint: RingLine) -> list[RingSegmentMatch]:
    """Cut the matched loop into the plan's ring segments, in the plan's direction of travel.

    Raises
    ------
    RingNotConnected
        When the loop does not pass the segments' meeting points in the plan's order.
    """
    edges = [int(e) for e in loop.edges]
    x, y = to_metric_xy(network.x[network.edge_u[edges]], network.y[network.edge_u[edges]])
    x, y = np.asarray(x), np.asarray(y)
    signed_area = 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))
    if ("counterclockwise" if signed_area > 0 else "clockwise") != hint.forward_direction:
        twins = EdgeTwins(network)
        edges = [twins.reverse(e) for e in reversed(edges)]
        x, y = to_metric_xy(network.x[network.edge_u[edges]], network.y[network.edge_u[edges]])
        x, y = np.asarray(x), np.asarray(y)
    meets = shapely.get_coordinates(shapely.line_interpolate_point(hint.line, hint.segment_start_m[:-1]))
    cut = [int(np.argmin(np.hypot(x - mx, y - my))) for mx, my in meets]
    rotated = [(c - cut[0]) % len(edges) for c in cut]
    if rotated != sorted(rotated) or len(set(rotated)) != len(rotated):
        raise RingNotConnected("the matched ring loop does not pass the plan's ring segments' meeting points in "
                               f"their order ({', '.join(hint.segment_ids)}); check the ring in roads.geojson")
    edges = edges[cut[0]:] + edges[:cut[0]]
    bounds = rotated + [len(edges)]
    return [_segment(network, hint.segment_ids[k], hint.segment_names[k], edges[bounds[k]:bounds[k + 1]])
            for k in range(len(hint.segment_ids))]


def _segment(network: RoadNetwork, segment_id: str, name: str, edges: Sequence[int]) -> RingSegmentMatch:
    index = np.asarray(edges, dtype=np.int64)
    return RingSegmentMatch(id=segment_id, name=name, edges=tuple(int(e) for e in edges),
                            length_m=float(network.length_m[index].sum()), composition=_composition(network, index))


def _composition(network: RoadNetwork, edges: np.ndarray) -> tuple[tuple[str, str, float], ...]:
    totals: dict[tuple[str, str], float] = {}
    for name, highway, length in zip(network.name[edges], network.highway[edges], network.length_m[edges]):
        totals[(str(name), str(highway))] = totals.get((str(name), str(highway)), 0.0) + float(length)
    return tuple(sorted(((n, h, m) for (n, h), m in totals.items()), key=lambda t: (-t[2], t[0], t[1])))


def match_project(network: RoadNetwork, project_id: str, name: str, line: shapely.Geometry, *,
                  places: gpd.GeoDataFrame | None = None, twins: EdgeTwins | None = None) -> ProjectMatch:
    """One road project on ``network``: by its OSM name (:data:`PROJECT_NAME_RULES`), else by map matching the plan's
    approximate line; ``method == "none"`` with the reason when neither gives a credible match."""
    twins = twins or EdgeTwins(network)
    rule = PROJECT_NAME_RULES.get(project_id)
    if rule is not None and (not rule.near_places or places is not None):
        named = twins.one_way(_named_edges(network, rule, line, places))
        if named.size:
            return ProjectMatch(project_id, name, "osm-name", tuple(int(e) for e in named),
                                float(network.length_m[named].sum()), _names(network, named), note=rule.why)
    try:
        path = match_line(network, line)
    except MatchFailed as exc:
        return ProjectMatch(project_id, name, "none", (), 0.0, (), note=f"无可信匹配：{exc}")
    if not path.credible:
        return ProjectMatch(project_id, name, "none", (), 0.0, (),
                            note=f"OpenStreetMap 中无同名道路，按规划近似线匹配不可信：{path.reason}")
    edges = twins.one_way(np.asarray(path.edges, dtype=np.int64))
    return ProjectMatch(project_id, name, "map-matched", tuple(int(e) for e in edges),
                        float(network.length_m[edges].sum()), _names(network, edges),
                        note="按规划近似线地图匹配（HMM）")


def _named_edges(network: RoadNetwork, rule: NameRule, line: shapely.Geometry,
                 places: gpd.GeoDataFrame | None) -> np.ndarray:
    """The edges named as ``rule`` says, cut to the stretch it names (near the line, or near the places)."""
    named = np.flatnonzero(np.isin(network.name, list(rule.names)))
    if named.size == 0 or not (rule.near_line or rule.near_places):
        return named
    midpoints = edge_midpoints(network, named)
    keep = np.ones(named.size, dtype=bool)
    if rule.near_line:
        line_m = shapely.LineString(np.column_stack(to_metric_xy(*shapely.get_coordinates(line).T)))
        keep &= shapely.dwithin(line_m, midpoints, NAME_MATCH_BUFFER_M)
    if rule.near_places:
        towns = places[places["place"].isin(PLACE_KINDS)]
        px, py = to_metric_xy(towns.geometry.x.to_numpy(), towns.geometry.y.to_numpy())
        tree = cKDTree(np.column_stack([px, py]))
        _, nearest = tree.query(shapely.get_coordinates(midpoints))
        keep &= np.isin(towns["name"].to_numpy()[nearest], list(rule.near_places))
    return named[keep]


def _names(network: RoadNetwork, edges: np.ndarray) -> tuple[str, ...]:
    totals: dict[str, float] = {}
    for name, length in zip(network.name[edges], network.length_m[edges]):
        totals[str(name)] = totals.get(str(name), 0.0) + float(length)
    return tuple(sorted(totals, key=lambda n: (-totals[n], n)))


def ring_feature_collection(network: RoadNetwork, match: PlanMatch) -> dict:
    """The matched ring as GeoJSON: one LineString per plan segment (WGS-84, 6 decimals) with its OSM names, length
    and composition, for ``roads.geojson``'s ring (``geometry_source: "osm-matched"``)."""
    features = []
    for segment in match.ring:
        coordinates = [[round(x, 6), round(y, 6)] for x, y in path_coordinates(network, np.asarray(segment.edges))]
        names = [name for name, _, _ in segment.composition if name]
        classes = sorted({highway for _, highway, _ in segment.composition})
        features.append({"type": "Feature", "properties": {
            "id": segment.id, "name": segment.name, "geometry_source": MATCHED,
            "osm_names": "、".join(dict.fromkeys(names)) or None, "matched_length_m": round(segment.length_m, 1),
            "match_note": "由规划近似环线经地图匹配（HMM）得到的 OpenStreetMap 闭合环线的一段"
                          f"（道路等级：{'、'.join(classes)}），待规划人员核实"},
            "geometry": {"type": "LineString", "coordinates": coordinates}})
    return {"type": "FeatureCollection", "name": "matched-ring", "features": features}
