"""Reading the status database: each item's current state (optionally as of a date), histories, the audit log, and
every kind of stored row as a plain record (reports, check-off events, geometry versions, target actuals)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from geo.plan.quarters import Quarter
from geo.status import models
from geo.status.colours import Milestone
from geo.status.store import Store, as_utc


@dataclass(frozen=True)
class Report:
    """One progress report as stored."""

    id: int
    item_id: str
    percent: float
    state: str
    note: str
    reported_on: date
    reporter: str
    reported_colour: str | None
    created_at: datetime


@dataclass(frozen=True)
class CheckEvent:
    """One close (销号) or reopen event."""

    id: int
    item_id: str
    action: str
    note: str
    effective_on: date
    actor: str
    created_at: datetime


@dataclass(frozen=True)
class GeometryVersion:
    """One stored geometry of an item (GeoJSON geometry object), how it was made (``source``, one of
    :data:`geo.status.models.GEOMETRY_EDIT_SOURCES`) and, for a revert, the version it copies (0: the plan's baseline)."""

    item_id: str
    version: int
    geometry: dict
    source: str
    author: str
    created_at: datetime
    restored_from: int | None = None


@dataclass(frozen=True)
class Actual:
    """One reported actual value of an Attachment 1 target as stored (:mod:`geo.status.target_records`)."""

    id: int
    target_id: str
    park: str
    quarter: Quarter
    value: float
    note: str
    reported_on: date
    reporter: str
    created_at: datetime


@dataclass(frozen=True)
class AuditRecord:
    """One audit-log entry."""

    id: int
    at: datetime
    actor: str
    action: str
    item_id: str | None
    details: dict


@dataclass(frozen=True)
class ItemState:
    """Everything the database knows about one item, as of a date.

    ``version`` is what the next edit must pass as ``expected_version`` (0: never edited). ``period_start`` and
    ``period_end`` are ``None`` when the item runs over the plan year.
    """

    item_id: str
    version: int = 0
    period_start: date | None = None
    period_end: date | None = None
    milestones: tuple[Milestone, ...] = ()
    report: Report | None = None
    closing: CheckEvent | None = None
    geometry: GeometryVersion | None = None
    report_count: int = 0

    @property
    def closed(self) -> bool:
        """True when the latest check-off event (as of the snapshot's date) closed the item."""
        return self.closing is not None


def report_from_row(row: models.ProgressReport) -> Report:
    """The stored report as a plain record."""
    return Report(id=row.id, item_id=row.item_id, percent=row.percent, state=row.state, note=row.note,
                  reported_on=row.reported_on, reporter=row.reporter, reported_colour=row.reported_colour,
                  created_at=as_utc(row.created_at))


def event_from_row(row: models.CheckEvent) -> CheckEvent:
    """The stored check-off event as a plain record."""
    return CheckEvent(id=row.id, item_id=row.item_id, action=row.action, note=row.note,
                      effective_on=row.effective_on, actor=row.actor, created_at=as_utc(row.created_at))


def geometry_from_row(row: models.GeometryVersion) -> GeometryVersion:
    """The stored geometry version as a plain record."""
    return GeometryVersion(item_id=row.item_id, version=row.version, geometry=row.geometry, source=row.source,
                           author=row.author, created_at=as_utc(row.created_at), restored_from=row.restored_from)


def actual_from_row(row: models.TargetActual) -> Actual:
    """The stored actual as a plain record."""
    return Actual(id=row.id, target_id=row.target_id, park=row.park, quarter=Quarter(row.year, row.quarter),
                  value=row.value, note=row.note, reported_on=row.reported_on, reporter=row.reporter,
                  created_at=as_utc(row.created_at))


def latest_rows(entity, partition, order: list, where: list):
    """Rows of ``entity`` that come last within their ``partition`` by ``order`` (descending), after ``where``."""
    rank = sa.func.row_number().over(partition_by=partition, order_by=[o.desc() for o in order]).label("rank")
    ranked = sa.select(entity.id.label("row_id"), rank).where(*where).subquery()
    return sa.select(entity).join(ranked, ranked.c.row_id == entity.id).where(ranked.c.rank == 1)


def item_states(store: Store, *, as_of: date | None = None, item_ids: list[str] | None = None,
                geometry_before: datetime | None = None) -> dict[str, ItemState]:
    """The state of every item the database knows, keyed by id; items never edited are absent.

    Parameters
    ----------
    as_of
        Only reports with ``reported_on <= as_of`` and check-off events effective by then count (``None``: all).
        Periods, milestones and geometries are always the current ones: they correct the plan, not progress.
    item_ids
        Restrict to these ids.
    geometry_before
        Only geometry versions created before this moment count (``None``: all); :mod:`geo.status.as_of` passes the end of
        the as-of day, so that a map of the past shows the geometries of then.
    """
    def only(column) -> list:
        return [column.in_(item_ids)] if item_ids is not None else []

    report_filter = only(models.ProgressReport.item_id) + (
        [models.ProgressReport.reported_on <= as_of] if as_of else [])
    event_filter = only(models.CheckEvent.item_id) + ([models.CheckEvent.effective_on <= as_of] if as_of else [])
    geometry_filter = [models.GeometryVersion.created_at < geometry_before] if geometry_before else []
    with store.read() as session:
        items = session.scalars(sa.select(models.Item).where(*only(models.Item.item_id))).all()
        reports = session.scalars(latest_rows(models.ProgressReport, models.ProgressReport.item_id,
                                          [models.ProgressReport.reported_on, models.ProgressReport.id],
                                          report_filter)).all()
        counts = dict(session.execute(sa.select(models.ProgressReport.item_id, sa.func.count())
                                      .where(*report_filter).group_by(models.ProgressReport.item_id)).all())
        events = session.scalars(latest_rows(models.CheckEvent, models.CheckEvent.item_id,
                                         [models.CheckEvent.effective_on, models.CheckEvent.id], event_filter)).all()
        geometries = session.scalars(latest_rows(models.GeometryVersion, models.GeometryVersion.item_id,
                                             [models.GeometryVersion.version],
                                             only(models.GeometryVersion.item_id) + geometry_filter)).all()
        milestones = session.scalars(sa.select(models.Milestone).where(*only(models.Milestone.item_id))
                                     .order_by(models.Milestone.due_on)).all()
    report_of = {r.item_id: report_from_row(r) for r in reports}
    closing_of = {e.item_id: event_from_row(e) for e in events if e.action == "close"}
    geometry_of = {g.item_id: geometry_from_row(g) for g in geometries}
    milestones_of: dict[str, list[Milestone]] = {}
    for m in milestones:
        milestones_of.setdefault(m.item_id, []).append(Milestone(m.due_on, m.expected_percent))
    return {item.item_id: ItemState(item_id=item.item_id, version=item.version, period_start=item.period_start,
                                    period_end=item.period_end, milestones=tuple(milestones_of.get(item.item_id, ())),
                                    report=report_of.get(item.item_id), closing=closing_of.get(item.item_id),
                                    geometry=geometry_of.get(item.item_id), report_count=counts.get(item.item_id, 0))
            for item in items}


def item_state(store: Store, item_id: str, *, as_of: date | None = None) -> ItemState:
    """The state of one item; an item never edited has version 0 and nothing else."""
    return item_states(store, as_of=as_of, item_ids=[item_id]).get(item_id, ItemState(item_id=item_id))


def report_history(store: Store, item_id: str) -> list[Report]:
    """Every progress report of ``item_id``, latest first (by ``reported_on``, then ``id``)."""
    with store.read() as session:
        rows = session.scalars(sa.select(models.ProgressReport).where(models.ProgressReport.item_id == item_id)
                               .order_by(models.ProgressReport.reported_on.desc(), models.ProgressReport.id.desc()))
        return [report_from_row(r) for r in rows]


def check_history(store: Store, item_id: str) -> list[CheckEvent]:
    """Every close/reopen event of ``item_id``, latest first."""
    with store.read() as session:
        rows = session.scalars(sa.select(models.CheckEvent).where(models.CheckEvent.item_id == item_id)
                               .order_by(models.CheckEvent.effective_on.desc(), models.CheckEvent.id.desc()))
        return [event_from_row(r) for r in rows]


def geometry_history(store: Store, item_id: str) -> list[GeometryVersion]:
    """Every stored geometry version of ``item_id``, newest version first."""
    with store.read() as session:
        rows = session.scalars(sa.select(models.GeometryVersion).where(models.GeometryVersion.item_id == item_id)
                               .order_by(models.GeometryVersion.version.desc()))
        return [geometry_from_row(r) for r in rows]


def audit_entries(store: Store, *, item_id: str | None = None, limit: int = 200) -> list[AuditRecord]:
    """The latest ``limit`` audit-log entries (for ``item_id`` only, if given), newest first."""
    query = sa.select(models.AuditEntry).order_by(models.AuditEntry.id.desc()).limit(limit)
    if item_id is not None:
        query = query.where(models.AuditEntry.item_id == item_id)
    with store.read() as session:
        return [AuditRecord(id=a.id, at=as_utc(a.at), actor=a.actor, action=a.action, item_id=a.item_id,
                            details=a.details) for a in session.scalars(query)]


def latest_change_id(store: Store) -> int:
    """The id of the newest audit-log entry (0 when empty): it grows with every committed write, so callers can
    key caches of derived data (merged layers, bulletins) on it together with the date."""
    return int(store.read_value(_LATEST_CHANGE))


# Read on every request (the pages' cache version), so it takes the store's cheapest path; an index lookup.
_LATEST_CHANGE = f"SELECT coalesce(max(id), 0) FROM {models.AuditEntry.__tablename__}"


def geometry_change_id(store: Store) -> int:
    """The id of the newest geometry version (0 when none): changes only when a geometry version is stored, so
    serialised geometries can be cached on it."""
    with store.read() as session:
        return session.scalar(sa.select(sa.func.coalesce(sa.func.max(models.GeometryVersion.id), 0)))


@dataclass(frozen=True)
class ChangeMark:
    """One audit-log entry as a point in the database's history: its id and time, and the item it touched."""

    id: int
    at: datetime
    item_id: str | None


def changes_since(store: Store, change_id: int) -> list[ChangeMark]:
    """The audit-log entries with ``id >= change_id``, oldest first: the entry ``change_id`` itself (to check that
    the history a caller saw is still there: a restore rewrites it) and every later one."""
    query = (sa.select(models.AuditEntry.id, models.AuditEntry.at, models.AuditEntry.item_id)
             .where(models.AuditEntry.id >= change_id).order_by(models.AuditEntry.id))
    with store.read() as session:
        return [ChangeMark(id=row.id, at=as_utc(row.at), item_id=row.item_id) for row in session.execute(query)]
