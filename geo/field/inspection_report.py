"""The inspection report of a saved tour: each stop with its check-ins, photos and the item's status before and after.

A report is assembled from what the field mode stored (a :class:`geo.field.saved_tours.SavedTour`, its
:class:`~geo.status.models.TourCheckin` and :class:`~geo.status.models.TourPhoto` rows) and two status snapshots computed by the
three-colour rules (:mod:`geo.status.merged`):

- **before**: as the tour day began — reports dated before the tour date and check-offs effective before it, judged
  on the tour date (so a report turned from a finding, dated the check-in day, counts as *after*);
- **after**: everything reported up to ``today``, judged on ``today``.

:func:`assemble_report` is pure; :func:`load_report` reads the database and calls it.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from geo.status import models
from geo.status.merged import status_rows
from geo.field.saved_tours import SavedTour, get_tour
from geo.status.snapshot import item_states
from geo.status.store import Store, as_utc

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class StatusAt:
    """An item's status on a day: colour key and label, reported percent and state, the report's date; ``version``
    is the item's current version (what the next write must pass), whichever day the status is for."""

    colour: str
    colour_label: str
    percent: float | None
    state: str | None
    last_reported_on: str | None
    closed: bool
    as_of: str
    version: int

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> StatusAt:
        """From a :func:`geo.status.merged.status_row`."""
        return cls(colour=row["colour"], colour_label=row["colour_label"], percent=row["percent"],
                   state=row["state"], last_reported_on=row["last_reported_on"], closed=bool(row["closed"]),
                   as_of=row["as_of"], version=int(row["version"]))


@dataclass(frozen=True)
class Checkin:
    """One check-in at a stop, as stored (times aware, UTC)."""

    id: int
    client_id: str
    site_id: str
    checked_in_at: datetime
    distance_m: float | None
    far: bool
    accuracy_m: float | None
    note: str
    progress_estimate: int | None
    author: str

    @property
    def is_finding(self) -> bool:
        """Whether it says something a progress report could carry: a progress estimate or a note."""
        return self.progress_estimate is not None or bool(self.note.strip())


@dataclass(frozen=True)
class Photo:
    """One stored photo of a stop (the bytes are served by id)."""

    id: int
    site_id: str
    checkin_client_id: str | None
    width: int
    height: int
    taken_at: datetime | None


@dataclass(frozen=True)
class StopReport:
    """A stop of the tour in visiting order (``order`` from 1) with what was recorded there."""

    order: int
    site_id: str
    name: str
    lon: float
    lat: float
    planned_arrive: str | None
    checkins: tuple[Checkin, ...]
    photos: tuple[Photo, ...]
    before: StatusAt
    after: StatusAt

    @property
    def first_checkin(self) -> Checkin | None:
        """The arrival: the earliest check-in (``None`` when the stop was not checked in)."""
        return self.checkins[0] if self.checkins else None

    @property
    def progress_estimate(self) -> int | None:
        """The latest progress estimate made at the stop."""
        return next((c.progress_estimate for c in reversed(self.checkins) if c.progress_estimate is not None), None)

    @property
    def notes(self) -> str:
        """Every check-in note of the stop, one per line."""
        return "\n".join(c.note.strip() for c in self.checkins if c.note.strip())


@dataclass(frozen=True)
class InspectionReport:
    """A saved tour after the fact: its stops, the route legs (lists of ``[lon, lat]``), the start, the days."""

    tour_id: int
    title: str
    owner: str
    tour_date: date
    today: date
    stops: tuple[StopReport, ...]
    route: tuple[tuple[tuple[float, float], ...], ...]
    start: tuple[float, float] | None
    start_name: str | None

    @property
    def checked_in(self) -> int:
        """How many stops have at least one check-in."""
        return sum(1 for stop in self.stops if stop.checkins)

    @property
    def photo_count(self) -> int:
        """How many photos the tour holds."""
        return sum(len(stop.photos) for stop in self.stops)


def route_lines(result: Mapping[str, object]) -> tuple[tuple[tuple[float, float], ...], ...]:
    """The route's legs as ``((lon, lat), ...)`` lines."""
    return tuple(tuple((float(x), float(y)) for x, y in leg["geometry"]["coordinates"])
                 for leg in result.get("legs", []) if leg.get("geometry"))


def assemble_report(tour: SavedTour, *, checkins: Iterable[Checkin], photos: Iterable[Photo],
                    before: Mapping[str, Mapping[str, object]], after: Mapping[str, Mapping[str, object]],
                    today: date) -> InspectionReport:
    """Put a saved tour, its check-ins and photos and the two status snapshots (status rows keyed by item id) into
    a report; check-ins and photos of sites that are not stops of the tour are left out."""
    checkins_of: dict[str, list[Checkin]] = {}
    for checkin in sorted(checkins, key=lambda c: (c.checked_in_at, c.id)):
        checkins_of.setdefault(checkin.site_id, []).append(checkin)
    photos_of: dict[str, list[Photo]] = {}
    for photo in sorted(photos, key=lambda p: p.id):
        photos_of.setdefault(photo.site_id, []).append(photo)
    stops = tuple(
        StopReport(order=order, site_id=point["id"], name=point["name"], lon=float(point["lon"]),
                   lat=float(point["lat"]), planned_arrive=point.get("arrive"),
                   checkins=tuple(checkins_of.get(point["id"], ())), photos=tuple(photos_of.get(point["id"], ())),
                   before=StatusAt.from_row(before[point["id"]]), after=StatusAt.from_row(after[point["id"]]))
        for order, point in enumerate(tour.stops(), start=1))
    start = next((p for p in tour.result.get("points", []) if p.get("role") == "start"), None)
    return InspectionReport(tour_id=tour.id, title=tour.title, owner=tour.owner, tour_date=tour.tour_date,
                            today=today, stops=stops, route=route_lines(tour.result),
                            start=(float(start["lon"]), float(start["lat"])) if start else None,
                            start_name=start["name"] if start else None)


def _checkin(row: models.TourCheckin) -> Checkin:
    return Checkin(id=row.id, client_id=row.client_id, site_id=row.site_id, checked_in_at=as_utc(row.checked_in_at),
                   distance_m=row.distance_m, far=row.far, accuracy_m=row.accuracy_m, note=row.note or "",
                   progress_estimate=row.progress_estimate, author=row.author)


def _photo(row: models.TourPhoto) -> Photo:
    return Photo(id=row.id, site_id=row.site_id, checkin_client_id=row.checkin_client_id, width=row.width,
                 height=row.height, taken_at=as_utc(row.taken_at) if row.taken_at else None)


def statuses_on(store: Store, item_ids: Sequence[str], *, reports_until: date, judged_on: date) -> dict[str, dict]:
    """Status rows of ``item_ids`` counting reports and check-offs dated up to ``reports_until``, with colours
    judged on ``judged_on`` (:func:`geo.status.merged.status_rows`)."""
    states = item_states(store, as_of=reports_until, item_ids=list(item_ids))
    return status_rows(states, item_ids, as_of=judged_on)


def load_report(store: Store, tour_id: int, *, today: date) -> InspectionReport:
    """The inspection report of the saved tour ``tour_id`` with the status after as of ``today``.

    Raises
    ------
    geo.field.saved_tours.UnknownTour
        When no saved tour has that id.
    """
    tour = get_tour(store, tour_id)
    with store.read() as session:
        checkins = [_checkin(row) for row in session.scalars(
            sa.select(models.TourCheckin).where(models.TourCheckin.tour_id == tour_id))]
        photos = [_photo(row) for row in session.scalars(
            sa.select(models.TourPhoto).where(models.TourPhoto.tour_id == tour_id))]
    site_ids = [point["id"] for point in tour.stops()]
    before = statuses_on(store, site_ids, reports_until=tour.tour_date - timedelta(days=1), judged_on=tour.tour_date)
    after = statuses_on(store, site_ids, reports_until=today, judged_on=today)
    logger.debug("inspection report of tour %d: %d stops, %d check-ins, %d photos", tour_id, len(site_ids),
                 len(checkins), len(photos))
    return assemble_report(tour, checkins=checkins, photos=photos, before=before, after=after, today=today)
