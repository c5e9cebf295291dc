"""Clock arithmetic of an inspection tour, and its exports: GPX 1.1 and AMap navigation links.

Times are minutes after midnight of the tour's day (floats); :func:`format_clock` shows them as ``HH:MM``, with
``+1`` for the next day.

Lunch is taken once, wholly inside its window, at a site: on arrival before inspecting it or after inspecting it,
whichever needs the least waiting for the window to open (the rule in full: :mod:`geo.tours.lunch`). When it cannot be
taken the schedule says why, so planners can adjust the departure or the dwell times.
"""
from __future__ import annotations

import logging
import math
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from geo.plan.coords import wgs84_to_gcj02
from geo.errors import InvalidParameter
from geo.tours.lunch import LunchBreak, LunchSlot, choose_lunch_slot, missed_reason

logger = logging.getLogger(__name__)

MINUTES_PER_DAY = 24 * 60
GPX_NAMESPACE = "http://www.topografix.com/GPX/1/1"
AMAP_NAVIGATION_URL = "https://uri.amap.com/navigation"
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class Visit:
    """Clock times at one point of the tour (the start, each stop, the end).

    Attributes
    ----------
    arrive
        Arrival (minutes after midnight); for the start, the departure time.
    depart
        When the driver leaves: after the dwell and any lunch break; ``None`` at the last point.
    dwell
        Minutes spent inspecting.
    lunch
        Minutes of lunch taken here (0 when none).
    lunch_start
        When that lunch starts, or ``None``.
    lunch_before_visit
        ``True`` when lunch comes on arrival, before the inspection; ``False`` when after it.
    wait
        Minutes spent waiting here for the lunch window to open.
    """

    arrive: float
    depart: float | None
    dwell: float
    lunch: float
    lunch_start: float | None = None
    lunch_before_visit: bool = False
    wait: float = 0.0


@dataclass(frozen=True)
class Schedule:
    """The tour's clock: one :class:`Visit` per point, the finish time (end of the last visit) and, when a lunch
    break was asked for but not taken, why (one of :data:`geo.tours.lunch.MISSED_REASONS`)."""

    visits: list[Visit]
    finish: float
    lunch_missed: str | None = None

    @property
    def lunch_at(self) -> int | None:
        """Index of the point where lunch is taken, or ``None``."""
        return next((i for i, v in enumerate(self.visits) if v.lunch > 0), None)


def parse_clock(text: str, *, field: str) -> float:
    """Parse ``HH:MM`` (00:00–23:59) into minutes after midnight.

    Raises
    ------
    InvalidParameter
        Naming ``field`` when ``text`` is not a valid time of day.
    """
    match = _CLOCK.fullmatch(str(text).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InvalidParameter(field, f"expected a time of day as HH:MM (e.g. 08:30), got {text!r}",
                               kind="time_of_day", details={"got": text})
    return int(match.group(1)) * 60.0 + int(match.group(2))


def parse_lunch(window: str, *, duration: float, field: str = "lunch") -> LunchBreak:
    """Parse a lunch window ``HH:MM-HH:MM`` (``–`` and ``~`` also accepted) and a duration in minutes."""
    parts = re.split(r"\s*[-–~]\s*", str(window).strip())
    if len(parts) != 2:
        raise InvalidParameter(field, f"expected a window as HH:MM-HH:MM (e.g. 12:00-13:00), got {window!r}",
                               kind="time_window", details={"got": window})
    start, end = (parse_clock(part, field=field) for part in parts)
    if end <= start:
        raise InvalidParameter(field, f"the window must end after it starts, got {window!r}", kind="time_window_order",
                               details={"got": window})
    if not (isinstance(duration, (int, float)) and math.isfinite(duration) and 0 < duration <= 240):
        raise InvalidParameter(f"{field}_minutes", f"expected a lunch duration of 1–240 minutes, got {duration!r}",
                               kind="number_range", details={"low": 1, "high": 240, "unit": "min", "got": duration})
    return LunchBreak(window_start=start, window_end=end, duration=float(duration))


def format_clock(minutes: float) -> str:
    """``HH:MM`` of ``minutes`` after midnight, rounded to the minute; ``+1`` marks the next day."""
    total = int(round(minutes))
    days, rest = divmod(total, MINUTES_PER_DAY)
    clock = f"{rest // 60:02d}:{rest % 60:02d}"
    return clock if days == 0 else f"{clock}+{days}"


def build_schedule(*, depart: float, drive: Sequence[float], dwell: Sequence[float],
                   lunch: LunchBreak | None = None) -> Schedule:
    """Clock times of a tour of ``len(dwell)`` points joined by ``len(dwell) - 1`` drives.

    Parameters
    ----------
    depart
        Time the tour starts at the first point (minutes after midnight).
    drive
        Driving minutes of each leg, point ``i`` to ``i + 1``.
    dwell
        Inspection minutes at each point (the start's is spent before leaving; 0 where nothing is inspected).
    lunch
        Optional lunch break, taken by the rule of :mod:`geo.tours.lunch`.
    """
    if len(drive) != len(dwell) - 1:
        raise InvalidParameter("drive", f"expected {len(dwell) - 1} legs for {len(dwell)} points, got {len(drive)}")
    plain = _clock(depart=depart, drive=drive, dwell=dwell)
    if lunch is None:
        return plain
    arrivals = [visit.arrive for visit in plain.visits]
    slot = choose_lunch_slot(arrivals=arrivals, dwell=dwell, finish=plain.finish, lunch=lunch)
    if slot is None:
        return Schedule(visits=plain.visits, finish=plain.finish,
                        lunch_missed=missed_reason(finish=plain.finish, lunch=lunch))
    return _clock(depart=depart, drive=drive, dwell=dwell, slot=slot, lunch_minutes=lunch.duration)


def _clock(*, depart: float, drive: Sequence[float], dwell: Sequence[float], slot: LunchSlot | None = None,
           lunch_minutes: float = 0.0) -> Schedule:
    """Drive and dwell from ``depart``, stopping for ``lunch_minutes`` at ``slot`` (after waiting for it)."""
    visits: list[Visit] = []
    clock, last = float(depart), len(dwell) - 1
    for index, stay in enumerate(dwell):
        arrive = clock
        here = slot is not None and slot.point == index
        if here and slot.before_visit:
            clock = slot.start + lunch_minutes
        clock += stay
        if here and not slot.before_visit:
            clock = slot.start + lunch_minutes
        lunch_fields = ({"lunch": float(lunch_minutes), "lunch_start": slot.start,
                         "lunch_before_visit": slot.before_visit, "wait": slot.wait} if here else {"lunch": 0.0})
        visits.append(Visit(arrive=arrive, depart=None if index == last else clock, dwell=float(stay),
                            **lunch_fields))
        if index != last:
            clock += drive[index]
    return Schedule(visits=visits, finish=clock)


def amap_navigation_url(lon: float, lat: float, name: str) -> str:
    """A link that opens AMap (app or web) navigating by car to a WGS-84 point, passed on in GCJ-02."""
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    query = {"to": f"{float(gcj_lon):.6f},{float(gcj_lat):.6f},{name}", "mode": "car", "policy": "1",
             "src": "daluoshan-corridor", "coordinate": "gaode", "callnative": "1"}
    return f"{AMAP_NAVIGATION_URL}?{urllib.parse.urlencode(query, safe=',')}"


def tour_to_gpx(tour: dict) -> str:
    """GPX 1.1 of a tour result from :func:`geo.tours.planner.plan_tour`: a waypoint per point, a track segment per leg.

    Coordinates stay WGS-84, as GPX requires.
    """
    ET.register_namespace("", GPX_NAMESPACE)
    root = ET.Element(f"{{{GPX_NAMESPACE}}}gpx", {"version": "1.1", "creator": "daluoshan-corridor"})
    metadata = ET.SubElement(root, f"{{{GPX_NAMESPACE}}}metadata")
    ET.SubElement(metadata, f"{{{GPX_NAMESPACE}}}name").text = tour.get("title", "巡查路线")
    for point in tour["points"]:
        waypoint = ET.SubElement(root, f"{{{GPX_NAMESPACE}}}wpt", {"lat": f"{point['lat']:.7f}",
                                                                   "lon": f"{point['lon']:.7f}"})
        ET.SubElement(waypoint, f"{{{GPX_NAMESPACE}}}name").text = f"{point['label']} {point['name']}"
        ET.SubElement(waypoint, f"{{{GPX_NAMESPACE}}}desc").text = _visit_text(point)
    track = ET.SubElement(root, f"{{{GPX_NAMESPACE}}}trk")
    ET.SubElement(track, f"{{{GPX_NAMESPACE}}}name").text = tour.get("title", "巡查路线")
    for leg in tour["legs"]:
        segment = ET.SubElement(track, f"{{{GPX_NAMESPACE}}}trkseg")
        for lon, lat in leg["geometry"]["coordinates"]:
            ET.SubElement(segment, f"{{{GPX_NAMESPACE}}}trkpt", {"lat": f"{lat:.7f}", "lon": f"{lon:.7f}"})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _visit_text(point: dict) -> str:
    parts = [f"到达 {point['arrive']}" if point.get("arrive") else "",
             f"停留 {point['dwell_min']:g} 分钟" if point.get("dwell_min") else "",
             f"离开 {point['depart']}" if point.get("depart") else ""]
    return "，".join(p for p in parts if p)


def format_itinerary(tour: dict) -> str:
    """A plain-text itinerary in Chinese of a tour result from :func:`geo.tours.planner.plan_tour`."""
    totals = tour["totals"]
    scenario = tour.get("params", {}).get("scenario_label")
    lines = [f"{tour['title']}　路网：{tour['network']['label']}" + (f"（{scenario}）" if scenario else "")]
    if tour.get("selection"):  # which chosen sites are left out belongs in the header, not below the table
        lines.append(tour["selection"]["summary"])
    if tour.get("params", {}).get("end_label"):
        lines.append(f"起点：{tour['params']['start_label']}；终点：{tour['params']['end_label']}")
    lines.append("")
    for point in tour["points"]:
        leg = tour["legs"][point["seq"] - 1] if point["seq"] else None  # leg i ends at point i
        drive = f"　车程 {leg['drive_min']:g} 分钟 / {leg['distance_km']:g} 公里" if leg else ""
        lines.append(f"{point['label']:>6}  {point['name']}　{_visit_text(point)}{drive}")
        if point.get("lunch_min"):
            lines.append(f"{'':>6}  午餐 {point['lunch_start']}–{point['lunch_end']}（{point['lunch_min']:g} 分钟）")
    lines += ["", f"合计：{totals['stops']} 个点位，车程 {totals['drive_min']:g} 分钟，里程 {totals['distance_km']:g} 公里，"
                  f"停留 {totals['dwell_min']:g} 分钟，午餐 {totals['lunch_min']:g} 分钟，"
                  f"{totals['depart']} 出发，{totals['finish']} 结束（共 {totals['duration_min']:g} 分钟）"]
    if tour.get("lunch"):
        lunch = tour["lunch"]
        lines.append(f"午餐（{lunch['window']}，{lunch['duration_min']:g} 分钟）：{lunch['note']}")
    if tour.get("budget"):
        budget = tour["budget"]
        verdict = "在时间预算内" if budget["within"] else f"超出时间预算 {budget['over_min']:g} 分钟"
        lines.append(f"时间预算 {budget['budget_min']:g} 分钟：{verdict}")
    lines += [f"无法到达：{u['message']}" for u in tour["unreachable"]]
    if tour["network"].get("schematic"):
        lines.append("注意：示意路网仅供规划参考，车程为估算值。")
    if tour["network"].get("attribution"):
        lines.append(f"路网数据：{tour['network']['attribution']}")
    return "\n".join(lines)
