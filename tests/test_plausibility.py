"""Plausibility of reported figures (geo/status/plausibility.py): refused when impossible, confirmed when unusual — on real
databases, the repo's real targets (A1-1: 个, P1 target 3, P3 target 1; A8-6: 亿元; A8-1: zone-wide growth in %)
and the tiny plan."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from geo.status.edits import Problems
from geo.errors import NeedsConfirmation, ValidationError
from geo.status.plausibility import (
    FAR_ABOVE_FACTOR, JUMP_FACTOR, cell_target, check_cumulative, unusual_actual, unusual_closing, unusual_report,
)
from geo.plan.quarters import Quarter
from geo.status.records import add_report, close_item
from geo.status.snapshot import Report, audit_entries, item_state
from geo.plan.target_plan import load_target_plan
from geo.status.target_records import actual_key, actual_values, actual_versions, add_actual, latest_actuals

TODAY = date(2021, 12, 31)
Q1, Q2, Q3 = Quarter(2021, 1), Quarter(2021, 2), Quarter(2021, 3)


@pytest.fixture(scope="module")
def targets():
    return load_target_plan()


def actual(store, targets, target_id="A1-1", **overrides):
    values = {"park": "P1", "quarter": "2021Q2", "value": 2, "reported_on": "2021-07-05", "reporter": "张三",
              "today": TODAY, **overrides}
    values.setdefault("expected_version", actual_versions(store).get(actual_key(target_id, values["park"]), 0))
    return add_actual(store, targets, target_id, **values)


def report(store, plan, item_id="B01", **overrides):
    values = {"percent": 40, "state": "进行中", "reported_on": "2021-05-01", "reporter": "张三",
              "expected_version": item_state(store, item_id).version, "today": TODAY, **overrides}
    return add_report(store, plan, item_id, **values)


def kinds(error: pytest.ExceptionInfo) -> list[tuple[str | None, str | None]]:
    found = getattr(error.value, "problems", None) or error.value.findings
    return [(problem.field, problem.kind) for problem in found]


def test_a_fraction_of_a_counted_item_is_refused_but_amounts_and_rates_take_fractions(store, targets):
    with pytest.raises(ValidationError, match=r"value: 个 counts whole items: expected a whole number, got 1.5") as info:
        actual(store, targets, value="1.5")
    assert kinds(info) == [("value", "not_whole_number")] and info.value.problems[0].details["unit"] == "个"
    assert actual(store, targets, "A8-6", value=1.5).record.value == pytest.approx(1.5)
    assert actual(store, targets, "A8-1", park="total", value=3.25).record.value == pytest.approx(3.25)
    assert actual(store, targets, value="2.0").record.value == 2


def test_a_year_to_date_count_never_goes_down_between_quarters(store, targets):
    actual(store, targets, value=2, quarter="2021Q2")
    with pytest.raises(ValidationError, match=r"cannot go down: 2021Q2 already has 2 个, got 1 for 2021Q3") as info:
        actual(store, targets, value=1, quarter="2021Q3", reported_on="2021-10-05")
    assert kinds(info) == [("value", "ytd_below_earlier")]
    assert info.value.problems[0].details == {"got": 1.0, "earlier": 2.0, "earlier_quarter": "2021Q2",
                                              "quarter": "2021Q3", "unit": "个"}
    with pytest.raises(ValidationError, match=r"2021Q2 already has 2 个, so 2021Q1 cannot have more, got 3") as info:
        actual(store, targets, value=3, quarter="2021Q1", reported_on="2021-04-05")
    assert kinds(info) == [("value", "ytd_above_later")]
    assert actual_values(latest_actuals(store)) == {("A1-1", "P1", Q2): 2}  # nothing of the refused written
    assert actual_versions(store)["A1-1@P1"] == 1
    actual(store, targets, value=2, quarter="2021Q3", reported_on="2021-10-05")  # equal is fine


def test_a_correction_of_the_same_quarter_may_go_down_and_rates_may_fall(store, targets):
    actual(store, targets, value=3, quarter="2021Q2")
    assert actual(store, targets, value=2, quarter="2021Q2", reported_on="2021-07-06").record.value == 2
    actual(store, targets, "A8-1", park="total", value=10, quarter="2021Q1", reported_on="2021-04-10")
    fallen = actual(store, targets, "A8-1", park="total", value=-2, quarter="2021Q2")
    assert fallen.record.value == -2


def test_far_above_the_target_needs_confirmation_and_the_audit_log_keeps_it(store, targets):
    with pytest.raises(NeedsConfirmation, match=r"100000 个 is more than 5 times the annual target \(3 个\)") as info:
        actual(store, targets, value=100_000)
    assert kinds(info) == [("value", "far_above_target")]
    assert info.value.findings[0].details == {"got": 100000.0, "target": 3.0, "factor": FAR_ABOVE_FACTOR,
                                              "unit": "个"}
    assert latest_actuals(store) == {} and actual_versions(store) == {}
    written = actual(store, targets, value=100_000, confirmed=True)
    assert written.record.value == 100_000
    assert audit_entries(store, item_id="A1-1@P1")[0].details["confirmed"] == ["far_above_target"]
    actual(store, targets, park="P2", value=1)
    assert "confirmed" not in audit_entries(store, item_id="A1-1@P2")[0].details  # only what was confirmed


def test_exactly_five_times_the_target_is_not_unusual(targets):
    problems = Problems("actual value", "A1-1")
    unusual_actual(targets.target("A1-1"), "P1", Q2, 3 * FAR_ABOVE_FACTOR, {Q1: 14}, problems)
    assert problems.found == []


def test_a_quarter_adding_more_than_twice_the_target_needs_confirmation(store, targets):
    actual(store, targets, value=1, quarter="2021Q1", reported_on="2021-04-05")
    with pytest.raises(NeedsConfirmation, match=r"2021Q2 adds 7 个 to the previous 1, more than 2 times") as info:
        actual(store, targets, value=8)  # 8 ≤ 5 × 3, but 7 > 2 × 3 in one quarter
    assert kinds(info) == [("value", "quarter_jump")]
    assert info.value.findings[0].details["increase"] == 7 and JUMP_FACTOR == 2
    assert actual(store, targets, value=8, confirmed=True).version == 2
    assert actual(store, targets, value=9, quarter="2021Q3", reported_on="2021-10-01").record.value == 9


def test_cells_without_a_numeric_target_are_never_unusual(targets):
    assert cell_target(targets.target("A1-3"), "P1") is None
    assert cell_target(targets.target("A8-1"), "total") == pytest.approx(12)
    problems = Problems("actual value", "A1-3")
    unusual_actual(targets.target("A1-3"), "P1", Q2, 10_000, {}, problems)
    check_cumulative(targets.target("A8-1"), Q2, -5, {Q1: 10}, problems)
    assert problems.found == []


def test_progress_going_back_needs_confirmation(store, plan):
    report(store, plan, percent=60, reported_on="2021-05-01")
    with pytest.raises(NeedsConfirmation, match=r"progress goes back from 60 % \(reported 2021-05-01\) to 30 %") \
            as info:
        report(store, plan, percent=30, reported_on="2021-06-01")
    assert kinds(info) == [("percent", "progress_decrease")]
    assert item_state(store, "B01").version == 1
    report(store, plan, percent=30, reported_on="2021-04-01")  # dated before the 60 %: nothing earlier to undo
    written = report(store, plan, percent=30, reported_on="2021-06-01", confirmed=True)
    assert (written.version, written.record.percent) == (3, 30)
    assert audit_entries(store, item_id="B01")[0].details["confirmed"] == ["progress_decrease"]


@pytest.mark.parametrize(("day", "kind"), [("2019-06-30", "date_before_plan"), ("2020-12-31", "date_before_plan"),
                                           ("2022-01-01", "date_after_today")])
def test_reports_and_check_off_dated_outside_the_plan_period_are_refused(store, plan, day, kind):
    with pytest.raises(ValidationError, match="reported_on: cannot be dated") as info:
        report(store, plan, reported_on=day)
    assert kinds(info) == [("reported_on", kind)]
    with pytest.raises(ValidationError, match="effective_on: cannot be dated") as info:
        close_item(store, plan, "E01", note="完成", actor="李四", effective_on=day, expected_version=0, today=TODAY)
    assert kinds(info) == [("effective_on", kind)]
    assert item_state(store, "B01").version == item_state(store, "E01").version == 0


def test_an_actual_dated_2019_is_refused(store, targets):
    with pytest.raises(ValidationError, match="reported_on: an actual for 2021Q2 cannot be dated before") as info:
        actual(store, targets, reported_on="2019-07-05")
    assert kinds(info) == [("reported_on", "date_before_quarter")]


def _report(percent: float, state: str) -> Report:
    return Report(1, "B01", percent, state, "", date(2021, 6, 1), "张三", None, datetime.now(timezone.utc))


def test_closing_an_unfinished_or_unreported_item_is_unusual():
    assert [p.kind for p in unusual_closing("B01", None)] == ["close_unreported"]
    [finding] = unusual_closing("B01", _report(40, "进行中"))
    assert (finding.field, finding.kind, finding.details["percent"]) == ("closed", "close_unfinished", 40)
    assert unusual_closing("B01", _report(100, "已完成")) == []
    assert unusual_report("B01", 50, _report(40, "进行中")) == [] and unusual_report("B01", 50, None) == []
