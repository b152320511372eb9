"""Weeks of a period, by the fourth-day rule of docs/numbers.md. Plain Python, no ORM."""

from datetime import date, timedelta

WEEK = timedelta(days=7)


def week_containing(day: date, week_start: int) -> date:
    """The first day of the week (starting on weekday `week_start`, 0 = Monday) that holds `day`."""
    return day - timedelta(days=(day.weekday() - week_start) % 7)


def period_weeks(start: date, end: date, week_start: int = 0) -> list[date]:
    """Every week whose fourth day falls inside [start, end], in order."""
    first = week_containing(start, week_start)
    if first + timedelta(days=3) < start:
        first += WEEK
    weeks = []
    week = first
    while week + timedelta(days=3) <= end:
        weeks.append(week)
        week += WEEK
    return weeks


def clamp_week(day: date, weeks: list[date], week_start: int = 0) -> date:
    """The week that holds `day`, clamped to the first and last week of the period."""
    week = week_containing(day, week_start)
    if not weeks:
        return week
    return min(max(week, weeks[0]), weeks[-1])


def last_complete_week(today: date, week_start: int = 0) -> date:
    """The week before the one that holds today."""
    return week_containing(today, week_start) - WEEK


# Japanese fiscal years (年度) start on 1 April: FY2026 runs from 2026-04-01 to 2027-03-31, so January to March
# belong to the fiscal year that started the April before.
FISCAL_YEAR_START_MONTH = 4


def fiscal_year(day: date) -> int:
    """The Japanese fiscal year holding `day`: 2026 for 2026-04-01 to 2027-03-31."""
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_dates(year: int) -> tuple[date, date]:
    """The first and last day of fiscal year `year`: (2026-04-01, 2027-03-31) for 2026."""
    return date(year, FISCAL_YEAR_START_MONTH, 1), date(year + 1, FISCAL_YEAR_START_MONTH, 1) - timedelta(days=1)
