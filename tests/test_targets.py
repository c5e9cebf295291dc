"""Attachment 1 targets, Attachment 3 department tasks and the six parks: the shipped data against the plan.

The expected numbers below are typed again from docs/2021-implementation-plan.txt, independently of
data/targets.csv and data/department_tasks.csv, and every encoded number is compared with them.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.plan.layers import load_plan
from geo.plan.schema import METRIC_CRS
from geo.plan.targets import (
    NO_NUMERIC_TARGET, PLAN_TEXT_TARGETS, SHARED, SUM_OF_PARKS, ZONE_WIDE, read_department_tasks, read_parks,
    read_targets, target_findings,
)

REPO = Path(__file__).resolve().parent.parent
NNT, NA, ZONE = "no numeric target", "not applicable", "total only"

# Attachment 1 (plan lines 177–198), retyped. Columns: 温州国家高新区(浙南科技城), 高教园, 乐清园, 瑞安园, 浙南园,
# 瓯江口园; then 合计. Rows: (序号, measure, sub-label, unit, six park cells, 合计).
ACTION_NAMES = {
    1: "高能级科创平台提能造峰", 2: "培育创新型领军(瞪羚)企业", 3: "招引落地创新型重大项目",
    4: "引育高水平创新创业人才团队", 5: "攻坚“卡脖子”核心技术", 6: "深化突破性改革举措", 7: "推进区域开放合作共享",
    8: "提升六大关键性科技指标",
}
ATTACHMENT_1 = [
    (1, "高能级创新平台提质", None, "个", (3, 3, 1, 1, 1, 1), 10),
    (1, "高能级创新平台拓面", None, "个", (2, 1, 1, 1, 1, 1), 7),
    (1, "双创孵化平台做强", None, "个", (NNT,) * 6, NNT),
    (2, "新增产值5亿元以上的企业", None, "家", (1, 1, 3, 3, 2, NA), 10),
    (2, "新增创新型领军(瞪羚)企业", None, "家", (NNT,) * 6, NNT),
    (3, "招引落地创新型重大项目", None, "个", (10, 10, 19, 10, 10, 6), 65),
    (4, "引育高水平创新团队", None, "个", (2, 2, 2, 2, 2, 1), 11),
    (4, "引育领军型人才创业项目", None, "个", (3, 3, 3, 3, 3, 1), 16),
    (4, "新引进培育海内外高层次创新创业人才(含博士)", None, "个", (288, 500, 215, 208, 180, 17), 1408),
    (4, "新引进培育海内外高层次创新创业人才(含博士)", "其中博士", "个", (38, 100, 15, 13, 10, 2), 178),
    (5, "攻坚“卡脖子”核心技术", None, "项", (NNT,) * 6, NNT),
    (6, "“一体化”工作机制建设", None, "项", (1, 1, 1, 1, 1, 1), 1),
    (6, "复制(推广)及定向赋予突破性改革举措", None, "项", (NNT,) * 6, NNT),
    (7, "技术合同登记", None, "项", (40, 35, 40, 40, 40, 5), 200),
    (8, "两大主导产业规上工业增加值增速", "智能装备", "%", (ZONE,) * 6, 12),
    (8, "两大主导产业规上工业增加值增速", "生命健康", "%", (ZONE,) * 6, 15),
    (8, "规上工业企业研发费用增速", None, "%", (ZONE,) * 6, 16),
    (8, "高新技术产业增加值增速", None, "%", (ZONE,) * 6, 12),
    (8, "高新技术产业投资额增速", None, "%", (ZONE,) * 6, 18),
    (8, "创投机构当年对园区企业的投资总额", None, "亿元", (3.6, 3.6, 3.5, 3.5, 3.5, 2.3), 20),
    (8, "新增高新技术企业", None, "家", (40, 40, 80, 70, 42, 3), 275),
]
# Numbers the text states for those rows: (measure, sub-label) -> value (一、工作目标 and 二(一)).
TEXT_NUMBERS = {
    ("高能级创新平台提质", None): 10, ("高能级创新平台拓面", None): 7, ("双创孵化平台做强", None): 3,
    ("新增产值5亿元以上的企业", None): 10, ("招引落地创新型重大项目", None): 60, ("引育高水平创新团队", None): 8,
    ("引育领军型人才创业项目", None): 12, ("新引进培育海内外高层次创新创业人才(含博士)", None): 1400,
    ("新引进培育海内外高层次创新创业人才(含博士)", "其中博士"): 170, ("攻坚“卡脖子”核心技术", None): 5,
    ("技术合同登记", None): 200, ("两大主导产业规上工业增加值增速", "智能装备"): 12,
    ("两大主导产业规上工业增加值增速", "生命健康"): 15, ("规上工业企业研发费用增速", None): 16,
    ("高新技术产业增加值增速", None): 12, ("高新技术产业投资额增速", None): 18,
    ("创投机构当年对园区企业的投资总额", None): 20, ("新增高新技术企业", None): 275,
}

# Attachment 3 (plan lines 231–287), retyped: 项目名称 by 序号, 责任单位 cells per row where more than one.
PROJECTS = [
    "统筹抓好“一区一廊”建设工作", "谋划国家级、省级重大平台及企业研发平台", "探索突破性改革举措", "交通路网建设",
    "环境整治提升", "开展宜居宜业未来社区试点", "积极创建城市湿地公园", "制定环大罗山风貌控制深化设计规划",
    "配置国际化教育资源", "共建飞地科创平台加强科技开放合作", "联动实施高水平大学引育工程", "布局产业创新服务综合体",
    "强化创新孵化转化平台建设", "主攻智能装备和生命健康两大主导产业", "实施企业上市培育计划", "推进高能级产业平台创建",
    "推进省级特色小镇建设", "培育温商创新名家", "加快顶尖人才集聚，培育青年创新人才", "培育高技能工匠型人才",
    "强化人才住房保障", "大力发展科技金融专营机构", "探索科技金融改革创新", "深入推广应用温州金融综合服务平台",
    "完善推广技术产权证券化试点经验", "拓宽民营经济准入领域", "加强经验做法借鉴", "强化医疗资源配置",
    "降低民营企业创新创业成本", "加强自创区（科创走廊）宣传工作",
]
BLOCKS_PER_ROW = {2: 5, 4: 3, 5: 7, 13: 2, 14: 2, 20: 2, 26: 3, 29: 2}
# Every numeric target stated in Attachment 3's texts: (序号, block, value, unit).
DEPARTMENT_NUMBERS = [
    (2, 1, 1, "家"), (2, 2, 2, "家"), (2, 3, 12, "家"), (2, 4, 2, "个"), (2, 5, 2, "个"), (4, 1, 17, "项"),
    (5, 1, 76, "项"), (9, 1, 1, "所"), (13, 1, 10, "万平方米"), (13, 2, 4, "家"), (14, 1, 60, "个"),
    (14, 2, 5, "项"), (14, 2, 3, "个"), (15, 1, 2, "家"), (18, 1, 1, "个"), (19, 1, 1400, "名"), (19, 1, 8, "个"),
    (19, 1, 12, "个"), (20, 1, 7, "个"), (20, 1, 10, "个"), (20, 1, 8, "个"), (20, 2, 1, "家"), (20, 2, 5, "家"),
    (21, 1, 20, "万平方米"), (21, 1, 1000, "套"), (21, 1, 1400, "套"), (22, 1, 20, "亿元"), (22, 1, 700, "亿元"),
    (23, 1, 80, "家"), (26, 2, 4.4, "件"), (26, 2, 130, "件"), (29, 1, 500, "万元"), (29, 2, 5000, "万元"),
]


@pytest.fixture(scope="module")
def shipped_targets():
    targets, problems = read_targets()
    assert problems == []
    return targets


@pytest.fixture(scope="module")
def shipped_tasks():
    tasks, problems = read_department_tasks()
    assert problems == []
    return tasks


def _key(target) -> tuple[str, str | None]:
    return target.measure, target.detail


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- Attachment 1 ---------------------------------------------------------------------------------------------

def test_every_attachment_1_row_is_encoded_once(shipped_targets):
    assert Counter(_key(t) for t in shipped_targets) == Counter((row[1], row[2]) for row in ATTACHMENT_1)


@pytest.mark.parametrize("row", ATTACHMENT_1, ids=lambda row: f"{row[1]}-{row[2] or ''}")
def test_encoded_numbers_equal_the_plan(shipped_targets, row):
    action, measure, detail, unit, parks, total = row
    target = next(t for t in shipped_targets if _key(t) == (measure, detail))
    assert (target.action, target.action_name, target.unit) == (action, ACTION_NAMES[action], unit)
    plan = _squeeze((REPO / "docs" / "2021-implementation-plan.txt").read_text(encoding="utf-8"))
    assert target.measure in plan and target.action_name in plan and (detail is None or detail in plan)
    encoded = tuple(target.per_park[p] for p in ("P1", "P2", "P3", "P4", "P5", "P6"))
    assert [c if isinstance(c, str) else pytest.approx(c) for c in parks] == list(encoded)
    assert target.total == (total if isinstance(total, str) else pytest.approx(total))


def test_plan_totals_add_up_except_the_integration_mechanism():
    mismatched = [row[1] for row in ATTACHMENT_1
                  if not isinstance(row[5], str) and any(not isinstance(c, str) for c in row[4])
                  and sum(c for c in row[4] if not isinstance(c, str)) != pytest.approx(row[5])]
    assert mismatched == ["“一体化”工作机制建设"]


def test_sub_measure_links_to_its_measure(shipped_targets):
    phd = next(t for t in shipped_targets if t.detail == "其中博士")
    parent = next(t for t in shipped_targets if t.id == phd.parent_id)
    assert (parent.measure, parent.detail, parent.total) == ("新引进培育海内外高层次创新创业人才(含博士)", None, 1408)


def test_text_numbers_match_the_plan(shipped_targets):
    by_key = {_key(t): t.id for t in shipped_targets}
    encoded = {key: PLAN_TEXT_TARGETS[ident].value for key, ident in by_key.items() if ident in PLAN_TEXT_TARGETS}
    assert encoded == TEXT_NUMBERS


def test_findings_are_the_plans_inconsistencies(shipped_targets):
    findings = target_findings(shipped_targets)
    measure_of = {t.id: _key(t) for t in shipped_targets}
    parsed = [re.fullmatch(r"targets-(.+)-(park-sum|text)", f["id"]).groups() for f in findings]
    summary = {(measure_of[ident], kind): (f["stated"], f["found"]) for (ident, kind), f in zip(parsed, findings)}
    assert summary == {
        (("“一体化”工作机制建设", None), "park-sum"): (1, 6),
        (("招引落地创新型重大项目", None), "text"): (60, 65),
        (("引育高水平创新团队", None), "text"): (8, 11),
        (("引育领军型人才创业项目", None), "text"): (12, 16),
        (("新引进培育海内外高层次创新创业人才(含博士)", None), "text"): (1400, 1408),
        (("新引进培育海内外高层次创新创业人才(含博士)", "其中博士"), "text"): (170, 178),
        (("双创孵化平台做强", None), "text"): (3, NO_NUMERIC_TARGET),
        (("攻坚“卡脖子”核心技术", None), "text"): (5, NO_NUMERIC_TARGET),
    }
    for finding in findings:
        assert set(finding) == {"id", "where", "message", "stated", "found"}
        assert finding["where"].startswith("附件1 第")
    sums = [f for f in findings if f["id"].endswith("park-sum")]
    assert "sum to 6 项 but the plan's 合计 is 1 — read as one item the parks share" in sums[0]["message"]


def test_the_integration_mechanism_is_one_item_the_parks_share(shipped_targets):
    aggregation = {t.measure: t.aggregation for t in shipped_targets}
    assert aggregation["“一体化”工作机制建设"] == SHARED
    assert {a for m, a in aggregation.items() if m != "“一体化”工作机制建设"} == {SUM_OF_PARKS, ZONE_WIDE}


def test_changed_total_changes_the_findings(shipped_targets):
    edited = [replace(t, total=275) if t.measure == "招引落地创新型重大项目" else t for t in shipped_targets]
    messages = " ".join(f["message"] for f in target_findings(edited))
    assert "sum to 65 个 but the plan's 合计 is 275" in messages
    assert "gives a 合计 of 275 个" in messages


# --- Attachment 3 ---------------------------------------------------------------------------------------------

def test_thirty_numbered_rows_with_their_projects_and_blocks(shipped_tasks):
    assert sorted({t.row for t in shipped_tasks}) == list(range(1, 31))
    assert {t.row: t.project for t in shipped_tasks} == dict(enumerate(PROJECTS, start=1))
    blocks = {row: len({t.block for t in shipped_tasks if t.row == row}) for row in range(1, 31)}
    assert blocks == {row: BLOCKS_PER_ROW.get(row, 1) for row in range(1, 31)}


def test_every_numeric_target_is_encoded(shipped_tasks):
    encoded = [(t.row, t.block, t.value, t.unit) for t in shipped_tasks if t.value is not None]
    assert sorted(encoded, key=str) == sorted(DEPARTMENT_NUMBERS, key=str)
    for task in shipped_tasks:
        if task.value is not None:
            assert f"{task.value:g}" in task.text.replace(" ", "") or (task.value, task.unit) == (1, "所"), task.id


@pytest.mark.parametrize(("needle", "value", "unit", "at_least"), [
    ("新增孵化面积", 10, "万平方米", False), ("创新券", 5000, "万元", False), ("新开工建设人才住房", 20, "万平方米", True),
    ("省级企业研究院", 12, "家", True), ("服务券", 500, "万元", False), ("贷款余额", 700, "亿元", True),
    ("发明专利", 4.4, "件", False),
])
def test_specific_numeric_targets(shipped_tasks, needle, value, unit, at_least):
    task = next(t for t in shipped_tasks if t.measure and needle in t.measure)
    assert (task.value, task.unit, task.at_least) == (pytest.approx(value), unit, at_least)


def test_units_stars_and_lead_units(shipped_tasks):
    by_id = {t.id: t for t in shipped_tasks}
    assert by_id["DT01-1"].units == ("市科技局",) and by_id["DT01-1"].lead_unit == "市科技局"
    assert by_id["DT04-2"].units == ("市交通运输局", "市交运集团", "瑞安市政府")
    assert by_id["DT04-2"].starred and by_id["DT04-2"].lead_unit == "市交通运输局"
    assert by_id["DT05-2"].lead_unit == "市自然资源和规划局" and len(by_id["DT05-2"].units) == 3
    assert len(by_id["DT11-1.5"].units) == 6 and by_id["DT11-1.5"].lead_unit == "市教育局"
    starred_rows = {t.row for t in shipped_tasks if t.starred}
    assert starred_rows == {4, 5, 7, 11, 15, 19, 23}
    assert {t.row for t in shipped_tasks if t.lead_unit is None} == {21, 22, 24}
    assert by_id["DT21-1a"].units == ("市住建局", "市委组织部(市委人才办)")
    assert by_id["DT26-2.2b"].text == by_id["DT26-2.2a"].text


def test_points_split_and_page_breaks_joined(shipped_tasks):
    points = {t.id: t for t in shipped_tasks if t.row == 11}
    assert sorted(points) == [f"DT11-1.{n}" for n in range(1, 6)]
    transport = next(t for t in shipped_tasks if t.id == "DT04-1")
    assert "公交首末站建成3个" in transport.text and transport.value == 17
    securitisation = [t.id for t in shipped_tasks if t.row == 25]
    assert securitisation == ["DT25-1.1", "DT25-1.2"]


def test_texts_and_quotes_are_verbatim_from_the_plan(shipped_tasks):
    plan = (REPO / "docs" / "2021-implementation-plan.txt").read_text(encoding="utf-8")
    # Attachment 3's 任务目标 column, page breaks joined: the third tab-separated cell of each of its lines.
    target_column = _squeeze("".join(line.split("\t")[2] for line in plan.split("\n附件3\n")[1].splitlines()
                                     if line.count("\t") >= 2))
    for task in shipped_tasks:
        assert _squeeze(task.text) in target_column, task.id
        assert task.project in plan, task.id
    plan = _squeeze(plan)
    for task in shipped_tasks:
        assert all(_squeeze(unit) in plan for unit in task.units), task.id
    for ident, text in PLAN_TEXT_TARGETS.items():
        for fragment in text.quote.split("……"):
            assert _squeeze(fragment) in plan, ident


# --- broken fixtures: targets.csv -----------------------------------------------------------------------------

TARGETS_HEADER = "id,action,action_name,measure,detail,unit,parent_id,aggregation,P1,P2,P3,P4,P5,P6,total"
TINY_TARGETS = [
    "A1-1,1,平台,平台提质,,个,,sum_of_parks,3,3,1,1,1,1,10",
    "A4-3,4,人才,人才,,个,,sum_of_parks,288,500,215,208,180,17,1408",
    "A4-3a,4,人才,人才,其中博士,个,A4-3,sum_of_parks,38,100,15,13,10,2,178",
    "A5-1,5,技术,技术,,项,,sum_of_parks,no numeric target,no numeric target,no numeric target,"
    "no numeric target,no numeric target,no numeric target,no numeric target",
    "A8-1,8,指标,增速,智能装备,%,,zone_wide,total only,total only,total only,total only,total only,total only,12",
]


def _write_targets(folder: Path, rows: list[str], header: str = TARGETS_HEADER) -> Path:
    (folder / "targets.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def _target_problems(tmp_path: Path, rows: list[str], header: str = TARGETS_HEADER) -> list[str]:
    return [str(p) for p in read_targets(_write_targets(tmp_path, rows, header))[1]]


def test_tiny_targets_are_valid(tmp_path):
    targets, problems = read_targets(_write_targets(tmp_path, TINY_TARGETS))
    assert problems == []
    assert [t.id for t in targets] == ["A1-1", "A4-3", "A4-3a", "A5-1", "A8-1"]
    assert targets[0].park_values == {"P1": 3, "P2": 3, "P3": 1, "P4": 1, "P5": 1, "P6": 1}
    assert targets[3].total == NO_NUMERIC_TARGET and targets[4].per_park["P3"] == "total only"


@pytest.mark.parametrize(("row", "expected"), [
    ("A1-1,1,平台,平台提质,,个,,sum_of_parks,3,3,abc,1,1,1,10",
     "targets.csv [A1-1] P3: expected a number ≥ 0 or 'no numeric target' or 'not applicable'; got 'abc'"),
    ("A1-1,1,平台,平台提质,,个,,sum_of_parks,288(38),3,1,1,1,1,10", "goes on a row of its own"),
    ("A1-1,1,平台,平台提质,,个,,sum_of_parks,3,,1,1,1,1,10", "targets.csv [A1-1] P2: expected a number"),
    ("A1-1,1,平台,平台提质,,个,,sum_of_parks,3,3,1,1,1,-1,10", "[A1-1] P6: expected a number ≥ 0"),
    ("A1-1,1,平台,平台提质,,个,,sum_of_parks,3,3,1,1,1,1,total only", "[A1-1] total: expected a number ≥ 0 or "
                                                                    "'no numeric target'; got 'total only'"),
    ("A1-1,1,平台,平台提质,,个,,sum_of_parks,3,no numeric target,no numeric target,no numeric target,"
     "no numeric target,not applicable,no numeric target",
     "[A1-1] total: 'no numeric target' here means the plan sets none for any park, but P1, P6 have values"),
    ("A8-2,8,指标,增速,生命健康,%,,zone_wide,15,total only,total only,total only,total only,total only,15",
     "[A8-2] P1: expected 'total only'; got '15'"),
    ("A1-1,1,平台,平台提质,,个,,average,3,3,1,1,1,1,10", "[A1-1] aggregation: expected one of sum_of_parks"),
    ("A1-1,2,平台,平台提质,,个,,sum_of_parks,3,3,1,1,1,1,10", "[A1-1] id: id A1-1 belongs to action 1"),
    ("A1-1,1,平台,,,个,,sum_of_parks,3,3,1,1,1,1,10", "[A1-1] measure: must not be empty"),
    ("X9,1,平台,平台提质,,个,,sum_of_parks,3,3,1,1,1,1,10", "targets.csv [line 2] id: expected an id like A3-1"),
    ("A1-1,1,平台,平台提质,,个,,sum_of_parks,3,3,1,1,1,1,10,99", "targets.csv [line 2] file: expected 15 cells"),
])
def test_bad_target_row_is_one_problem(tmp_path, row, expected):
    problems = _target_problems(tmp_path, [row])
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_target_links_and_duplicates(tmp_path):
    rows = [*TINY_TARGETS, TINY_TARGETS[0]]
    rows[2] = rows[2].replace(",38,", ",300,")  # PhDs above all talents in P1
    rows.append("A1-2,1,另一个名字,平台拓面,,个,A9-9,sum_of_parks,2,1,1,1,1,1,7")
    problems = _target_problems(tmp_path, rows)
    assert "targets.csv [A1-1] id: duplicate id: used on lines 2, 7; ids must be unique" in problems
    assert "targets.csv [A4-3a] P1: a sub-measure cannot exceed its measure A4-3: 300 > 288" in problems
    assert any(p.startswith("targets.csv [A1-2] action_name: action 1 is named '平台'") for p in problems)
    assert any(p.startswith("targets.csv [A1-2] parent_id: expected the id of a main row") for p in problems)
    assert len(problems) == 4


def test_unknown_park_and_missing_column(tmp_path):
    problems = _target_problems(tmp_path, [TINY_TARGETS[0] + ",5"], TARGETS_HEADER + ",P7")
    assert problems == ["targets.csv P7: unknown park; expected only the columns id, action, action_name, measure, "
                        "detail, unit, parent_id, aggregation, P1, P2, P3, P4, P5, P6, total"]
    targets, raw = read_targets(_write_targets(tmp_path, [], TARGETS_HEADER.replace(",total", "")))
    assert targets == [] and [str(p) for p in raw] == ["targets.csv total: missing column"]


def test_missing_and_malformed_files(tmp_path):
    assert "targets.csv file: file not found" in str(read_targets(tmp_path)[1][0])
    (tmp_path / "targets.csv").write_bytes(TARGETS_HEADER.encode() + b"\n\xff\xfe,1\n")
    assert "expected a UTF-8 CSV file" in str(read_targets(tmp_path)[1][0])


# --- broken fixtures: department_tasks.csv --------------------------------------------------------------------

TASKS_HEADER = "id,row,project,block,point,text,units,starred,measure,value,unit,at_least"


def _tiny_tasks() -> list[str]:
    rows = [f"DT{n:02d}-1,{n},项目{n},1,,任务{n}。,市科技局,false,,,," for n in range(1, 31)]
    rows[12] = "DT13-1,13,项目13,1,,新增孵化面积10万平方米。,市科技局,false,新增孵化面积,10,万平方米,false"
    rows[20] = "DT21-1,21,项目21,1,,任务。,市住建局、市委人才办,true,,,,"
    return rows


def _task_problems(tmp_path: Path, rows: list[str]) -> list[str]:
    (tmp_path / "department_tasks.csv").write_text("\n".join([TASKS_HEADER, *rows]) + "\n", encoding="utf-8")
    return [str(p) for p in read_department_tasks(tmp_path)[1]]


def test_tiny_tasks_are_valid(tmp_path):
    rows = _tiny_tasks()
    assert _task_problems(tmp_path, rows) == []
    tasks = read_department_tasks(tmp_path)[0]
    assert (tasks[12].value, tasks[12].unit, tasks[12].at_least) == (10, "万平方米", False)
    assert tasks[20].lead_unit == "市住建局" and tasks[20].units == ("市住建局", "市委人才办")


@pytest.mark.parametrize(("index", "row", "expected"), [
    (20, "DT21-1,21,项目21,1,,任务。,*市住建局、市委人才办,false,,,,",
     "department_tasks.csv [DT21-1] units: expected unit names separated by 、"),
    (4, "DT05-1,5,项目5,1,,任务。,市科技局,yes,,,,", "[DT05-1] starred: expected true or false; got 'yes'"),
    (4, "DT05-2,5,项目5,1,,任务。,市科技局,false,,,,", "[DT05-2] id: expected DT05-1 (from row, block and point)"),
    (4, "DT05-1,5,项目5,1,,任务。,市科技局,false,面积,10,,true", "[DT05-1] unit: a numeric target needs"),
    (4, "DT05-1,5,项目5,1,,任务。,市科技局,false,面积,-3,万平方米,true", "[DT05-1] value: expected a number > 0"),
    (4, "DT05-1,5,项目5,1,,任务。,市科技局,false,面积,3,万平方米,maybe", "[DT05-1] at_least: expected true or false"),
    (4, "DT05-1,5,项目5,1,,,市科技局,false,,,,", "[DT05-1] text: must not be empty"),
])
def test_bad_task_row_is_one_problem(tmp_path, index, row, expected):
    rows = _tiny_tasks()
    rows[index] = row
    problems = _task_problems(tmp_path, rows)
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_row_number_out_of_range_leaves_its_row_missing(tmp_path):
    rows = _tiny_tasks()
    rows[4] = "DT05-1,35,项目5,1,,任务。,市科技局,false,,,,"
    assert _task_problems(tmp_path, rows) == [
        "department_tasks.csv [DT05-1] row: expected a row number 1–30; got '35'",
        "department_tasks.csv row: the plan has 30 numbered rows; missing rows 5"]


def test_project_names_agree_within_a_row(tmp_path):
    rows = _tiny_tasks()
    rows.insert(5, "DT05-2,5,项目五,2,,任务。,市发改委,false,,,,")
    assert _task_problems(tmp_path, rows) == [
        "department_tasks.csv [DT05-2] project: row 5 is named '项目5' elsewhere; got '项目五'"]


def test_missing_rows_and_duplicates(tmp_path):
    rows = _tiny_tasks()
    del rows[6]
    rows.append(rows[0])
    problems = _task_problems(tmp_path, rows)
    assert problems == ["department_tasks.csv [DT01-1] id: duplicate id: used on lines 2, 31; ids must be unique",
                        "department_tasks.csv row: the plan has 30 numbered rows; missing rows 7"]


# --- parks ----------------------------------------------------------------------------------------------------

PARK_AREAS = {"P1": "龙湾区", "P2": "瓯海区", "P3": "乐清市", "P4": "瑞安市", "P5": "浙南产业集聚区",
              "P6": "瓯江口产业集聚区"}
PARK_NAMES = {"P1": "温州国家高新区（浙南科技城）", "P2": "高教园", "P3": "乐清园", "P4": "瑞安园", "P5": "浙南园",
              "P6": "瓯江口园"}


def _tiny_parks(write_layers, modify=None) -> tuple[Path, gpd.GeoDataFrame]:
    """Six small squares, each in the centre of its area of the conftest layers (areas 0.1° apart from 120.1)."""
    folder = write_layers()
    lons = {"P1": 120.2, "P2": 120.3, "P3": 120.4, "P4": 120.5, "P5": 120.6, "P6": 120.7}
    features = [{"type": "Feature", "properties": {"id": pid, "name": PARK_NAMES[pid], "district": PARK_AREAS[pid],
                                                   "geometry_source": "approximate"},
                 "geometry": shapely.geometry.mapping(shapely.box(lon - 0.01, 27.89, lon + 0.01, 27.91))}
                for pid, lon in lons.items()]
    if modify is not None:
        modify(features)
    doc = {"type": "FeatureCollection", "features": features}
    (folder / "parks.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder, load_plan(folder).districts


def test_tiny_parks_are_valid(write_layers):
    folder, areas = _tiny_parks(write_layers)
    parks, problems = read_parks(folder, areas=areas)
    assert problems == [] and list(parks["id"]) == ["P1", "P2", "P3", "P4", "P5", "P6"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda f: f[2]["properties"].update(id="P7"),
     ["parks.geojson [P7] id: unknown park; Attachment 1 has P1, P2, P3, P4, P5, P6",
      "parks.geojson id: missing park P3 (乐清园)"]),
    (lambda f: f[1]["properties"].update(name="大学城"),
     ["parks.geojson [P2] name: expected '高教园' (Attachment 1's name for P2); got '大学城'"]),
    (lambda f: f[0]["properties"].update(district="鹿城区"),
     ["parks.geojson [P1] geometry: lies outside its district 鹿城区 by up to"]),
    (lambda f: f[5]["properties"].update(geometry_source="gps"),
     ["parks.geojson [P6] geometry_source: expected one of approximate, provisional, surveyed"]),
    (lambda f: f.append(dict(f[0])), ["parks.geojson [P1] id: duplicate id"]),
])
def test_bad_parks_are_reported(write_layers, change, expected):
    folder, areas = _tiny_parks(write_layers, change)
    problems = [str(p) for p in read_parks(folder, areas=areas)[1]]
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)


def test_missing_parks_file(tmp_path):
    parks, problems = read_parks(tmp_path)
    assert parks is None and "parks.geojson file: file not found" in str(problems[0])


def test_shipped_parks_are_plausible_and_inside_their_areas():
    plan = load_plan()
    parks, problems = read_parks(areas=plan.districts)
    assert problems == []
    assert dict(zip(parks["id"], parks["name"])) == PARK_NAMES
    assert dict(zip(parks["id"], parks["district"])) == PARK_AREAS
    assert set(parks["geometry_source"]) == {"approximate"}
    metric = parks.to_crs(METRIC_CRS)
    for geometry in metric.geometry:
        assert geometry.geom_type == "Polygon" and 1e6 <= geometry.area <= 20e6
        assert len(geometry.exterior.coords) > 12  # an irregular outline, not a box
        assert geometry.area / geometry.minimum_rotated_rectangle.area < 0.9
    assert not any(a.intersects(b) for i, a in enumerate(metric.geometry) for b in metric.geometry[i + 1:])
    outline = dict(zip(parks["id"], parks.geometry))
    places = [("P1", 120.780, 27.958), ("P1", 120.805, 27.925), ("P2", 120.705, 27.915), ("P3", 120.900, 28.040),
              ("P4", 120.720, 27.860), ("P5", 120.840, 27.870), ("P6", 120.916, 27.944)]
    for park_id, lon, lat in places:
        assert outline[park_id].contains(shapely.Point(lon, lat)), park_id
    blocks = dict(zip(plan.blocks["id"], plan.blocks.geometry))
    for park_id, block_id in [("P1", "B02"), ("P1", "B03"), ("P2", "B07"), ("P3", "B09"), ("P4", "B10"),
                              ("P5", "B12"), ("P6", "B13")]:
        assert outline[park_id].contains(blocks[block_id]), (park_id, block_id)


def test_build_parks_is_deterministic(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_parks", REPO / "scripts" / "build_parks.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_parks", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    for name in ("districts.geojson", "blocks.geojson"):
        shutil.copy(REPO / "data" / name, tmp_path / name)
    assert module.build(data=tmp_path).read_bytes() == (REPO / "data" / "parks.geojson").read_bytes()
