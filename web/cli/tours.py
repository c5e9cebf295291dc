"""``corridor tour``: plan an inspection tour and print its itinerary."""
from __future__ import annotations

import json
from pathlib import Path

import click

from geo.errors import CorridorError
from web.cli.common import fail


@click.command("tour")
@click.option("--sites", default="", help="Comma-separated site ids to visit, e.g. B01,B05,R03.")
@click.option("--district", default=None, help="Also visit every site in this district or zone, e.g. 龙湾区.")
@click.option("--category", default=None, help="Restrict the query to a road category or task kind.")
@click.option("--status", default=None, help="Restrict the query to a status colour (green/yellow/red/grey).")
@click.option("--start", default=None, help="Site id or reference name to start at (default 温州市人民政府).")
@click.option("--end", default="start", show_default=True, help="'start' (round trip), 'open', or a site id.")
@click.option("--depart", default="08:30", show_default=True, help="Departure time HH:MM.")
@click.option("--dwell", type=float, default=20.0, show_default=True, help="Minutes at each site.")
@click.option("--dwell-at", "dwell_at", multiple=True, metavar="ID=MIN", help="Minutes at one site, e.g. B05=45.")
@click.option("--lunch", default=None, metavar="HH:MM-HH:MM", help="Lunch window, e.g. 12:00-13:00.")
@click.option("--lunch-minutes", type=float, default=60.0, show_default=True, help="Length of the lunch break.")
@click.option("--budget", type=float, default=None, help="Time budget in minutes (checked, not enforced).")
@click.option("--congestion", type=float, default=1.0, show_default=True, help="Speed factor (0.6 = peak).")
@click.option("--scenario", default="planned", show_default=True,
              help="planned = the network as mapped; baseline = without the road projects' edges.")
@click.option("--network", "network_path", type=click.Path(path_type=Path), default=None,
              help="Network cache folder or OSM file (default: the bundled schematic network).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Plan data folder (default: data/ or $CORRIDOR_DATA_DIR).")
@click.option("--json", "as_json", is_flag=True, help="Print the tour as JSON.")
@click.option("--gpx", "gpx_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the tour as a GPX 1.1 file.")
def tour_command(sites: str, district: str | None, category: str | None, status: str | None, start: str | None,
                 end: str, depart: str, dwell: float, dwell_at: tuple[str, ...], lunch: str | None,
                 lunch_minutes: float, budget: float | None, congestion: float, scenario: str,
                 network_path: Path | None, data_dir: Path | None, as_json: bool, gpx_path: Path | None) -> None:
    """Plan the fastest inspection tour and print its itinerary (Chinese text, or JSON)."""
    from geo.tours.itinerary import format_itinerary, tour_to_gpx
    from geo.network.loading import load_network
    from geo.plan.layers import load_plan, reference_points
    from geo.tours.planner import check_scenario, plan_tour, tour_graph, tour_request

    overrides = dict(item.partition("=")[::2] for item in dwell_at)
    try:
        dwell_by_site = {site.strip(): float(minutes) for site, minutes in overrides.items()}
    except ValueError:
        fail(f"--dwell-at: expected ID=MINUTES such as B05=45, got {', '.join(dwell_at)}")
    query = {k: v for k, v in (("district", district), ("category", category), ("status", status)) if v}
    try:
        check_scenario(scenario)  # before the network loads, which takes a while
        plan = load_plan(data_dir)
        request = tour_request(plan, reference_points(data_dir), sites=[s for s in sites.split(",") if s.strip()],
                               query=query or None, start=start, end=end, depart=depart, dwell=dwell,
                               dwell_by_site=dwell_by_site, lunch=lunch, lunch_minutes=lunch_minutes, budget=budget)
        graph = tour_graph(load_network(network_path), plan, scenario=scenario, congestion=congestion)
        tour = plan_tour(graph, request)
        if gpx_path is not None:
            gpx_path.write_text(tour_to_gpx(tour), encoding="utf-8")
    except (CorridorError, OSError) as exc:
        fail(str(exc))
    click.echo(json.dumps(tour, ensure_ascii=False, indent=2) if as_json else format_itinerary(tour))
