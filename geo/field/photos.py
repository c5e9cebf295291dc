"""Photos taken at the stops of a saved tour: checked and cleaned (:mod:`geo.field.photo_cleaning`), the bytes in the
media store (:mod:`geo.field.media_store`), the metadata in ``tour_photos``; idempotent by the device's ``client_id``
(see :mod:`geo.field.submissions`: the same photo sent again gets the stored record, another photo under the same id is
refused).

The file is written first and the row after it; when the row cannot be written the file is removed again, so the
store holds no photo the database does not know (a crash between the two can still leave one file behind, never a
row without its file). ``exif_lat``/``exif_lon``/``taken_at`` are taken as the device sent them, else read from the
original's EXIF here: the stored copy has no metadata, the row keeps them as data.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from geo.status import models
from geo.status.edits import Problems
from geo.errors import UnknownItem, ValidationError
from geo.field.submissions import (
    ClientIdConflict, differing_fields, parse_client_id, parse_moment, parse_position, parse_stop,
)
from geo.field.media_store import MediaStore
from geo.field.photo_cleaning import EXTENSIONS, CleanPhoto, clean_photo
from geo.field.saved_tours import SavedTour
from geo.status.store import Store, as_utc, record_audit, utc_now

logger = logging.getLogger(__name__)

PHOTO_FIELDS: tuple[str, ...] = ("client_id", "site_id", "checkin_client_id", "exif_lat", "exif_lon", "taken_at")
# What makes two uploads under one client_id the same record (the file by the digest of its cleaned copy).
IDENTITY: tuple[str, ...] = ("tour_id", "site_id", "checkin_client_id", "sha256", "exif_lat", "exif_lon", "taken_at")


class UnknownPhoto(UnknownItem):
    """A photo id that names no stored photo (the web answers 404)."""

    def __init__(self, photo_id: object) -> None:
        super().__init__(f"no tour photo has the id {photo_id!r}", item_id=str(photo_id))


@dataclass(frozen=True)
class PhotoInput:
    """The form fields of a photo upload, checked (the file is checked by :func:`geo.field.photo_cleaning.clean_photo`)."""

    client_id: str
    site_id: str
    checkin_client_id: str | None
    exif_lat: float | None
    exif_lon: float | None
    taken_at: datetime | None


def parse_photo_fields(form: Mapping[str, str], tour: SavedTour) -> PhotoInput:
    """The upload's form fields (:data:`PHOTO_FIELDS`) for a stop of ``tour``; :class:`ValidationError` naming
    every bad one."""
    problems = Problems("photo", None)
    checkin = form.get("checkin_client_id") or None
    lat, lon = parse_position(form.get("exif_lat"), form.get("exif_lon"), problems, prefix="exif_")
    fields = PhotoInput(
        client_id=parse_client_id(form.get("client_id"), "client_id", problems),
        site_id=parse_stop(form.get("site_id"), [stop["id"] for stop in tour.stops()], "site_id", problems),
        checkin_client_id=None if checkin is None else parse_client_id(checkin, "checkin_client_id", problems),
        exif_lat=lat, exif_lon=lon,
        taken_at=parse_moment(form.get("taken_at"), "taken_at", problems, required=False))
    if problems.found:
        raise ValidationError(problems.found)
    return fields


def photo_json(row: models.TourPhoto) -> dict[str, Any]:
    """A stored photo's metadata as the API answers it (``url``-less: the web layer adds where to fetch it)."""
    return {"id": row.id, "client_id": row.client_id, "tour_id": row.tour_id, "site_id": row.site_id,
            "checkin_client_id": row.checkin_client_id, "media_type": row.media_type, "bytes": row.bytes,
            "width": row.width, "height": row.height, "sha256": row.sha256, "exif_lat": row.exif_lat,
            "exif_lon": row.exif_lon, "taken_at": None if row.taken_at is None else as_utc(row.taken_at).isoformat(),
            "received_at": as_utc(row.received_at).isoformat(), "author": row.author}


def _existing(store: Store, client_id: str) -> models.TourPhoto | None:
    with store.read() as session:
        return session.scalar(sa.select(models.TourPhoto).where(models.TourPhoto.client_id == client_id))


def _same_or_conflict(row: models.TourPhoto, sent: Mapping[str, object]) -> dict[str, Any]:
    differing = differing_fields({name: getattr(row, name) for name in sent}, sent)
    if differing:
        raise ClientIdConflict(row.client_id, differing)
    return photo_json(row)


def _row(fields: PhotoInput, photo: CleanPhoto, *, tour_id: int, key: str, author: str) -> models.TourPhoto:
    sent_position = fields.exif_lat is not None  # parse_position gives both or neither
    return models.TourPhoto(
        client_id=fields.client_id, tour_id=tour_id, site_id=fields.site_id,
        checkin_client_id=fields.checkin_client_id, storage_key=key, media_type=photo.media_type,
        bytes=len(photo.data), width=photo.width, height=photo.height, sha256=photo.sha256,
        exif_lat=fields.exif_lat if sent_position else photo.exif_lat,
        exif_lon=fields.exif_lon if sent_position else photo.exif_lon,
        taken_at=_utc_or_none(fields.taken_at or photo.taken_at), received_at=utc_now(), author=author)


def _write(store: Store, row: models.TourPhoto) -> None:
    with store.write() as session:
        session.add(row)
        session.flush()
        record_audit(session, actor=row.author, action="tour_photo", item_id=row.site_id,
                     details={"tour_id": row.tour_id, "photo_id": row.id, "client_id": row.client_id,
                              "bytes": row.bytes, "sha256": row.sha256})


def record_photo(store: Store, media: MediaStore, tour: SavedTour, fields: PhotoInput, data: bytes, *,
                 author: str) -> tuple[dict[str, Any], bool]:
    """Clean ``data``, store it in ``media`` and its row (with an audit entry), unless ``client_id`` is stored.

    Returns
    -------
    tuple
        The stored photo as :func:`photo_json` gives it, and whether it was created now.

    Raises
    ------
    geo.field.photo_cleaning.PhotoRejected
        For a file that is no acceptable photo (nothing is stored).
    ClientIdConflict
        When the ``client_id`` is stored with another photo or other fields.
    """
    photo = clean_photo(data)
    row = _row(fields, photo, tour_id=tour.id, author=author,
               key=f"tours/{tour.id}/{uuid.uuid4().hex}.{EXTENSIONS[photo.media_type]}")
    sent = {name: getattr(row, name) for name in IDENTITY}
    existing = _existing(store, fields.client_id)
    if existing is not None:
        return _same_or_conflict(existing, sent), False
    media.put(row.storage_key, photo.data)
    try:
        _write(store, row)
    except BaseException as exc:
        media.delete(row.storage_key)  # no file without its row
        existing = _existing(store, fields.client_id) if isinstance(exc, sa.exc.IntegrityError) else None
        if existing is None:
            raise
        return _same_or_conflict(existing, sent), False  # a concurrent retry stored it meanwhile
    logger.info("photo %s (%d bytes) at %s of tour %d by %s", fields.client_id, row.bytes, row.site_id, tour.id,
                author)
    return photo_json(row), True


def list_photos(store: Store, tour_id: int) -> list[dict[str, Any]]:
    """The tour's photos in the order they were received."""
    with store.read() as session:
        rows = session.scalars(sa.select(models.TourPhoto).where(models.TourPhoto.tour_id == tour_id)
                               .order_by(models.TourPhoto.id))
        return [photo_json(row) for row in rows]


def photo_file(store: Store, media: MediaStore, photo_id: int) -> tuple[bytes, str]:
    """The stored bytes and media type of photo ``photo_id``; :class:`UnknownPhoto` when there is none."""
    with store.read() as session:
        row = session.get(models.TourPhoto, photo_id)
    if row is None:
        raise UnknownPhoto(photo_id)
    return media.get(row.storage_key), row.media_type


def _utc_or_none(moment: datetime | None) -> datetime | None:
    """``moment`` as UTC (SQLite would keep an offset's wall clock as if it were UTC)."""
    return None if moment is None else as_utc(moment)
