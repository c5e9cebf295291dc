"""The three-colour rules, each at its boundaries (a 100-day period makes expected progress = days elapsed)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from geo.errors import InvalidParameter
from geo.status.colours import (
    COMPLETED, GREEN, GREY, IN_PROGRESS, PAUSED, PLAN_YEAR_END, PLAN_YEAR_START, RED, YELLOW, Milestone, Thresholds,
    assess, bulletin_colour, colour_for_gap, expected_percent,
)

START = date(2021, 1, 1)
END = START + timedelta(days=100)


def day(n: int) -> date:
    return START + timedelta(days=n)


def test_expected_progress_is_linear_over_the_period_and_clamped():
    assert expected_percent(day(-5), start=START, end=END) == 0
    assert expected_percent(day(0), start=START, end=END) == 0
    assert expected_percent(day(30), start=START, end=END) == pytest.approx(30)
    assert expected_percent(day(100), start=START, end=END) == 100
    assert expected_percent(day(140), start=START, end=END) == 100


def test_default_period_is_the_plan_year():
    assert (PLAN_YEAR_START, PLAN_YEAR_END) == (date(2021, 1, 1), date(2021, 12, 31))
    assert expected_percent(date(2021, 7, 2)) == pytest.approx(100 * 182 / 364)


def test_milestones_make_expected_progress_piecewise_linear():
    milestones = [Milestone(day(60), 90.0), Milestone(day(20), 50.0)]  # any order
    assert expected_percent(day(10), start=START, end=END, milestones=milestones) == pytest.approx(25)
    assert expected_percent(day(20), start=START, end=END, milestones=milestones) == pytest.approx(50)
    assert expected_percent(day(40), start=START, end=END, milestones=milestones) == pytest.approx(70)
    assert expected_percent(day(80), start=START, end=END, milestones=milestones) == pytest.approx(95)


def test_period_must_start_before_it_ends():
    with pytest.raises(InvalidParameter, match="period: the period must start before it ends"):
        expected_percent(day(1), start=END, end=START)


@pytest.mark.parametrize(("percent", "colour"), [
    (70, GREEN),   # ahead
    (40, GREEN),   # exactly yellow_gap (10) behind: still green
    (39.5, YELLOW),
    (25, YELLOW),  # exactly red_gap (25) behind: still yellow
    (24.5, RED),
    (0, RED),
])
def test_colour_boundaries_against_expected_fifty_percent(percent, colour):
    verdict = assess(percent=percent, state=IN_PROGRESS, reported_on=day(50), as_of=day(50), start=START, end=END)
    assert verdict.expected_percent == pytest.approx(50)
    assert verdict.gap == pytest.approx(50 - percent)
    assert verdict.colour == verdict.computed_colour == colour


def test_colour_for_gap_boundaries_with_custom_thresholds():
    thresholds = Thresholds(yellow_gap=5, red_gap=15)
    assert [colour_for_gap(g, thresholds) for g in (-3, 5, 5.01, 15, 15.01)] == [GREEN, GREEN, YELLOW, YELLOW, RED]


def test_the_report_is_judged_against_what_was_due_on_its_date_not_later():
    verdict = assess(percent=20, state=IN_PROGRESS, reported_on=day(20), as_of=day(90), start=START, end=END)
    assert verdict.expected_percent == pytest.approx(20)
    assert (verdict.colour, verdict.stale) == (GREEN, False)


@pytest.mark.parametrize(("age", "percent", "colour", "stale"), [
    (92, 50, GREEN, False),   # exactly a quarter old: not stale
    (93, 50, YELLOW, True),   # one day more: green becomes yellow
    (93, 30, YELLOW, True),   # yellow stays yellow
    (93, 10, RED, True),      # red stays red
])
def test_a_report_older_than_a_quarter_is_yellow_at_best(age, percent, colour, stale):
    verdict = assess(percent=percent, state=IN_PROGRESS, reported_on=day(50), as_of=day(50 + age), start=START,
                     end=END)
    assert (verdict.colour, verdict.stale) == (colour, stale)


def test_completed_or_closed_is_green_even_when_behind_or_old():
    done = assess(percent=100, state=COMPLETED, reported_on=day(1), as_of=day(400), start=START, end=END)
    closed = assess(percent=5, state=IN_PROGRESS, reported_on=day(90), closed=True, as_of=day(400), start=START,
                    end=END)
    closed_unreported = assess(percent=None, state=None, reported_on=None, closed=True, as_of=day(1))
    assert (done.colour, done.stale) == (GREEN, False)
    assert closed.colour == closed_unreported.colour == GREEN


def test_paused_is_yellow_at_best():
    on_schedule = assess(percent=50, state=PAUSED, reported_on=day(50), as_of=day(50), start=START, end=END)
    far_behind = assess(percent=10, state=PAUSED, reported_on=day(50), as_of=day(50), start=START, end=END)
    assert (on_schedule.colour, far_behind.colour) == (YELLOW, RED)


def test_no_report_is_grey_and_counts_as_yellow_in_bulletins():
    verdict = assess(percent=None, state=None, reported_on=None, as_of=day(10))
    assert (verdict.colour, verdict.expected_percent, verdict.colour_mismatch) == (GREY, None, False)
    assert bulletin_colour(GREY) == YELLOW
    assert [bulletin_colour(c) for c in (GREEN, YELLOW, RED)] == [GREEN, YELLOW, RED]


def test_a_differing_reported_colour_is_kept_and_flagged():
    differs = assess(percent=50, state=IN_PROGRESS, reported_on=day(50), reported_colour=RED, as_of=day(50),
                     start=START, end=END)
    agrees = assess(percent=50, state=IN_PROGRESS, reported_on=day(50), reported_colour=GREEN, as_of=day(50),
                    start=START, end=END)
    assert (differs.colour, differs.reported_colour, differs.colour_mismatch) == (GREEN, RED, True)
    assert (agrees.reported_colour, agrees.colour_mismatch) == (GREEN, False)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"yellow_gap": 30, "red_gap": 20}, "thresholds: expected 0 ≤ yellow_gap ≤ red_gap ≤ 100"),
    ({"yellow_gap": -1}, "thresholds"),
    ({"stale_after_days": 0}, "stale_after_days: expected at least 1 day"),
])
def test_thresholds_are_checked(kwargs, match):
    with pytest.raises(InvalidParameter, match=match):
        Thresholds(**kwargs)


def test_the_boundary_thresholds_are_allowed():
    for kwargs in ({"yellow_gap": 0, "red_gap": 0}, {"yellow_gap": 0.5, "red_gap": 0.5}, {"red_gap": 100},
                   {"stale_after_days": 1}):
        Thresholds(**kwargs)
    with pytest.raises(InvalidParameter, match="red_gap=100.5"):
        Thresholds(red_gap=100.5)


def test_a_period_of_one_day_is_refused_and_milestones_on_its_ends_do_not_move_them():
    with pytest.raises(InvalidParameter, match="period: the period must start before it ends"):
        expected_percent(START, start=START, end=START)
    ends = [Milestone(START, 20.0), Milestone(END, 90.0)]  # refused by geo.status.edits, harmless here
    assert expected_percent(START, start=START, end=END, milestones=ends) == 0.0
    assert expected_percent(END, start=START, end=END, milestones=ends) == 100.0


def test_the_report_keeps_the_reporters_colour_whatever_the_item_state():
    closed = assess(percent=5, state=IN_PROGRESS, reported_on=day(90), reported_colour=RED, closed=True,
                    as_of=day(90), start=START, end=END)
    unreported = assess(percent=None, state=None, reported_on=None, reported_colour=RED, as_of=day(10))
    assert (closed.colour, closed.reported_colour, closed.colour_mismatch) == (GREEN, RED, True)
    assert (unreported.colour, unreported.reported_colour, unreported.colour_mismatch) == (GREY, RED, False)
    assert (unreported.stale, unreported.gap, closed.stale, closed.gap) == (False, None, False, None)


def test_a_percent_without_a_date_is_no_report():
    verdict = assess(percent=40, state=IN_PROGRESS, reported_on=None, as_of=day(10))
    assert (verdict.colour, verdict.stale, verdict.expected_percent) == (GREY, False, None)


def test_assess_uses_the_items_own_period_milestones_and_thresholds():
    # day 50 of a period starting on day 20 of START..END: 30 of 80 days = 37.5 % due, without milestones
    own = assess(percent=30, state=IN_PROGRESS, reported_on=day(50), as_of=day(50), start=day(20), end=END)
    assert own.expected_percent == pytest.approx(37.5) and own.colour == GREEN
    milestones = [Milestone(day(40), 80.0)]
    steep = assess(percent=30, state=IN_PROGRESS, reported_on=day(40), as_of=day(40), start=START, end=END,
                   milestones=milestones)
    assert (steep.expected_percent, steep.colour) == (80.0, RED)
    strict = assess(percent=45, state=IN_PROGRESS, reported_on=day(50), as_of=day(50), start=START, end=END,
                    thresholds=Thresholds(yellow_gap=2, red_gap=4))
    assert (strict.gap, strict.colour) == (pytest.approx(5.0), RED)
