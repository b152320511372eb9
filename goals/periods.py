"""Weeks of a period, by the fourth-day rule of DESIGN.md. Plain Python, no ORM."""

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
