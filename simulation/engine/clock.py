"""Simulation time: days since the scenario's start date; indicators are by calendar month."""

from __future__ import annotations

import datetime as dt

DAYS_PER_MONTH = 365.25 / 12
UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH, "years": 365.25}


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


class Clock:
    """Converts between calendar dates and simulation days for one run."""

    def __init__(self, start: dt.date, years: float) -> None:
        self.start = start
        self.first_month = dt.date(start.year, start.month, 1)
        self.end_date = add_months(self.first_month, round(12 * years))
        if start != self.first_month:
            raise ValueError("the start date must be the first day of a month")
        self.horizon = self.day(self.end_date)

    def day(self, date: dt.date) -> float:
        return float((date - self.start).days)

    def month_edges(self) -> list[float]:
        """Day offsets of the start of each month and of the horizon (n_months + 1 values)."""
        edges, m = [], 0
        while True:
            d = add_months(self.first_month, m)
            edges.append(self.day(d))
            if d >= self.end_date:
                return edges
            m += 1

    def month_labels(self) -> list[str]:
        n = len(self.month_edges()) - 1
        return [add_months(self.first_month, m).strftime("%Y-%m") for m in range(n)]

    def year_starts(self) -> list[float]:
        """Day offsets of each 1 January after the start, up to the horizon."""
        return [
            self.day(dt.date(y, 1, 1))
            for y in range(self.start.year + 1, self.end_date.year + 1)
            if self.day(dt.date(y, 1, 1)) < self.horizon
        ]
