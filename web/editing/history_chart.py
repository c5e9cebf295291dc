"""The item page's history chart: an item's reported progress over time against its expected progress, drawn on the
server as inline SVG (no script; prints as drawn).

Time runs left to right over whole quarters, from the quarter of the item's period start (or of its first report, if
earlier) to the quarter of the judging day (or of the period end, if later), with a tick at every quarter start.
Progress runs 0–100 % bottom to top. The dashed line is the expected progress of :func:`geo.status.colours.expected_percent`
(the plan's period, milestones included); the light bands under it are the colours a report made on that day would
get by the gap rule of :mod:`geo.status.colours` (green within ``yellow_gap`` points of the line, yellow within
``red_gap``, red below). Each report is a dot in the colour it was judged on its own date; the dots are joined in
date order. Every text is escaped; the SVG carries a ``<title>`` and a ``<desc>`` listing every report.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from geo.plan.quarters import Quarter, quarter_of
from geo.status.snapshot import Report
from geo.status.colours import COLOUR_LABELS, GREEN, RED, YELLOW, Milestone, Thresholds, assess, expected_percent
from web.core.status import STATUS_COLORS

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 640, 230
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 10, 40
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
PERCENT_TICKS: tuple[int, ...] = (0, 25, 50, 75, 100)
QUARTER_NAMES: dict[int, str] = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
MAX_NAMED_QUARTERS = 8  # beyond two years only the years are written under the axis
BAND_OPACITY: dict[str, float] = {GREEN: 0.14, YELLOW: 0.2, RED: 0.14}
NO_REPORTS_TEXT = "暂无上报"


@dataclass(frozen=True)
class ProgressPoint:
    """One report on the chart: its day, percent, what was expected that day and the colour it was judged."""

    day: date
    percent: float
    expected: float
    colour: str


@dataclass(frozen=True)
class Tick:
    """A mark on the time axis: its day, the text written after it (empty: none) and whether it starts a year."""

    day: date
    label: str
    major: bool


@dataclass(frozen=True)
class Plan:
    """The schedule an item is judged against: its period and milestones, and the thresholds of the colours."""

    start: date
    end: date
    milestones: tuple[Milestone, ...] = ()
    thresholds: Thresholds = Thresholds()

    def expected(self, day: date) -> float:
        """Progress (percent) due on ``day``."""
        return expected_percent(day, start=self.start, end=self.end, milestones=self.milestones)


def progress_points(reports: Sequence[Report], plan: Plan) -> list[ProgressPoint]:
    """The reports in date order (then by id), each judged on its own date by the rules of :mod:`geo.status.colours`."""
    points = []
    for report in sorted(reports, key=lambda r: (r.reported_on, r.id)):
        verdict = assess(percent=report.percent, state=report.state, reported_on=report.reported_on,
                         as_of=report.reported_on, start=plan.start, end=plan.end, milestones=plan.milestones,
                         thresholds=plan.thresholds)
        points.append(ProgressPoint(day=report.reported_on, percent=float(report.percent),
                                    expected=plan.expected(report.reported_on), colour=verdict.colour))
    return points


def chart_span(plan: Plan, points: Sequence[ProgressPoint], *, today: date) -> tuple[date, date]:
    """The first and last day of the time axis: whole quarters covering the period, the reports and ``today``."""
    days = [plan.start, plan.end, today, *(p.day for p in points)]
    return quarter_of(min(days)).start, quarter_of(max(days)).end


def quarter_ticks(first: date, last: date) -> list[Tick]:
    """A tick at every quarter start from ``first`` to ``last``; quarters named (一季度, with the year under the
    first quarter shown) when at most :data:`MAX_NAMED_QUARTERS` fit, otherwise only the years (2021年)."""
    quarters, quarter = [], quarter_of(first)
    while quarter.start <= last:
        quarters.append(quarter)
        quarter = Quarter(quarter.year + 1, 1) if quarter.number == 4 else Quarter(quarter.year, quarter.number + 1)
    named = len(quarters) <= MAX_NAMED_QUARTERS
    return [Tick(day=q.start, major=q.number == 1 or q is quarters[0],
                 label=QUARTER_NAMES[q.number] if named else (f"{q.year}年" if q.number == 1 or q is quarters[0]
                                                               else "")) for q in quarters]


@dataclass(frozen=True)
class Scale:
    """Where a day and a percent lie in the SVG (user units)."""

    first: date
    last: date

    def x(self, day: date | float) -> float:
        """The horizontal position of a day (or a day number, :meth:`date.toordinal`)."""
        number = day.toordinal() if isinstance(day, date) else day
        span = max(self.last.toordinal() + 1 - self.first.toordinal(), 1)
        return LEFT + (number - self.first.toordinal()) / span * PLOT_WIDTH

    @staticmethod
    def y(percent: float) -> float:
        """The vertical position of a percent (0 at the bottom of the plot)."""
        return TOP + (1 - min(max(percent, 0.0), 100.0) / 100) * PLOT_HEIGHT


def expected_vertices(plan: Plan, first: date, last: date) -> list[tuple[float, float]]:
    """The expected-progress line as (day number, percent) vertices from ``first`` to ``last``."""
    days = sorted({first, last, *(d for d in (plan.start, plan.end, *(m.due_on for m in plan.milestones))
                                  if first <= d <= last)})
    return [(float(day.toordinal()), plan.expected(day)) for day in days]


def band_edge(vertices: Sequence[tuple[float, float]], offset: float) -> list[tuple[float, float]]:
    """The line ``offset`` points under the expected one, never under 0 % (a vertex added where it reaches 0)."""
    edge = []
    for (x0, p0), (x1, p1) in zip(vertices, vertices[1:]):
        edge.append((x0, max(p0 - offset, 0.0)))
        if (p0 - offset) * (p1 - offset) < 0:
            edge.append((x0 + (x1 - x0) * (offset - p0) / (p1 - p0), 0.0))
    edge.append((vertices[-1][0], max(vertices[-1][1] - offset, 0.0)))
    return edge


def _path(points: Sequence[tuple[float, float]], scale: Scale) -> str:
    return " ".join(f"{scale.x(x):.1f},{scale.y(p):.1f}" for x, p in points)


def _bands(plan: Plan, scale: Scale) -> str:
    vertices = expected_vertices(plan, scale.first, scale.last)
    start, end = vertices[0][0], vertices[-1][0]
    yellow = band_edge(vertices, plan.thresholds.yellow_gap)
    red = band_edge(vertices, plan.thresholds.red_gap)
    outlines = {GREEN: [(start, 100.0), (end, 100.0), *reversed(yellow)],
                RED: [*red, (end, 0.0), (start, 0.0)], YELLOW: [*yellow, *reversed(red)]}
    bands = [f'<polygon class="band" data-colour="{colour}" points="{_path(outline, scale)}" '
             f'fill="{STATUS_COLORS[colour][1]}" fill-opacity="{BAND_OPACITY[colour]}"/>'
             for colour, outline in outlines.items()]
    bands.append(f'<polyline class="expected" points="{_path(vertices, scale)}" fill="none" stroke="#212529" '
                 f'stroke-width="1.5" stroke-dasharray="5 4"/>')
    return "".join(bands)


def _axes(scale: Scale, ticks: Sequence[Tick]) -> str:
    parts = []
    for percent in PERCENT_TICKS:
        y = scale.y(percent)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dee2e6"/>'
                     f'<text x="{LEFT - 4}" y="{y + 3.5:.1f}" font-size="10" text-anchor="end" '
                     f'fill="#495057">{percent}%</text>')
    bottom = TOP + PLOT_HEIGHT
    for index, tick in enumerate(ticks):
        x = scale.x(tick.day)
        following = ticks[index + 1].day if index + 1 < len(ticks) else None
        middle = (x + scale.x(following)) / 2 if following else (x + LEFT + PLOT_WIDTH) / 2
        parts.append(f'<line class="tick" data-day="{tick.day}" x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" '
                     f'y2="{bottom + (8 if tick.major else 4)}" stroke="#495057"/>')
        if tick.label:
            anchor = (f'x="{x + 2:.1f}" text-anchor="start"' if tick.label.endswith("年")
                      else f'x="{middle:.1f}" text-anchor="middle"')
            parts.append(f'<text {anchor} y="{bottom + 16}" font-size="10" fill="#495057">{tick.label}</text>')
        if tick.major and not tick.label.endswith("年"):
            parts.append(f'<text x="{x + 2:.1f}" y="{bottom + 30}" font-size="10" fill="#495057">'
                         f'{tick.day.year}年</text>')
    return "".join(parts)


def _today(scale: Scale, today: date) -> str:
    x = scale.x(today)
    return (f'<line class="today" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + PLOT_HEIGHT}" stroke="#0d6efd" '
            f'stroke-width="1"/><text x="{x - 3:.1f}" y="{TOP + 10}" font-size="10" text-anchor="end" '
            f'fill="#0d6efd">今天</text>')


def point_text(point: ProgressPoint) -> str:
    """One report in words: 「2021-05-10 上报 40%（应完成 35.6%，按期推进）」."""
    return (f"{point.day} 上报 {point.percent:g}%（应完成 {point.expected:.1f}%，"
            f"{COLOUR_LABELS[point.colour]}）")


def _reports(points: Sequence[ProgressPoint], scale: Scale) -> str:
    if not points:
        return (f'<text class="no-reports" x="{LEFT + PLOT_WIDTH / 2:.1f}" y="{TOP + PLOT_HEIGHT / 2:.1f}" '
                f'font-size="14" text-anchor="middle" fill="#495057">{NO_REPORTS_TEXT}</text>')
    line = _path([(p.day.toordinal(), p.percent) for p in points], scale)
    parts = [f'<polyline class="reported" points="{line}" fill="none" stroke="#343a40" stroke-width="1.5"/>']
    for point in points:
        parts.append(f'<circle class="report" data-day="{point.day}" data-percent="{point.percent:g}" '
                     f'data-colour="{point.colour}" cx="{scale.x(point.day):.1f}" cy="{scale.y(point.percent):.1f}" '
                     f'r="4.5" fill="{STATUS_COLORS[point.colour][1]}" stroke="#212529">'
                     f"<title>{escape(point_text(point))}</title></circle>")
    return "".join(parts)


def description(plan: Plan, points: Sequence[ProgressPoint]) -> str:
    """The chart in words for screen readers: the period and every report."""
    period = f"计划期 {plan.start} 至 {plan.end}；虚线为应完成进度，底色为按期推进、进度滞后、严重滞后的区间。"
    if not points:
        return period + NO_REPORTS_TEXT + "。"
    return period + f"共 {len(points)} 次上报：" + "；".join(point_text(p) for p in points) + "。"


def item_history_chart(item_id: str, reports: Sequence[Report], plan: Plan, *, today: date) -> Markup:
    """The chart of one item's ``reports`` against ``plan`` up to ``today`` (the judging day)."""
    points = progress_points(reports, plan)
    scale = Scale(*chart_span(plan, points, today=today))
    ident = f"history-chart-{escape(item_id)}"
    body = (_bands(plan, scale) + _axes(scale, quarter_ticks(scale.first, scale.last)) + _today(scale, today)
            + _reports(points, scale))
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="history-chart" id="{ident}" role="img" '
                  f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" aria-labelledby="{ident}-title {ident}-desc">'
                  f'<title id="{ident}-title">{escape(item_id)} 上报进度与计划进度</title>'
                  f'<desc id="{ident}-desc">{escape(description(plan, points))}</desc>{body}</svg>')
