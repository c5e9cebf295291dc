"""Actual values of Attachment 1's targets in the status database (geo/status/target_records.py), against real databases
and the repo's real targets (data/targets.csv): A1-1 is set for every park, A2-1 is "not applicable" for P6, A1-3
has no numeric target, A8-1 is a zone-wide growth rate in %."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from geo.status import models
from geo.errors import EditConflict, UnknownItem, ValidationError
from geo.plan.quarters import Quarter
from geo.status.snapshot import audit_entries
from geo.plan.target_plan import load_target_plan
from geo.status.target_records import (
    MAX_ACTUAL, actual_history, actual_key, actual_values, actual_versions, add_actual, check_actual,
    latest_actuals, reportable_parks,
)

TODAY = date(2021, 12, 31)
Q1, Q2, Q3 = Quarter(2021, 1), Quarter(2021, 2), Quarter(2021, 3)


@pytest.fixture(scope="module")
def targets():
    return load_target_plan()


def report(store, targets, target_id="A1-1", **overrides):
    values = {"park": "P1", "quarter": "2021Q2", "value": 2, "reported_on": "2021-07-05", "reporter": "张三",
              "note": "二季度累计", "today": TODAY, **overrides}
    values.setdefault("expected_version", actual_versions(store).get(actual_key(target_id, values["park"]), 0))
    return add_actual(store, targets, target_id, **values)


def table_counts(store) -> dict[str, int]:
    with store.read() as session:
        return {table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in models.Base.metadata.sorted_tables}


def test_an_actual_is_stored_with_its_cell_version_and_audit_entry(store, targets):
    written = report(store, targets, "A8-6", value=" 2.5 ", note="  含中国眼谷 ")  # 亿元: an amount, not a count
    assert (written.item_id, written.version) == ("A8-6@P1", 1)
    actual = written.record
    assert (actual.target_id, actual.park, actual.quarter, actual.value, actual.note, actual.reported_on,
            actual.reporter) == ("A8-6", "P1", Q2, 2.5, "含中国眼谷", date(2021, 7, 5), "张三")
    assert actual.created_at.tzinfo is not None
    assert actual_versions(store) == {"A8-6@P1": 1}
    [entry] = audit_entries(store, item_id="A8-6@P1")
    assert (entry.action, entry.actor) == ("actual", "张三")
    assert entry.details == {"target_id": "A8-6", "park": "P1", "quarter": "2021Q2", "value": 2.5,
                             "note": "含中国眼谷", "reported_on": "2021-07-05", "actual_id": actual.id, "version": 1}
    with store.read() as session:
        row = session.get(models.TargetActual, actual.id)
        assert (row.item_id, row.year, row.quarter) == ("A8-6@P1", 2021, 2)


def test_the_latest_report_by_date_then_id_is_current_and_history_is_kept(store, targets):
    first = report(store, targets, value=2, reported_on="2021-07-05")
    second = report(store, targets, value=3, reported_on=date(2021, 7, 5), note="同日更正")
    report(store, targets, value=1, reported_on="2021-07-01")  # filed last, dated earlier: not current
    report(store, targets, value=1, quarter=Q1, reported_on="2021-04-02")
    report(store, targets, park="P2", value=1)
    report(store, targets, "A4-3a", park="P2", value=40, quarter=Q3, reported_on="2021-09-30")
    latest = latest_actuals(store)
    assert set(latest) == {("A1-1", "P1", Q2), ("A1-1", "P1", Q1), ("A1-1", "P2", Q2), ("A4-3a", "P2", Q3)}
    assert latest[("A1-1", "P1", Q2)] == second.record and first.record.id < second.record.id
    assert actual_values(latest) == {("A1-1", "P1", Q2): 3, ("A1-1", "P1", Q1): 1, ("A1-1", "P2", Q2): 1,
                                     ("A4-3a", "P2", Q3): 40}
    history = actual_history(store)
    assert len(history) == 6 and history[-1].reported_on == date(2021, 4, 2)
    assert [(a.reported_on, a.id) for a in history] == sorted(((a.reported_on, a.id) for a in history),
                                                              reverse=True)
    assert [a.value for a in actual_history(store, "A1-1") if a.park == "P1"] == [3, 2, 1, 1]
    assert [a.value for a in actual_history(store, "A4-3a")] == [40]
    assert actual_history(store, "A8-1") == []
    assert actual_versions(store) == {"A1-1@P1": 4, "A1-1@P2": 1, "A4-3a@P2": 1}


def test_as_of_counts_only_what_was_reported_by_that_day(store, targets):
    report(store, targets, value=1, reported_on="2021-06-20")
    report(store, targets, value=2, reported_on="2021-07-05")
    report(store, targets, park="P3", value=1, reported_on="2021-07-10")
    assert actual_values(latest_actuals(store, as_of=date(2021, 7, 4))) == {("A1-1", "P1", Q2): 1}
    assert actual_values(latest_actuals(store, as_of=date(2021, 7, 5))) == {("A1-1", "P1", Q2): 2}
    assert latest_actuals(store, as_of=date(2021, 6, 19)) == {}
    assert len(latest_actuals(store, as_of=TODAY)) == 2


def test_zone_wide_rates_take_the_total_and_may_be_negative(store, targets):
    written = report(store, targets, "A8-1", park="total", value="-3.5", quarter=Q1, reported_on="2021-04-15")
    assert (written.item_id, written.record.value) == ("A8-1@total", -3.5)
    report(store, targets, "A1-3", park="P6", value=0)  # no numeric target: still reportable
    assert actual_values(latest_actuals(store)) == {("A8-1", "total", Q1): -3.5, ("A1-3", "P6", Q2): 0}


def test_each_cell_has_its_own_version_and_a_stale_one_is_a_conflict(store, targets):
    report(store, targets, expected_version=0)
    report(store, targets, park="P2", expected_version=0)  # another park of the same target: its own version
    before = table_counts(store)
    with pytest.raises(EditConflict, match="A1-1@P1 was changed by someone else: the edit was based on version 0, "
                                           "it is now at version 1"):
        report(store, targets, value=3, expected_version=0)
    assert table_counts(store) == before
    assert actual_values(latest_actuals(store))[("A1-1", "P1", Q2)] == 2
    assert report(store, targets, value=3, expected_version=1).version == 2


def test_an_unknown_target_is_refused_before_anything_is_written(store, targets):
    with pytest.raises(UnknownItem, match="no target of Attachment 1 has id 'A9-1'"):
        report(store, targets, "A9-1", expected_version=0)
    assert set(table_counts(store).values()) == {0}


BAD_ACTUALS = [
    ({"park": "P" * 5000}, "park", "got 'PPPP.*\\.\\.\\.$"),
    ({"park": "P7"}, "park", "expected one of P1, P2, P3, P4, P5, P6, got 'P7'"),
    ({"park": None}, "park", "expected one of .*got None"),
    ({"park": ["P1"]}, "park", "expected one of .*got \\['P1'\\]"),
    ({"park": "total"}, "park", "the total of A1-1 is computed from the parks' actuals and cannot be reported"),
    ({"target": "A2-1", "park": "P6"}, "park", "sets A2-1 for P1, P2, P3, P4, P5, not for P6 .*'not applicable'"),
    ({"target": "A8-1", "park": "P1"}, "park", "A8-1 is one figure for the whole zone: expected 'total'"),
    ({"quarter": "2022Q1"}, "quarter", "expected a quarter of the plan year written like 2021Q2"),
    ({"quarter": "2021q2"}, "quarter", "plan year .* got '2021q2'"),
    ({"quarter": Quarter(2020, 4)}, "quarter", "plan year .* got 2020Q4"),
    ({"quarter": None}, "quarter", "plan year .* got None"),
    ({"quarter": "2021Q4", "reported_on": "2021-09-30", "today": date(2021, 9, 30)}, "quarter",
     "2021Q4 has not begun \\(it starts 2021-10-01, today is 2021-09-30\\)"),
    ({"value": "十二"}, "value", "expected the year-to-date count or amount in 个 as a number from 0 to 1000000"),
    ({"value": "nan"}, "value", "got 'nan'"),
    ({"value": float("inf")}, "value", "got inf"),
    ({"value": 10 ** 5000}, "value", "from 0 to 1000000, got a number of more than 300 digits"),
    ({"value": "9" * 400}, "value", "got '99999.*\\.\\.\\.$"),
    ({"value": True}, "value", "got True"),
    ({"value": None}, "value", "got None"),
    ({"value": -1}, "value", "from 0 to .* got -1"),
    ({"value": MAX_ACTUAL + 1}, "value", "from 0 to 1000000"),
    ({"target": "A8-1", "park": "total", "value": -100.5}, "value", "growth rate in % .* from -100 to 1000"),
    ({"target": "A8-1", "park": "total", "value": "1001"}, "value", "from -100 to 1000, got '1001'"),
    ({"reported_on": "2021-02-30"}, "reported_on", "expected a date as YYYY-MM-DD"),
    ({"reported_on": "2022-01-01"}, "reported_on", "cannot be dated after today \\(2021-12-31\\)"),
    ({"reported_on": "2021-03-31"}, "reported_on",
     r"for 2021Q2 cannot be dated before the quarter begins \(2021-04-01\), got 2021-03-31"),
    ({"reporter": "  "}, "reporter", "must not be empty"),
    ({"reporter": "张" * 65}, "reporter", "at most 64 characters"),
    ({"note": "很" * 2001}, "note", "at most 2000 characters"),
    ({"note": "x\x00"}, "note", "control characters"),
    ({"note": 5}, "note", "expected text, got int"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_ACTUALS)
def test_a_bad_actual_names_its_field_and_writes_nothing(store, targets, change, field, message):
    change = dict(change)
    target_id = change.pop("target", "A1-1")
    with pytest.raises(ValidationError, match=rf"actual value \[{target_id}\] {field}: .*{message}") as info:
        report(store, targets, target_id, expected_version=0, **change)
    assert [p.field for p in info.value.problems] == [field]
    assert set(table_counts(store).values()) == {0}


def test_every_problem_is_reported_at_once(store, targets):
    with pytest.raises(ValidationError, match=r"5 validation problem\(s\)") as info:
        report(store, targets, expected_version=0, park="total", quarter="2021Q5", value="x", reported_on="昨天",
               reporter="")
    assert [p.field for p in info.value.problems] == ["park", "quarter", "value", "reported_on", "reporter"]
    assert set(table_counts(store).values()) == {0}


def test_check_actual_is_pure_and_normalises(targets):
    values, problems = check_actual(targets.target("A4-3"), park="P2", quarter="2021Q3", value="320",
                                    note=None, reported_on="2021-10-08", reporter=" 李四 ", today=date(2021, 10, 8))
    assert problems == []
    assert values == {"park": "P2", "quarter": Q3, "value": 320.0, "note": "", "reported_on": date(2021, 10, 8),
                      "reporter": "李四"}
    _, problems = check_actual(targets.target("A4-3"), park="P2", quarter=Q3, value=1, note="",
                               reported_on=date(2021, 7, 1), reporter="a", today=date(2021, 7, 1))
    assert problems == []  # a quarter may be reported from its first day on


def test_reportable_cells_follow_the_plan(targets):
    assert reportable_parks(targets.target("A1-1")) == ("P1", "P2", "P3", "P4", "P5", "P6")
    assert reportable_parks(targets.target("A2-1")) == ("P1", "P2", "P3", "P4", "P5")
    assert reportable_parks(targets.target("A1-3")) == ("P1", "P2", "P3", "P4", "P5", "P6")
    assert reportable_parks(targets.target("A8-5")) == ("total",)
    assert actual_key("A4-3a", "P2") == "A4-3a@P2"


def test_the_database_refuses_inconsistent_rows_too(store):
    def insert(**changes) -> None:
        with store.write() as session:
            session.add(models.Item(item_id="A1-1@P1", version=1, updated_at=sa.func.now()))
            session.flush()
            session.add(models.TargetActual(**{
                "item_id": "A1-1@P1", "target_id": "A1-1", "park": "P1", "year": 2021, "quarter": 2, "value": 1.0,
                "note": "", "reported_on": date(2021, 7, 1), "reporter": "a", "created_at": sa.func.now(),
                **changes}))

    for bad in ({"quarter": 5}, {"quarter": 0}, {"park": "P2"}, {"item_id": "A1-1@P2"}):
        with pytest.raises(sa.exc.IntegrityError):
            insert(**bad)
    assert set(table_counts(store).values()) == {0}
    insert()
    assert table_counts(store)["target_actuals"] == 1
