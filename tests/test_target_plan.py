"""The targets as one validated whole: loading, lookups by id, and every problem raised at once."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.errors import UnknownItem, ValidationError
from geo.plan.layers import load_plan
from geo.plan.target_plan import DEPARTMENT_TASKS_LAYER, SHARED_LEAD, lead_of, load_target_plan
from geo.plan.targets import DEPARTMENT_TASKS_FILE, PLAN_PARKS, TARGETS_FILE, read_department_tasks, read_targets

DATA = Path(__file__).resolve().parent.parent / "data"
TARGET_FILES = ("parks.geojson", TARGETS_FILE, DEPARTMENT_TASKS_FILE)


@pytest.fixture(scope="module")
def target_plan():
    return load_target_plan(DATA, areas=load_plan(DATA).districts)


def test_the_shipped_targets_load_whole(target_plan):
    assert list(target_plan.parks["id"]) == list(PLAN_PARKS)
    assert [t.id for t in target_plan.targets] == [t.id for t in read_targets(DATA)[0]]
    assert [t.id for t in target_plan.department_tasks] == [t.id for t in read_department_tasks(DATA)[0]]


def test_lookups_by_id(target_plan):
    assert target_plan.target("A4-3a").detail == "其中博士"
    assert target_plan.department_task("DT02-2.1").units == ("市经信局",)
    assert target_plan.layer_of("DT02-2.1") == DEPARTMENT_TASKS_LAYER
    assert target_plan.park_name("P6") == "瓯江口园"


@pytest.mark.parametrize(("lookup", "value", "message"), [
    ("target", "A9-1", "no target of Attachment 1 has id 'A9-1'"),
    ("department_task", "DT99-1", "no department task has id 'DT99-1'"),
    ("layer_of", "B01", "no department task has id 'B01'"),
    ("park_name", "P7", "no park has id 'P7'; expected one of P1, P2, P3, P4, P5, P6"),
])
def test_unknown_ids_are_refused_by_name(target_plan, lookup, value, message):
    with pytest.raises(UnknownItem, match=message):
        getattr(target_plan, lookup)(value)


def test_lead_units_fall_back_to_shared_when_nobody_is_starred(target_plan):
    leads = {task.id: lead_of(task) for task in target_plan.department_tasks}
    for task in target_plan.department_tasks:
        if task.starred or len(task.units) == 1:
            assert leads[task.id] == task.units[0]
        else:
            assert leads[task.id] == SHARED_LEAD
    assert SHARED_LEAD in leads.values()


def test_every_problem_of_the_three_files_is_raised_at_once(tmp_path):
    for name in TARGET_FILES:
        shutil.copy(DATA / name, tmp_path / name)
    targets = (tmp_path / TARGETS_FILE).read_text(encoding="utf-8").replace("A1-1,1,", "A1-1,9,", 1)
    (tmp_path / TARGETS_FILE).write_text(targets, encoding="utf-8")
    (tmp_path / DEPARTMENT_TASKS_FILE).unlink()
    with pytest.raises(ValidationError) as info:
        load_target_plan(tmp_path)
    text = str(info.value)
    assert "targets.csv" in text and "action" in text
    assert "department_tasks.csv" in text and "file not found" in text
