"""Writing to the status database: progress reports, check-off, geometry versions, periods and milestones.

Every function here is one transaction: it validates the input (raising :class:`~geo.errors.ValidationError`
naming every bad field, or :class:`~geo.errors.UnknownItem` for an id the plan does not have; department
tasks are named through :class:`~geo.plan.target_plan.TargetPlan`), moves the item from
``expected_version`` to the next version (:class:`~geo.errors.EditConflict` if someone else got there first),
writes the change and its audit-log entry, and commits — or changes nothing at all.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.status import models
from geo.status.edits import check_check_off, check_geometry_edit, check_milestones, check_period, check_report
from geo.errors import ValidationError
from geo.plan.layers import PlanData
from geo.status.plausibility import require_confirmation, unusual_report
from geo.status.snapshot import (
    Actual, CheckEvent, GeometryVersion, Report, event_from_row, geometry_from_row, report_from_row,
)
from geo.status.colours import PLAN_YEAR_END, PLAN_YEAR_START, Milestone
from geo.status.store import Store, bump_version, record_audit, utc_now
from geo.plan.validate import Problem

logger = logging.getLogger(__name__)

EDITABLE_SOURCES: tuple[str, ...] = (models.HAND_DRAWN, models.UPLOADED, models.SURVEYED)


class Catalogue(Protocol):
    """What knows the items a write may name: :class:`~geo.plan.layers.PlanData` (blocks, roads, tasks) or
    :class:`~geo.plan.target_plan.TargetPlan` (department tasks)."""

    def layer_of(self, item_id: str) -> str:
        """The item's layer name; :class:`~geo.errors.UnknownItem` for an id it does not hold."""


@dataclass(frozen=True)
class Written:
    """The outcome of a write: the item's new version (pass it as ``expected_version`` next time) and the record."""

    item_id: str
    version: int
    record: Report | CheckEvent | GeometryVersion | tuple[Milestone, ...] | dict | Actual


def _raise_if(problems: list) -> None:
    if problems:
        raise ValidationError(problems)


def add_report(store: Store, plan: Catalogue, item_id: str, *, percent: object, state: object, reported_on: object,
               reporter: object, expected_version: int, note: object = "", reported_colour: object = None,
               today: date | None = None, confirmed: bool = False) -> Written:
    """Add a progress report for ``item_id`` (history is kept; the latest report is the current state). A percent
    below the previous report's (the latest dated on or before it) needs ``confirmed``
    (:func:`geo.status.plausibility.unusual_report`).

    Parameters
    ----------
    percent, state, reported_on, reporter, note, reported_colour
        As :func:`geo.status.edits.check_report` accepts them.
    expected_version
        The item's version when the caller read it.
    today
        The date reports may not be after (default: the system's date).
    """
    plan.layer_of(item_id)
    values, problems = check_report(item_id, percent=percent, state=state, note=note, reported_on=reported_on,
                                    reporter=reporter, reported_colour=reported_colour,
                                    today=today or date.today())
    _raise_if(problems)
    with store.write() as session:
        version = bump_version(session, item_id, expected_version)
        findings = unusual_report(item_id, values["percent"], _previous_report(session, item_id, values["reported_on"]))
        confirmed_kinds = require_confirmation(findings, confirmed=confirmed)
        row = models.ProgressReport(item_id=item_id, created_at=utc_now(), **values)
        session.add(row)
        session.flush()
        record_audit(session, actor=values["reporter"], action="report", item_id=item_id,
                     details={**values, "reported_on": values["reported_on"].isoformat(), "report_id": row.id,
                              "version": version, **({"confirmed": confirmed_kinds} if confirmed_kinds else {})})
    logger.info("report %d on %s by %s: %s %g%%", row.id, item_id, values["reporter"], values["state"],
                values["percent"])
    return Written(item_id, version, report_from_row(row))


def _previous_report(session: Session, item_id: str, on: date) -> Report | None:
    row = session.scalar(sa.select(models.ProgressReport)
                         .where(models.ProgressReport.item_id == item_id, models.ProgressReport.reported_on <= on)
                         .order_by(models.ProgressReport.reported_on.desc(), models.ProgressReport.id.desc()).limit(1))
    return report_from_row(row) if row is not None else None


def _latest_event(session: Session, item_id: str) -> models.CheckEvent | None:
    return session.scalar(sa.select(models.CheckEvent).where(models.CheckEvent.item_id == item_id)
                          .order_by(models.CheckEvent.effective_on.desc(), models.CheckEvent.id.desc()).limit(1))


def _check_off(store: Store, plan: Catalogue, item_id: str, *, closing: bool, note: object, effective_on: object,
               actor: object, expected_version: int, today: date | None) -> Written:
    plan.layer_of(item_id)
    with store.write() as session:
        version = bump_version(session, item_id, expected_version)
        latest = _latest_event(session, item_id)
        values, problems = check_check_off(item_id, closing=closing,
                                           currently_closed=latest is not None and latest.action == "close",
                                           note=note, effective_on=effective_on, actor=actor,
                                           today=today or date.today())
        _raise_if(problems)
        action = "close" if closing else "reopen"
        row = models.CheckEvent(item_id=item_id, action=action, created_at=utc_now(), **values)
        session.add(row)
        session.flush()
        record_audit(session, actor=values["actor"], action=action, item_id=item_id,
                     details={"note": values["note"], "effective_on": values["effective_on"].isoformat(),
                              "event_id": row.id, "version": version})
    logger.info("%s %s by %s", action, item_id, values["actor"])
    return Written(item_id, version, event_from_row(row))


def close_item(store: Store, plan: Catalogue, item_id: str, *, note: object, actor: object, expected_version: int,
               effective_on: object | None = None, today: date | None = None) -> Written:
    """Close (销号) an item with a note, effective on ``effective_on`` (default ``today``); it must be open."""
    today = today or date.today()
    return _check_off(store, plan, item_id, closing=True, note=note, actor=actor, today=today,
                      effective_on=effective_on or today, expected_version=expected_version)


def reopen_item(store: Store, plan: Catalogue, item_id: str, *, note: object, actor: object, expected_version: int,
                effective_on: object | None = None, today: date | None = None) -> Written:
    """Reopen a closed item, giving the reason in ``note``; the reopening is logged like the closing."""
    today = today or date.today()
    return _check_off(store, plan, item_id, closing=False, note=note, actor=actor, today=today,
                      effective_on=effective_on or today, expected_version=expected_version)


def add_geometry_version(store: Store, plan: PlanData, item_id: str, geojson: object, *, author: str,
                         expected_version: int, source: object = models.HAND_DRAWN, **limits: float) -> Written:
    """Store a geometry for ``item_id`` as its next geometry version, after :func:`geo.status.edits.check_geometry_edit`
    (``limits``: its ``tolerance_m``, ``max_vertices``, ``max_area_km2``, ``max_length_km``).

    Parameters
    ----------
    source
        How it was made: ``hand_drawn`` (drawn by clicking), ``uploaded`` (a GeoJSON file of unknown origin) or
        ``surveyed`` (an imported survey file: only an import says so). ``baseline`` is a revert's alone
        (:func:`geo.status.geometry_versions.restore_geometry_version`).
    """
    geometry, problems = check_geometry_edit(plan, item_id, geojson, **limits)
    if source not in EDITABLE_SOURCES:
        problems.append(Problem("geometry edit", item_id, "source",
                                f"expected one of {', '.join(EDITABLE_SOURCES)}, got {source!r}"))
    _raise_if(problems)
    with store.write() as session:
        version = bump_version(session, item_id, expected_version)
        row = store_geometry_version(session, item_id, geometry, source=source, author=author,
                                     details={"version": version})
    logger.info("geometry version %d of %s by %s (%s)", row.version, item_id, author, source)
    return Written(item_id, version, geometry_from_row(row))


def store_geometry_version(session: Session, item_id: str, geometry: shapely.Geometry, *, source: str, author: str,
                           details: dict, restored_from: int | None = None) -> models.GeometryVersion:
    """Add ``geometry`` as the item's next geometry version and its audit entry (``geometry``, or
    ``geometry_revert`` when ``restored_from`` is given) to the session's transaction."""
    latest = session.scalar(sa.select(sa.func.max(models.GeometryVersion.version))
                            .where(models.GeometryVersion.item_id == item_id)) or 0
    row = models.GeometryVersion(item_id=item_id, version=latest + 1, geometry=json.loads(shapely.to_geojson(geometry)),
                                 source=source, restored_from=restored_from, author=author, created_at=utc_now())
    session.add(row)
    revert = {} if restored_from is None else {"restored_from": restored_from}
    record_audit(session, actor=author, action="geometry" if restored_from is None else "geometry_revert",
                 item_id=item_id, details={"geometry_version": latest + 1, "source": source, **revert,
                                           "geometry_type": geometry.geom_type,
                                           "vertices": int(shapely.get_num_coordinates(geometry)), **details})
    return row


def _milestones(session: Session, item_id: str) -> tuple[Milestone, ...]:
    rows = session.scalars(sa.select(models.Milestone).where(models.Milestone.item_id == item_id)
                           .order_by(models.Milestone.due_on))
    return tuple(Milestone(r.due_on, r.expected_percent) for r in rows)


def set_period(store: Store, plan: Catalogue, item_id: str, *, start: object, end: object, actor: str,
               expected_version: int) -> Written:
    """Set the item's period (both ``None``: back to the plan year); its milestones must still fit inside."""
    plan.layer_of(item_id)
    values, problems = ({"start": None, "end": None}, []) if start is None and end is None else check_period(
        item_id, start=start, end=end)
    _raise_if(problems)
    with store.write() as session:
        version = bump_version(session, item_id, expected_version)
        _, problems = check_milestones(item_id, _milestones(session, item_id),
                                       start=values["start"] or PLAN_YEAR_START, end=values["end"] or PLAN_YEAR_END)
        _raise_if(problems)
        session.execute(sa.update(models.Item).where(models.Item.item_id == item_id)
                        .values(period_start=values["start"], period_end=values["end"]))
        details = {k: v.isoformat() if v else None for k, v in values.items()}
        record_audit(session, actor=actor, action="period", item_id=item_id, details={**details, "version": version})
    return Written(item_id, version, values)


def set_milestones(store: Store, plan: Catalogue, item_id: str, milestones: list, *, actor: str,
                   expected_version: int) -> Written:
    """Replace the item's milestones (an empty list removes them) after :func:`geo.status.edits.check_milestones`."""
    plan.layer_of(item_id)
    with store.write() as session:
        version = bump_version(session, item_id, expected_version)
        item = session.get(models.Item, item_id)
        parsed, problems = check_milestones(item_id, milestones, start=item.period_start or PLAN_YEAR_START,
                                            end=item.period_end or PLAN_YEAR_END)
        _raise_if(problems)
        previous = _milestones(session, item_id)
        session.execute(sa.delete(models.Milestone).where(models.Milestone.item_id == item_id))
        session.add_all(models.Milestone(item_id=item_id, due_on=m.due_on, expected_percent=m.percent)
                        for m in parsed)
        record_audit(session, actor=actor, action="milestones", item_id=item_id, details={
            "before": [[m.due_on.isoformat(), m.percent] for m in previous],
            "after": [[m.due_on.isoformat(), m.percent] for m in parsed], "version": version})
    return Written(item_id, version, parsed)
