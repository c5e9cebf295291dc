"""``corridor access``: check 「10分钟入环、30分钟通环」 on the road network."""
from __future__ import annotations

import json
from pathlib import Path

import click

from geo.errors import CorridorError
from web.cli.common import DATABASE_URL_OPTION, fail, on_status_store


@click.command("access")
@click.option("--network", "network_path", type=click.Path(path_type=Path), default=None,
              help="Network cache folder or OSM file (default: the bundled schematic network).")
@click.option("--scenario", type=click.Choice(["baseline", "planned", "current", "compare"]), default="baseline",
              show_default=True, help="baseline = road projects not built; planned = all built; current = baseline "
                                      "plus the projects open to traffic by the status database; compare = "
                                      "baseline and planned.")
@click.option("--congestion", type=float, default=1.0, show_default=True,
              help="Speed factor on every road's free-flow speed (and the access legs'): 1.0 = free flow, "
                   "peak hour ≈ 0.6; above 0, at most 1.5.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (schema: docs/access.md).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="Plan data folder (default: data/).")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="current only: the day whose open road projects count (default: today, Beijing time).")
@DATABASE_URL_OPTION
def access_command(network_path: Path | None, scenario: str, congestion: float, as_json: bool,
                   data_dir: Path | None, as_of: str | None, database_url: str | None) -> None:
    """Check 「10分钟入环、30分钟通环」: time to the ring road from the corridor, and round the ring. ``current``
    reads the status database (the app's, or --database-url) for the road projects open to traffic."""
    from geo.access.check import check_access, prepare_network
    from geo.access.report_text import summary_text
    from geo.network.loading import load_network
    from geo.plan.layers import load_plan

    try:
        plan = load_plan(data_dir)
        opened = _open_projects_for_cli(scenario, plan, as_of=as_of, database_url=database_url)
        # placed once: the compare scenario's baseline, planned and per-project checks all reuse it
        placed = prepare_network(load_network(network_path), plan)
        report = check_access(placed, scenario=scenario, congestion=congestion,
                              open_projects=None if opened is None else [p["id"] for p in opened["projects"]])
    except CorridorError as exc:
        fail(str(exc))
    report = report if opened is None else report | {"open_to_traffic": opened}
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else summary_text(report))


def _open_projects_for_cli(scenario: str, plan, *, as_of: str | None, database_url: str | None) -> dict | None:
    """The ``open_to_traffic`` section for ``current`` (:mod:`geo.status.open_to_traffic`, the day's statuses read from
    the status database by :func:`geo.status.as_of.statuses_as_of`); ``None`` for the other scenarios."""
    from geo.status import as_of as review
    from geo.access.prepared_plan import ROAD_PROJECT_CATEGORIES
    from geo.status.open_to_traffic import open_road_projects, open_to_traffic_section
    from web.core.as_of import beijing_today

    if scenario != "current":
        if as_of is not None:
            fail(f"--as-of: expected only with --scenario current, got --scenario {scenario}")
        return None
    day = review.parse_as_of(as_of, today=beijing_today(), field="--as-of") if as_of else beijing_today()
    roads = plan.roads[plan.roads["category"].isin(ROAD_PROJECT_CATEGORIES)]
    projects = {row.id: (row.name, row.category) for row in roads.itertuples()}
    rows = on_status_store(database_url, lambda store: review.statuses_as_of(store, plan, day,
                                                                            item_ids=list(projects)))
    return open_to_traffic_section(open_road_projects(rows, projects), as_of=day,
                                   as_of_source="option" if as_of else "today")
