"""The plan's targets beyond the map: the six parks, Attachment 1's targets and Attachment 3's department tasks.

Readers return what they could use and every problem found (:class:`geo.plan.validate.Problem`), like
:func:`geo.plan.layers.read_plan`; :func:`target_findings` describes the plan's own inconsistencies (facts, not failures)
in the shape of :func:`geo.plan.validation_report.plan_findings`. File formats: ``docs/targets.md``.
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geo.plan.layers import DISTRICT_TOLERANCE_M, default_data_dir
from geo.plan.schema import PLAN_DISTRICT, POLYGONAL, SOURCE, TEXT, Field, LayerSpec
from geo.plan.tables import cell, parse_boolean, parse_integer, parse_number, parse_rows, read_csv_table
from geo.plan.validate import Problem, check_features, check_inside_areas, read_feature_collection, to_geodataframe

logger = logging.getLogger(__name__)

# Attachment 1's park columns, in its order (一区五园).
PLAN_PARKS: dict[str, str] = {
    "P1": "温州国家高新区（浙南科技城）", "P2": "高教园", "P3": "乐清园", "P4": "瑞安园", "P5": "浙南园", "P6": "瓯江口园",
}
PLAN_DEPARTMENT_ROWS = 30  # Attachment 3 numbers its rows 1–30.

NO_NUMERIC_TARGET = "no numeric target"  # the plan's 不下达具体任务数
NOT_APPLICABLE = "not applicable"  # the plan's "/"
TOTAL_ONLY = "total only"  # one zone-wide figure, no per-park value (the growth rates)
SUM_OF_PARKS = "sum_of_parks"
SHARED = "shared"  # one item every park takes part in: the 合计 counts it once (A6-1, docs/targets.md)
ZONE_WIDE = "zone_wide"
AGGREGATIONS = (SUM_OF_PARKS, SHARED, ZONE_WIDE)

TARGETS_FILE = "targets.csv"
DEPARTMENT_TASKS_FILE = "department_tasks.csv"
TARGET_COLUMNS = ("id", "action", "action_name", "measure", "detail", "unit", "parent_id", "aggregation",
                  *PLAN_PARKS, "total")
TASK_COLUMNS = ("id", "row", "project", "block", "point", "text", "units", "starred", "measure", "value", "unit",
                "at_least")
TARGET_ID = re.compile(r"A([1-8])-\d+[a-z]?")
TASK_ID = re.compile(r"DT(\d{2})-(\d+)(?:\.(\d+))?([a-z])?")
UNIT_SEPARATOR = "、"

PARKS_SPEC = LayerSpec(
    "parks", "parks.geojson",
    {"id": Field((str,), pattern=r"P\d+"), "name": TEXT, "district": PLAN_DISTRICT, "geometry_source": SOURCE},
    POLYGONAL,
)

Cell = float | str


@dataclass(frozen=True)
class Target:
    """One row of Attachment 1: a measure with a value (or a marker) per park and a total."""

    id: str
    action: int
    action_name: str
    measure: str
    detail: str | None
    unit: str
    parent_id: str | None
    aggregation: str
    per_park: dict[str, Cell]
    total: Cell

    @property
    def label(self) -> str:
        """The measure as the plan names it, with its sub-label (智能装备, 其中博士, …) if any."""
        return f"{self.measure}（{self.detail}）" if self.detail else self.measure

    @property
    def park_values(self) -> dict[str, float]:
        """The parks that have a numeric target, and that target."""
        return {park: value for park, value in self.per_park.items() if not isinstance(value, str)}


@dataclass(frozen=True)
class TextTarget:
    """A number the plan's text states for a target of Attachment 1."""

    value: float
    where: str
    quote: str


# Section 一 and 二(一) of the plan (and Attachment 3 where it repeats them), by the target row they speak of.
PLAN_TEXT_TARGETS: dict[str, TextTarget] = {
    "A1-1": TextTarget(10, "二(一)1(1)", "全年提质高能级创新平台 10 家以上"),
    "A1-2": TextTarget(7, "二(一)1(1)", "新打造高能级创新平台 7 家以上"),
    "A1-3": TextTarget(3, "二(一)1(2)", "全年新增省级以上双创载体 3 家以上"),
    "A2-1": TextTarget(10, "二(一)2(1)", "新增年产值突破 5 亿元的企业 10 家以上"),
    "A3-1": TextTarget(60, "二(一)3(1)、附件3第14项", "全年落地总投资不少于1亿元的创新型重大项目60个以上"),
    "A4-1": TextTarget(8, "二(一)4(3)、附件3第19项", "引育高水平创新团队 8 个以上"),
    "A4-2": TextTarget(12, "二(一)4(3)、附件3第19项", "领军型人才创业项目 12 个以上"),
    "A4-3": TextTarget(1400, "二(一)4(3)、附件3第19项", "海内外高层次人才 1400 人以上"),
    "A4-3a": TextTarget(170, "二(一)4(3)", "其中博士 170 人以上"),
    "A5-1": TextTarget(5, "二(一)5(3)", "全年实施省级以上研发项目 5 个以上"),
    "A7-1": TextTarget(200, "二(一)7(3)", "登记技术合同 200 项以上"),
    "A8-1": TextTarget(12, "一、工作目标", "智能装备和生命健康两大主导产业规上工业增加值分别增长 12%以上"),
    "A8-2": TextTarget(15, "一、工作目标", "生命健康两大主导产业规上工业增加值分别增长 12%以上和 15%以上"),
    "A8-3": TextTarget(16, "一、工作目标", "规上工业企业研发费用增速 16%以上"),
    "A8-4": TextTarget(12, "一、工作目标", "高新技术产业增加值增速 12%以上"),
    "A8-5": TextTarget(18, "一、工作目标", "高新技术产业投资额增速 18%以上"),
    "A8-6": TextTarget(20, "一、工作目标", "创投机构当年对园区企业的投资总额 20 亿元以上"),
    "A8-7": TextTarget(275, "二(一)2(3)", "新增高新技术企业 275 家以上"),
}


@dataclass(frozen=True)
class DepartmentTask:
    """One item of Attachment 3: a 责任单位 block of a numbered row, or a numbered point of it, with its target."""

    id: str
    row: int
    project: str
    block: int
    point: int | None
    text: str
    units: tuple[str, ...]
    starred: bool
    measure: str | None
    value: float | None
    unit: str | None
    at_least: bool | None

    @property
    def lead_unit(self) -> str | None:
        """The starred first unit, or the only unit; ``None`` when several units share the task unstarred."""
        if self.starred or len(self.units) == 1:
            return self.units[0]
        return None


def _parse_cell(text: str, *, markers: tuple[str, ...], numbers: bool) -> tuple[Cell | None, str | None]:
    if text in markers:
        return text, None
    value = parse_number(text) if numbers else None
    if value is not None:
        return value, None
    hint = ("; a value with a sub-measure in brackets such as 288(38) goes on a row of its own (see "
            "docs/targets.md)" if re.fullmatch(r"[\d.]+\([\d.]+\)", text) else "")
    expected = " or ".join([*(["a number ≥ 0"] if numbers else []), *(f"'{m}'" for m in markers)])
    return None, f"expected {expected}; got {text!r}{hint}"


def _target_cells(row: dict[str, str], aggregation: str) -> tuple[dict[str, Cell], list[tuple[str, str]]]:
    zone_wide = aggregation == ZONE_WIDE
    rules = {park: ((TOTAL_ONLY,) if zone_wide else (NO_NUMERIC_TARGET, NOT_APPLICABLE), not zone_wide)
             for park in PLAN_PARKS} | {"total": (() if zone_wide else (NO_NUMERIC_TARGET,), True)}
    cells: dict[str, Cell] = {}
    errors: list[tuple[str, str]] = []
    for column, (markers, numbers) in rules.items():
        value, error = _parse_cell(cell(row, column), markers=markers, numbers=numbers)
        if error:
            errors.append((column, error))
        else:
            cells[column] = value
    with_values = [park for park in PLAN_PARKS if not errors and cells[park] != NO_NUMERIC_TARGET]
    if not errors and cells["total"] == NO_NUMERIC_TARGET and with_values:
        errors.append(("total", f"'{NO_NUMERIC_TARGET}' here means the plan sets none for any park, but "
                                f"{', '.join(with_values)} have values; write '{NO_NUMERIC_TARGET}' there too or "
                                "give the total"))
    return cells, errors


def _target_from_row(row: dict[str, str], ref: str) -> tuple[Target | None, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    match = TARGET_ID.fullmatch(cell(row, "id"))
    action = parse_integer(cell(row, "action"), low=1, high=8)
    if match is None:
        errors.append(("id", f"expected an id like A3-1 or A4-3a (action 1–8); got {cell(row, 'id')!r}"))
    if action is None:
        errors.append(("action", f"expected an action number 1–8; got {cell(row, 'action')!r}"))
    elif match is not None and int(match.group(1)) != action:
        errors.append(("id", f"id {ref} belongs to action {match.group(1)}, but the row says action {action}"))
    errors += [(column, "must not be empty") for column in ("action_name", "measure", "unit")
               if not cell(row, column)]
    aggregation = cell(row, "aggregation")
    if aggregation not in AGGREGATIONS:
        errors.append(("aggregation", f"expected one of {', '.join(AGGREGATIONS)}; got {aggregation!r}"))
        return None, errors
    cells, cell_errors = _target_cells(row, aggregation)
    errors += cell_errors
    if errors:
        return None, errors
    return Target(ref, action, cell(row, "action_name"), cell(row, "measure"), cell(row, "detail") or None,
                  cell(row, "unit"), cell(row, "parent_id") or None, aggregation,
                  {park: cells[park] for park in PLAN_PARKS}, cells["total"]), []


def _check_target_links(name: str, targets: list[Target]) -> list[Problem]:
    by_id = {t.id: t for t in targets}
    names = {}
    problems = []
    for target in targets:
        first = names.setdefault(target.action, target.action_name)
        if first != target.action_name:
            problems.append(Problem(name, target.id, "action_name", f"action {target.action} is named {first!r} "
                                    f"on an earlier row; expected the same name on every row, got "
                                    f"{target.action_name!r}"))
        if target.parent_id is None:
            continue
        parent = by_id.get(target.parent_id)
        if parent is None or parent.action != target.action or parent.parent_id is not None:
            problems.append(Problem(name, target.id, "parent_id", f"expected the id of a main row of action "
                                    f"{target.action}; got {target.parent_id!r}"))
            continue
        problems += [Problem(name, target.id, park, f"a sub-measure cannot exceed its measure {parent.id}: "
                             f"{value:g} > {parent.park_values[park]:g}")
                     for park, value in target.park_values.items()
                     if park in parent.park_values and value > parent.park_values[park]]
    return problems


def read_targets(data_dir: Path | str | None = None) -> tuple[list[Target], list[Problem]]:
    """Read ``targets.csv`` (Attachment 1): every row that passed its checks, and every problem found."""
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    table = read_csv_table(directory / TARGETS_FILE, TARGET_COLUMNS)
    targets, problems = parse_rows(table, id_pattern=TARGET_ID, parse=_target_from_row)
    problems += _check_target_links(table.name, targets)
    logger.debug("read %d targets from %s with %d problems", len(targets), table.name, len(problems))
    return targets, problems


def target_findings(targets: Iterable[Target]) -> list[dict]:
    """The plan's inconsistencies in Attachment 1: park values that miss their 合计, a 合计 the text contradicts.

    A ``shared`` row's parks miss their 合计 by the row's nature (each takes part in one item); that is still the
    plan's inconsistency, reported with the project's reading of it.
    """
    findings = []
    for target in targets:
        where = f"附件1 第{target.action}项 {target.label}"
        parks = target.park_values
        if target.aggregation != ZONE_WIDE and parks and not isinstance(target.total, str) and not math.isclose(
                sum(parks.values()), target.total, abs_tol=1e-9):
            reading = (" — read as one item the parks share (aggregation shared, the project's reading; the plan "
                       "does not say)" if target.aggregation == SHARED else "")
            findings.append({
                "id": f"targets-{target.id}-park-sum", "where": where,
                "message": f"{target.label}: the six parks' targets sum to {sum(parks.values()):g} {target.unit} "
                           f"but the plan's 合计 is {target.total:g}{reading}",
                "stated": target.total, "found": sum(parks.values()),
            })
        text = PLAN_TEXT_TARGETS.get(target.id)
        if text is None or (not isinstance(target.total, str) and math.isclose(text.value, target.total)):
            continue
        found = ("sets no numeric target (不下达具体任务数)" if isinstance(target.total, str)
                 else f"gives a 合计 of {target.total:g} {target.unit}")
        findings.append({
            "id": f"targets-{target.id}-text", "where": f"{where} vs {text.where}",
            "message": f"{target.label}: Attachment 1 {found} while the text ({text.where}) asks for "
                       f"“{text.quote}”", "stated": text.value, "found": target.total,
        })
    return findings


def _task_from_row(row: dict[str, str], ref: str) -> tuple[DepartmentTask | None, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    number = parse_integer(cell(row, "row"), low=1, high=PLAN_DEPARTMENT_ROWS)
    block = parse_integer(cell(row, "block"), low=1, high=99)
    point = parse_integer(cell(row, "point"), low=1, high=99) if cell(row, "point") else None
    starred = parse_boolean(cell(row, "starred"))
    units = tuple(unit.strip() for unit in cell(row, "units").split(UNIT_SEPARATOR))
    checks = {
        "row": (number is None, f"expected a row number 1–{PLAN_DEPARTMENT_ROWS}"),
        "block": (block is None, "expected a block number ≥ 1"),
        "point": (cell(row, "point") != "" and point is None, "expected a point number ≥ 1 or nothing"),
        "starred": (starred is None, "expected true or false"),
        "units": (not all(units) or any("*" in unit for unit in units),
                  f"expected unit names separated by {UNIT_SEPARATOR}, none empty, without '*' (the plan's * is "
                  "the starred column)"),
        "project": (not cell(row, "project"), "must not be empty"),
        "text": (not cell(row, "text"), "must not be empty"),
    }
    errors += [(column, f"{message}; got {cell(row, column)!r}") for column, (bad, message) in checks.items() if bad]
    if not errors:
        expected = f"DT{number:02d}-{block}" + (f".{point}" if point else "")
        match = TASK_ID.fullmatch(cell(row, "id"))
        found = match and (int(match.group(1)), int(match.group(2)), match.group(3))
        if found != (number, block, str(point) if point else None):
            errors.append(("id", f"expected {expected} (from row, block and point), optionally followed by a "
                                 f"letter; got {cell(row, 'id')!r}"))
    target, target_errors = _task_target(row)
    errors += target_errors
    if errors:
        return None, errors
    return DepartmentTask(ref, number, cell(row, "project"), block, point, cell(row, "text"), units, starred,
                          *target), []


def _task_target(row: dict[str, str]) -> tuple[tuple, list[tuple[str, str]]]:
    columns = ("measure", "value", "unit", "at_least")
    missing = [column for column in columns if not cell(row, column)]
    if len(missing) == len(columns):
        return (None, None, None, None), []
    if missing:
        return (), [(column, "a numeric target needs measure, value, unit and at_least; this one is empty")
                    for column in missing]
    value = parse_number(cell(row, "value"))
    at_least = parse_boolean(cell(row, "at_least"))
    errors = [] if value is not None and value > 0 else [("value", f"expected a number > 0; got "
                                                                   f"{cell(row, 'value')!r}")]
    if at_least is None:
        errors.append(("at_least", f"expected true or false; got {cell(row, 'at_least')!r}"))
    return (cell(row, "measure"), value, cell(row, "unit"), at_least), errors


def read_department_tasks(data_dir: Path | str | None = None) -> tuple[list[DepartmentTask], list[Problem]]:
    """Read ``department_tasks.csv`` (Attachment 3): every item that passed its checks, and every problem."""
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    table = read_csv_table(directory / DEPARTMENT_TASKS_FILE, TASK_COLUMNS)
    tasks, problems = parse_rows(table, id_pattern=TASK_ID, parse=_task_from_row)
    projects: dict[int, str] = {}
    for task in tasks:
        if projects.setdefault(task.row, task.project) != task.project:
            problems.append(Problem(table.name, task.id, "project", f"row {task.row} is named "
                                    f"{projects[task.row]!r} elsewhere; got {task.project!r}"))
    numbered = {parse_integer(cell(row, "row"), low=1, high=PLAN_DEPARTMENT_ROWS) for _, row in table.rows}
    missing = sorted(set(range(1, PLAN_DEPARTMENT_ROWS + 1)) - numbered)
    if table.rows and missing:
        problems.append(Problem(table.name, None, "row", f"the plan has {PLAN_DEPARTMENT_ROWS} numbered rows; "
                                                         f"missing rows {', '.join(map(str, missing))}"))
    logger.debug("read %d department tasks from %s with %d problems", len(tasks), table.name, len(problems))
    return tasks, problems


def read_parks(data_dir: Path | str | None = None, *, areas: gpd.GeoDataFrame | None = None,
               tolerance_m: float = DISTRICT_TOLERANCE_M) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read ``parks.geojson``: the six parks of Attachment 1 (EPSG:4326) and every problem found.

    Parameters
    ----------
    data_dir
        The data folder; the default data folder when ``None``.
    areas
        The plan areas (``districts`` layer); when given, each park must lie in the area its ``district`` names.
    tolerance_m
        How far a park may stray outside its area.
    """
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    doc, problems = read_feature_collection(directory / PARKS_SPEC.filename)
    if doc is None:
        return None, problems
    parsed, feature_problems = check_features(doc, PARKS_SPEC)
    parks = to_geodataframe(parsed, PARKS_SPEC)
    problems = problems + feature_problems
    name = PARKS_SPEC.filename
    for park_id, park_name in zip(parks["id"], parks["name"]):
        if park_id not in PLAN_PARKS:
            problems.append(Problem(name, park_id, "id", f"unknown park; Attachment 1 has "
                                                         f"{', '.join(PLAN_PARKS)}"))
        elif park_name != PLAN_PARKS[park_id]:
            problems.append(Problem(name, park_id, "name", f"expected {PLAN_PARKS[park_id]!r} (Attachment 1's "
                                                           f"name for {park_id}); got {park_name!r}"))
    problems += [Problem(name, None, "id", f"missing park {park_id} ({park_name})")
                 for park_id, park_name in PLAN_PARKS.items() if park_id not in set(parks["id"])]
    if areas is not None:
        plan_areas = areas[areas["kind"] != "corridor"]
        problems += check_inside_areas(parks, plan_areas, filename=name, tolerance_m=tolerance_m)
    return parks, problems
