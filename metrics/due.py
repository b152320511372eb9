"""Numbers due: measured nodes whose number for the last complete week is missing. Plain Python, no ORM.

A node with frequency `monthly` is entered once a month, in the month's first week: the first week whose
fourth day falls in the month, the rule docs/numbers.md uses for the weeks of a period (with Monday weeks, the
week of Monday 29 June 2026 is the first week of July, since its Thursday is 2 July). It is due from when
that week is complete until the month ends, so a monthly number that is late stays on the list for the
rest of its month.
"""

from datetime import date, timedelta

from goals.periods import WEEK, week_containing


def first_week_of_month(day: date, week_start: int = 0) -> date:
    """The first week (starting on weekday `week_start`) whose fourth day falls in the month of `day`."""
    first = day.replace(day=1)
    week = week_containing(first, week_start)
    if week + timedelta(days=3) < first:
        week += WEEK
    return week


def due_week(node, tree, today: date) -> date | None:
    """The week whose number `node` owes as of `today`; None when the tree's period does not hold it."""
    weeks = tree.weeks
    last = tree.last_complete_week(today)
    if last not in weeks:
        return None
    if node.frequency == node.Frequency.MONTHLY:
        return max(first_week_of_month(last + timedelta(days=3), tree.week_start), weeks[0])
    return last
