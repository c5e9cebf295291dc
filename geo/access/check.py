"""The 「10分钟入环、30分钟通环」 accessibility check: time to the ring road from everywhere, and round it.

Time to the ring for every node is one multi-source Dijkstra pass (SciPy) on the reversed graph. Its sources are
all nodes of ring edges: the entry nodes (ring nodes where another road joins, :func:`ring_entry_nodes`) plus the
ring's intermediate nodes. Any path from an off-ring node first touches the ring at an entry node, so off-ring times
are the same as from the entries alone, while ring nodes get 0 — they are on the ring — instead of the drive along
the ring to the next junction.

:func:`check_access` runs a scenario (``baseline``: without the edges road projects build, all unfinished at the
plan date; ``planned``: with them; ``compare``: both, with deltas and each project's own effect) and returns a
JSON-ready report whose schema is documented in ``docs/access.md``. Nothing is cached here; the work that depends
only on the plan can be done once by :func:`prepare_plan`, and the work that depends only on the network and the
plan (not on the scenario or congestion) once by :func:`prepare_network`, whose result is passed as ``network``.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Collection

import numpy as np
from scipy.sparse.csgraph import dijkstra

from geo.access import ranking
from geo.access import report
from geo.access.districts import district_verdicts
from geo.access.evaluation import MAX_SNAP_DISTANCE_M, Evaluation, evaluate
from geo.access.placement import PlacedNetwork, prepare_network
from geo.access.prepared_plan import PlanStudy, prepare_plan
from geo.access.report import DEFAULT_COVERAGE_TARGET, PLAN_LOOP_THRESHOLD_MIN, PLAN_THRESHOLD_MIN
from geo.access.coverage import ACCESS_SPEED_KPH, MAX_CELL_DISTANCE_M
from geo.errors import InvalidParameter, RingNotConnected
from geo.network.road_network import RoadNetwork
from geo.plan.layers import PlanData
from geo.access.ring import RING_TOLERANCE_M, ring_entry_nodes
from geo.network.road_graph import travel_graph

logger = logging.getLogger(__name__)

SCENARIOS = ("baseline", "planned", "current", "compare")
BANDS_MIN = (5.0, 10.0, 15.0)
MAX_CONGESTION = 1.5

__all__ = ["ACCESS_SPEED_KPH", "BANDS_MIN", "DEFAULT_COVERAGE_TARGET", "SCENARIOS", "PlacedNetwork", "PlanStudy",
           "check_access", "check_open_projects", "prepare_network", "prepare_plan", "ring_entry_nodes",
           "time_to_ring", "travel_graph", "validate_options"]


def time_to_ring(network: RoadNetwork, entries: np.ndarray, *, congestion: float = 1.0) -> np.ndarray:
    """Seconds from every node to the nearest of ``entries`` (node indices), ``inf`` where it cannot be reached.

    Raises
    ------
    RingNotConnected
        When ``entries`` is empty.
    InvalidParameter
        When ``congestion`` is out of range or an entry is not a node index.
    """
    validate_options(congestion=congestion)
    entries = np.asarray(entries, dtype=np.int64)
    if entries.size == 0:
        raise RingNotConnected("no ring entry nodes were given, so nothing can reach the ring; check that the "
                               "network covers the ring road (geo.access.ring.ring_entry_nodes)")
    if entries.min() < 0 or entries.max() >= network.n_nodes:
        raise InvalidParameter("entries", f"expected node indices 0–{network.n_nodes - 1}, got values from "
                                          f"{entries.min()} to {entries.max()}")
    graph = travel_graph(network, edge_time_s=network.travel_time_s(congestion=congestion))
    return dijkstra(graph, indices=entries, min_only=True)


def validate_options(*, scenario: str = "planned", congestion: float = 1.0,
                     threshold_min: float = PLAN_THRESHOLD_MIN, loop_threshold_min: float = PLAN_LOOP_THRESHOLD_MIN,
                     coverage_target: float = DEFAULT_COVERAGE_TARGET,
                     max_snap_distance_m: float = MAX_SNAP_DISTANCE_M, access_speed_kph: float = ACCESS_SPEED_KPH,
                     scenarios: tuple[str, ...] = SCENARIOS) -> None:
    """Raise :class:`InvalidParameter` naming the first option that is out of range."""
    if scenario not in scenarios:
        raise InvalidParameter("scenario", f"expected one of {', '.join(scenarios)}, got {scenario!r}", kind="choice",
                               details={"got": scenario, "choices": scenarios})
    if not _is_number(congestion) or not 0 < congestion <= MAX_CONGESTION:
        raise InvalidParameter("congestion", f"expected a factor on free-flow speed above 0 and at most "
                                             f"{MAX_CONGESTION} (0.6 = peak hour, 1 = free flow), got {congestion!r}",
                               kind="congestion", details={"high": MAX_CONGESTION, "got": congestion})
    for name, value, unit in (("threshold_min", threshold_min, "minutes"),
                              ("loop_threshold_min", loop_threshold_min, "minutes"),
                              ("access_speed_kph", access_speed_kph, "km/h")):
        if not _is_number(value) or value <= 0:
            raise InvalidParameter(name, f"expected a positive number of {unit}, got {value!r}")
    if not _is_number(coverage_target) or not 0 < coverage_target <= 1:
        raise InvalidParameter("coverage_target", f"expected a share above 0 and at most 1, got {coverage_target!r}")
    if not _is_number(max_snap_distance_m) or max_snap_distance_m < 0:
        raise InvalidParameter("max_snap_distance_m", f"expected a distance in metres, 0 or more, got "
                                                      f"{max_snap_distance_m!r}")


def _is_number(value: object) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
            and math.isfinite(value))


def check_access(network: RoadNetwork | PlacedNetwork, plan: PlanData | PlanStudy | None = None, *,
                 scenario: str = "baseline", congestion: float = 1.0,
                 threshold_min: float = PLAN_THRESHOLD_MIN, loop_threshold_min: float = PLAN_LOOP_THRESHOLD_MIN,
                 coverage_target: float = DEFAULT_COVERAGE_TARGET, tolerance_m: float = RING_TOLERANCE_M,
                 max_snap_distance_m: float = MAX_SNAP_DISTANCE_M, access_speed_kph: float = ACCESS_SPEED_KPH,
                 open_projects: Collection[str] | None = None) -> dict:
    """The accessibility report for ``scenario`` on ``network``.

    Parameters
    ----------
    network
        The road network (its ``source`` is repeated in the report), or the same placed on the plan once by
        :func:`prepare_network` — callers that check several scenarios or congestions on one network keep that
        and save grouping the edges, matching the ring and placing cells and blocks every time.
    plan
        The plan data (the ring, road projects, blocks, districts and the corridor), or the same prepared once by
        :func:`prepare_plan` — callers that check several networks keep that and save rasterising the corridor
        and chaining the ring every time. Not needed with a placed network (if given, it must be its plan).
    scenario
        ``"baseline"`` (road projects not built), ``"planned"`` (all built), ``"current"`` (the baseline plus the
        road projects ``open_projects`` names) or ``"compare"`` (baseline and planned, with deltas and each
        project's own effect).
    congestion
        A speed factor: every road's free-flow speed (and the access legs') is multiplied by it; 1.0 = free flow,
        about 0.6 = peak hour; above 0 and at most 1.5.
    threshold_min, loop_threshold_min
        The plan's targets 「10分钟入环、30分钟通环」: reach the ring within 10 minutes, drive round it within 30.
    coverage_target
        Share of the served corridor area (cells with a node of a road with roadside access within 500 m) that
        must reach the ring within ``threshold_min`` for the coverage to pass — a project assumption; 1.0 is the
        plan's literal "everywhere".
    tolerance_m
        How far (metres) a ring edge may lie from the plan's ring line (a prepared plan keeps its own).
    max_snap_distance_m
        A block without access nodes of its own is measured at its centroid's nearest access node only when that
        lies within this distance (metres); beyond it the block is reported as outside the network's coverage
        (``status: "outside_network"``, no times, not passing).
    open_projects
        For ``current`` only (and required there): the road project ids open to traffic
        (:func:`geo.status.open_to_traffic.open_road_projects`); the report lists them in ``params.open_projects``.
    access_speed_kph
        Speed (km/h, times ``congestion``) of the access leg from a cell's centre or a block's centroid to its
        network node over the straight line — a project assumption (:data:`geo.access.coverage.ACCESS_SPEED_KPH`).

    Returns
    -------
    dict
        JSON-serialisable: ``network``, ``params``, ``ring``, ``coverage``, ``districts``, ``blocks``,
        ``ring_loop``, ``verdict`` (and ``projects`` for ``compare``); see ``docs/access.md``.

    Raises
    ------
    InvalidParameter
        For an unknown scenario or an out-of-range option (``.field`` names it), no plan, a plan other than
        the placed network's, or ``open_projects`` missing for ``current``, given for another scenario or naming
        an id that is not a road project of the plan.
    RingNotConnected
        When the ring is empty or no network edge runs along it.
    """
    validate_options(scenario=scenario, congestion=congestion, threshold_min=threshold_min,
                     loop_threshold_min=loop_threshold_min, coverage_target=coverage_target,
                     max_snap_distance_m=max_snap_distance_m, access_speed_kph=access_speed_kph)
    limits = report.Limits(bands_min=BANDS_MIN, threshold_min=float(threshold_min),
                           loop_threshold_min=float(loop_threshold_min), coverage_target=float(coverage_target),
                           max_snap_distance_m=float(max_snap_distance_m), max_cell_distance_m=MAX_CELL_DISTANCE_M,
                           access_speed_kph=float(access_speed_kph))
    study = _placed(network, plan, tolerance_m=tolerance_m, scenarios=_placed_scenarios(scenario))
    prepared = study.plan
    opened = check_open_projects(scenario, open_projects, prepared)
    head = {"network": report.network_info(study.network),
            "params": {"scenario": scenario, "congestion": float(congestion), "threshold_min": limits.threshold_min,
                       "loop_threshold_min": limits.loop_threshold_min, "coverage_target": limits.coverage_target,
                       "bands_min": list(limits.all_min), "cell_size_m": prepared.grid.cell_m,
                       "max_cell_distance_m": limits.max_cell_distance_m,
                       "max_snap_distance_m": limits.max_snap_distance_m, "access_speed_kph": limits.access_speed_kph,
                       "ring_tolerance_m": prepared.tolerance_m, "road_projects": sorted(prepared.projects),
                       "thresholds": report.thresholds(limits)}}
    if opened is not None:
        head["params"]["open_projects"] = opened
    if scenario != "compare":
        ev = _evaluate(study, study.scenario_edges(scenario, open_projects=opened or ()), congestion=congestion,
                       limits=limits, label=f"the {scenario} scenario")
        return head | _scenario_sections(study, ev, limits, network=head["network"])
    return head | _compare(study, congestion=congestion, limits=limits, network=head["network"])


def _placed_scenarios(scenario: str) -> tuple[str, ...]:
    """The scenarios whose edge sets are worth placing up front for one check (``current``'s depends on the
    projects open, so it is placed within the check)."""
    return {"compare": ("baseline", "planned"), "current": ()}.get(scenario, (scenario,))


def check_open_projects(scenario: str, open_projects: Collection[str] | None,
                        prepared: PlanStudy) -> list[str] | None:
    """``open_projects`` checked against ``scenario`` and the plan's road projects, sorted (``None`` unless
    ``current``); :class:`InvalidParameter` when they do not fit."""
    if scenario != "current":
        if open_projects is not None:
            raise InvalidParameter("open_projects", f"expected no open projects for the {scenario} scenario (they "
                                                    f"only apply to current), got {sorted(open_projects)}")
        return None
    if open_projects is None or isinstance(open_projects, str):
        raise InvalidParameter("open_projects", f"expected the road project ids open to traffic (a collection, "
                                                f"possibly empty) for the current scenario, got {open_projects!r}; "
                                                f"see geo.status.open_to_traffic.open_road_projects")
    unknown = sorted(set(open_projects) - set(prepared.projects))
    if unknown:
        raise InvalidParameter("open_projects", f"expected road project ids of the plan "
                                                f"({', '.join(prepared.projects)}), got {', '.join(unknown)}")
    return sorted(set(open_projects))


def _scenario_sections(study: PlacedNetwork, ev: Evaluation, limits: report.Limits, *, network: dict) -> dict:
    """One scenario's report sections, each district with its own verdict (:mod:`geo.access.districts`)."""
    sections = report.scenario_sections(study, ev, limits, network=network)
    return sections | {"districts": district_verdicts(sections["districts"], sections["blocks"], limits)}


def _evaluate(study: PlacedNetwork, active: np.ndarray, *, congestion: float, limits: report.Limits,
              label: str) -> Evaluation:
    """:func:`evaluate` with the options ``limits`` carries."""
    return evaluate(study, active, congestion=congestion, limits_min=limits.all_min, label=label,
                    max_snap_distance_m=limits.max_snap_distance_m, access_speed_kph=limits.access_speed_kph)


def _placed(network: RoadNetwork | PlacedNetwork, plan: PlanData | PlanStudy | None, *, tolerance_m: float,
            scenarios: tuple[str, ...]) -> PlacedNetwork:
    if not isinstance(network, PlacedNetwork):
        if plan is None:
            raise InvalidParameter("plan", "expected the plan data (geo.plan.layers.load_plan) or a prepared plan with a "
                                           "road network, got none; pass one, or a network from prepare_network")
        # one scenario's single pass would not repay settling the layout; compare's many passes do
        return prepare_network(network, plan, tolerance_m=tolerance_m, scenarios=scenarios,
                               settle=len(scenarios) > 1)
    if plan is not None and plan is not network.plan and plan is not network.plan.plan:
        raise InvalidParameter("plan", "expected the plan the network was placed on (or none), got another one; "
                                       "call prepare_network(network, plan) for this plan")
    return network


def _compare(study: PlacedNetwork, *, congestion: float, limits: report.Limits, network: dict) -> dict:
    sections = {}
    baseline_edges = study.scenario_edges("baseline")
    for name, active in (("baseline", baseline_edges), ("planned", study.scenario_edges("planned"))):
        ev = _evaluate(study, active, congestion=congestion, limits=limits, label=f"the {name} scenario")
        sections[name] = _scenario_sections(study, ev, limits, network=network)
    project_edges = np.flatnonzero(study.project_edges)
    project_of = study.network.project_id[project_edges]
    matches = {m["id"]: m for m in study.network.source.get("plan_match", {}).get("projects", [])}
    base = sections["baseline"]
    rows = []
    for project_id, name in study.plan.projects.items():
        own = project_edges[project_of == project_id]
        with_project = None
        if own.size:
            active = baseline_edges.copy()
            active[own] = True
            ev = _evaluate(study, active, congestion=congestion, limits=limits,
                           label=f"the baseline with {project_id}")
            with_project = report.scenario_sections(study, ev, limits, network=network)
        row = report.project_effect(project_id, name, int(own.size), base["coverage"],
                                    with_project and with_project["coverage"], limits, match=matches.get(project_id))
        row["served_area_within_gain"] = (ranking.served_gain(base["coverage"], with_project["coverage"],
                                                              limits.threshold_key) if with_project else None)
        rows.append(row | ranking.ring_effect(base["ring_loop"], with_project and with_project["ring_loop"]))
    compared = report.compare_sections(base, sections["planned"], report.rank_projects(rows))
    return compared | {"project_gains": ranking.gain_summary(compared["projects"], compared["coverage"]["delta"],
                                                             limits.threshold_key)}
