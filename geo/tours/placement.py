"""Where a tour request's places meet the road network, and which of the chosen sites can be reached.

:func:`place_request` snaps the start, a fixed end and the distinct stops (the rule: :mod:`geo.tours.routing`) and
refuses a start or end that cannot be reached; :func:`require_routable` refuses a placement with no stop or more
than :data:`geo.tours.tsp.MAX_STOPS` stops to route. :func:`reachability` is the check a user sees *before* a tour is
computed — every chosen site, whether it can be reached and why not — so that planning without the unreachable
ones is a decision, not a surprise; :func:`selection_summary` is the one-line account of it that heads the result,
e.g. 「共选 5 个点位，其中 4 个无法到达（B08 …），路线包含 1 个点位」.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from geo.errors import InvalidParameter
from geo.tours.request import TourRequest
from geo.tours.routing import RoutingGraph, Snap, snap_points, unreachable_text
from geo.tours.sites import Site
from geo.tours.tsp import MAX_STOPS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    """A request's places on the network: ``anchors`` are the start, the fixed end (``has_end``) and the distinct
    stops; ``reachable`` indexes the stops to route; ``unreachable`` describes the others (``id``, ``name``,
    ``reason``, ``distance_m``, ``main_network_m``, ``message``)."""

    anchors: list[Site]
    snap: Snap
    has_end: bool
    reachable: list[int]
    unreachable: list[dict]


def place_request(graph: RoutingGraph, request: TourRequest) -> Placement:
    """Snap the request's places to ``graph``.

    Raises
    ------
    InvalidParameter
        Naming ``start`` or ``end`` when that place cannot be reached.
    """
    end_site = request.end if isinstance(request.end, Site) else None
    fixed_ids = {request.start.id} | ({end_site.id} if end_site else set())
    stops = [s for s in dict((s.id, s) for s in request.sites).values() if s.id not in fixed_ids]
    anchors = [request.start, *([end_site] if end_site else []), *stops]
    snap = snap_points(graph, [s.lon for s in anchors], [s.lat for s in anchors], max_snap_m=request.max_snap_m)
    limit = request.max_snap_m
    for index, role in enumerate(["start", "end"][: 1 + bool(end_site)]):
        if snap.node[index] < 0:
            raise InvalidParameter(role, f"{anchors[index].name} cannot be reached: "
                                         f"{unreachable_text(snap, index, max_snap_m=limit)}; choose another {role}",
                                   kind="place_unreachable", details={"name": anchors[index].name})
    first_stop = 1 + bool(end_site)
    unreachable = [{"id": s.id, "name": s.name, "reason": snap.reason[i],
                    "distance_m": round(float(snap.road_m[i]), 1),
                    "main_network_m": round(float(snap.distance_m[i]), 1),
                    "message": f"{s.name}：{unreachable_text(snap, i, max_snap_m=limit)}"}
                   for i, s in enumerate(stops, start=first_stop) if snap.node[i] < 0]
    reachable = [i for i in range(first_stop, len(anchors)) if snap.node[i] >= 0]
    return Placement(anchors=anchors, snap=snap, has_end=end_site is not None, reachable=reachable,
                     unreachable=unreachable)


def require_routable(placement: Placement, request: TourRequest) -> None:
    """Refuse a placement with nothing to visit or more stops than :data:`geo.tours.tsp.MAX_STOPS` (unreachable sites do
    not count).

    Raises
    ------
    InvalidParameter
        Naming ``sites``.
    """
    end_site = request.end if isinstance(request.end, Site) else None
    reachable, unreachable = placement.reachable, placement.unreachable
    if not reachable and not (end_site and request.dwell_at(end_site)):
        raise InvalidParameter("sites", "none of the sites can be reached on the road network: "
                                        + "; ".join(u["message"] for u in unreachable), kind="sites_unreachable",
                               details={"names": [u["name"] for u in unreachable]})
    if len(reachable) > MAX_STOPS:
        others = f" (and {len(unreachable)} that cannot)" if unreachable else ""
        raise InvalidParameter("sites", f"at most {MAX_STOPS} stops per tour, got {len(reachable)} that can be "
                                        f"reached{others}; split the tour by district", kind="too_many_stops",
                               details={"limit": MAX_STOPS, "got": len(reachable)})


def reachability(graph: RoutingGraph, request: TourRequest) -> dict:
    """Which of the request's chosen sites ``graph`` can reach, before any tour is computed.

    Returns
    -------
    dict
        ``sites`` (each distinct chosen site: ``id``, ``name``, ``reachable``, ``distance_m`` to the main
        network), ``unreachable`` (as in a tour's result), ``counts`` (``chosen``, ``reachable``, ``unreachable``),
        ``max_snap_m``, ``scenario``, ``can_plan``, ``problem`` (``None``, or the refusal of
        :func:`require_routable` as ``kind`` and ``message``) and ``summary`` (:func:`selection_summary`).

    Raises
    ------
    InvalidParameter
        Naming ``start`` or ``end`` when that place cannot be reached.
    """
    placement = place_request(graph, request)
    try:
        require_routable(placement, request)
        problem = None
    except InvalidParameter as exc:
        problem = {"kind": exc.kind, "message": str(exc)}
    missing = {u["id"] for u in placement.unreachable}
    distance = {site.id: float(placement.snap.distance_m[i]) for i, site in enumerate(placement.anchors)}
    chosen = list(dict((s.id, s) for s in request.sites).values())
    sites = [{"id": s.id, "name": s.name, "reachable": s.id not in missing, "distance_m": round(distance[s.id], 1)}
             for s in chosen]
    counts = {"chosen": len(chosen), "reachable": len(chosen) - len(missing), "unreachable": len(missing)}
    logger.info("reachability of %d chosen sites: %d unreachable", counts["chosen"], counts["unreachable"])
    return {"sites": sites, "unreachable": placement.unreachable, "counts": counts,
            "max_snap_m": request.max_snap_m, "scenario": graph.scenario, "can_plan": problem is None,
            "problem": problem, "summary": selection_summary(len(chosen), placement.unreachable)}


def selection_summary(chosen: int, unreachable: list[dict]) -> str:
    """「共选 N 个点位，其中 K 个无法到达（id 名称、…），路线包含 N − K 个点位」 (Chinese, for the result's header)."""
    routed = chosen - len(unreachable)
    if not unreachable:
        return f"共选 {chosen} 个点位，全部可到达，路线包含 {routed} 个点位"
    names = "、".join(f"{u['id']} {u['name']}" for u in unreachable)
    if not routed:
        return f"共选 {chosen} 个点位，全部无法到达（{names}）"
    return f"共选 {chosen} 个点位，其中 {len(unreachable)} 个无法到达（{names}），路线包含 {routed} 个点位"
