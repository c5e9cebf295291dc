"""Saved inspection tours: a computed tour stored with its title, date and owner, for the field and the report.

A saved tour keeps the request it was planned from (as ``POST /api/tours`` takes it) and the computed tour (as it
answers), frozen when saved: the route driven on the day is the one that was planned, whatever the network or the
plan does later. Each save is one transaction with its audit-log entry (action ``tour_save``).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from geo.status import models
from geo.status.edits import Problems, check_text, parse_date
from geo.errors import UnknownItem, ValidationError
from geo.status.store import Store, as_utc, record_audit, utc_now

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 128
STOP_ROLE = "stop"  # the tour's points also hold the start and the return, which are no sites


class UnknownTour(UnknownItem):
    """A saved-tour id that names no saved tour (the web answers 404)."""

    def __init__(self, tour_id: object) -> None:
        super().__init__(f"no saved tour has the id {tour_id!r}; GET /api/tours/saved lists them",
                         item_id=str(tour_id))
        self.tour_id = tour_id


@dataclass(frozen=True)
class SavedTour:
    """A stored tour as the application sees one."""

    id: int
    title: str
    owner: str
    tour_date: date
    created_at: datetime
    request: dict[str, Any]
    result: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The tour as the API answers it (dates as ISO text)."""
        return {"id": self.id, "title": self.title, "tour_date": self.tour_date.isoformat(), "owner": self.owner,
                "created_at": self.created_at.isoformat(), "request": self.request, "result": self.result}

    def stops(self) -> list[dict[str, Any]]:
        """The sites visited, in order: the result's points that are stops (not the start or the return)."""
        return [point for point in self.result["points"] if point["role"] == STOP_ROLE]


def _from_row(row: models.SavedTour) -> SavedTour:
    return SavedTour(id=row.id, title=row.title, owner=row.owner, tour_date=row.tour_date,
                     created_at=as_utc(row.created_at), request=row.request, result=row.result)


def check_tour_fields(*, title: object, tour_date: object, result: Mapping[str, Any]) -> tuple[dict, list]:
    """The checked ``title`` and ``tour_date`` and every problem with them or with a result that visits no site."""
    problems = Problems("saved tour", None)
    values = {"title": check_text(title, "title", problems, max_chars=MAX_TITLE_CHARS, required=True),
              "tour_date": parse_date(tour_date, "tour_date", problems)}
    if not any(point.get("role") == STOP_ROLE for point in result.get("points", [])):
        problems.add("sites", "expected a tour visiting at least one site, got none", kind="required")
    return values, problems.found


def save_tour(store: Store, *, title: object, tour_date: object, owner: str, request: Mapping[str, Any],
              result: Mapping[str, Any]) -> SavedTour:
    """Store a computed tour and its audit entry in one transaction.

    Parameters
    ----------
    title, tour_date
        The tour's name (required, at most :data:`MAX_TITLE_CHARS` characters) and the day it is driven
        (a date or ``YYYY-MM-DD``); :class:`~geo.errors.ValidationError` names every bad one.
    owner
        The user saving it.
    request, result
        The tour request as ``POST /api/tours`` takes it and the tour as it answers (JSON-ready).
    """
    values, problems = check_tour_fields(title=title, tour_date=tour_date, result=result)
    if problems:
        raise ValidationError(problems)
    with store.write() as session:
        row = models.SavedTour(owner=owner, created_at=utc_now(), request=dict(request), result=dict(result),
                               **values)
        session.add(row)
        session.flush()
        sites = [point["id"] for point in result["points"] if point["role"] == STOP_ROLE]
        record_audit(session, actor=owner, action="tour_save", item_id=None,
                     details={"tour_id": row.id, "title": values["title"],
                              "tour_date": values["tour_date"].isoformat(), "sites": sites})
    logger.info("tour %d saved by %s: %s on %s, %d sites", row.id, owner, values["title"], values["tour_date"],
                len(sites))
    return _from_row(row)


def list_tours(store: Store) -> list[SavedTour]:
    """Every saved tour, the latest tour date first (then the latest saved)."""
    with store.read() as session:
        rows = session.scalars(sa.select(models.SavedTour)
                               .order_by(models.SavedTour.tour_date.desc(), models.SavedTour.id.desc()))
        return [_from_row(row) for row in rows]


def get_tour(store: Store, tour_id: int) -> SavedTour:
    """The saved tour ``tour_id``; :class:`UnknownTour` when there is none."""
    with store.read() as session:
        row = session.get(models.SavedTour, tour_id)
    if row is None:
        raise UnknownTour(tour_id)
    return _from_row(row)


def checked_in_sites(store: Store, tour_id: int) -> set[str]:
    """The sites of the tour that have at least one check-in."""
    with store.read() as session:
        return set(session.scalars(sa.select(models.TourCheckin.site_id).distinct()
                                   .where(models.TourCheckin.tour_id == tour_id)))


def next_stop(tour: SavedTour, *, checked_in: set[str]) -> str | None:
    """The site to drive to next: the first stop in order without a check-in (``None``: all visited)."""
    return next((stop["id"] for stop in tour.stops() if stop["id"] not in checked_in), None)
