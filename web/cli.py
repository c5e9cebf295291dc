"""The ``corridor`` command line: thin wrappers over :mod:`geo` and :mod:`web`."""
from __future__ import annotations

import errno
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from geo.errors import CorridorError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def main(verbose: bool) -> None:
    """Daluoshan corridor map: plan data, accessibility checks, inspection tours, web app."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command()
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


@main.command("fetch-network")
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
        _fail(str(exc))
    unmatched = [p.id for p in match.projects if p.method == "none"]
    click.echo(f"saved {network.n_nodes} nodes and {network.n_edges} edges to {target}; ring matched "
               f"({match.ring_length_m / 1000:.1f} km)"
               + (f"; no credible match for {', '.join(unmatched)}" if unmatched else "")
               + f"; use it with --network {target} or CORRIDOR_NETWORK={target}")


@main.command("tour")
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
    from geo.network.road_network import load_network
    from geo.plan.layers import load_plan, reference_points
    from geo.tours.planner import check_scenario, plan_tour, tour_graph, tour_request

    overrides = dict(item.partition("=")[::2] for item in dwell_at)
    try:
        dwell_by_site = {site.strip(): float(minutes) for site, minutes in overrides.items()}
    except ValueError:
        _fail(f"--dwell-at: expected ID=MINUTES such as B05=45, got {', '.join(dwell_at)}")
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
        _fail(str(exc))
    click.echo(json.dumps(tour, ensure_ascii=False, indent=2) if as_json else format_itinerary(tour))


def _open_status_store(database_url: str | None, *, init: bool, create: bool):
    """The status database named by ``--database-url``/``$CORRIDOR_DATABASE_URL``, else the app's SQLite file
    (refused when the instance has used it and it went missing, unless ``init``: :mod:`web.core.instance`)."""
    from flask import Flask

    from geo.status.store import database_url as resolve_url
    from web.core.instance import open_instance_store

    # The folder create_app uses: $CORRIDOR_INSTANCE_PATH, else Flask's default for the web package.
    instance_path = os.environ.get("CORRIDOR_INSTANCE_PATH") or Flask("web").instance_path
    return open_instance_store(Path(instance_path), resolve_url(instance_path=instance_path, configured=database_url),
                               init=init, create=create)


def _on_status_store(database_url: str | None, action: Callable[[object], object], *, init: bool = False,
                     create: bool = True) -> object:
    """Run ``action(store)`` on the status database, closing it afterwards; a failure exits with its message (the
    driver's first line only for a database error: SQLAlchemy's message quotes the statement's parameters)."""
    import sqlalchemy as sa

    from geo.status.database_faults import driver_message

    try:
        store = _open_status_store(database_url, init=init, create=create)
        try:
            return action(store)
        finally:
            store.close()
    except (CorridorError, OSError) as exc:
        _fail(str(exc))
    except sa.exc.SQLAlchemyError as exc:
        _fail(f"the status database refused the operation: {driver_message(exc)}; nothing was changed")


_DATABASE_URL_OPTION = click.option(
    "--database-url", envvar="CORRIDOR_DATABASE_URL", default=None,
    help="Status database (default: $CORRIDOR_DATABASE_URL, else instance/corridor.sqlite3).")


def _check_report_out(out_path: Path, table: str | None, *, tables: list[str]) -> None:
    """Exit with the reason unless ``out_path`` is .xlsx or .zip without ``table``, or .csv with one of ``tables``."""
    suffix = out_path.suffix.lower()
    if suffix not in (".xlsx", ".zip", ".csv"):
        _fail(f"--out: expected a file name ending in .xlsx, .zip or .csv, got {out_path.name!r}")
    if suffix == ".csv" and table is None:
        _fail(f"--table: a .csv file holds one table: name it with --table (one of {', '.join(tables)}), or write "
              f".zip for every table")
    if suffix != ".csv" and table is not None:
        _fail(f"--table: only a .csv file holds a single table, got --out {out_path.name!r}; leave --table out")
    if table is not None and table not in tables:
        _fail(f"--table: expected one of {', '.join(tables)}, got {table!r}")


@main.command("report")
@click.option("--quarter", required=True, help="The quarter, written like 2021Q2.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .xlsx (one sheet per table), .zip (one CSV per table, UTF-8 with BOM) or .csv "
                   "(the one table named by --table).")
@click.option("--table", default=None,
              help="With a .csv file: the table to write (lagging, red_items, by_district, …; see "
                   "docs/status-database.md).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding the plan's GeoJSON layers and targets files (default: the project's data/).")
@_DATABASE_URL_OPTION
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
        _fail(str(exc))
    bulletin = _on_status_store(database_url, lambda store: quarterly_bulletin(store, plan, parsed, targets=targets))
    try:
        write_bulletin(bulletin, out_path, table=table)
    except (CorridorError, OSError) as exc:
        _fail(str(exc))
    counts = bulletin.by_colour.iloc[-1]
    click.echo(f"{parsed}: {counts['total']} items — green {counts['green']}, yellow {counts['yellow']} "
               f"(unreported {counts['unreported']}), red {counts['red']}, closed {counts['closed']} → {out_path}")
    cells = bulletin.park_targets["colour"].value_counts()
    click.echo(f"park targets ({bulletin.target_quarter}): {len(bulletin.park_targets)} cells — " + ", ".join(
        f"{colour} {cells.get(colour, 0)}" for colour in ("green", "yellow", "red", "grey", "none")))
    click.echo(f"lagging: {len(bulletin.lagging)} items and target cells in "
               f"{bulletin.lagging['district'].nunique()} districts")


@main.group("user")
def user_group() -> None:
    """Manage the people who may sign in (roles: viewer, editor, admin)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["viewer", "editor", "admin"]), help="What the user may do.")
@click.option("--password", default=None, help="The password (default: prompt, or read from stdin when piped).")
@_DATABASE_URL_OPTION
def user_add_command(name: str, role: str, password: str | None, database_url: str | None) -> None:
    """Create the user NAME with a hashed password."""
    import getpass

    from geo.accounts.users import add_user

    password = _read_password(password)
    user = _on_status_store(database_url, lambda store: add_user(store, name, role=role, password=password,
                                                                 actor=f"cli:{getpass.getuser()}"))
    click.echo(f"added user {user.name} ({user.role})")


def _read_password(given: str | None) -> str:
    """``--password``, else a line of stdin when piped, else a hidden prompt asked twice."""
    if given is None and not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    if given is None:
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return given


@user_group.command("password")
@click.argument("name")
@click.option("--password", default=None, help="The new password (default: prompt, or read from stdin when piped).")
@_DATABASE_URL_OPTION
def user_password_command(name: str, password: str | None, database_url: str | None) -> None:
    """Set a new password for NAME (e.g. a forgotten one); all of NAME's sessions end."""
    import getpass

    from geo.accounts.users import set_password

    password = _read_password(password)
    user = _on_status_store(database_url, lambda store: set_password(store, name, password=password,
                                                                     actor=f"cli:{getpass.getuser()}"))
    click.echo(f"new password set for {user.name}; their sessions have ended")


@user_group.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the user again instead.")
@_DATABASE_URL_OPTION
def user_disable_command(name: str, enable: bool, database_url: str | None) -> None:
    """Disable NAME: no more logins, and all of NAME's sessions end at once (--enable undoes it)."""
    import getpass

    from geo.accounts.users import set_active

    user = _on_status_store(database_url, lambda store: set_active(store, name, active=enable,
                                                                   actor=f"cli:{getpass.getuser()}"))
    click.echo(f"{user.name} {'enabled' if user.active else 'disabled; their sessions have ended'}")


@user_group.command("list")
@_DATABASE_URL_OPTION
def user_list_command(database_url: str | None) -> None:
    """List the users and their roles."""
    from geo.accounts.users import list_users

    users = _on_status_store(database_url, list_users)
    for user in users:
        click.echo(f"{user.name}\t{user.role}\t{user.created_at:%Y-%m-%d %H:%M} UTC"
                   + ("" if user.active else "\tdisabled"))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: all).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Worker threads (per process with --workers).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes: 1 runs waitress; more run gunicorn (Linux, macOS) on one database.")
@click.option("--init-database", is_flag=True,
              help="Create a new, empty status database where the one this instance has used is missing "
                   "(instead: corridor restore BACKUP_FILE). A database that holds data is never emptied.")
def serve_command(host: str, port: int, threads: int, workers: int, init_database: bool) -> None:
    """Run the map application on waitress, or on gunicorn with --workers N (configured by CORRIDOR_* environment
    variables)."""
    from web import create_app
    from web.core.observability import configure_logging

    configure_logging(level=logging.getLogger().level)  # JSON lines on stderr, one access line per request
    if workers > 1 and sys.platform == "win32":
        _fail("--workers needs gunicorn, which runs on Linux and macOS only; on Windows serve with --workers 1")
    try:
        app = create_app({"INIT_DATABASE": True} if init_database else None)
    except (CorridorError, OSError) as exc:
        _fail(f"cannot start the map application: {exc}")
    if workers > 1:
        _serve_gunicorn(app, host=host, port=port, workers=workers, threads=threads)
        return
    import waitress

    try:
        # The app answers bodies over MAX_CONTENT_LENGTH with a JSON 413; far larger ones waitress refuses unread.
        server = waitress.create_server(app, host=host, port=port, threads=threads,
                                        max_request_body_size=4 * app.config["MAX_CONTENT_LENGTH"])
    except OSError as exc:
        _fail(_listen_failure(host, port, exc))
    click.echo(f"serving the corridor map on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    server.run()


def _serve_gunicorn(app, *, host: str, port: int, workers: int, threads: int) -> None:
    from web.gunicorn_server import check_port_free, serve

    try:
        check_port_free(host, port)
    except OSError as exc:
        _fail(_listen_failure(host, port, exc))
    click.echo(f"serving the corridor map on http://{host}:{port}/ with {workers} processes x {threads} threads "
               f"(Ctrl+C to stop)", err=True)
    serve(app, host=host, port=port, workers=workers, threads=threads)


def _listen_failure(host: str, port: int, exc: OSError) -> str:
    """One line for a socket that cannot be opened: what, why, and the fix."""
    if exc.errno == errno.EADDRINUSE:
        why = (f"port {port} is already in use (another corridor serve, or another program: `ss -ltnp 'sport = "
               f":{port}'` shows which); stop it or choose another port with --port")
    elif exc.errno == errno.EACCES:
        why = f"permission denied for port {port} (ports below 1024 need privileges); choose --port 1024 or above"
    else:
        why = f"{exc.strerror or exc}; check --host (an address of this machine, e.g. 127.0.0.1) and --port"
    return f"cannot listen on {host}:{port}: {why}"


@main.command("access")
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
@_DATABASE_URL_OPTION
def access_command(network_path: Path | None, scenario: str, congestion: float, as_json: bool,
                   data_dir: Path | None, as_of: str | None, database_url: str | None) -> None:
    """Check 「10分钟入环、30分钟通环」: time to the ring road from the corridor, and round the ring. ``current``
    reads the status database (the app's, or --database-url) for the road projects open to traffic."""
    from geo.access.check import check_access, prepare_network
    from geo.access.report import summary_text
    from geo.network.road_network import load_network
    from geo.plan.layers import load_plan

    try:
        plan = load_plan(data_dir)
        opened = _open_projects_for_cli(scenario, plan, as_of=as_of, database_url=database_url)
        # placed once: the compare scenario's baseline, planned and per-project checks all reuse it
        placed = prepare_network(load_network(network_path), plan)
        report = check_access(placed, scenario=scenario, congestion=congestion,
                              open_projects=None if opened is None else [p["id"] for p in opened["projects"]])
    except CorridorError as exc:
        _fail(str(exc))
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
            _fail(f"--as-of: expected only with --scenario current, got --scenario {scenario}")
        return None
    day = review.parse_as_of(as_of, today=beijing_today(), field="--as-of") if as_of else beijing_today()
    roads = plan.roads[plan.roads["category"].isin(ROAD_PROJECT_CATEGORIES)]
    projects = {row.id: (row.name, row.category) for row in roads.itertuples()}
    rows = _on_status_store(database_url, lambda store: review.statuses_as_of(store, plan, day,
                                                                             item_ids=list(projects)))
    return open_to_traffic_section(open_road_projects(rows, projects), as_of=day,
                                   as_of_source="option" if as_of else "today")


EXPORT_PARAMETERS = ("district", "category", "status", "quarter", "scenario", "congestion", "sites", "start", "end",
                     "depart", "dwell")


@main.command("export")
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
@_DATABASE_URL_OPTION
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
        _fail(str(exc))
    click.echo(f"wrote {layer} as {fmt} ({len(exported.content):,} bytes) to {out_path}")


@main.command("backup")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Backup file to write (replaced atomically).")
@click.option("--format", "backup_format", type=click.Choice(["sqlite", "json"]), default=None,
              help="sqlite: a consistent copy of a SQLite database (its default); json: a logical dump of the "
                   "tables (the default for PostgreSQL, restorable into either).")
@_DATABASE_URL_OPTION
def backup_command(out_path: Path, backup_format: str | None, database_url: str | None) -> None:
    """Back up the status database while the app keeps running."""
    from geo.status.backup import backup

    summary = _on_status_store(database_url, lambda store: backup(store, out_path, format=backup_format),
                               create=False)  # backing up a database created just now would copy nothing
    click.echo(f"backed up {summary.total_rows} rows (schema {summary.revision}) to {out_path} as {summary.format}")


@main.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already holds data.")
@_DATABASE_URL_OPTION
def restore_command(backup_file: Path, replace: bool, database_url: str | None) -> None:
    """Restore the status database from BACKUP_FILE in one transaction (all or nothing)."""
    from geo.status.backup import restore

    summary = _on_status_store(database_url, lambda store: restore(store, backup_file, replace=replace),
                               init=True)  # restoring is how a missing database comes back
    click.echo(f"restored {summary.total_rows} rows (schema {summary.revision}) from {backup_file}")
