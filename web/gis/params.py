"""The query parameters of OGC API – Features (:mod:`web.gis.ogc`): ``f``, ``limit``, ``offset``, ``bbox``,
``bbox-crs``, ``crs`` and property filters, each checked with every problem reported at once (400 naming the field).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from flask import request

from geo.errors import InvalidParameter, raise_parameter_problems
from geo.exchange.ogc_query import CRS84, SUPPORTED_CRS, Bbox, bbox_from_numbers

logger = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("json", "html")
DEFAULT_LIMIT = 10
MAX_LIMIT = 10000
# Parameters of the items request that are not property filters; ``datetime`` is accepted and selects every
# feature because none of the layers has a time (docs/ogc.md).
ITEMS_PARAMETERS: tuple[str, ...] = ("f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime")
FEATURE_PARAMETERS: tuple[str, ...] = ("f", "crs")


@dataclass(frozen=True)
class ItemsQuery:
    """An items request: page, bounding box (CRS84), output CRS and ``{property: value}`` filters."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: Bbox | None = None
    crs: str = CRS84
    filters: Mapping[str, str] = field(default_factory=dict)


def output_format(args: Mapping[str, str]) -> str:
    """``json`` or ``html``: the ``f`` parameter, else what the ``Accept`` header prefers (JSON when it is silent)."""
    if "f" in args:
        if args["f"] not in FORMATS:
            raise InvalidParameter("f", f"expected one of {', '.join(FORMATS)}; got {args['f']!r}", kind="choice",
                                   details={"got": args["f"], "choices": FORMATS})
        return args["f"]
    best = request.accept_mimetypes.best_match(["application/json", "application/geo+json", "text/html"])
    return "html" if best == "text/html" else "json"


def check_known(args: Mapping[str, str], allowed: Collection[str]) -> None:
    """Refuse parameters outside ``allowed`` (OGC API – Features answers an unknown parameter with 400)."""
    unknown = [name for name in args if name not in allowed]
    if unknown:
        raise InvalidParameter(", ".join(unknown), f"unknown parameter; expected one of {', '.join(allowed)}",
                               kind="unknown_parameter", details={"allowed": tuple(allowed)})


def crs_parameter(args: Mapping[str, str], name: str) -> tuple[str, InvalidParameter | None]:
    """The CRS named by parameter ``name`` (default CRS84), and the problem when it is not one served."""
    value = args.get(name, CRS84)
    if value in SUPPORTED_CRS:
        return value, None
    return CRS84, InvalidParameter(name, f"expected one of {', '.join(SUPPORTED_CRS)}; got {value!r}",
                                   kind="choice", details={"got": value, "choices": SUPPORTED_CRS})


def items_query(args: Mapping[str, str], *, properties: Collection[str]) -> ItemsQuery:
    """Read an items request; ``properties`` are the names a filter may use (the collection's properties).

    Raises
    ------
    InvalidParameter
        Naming every bad parameter: an unknown one, a ``limit`` that is not a whole number ≥ 1 (above
        :data:`MAX_LIMIT` it is lowered to it, as the standard asks), a negative ``offset``, a ``bbox`` that is not
        4 or 6 numbers with south ≤ north, a CRS not served.
    """
    check_known(args, (*ITEMS_PARAMETERS, *sorted(properties)))
    problems: list[InvalidParameter] = []
    limit = _whole_number(args, "limit", DEFAULT_LIMIT, low=1, kind="limit_value", problems=problems)
    offset = _whole_number(args, "offset", 0, low=0, kind="offset_value", problems=problems)
    crs, crs_problem = crs_parameter(args, "crs")
    bbox_crs, bbox_crs_problem = crs_parameter(args, "bbox-crs")
    problems += [p for p in (crs_problem, bbox_crs_problem) if p]
    bbox = _bbox(args["bbox"], crs=bbox_crs, problems=problems) if "bbox" in args else None
    raise_parameter_problems(problems)
    filters = {name: value for name, value in args.items() if name in properties and name not in ITEMS_PARAMETERS}
    return ItemsQuery(limit=min(limit, MAX_LIMIT), offset=offset, bbox=bbox, crs=crs, filters=filters)


def _whole_number(args: Mapping[str, str], name: str, default: int, *, low: int, kind: str,
                  problems: list[InvalidParameter]) -> int:
    text = args.get(name)
    if text is None:
        return default
    if text.isascii() and text.isdigit() and int(text) >= low:
        return int(text)
    problems.append(InvalidParameter(name, f"expected a whole number of at least {low}; got {text!r}", kind=kind,
                                     details={"got": text, "low": low, "high": MAX_LIMIT}))
    return default


def _bbox(text: str, *, crs: str, problems: list[InvalidParameter]) -> Bbox | None:
    try:
        numbers = [float(part) for part in text.split(",")]
        if not all(math.isfinite(n) for n in numbers):
            raise ValueError(f"every bbox number must be finite; got {text!r}")
        return bbox_from_numbers(numbers, crs=crs)
    except ValueError as exc:
        problems.append(InvalidParameter("bbox", f"expected 4 comma-separated numbers, lower corner first "
                                                 f"(lon,lat in CRS84; lat,lon in EPSG:4326/4490): {exc}",
                                         kind="bbox_value", details={"got": text}))
        return None
