"""An item's geometry versions on the web: each viewable as GeoJSON, each restorable (an audited revert).

================================================  ================================================================
``GET /api/items/<id>/geometry/versions/<n>``     version ``n`` as a GeoJSON Feature (0: the plan's baseline), with
                                                  how it was made, by whom and when
``POST /api/items/<id>/geometry/revert``          JSON ``version``, ``expected_version`` → 201: version ``n``
                                                  copied into a new version (409 on a stale ``expected_version``)
``POST /items/<id>/geometry/revert``              the item page's 恢复 button: 303 back, or the page with the
                                                  problems (400) or the conflict (409)
================================================  ================================================================

The item page lists the versions (几何版本: version, source, by whom, when in Beijing time) through the template
global :func:`geometry_versions_view`, and says where the current geometry comes from as 「手绘（张三，2026-12-04）」
(:func:`provenance_text`). Restoring needs the ``edit_geometry`` permission and the CSRF token, like an edit.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, jsonify, redirect, request, url_for

from geo.errors import EditConflict, ValidationError
from geo.status.geometry_versions import BASELINE_VERSION, baseline_geometry, restore_geometry_version, stored_version
from geo.status.models import BASELINE, MAX_ROW_ID
from web.core import labels, messages
from web.core.auth import current_user, requires
from web.core.database import app_store
from web.editing.items import expected_version, item_page, json_body, written_response
from web.core.errors import problem_list
from web.core.state import corridor_state
from web.core.times import beijing_time

logger = logging.getLogger(__name__)

geometry_versions_blueprint = Blueprint("geometry_versions", __name__)

VERSION_RULE = f"/api/items/<item_id>/geometry/versions/<int(max={MAX_ROW_ID}):version>"
REVERT_FIELDS = ("version", "expected_version")
SOURCE_LABELS: dict[str, str] = {"hand_drawn": "手绘", "uploaded": "上传文件", "surveyed": "测绘导入",
                                 BASELINE: "规划基线"}


def provenance_text(version: Mapping[str, Any]) -> str:
    """Where a stored version comes from, as the page says it: 「手绘（张三，2026-12-04）」, a revert as
    「测绘导入（李四恢复第 1 版，2026-12-05）」."""
    day = beijing_time(version["created_at"])[:10]
    source = SOURCE_LABELS[version["source"]]
    restored = version.get("restored_from")
    if restored is None:
        return f"{source}（{version['author']}，{day}）"
    what = "规划基线" if restored == BASELINE_VERSION else f"第 {restored} 版"
    return f"{source}（{version['author']}恢复{what}，{day}）"


def geometry_versions_view(item_id: str, versions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the 几何版本 table, newest first, the plan's baseline (version 0) last; ``versions`` as the
    item history holds them (newest first)."""
    current = versions[0]["version"] if versions else BASELINE_VERSION
    rows = [{"version": v["version"], "source": SOURCE_LABELS[v["source"]], "author": v["author"],
             "time": beijing_time(v["created_at"]), "provenance": provenance_text(v),
             "restored_from": v.get("restored_from")} for v in versions]
    baseline = baseline_geometry(corridor_state().plan, item_id)
    rows.append({"version": BASELINE_VERSION, "author": "—", "time": "—", "restored_from": None,
                 "source": f"规划基线：{labels.display_value('geometry_source', baseline.geometry_source)}",
                 "provenance": "规划基线"})
    for row in rows:
        row["current"] = row["version"] == current
        row["url"] = url_for("geometry_versions.api_version", item_id=item_id, version=row["version"])
    return rows


@geometry_versions_blueprint.record_once
def _register_global(state) -> None:
    state.app.add_template_global(geometry_versions_view)
    state.app.add_template_global(provenance_text, "geometry_provenance")


def _feature(item_id: str, version: int) -> dict[str, Any]:
    if version == BASELINE_VERSION:
        baseline = baseline_geometry(corridor_state().plan, item_id)
        properties = {"source": BASELINE, "geometry_source": baseline.geometry_source, "author": None,
                      "created_at": None, "restored_from": None, "provenance": "规划基线"}
        return {"type": "Feature", "id": item_id, "geometry": baseline.geometry,
                "properties": {"item_id": item_id, "version": version, **properties}}
    stored = stored_version(app_store(), item_id, version)
    properties = {"source": stored.source, "author": stored.author, "created_at": stored.created_at.isoformat(),
                  "restored_from": stored.restored_from}
    return {"type": "Feature", "id": item_id, "geometry": stored.geometry,
            "properties": {"item_id": item_id, "version": version, **properties,
                           "provenance": provenance_text(properties)}}


@geometry_versions_blueprint.get(VERSION_RULE)
def api_version(item_id: str, version: int):
    """One geometry version of the item as a GeoJSON Feature (readable by anyone who can read the map)."""
    corridor_state().plan.layer_of(item_id)
    response = jsonify(_feature(item_id, version))
    response.mimetype = "application/geo+json"
    return response


def revert(item_id: str, values: Mapping[str, Any]):
    """Restore ``values["version"]`` of ``item_id`` as the logged-in user (JSON number or a form's digits)."""
    version = values.get("version")
    if isinstance(version, str) and re.fullmatch(r"[0-9]{1,9}", version.strip()):  # ASCII digits, bounded
        version = int(version.strip())
    return restore_geometry_version(app_store(), corridor_state().plan, item_id, version,
                                    author=current_user().name,
                                    expected_version=expected_version(item_id, values.get("expected_version")))


@geometry_versions_blueprint.post("/api/items/<item_id>/geometry/revert")
@requires("edit_geometry")
def api_revert(item_id: str):
    """Restore a geometry version (JSON) → 201 with the new version."""
    corridor_state().plan.layer_of(item_id)
    return written_response(revert(item_id, json_body(item_id, REVERT_FIELDS)))


@geometry_versions_blueprint.post("/items/<item_id>/geometry/revert")
@requires("edit_geometry")
def form_revert(item_id: str):
    """The item page's 恢复 button: 303 back to the page, else the page with the problems or the conflict."""
    corridor_state().plan.layer_of(item_id)
    try:
        revert(item_id, {name: request.form.get(name) for name in REVERT_FIELDS})
    except ValidationError as exc:
        return item_page(item_id, problems=problem_list(exc), status=400)
    except EditConflict as exc:
        return item_page(item_id, conflict=messages.conflict_versions(exc), status=409)
    logger.info("geometry of %s restored by %s (form)", item_id, current_user().name)
    return redirect(url_for("editing.item_view", item_id=item_id, saved="geometry"), code=303)
