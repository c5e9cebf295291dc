"""The plan's targets beyond the map as one validated whole: parks, Attachment 1's targets, Attachment 3's tasks.

:func:`load_target_plan` is to ``parks.geojson``, ``targets.csv`` and ``department_tasks.csv`` what
:func:`geo.plan.layers.load_plan` is to the map layers: read once, checked, every problem raised at once. A
:class:`TargetPlan` also answers which ids it holds, so the status database's reports and check-off
(:mod:`geo.status.records`) accept department tasks (``DT14-1``) like blocks and projects.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geo.errors import UnknownItem, ValidationError
from geo.plan.layers import DISTRICT_TOLERANCE_M
from geo.plan.targets import (
    DepartmentTask, Target, read_department_tasks, read_parks, read_targets,
)

logger = logging.getLogger(__name__)

DEPARTMENT_TASKS_LAYER = "department_tasks"
SHARED_LEAD = "多单位共同负责"  # tasks whose units share them without a starred lead


@dataclass(frozen=True)
class TargetPlan:
    """The six parks (EPSG:4326, columns of ``parks.geojson``), the targets and the department tasks."""

    parks: gpd.GeoDataFrame
    targets: tuple[Target, ...]
    department_tasks: tuple[DepartmentTask, ...]

    def target(self, target_id: str) -> Target:
        """The target with ``target_id``; :class:`UnknownItem` if Attachment 1 has none."""
        for target in self.targets:
            if target.id == target_id:
                return target
        raise UnknownItem(f"no target of Attachment 1 has id {target_id!r}; ids look like A1-1, A4-3a or A8-6",
                          item_id=target_id)

    def department_task(self, task_id: str) -> DepartmentTask:
        """The department task with ``task_id``; :class:`UnknownItem` if Attachment 3 has none."""
        for task in self.department_tasks:
            if task.id == task_id:
                return task
        raise UnknownItem(f"no department task has id {task_id!r}; ids look like DT01-1 or DT02-2.1",
                          item_id=task_id)

    def layer_of(self, item_id: str) -> str:
        """``department_tasks`` for a department task's id (the only items here that take progress reports and
        check-off); :class:`UnknownItem` otherwise."""
        self.department_task(item_id)
        return DEPARTMENT_TASKS_LAYER

    def park_name(self, park_id: str) -> str:
        """The park's name as Attachment 1 gives it."""
        names = dict(zip(self.parks["id"], self.parks["name"]))
        if park_id not in names:
            raise UnknownItem(f"no park has id {park_id!r}; expected one of {', '.join(names)}", item_id=park_id)
        return names[park_id]


def lead_of(task: DepartmentTask) -> str:
    """The unit a task is listed under on the department page: its lead unit, or :data:`SHARED_LEAD`."""
    return task.lead_unit or SHARED_LEAD


def load_target_plan(data_dir: Path | str | None = None, *, areas: gpd.GeoDataFrame | None = None,
                     tolerance_m: float = DISTRICT_TOLERANCE_M) -> TargetPlan:
    """Read and check ``parks.geojson``, ``targets.csv`` and ``department_tasks.csv`` from ``data_dir``.

    Parameters
    ----------
    data_dir
        The data folder (default: :func:`geo.plan.layers.default_data_dir`).
    areas
        The plan's ``districts`` layer; when given, each park must lie in its district.
    tolerance_m
        How far a park may stray outside its district.

    Raises
    ------
    ValidationError
        Listing every problem of the three files, when there is at least one.
    """
    parks, problems = read_parks(data_dir, areas=areas, tolerance_m=tolerance_m)
    targets, target_problems = read_targets(data_dir)
    tasks, task_problems = read_department_tasks(data_dir)
    problems = problems + target_problems + task_problems
    if problems or parks is None:
        raise ValidationError(problems)
    logger.info("loaded %d parks, %d targets, %d department tasks", len(parks), len(targets), len(tasks))
    return TargetPlan(parks=parks, targets=tuple(targets), department_tasks=tuple(tasks))
