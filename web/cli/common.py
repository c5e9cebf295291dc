"""What the ``corridor`` commands share: failing with a message, and the status database they open."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from geo.errors import CorridorError


def fail(message: str) -> None:
    """Print ``error: message`` on stderr and exit with status 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


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


def on_status_store(database_url: str | None, action: Callable[[object], object], *, init: bool = False,
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
        fail(str(exc))
    except sa.exc.SQLAlchemyError as exc:
        fail(f"the status database refused the operation: {driver_message(exc)}; nothing was changed")


DATABASE_URL_OPTION = click.option(
    "--database-url", envvar="CORRIDOR_DATABASE_URL", default=None,
    help="Status database (default: $CORRIDOR_DATABASE_URL, else instance/corridor.sqlite3).")
