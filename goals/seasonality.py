"""Seasonality profiles: one non-negative weight per week of a period, for spreading a `sum` target.

Plain Python, no ORM. Spreading normalises the weights (goals.targets.weekly_targets), so any
scale works: business days per week is the natural one.
"""

from datetime import date, timedelta
from decimal import Decimal

import holidays

from goals.periods import week_containing


def even_weights(n: int) -> list[Decimal]:
    """The same weight for each of `n` weeks (the default spreading)."""
    return [Decimal(1)] * n


def business_day_weights(weeks, week_start: int, period_start: date, period_end: date) -> list[Decimal]:
    """For each week, its business days: Monday to Friday, not a Japanese public holiday, inside the period.

    `weeks` are the first days of the period's weeks (goals.periods.period_weeks); each week is the
    seven days from the start of the week that holds it (`week_start`: 0 = Monday). Days outside
    [period_start, period_end] do not count, so the period's first and last weeks can be short.
    Only public holidays count as holidays (祝日 and 振替休日, 国民の休日); company holidays such
    as the year-end days 12/29-1/3 other than 元日 are working days here.
    """
    starts = [week_containing(week, week_start) for week in weeks]
    if not starts:
        return []
    years = range(min(starts[0].year, period_start.year), max(starts[-1].year + 1, period_end.year) + 1)
    public_holidays = holidays.Japan(years=years)
    weights = []
    for start in starts:
        days = 0
        for offset in range(7):
            day = start + timedelta(days=offset)
            if period_start <= day <= period_end and day.weekday() < 5 and day not in public_holidays:
                days += 1
        weights.append(Decimal(days))
    return weights
