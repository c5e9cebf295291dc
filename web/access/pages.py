"""The 可达性 page: one scenario (现状 or 规划) on a map with its tables, or both side by side (``scenario=compare``)
with the headline figures and their change, each plan area's verdict, and each road project's own effect ranked.

Every figure comes from the cached report (:mod:`web.access.results`); the tables are :mod:`geo.access.tables`' — the same
the exports hold (:mod:`web.access.export`).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import render_template

from geo.access.tables import SCENARIO_TITLES, THRESHOLD_ZH, parameter_rows, source_text, tables
from web.access.results import TARGET_RANGE, AccessQuery, access_report
from web.access.maps import COMPARED, access_map_parts, compare_maps, ring_layers

logger = logging.getLogger(__name__)

PAGE_SCENARIOS: dict[str, str] = dict(SCENARIO_TITLES)


def access_page(query: AccessQuery) -> str:
    """The page for ``query``: the comparison for ``compare``, else the scenario's map and tables."""
    if query.scenario == "compare":
        return compare_page(query)
    report = access_report(query)
    _, gaps = ring_layers(report)
    return render_template("access.html", map_parts=access_map_parts(report, query.scenario, query.congestion),
                           report=report, scenario=query.scenario, congestion=query.congestion, query=query,
                           scenarios=PAGE_SCENARIOS, gaps=gaps["features"] if gaps else [],
                           **_settings(report, query))


def compare_page(query: AccessQuery) -> str:
    """现状 and 规划 side by side: two synchronised maps, the headline figures with their change, the plan areas,
    each road project's own effect ranked with its share of the gain, the blocks and the loop."""
    report = access_report(query)
    single = {name: access_report(AccessQuery(name, query.congestion, query.target)) for name in COMPARED}
    maps = compare_maps(single, query.congestion)
    by_key = {table.key: table for table in tables(report)}
    gaps = {name: ring_layers(single[name])[1] for name in COMPARED}
    return render_template("access_compare.html", map_parts=maps.parts, panes=maps.panes, report=report,
                           scenario="compare", congestion=query.congestion, query=query, scenarios=PAGE_SCENARIOS,
                           tables=by_key, gains=report["project_gains"],
                           gaps={name: g["features"] if g else [] for name, g in gaps.items()},
                           **_settings(report, query))


def _settings(report: dict[str, Any], query: AccessQuery) -> dict[str, Any]:
    """What both pages show of the settings: each threshold with its source, the target's range, the exports."""
    thresholds = [{**t, "source_text": source_text(t), "label": THRESHOLD_ZH[t["name"]]}
                  for t in report["params"]["thresholds"]]
    return {"thresholds": thresholds, "parameters": parameter_rows(report), "target_range": TARGET_RANGE,
            "export_args": query.args()}
