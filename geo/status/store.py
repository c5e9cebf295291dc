"""The status database: engine, migrations, transactions, the per-item version check and the audit log.

SQLite (a file in the app's instance folder, WAL mode, foreign keys on) by default; PostgreSQL when the caller
passes a ``postgresql://`` URL (the web app and the CLI read ``CORRIDOR_DATABASE_URL``; this module reads no
environment). Every write runs in one transaction (:meth:`Store.write`) that starts by moving the item's version
forward with an atomic ``UPDATE ... WHERE version = :expected`` (:func:`bump_version`), so of two concurrent edits
based on the same version exactly one wins and the other raises :class:`~geo.errors.EditConflict`.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from geo.status.database_faults import DatabaseWatch, database_fault, driver_message, open_existing_only, sqlite_file
from geo.errors import DatabaseMissing, DatabaseNotWritable, DatabaseUnavailable, EditConflict, InvalidParameter
from geo.status.models import AuditEntry, Item

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
DATABASE_FILENAME = "corridor.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 15_000
_WRITE_OPTION = "corridor_write"


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the one clock every ``created_at`` comes from)."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC: SQLite hands back naive datetimes for what was stored as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def database_url(*, instance_path: Path | str, configured: str | None = None) -> str:
    """The database URL to use: ``configured`` if given (e.g. ``$CORRIDOR_DATABASE_URL``), else a SQLite file.

    Parameters
    ----------
    instance_path
        The app's instance folder, where the default SQLite file ``corridor.sqlite3`` lives (created if missing).
    configured
        A ``sqlite:///...`` or ``postgresql://...`` URL; ``postgres://`` and driverless ``postgresql://`` are
        taken to mean psycopg 3.

    Raises
    ------
    InvalidParameter
        When ``configured`` names another kind of database.
    """
    if not configured:
        folder = Path(instance_path)
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / DATABASE_FILENAME}"
    url = configured.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if url.startswith(("sqlite:", "sqlite+pysqlite:", "postgresql+psycopg:")):
        return url
    raise InvalidParameter("CORRIDOR_DATABASE_URL", f"expected a sqlite:/// or postgresql:// URL, got "
                                                    f"{url.split(':', 1)[0]!r}; e.g. postgresql://user:pass@host/db")


def create_db_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``; on SQLite: WAL journal, foreign keys on, and write transactions that lock up front.

    SQLite write transactions start with ``BEGIN IMMEDIATE`` so that a writer waits for the write lock (up to
    15 s) instead of failing when another writer committed after its first read. With ``create`` false a SQLite
    file is opened only if it exists (a vanished database is never re-created empty). Statement parameters are
    kept out of error messages and logs: they may hold a password hash.
    """
    engine = sa.create_engine(url, pool_pre_ping=not url.startswith("sqlite"), hide_parameters=True)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _configure_sqlite_connection)
        sa.event.listen(engine, "begin", _begin_sqlite_transaction)
        if not create:
            open_existing_only(engine)
    return engine


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # pysqlite's own BEGIN handling is replaced by _begin_sqlite_transaction
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _begin_sqlite_transaction(connection: sa.Connection) -> None:
    immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _alembic_config() -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade_database(url: str | Engine, *, revision: str = "head") -> None:
    """Bring the database at ``url`` (or behind an engine) up to ``revision`` with the Alembic migrations."""
    engine = url if isinstance(url, Engine) else create_db_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    logger.info("database %s at revision %s", engine.url.render_as_string(hide_password=True), revision)
    if not isinstance(url, Engine):
        engine.dispose()


class Store:
    """The status database: read sessions and one-transaction write sessions over one engine.

    Every session first checks that a SQLite file is still the one opened (:class:`DatabaseWatch`), and driver
    errors meaning "unreachable" or "not writable" are raised as :class:`~geo.errors.DatabaseUnavailable` /
    :class:`~geo.errors.DatabaseNotWritable`.

    Parameters
    ----------
    engine
        From :func:`create_db_engine`; the schema must be current (see :func:`upgrade_database`).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.watch = DatabaseWatch(engine.url)
        self._reads = sessionmaker(bind=engine, expire_on_commit=False)
        self._writes = sessionmaker(bind=engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed."""
        self.watch.check()
        with self.watch.translating(writing=False), self._reads() as session:
            yield session

    def read_value(self, statement: str) -> object:
        """The first column of the first row of one read-only SQL ``statement`` (no parameters).

        For queries run on every request: the statement runs on a pooled driver connection, without an ORM
        session or an explicit transaction (one statement sees everything committed before it, in any process),
        at about a tenth of :meth:`read`'s cost. Same checks and error translation as :meth:`read`.
        """
        self.watch.check()
        driver_error = self.engine.dialect.loaded_dbapi.Error
        with self.watch.translating(writing=False):
            try:
                return self._driver_value(statement)
            except driver_error as exc:  # raised by the driver itself: give it SQLAlchemy's form, as read() does
                raise sa.exc.DBAPIError.instance(statement, None, exc, driver_error,
                                                 dialect=self.engine.dialect) from exc

    def _driver_value(self, statement: str) -> object:
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(statement)
                return cursor.fetchone()[0]
            finally:
                cursor.close()
        except BaseException:
            connection.invalidate()  # a connection whose statement failed may be broken: never pool it again
            raise
        finally:
            connection.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back entirely if it raises.

        Raises
        ------
        DatabaseUnavailable
            Also after the commit, when the SQLite file vanished meanwhile: the write went into a file that is
            gone, so it must not be acknowledged.
        """
        self.watch.check()
        with self.watch.translating(writing=True), self._writes() as session, session.begin():
            yield session
        self.watch.check()
        self.watch.wrote()

    def write_problem(self) -> str | None:
        """Why a write would fail now (``None``: none known): a read-only SQLite file or folder, a PostgreSQL
        server that accepts reads only, else the last write's failure to write."""
        if self.dialect == "postgresql":
            with self.read() as session:
                if session.execute(sa.text("SHOW transaction_read_only")).scalar_one() == "on":
                    return (f"cannot write the status database {self.watch.name}: the server accepts reads only "
                            f"(transaction_read_only is on: a standby, or default_transaction_read_only)")
        return self.watch.write_problem()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def open_store(url: str, *, upgrade: bool = True, create: bool = True) -> Store:
    """Open the status database at ``url``, first migrating it to the latest schema unless ``upgrade`` is false.

    Parameters
    ----------
    create
        Create a SQLite file that does not exist (else :class:`~geo.errors.DatabaseMissing`). Either way the
        store's own connections never create one: a file that vanishes later stays missing.

    Raises
    ------
    DatabaseUnavailable
        When the database cannot be reached, opened or migrated (the message names it, without its password);
        :class:`~geo.errors.DatabaseMissing` for a missing SQLite file with ``create`` false.
    """
    shown = shown_url(url)
    try:
        path = sqlite_file(url)
        if path is not None and not path.exists():
            if not create:
                raise DatabaseMissing(f"the status database {path} does not exist; restore a backup into it "
                                      f"(corridor restore FILE), or check CORRIDOR_DATABASE_URL (or --database-url)")
            _touch_database(url)
        engine = create_db_engine(url, create=False)
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        if upgrade:
            upgrade_database(engine)
    except sa.exc.DBAPIError as exc:
        fault = database_fault(exc, name=shown, writing=True)
        if isinstance(fault, DatabaseNotWritable):  # e.g. a migration on a read-only file or a full disk
            raise fault from exc
        raise DatabaseUnavailable(f"cannot open the status database {shown}: {driver_message(exc)}; check "
                                  f"CORRIDOR_DATABASE_URL (or --database-url) and that the server or folder "
                                  f"exists and is reachable") from exc
    except sa.exc.ArgumentError as exc:
        raise DatabaseUnavailable(f"cannot open the status database {shown}: {exc}; check CORRIDOR_DATABASE_URL "
                                  f"(or --database-url)") from exc
    return Store(engine)


def _touch_database(url: str) -> None:
    """Create the SQLite file of ``url`` (an engine connects lazily: one connection makes the file)."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()


def shown_url(url: str) -> str:
    """``url`` as it may be shown: the password masked."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url.split("://", 1)[0] if "://" in url else url  # unparsable: the scheme alone, no secrets


def bump_version(session: Session, item_id: str, expected_version: int) -> int:
    """Move ``item_id`` from ``expected_version`` to the next version, atomically; return the new version.

    Version 0 means "never edited": the item's row is inserted. Must be the transaction's first write, so the row
    lock (PostgreSQL) or write lock (SQLite) serialises every edit of the item until commit.

    Raises
    ------
    EditConflict
        When the item is no longer at ``expected_version``.
    InvalidParameter
        When ``expected_version`` is not a non-negative integer.
    """
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) or expected_version < 0:
        raise InvalidParameter("expected_version", f"expected a whole number ≥ 0 (the item's version when it was "
                                                   f"read; 0 for an item never edited), got {expected_version!r}",
                               kind="version", details={"got": expected_version})
    now = utc_now()
    if expected_version == 0:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = insert(Item).values(item_id=item_id, version=1, updated_at=now).on_conflict_do_nothing()
    else:
        statement = (sa.update(Item).where(Item.item_id == item_id, Item.version == expected_version)
                     .values(version=Item.version + 1, updated_at=now))
    if session.execute(statement.returning(Item.version)).scalar_one_or_none() is None:
        actual = session.scalar(sa.select(Item.version).where(Item.item_id == item_id))
        raise EditConflict(item_id, expected_version, actual or 0)
    return expected_version + 1


def record_audit(session: Session, *, actor: str, action: str, item_id: str | None, details: dict) -> None:
    """Add an audit-log entry to the current transaction (it commits or rolls back with the change)."""
    session.add(AuditEntry(at=utc_now(), actor=actor, action=action, item_id=item_id, details=details))
