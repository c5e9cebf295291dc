"""``corridor validate`` and ``corridor fetch-network``: the plan's data layers and the road network around them."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from geo.errors import CorridorError
from web.cli.common import fail


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding blocks/roads/tasks/districts.geojson (default: the project's data/).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def validate(data_dir: Path | None, as_json: bool) -> None:
    """Check the plan's data layers; exit 0 when valid, 1 listing every problem when not."""
    from geo.plan.validation_report import format_report, validation_report

    report = validation_report(data_dir)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report))
    sys.exit(0 if report["valid"] else 1)


@click.command("fetch-network")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Cache folder to write (default: data/network-osm/; the bundled data/network/ is kept).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=1.0), default=60.0, show_default=True,
              help="Seconds to wait for the OpenStreetMap server before giving up.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Plan data folder (default: data/ or $CORRIDOR_DATA_DIR).")
def fetch_network_command(out: Path | None, timeout_s: float, data_dir: Path | None) -> None:
    """Download the drivable road network around everything the plan places (plus 3 km) from OpenStreetMap (needs
    internet), find the plan's ring and road projects on it as the bundled network's build does, and cache it."""
    import shapely

    from geo.network.road_network import save_network
    from geo.network.osm_source import default_download_dir, fetch_network, plan_extent
    from geo.plan.layers import default_data_dir, load_plan, read_places
    from geo.access.plan_matching import match_plan

    target = out or default_download_dir()
    try:
        plan = load_plan(data_dir)
        area = shapely.box(*plan_extent(data_dir or default_data_dir()))
        network = fetch_network(area, out=None, timeout_s=timeout_s)
        network, match = match_plan(network, plan, places=read_places(data_dir)[0])
        save_network(network, target)
    except CorridorError as exc:
        fail(str(exc))
    unmatched = [p.id for p in match.projects if p.method == "none"]
    click.echo(f"saved {network.n_nodes} nodes and {network.n_edges} edges to {target}; ring matched "
               f"({match.ring_length_m / 1000:.1f} km)"
               + (f"; no credible match for {', '.join(unmatched)}" if unmatched else "")
               + f"; use it with --network {target} or CORRIDOR_NETWORK={target}")
