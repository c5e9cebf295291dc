"""Calendar quarters: the unit of the plan's quarterly reporting (季度通报, 季度观摩) and of target actuals."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from geo.errors import InvalidParameter


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, e.g. ``Quarter(2021, 2)`` = 2021Q2 = April–June 2021."""

    year: int
    number: int

    @property
    def start(self) -> date:
        """The quarter's first day."""
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The quarter's last day (a bulletin's as-of date)."""
        following = date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, 3 * self.number + 1, 1)
        return following - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def parse_quarter(text: object) -> Quarter:
    """Parse ``"2021Q2"`` (four ASCII digits, capital Q, 1–4) strictly; :class:`InvalidParameter` naming
    ``quarter`` otherwise.

    Full-width or other non-ASCII digits (``２０２１Q2``) are refused, not read as the quarter they look like: a
    quarter has one spelling, so that a page, a download and a cache key never differ by how its digits were typed.
    """
    match = re.fullmatch(r"([0-9]{4})Q([1-4])", text) if isinstance(text, str) else None
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidParameter("quarter", f"expected a year from 2000 to 2100 and a quarter 1–4 written like "
                                          f"2021Q2 in ASCII digits, got {text!r}", kind="quarter_format",
                               details={"got": text})
    return Quarter(int(match.group(1)), int(match.group(2)))


def quarter_of(day: date) -> Quarter:
    """The quarter ``day`` falls in."""
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def year_quarters(year: int) -> tuple[Quarter, ...]:
    """The four quarters of ``year``, in order."""
    return tuple(Quarter(year, number) for number in range(1, 5))
