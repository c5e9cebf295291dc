"""A tour's route as a self-contained SVG map, for printed reports: no tiles, no script, the same on paper and PDF.

Coordinates (WGS-84 lon/lat) are projected equirectangularly around the map's centre latitude — over the tens of
kilometres of a tour that keeps shapes and distances true to well under 1 % — and fitted into the view box with a
margin. The context shapes (e.g. the district outlines) are drawn faintly under the route; the stops are numbered
discs in visiting order, the start a square.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidParameter

logger = logging.getLogger(__name__)

Point = tuple[float, float]
ROUTE_COLOUR = "#0b7285"
START_COLOUR = "#2e9d4f"
CONTEXT_STROKE = "#adb5bd"
CONTEXT_FILL = "#f1f3f5"
SCALE_BAR_STEPS_KM = (0.5, 1, 2, 5, 10, 20)


@dataclass(frozen=True)
class MapStop:
    """A numbered stop on the map; ``visited`` ones are filled, the others drawn as rings."""

    number: int
    site_id: str
    lon: float
    lat: float
    name: str
    visited: bool


@dataclass(frozen=True)
class Frame:
    """The projection of lon/lat into the SVG view box (``width`` × ``height`` units)."""

    west: float
    north: float
    scale: float  # view-box units per degree of longitude
    aspect: float  # cos(centre latitude): degrees of longitude per degree of latitude on the ground
    width: float
    height: float
    offset_x: float
    offset_y: float

    def project(self, lon: float, lat: float) -> Point:
        """The view-box position of a lon/lat."""
        return (self.offset_x + (lon - self.west) * self.scale,
                self.offset_y + (self.north - lat) * self.scale / self.aspect)

    @property
    def metres_per_unit(self) -> float:
        """Ground metres per view-box unit."""
        return 111_320.0 * self.aspect / self.scale


def fit_frame(points: Sequence[Point], *, width: float, height: float, margin: float) -> Frame:
    """The frame showing every point of ``points`` inside the view box, ``margin`` units from its edges."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    aspect = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max(east - west, 1e-4), max((north - south) / aspect, 1e-4)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    return Frame(west=west, north=north, scale=scale, aspect=aspect, width=width, height=height,
                 offset_x=(width - span_x * scale) / 2,
                 offset_y=(height - span_y * scale) / 2)


def _path(frame: Frame, line: Iterable[Point], *, closed: bool = False) -> str:
    coords = [frame.project(lon, lat) for lon, lat in line]
    text = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    return text + (" Z" if closed else "")


def _context_paths(frame: Frame, shapes: Iterable[BaseGeometry]) -> list[str]:
    tolerance = frame.metres_per_unit / 111_320.0  # one view-box unit: finer detail cannot be seen
    paths = []
    for shape in shapes:
        simple = shapely.simplify(shape, tolerance)
        for polygon in getattr(simple, "geoms", None) or [simple]:
            if polygon.geom_type != "Polygon" or polygon.is_empty:
                continue
            data = " ".join(_path(frame, ring.coords, closed=True) for ring in (polygon.exterior, *polygon.interiors))
            paths.append(f'<path d="{data}" fill="{CONTEXT_FILL}" stroke="{CONTEXT_STROKE}" stroke-width="1" '
                         'fill-rule="evenodd"/>')
    return paths


def _scale_bar(frame: Frame) -> str:
    target_km = frame.width * 0.2 * frame.metres_per_unit / 1000
    km = max((step for step in SCALE_BAR_STEPS_KM if step <= target_km), default=SCALE_BAR_STEPS_KM[0])
    length = km * 1000 / frame.metres_per_unit
    x, y = 12.0, frame.height - 14.0
    label = f"{km:g} 公里"
    return (f'<g class="scale-bar"><path d="M{x:.1f},{y - 5:.1f} V{y:.1f} H{x + length:.1f} V{y - 5:.1f}" '
            f'fill="none" stroke="#212529" stroke-width="1.5"/><text x="{x + length + 6:.1f}" y="{y:.1f}" '
            f'font-size="12" fill="#212529">{label}</text></g>')


def _stop_marks(frame: Frame, stops: Sequence[MapStop]) -> list[str]:
    marks = []
    for stop in stops:
        x, y = frame.project(stop.lon, stop.lat)
        fill, text = (ROUTE_COLOUR, "#ffffff") if stop.visited else ("#ffffff", ROUTE_COLOUR)
        marks.append(f'<g class="stop-mark" data-id={quoteattr(stop.site_id)} '
                     f'data-number="{stop.number}"><title>{stop.number} {escape(stop.name)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="{fill}" stroke="{ROUTE_COLOUR}" '
                     f'stroke-width="2"/><text x="{x:.1f}" y="{y + 4.5:.1f}" text-anchor="middle" font-size="13" '
                     f'font-weight="bold" fill="{text}">{stop.number}</text></g>')
    return marks


def route_svg(*, route: Sequence[Sequence[Point]], stops: Sequence[MapStop], start: Point | None = None,
              context: Iterable[BaseGeometry] = (), width: float = 720, height: float = 480,
              margin: float = 28, title: str = "巡查路线图") -> str:
    """The route map as SVG markup (``<svg>`` with a ``viewBox``, scaling to its container's width).

    Parameters
    ----------
    route
        The legs, each a sequence of ``(lon, lat)``.
    stops
        The stops in visiting order.
    start
        Where the tour starts (drawn as a green square), if known.
    context
        Polygons drawn faintly under the route (e.g. the districts); the map is framed on the route and stops.

    Raises
    ------
    InvalidParameter
        When there is nothing to draw.
    """
    framed = [p for line in route for p in line] + [(s.lon, s.lat) for s in stops] + ([start] if start else [])
    if not framed:
        raise InvalidParameter("stops", "expected a route or at least one stop to draw, got neither; save a tour "
                                        "that visits at least one site", kind="required")
    frame = fit_frame(framed, width=width, height=height, margin=margin)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" role="img" '
             f'aria-label={quoteattr(title)} class="route-map" preserveAspectRatio="xMidYMid meet">',
             f"<title>{escape(title)}</title>",
             f'<rect x="0" y="0" width="{width:g}" height="{height:g}" fill="#ffffff"/>',
             *_context_paths(frame, context)]
    parts += [f'<path class="route-leg" d="{_path(frame, line)}" fill="none" stroke="{ROUTE_COLOUR}" '
              'stroke-width="4" stroke-linejoin="round" stroke-linecap="round" opacity="0.85"/>'
              for line in route if len(line) >= 2]
    if start is not None:
        x, y = frame.project(*start)
        parts.append(f'<rect class="start-mark" x="{x - 8:.1f}" y="{y - 8:.1f}" width="16" height="16" '
                     f'fill="{START_COLOUR}" stroke="#ffffff" stroke-width="2"><title>起点</title></rect>')
    parts += _stop_marks(frame, stops)
    parts.append(_scale_bar(frame))
    parts.append("</svg>")
    return "".join(parts)
