"""The status database's tables (SQLAlchemy 2.x declarative models).

The GeoJSON layers stay the plan's baseline; these tables hold what changes during the year: progress reports
(history, never overwritten), check-off events, geometry versions (with how each was made), milestones, item
periods, actual values of Attachment 1's targets, users and the audit log; and, transient (left out of backups),
login sessions and login counters. ``items`` carries one row per edited item with its ``version`` counter for
optimistic concurrency (a target's cell for one park counts as an item: ``A1-1@P1``).
The Alembic revisions in ``migrations/versions`` create exactly these tables (``tests/test_store.py`` checks it).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo.status.colours import COLOURS, STATES

ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
CHECK_ACTIONS: tuple[str, ...] = ("close", "reopen")
# How a stored geometry version was made: drawn by clicking in the item page's editor, a GeoJSON file loaded there
# (origin unknown), an imported survey file, or the plan's baseline geometry put back by a revert.
HAND_DRAWN, UPLOADED, SURVEYED, BASELINE = "hand_drawn", "uploaded", "surveyed", "baseline"
GEOMETRY_EDIT_SOURCES: tuple[str, ...] = (HAND_DRAWN, UPLOADED, SURVEYED, BASELINE)

ITEM_ID = sa.String(32)
MAX_ROW_ID = 2**31 - 1  # the largest id an Integer primary key holds everywhere: URLs refuse larger ones (404)
PERSON = sa.String(64)
NAME_KEY = sa.String(128)  # NFKC and case folding can lengthen a name written before the name rules
TRANSIENT = "transient"  # Table.info flag: sessions and login counters, not data to back up
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Item(Base):
    """An edited block, project or task: its concurrency version and its period (null = the plan year)."""

    __tablename__ = "items"
    __table_args__ = (sa.CheckConstraint("version >= 1", name="version_positive"),
                      sa.CheckConstraint("period_start IS NULL OR period_end IS NULL OR period_start < period_end",
                                         name="period_order"))

    item_id: Mapped[str] = mapped_column(ITEM_ID, primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    period_start: Mapped[date | None] = mapped_column(sa.Date)
    period_end: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class ProgressReport(Base):
    """One progress report; the item's current state is its latest (by ``reported_on``, then ``id``)."""

    __tablename__ = "progress_reports"
    __table_args__ = (sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
                      sa.CheckConstraint(_one_of("state", STATES), name="state_value"),
                      sa.CheckConstraint(f"reported_colour IS NULL OR {_one_of('reported_colour', COLOURS)}",
                                         name="reported_colour_value"),
                      sa.Index("ix_progress_reports_latest", "item_id", "reported_on", "id"))

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ITEM_ID, sa.ForeignKey("items.item_id"), nullable=False)
    percent: Mapped[float] = mapped_column(sa.Float, nullable=False)
    state: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False)
    reported_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    reporter: Mapped[str] = mapped_column(PERSON, nullable=False)
    reported_colour: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class CheckEvent(Base):
    """Closing (销号) or reopening an item, effective on a date; the latest event decides."""

    __tablename__ = "check_events"
    __table_args__ = (sa.CheckConstraint(_one_of("action", CHECK_ACTIONS), name="action_value"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ITEM_ID, sa.ForeignKey("items.item_id"), nullable=False, index=True)
    action: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False)
    effective_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    actor: Mapped[str] = mapped_column(PERSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class GeometryVersion(Base):
    """A geometry replacing the item's baseline one; the highest version is current. ``source`` says how it was
    made (:data:`GEOMETRY_EDIT_SOURCES`); a revert copies an earlier version's geometry and source and names it in
    ``restored_from`` (0: the plan's baseline)."""

    __tablename__ = "geometry_versions"
    __table_args__ = (sa.UniqueConstraint("item_id", "version", name="uq_geometry_versions_item_version"),
                      sa.CheckConstraint(_one_of("source", GEOMETRY_EDIT_SOURCES), name="source_value"),
                      sa.CheckConstraint("restored_from IS NULL OR restored_from >= 0", name="restored_from_positive"))

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ITEM_ID, sa.ForeignKey("items.item_id"), nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    geometry: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    source: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    restored_from: Mapped[int | None] = mapped_column(sa.Integer)
    author: Mapped[str] = mapped_column(PERSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Milestone(Base):
    """An expected percentage by a date; when an item has any, expected progress runs through them."""

    __tablename__ = "milestones"
    __table_args__ = (sa.UniqueConstraint("item_id", "due_on", name="uq_milestones_item_due_on"),
                      sa.CheckConstraint("expected_percent >= 0 AND expected_percent <= 100",
                                         name="expected_percent_range"))

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ITEM_ID, sa.ForeignKey("items.item_id"), nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    expected_percent: Mapped[float] = mapped_column(sa.Float, nullable=False)


class TargetActual(Base):
    """An actual value of a target of Attachment 1 for one park (or the zone's total) and quarter: the cumulative
    year-to-date figure at the quarter's end. History is kept; the latest report (by ``reported_on``, then ``id``)
    of a (target, park, year, quarter) is its current value.

    ``item_id`` is the (target, park) cell's key in ``items`` (``A1-1@P1``): it carries the cell's version and
    names it in the audit log. Targets live in ``data/targets.csv``, not here, so ``target_id`` is no foreign key.
    """

    __tablename__ = "target_actuals"
    __table_args__ = (sa.CheckConstraint("quarter >= 1 AND quarter <= 4", name="quarter_range"),
                      sa.CheckConstraint("item_id = target_id || '@' || park", name="item_id_is_cell"),
                      sa.Index("ix_target_actuals_latest", "target_id", "park", "year", "quarter", "reported_on",
                               "id"))

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ITEM_ID, sa.ForeignKey("items.item_id"), nullable=False)
    target_id: Mapped[str] = mapped_column(ITEM_ID, nullable=False)
    park: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    quarter: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    value: Mapped[float] = mapped_column(sa.Float, nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False)
    reported_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    reporter: Mapped[str] = mapped_column(PERSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class User(Base):
    """A person who may sign in; ``password_hash`` is a salted scrypt hash, never the password. ``name_key`` is the
    name NFKC-normalised and case-folded (:func:`geo.accounts.credentials.name_key`): names are unique ignoring case.
    A disabled user (``active`` false) cannot sign in."""

    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(_one_of("role", ROLES), name="role_value"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(PERSON, nullable=False, unique=True)
    name_key: Mapped[str] = mapped_column(NAME_KEY, nullable=False, unique=True)
    role: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(256), nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, server_default=sa.true())


class UserSession(Base):
    """A signed-in browser (:mod:`geo.accounts.sessions`): the SHA-256 of the token its cookie holds. Deleting the row ends
    the session. Transient: backups leave it out, and restoring users (deleting them) ends their sessions."""

    __tablename__ = "user_sessions"
    __table_args__ = {"info": {TRANSIENT: True}}

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class LoginCounter(Base):
    """Login attempts counted per account key and client address (``*``: all addresses) within a window that
    began at ``window_start``, and the last successful login from there (:mod:`geo.accounts.login_limits`; times in
    seconds since the epoch). Transient: backups leave it out."""

    __tablename__ = "login_counters"
    __table_args__ = (sa.Index("ix_login_counters_window_start", "window_start"), {"info": {TRANSIENT: True}})

    account: Mapped[str] = mapped_column(NAME_KEY, primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_start: Mapped[float] = mapped_column(sa.Float, nullable=False)
    failures: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    last_success: Mapped[float | None] = mapped_column(sa.Float)


class AuditEntry(Base):
    """Who did what, when, to which item; written in the same transaction as the change itself."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False, index=True)
    actor: Mapped[str] = mapped_column(PERSON, nullable=False)
    action: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    item_id: Mapped[str | None] = mapped_column(ITEM_ID, index=True)
    details: Mapped[dict] = mapped_column(sa.JSON, nullable=False)


class SavedTour(Base):
    """An inspection tour stored for the field: the request it was computed from (as ``/api/tours`` takes it) and
    the computed tour (as ``/api/tours`` answers it), frozen when saved so the route on the day is the one planned."""

    __tablename__ = "saved_tours"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    owner: Mapped[str] = mapped_column(PERSON, nullable=False)
    tour_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    request: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    result: Mapped[dict] = mapped_column(sa.JSON, nullable=False)


class TourCheckin(Base):
    """Arriving at a stop of a saved tour: where the device was (``distance_m`` to the site's geometry, ``far`` when
    over 500 m), a note and a progress estimate. ``client_id`` is made on the device, so a retried upload is
    recognised instead of stored twice."""

    __tablename__ = "tour_checkins"
    __table_args__ = (sa.CheckConstraint("progress_estimate IS NULL OR (progress_estimate >= 0 AND "
                                         "progress_estimate <= 100)", name="progress_estimate_range"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    tour_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("saved_tours.id"), nullable=False, index=True)
    site_id: Mapped[str] = mapped_column(ITEM_ID, nullable=False)
    checked_in_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    distance_m: Mapped[float | None] = mapped_column(sa.Float)
    far: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False)
    progress_estimate: Mapped[int | None] = mapped_column(sa.Integer)
    author: Mapped[str] = mapped_column(PERSON, nullable=False)


class TourPhoto(Base):
    """A photo taken at a stop: the bytes live in the media store under ``storage_key`` (re-encoded, without
    metadata); the location the original's EXIF gave is kept here as data."""

    __tablename__ = "tour_photos"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    tour_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("saved_tours.id"), nullable=False, index=True)
    site_id: Mapped[str] = mapped_column(ITEM_ID, nullable=False)
    checkin_client_id: Mapped[str | None] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    media_type: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    bytes: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    width: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    height: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    exif_lat: Mapped[float | None] = mapped_column(sa.Float)
    exif_lon: Mapped[float | None] = mapped_column(sa.Float)
    taken_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    author: Mapped[str] = mapped_column(PERSON, nullable=False)
