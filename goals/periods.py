"""Weeks of a period, by the fourth-day rule of docs/numbers.md, and the bounds on periods and dates. Plain Python,
no ORM.

Bounds (docs/numbers.md "Bounds"): periods, initiatives and as-of dates lie within the years 2000 to 2100, and a
period is at most five years long. Forms, tree files, copies and commands refuse what is outside them
(`period_problem`, `date_problem`); what was stored before they were checked is read within them, so that no page
fails on it: a period as its part within the bounds (`bounded_period`), any other date clamped (`bounds.clamp_day`).
`manage.py check --database default` lists such rows (goals/checks.py).
"""

from datetime import date, timedelta

from django.utils.translation import gettext as _

from goals.bounds import FIRST_DAY, LAST_DAY, MAX_PERIOD_YEARS, clamp_day, day_within, last_day_of_period

WEEK = timedelta(days=7)


def week_containing(day: date, week_start: int) -> date:
    """The first day of the week (starting on weekday `week_start`, 0 = Monday) that holds `day`.

    Never raises: a week that would start before 1 January of the year 1 starts then.
    """
    ordinal = day.toordinal() - (day.weekday() - week_start) % 7
    return date.fromordinal(max(ordinal, 1))


def bounded_period(start: date, end: date) -> tuple[date, date]:
    """The part of [start, end] that Goaltree reads: from `start` moved into 2000..2100, for at most five years."""
    start = clamp_day(start)
    return start, min(clamp_day(end), last_day_of_period(start))


def period_weeks(start: date, end: date, week_start: int = 0) -> list[date]:
    """Every week whose fourth day falls inside [start, end], in order; of a period beyond the bounds, the weeks of
    its part within them (`bounded_period`), so that there are at most 262 of them."""
    start, end = bounded_period(start, end)
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
    """The week that holds `day`, clamped to the first and last week of the period; any date is accepted."""
    if not weeks:
        return week_containing(clamp_day(day), week_start)
    return min(max(week_containing(clamp_day(day), week_start), weeks[0]), weeks[-1])


def last_complete_week(today: date, week_start: int = 0) -> date:
    """The week before the one that holds today."""
    return week_containing(today, week_start) - WEEK


def date_problem(day: date | None) -> str:
    """Why `day` cannot be used as a date of a period or an initiative, in the active language; "" when it can."""
    if day is None or day_within(day):
        return ""
    return _("Use a date from %(first)s to %(last)s.") % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}


def period_problem(start: date | None, end: date | None) -> tuple[str, str]:
    """(field, message) of the first reason [start, end] cannot be a tree's period, in the active language; ("", "")
    when it can. The field is "start" or "end"; missing dates are left to the caller."""
    if date_problem(start):
        return "start", date_problem(start)
    if date_problem(end):
        return "end", date_problem(end)
    if start is None or end is None:
        return "", ""
    if end < start:
        return "end", _("The period ends before it starts. Enter an end date on or after the start date.")
    if end > last_day_of_period(start):
        return "end", _(
            "The period is longer than %(years)s years. End it by %(last)s, or make one tree per fiscal year."
        ) % {"years": MAX_PERIOD_YEARS, "last": last_day_of_period(start).isoformat()}
    return "", ""


# Japanese fiscal years (年度) start on 1 April: FY2026 runs from 2026-04-01 to 2027-03-31, so January to March
# belong to the fiscal year that started the April before.
FISCAL_YEAR_START_MONTH = 4


def fiscal_year(day: date) -> int:
    """The Japanese fiscal year holding `day`: 2026 for 2026-04-01 to 2027-03-31."""
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_dates(year: int) -> tuple[date, date]:
    """The first and last day of fiscal year `year`: (2026-04-01, 2027-03-31) for 2026."""
    return date(year, FISCAL_YEAR_START_MONTH, 1), date(year + 1, FISCAL_YEAR_START_MONTH, 1) - timedelta(days=1)
