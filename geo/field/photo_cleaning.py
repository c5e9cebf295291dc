"""Checking and cleaning an uploaded photo with Pillow: the type read from the bytes (never from the file name),
the size limits, the EXIF location and time kept as data, and a re-encoded copy without any metadata.

The stored copy is decoded pixels encoded again in the upload's own format (JPEG, PNG or WebP), with the EXIF
orientation applied to the pixels first, so it shows upright although it carries no EXIF, ICC profile, XMP or text
chunk: nothing of the phone, its owner or the place leaks through a served photo. Only the first frame of an
animated image is kept.

An EXIF time without an offset (``OffsetTimeOriginal`` is recent) is read as China Standard Time (UTC+8): an
assumption, since the photos are taken in Wenzhou.
"""
from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageOps, UnidentifiedImageError

from geo.errors import InvalidParameter
from geo.status.store import as_utc

logger = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MEDIA_TYPES: dict[str, str] = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS: dict[str, str] = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
JPEG_QUALITY = 88
WEBP_QUALITY = 85
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL, DATETIME = 0x9003, 0x9011, 0x0132


class PhotoRejected(InvalidParameter):
    """An upload that is no photo this app keeps: not an image, another type, or too large (``too_large``: the
    web answers 413, otherwise 400)."""

    @property
    def too_large(self) -> bool:
        """Whether the bytes or the pixels exceed a limit."""
        return self.kind in ("photo_bytes", "photo_pixels")


@dataclass(frozen=True)
class CleanPhoto:
    """A photo re-encoded without metadata, with what was read from the original."""

    data: bytes
    media_type: str
    width: int
    height: int
    sha256: str
    exif_lat: float | None
    exif_lon: float | None
    taken_at: datetime | None


def _open(data: bytes, field: str) -> Image.Image:
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected(field, f"expected at most {MAX_PHOTO_BYTES} bytes (8 MiB), got {len(data)}; send it "
                                   "resized", kind="photo_bytes", details={"limit": "8 MiB", "got": len(data)})
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        too_big = isinstance(exc, Image.DecompressionBombError)
        raise PhotoRejected(field, f"expected a JPEG, PNG or WebP photo of at most {MAX_PIXELS} pixels; "
                                   f"{'it has far more pixels' if too_big else 'the bytes are no image Pillow reads'}",
                            kind="photo_pixels" if too_big else "photo_not_image",
                            details={"limit": "4000 万", "got": "—"}) from exc
    if image.format not in MEDIA_TYPES:
        raise PhotoRejected(field, f"expected a JPEG, PNG or WebP photo, got {image.format}", kind="photo_type",
                            details={"got": image.format})
    if image.width * image.height > MAX_PIXELS:
        raise PhotoRejected(field, f"expected at most {MAX_PIXELS} pixels, got {image.width}×{image.height}; send "
                                   "it resized", kind="photo_pixels",
                            details={"limit": "4000 万", "got": f"{image.width}×{image.height}"})
    return image


def _degrees(parts: object, reference: object, negative: str) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(reference).strip().upper() == negative else value


def exif_position(image: Image.Image) -> tuple[float | None, float | None]:
    """The latitude and longitude (WGS-84) in the image's EXIF GPS tags, or ``(None, None)``."""
    gps = image.getexif().get_ifd(GPS_IFD)
    if GPS_LAT not in gps or GPS_LON not in gps:
        return None, None
    lat = _degrees(gps[GPS_LAT], gps.get(GPS_LAT_REF, "N"), "S")
    lon = _degrees(gps[GPS_LON], gps.get(GPS_LON_REF, "E"), "W")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lat, 7), round(lon, 7)


def exif_taken_at(image: Image.Image) -> datetime | None:
    """When the photo was taken, from EXIF ``DateTimeOriginal`` (else ``DateTime``), as UTC."""
    exif = image.getexif()
    details = exif.get_ifd(EXIF_IFD)
    text = details.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    try:
        moment = datetime.strptime(str(text).strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = str(details.get(OFFSET_TIME_ORIGINAL) or "").strip()
    try:
        zone = datetime.strptime(offset, "%z").tzinfo if offset else CHINA_STANDARD_TIME
    except ValueError:
        zone = CHINA_STANDARD_TIME
    return as_utc(moment.replace(tzinfo=zone))


def _pixels_only(image: Image.Image, media_type: str) -> Image.Image:
    """The upright first frame as a new image holding pixels only (no ``info``: no profile, text or EXIF)."""
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if has_alpha and media_type != "image/jpeg" else ("L" if upright.mode in ("1", "L") else "RGB")
    converted = upright.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def clean_photo(data: bytes, *, field: str = "file") -> CleanPhoto:
    """Check ``data`` and re-encode it without metadata.

    Raises
    ------
    PhotoRejected
        Naming ``field``: not an image, not JPEG/PNG/WebP, above :data:`MAX_PHOTO_BYTES` or :data:`MAX_PIXELS`.
    """
    image = _open(data, field)
    media_type = MEDIA_TYPES[image.format]
    try:
        image.load()
        lat, lon = exif_position(image)
        taken_at = exif_taken_at(image)
        pixels = _pixels_only(image, media_type)
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt image data
        raise PhotoRejected(field, f"expected a complete JPEG, PNG or WebP photo; it cannot be decoded ({exc})",
                            kind="photo_not_image") from exc
    out = io.BytesIO()
    options = {"image/jpeg": {"quality": JPEG_QUALITY}, "image/webp": {"quality": WEBP_QUALITY},
               "image/png": {}}[media_type]
    pixels.save(out, format=image.format, **options)
    cleaned = out.getvalue()
    logger.debug("photo %s %dx%d: %d bytes in, %d out", media_type, pixels.width, pixels.height, len(data),
                 len(cleaned))
    return CleanPhoto(data=cleaned, media_type=media_type, width=pixels.width, height=pixels.height,
                      sha256=hashlib.sha256(cleaned).hexdigest(), exif_lat=lat, exif_lon=lon, taken_at=taken_at)
