"""Writes to the status database and reading them back: one transaction each, validated, version-checked."""
from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from geo.status import models
from geo.errors import EditConflict, UnknownItem, ValidationError
from geo.status.records import (
    add_geometry_version, add_report, close_item, reopen_item, set_milestones, set_period,
)
from geo.status.snapshot import (
    audit_entries, check_history, item_state, item_states, latest_change_id, report_history,
)
from geo.status.colours import Milestone

TODAY = date(2021, 12, 31)



def report(store, plan, item_id="B01", **overrides):
    values = {"percent": 40, "state": "进行中", "reported_on": "2021-05-01", "reporter": "张三",
              "expected_version": item_state(store, item_id).version, "today": TODAY, **overrides}
    return add_report(store, plan, item_id, **values)


def table_counts(store) -> dict[str, int]:
    with store.read() as session:
        return {table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in models.Base.metadata.sorted_tables}


def test_history_is_kept_and_the_latest_report_by_date_then_id_is_current(store, plan):
    first = report(store, plan, percent=40, reported_on="2021-05-01")
    report(store, plan, percent=30, reported_on="2021-04-01")  # filed later, dated earlier
    third = report(store, plan, percent=45, reported_on=date(2021, 5, 1), note="同日补报")
    assert (first.version, third.version) == (1, 3)
    state = item_state(store, "B01")
    assert (state.report.id, state.report.percent, state.report.note, state.report_count) == (third.record.id, 45,
                                                                                              "同日补报", 3)
    assert [r.percent for r in report_history(store, "B01")] == [45, 40, 30]
    assert item_state(store, "B01", as_of=date(2021, 4, 30)).report.percent == 30
    assert item_state(store, "B01", as_of=date(2021, 3, 1)).report is None


def test_an_invalid_report_names_every_field_and_changes_nothing(store, plan):
    with pytest.raises(ValidationError, match=r"4 validation problem\(s\)") as info:
        report(store, plan, percent=101, state="完成", reported_on="2021-02-30", reporter="  ")
    assert {p.field for p in info.value.problems} == {"percent", "state", "reported_on", "reporter"}
    with pytest.raises(ValidationError) as info:
        report(store, plan, percent=60, state="已完成", reported_colour="blue", reported_on="2022-01-01",
               note="x\x00")
    assert {p.field for p in info.value.problems} == {"percent", "reported_colour", "reported_on", "note"}
    assert set(table_counts(store).values()) == {0}


def test_an_unknown_item_is_refused_before_anything_is_written(store, plan):
    with pytest.raises(UnknownItem, match="no block, road or task has id 'B99'"):
        report(store, plan, item_id="B99", expected_version=0)
    assert set(table_counts(store).values()) == {0}


def test_a_stale_version_is_a_conflict_and_changes_nothing(store, plan):
    report(store, plan)
    before = table_counts(store)
    with pytest.raises(EditConflict, match="based on version 0, it is now at version 1"):
        report(store, plan, expected_version=0, percent=90)
    assert table_counts(store) == before
    assert item_state(store, "B01").report.percent == 40


@pytest.mark.parametrize("first_edit", [True, False])
def test_concurrent_reports_on_one_version_never_lose_an_update(store, plan, first_edit):
    if not first_edit:
        report(store, plan, item_id="E02")
    version = item_state(store, "E02").version
    editors = 5
    barrier = threading.Barrier(editors)
    won, conflicts = [], []

    def edit(n: int) -> None:
        barrier.wait()
        try:
            won.append(report(store, plan, item_id="E02", percent=40 + 10 * n, expected_version=version))
        except EditConflict:
            conflicts.append(n)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(won), len(conflicts)) == (1, editors - 1)
    state = item_state(store, "E02")
    assert (state.version, state.report.percent) == (version + 1, won[0].record.percent)
    assert state.report_count == (1 if first_edit else 2)


def test_close_and_reopen_are_logged_and_dated(store, plan):
    closed = close_item(store, plan, "E01", note="整治完成", actor="李四", expected_version=0,
                        effective_on="2021-06-20", today=TODAY)
    with pytest.raises(ValidationError, match="closed: the item is already closed") as info:
        close_item(store, plan, "E01", note="", actor="李四", expected_version=1, today=TODAY)
    assert {p.field for p in info.value.problems} == {"closed", "note"}
    assert item_state(store, "E01").version == 1  # the refused close rolled back its version step
    reopened = reopen_item(store, plan, "E01", note="验收未通过", actor="王五", expected_version=1,
                           effective_on="2021-08-01", today=TODAY)
    assert (closed.record.action, reopened.record.action, reopened.version) == ("close", "reopen", 2)
    assert item_state(store, "E01").closed is False
    assert item_state(store, "E01", as_of=date(2021, 7, 1)).closing.note == "整治完成"
    assert item_state(store, "E01", as_of=date(2021, 6, 19)).closed is False
    assert [e.action for e in check_history(store, "E01")] == ["reopen", "close"]
    assert [(a.action, a.actor) for a in audit_entries(store, item_id="E01")] == [("reopen", "王五"),
                                                                                   ("close", "李四")]
    with pytest.raises(ValidationError, match="closed: the item is not closed"):
        reopen_item(store, plan, "E01", note="再开", actor="王五", expected_version=2, today=TODAY)


def test_every_write_leaves_an_audit_entry_in_its_transaction(store, plan):
    assert latest_change_id(store) == 0
    report(store, plan)
    close_item(store, plan, "R01", note="建成", actor="李四", expected_version=0, today=TODAY)
    set_period(store, plan, "R01", start="2021-03-01", end="2021-10-31", actor="admin", expected_version=1)
    set_milestones(store, plan, "R01", [{"due_on": "2021-06-30", "percent": 40}], actor="admin", expected_version=2)
    entries = audit_entries(store)
    assert latest_change_id(store) == entries[0].id
    assert [(e.action, e.item_id) for e in entries] == [("milestones", "R01"), ("period", "R01"), ("close", "R01"),
                                                        ("report", "B01")]
    assert entries[-1].details["percent"] == 40 and entries[-1].details["reported_on"] == "2021-05-01"
    assert entries[0].details["after"] == [["2021-06-30", 40.0]]


def test_periods_and_milestones_are_validated_against_each_other(store, plan):
    written = set_period(store, plan, "B01", start="2021-03-01", end="2021-09-30", actor="a", expected_version=0)
    with pytest.raises(ValidationError) as info:
        set_milestones(store, plan, "B01", [{"due_on": "2021-02-01", "percent": 20},
                                            {"due_on": "2021-06-01", "percent": 50},
                                            {"due_on": "2021-07-01", "percent": 30},
                                            {"due_on": "2021-08-01", "percent": "x"}],
                       actor="a", expected_version=written.version)
    assert {p.field for p in info.value.problems} == {"milestones[0].due_on", "milestones", "milestones[3].percent"}
    set_milestones(store, plan, "B01", [Milestone(date(2021, 6, 1), 50)], actor="a", expected_version=1)
    state = item_state(store, "B01")
    assert (state.period_start, state.milestones) == (date(2021, 3, 1), (Milestone(date(2021, 6, 1), 50.0),))
    with pytest.raises(ValidationError, match="milestones\\[0\\].due_on: must lie strictly inside the period"):
        set_period(store, plan, "B01", start="2021-07-01", end="2021-12-31", actor="a", expected_version=2)
    with pytest.raises(ValidationError, match="period_end: must be after period_start"):
        set_period(store, plan, "B01", start="2021-07-01", end="2021-07-01", actor="a", expected_version=2)
    set_period(store, plan, "B01", start=None, end=None, actor="a", expected_version=2)
    assert item_state(store, "B01").period_start is None


def test_geometry_edits_are_versioned_as_hand_drawn_by_default(store, plan):
    square = {"type": "Polygon", "coordinates": [[[120.09, 27.89], [120.11, 27.89], [120.11, 27.91],
                                                   [120.09, 27.91], [120.09, 27.89]]]}
    first = add_geometry_version(store, plan, "B01", square, author="测绘员", expected_version=0)
    feature = {"type": "Feature", "properties": {}, "geometry": {**square, "coordinates": [
        [[120.095, 27.895], [120.105, 27.895], [120.105, 27.905], [120.095, 27.905], [120.095, 27.895]]]}}
    second = add_geometry_version(store, plan, "B01", feature, author="测绘员", expected_version=1)
    assert (first.record.version, second.record.version, second.version) == (1, 2, 2)
    assert (first.record.source, first.record.restored_from, first.record.author) == ("hand_drawn", None, "测绘员")
    assert item_state(store, "B01").geometry.geometry["coordinates"][0][0] == [120.095, 27.895]
    with pytest.raises(ValidationError, match="geometry edit \\[B01\\] geometry: expected Polygon or MultiPolygon"):
        add_geometry_version(store, plan, "B01", {"type": "Point", "coordinates": [120.1, 27.9]}, author="x",
                             expected_version=2)
    assert item_states(store)["B01"].version == 2


def test_each_write_returns_its_item_and_logs_and_audits_exactly_what_it_did(store, plan, caplog):
    square = {"type": "Polygon", "coordinates": [[[120.09, 27.89], [120.11, 27.89], [120.11, 27.91],
                                                   [120.09, 27.91], [120.09, 27.89]]]}
    with caplog.at_level("INFO", logger="geo.status.records"):
        written = [report(store, plan, "B01", percent=40),
                   close_item(store, plan, "E01", note="整治完成", actor="李四", expected_version=0, today=TODAY),
                   reopen_item(store, plan, "E01", note="验收未通过", actor="王五", expected_version=1,
                               today=TODAY),
                   set_period(store, plan, "R01", start="2021-03-01", end="2021-10-31", actor="admin",
                              expected_version=0),
                   set_milestones(store, plan, "R01", [{"due_on": "2021-06-30", "percent": 40}], actor="admin",
                                  expected_version=1),
                   set_milestones(store, plan, "R01", [], actor="admin", expected_version=2),
                   add_geometry_version(store, plan, "B01", square, author="测绘员", expected_version=1)]
    assert [(w.item_id, w.version) for w in written] == [
        ("B01", 1), ("E01", 1), ("E01", 2), ("R01", 1), ("R01", 2), ("R01", 3), ("B01", 2)]
    assert (written[1].record.effective_on, written[2].record.effective_on) == (TODAY, TODAY)  # default: today
    assert written[3].record == {"start": date(2021, 3, 1), "end": date(2021, 10, 31)}
    assert written[4].record == (Milestone(date(2021, 6, 30), 40.0),) and written[5].record == ()
    entries = {(e.item_id, e.action): e for e in audit_entries(store)}
    report_id, event_ids = written[0].record.id, [w.record.id for w in written[1:3]]
    assert entries[("B01", "report")].details == {
        "percent": 40.0, "state": "进行中", "note": "", "reported_on": "2021-05-01", "reporter": "张三",
        "reported_colour": None, "report_id": report_id, "version": 1}
    assert entries[("E01", "close")].details == {"note": "整治完成", "effective_on": "2021-12-31",
                                                 "event_id": event_ids[0], "version": 1}
    assert entries[("E01", "reopen")].details == {"note": "验收未通过", "effective_on": "2021-12-31",
                                                  "event_id": event_ids[1], "version": 2}
    assert entries[("R01", "period")].details == {"start": "2021-03-01", "end": "2021-10-31", "version": 1}
    assert [e.details for e in audit_entries(store, item_id="R01") if e.action == "milestones"] == [
        {"before": [["2021-06-30", 40.0]], "after": [], "version": 3},
        {"before": [], "after": [["2021-06-30", 40.0]], "version": 2}]
    assert entries[("B01", "geometry")].details == {"geometry_version": 1, "source": "hand_drawn",
                                                    "geometry_type": "Polygon", "vertices": 5, "version": 2}
    assert (entries[("E01", "close")].actor, entries[("B01", "geometry")].actor) == ("李四", "测绘员")
    assert caplog.messages == [f"report {report_id} on B01 by 张三: 进行中 40%", "close E01 by 李四",
                               "reopen E01 by 王五", "geometry version 1 of B01 by 测绘员 (hand_drawn)"]


def test_the_latest_check_off_is_the_latest_dated_then_the_latest_filed(store, plan):
    for version, act in enumerate([close_item, reopen_item, close_item, reopen_item]):  # all on one day
        act(store, plan, "E02", note="同日", actor="李四", expected_version=version, effective_on="2021-06-20",
            today=TODAY)
    assert item_state(store, "E02").closed is False
    close_item(store, plan, "E02", note="补记", actor="李四", expected_version=4, effective_on="2021-06-10",
               today=TODAY)  # filed last, dated earlier: the reopening of 06-20 is still the latest
    with pytest.raises(ValidationError, match="closed: the item is not closed"):
        reopen_item(store, plan, "E02", note="再开", actor="王五", expected_version=5, today=TODAY)


def test_milestones_keep_to_the_items_own_period_and_to_the_item(store, plan):
    set_period(store, plan, "R01", start="2021-03-01", end="2021-10-31", actor="a", expected_version=0)
    with pytest.raises(ValidationError, match=r"\[R01\] milestones\[0\]\.due_on: must lie strictly inside"):
        set_milestones(store, plan, "R01", [{"due_on": "2021-11-15", "percent": 90}], actor="a", expected_version=1)
    set_milestones(store, plan, "B01", [{"due_on": "2021-06-30", "percent": 50}], actor="a", expected_version=0)
    set_milestones(store, plan, "R01", [{"due_on": "2021-06-30", "percent": 40}], actor="a", expected_version=1)
    set_milestones(store, plan, "R01", [{"due_on": "2021-07-31", "percent": 60}], actor="a", expected_version=2)
    assert item_state(store, "R01").milestones == (Milestone(date(2021, 7, 31), 60.0),)
    assert item_state(store, "B01").milestones == (Milestone(date(2021, 6, 30), 50.0),)  # another item's stay


def test_refusals_name_the_item(store, plan):
    with pytest.raises(ValidationError, match=r"\[B01\] percent"):
        report(store, plan, "B01", percent=140)
    close_item(store, plan, "E01", note="完成", actor="李四", expected_version=0, today=TODAY)
    with pytest.raises(ValidationError, match=r"\[E01\] closed: the item is already closed"):
        close_item(store, plan, "E01", note="再关", actor="李四", expected_version=1, today=TODAY)


def test_check_offs_are_dated_against_the_callers_today(store, plan):
    for act, version in ((close_item, 0), (reopen_item, 1)):
        if act is reopen_item:
            close_item(store, plan, "E01", note="完成", actor="李四", expected_version=0, today=TODAY)
        with pytest.raises(ValidationError, match="effective_on"):  # after the given today, before the real one
            act(store, plan, "E01", note="日期在后", actor="李四", expected_version=version,
                effective_on="2022-01-05", today=TODAY)


def test_a_half_given_period_and_an_oversized_geometry_are_refused_naming_the_item(store, plan):
    with pytest.raises(ValidationError, match=r"\[B01\] period_start"):
        set_period(store, plan, "B01", start=None, end="2021-10-31", actor="a", expected_version=0)
    with pytest.raises(ValidationError, match=r"period \[B01\] period_end: must be after period_start"):
        set_period(store, plan, "B01", start="2021-07-01", end="2021-07-01", actor="a", expected_version=0)
    set_period(store, plan, "B01", start="2021-03-01", end="2021-09-30", actor="a", expected_version=0)
    set_milestones(store, plan, "B01", [{"due_on": "2021-06-01", "percent": 50}], actor="a", expected_version=1)
    with pytest.raises(ValidationError, match=r"milestones \[B01\] milestones\[0\]\.due_on"):
        set_period(store, plan, "B01", start="2021-07-01", end="2021-12-31", actor="a", expected_version=2)
    square = {"type": "Polygon", "coordinates": [[[120.09, 27.89], [120.11, 27.89], [120.11, 27.91],
                                                   [120.09, 27.91], [120.09, 27.89]]]}
    with pytest.raises(ValidationError, match="vertices"):
        add_geometry_version(store, plan, "B01", square, author="测绘员", expected_version=2, max_vertices=4)
    assert item_state(store, "B01").version == 2
