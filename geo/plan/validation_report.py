"""The validation report: the data's counts against the plan's, and the plan's own inconsistencies."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import geopandas as gpd

from geo.plan.places import nearest_places
from geo.plan.layers import PlanData, default_data_dir, read_places, read_plan
from geo.plan.provenance import PLAN_TEXT, PLAN_TEXT_NAME, check_plan_fields, read_plan_text
from geo.plan.schema import (
    PLACES_LAYER, PLAN_BLOCKS_BY_DISTRICT, PLAN_DISTRICTS, PLAN_NAMED_ROADS, PLAN_RING_ROAD_TASKS_BY_DISTRICT,
    PLAN_ROAD_ROWS, PLAN_TASK_TOTAL, PLAN_TIER_COUNTS, TIERS,
)
from geo.plan.targets import read_department_tasks, read_parks, read_targets, target_findings
from geo.plan.transport_counts import format_transport_counts, transport_counts
from geo.plan.validate import Problem

NAMED_FINDING_IDS = {"road_complete_2021": "complete-roads-named", "road_continuing": "continuing-roads-named"}


def validation_report(data_dir: Path | str | None = None, *, plan_text: Path | str | None = None) -> dict:
    """Check the data in ``data_dir`` and describe it against the plan.

    Parameters
    ----------
    data_dir
        The data folder (default: :func:`geo.plan.layers.default_data_dir`).
    plan_text
        The plan text that every field marked ``plan`` must quote verbatim (default
        ``docs/2021-implementation-plan.txt``; see :mod:`geo.plan.provenance`).

    Returns
    -------
    dict
        ``valid``, ``data_dir``, ``counts`` (blocks and tasks: expected and found, in total and by group; roads: the
        plan's figures as the plan states them beside the data's, see :mod:`geo.plan.transport_counts`), ``tiers``,
        ``findings`` (the plan's internal inconsistencies: facts, not failures), ``block_places`` (each block's
        nearest OpenStreetMap named place: findings on the approximate positions, see :func:`block_places`) and
        ``problems`` (failures).
    """
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    data, problems = read_plan(directory)
    counts: dict = {}
    tiers: dict = {}
    if data is not None:
        counts, count_problems = _count_checks(data)
        problems = problems + count_problems + _plan_field_problems(data, plan_text)
        tiers = _tier_summary(data)
    targets, target_problems = read_targets(directory)
    department_tasks, task_problems = read_department_tasks(directory)
    parks, park_problems = read_parks(directory, areas=data.districts if data is not None else None)
    places, place_problems = read_places(directory)
    problems = problems + target_problems + task_problems + park_problems + place_problems
    counts["targets"] = {"rows": len(targets), "department_tasks": len(department_tasks),
                         "parks": 0 if parks is None else len(parks)}
    return {
        "valid": not problems,
        "data_dir": str(directory),
        "counts": counts,
        "tiers": tiers,
        "findings": plan_findings() + target_findings(targets),
        "block_places": block_places(data, places),
        "problems": [p.to_dict() for p in problems],
    }


def _compare(layer: str, group: str, expected: dict[str, int], found: Counter) -> tuple[dict, list[Problem]]:
    rows = {key: {"expected": expected.get(key, 0), "found": found.get(key, 0)} for key in {*expected, *found}}
    ordered = dict(sorted(rows.items(), key=lambda kv: list(expected).index(kv[0]) if kv[0] in expected else 99))
    problems = [Problem(f"{layer}.geojson", None, group, f"{key}: the plan has {row['expected']}, "
                                                        f"the data has {row['found']}")
                for key, row in ordered.items() if row["expected"] != row["found"]]
    summary = {"expected": sum(expected.values()), "found": sum(found.values()), f"by_{group}": ordered}
    return summary, problems


def _plan_field_problems(data: PlanData, plan_text: Path | str | None) -> list[Problem]:
    """The fields marked ``plan`` against the plan text; an unreadable text is itself a problem."""
    try:
        text = read_plan_text(plan_text)
    except OSError as exc:
        return [Problem(PLAN_TEXT_NAME, None, None, f"expected the plan text at {plan_text or PLAN_TEXT} to check the "
                                                    f"fields marked 'plan' against, could not read it: {exc}")]
    layers = {"blocks": data.blocks, "roads": data.roads, "tasks": data.tasks, "districts": data.districts}
    return check_plan_fields(layers, text)


def _count_checks(data: PlanData) -> tuple[dict, list[Problem]]:
    blocks, block_problems = _compare("blocks", "district", PLAN_BLOCKS_BY_DISTRICT, Counter(data.blocks["district"]))
    transport = transport_counts(data.roads["category"])
    roads, road_problems = transport.to_dict(), transport.problems()
    roads["ring_segments"] = int((data.roads["category"] == "ring").sum())
    expected_tasks = {d: PLAN_BLOCKS_BY_DISTRICT[d] + PLAN_RING_ROAD_TASKS_BY_DISTRICT[d] for d in PLAN_DISTRICTS}
    tasks, task_problems = _compare("tasks", "district", expected_tasks, Counter(data.tasks["district"]))
    ring_tasks = data.tasks[data.tasks["kind"] == "ring_road"]
    ring_summary, ring_problems = _compare("tasks", "district", PLAN_RING_ROAD_TASKS_BY_DISTRICT,
                                           Counter(ring_tasks["district"]))
    tasks["ring_road_tasks"] = ring_summary
    problems = block_problems + road_problems + task_problems + ring_problems
    if tasks["found"] != PLAN_TASK_TOTAL:
        problems.append(Problem("tasks.geojson", None, "count",
                                f"the plan has {PLAN_TASK_TOTAL} tasks, the data has {tasks['found']}"))
    return {"blocks": blocks, "roads": roads, "tasks": tasks}, problems


def _tier_summary(data: PlanData) -> dict:
    found = Counter(t for t in data.blocks["tier"] if t is not None)
    unset = int(data.blocks["tier"].isna().sum())
    by_tier = {tier: {"expected": PLAN_TIER_COUNTS[tier], "found": found.get(tier, 0)} for tier in TIERS}
    complete = unset == 0 and all(row["expected"] == row["found"] for row in by_tier.values())
    note = ("every block has its tier as the plan asks" if complete else
            f"{unset} of {len(data.blocks)} blocks have no tier yet: the plan asks for 4/6/3 but does not say "
            "which block is which; planners set them")
    return {"by_tier": by_tier, "unset": unset, "matches_plan": complete, "note": note}


def plan_findings() -> list[dict]:
    """The transport battle's inconsistencies: a road row that states more roads than it names.

    A fact of the plan, whatever the data holds. Attachment 1's inconsistencies come from
    :func:`geo.plan.targets.target_findings`.
    """
    findings = []
    for category, row in PLAN_ROAD_ROWS.items():
        named = len(PLAN_NAMED_ROADS[category])
        if named != row.figure:
            findings.append({
                "id": NAMED_FINDING_IDS[category],
                "where": f"附件2 二、交通路网建设（第{row.line}行）",
                "message": f"the plan says {row.figure} roads (“{row.quote}”) but names {named}; the others are "
                           f"added to the data when they are known",
                "stated": row.figure, "found": named,
            })
    return findings


def block_places(data: PlanData | None, places: gpd.GeoDataFrame | None) -> dict:
    """Each block's nearest named place of the OpenStreetMap extract, and its distance in whole metres.

    Returns
    -------
    dict
        ``layer`` (the places file), ``places`` (how many it holds; 0 when it is missing) and ``blocks`` (one row
        per block, see :func:`geo.plan.places.nearest_places`; empty when the blocks or the places are missing).
    """
    rows = nearest_places(data.blocks, places) if data is not None and places is not None else []
    return {"layer": PLACES_LAYER.filename, "places": 0 if places is None else len(places),
            "blocks": [row | {"distance_m": round(row["distance_m"])} for row in rows]}


def _block_place_lines(section: dict) -> list[str]:
    if not section["blocks"]:
        return [f"Block positions: not checked against OpenStreetMap named places (no blocks or no places in "
                f"{section['layer']}; scripts/build_plan_data.py writes it)"]
    lines = [f"Block positions against the {section['places']} OpenStreetMap named places of {section['layer']} "
             "(findings, not failures; distance from the block's centre):"]
    for row in section["blocks"]:
        anchor = f"; re-anchored: {row['anchor']}" if row["anchor"] else ""
        lines.append(f"  * {row['block_id']} {row['block_name']}: nearest {row['place']} ({row['place_kind']}) "
                     f"at {row['distance_m']} m{anchor}")
    return lines


def format_report(report: dict) -> str:
    """Render a validation report as readable text."""
    lines = [f"Data: {report['data_dir']}"]
    for layer, summary in report["counts"].items():
        if layer == "targets":
            lines.append(f"targets: {summary['rows']} Attachment 1 rows, {summary['department_tasks']} department "
                         f"task items, {summary['parks']} parks")
            continue
        if layer == "roads":
            lines += format_transport_counts(summary)
            continue
        lines.append(f"{layer}: {summary['found']} (plan: {summary['expected']})")
        group = next(k for k in summary if k.startswith("by_"))
        lines += [f"    {key}: {row['found']} (plan: {row['expected']})" for key, row in summary[group].items()]
    if report["tiers"]:
        tiers = report["tiers"]
        counts = ", ".join(f"{t} {r['found']}/{r['expected']}" for t, r in tiers["by_tier"].items())
        lines.append(f"tiers: {counts}; {tiers['note']}")
    lines.append(f"Findings in the plan itself ({len(report['findings'])}; facts, not failures):")
    lines += [f"  * {f['where']}: {f['message']}" for f in report["findings"]]
    lines += _block_place_lines(report["block_places"])
    if report["valid"]:
        lines.append("VALID: every layer matches its schema and the plan's counts.")
    else:
        lines.append(f"INVALID: {len(report['problems'])} problem(s):")
        lines += [f"  - {Problem(**p)}" for p in report["problems"]]
    return "\n".join(lines)
