"""``corridor report`` and ``corridor export``: the quarterly bulletin's tables and the layers as GIS files."""
from __future__ import annotations

from pathlib import Path

import click

from geo.errors import CorridorError
from web.cli.common import DATABASE_URL_OPTION, fail, on_status_store


def _check_report_out(out_path: Path, table: str | None, *, tables: list[str]) -> None:
    """Exit with the reason unless ``out_path`` is .xlsx or .zip without ``table``, or .csv with one of ``tables``."""
    suffix = out_path.suffix.lower()
    if suffix not in (".xlsx", ".zip", ".csv"):
        fail(f"--out: expected a file name ending in .xlsx, .zip or .csv, got {out_path.name!r}")
    if suffix == ".csv" and table is None:
        fail(f"--table: a .csv file holds one table: name it with --table (one of {', '.join(tables)}), or write "
             f".zip for every table")
    if suffix != ".csv" and table is not None:
        fail(f"--table: only a .csv file holds a single table, got --out {out_path.name!r}; leave --table out")
    if table is not None and table not in tables:
        fail(f"--table: expected one of {', '.join(tables)}, got {table!r}")


@click.command("report")
@click.option("--quarter", required=True, help="The quarter, written like 2021Q2.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .xlsx (one sheet per table), .zip (one CSV per table, UTF-8 with BOM) or .csv "
                   "(the one table named by --table).")
@click.option("--table", default=None,
              help="With a .csv file: the table to write (lagging, red_items, by_district, …; see "
                   "docs/status-database.md).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding the plan's GeoJSON layers and targets files (default: the project's data/).")
@DATABASE_URL_OPTION
def report_command(quarter: str, out_path: Path, table: str | None, data_dir: Path | None,
                   database_url: str | None) -> None:
    """Write the quarterly bulletin (季度通报) as of the quarter's last day, with the parks' targets and the list of
    lagging items."""
    from geo.bulletins.bulletin import TABLE_TITLES, quarterly_bulletin
    from geo.bulletins.files import write_bulletin
    from geo.plan.quarters import parse_quarter
    from geo.plan.layers import load_plan
    from geo.plan.target_plan import load_target_plan

    _check_report_out(out_path, table, tables=list(TABLE_TITLES))
    try:
        parsed = parse_quarter(quarter)
        plan = load_plan(data_dir)
        targets = load_target_plan(data_dir, areas=plan.districts)
    except CorridorError as exc:
        fail(str(exc))
    bulletin = on_status_store(database_url, lambda store: quarterly_bulletin(store, plan, parsed, targets=targets))
    try:
        write_bulletin(bulletin, out_path, table=table)
    except (CorridorError, OSError) as exc:
        fail(str(exc))
    counts = bulletin.by_colour.iloc[-1]
    click.echo(f"{parsed}: {counts['total']} items — green {counts['green']}, yellow {counts['yellow']} "
               f"(unreported {counts['unreported']}), red {counts['red']}, closed {counts['closed']} → {out_path}")
    cells = bulletin.park_targets["colour"].value_counts()
    click.echo(f"park targets ({bulletin.target_quarter}): {len(bulletin.park_targets)} cells — " + ", ".join(
        f"{colour} {cells.get(colour, 0)}" for colour in ("green", "yellow", "red", "grey", "none")))
    click.echo(f"lagging: {len(bulletin.lagging)} items and target cells in "
               f"{bulletin.lagging['district'].nunique()} districts")


@click.command("export")
@click.argument("layer")
@click.option("--format", "fmt", required=True, metavar="FORMAT",
              help="gpkg, shp (a zip with .cpg UTF-8 and fields.csv), kml, kmz, geojson or csv (WKT geometry).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (replaced).")
@click.option("--district", default=None, help="blocks/roads/tasks: keep one district or zone, e.g. 龙湾区.")
@click.option("--category", default=None, help="blocks/roads/tasks: keep one tier, road category or task kind.")
@click.option("--status", default=None, help="blocks/roads/tasks: keep one status colour (green/yellow/red/grey).")
@click.option("--quarter", default=None, help="parks: the quarter, e.g. 2021Q2 (default: the latest begun).")
@click.option("--scenario", default=None, help="isochrones, tour: planned (default) or baseline.")
@click.option("--congestion", default=None, help="isochrones, tour: speed factor (1 = free flow, 0.6 = peak).")
@click.option("--sites", default=None, help="tour: comma-separated site ids, e.g. B01,B05,R03.")
@click.option("--start", default=None, help="tour: site id or reference name to start at.")
@click.option("--end", default=None, help="tour: 'start' (round trip, default), 'open', or a site id.")
@click.option("--depart", default=None, help="tour: departure time HH:MM (default 08:30).")
@click.option("--dwell", default=None, help="tour: minutes at each site (default 20).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Plan data folder (default: data/ or $CORRIDOR_DATA_DIR).")
@click.option("--network", "network_path", type=click.Path(path_type=Path), default=None,
              help="Network cache folder or OSM file (default: $CORRIDOR_NETWORK or the bundled network).")
@DATABASE_URL_OPTION
def export_command(layer: str, fmt: str, out_path: Path, data_dir: Path | None, network_path: Path | None,
                   database_url: str | None, **parameters: str | None) -> None:
    """Write LAYER (blocks, roads, tasks, districts, parks, isochrones or tour) as a GIS file, with each item's
    current status from the status database: the same file as the pages' 下载 menu (docs/exchange.md)."""
    from werkzeug.datastructures import MultiDict

    from web import create_app
    from web.gis.exports import export_file

    args = MultiDict({name: value for name, value in parameters.items() if value is not None})
    config = {key: str(value) for key, value in (("DATA_DIR", data_dir), ("NETWORK", network_path),
                                                 ("DATABASE_URL", database_url)) if value is not None}
    try:
        with create_app(config).app_context():
            exported = export_file(layer, fmt, args)
        out_path.write_bytes(exported.content)
    except (CorridorError, OSError) as exc:
        fail(str(exc))
    click.echo(f"wrote {layer} as {fmt} ({len(exported.content):,} bytes) to {out_path}")
