"""Calendar quarters: parsing, their days, the quarter of a date."""
from __future__ import annotations

from datetime import date

import pytest

from geo.errors import InvalidParameter
from geo.plan.quarters import Quarter, parse_quarter, quarter_of, year_quarters


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2021Q1", date(2021, 1, 1), date(2021, 3, 31)), ("2021Q2", date(2021, 4, 1), date(2021, 6, 30)),
    ("2021Q3", date(2021, 7, 1), date(2021, 9, 30)), ("2021Q4", date(2021, 10, 1), date(2021, 12, 31)),
])
def test_quarters_parse_strictly_and_know_their_days(text, start, end):
    quarter = parse_quarter(text)
    assert (quarter.start, quarter.end, str(quarter)) == (start, end, text)


@pytest.mark.parametrize("text", ["2021q2", "2021Q5", "2021Q0", "21Q2", " 2021Q2", "2021Q2 ", "2021-Q2", "1999Q4",
                                  "", None, 2021, "２０２１Q2", "2021Q２", "٢٠٢١Q2"])
def test_bad_quarters_are_refused_naming_the_field(text):
    with pytest.raises(InvalidParameter, match="quarter: expected a year from 2000 to 2100 and a quarter 1–4") as info:
        parse_quarter(text)
    assert info.value.field == "quarter"


@pytest.mark.parametrize(("day", "expected"), [
    (date(2021, 1, 1), Quarter(2021, 1)), (date(2021, 3, 31), Quarter(2021, 1)), (date(2021, 4, 1), Quarter(2021, 2)),
    (date(2021, 12, 31), Quarter(2021, 4)),
])
def test_the_quarter_of_a_date(day, expected):
    assert quarter_of(day) == expected


def test_a_year_has_four_quarters_in_order():
    quarters = year_quarters(2021)
    assert [str(q) for q in quarters] == ["2021Q1", "2021Q2", "2021Q3", "2021Q4"]
    assert quarters[0].start == date(2021, 1, 1) and quarters[-1].end == date(2021, 12, 31)
