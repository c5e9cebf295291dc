"""Faults of the status database, told plainly: a file vanished or replaced, a server gone, a write refused.

SQLite: a store records its file's identity (device and inode, :class:`FileIdentity`) when it opens it, and every
session first compares it with what the path names now (:meth:`DatabaseWatch.check`). A deleted file stays usable
through the descriptors already open, so without the check writes would land in a file nobody will see again and be
acknowledged; a path that now names another file (a copy moved over it, a volume remounted) is refused the same way.
New connections open the file with ``mode=rw`` (:func:`open_existing_only`), so a vanished file is never silently
re-created empty. PostgreSQL is watched through its connections: a failed one makes the database unavailable.

Driver errors become :class:`~geo.errors.DatabaseUnavailable` or :class:`~geo.errors.DatabaseNotWritable`
(:func:`database_fault`) naming the database and the condition only, never SQLAlchemy's own message: that carries
the statement and its parameters (a user's password hash among them), and PostgreSQL's DETAIL line quotes the
failing row. :func:`driver_message` is the one safe line of any driver error.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geo.errors import DatabaseNotWritable, DatabaseUnavailable

logger = logging.getLogger(__name__)

# SQLite primary result codes (the low byte of an extended code; https://sqlite.org/rescode.html).
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR = 5, 6, 8, 10
SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 11, 13, 14, 26
_SQLITE_NOT_WRITABLE = frozenset({SQLITE_READONLY, SQLITE_FULL})
_SQLITE_UNAVAILABLE = frozenset({SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_CANTOPEN,
                                 SQLITE_NOTADB})
# PostgreSQL SQLSTATEs of a server that refuses writes, in words (the driver's text may name hosts and rows).
_POSTGRES_NOT_WRITABLE = {"25006": "the server accepts reads only (a standby, or default_transaction_read_only)",
                          "53100": "the server's disk is full"}


@dataclass(frozen=True)
class FileIdentity:
    """What makes a file the same file: its device and inode (a path can come to name another one)."""

    device: int
    inode: int


def file_identity(path: Path) -> FileIdentity | None:
    """The identity of the file at ``path``, or ``None`` when there is none (or it cannot be looked at)."""
    try:
        status = os.stat(path)
    except OSError:  # missing, or its volume gone (ENOTCONN, EIO): either way not the file that was opened
        return None
    return FileIdentity(status.st_dev, status.st_ino)


def sqlite_file(url: sa.URL | str) -> Path | None:
    """The database file of a ``sqlite:///`` URL (absolute), ``None`` for other databases, memory and URI forms."""
    url = sa.make_url(url)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:") \
            or url.query.get("uri"):
        return None
    return Path(database).absolute()


def open_existing_only(engine: Engine) -> None:
    """Make every new connection of a SQLite ``engine`` open its file with ``mode=rw``: never create it."""
    path = sqlite_file(engine.url)
    if path is None:
        return

    def connect_without_creating(_dialect, _record, cargs: list, cparams: dict) -> None:
        cargs[:] = [f"file:{quote(str(path))}?mode=rw"]
        cparams["uri"] = True

    sa.event.listen(engine, "do_connect", connect_without_creating)


def driver_message(exc: BaseException) -> str:
    """The first line of the database driver's own message for ``exc`` (without SQLAlchemy's statement and
    parameters, and without PostgreSQL's DETAIL line, which quotes the failing row)."""
    source = getattr(exc, "orig", None) or exc
    lines = str(source).strip().splitlines()
    return lines[0] if lines else type(source).__name__


def database_fault(exc: sa.exc.DBAPIError, *, name: str, writing: bool) -> DatabaseUnavailable | None:
    """``exc`` as an unavailable or unwritable database naming ``name``; ``None`` when it is no such fault (a
    constraint, a programming error: those stay what they are)."""
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        primary = code & 0xFF
        if primary in _SQLITE_NOT_WRITABLE or (writing and primary == SQLITE_IOERR):
            return _not_writable(name, str(orig))
        return _unavailable(name, str(orig), writing=writing) if primary in _SQLITE_UNAVAILABLE else None
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _POSTGRES_NOT_WRITABLE:
        return _not_writable(name, _POSTGRES_NOT_WRITABLE[sqlstate])
    if isinstance(exc, sa.exc.OperationalError) or exc.connection_invalidated:
        reason = "connection failed" if sqlstate is None else f"{type(orig).__name__} (SQLSTATE {sqlstate})"
        return _unavailable(name, reason, writing=writing)
    return None


def _not_writable(name: str, reason: str) -> DatabaseNotWritable:
    return DatabaseNotWritable(f"cannot write the status database {name}: {reason}; nothing was saved. Free disk "
                               f"space, or make the database writable again (its file, folder, volume or server), "
                               f"then repeat the change")


def _unavailable(name: str, reason: str, *, writing: bool) -> DatabaseUnavailable:
    unsaved = "; nothing was saved" if writing else ""
    return DatabaseUnavailable(f"cannot use the status database {name}: {reason}{unsaved}. Check that its file or "
                               f"server is there and reachable (GET /api/health), then try again")


class DatabaseWatch:
    """What a store knows of its database's health: the SQLite file it opened (by identity) and whether the last
    write failed because the database could not be written.

    Parameters
    ----------
    url
        The store's database URL; a SQLite file's identity is taken now, so create the file first.
    """

    def __init__(self, url: sa.URL) -> None:
        self.dialect = url.get_backend_name()
        self.path = sqlite_file(url)
        self.name = self.path.name if self.path is not None else (url.database or self.dialect)
        self.identity = file_identity(self.path) if self.path is not None else None
        self.last_write_error: str | None = None
        self._logged_fault = False

    def check(self) -> None:
        """Refuse when the SQLite file this store opened is no longer the file at its path.

        Raises
        ------
        DatabaseUnavailable
            When the file is gone or the path names another file.
        """
        if self.path is None:
            return
        now = file_identity(self.path)
        if self.identity is not None and now == self.identity:
            self._logged_fault = False
            return
        what = "is gone (deleted, or its volume unmounted)" if now is None else "was replaced by another file"
        if not self._logged_fault:  # once per outage in the server's log, with the full path
            logger.error("the status database file %s %s since it was opened", self.path, what)
            self._logged_fault = True
        raise DatabaseUnavailable(f"the status database file {self.name} {what} since the server opened it; "
                                  f"nothing is read or written until it is back. Restore the latest backup "
                                  f"(corridor restore FILE), then restart the server")

    @contextmanager
    def translating(self, *, writing: bool) -> Iterator[None]:
        """Turn driver errors that mean "unreachable" or "not writable" into :func:`database_fault`'s errors,
        remembering a write refused by the database for :meth:`write_problem`."""
        try:
            yield
        except sa.exc.DBAPIError as exc:
            fault = database_fault(exc, name=self.name, writing=writing)
            if fault is None:
                raise
            if isinstance(fault, DatabaseNotWritable):
                self.last_write_error = str(fault)
            raise fault from exc

    def wrote(self) -> None:
        """A write was committed: the database is writable again."""
        self.last_write_error = None

    def write_problem(self) -> str | None:
        """Why a write would fail now, as far as the file system tells (SQLite), else the last write's failure
        (a message naming the database, or ``None``)."""
        if self.path is not None and self.path.exists():
            if not os.access(self.path, os.W_OK):
                return f"cannot write the status database {self.name}: its file is read-only"
            if not os.access(self.path.parent, os.W_OK):
                return (f"cannot write the status database {self.name}: its folder is read-only (SQLite keeps its "
                        f"journal files beside the database)")
        return self.last_write_error
