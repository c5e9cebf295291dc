"""The instance folder remembers its status databases, so a vanished one is refused rather than re-created empty.

An instance that has run before — its folder holds the generated ``secret_key``, or the marker file
``status_databases.json`` that :func:`record_database` keeps (one entry per database the server has served,
password masked) — must not meet an empty database where its own used to be: every report and every user would be
gone without a word. :func:`open_instance_store` therefore refuses a *known* database that is missing (a SQLite file
that is absent, or any database without the project's tables) with :class:`~geo.errors.DatabaseMissing`, one line
naming the database and the two ways on: restore the latest backup (``corridor restore``), or start over with an
empty database on purpose (``corridor serve --init-database``). A brand-new instance still creates its database.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

import sqlalchemy as sa

from geo.status.backup import schema_revision
from geo.status.database_faults import sqlite_file
from geo.errors import DatabaseMissing
from geo.status.store import DATABASE_FILENAME, Store, create_db_engine, open_store, shown_url

logger = logging.getLogger(__name__)

MARKER_FILE = "status_databases.json"
SECRET_KEY_FILE = "secret_key"  # the session signing key generated on first run (web.core.auth.instance_secret_key)
_MARKER_ABOUT = ("Status databases this instance has served. corridor serve refuses to start when one of them has "
                 "gone missing instead of creating an empty one: restore a backup (corridor restore FILE) or start "
                 "over on purpose (corridor serve --init-database).")


def database_key(url: str) -> str:
    """How ``url`` is remembered: the password masked, a SQLite file by its absolute path."""
    path = sqlite_file(url)
    return f"sqlite:///{path}" if path is not None else shown_url(url)


def known_databases(folder: Path) -> set[str]:
    """The databases the instance in ``folder`` has served (:func:`database_key` form); an instance from before
    the marker that has its secret key knows its default SQLite file."""
    known: set[str] = set()
    try:
        known.update(json.loads((folder / MARKER_FILE).read_text(encoding="utf-8")).get("databases", []))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, AttributeError) as exc:
        logger.warning("cannot read %s (%s): treating the instance as one that has run", folder / MARKER_FILE, exc)
        known.add(database_key(f"sqlite:///{folder / DATABASE_FILENAME}"))
    if (folder / SECRET_KEY_FILE).exists():
        known.add(database_key(f"sqlite:///{folder / DATABASE_FILENAME}"))
    return known


def record_database(folder: Path, url: str) -> None:
    """Add ``url`` to the databases the instance in ``folder`` has served (written atomically)."""
    key = database_key(url)
    marker = folder / MARKER_FILE
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8")).get("databases", [])
    except (OSError, ValueError, AttributeError):
        recorded = []
    if key in recorded:
        return
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, draft = tempfile.mkstemp(dir=folder, prefix=f".{MARKER_FILE}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"about": _MARKER_ABOUT, "databases": [*recorded, key]}, handle, ensure_ascii=False, indent=1)
        os.replace(draft, marker)
    finally:
        Path(draft).unlink(missing_ok=True)


def holds_no_database(url: str) -> bool:
    """Whether ``url`` names no status database: a SQLite file that does not exist, or a reachable database
    without the project's schema. An unreachable server is not decided here (opening it reports that)."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return True
    engine = create_db_engine(url, create=False)
    try:
        with engine.connect() as connection:
            return schema_revision(connection) is None
    except sa.exc.DBAPIError:
        return False
    finally:
        engine.dispose()


def open_instance_store(folder: Path, url: str, *, init: bool = False, create: bool = True) -> Store:
    """Open (and migrate) the status database ``url`` of the instance in ``folder``.

    Parameters
    ----------
    init
        Allow creating an empty database where a known one is missing (``corridor serve --init-database``,
        ``corridor restore``). A database that holds data is never emptied.
    create
        Allow creating a database that does not exist at all (false for ``corridor backup``: nothing to copy).

    Raises
    ------
    DatabaseMissing
        For a known database that is missing (without ``init``), or a missing SQLite file without ``create``.
    DatabaseUnavailable
        When the database cannot be reached or opened.
    """
    if database_key(url) in known_databases(folder) and holds_no_database(url):
        if not init:
            raise DatabaseMissing(
                f"the status database {database_key(url)} is missing, but this instance ({folder}) has used it: "
                f"restore the latest backup with `corridor restore BACKUP_FILE`, or start over with an empty "
                f"database with `corridor serve --init-database`")
        logger.warning("the status database %s was missing: creating a new, empty one as asked", database_key(url))
    return open_store(url, create=create)
