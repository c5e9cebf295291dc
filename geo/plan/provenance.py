"""Where every value of the map layers comes from: the plan's words, derived from them, or the project's own.

:data:`LAYER_PROVENANCE` says it for each layer and field (``docs/data-model.md``, "Provenance", is the same table:
:func:`provenance_rows` renders it and a test compares). A field is

* ``plan`` — the plan's words, verbatim: :func:`check_plan_fields` checks that each value is a substring of the
  plan text (``docs/2021-implementation-plan.txt``), on the lines the registry names or, for a quote that carries
  its own line (``target_2021`` with ``target_2021_line``), on that line;
* ``derived`` — computed from the plan or another source (how is said);
* ``project`` — the project's own: a guess to be replaced, a translation, a key or a note;
* per feature — the feature says it: ``name_source`` for road names (missing means ``plan``, and is checked as
  such), ``geometry_source`` for geometries.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.plan.schema import DERIVED, PLAN, PROJECT
from geo.plan.validate import Problem

logger = logging.getLogger(__name__)

PLAN_TEXT = Path(__file__).resolve().parents[2] / "docs" / "2021-implementation-plan.txt"
PLAN_TEXT_NAME = "docs/2021-implementation-plan.txt"
GEOMETRY = "geometry"
NAME_SOURCE = "name_source"


@dataclass(frozen=True)
class FieldProvenance:
    """Where one field's values come from.

    ``kind`` is ``plan``, ``derived`` or ``project``, or ``None`` when ``per_feature`` names the property that says
    it for each feature. ``basis``: the plan's place, how it is derived, or what the project put there. A ``plan``
    value must lie on one of ``lines`` (any line when empty), or on the line its ``line_field`` gives.
    """

    kind: str | None
    basis: str
    lines: tuple[int, ...] = ()
    line_field: str | None = None
    per_feature: str | None = None

    @property
    def checked(self) -> bool:
        """Whether values may be the plan's words, and so are checked: a ``plan`` field, or a field whose features
        each say where their value comes from (``name_source``)."""
        return self.kind == PLAN or self.per_feature == NAME_SOURCE


def _plan(basis: str, *lines: int, line_field: str | None = None) -> FieldProvenance:
    return FieldProvenance(PLAN, basis, lines, line_field)


def _derived(basis: str) -> FieldProvenance:
    return FieldProvenance(DERIVED, basis)


def _project(basis: str) -> FieldProvenance:
    return FieldProvenance(PROJECT, basis)


BLOCK_LINES = tuple(range(206, 213))  # Attachment 2 section 一
TASK_LINES = tuple(range(221, 228))  # Attachment 2 section 三
ROAD_TARGET = _plan("Attachment 2 二's 工作目标 (line 215 or 216; RING-S as R12) or its transit row (line 218), "
                    "verbatim; null for RING-N, RING-E, RING-W: the plan states no target for them",
                    line_field="target_2021_line")
TASK_TARGET = _plan("Attachment 3 row 5's 2021年任务目标 (line 246), verbatim", line_field="target_2021_line")
TARGET_LINE = _derived("the line of the plan text `target_2021` is quoted from")
UNITS_DERIVED_BASIS = _derived("how `responsible_unit_derived` was derived, in words")
GEOMETRY_SOURCE = _project("the project's statement of where the geometry comes from (table above)")
GEOMETRY_PER_FEATURE = FieldProvenance(None, "as `geometry_source` says", per_feature="geometry_source")

LAYER_PROVENANCE: dict[str, dict[str, FieldProvenance]] = {
    "blocks": {
        "id": _project("the project's key: B01–B13 in the plan's order (lines 206–212)"),
        "name": _plan("重点区块名称, Attachment 2 一", *BLOCK_LINES),
        "name_en": _project("the project's English translation, not the plan's"),
        "district": _plan("地区, Attachment 2 一", *BLOCK_LINES),
        "tier": _project("set by planners: line 121 asks for 4/6/3 but assigns none; null until set"),
        "new_in_2021": _derived("true for the four blocks line 121 says are newly laid out (新布局)"),
        "lead_unit": _plan("item 9's 牵头单位", 123),
        "responsible_unit": _plan("item 9's 责任单位", 123),
        "responsible_unit_derived": _derived("the government or zone committee of the block's 地区 (lines 206–212)"),
        "responsible_unit_basis": UNITS_DERIVED_BASIS,
        "geometry_source": GEOMETRY_SOURCE,
        "anchor": _derived("the OpenStreetMap named place the block's name denotes (`geo.plan.places`)"),
        "anchor_shift_m": _derived("how far re-anchoring moved the polygon"),
        GEOMETRY: GEOMETRY_PER_FEATURE,
    },
    "roads": {
        "id": _project("the project's key: R01–R15 in the plan's order (lines 215–216); R16, R17 and RING-* the "
                       "project's"),
        "name": FieldProvenance(None, "as `name_source` says: `plan` (lines 215, 216, 218, 252), `derived` (R06 from "
                                      "line 129's 环山东路南延经开区段; RING-E from 环山东路南延, the road it extends) "
                                      "or `project` (R16, RING-W)", (215, 216, 218, 252), per_feature=NAME_SOURCE),
        NAME_SOURCE: _project("the project's statement of where the name comes from"),
        "category": _derived("the row of Attachment 2 二 (lines 215, 216, 218); `ring`: the project's"),
        "target_2021": ROAD_TARGET,
        "target_2021_line": TARGET_LINE,
        "lead_unit": _plan("item 10's 牵头单位", 131),
        "responsible_unit": _plan("item 10's 责任单位, for every transport item and the ring", 131),
        "responsible_unit_derived": _derived("the governments and zone committees whose areas the line crosses for "
                                             "more than 200 m (an approximate or OpenStreetMap-matched line, so a "
                                             "guess); null for placeholders"),
        "responsible_unit_basis": UNITS_DERIVED_BASIS,
        "geometry_source": GEOMETRY_SOURCE,
        "project_id": _derived("RING-S is R12 环山南路: the same name (line 216)"),
        "components": _project("R16's placeholder sites: the plan gives no position (line 218)"),
        "osm_names": _derived("the OpenStreetMap names along the matched line"),
        "matched_length_m": _derived("the matched line's length"),
        "match_note": _derived("how the line was matched onto OpenStreetMap"),
        GEOMETRY: GEOMETRY_PER_FEATURE,
    },
    "tasks": {
        "id": _project("the project's key: E01–E13 block tasks, then E14–E76 by district in the plan's order"),
        "name": _derived("the block's name or the district (lines 221–227) with the plan's 整治提升; the numbering "
                         "is the project's"),
        "kind": _derived("the two kinds of tasks of lines 221–227: 重点区块, 重要环线道路"),
        "district": _plan("地区, Attachment 2 三", *TASK_LINES),
        "block_id": _derived("the block the task is of"),
        "road_name": _project("set by planners: the plan names none of the 63 roads; null until set"),
        "target_2021": TASK_TARGET,
        "target_2021_line": TARGET_LINE,
        "lead_unit": _plan("item 11's 牵头单位", 139),
        "responsible_unit": _plan("item 11's 责任单位", 139),
        "responsible_unit_derived": _derived("the government or zone committee of the task's 地区 (lines 221–227)"),
        "responsible_unit_basis": UNITS_DERIVED_BASIS,
        "geometry_source": GEOMETRY_SOURCE,
        GEOMETRY: GEOMETRY_PER_FEATURE,
    },
    "districts": {
        "id": _project("the project's key: D01–D07 in the plan's order, CORRIDOR"),
        "name": _derived("D01–D07: the plan's 地区 (lines 206–212), checked against them by `corridor validate`; "
                         "CORRIDOR: the project's name for its study area"),
        "kind": _derived("district (Tianditu), functional zone or the corridor study area"),
        "adcode": _derived("Tianditu's administrative code"),
        "geometry_source": GEOMETRY_SOURCE,
        "source": _project("the project's note of the geometry's source"),
        GEOMETRY: GEOMETRY_PER_FEATURE,
    },
    "parks": {
        "id": _project("the project's key: P1–P6 in Attachment 1's column order (line 177)"),
        "name": _derived("Attachment 1's column headers (line 177); P1 written with full-width brackets"),
        "district": _project("the project's assignment of each park to a plan area (`docs/targets.md`)"),
        "geometry_source": GEOMETRY_SOURCE,
        GEOMETRY: GEOMETRY_PER_FEATURE,
    },
    "osm-places": {
        "id": _project("the project's key: P001… in the extract's order"),
        "name": _derived("OpenStreetMap's name; a reference layer, not the plan"),
        "place": _derived("OpenStreetMap's `place=*`"),
        GEOMETRY: _derived("OpenStreetMap's position"),
    },
}


def read_plan_text(path: Path | str | None = None) -> str:
    """The plan text (default ``docs/2021-implementation-plan.txt``); :class:`OSError` when it cannot be read."""
    return Path(path or PLAN_TEXT).read_text(encoding="utf-8")


def provenance_rows() -> Iterator[tuple[str, str, str, str]]:
    """``(layer, field, provenance, basis)`` for the table in ``docs/data-model.md``, in the registry's order."""
    for layer, fields in LAYER_PROVENANCE.items():
        for name, provenance in fields.items():
            kind = provenance.kind or f"per feature: `{provenance.per_feature}`"
            if provenance.kind == PLAN and provenance.line_field:
                kind += f" (line in `{provenance.line_field}`)"
            elif provenance.kind == PLAN and provenance.lines:
                kind += f" ({_lines_text(provenance.lines)})"
            yield layer, name, kind, provenance.basis


def _lines_text(lines: tuple[int, ...]) -> str:
    if len(lines) > 2 and lines == tuple(range(lines[0], lines[-1] + 1)):
        return f"lines {lines[0]}–{lines[-1]}"
    return ("line " if len(lines) == 1 else "lines ") + ", ".join(map(str, lines))


def check_plan_fields(layers: Mapping[str, pd.DataFrame], plan_text: str) -> list[Problem]:
    """Every value of a field marked ``plan`` must be a verbatim substring of ``plan_text`` on its lines.

    Parameters
    ----------
    layers
        Frames by layer name (``blocks``, ``roads``, ...), with an ``id`` column and the layer's properties.
    plan_text
        The plan text (:func:`read_plan_text`).
    """
    text_lines = plan_text.removesuffix("\n").split("\n")
    problems = []
    for layer, frame in layers.items():
        for name, provenance in LAYER_PROVENANCE.get(layer, {}).items():
            if name in frame.columns and provenance.checked:
                for record in frame.to_dict("records"):
                    problem = _check_value(record, name, provenance, text_lines)
                    if problem:
                        problems.append(Problem(f"{layer}.geojson", record.get("id"), name, problem))
    logger.debug("checked the plan fields of %s: %d problems", ", ".join(layers), len(problems))
    return problems


def _check_value(record: dict, name: str, provenance: FieldProvenance, text_lines: list[str]) -> str | None:
    if provenance.per_feature and (record.get(provenance.per_feature) or PLAN) != PLAN:
        return None
    value = record.get(name)
    line = record.get(provenance.line_field) if provenance.line_field else None
    if _missing(value):
        return None if _missing(line) else (f"{provenance.line_field} is {line} but there is no quote; expected "
                                            f"both null, or the plan's words on that line")
    lines = provenance.lines
    if provenance.line_field:
        if _missing(line) or not isinstance(line, int) or not 1 <= line <= len(text_lines):
            return (f"a quote of the plan needs its line: expected {provenance.line_field} between 1 and "
                    f"{len(text_lines)}, got {line!r}")
        lines = (line,)
    candidates = [text_lines[n - 1] for n in lines] if lines else ["\n".join(text_lines)]
    if any(str(value) in candidate for candidate in candidates):
        return None
    where = f"{PLAN_TEXT_NAME}, {_lines_text(lines)}" if lines else PLAN_TEXT_NAME
    fix = (f"or set {provenance.per_feature} to '{DERIVED}' or '{PROJECT}' and say why in docs/data-model.md"
           if provenance.per_feature else "and put any refinement in a field marked derived or project "
                                          "(docs/data-model.md, Provenance)")
    return (f"marked as the plan's words, but {value!r} is not a verbatim quote of the plan ({where}): copy the "
            f"plan's words exactly, {fix}")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
