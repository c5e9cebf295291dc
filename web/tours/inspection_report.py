"""The inspection report of a saved tour, and turning its findings into progress reports.

==================================  ====================================================================================
``GET /tour/<id>/report``           巡查报告: printable A4 page (PDF-ready): the route map, then per stop its check-ins
                                    (Beijing time, distance to the site, flagged over 500 m), notes, photos and the
                                    item's status before the tour and now (:mod:`geo.field.inspection_report`)
``GET /tour/<id>/report.xlsx``      the same stops as one Excel sheet (:mod:`geo.field.inspection_report_xlsx`)
``POST /tour/<id>/findings``        转为进度上报: a check-in's progress estimate and note as a progress report of the
                                    item (form: ``checkin_id``, ``percent``, ``state``, ``note``, ``reported_on``,
                                    ``expected_version``, ``confirm``), through the same write as the item page's form
==================================  ====================================================================================

Reading needs a login (any role); a finding needs the ``report`` permission and the CSRF token, and goes through
:func:`web.editing.items.write_report`: validated, version-checked, an unusual value asked for again
(:mod:`web.core.confirmations`), and audited like any report, by the logged-in user.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from markupsafe import Markup

from geo.errors import EditConflict, NeedsConfirmation, ValidationError
from geo.field.inspection_report import Checkin, InspectionReport, load_report
from geo.field.inspection_report_xlsx import report_title, report_xlsx
from geo.status.models import MAX_ROW_ID
from geo.tours.route_svg import MapStop, route_svg
from geo.field.saved_tours import UnknownTour
from geo.status.colours import STATES
from geo.plan.validate import Problem
from web.core import confirmations, messages
from web.core.as_of import BEIJING, beijing_today
from web.core.auth import current_user, requires
from web.core.database import app_store
from web.editing.items import REPORT_FIELDS, write_report
from web.core.errors import error_response, problem_list
from web.core.state import corridor_state
from web.core.status import STATUS_COLORS

logger = logging.getLogger(__name__)

inspection_report_blueprint = Blueprint("inspection_report", __name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FINDING_FIELDS = ("checkin_id", *REPORT_FIELDS)


@inspection_report_blueprint.errorhandler(UnknownTour)
def _unknown_tour(exc: UnknownTour):
    return error_response(404, "not_found", f"没有编号为 {exc.tour_id} 的已保存路线。请从「已保存路线」列表中选择。",
                          message_en=str(exc))


def _report(tour_id: int) -> InspectionReport:
    return load_report(app_store(), tour_id, today=beijing_today())


def route_map(report: InspectionReport) -> Markup:
    """The report's route map as inline SVG over the district outlines."""
    stops = [MapStop(number=s.order, site_id=s.site_id, lon=s.lon, lat=s.lat, name=s.name, visited=bool(s.checkins))
             for s in report.stops]
    districts = corridor_state().plan.districts.geometry
    return Markup(route_svg(route=report.route, stops=stops, start=report.start, context=districts,
                            title=f"{report.title} 巡查路线图"))


def photo_url(photo_id: int) -> str:
    """Where the field API serves a stored photo (:mod:`web.tours.field_api`)."""
    return url_for("field_api.media_photo", photo_id=photo_id)


def finding_defaults(checkin: Checkin) -> dict[str, Any]:
    """The 转为进度上报 form's prefilled values for a check-in: its estimate, note and (Beijing) date."""
    estimate = checkin.progress_estimate
    return {"percent": "" if estimate is None else estimate, "note": checkin.note,
            "reported_on": checkin.checked_in_at.astimezone(BEIJING).date().isoformat(),
            "state": "已完成" if estimate == 100 else "进行中"}


def report_page(tour_id: int, *, problems: list[dict] | None = None, confirmation: dict | None = None,
                conflict: str | None = None, finding: int | None = None, status: int = 200):
    """Render the report page, optionally with the problems, confirmation step or conflict of the finding form
    of check-in ``finding``."""
    report = _report(tour_id)
    user = current_user()
    page = render_template(
        "inspection_report.html", report=report, title=report_title(report), map_svg=route_map(report),
        status_colors=STATUS_COLORS, states=STATES, photo_url=photo_url, finding_defaults=finding_defaults,
        can_report=user is not None and user.can("report"), today=beijing_today().isoformat(),
        problems=problems or [], confirmation=confirmation, conflict=conflict, finding=finding)
    return page, status


@inspection_report_blueprint.get(f"/tour/<int(max={MAX_ROW_ID}):tour_id>/report")
@requires("read")
def report_view(tour_id: int):
    """巡查报告 of a saved tour (printable A4)."""
    return report_page(tour_id)


@inspection_report_blueprint.get(f"/tour/<int(max={MAX_ROW_ID}):tour_id>/report.xlsx")
@requires("read")
def report_workbook(tour_id: int):
    """The report's stops as an Excel workbook."""
    report = _report(tour_id)
    return Response(report_xlsx(report), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="tour-{tour_id}-report.xlsx"'})


def _checkin_of(report: InspectionReport, value: object) -> Checkin:
    """The check-in of the report that the form's ``checkin_id`` names; :class:`ValidationError` otherwise."""
    found = {str(c.id): c for stop in report.stops for c in stop.checkins}
    if isinstance(value, str) and value.strip() in found:
        return found[value.strip()]
    raise ValidationError([Problem("finding", None, "checkin_id", f"expected the id of a check-in of this tour "
                                   f"({', '.join(found) or 'none yet'}), got {value!r}", kind="choice",
                                   details={"got": str(value), "choices": tuple(found)})])


@inspection_report_blueprint.post(f"/tour/<int(max={MAX_ROW_ID}):tour_id>/findings")
@requires("report")
def finding_form(tour_id: int):
    """转为进度上报: write the form as a progress report of the check-in's item; 303 back to the report's stop on
    success, else the report with the problems (400), the conflict (409) or the confirmation step (200)."""
    report = _report(tour_id)
    values = {name: request.form.get(name) for name in FINDING_FIELDS}
    page_url = url_for("inspection_report.report_view", tour_id=tour_id)
    checkin = None
    try:
        checkin = _checkin_of(report, values["checkin_id"])
        write_report(checkin.site_id, values, current_user().name)
    except ValidationError as exc:
        return report_page(tour_id, problems=problem_list(exc), finding=checkin.id if checkin else None, status=400)
    except NeedsConfirmation as exc:
        step = confirmations.confirmation(exc, action=request.path, values=values, cancel=page_url)
        return report_page(tour_id, confirmation=step, finding=checkin.id)
    except EditConflict as exc:
        return report_page(tour_id, conflict=messages.conflict_versions(exc), finding=checkin.id, status=409)
    logger.info("finding of check-in %d (tour %d) reported on %s by %s", checkin.id, tour_id, checkin.site_id,
                current_user().name)
    return redirect(url_for("inspection_report.report_view", tour_id=tour_id, saved=checkin.site_id,
                            _anchor=f"checkin-{checkin.id}"), code=303)
