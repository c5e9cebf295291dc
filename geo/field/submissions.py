"""What check-ins and photos from the field share: the device's ``client_id``, the stop they belong to, client
clock times and coordinates, and the rule that makes an upload idempotent.

A phone queues its records while offline and sends each again until one answer arrives, so the same record may
arrive twice. Each carries a ``client_id`` made on the device: the first arrival is stored, a later one with the
same content gets the stored record back, and one with other content under the same id is refused
(:class:`ClientIdConflict`, the web answers 409) rather than silently ignored or overwriting what was acknowledged.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from geo.status.edits import Problems, parse_finite
from geo.errors import CorridorError
from geo.status.store import as_utc

CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")


class ClientIdConflict(ValueError, CorridorError):
    """A record arrived under a ``client_id`` already stored with different content.

    Parameters
    ----------
    client_id
        The id sent again.
    fields
        The members whose values differ from the stored record's.
    """

    def __init__(self, client_id: str, fields: Sequence[str]) -> None:
        self.client_id = client_id
        self.fields = list(fields)
        super().__init__(f"client_id {client_id!r} is already stored with other values of {', '.join(fields)}; "
                         "a retry must send the same record, a new record needs a new client_id")


def parse_client_id(value: object, field: str, problems: Problems) -> str:
    """``value`` if it is an id of 1–64 letters, digits, ``-`` or ``_`` (a UUID), else ``""`` with a problem."""
    if isinstance(value, str) and CLIENT_ID_PATTERN.match(value.strip()):
        return value.strip()
    problems.add(field, f"expected an id made on the device: 1 to 64 letters, digits, - or _ (a UUID), got {value!r}",
                 kind="client_id", got=value)
    return ""


def parse_stop(value: object, stops: Sequence[str], field: str, problems: Problems) -> str:
    """``value`` if it names one of the tour's ``stops``, else ``""`` with a problem."""
    if isinstance(value, str) and value.strip() in stops:
        return value.strip()
    problems.add(field, f"expected one of the tour's stops ({', '.join(stops)}), got {value!r}", kind="not_a_stop",
                 got=value, choices=list(stops))
    return ""


def parse_moment(value: object, field: str, problems: Problems, *, required: bool) -> datetime | None:
    """``value`` as an aware UTC datetime from ISO 8601 text with its offset (``2021-06-30T09:15:00+08:00``):
    a client clock without an offset would be read in the wrong zone."""
    if value is None or value == "":
        if required:
            problems.add(field, "must not be empty", kind="required")
        return None
    if isinstance(value, str) and ISO_MOMENT.match(value.strip()):
        try:
            return as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            pass
    problems.add(field, f"expected an ISO 8601 time with its offset, e.g. 2021-06-30T09:15:00+08:00, got {value!r}",
                 kind="moment_format", got=value)
    return None


def parse_number(value: object, field: str, problems: Problems, *, low: float, high: float,
                 unit: str = "") -> float | None:
    """``value`` (a number or numeric text; absent: ``None``) if it is finite and within ``low``–``high``."""
    if value is None or value == "":
        return None
    number = parse_finite(value)
    if number is None or not low <= number <= high:
        problems.add(field, f"expected a number from {low:g} to {high:g} {unit}, got {value!r}".rstrip(),
                     kind="number_range", low=f"{low:g}", high=f"{high:g}", unit=unit, got=value)
        return None
    return number


def parse_position(lat: object, lon: object, problems: Problems, *, prefix: str = "") -> tuple[float | None,
                                                                                             float | None]:
    """WGS-84 latitude and longitude (both or neither; ``prefix`` names the fields, e.g. ``exif_``)."""
    before = len(problems.found)
    latitude = parse_number(lat, f"{prefix}lat", problems, low=-90, high=90, unit="°")
    longitude = parse_number(lon, f"{prefix}lon", problems, low=-180, high=180, unit="°")
    if (latitude is None) != (longitude is None) and len(problems.found) == before:
        missing = f"{prefix}lon" if longitude is None else f"{prefix}lat"
        problems.add(missing, "latitude and longitude come together: send both or neither", kind="position_pair")
        return None, None
    return latitude, longitude


def differing_fields(stored: Mapping[str, object], sent: Mapping[str, object]) -> list[str]:
    """The members of ``sent`` whose value differs from ``stored``'s (floats compared to 1e-9, times as UTC)."""
    differing = []
    for name, value in sent.items():
        old = stored.get(name)
        if isinstance(old, datetime) and isinstance(value, datetime):
            same = as_utc(old) == as_utc(value)
        elif isinstance(old, float) and isinstance(value, float):
            same = math.isclose(old, value, rel_tol=0, abs_tol=1e-9)
        else:
            same = old == value
        if not same:
            differing.append(name)
    return differing
