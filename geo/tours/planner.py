"""Inspection tours (季度观摩, item 11's inspection routes): the fastest visiting order and its itinerary.

A tour starts at a place (default 温州市人民政府), visits every chosen block, road project or task once in the order
that minimises driving time on the road network, and ends back at the start (``"start"``), at a chosen place, or
wherever the last stop is (``"open"``). :func:`plan_tour` returns a JSON-ready itinerary: the order, clock times,
legs with their routes, totals, the sites the network cannot reach (by name; the rest is still planned) with a
one-line account of the selection for the result's header, the lunch break, the time-budget check, the network's
provenance and an AMap navigation link per stop. Which chosen sites can be reached is also known before a tour is
computed (:func:`geo.tours.placement.reachability`), so that users decide to plan without the others.

Tours run on the accessibility check's scenarios (:func:`tour_graph`): ``planned`` is the network as mapped,
``baseline`` the same without the edges the plan's road projects build.

What a tour is asked for is a :class:`~geo.tours.request.TourRequest` (:func:`tour_request` builds one from user
input). Sites come from :mod:`geo.tours.sites`, their placement on the network from :mod:`geo.tours.placement`,
routing from :mod:`geo.tours.routing`, the order from :mod:`geo.tours.tsp`, the clock from
:mod:`geo.tours.itinerary` and the lunch rule from :mod:`geo.tours.lunch`.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import geopandas as gpd

from geo.access.evaluation import scenario_mask
from geo.errors import InvalidParameter, UnknownItem
from geo.tours.itinerary import Schedule, amap_navigation_url, build_schedule, format_clock, parse_clock, parse_lunch
from geo.tours.lunch import LunchBreak
from geo.network.road_network import RoadNetwork, is_real_network, network_attribution, network_label
from geo.plan.layers import PlanData
from geo.tours.placement import place_request, require_routable, selection_summary
from geo.tours.request import DEFAULT_DWELL_MIN, TourRequest, minutes_problems, raise_problems
from geo.tours.routing import LegRoute, RoutingGraph, leg_route, routing_graph, travel_matrix
from geo.tours.sites import DEFAULT_START, Site, query_sites, resolve_place, resolve_sites
from geo.tours.tsp import solve_path

logger = logging.getLogger(__name__)

SCENARIO_LABELS = {"planned": "规划路网", "baseline": "现状路网"}
DEFAULT_SCENARIO = "planned"
END_LABELS = {"start": "返回起点", "open": "不返回（开放路线，最后一个点位结束）"}
LUNCH_TIMING = {True: "到达后先用餐、再巡查", False: "巡查后用餐、再出发"}
LUNCH_MISSED_NOTES = {
    "before_window": "行程在午餐时段开始前已结束，未安排午餐",
    "too_long": "午餐时长 {duration:g} 分钟超过午餐时段 {window}，无法安排；请缩短午餐时长或放宽时段",
    "no_slot": "行程中没有能在午餐时段 {window} 内完整安排 {duration:g} 分钟午餐的停靠时机（午餐只在点位停靠时进行），"
               "未安排午餐；可提前出发、缩短停留时间或午餐时长",
}


def tour_request(plan: PlanData, references: gpd.GeoDataFrame, *, sites: Sequence[str] = (),
                 query: Mapping[str, object] | None = None, start: str | None = None, end: str = "start",
                 depart: str = "08:30", dwell: float = DEFAULT_DWELL_MIN,
                 dwell_by_site: Mapping[str, float] | None = None, lunch: str | None = None,
                 lunch_minutes: float = 60.0, budget: float | None = None) -> TourRequest:
    """Build a :class:`TourRequest` from user input (CLI options, API JSON), collecting every problem first.

    Parameters
    ----------
    plan, references
        The plan's layers and the named reference points (:func:`geo.plan.layers.reference_points`).
    sites
        Site ids to visit; combined with the sites matching ``query``.
    query
        Keyword arguments of :func:`geo.tours.sites.query_sites` (``district``, ``category``, ``status``,
        ``layers``).
    start
        A site id or reference name; ``None`` for :data:`geo.tours.sites.DEFAULT_START`.
    end
        ``"start"`` (round trip), ``"open"``, or a site id / reference name.
    depart, lunch
        ``HH:MM`` and ``HH:MM-HH:MM``; ``lunch_minutes`` is the break's length.
    dwell, dwell_by_site, budget
        Minutes, as in :class:`~geo.tours.request.TourRequest`.

    Raises
    ------
    InvalidParameter
        Naming every offending field (unknown site ids are reported under ``sites``).
    """
    problems = minutes_problems(dwell=dwell, dwell_by_site=dwell_by_site or {}, budget=budget)

    def attempt(field_name: str, build):
        try:
            return build()
        except InvalidParameter as exc:
            problems.append(exc)
        except UnknownItem as exc:
            problems.append(InvalidParameter(field_name, str(exc), kind="unknown_id", details={"got": exc.item_id}))
        return None

    chosen = attempt("sites", lambda: resolve_sites(plan, list(sites))) or []
    if query:
        chosen += attempt("query", lambda: query_sites(plan, **dict(query))) or []
        if not chosen and not problems:
            problems.append(InvalidParameter("query", f"no site matches {dict(query)}; widen the query",
                                             kind="query_empty"))
    stray = sorted(set(dwell_by_site or {}) - {s.id for s in chosen} - {start, end})
    if stray and not problems:
        problems.append(InvalidParameter("dwell_by_site", f"{', '.join(stray)} are not among the sites to visit; "
                                                          "remove them or add them to the sites", kind="dwell_stray",
                                         details={"ids": stray}))
    start_site = attempt("start", lambda: resolve_place(plan, references, start or DEFAULT_START, field="start"))
    end_place = end if end in ("start", "open") else attempt("end", lambda: resolve_place(plan, references, end,
                                                                                           field="end"))
    if isinstance(end_place, Site) and start_site is not None and end_place.id == start_site.id:
        end_place = "start"  # ending where it starts is a round trip
    depart_min = attempt("depart", lambda: parse_clock(depart, field="depart"))
    lunch_break = attempt("lunch", lambda: parse_lunch(lunch, duration=lunch_minutes)) if lunch else None
    raise_problems(problems)
    return TourRequest(sites=chosen, start=start_site, end=end_place, depart=depart_min, dwell=dwell,
                       dwell_by_site=dict(dwell_by_site or {}), lunch=lunch_break, budget=budget)


def check_scenario(scenario: object) -> str:
    """``scenario`` if it names a tour scenario (:data:`SCENARIO_LABELS`).

    Raises
    ------
    InvalidParameter
        Naming ``scenario`` otherwise.
    """
    if not isinstance(scenario, str) or scenario not in SCENARIO_LABELS:  # lists from JSON are unhashable
        raise InvalidParameter("scenario", f"expected 'planned' (the network as mapped) or 'baseline' (without the "
                                           f"road projects' edges), got {scenario!r}", kind="choice",
                               details={"got": scenario, "choices": tuple(SCENARIO_LABELS)})
    return str(scenario)


def tour_graph(network: RoadNetwork, plan: PlanData, *, scenario: str = DEFAULT_SCENARIO,
               congestion: float = 1.0) -> RoutingGraph:
    """The routing graph of ``scenario`` on ``network``: ``planned`` every edge, ``baseline`` all but the edges
    built by the road projects of ``plan`` (:func:`geo.access.evaluation.scenario_mask`, as in the accessibility check).

    Raises
    ------
    InvalidParameter
        For an unknown scenario or congestion, or a scenario without edges.
    """
    scenario = check_scenario(scenario)
    active = scenario_mask(network, plan, scenario)
    return routing_graph(network, congestion=congestion, active=active, scenario=scenario)


def plan_tour(graph: RoutingGraph, request: TourRequest) -> dict:
    """Plan the fastest tour for ``request`` on ``graph`` and return its itinerary as a JSON-ready dict.

    Returns
    -------
    dict
        ``title``, ``network``, ``params`` (with the ``scenario``), ``solver``, ``order`` (stops in visiting
        order), ``points`` (start, stops, end with clock times, AMap links and ``snap_m``, the distance from the
        site to its road node), ``legs`` (GeoJSON LineString per leg), ``totals``, ``unreachable`` (with
        ``distance_m`` to the nearest road), ``lunch`` and ``budget`` (``None`` when not asked for).

    Raises
    ------
    InvalidParameter
        When the start or a fixed end cannot be placed on the network, no site can be reached, or more than
        :data:`geo.tours.tsp.MAX_STOPS` can (unreachable sites do not count).
    """
    placed = place_request(graph, request)
    require_routable(placed, request)
    matrix_points = [0, *placed.reachable, *([1] if placed.has_end else [])]
    nodes = placed.snap.node[matrix_points]
    cost, predecessors = travel_matrix(graph, nodes)
    end_index = len(matrix_points) - 1 if placed.has_end else (0 if request.end == "start" else None)
    solution = solve_path(cost, start=0, end=end_index)
    sequence = [0, *solution.order, *([end_index] if end_index is not None else [])]
    legs = [leg_route(graph, predecessors[a], nodes[a], nodes[b]) for a, b in zip(sequence, sequence[1:])]
    visited = [placed.anchors[matrix_points[i]] for i in sequence]
    dwell = [request.dwell_at(site) for site in visited]
    if request.end == "start":
        dwell[-1] = 0.0  # back at the start: nothing more to inspect
    schedule = build_schedule(depart=request.depart, drive=[leg.seconds / 60 for leg in legs], dwell=dwell,
                              lunch=request.lunch)
    logger.info("tour of %d stops by %s: %.1f min driving", len(solution.order), solution.method, solution.cost / 60)
    tour = _itinerary(graph, request, visited, legs, schedule, placed.unreachable, solution)
    for point, index in zip(tour["points"], sequence):
        point["snap_m"] = round(float(placed.snap.distance_m[matrix_points[index]]), 1)  # site anchor → road node
    return tour


def _itinerary(graph: RoutingGraph, request: TourRequest, visited: list[Site], legs: list[LegRoute],
               schedule: Schedule, unreachable: list[dict], solution) -> dict:
    points = [_point(site, visit, index, len(visited), request) for index, (site, visit)
              in enumerate(zip(visited, schedule.visits))]
    leg_rows = [_leg(index, points[index], points[index + 1], leg) for index, leg in enumerate(legs)]
    duration = schedule.finish - request.depart
    requested = {s.id for s in request.sites}
    inspected = [p for p in points if p["id"] in requested and p["role"] != "return"]
    totals = {"stops": len(inspected),
              "drive_min": round(sum(leg.seconds for leg in legs) / 60, 1),
              "distance_km": round(sum(leg.length_m for leg in legs) / 1000, 2),
              "dwell_min": round(sum(v.dwell for v in schedule.visits), 1),
              "lunch_min": round(sum(v.lunch for v in schedule.visits), 1),
              "wait_min": round(sum(v.wait for v in schedule.visits), 1),
              "duration_min": round(duration, 1), "depart": format_clock(request.depart),
              "finish": format_clock(schedule.finish)}
    chosen = len({s.id for s in request.sites})
    selection = {"chosen": chosen, "unreachable": len(unreachable), "routed": totals["stops"],
                 "summary": selection_summary(chosen, unreachable)}
    return {"title": f"巡查路线（{totals['stops']} 个点位）", "selection": selection, "network": _network_info(graph),
            "params": _params(request, graph), "solver": {"method": solution.method, "optimal": solution.optimal},
            "order": [{"id": p["id"], "name": p["name"]} for p in inspected],
            "points": points, "legs": leg_rows, "totals": totals, "unreachable": unreachable,
            "lunch": _lunch_info(request.lunch, schedule, visited),
            "budget": _budget_info(request.budget, duration)}


def _point(site: Site, visit, index: int, count: int, request: TourRequest) -> dict:
    last = index == count - 1
    role = "start" if index == 0 else ("stop" if not last or request.end == "open" else
                                       ("return" if request.end == "start" else "end"))
    label = {"start": "起点", "return": "返回起点", "end": "终点"}.get(role, str(index))
    if role == "end" and visit.dwell:
        label = f"{index}（终点）"
    return {"seq": index, "role": role, "label": label, "id": site.id, "name": site.name, "kind": site.kind,
            "district": site.district, "lon": site.lon, "lat": site.lat,
            "arrive": format_clock(visit.arrive) if index else None,
            "depart": format_clock(visit.depart) if visit.depart is not None else None,
            "arrive_min": round(visit.arrive, 2) if index else None,
            "depart_min": round(visit.depart, 2) if visit.depart is not None else None,
            "dwell_min": visit.dwell, "lunch_min": visit.lunch,
            "lunch_start": format_clock(visit.lunch_start) if visit.lunch else None,
            "lunch_end": format_clock(visit.lunch_start + visit.lunch) if visit.lunch else None,
            "wait_min": round(visit.wait, 1), "amap_url": amap_navigation_url(site.lon, site.lat, site.name)}


def _leg(index: int, origin: dict, target: dict, leg: LegRoute) -> dict:
    return {"seq": index + 1, "from": origin["id"], "from_name": origin["name"], "to": target["id"],
            "to_name": target["name"], "depart": origin["depart"], "arrive": target["arrive"],
            "drive_min": round(leg.seconds / 60, 1), "distance_km": round(leg.length_m / 1000, 2),
            "geometry": {"type": "LineString",
                         "coordinates": [[round(x, 6), round(y, 6)] for x, y in leg.coordinates]}}


def _network_info(graph: RoutingGraph) -> dict:
    source = graph.network.source
    return {**source, "schematic": not is_real_network(source), "label": network_label(source),
            "attribution": network_attribution(source)}


def _params(request: TourRequest, graph: RoutingGraph) -> dict:
    end = request.end.id if isinstance(request.end, Site) else request.end
    return {"scenario": graph.scenario, "scenario_label": SCENARIO_LABELS.get(graph.scenario, graph.scenario),
            "edges_left_out": graph.edges_left_out, "start": request.start.id, "start_label": request.start.name,
            "end": end, "end_label": END_LABELS.get(end) or request.end.name,
            "depart": format_clock(request.depart), "dwell_min": request.dwell,
            "dwell_by_site": dict(request.dwell_by_site), "congestion": graph.congestion,
            "budget_min": request.budget, "max_snap_m": request.max_snap_m}


def _lunch_info(lunch: LunchBreak | None, schedule: Schedule, visited: list[Site]) -> dict | None:
    if lunch is None:
        return None
    window = f"{format_clock(lunch.window_start)}-{format_clock(lunch.window_end)}"
    info = {"window": window, "duration_min": lunch.duration, "taken": schedule.lunch_at is not None}
    if schedule.lunch_at is None:
        note = LUNCH_MISSED_NOTES[schedule.lunch_missed].format(duration=lunch.duration, window=window)
        return {**info, "missed": schedule.lunch_missed, "note": note}
    at, visit = visited[schedule.lunch_at], schedule.visits[schedule.lunch_at]
    start, end = format_clock(visit.lunch_start), format_clock(visit.lunch_start + visit.lunch)
    timing = "before_visit" if visit.lunch_before_visit else "after_visit"
    waiting = f"，此前等候 {visit.wait:.0f} 分钟" if visit.wait >= 0.5 else ""
    return {**info, "at": at.id, "at_name": at.name, "start": start, "end": end, "timing": timing,
            "wait_min": round(visit.wait, 1),
            "note": f"{start}–{end} 在 {at.name}（{LUNCH_TIMING[visit.lunch_before_visit]}{waiting}）"}


def _budget_info(budget: float | None, duration: float) -> dict | None:
    if budget is None:
        return None
    return {"budget_min": budget, "duration_min": round(duration, 1), "within": duration <= budget + 1e-9,
            "over_min": round(max(0.0, duration - budget), 1)}
