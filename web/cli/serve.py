"""``corridor serve``: run the map application on waitress, or on gunicorn with several processes."""
from __future__ import annotations

import errno
import logging
import sys

import click

from geo.errors import CorridorError
from web.cli.common import fail

# 50 keep-alive clients on waitress's 8 threads queued into a p99 of 225-490 ms; 32 threads kept it under 250 ms at the
# same throughput (docs/operations.md). gunicorn spreads the clients over its processes, so 8 each suffice.
WAITRESS_THREADS = 32
GUNICORN_THREADS_PER_WORKER = 8


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: all).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--threads", type=click.IntRange(1, 64), default=None,
              help=f"Worker threads per process [default: {WAITRESS_THREADS} on one process, "
                   f"{GUNICORN_THREADS_PER_WORKER} per process with --workers].")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes: 1 runs waitress; more run gunicorn (Linux, macOS) on one database.")
@click.option("--init-database", is_flag=True,
              help="Create a new, empty status database where the one this instance has used is missing "
                   "(instead: corridor restore BACKUP_FILE). A database that holds data is never emptied.")
def serve_command(host: str, port: int, threads: int | None, workers: int, init_database: bool) -> None:
    """Run the map application on waitress, or on gunicorn with --workers N (configured by CORRIDOR_* environment
    variables)."""
    from web import create_app
    from web.core.observability import configure_logging

    configure_logging(level=logging.getLogger().level)  # JSON lines on stderr, one access line per request
    if workers > 1 and sys.platform == "win32":
        fail("--workers needs gunicorn, which runs on Linux and macOS only; on Windows serve with --workers 1")
    try:
        app = create_app({"INIT_DATABASE": True} if init_database else None)
    except (CorridorError, OSError) as exc:
        fail(f"cannot start the map application: {exc}")
    if workers > 1:
        _serve_gunicorn(app, host=host, port=port, workers=workers, threads=threads or GUNICORN_THREADS_PER_WORKER)
        return
    import waitress

    try:
        # The app answers bodies over MAX_CONTENT_LENGTH with a JSON 413; far larger ones waitress refuses unread.
        server = waitress.create_server(app, host=host, port=port, threads=threads or WAITRESS_THREADS,
                                        max_request_body_size=4 * app.config["MAX_CONTENT_LENGTH"])
    except OSError as exc:
        fail(_listen_failure(host, port, exc))
    click.echo(f"serving the corridor map on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    server.run()


def _serve_gunicorn(app, *, host: str, port: int, workers: int, threads: int) -> None:
    from web.gunicorn_server import check_port_free, serve

    try:
        check_port_free(host, port)
    except OSError as exc:
        fail(_listen_failure(host, port, exc))
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
