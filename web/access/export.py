"""The 可达性 figures as downloads: ``/access/export.csv`` and ``/access/export.xlsx``.

Same parameters as the page (``scenario`` baseline, planned, current or compare; ``congestion``; ``target``;
``as_of`` for current), same figures (:mod:`geo.access.files`), each file stating the parameters, the thresholds'
sources and the network (and for current the road projects open, the day and the rule). Files are built once per
(network, scenario, congestion, target — for current, open projects and day), like the reports they come from.
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, request

from geo.access.files import csv_bytes, xlsx_bytes
from geo.errors import InvalidParameter
from web.access.results import access_parameters, access_report
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

access_export_blueprint = Blueprint("access_export", __name__)

EXPORT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@access_export_blueprint.get("/access/export.<fmt>")
def export_file(fmt: str) -> Response:
    """The figures of ``/access`` with the same parameters as a CSV table or an Excel workbook."""
    if fmt not in EXPORT_TYPES:
        raise InvalidParameter("format", f"expected /access/export.csv or /access/export.xlsx, got .{fmt}",
                               kind="choice", details={"got": fmt, "choices": tuple(EXPORT_TYPES)})
    query = access_parameters(request.args)
    build = csv_bytes if fmt == "csv" else xlsx_bytes
    report = access_report(query)
    opened = report.get("open_to_traffic")
    content = corridor_state().cached(f"export-{fmt}", query.scenario, query.congestion, lambda: build(report),
                                      variant=(query.target, opened and json.dumps(opened, sort_keys=True)))
    day = f"-asof{opened['as_of']}" if opened else ""
    name = f"corridor-access-{query.scenario}{day}-congestion{query.congestion:g}-target{query.target:g}.{fmt}"
    return Response(content, mimetype=EXPORT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
