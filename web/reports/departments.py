"""部门任务: Attachment 3's department tasks by lead unit, with their three-colour status, and their forms.

========================================================  ==============================================================
``GET /departments``                                      the 74 tasks grouped by lead unit (units in the plan's order
                                                          of first appearance, 多单位共同负责 last), counts by colour
                                                          per unit and overall; ``?colour=`` (green/yellow/red/grey or
                                                          the label) and ``?unit=`` filter the list
``GET /departments/<task_id>``                            部门任务详情: text, units, numeric target, status, history
                                                          and the report / close / reopen forms the role allows
``POST /departments/<task_id>/<reports|close|reopen>``    the forms (:data:`web.editing.items.WRITES`): 303 back on success,
                                                          the page with the problems 400, a stale version 409
``GET /api/departments``                                  the same as JSON (same filters)
========================================================  ==============================================================

Department tasks take progress reports and check-off like the map's items (same tables, versions and audit log);
their colour is :func:`geo.status.merged.status_row` as of today (:mod:`geo.status.colours` rules). A task with a numeric target
is still reported as a percent: the page shows the target so the reporter can state progress as a share of it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for

from geo.status.merged import status_rows
from geo.status.snapshot import item_states
from geo.status.colours import COLOUR_LABELS, COLOURS, STATES
from geo.plan.target_plan import SHARED_LEAD, TargetPlan, lead_of
from geo.plan.targets import DepartmentTask
from web.core.as_of import beijing_today
from web.core.database import app_store
from web.core.live_status import current_status_day
from web.core.navigation import add_nav_link
from web.editing.items import item_history, submit_form
from web.core.features import parse_choice_filters
from web.core.state import corridor_state
from web.core.status import STATUS_COLORS, status_filter_values

departments_blueprint = Blueprint("departments", __name__)

FILTERS: tuple[str, ...] = ("colour", "unit")
COUNT_KEYS: tuple[str, ...] = (*STATUS_COLORS, "closed", "total")
COUNT_LABELS: dict[str, str] = {**{key: label for key, (label, _) in STATUS_COLORS.items()},
                                "closed": "已销号", "total": "合计"}
LEAD_MARK = "*"  # the plan marks the lead unit with a leading asterisk


@departments_blueprint.record_once
def _register_nav(state) -> None:
    add_nav_link(state.app, "部门任务", "departments.index")


def number_text(value: float) -> str:
    """A target number as the plan writes it: ``10``, ``4.4``, ``1400`` (never in exponent form)."""
    return f"{value:f}".rstrip("0").rstrip(".")


def target_text(task: DepartmentTask) -> str | None:
    """The task's numeric target in words (``新增孵化面积 10 万平方米``, ``以上`` for at-least targets), or ``None``."""
    if task.value is None:
        return None
    return f"{task.measure} {number_text(task.value)} {task.unit}{'以上' if task.at_least else ''}"


def unit_order(plan: TargetPlan) -> list[str]:
    """The lead units in the order the plan first names them, :data:`SHARED_LEAD` last (if any task has none)."""
    leads = list(dict.fromkeys(lead_of(task) for task in plan.department_tasks))
    return [unit for unit in leads if unit != SHARED_LEAD] + [unit for unit in leads if unit == SHARED_LEAD]


def task_record(task: DepartmentTask, status: Mapping[str, Any]) -> dict[str, Any]:
    """One task with its status row, JSON-ready: what a row of the list and the API show."""
    target = None if task.value is None else {"measure": task.measure, "value": task.value, "unit": task.unit,
                                              "at_least": task.at_least, "text": target_text(task)}
    return {"id": task.id, "row": task.row, "project": task.project, "text": task.text, "units": list(task.units),
            "lead_unit": lead_of(task), "lead": task.lead_unit, "target": target,
            "status": {key: value for key, value in status.items() if key != "geometry_version"}}


def colour_counts(records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many of ``records`` show each colour (grey = 未上报), how many are closed, and the total."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for record in records:
        counts[record["status"]["colour"]] += 1
        counts["closed"] += bool(record["status"]["closed"])
        counts["total"] += 1
    return counts


def parse_department_filters(args: Mapping[str, str], units: Sequence[str]) -> dict[str, str]:
    """The list's filters: ``colour`` as a colour key, ``unit`` one of ``units``; empty values mean no filter.

    Raises
    ------
    InvalidParameter
        Naming every unknown parameter and every value outside its choices (all at once).
    """
    choices = {"colour": status_filter_values(), "unit": {unit: unit for unit in units}}
    return parse_choice_filters(args, choices, expected=" or ".join(FILTERS), empty_means_none=True)


def _passes(record: Mapping[str, Any], filters: Mapping[str, str]) -> bool:
    return (filters.get("unit") in (None, record["lead_unit"])
            and filters.get("colour") in (None, record["status"]["colour"]))


def department_overview(plan: TargetPlan, statuses: Mapping[str, Mapping[str, Any]], *, as_of: date,
                        filters: Mapping[str, str]) -> dict[str, Any]:
    """Every task with its status, grouped by lead unit; counts per unit and overall over all tasks, the groups'
    task lists narrowed by ``filters`` (:func:`parse_department_filters`). JSON-ready."""
    records = [task_record(task, statuses[task.id]) for task in plan.department_tasks]
    units = []
    for unit in unit_order(plan):
        of_unit = [r for r in records if r["lead_unit"] == unit]
        shown = [r for r in of_unit if _passes(r, filters)]
        units.append({"unit": unit, "counts": colour_counts(of_unit), "tasks": shown})
    return {"as_of": as_of.isoformat(), "filters": dict(filters), "counts": colour_counts(records),
            "shown": sum(len(u["tasks"]) for u in units), "units": units}


def department_statuses(plan: TargetPlan, *, as_of: date) -> dict[str, dict]:
    """The status row of every department task as of ``as_of``, read from the app's database."""
    ids = [task.id for task in plan.department_tasks]
    return status_rows(item_states(app_store(), as_of=as_of, item_ids=ids), ids, as_of=as_of)


def _overview_from_request() -> dict[str, Any]:
    plan = corridor_state().targets
    filters = parse_department_filters(request.args, unit_order(plan))
    today = current_status_day()
    return department_overview(plan, department_statuses(plan, as_of=today), as_of=today, filters=filters)


@departments_blueprint.get("/departments")
def index():
    """部门任务: the department tasks by lead unit with their colours, filterable by colour and unit."""
    overview = _overview_from_request()
    return render_template("departments.html", overview=overview, count_labels=COUNT_LABELS,
                           lead_mark=LEAD_MARK, shared_lead=SHARED_LEAD)


@departments_blueprint.get("/api/departments")
def api_departments():
    """The department tasks with their status as JSON, grouped by lead unit (filters as the page)."""
    return jsonify(_overview_from_request())


def department_page(task_id: str, *, problems: list[dict] | None = None, conflict: str | None = None,
                    confirmation: dict | None = None, status: int = 200):
    """Render a task's page, optionally with the problems of a refused form; unknown ids raise UnknownItem (404)."""
    task = corridor_state().targets.department_task(task_id)
    history = item_history(task_id)
    page = render_template(
        "department.html", task=task_record(task, history["status"]), history=history, states=STATES,
        colours={c: COLOUR_LABELS[c] for c in COLOURS}, today=beijing_today().isoformat(), problems=problems or [],
        conflict=conflict, confirmation=confirmation, lead_mark=LEAD_MARK, example=_example(task))
    return page, status


def _example(task: DepartmentTask) -> str | None:
    """How a reporter turns an amount into the percent of the target: half the target is 50 %."""
    if task.value is None:
        return None
    return f"例：已完成 {number_text(task.value / 2)} {task.unit}，即目标的一半，填 50"


@departments_blueprint.get("/departments/<task_id>")
def department_view(task_id: str):
    """部门任务详情: the task's state and history, with the forms its user's role allows."""
    return department_page(task_id)


@departments_blueprint.post("/departments/<task_id>/<any(reports, close, reopen):action>")
def department_form(task_id: str, action: str):
    """The task page's forms: on success back to the page (303), else the page with the problems."""
    corridor_state().targets.department_task(task_id)  # only department tasks are written through this page
    return submit_form(task_id, action, page=department_page,
                       done=lambda: url_for("departments.department_view", task_id=task_id, saved=action))
