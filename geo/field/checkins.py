"""Check-ins at the stops of a saved tour: where the device was, how far that is from the site, a note and a
progress estimate; idempotent by the device's ``client_id`` (see :mod:`geo.field.submissions`).

The distance is measured in EPSG:32651 from the device's position to the site's *current* geometry: its latest
stored geometry version, else the plan's (a block task follows its block's stored polygon, as in
:func:`geo.status.merged.merge_states`); 0 inside a polygon. A check-in further than :data:`FAR_M` from the site is kept
and flagged ``far`` (the phone may be on the wrong side of a river, or the site drawn in the wrong place).
A check-in without a position, or at a site without a geometry, has no distance and is not flagged.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import shapely
import sqlalchemy as sa
from pyproj import Transformer
from shapely.geometry import shape

from geo.status import models
from geo.status.edits import MAX_NOTE_CHARS, Problems, check_text
from geo.errors import UnknownItem, ValidationError
from geo.field.submissions import (
    ClientIdConflict, differing_fields, parse_client_id, parse_moment, parse_number, parse_position, parse_stop,
)
from geo.plan.layers import PlanData
from geo.field.saved_tours import SavedTour
from geo.plan.schema import METRIC_CRS, WGS84
from geo.status.snapshot import item_states
from geo.status.store import Store, as_utc, record_audit, utc_now

logger = logging.getLogger(__name__)

FAR_M = 500.0
MAX_ACCURACY_M = 100_000.0
CHECKIN_FIELDS: tuple[str, ...] = ("client_id", "site_id", "checked_in_at", "lat", "lon", "accuracy_m", "note",
                                   "progress_estimate")
_TO_METRIC = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)


@dataclass(frozen=True)
class CheckinInput:
    """A check-in as the device sent it, checked."""

    client_id: str
    site_id: str
    checked_in_at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    note: str
    progress_estimate: int | None


def parse_checkin(body: object, tour: SavedTour) -> CheckinInput:
    """The check-in in the JSON ``body`` (members :data:`CHECKIN_FIELDS`), for a stop of ``tour``.

    Raises
    ------
    ValidationError
        Naming every member that is missing, malformed, out of range or unknown.
    """
    problems = Problems("check-in", None)
    if not isinstance(body, Mapping):
        problems.add("body", f"expected a JSON object, got {type(body).__name__}", kind="object_expected",
                     got=type(body).__name__)
        raise ValidationError(problems.found)
    for name in sorted(set(body) - set(CHECKIN_FIELDS)):
        problems.add(str(name), f"not a check-in member; expected {', '.join(CHECKIN_FIELDS)}",
                     kind="unknown_parameter", allowed=list(CHECKIN_FIELDS))
    stops = [stop["id"] for stop in tour.stops()]
    lat, lon = parse_position(body.get("lat"), body.get("lon"), problems)
    progress = parse_number(body.get("progress_estimate"), "progress_estimate", problems, low=0, high=100, unit="%")
    checkin = CheckinInput(
        client_id=parse_client_id(body.get("client_id"), "client_id", problems),
        site_id=parse_stop(body.get("site_id"), stops, "site_id", problems),
        checked_in_at=parse_moment(body.get("checked_in_at"), "checked_in_at", problems, required=True),
        lat=lat, lon=lon,
        accuracy_m=parse_number(body.get("accuracy_m"), "accuracy_m", problems, low=0, high=MAX_ACCURACY_M, unit="m"),
        note=check_text(body.get("note"), "note", problems, max_chars=MAX_NOTE_CHARS, required=False),
        progress_estimate=None if progress is None else round(progress))
    if problems.found:
        raise ValidationError(problems.found)
    return checkin


def site_geometry(store: Store, plan: PlanData, site_id: str) -> shapely.Geometry | None:
    """The site's current geometry (WGS-84): its latest stored version, else the plan's; ``None`` without one."""
    try:
        item = plan.item(site_id)
    except UnknownItem:
        return None
    block_id = item.get("block_id") if item.get("kind") == "block" else None
    states = item_states(store, item_ids=[site_id, *([block_id] if block_id else [])])
    for item_id in (site_id, block_id):
        state = states.get(item_id) if item_id else None
        if state is not None and state.geometry is not None:
            return shape(state.geometry.geometry)
    geometry = item.geometry
    return None if geometry is None or geometry.is_empty else geometry


def distance_m(geometry: shapely.Geometry, *, lon: float, lat: float) -> float:
    """Metres from the point (WGS-84) to ``geometry`` (WGS-84), measured in EPSG:32651; 0 inside a polygon."""
    point = shapely.Point(_TO_METRIC.transform(lon, lat))
    return float(shapely.transform(geometry, _TO_METRIC.transform, interleaved=False).distance(point))


def checkin_json(row: models.TourCheckin) -> dict[str, Any]:
    """A stored check-in as the API answers it (times as ISO text in UTC)."""
    return {"id": row.id, "client_id": row.client_id, "tour_id": row.tour_id, "site_id": row.site_id,
            "checked_in_at": as_utc(row.checked_in_at).isoformat(), "received_at": as_utc(row.received_at).isoformat(),
            "lat": row.lat, "lon": row.lon, "accuracy_m": row.accuracy_m, "distance_m": row.distance_m,
            "far": row.far, "note": row.note, "progress_estimate": row.progress_estimate, "author": row.author}


def _same_or_conflict(row: models.TourCheckin, checkin: CheckinInput, tour_id: int) -> dict[str, Any]:
    sent = {**asdict(checkin), "tour_id": tour_id}
    stored = {name: getattr(row, name) for name in sent}
    differing = differing_fields(stored, sent)
    if differing:
        raise ClientIdConflict(checkin.client_id, differing)
    return checkin_json(row)


def _existing(store: Store, client_id: str) -> models.TourCheckin | None:
    with store.read() as session:
        return session.scalar(sa.select(models.TourCheckin).where(models.TourCheckin.client_id == client_id))


def record_checkin(store: Store, plan: PlanData, tour: SavedTour, checkin: CheckinInput, *,
                   author: str) -> tuple[dict[str, Any], bool]:
    """Store ``checkin`` (with its distance and audit entry) unless its ``client_id`` is stored already.

    Returns
    -------
    tuple
        The stored check-in as :func:`checkin_json` gives it, and whether it was created now (``False``: a retry
        of a stored one).

    Raises
    ------
    ClientIdConflict
        When the ``client_id`` is stored with other content.
    """
    existing = _existing(store, checkin.client_id)
    if existing is not None:
        return _same_or_conflict(existing, checkin, tour.id), False
    geometry = site_geometry(store, plan, checkin.site_id)
    distance = (None if geometry is None or checkin.lat is None or checkin.lon is None
                else round(distance_m(geometry, lon=checkin.lon, lat=checkin.lat), 1))
    # SQLite keeps a datetime's wall clock and drops its offset: store every moment as UTC
    fields = {**asdict(checkin), "checked_in_at": as_utc(checkin.checked_in_at)}
    row = models.TourCheckin(**fields, tour_id=tour.id, received_at=utc_now(), distance_m=distance,
                             far=distance is not None and distance > FAR_M, author=author)
    try:
        with store.write() as session:
            session.add(row)
            session.flush()
            record_audit(session, actor=author, action="tour_checkin", item_id=checkin.site_id,
                         details={"tour_id": tour.id, "checkin_id": row.id, "client_id": checkin.client_id,
                                  "distance_m": distance, "far": row.far,
                                  "progress_estimate": checkin.progress_estimate})
    except sa.exc.IntegrityError:  # the same client_id stored meanwhile by a concurrent retry
        existing = _existing(store, checkin.client_id)
        if existing is None:
            raise
        return _same_or_conflict(existing, checkin, tour.id), False
    logger.info("check-in %s at %s of tour %d by %s: %s m", checkin.client_id, checkin.site_id, tour.id, author,
                distance)
    return checkin_json(row), True


def list_checkins(store: Store, tour_id: int) -> list[dict[str, Any]]:
    """The tour's check-ins in the order they were made (client clock)."""
    with store.read() as session:
        rows = session.scalars(sa.select(models.TourCheckin).where(models.TourCheckin.tour_id == tour_id)
                               .order_by(models.TourCheckin.checked_in_at, models.TourCheckin.id))
        return [checkin_json(row) for row in rows]
