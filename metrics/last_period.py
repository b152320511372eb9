"""Last period: the numbers of the tree this one was copied from (Tree.previous), matched week by week.

A copy to the next period (metrics/copying.py) records the old tree as the new one's `previous`; nodes are
matched by code. Weeks are matched by their position in the period (docs/numbers.md "Last period"): the
first week of this period with the first week of the last one, the 10th with the 10th, and so on.

- The node chart draws last period's weekly actuals (and, in its cumulative view, last period's running value)
  as a faint line.
- The dashboard compares each node's actual to date with last period's value over the same number of weeks
  from its start, by the node's aggregation (前年同期比): the engine's actual to date of the previous tree as
  of its week at the same position.
- The grid shows last period's entry of the week at the same position under each cell.

Decisions where docs/numbers.md leaves a choice:
- A week beyond the end of last period (a 53-week year after a 52-week one) has no same week: missing.
- The change is relative, (this − last) ÷ |last| in percent, except for `%` units where it is the
  difference in points; missing when last period's value is missing or zero.
- Nodes are matched by code among the previous tree's active nodes; a node new this period has no last period.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from goals import formatting
from goals.values import is_percent_unit
from metrics import progress
from metrics.models import Entry

HUNDRED = Decimal(100)


def previous_of(tree):
    """The tree of last period, or None."""
    return tree.previous if tree.previous_id else None


def aligned_week(tree, previous, week: date) -> date | None:
    """The week of `previous` at the position `week` has in `tree`; None beyond last period's end."""
    weeks = tree.weeks
    if week not in weeks:
        return None
    position = weeks.index(week)
    return previous.weeks[position] if position < len(previous.weeks) else None


def change(this: Decimal | None, last: Decimal | None, unit: str) -> Decimal | None:
    """The change from last period: in points for `%` units, else in percent of last period's value."""
    if this is None or last is None:
        return None
    if is_percent_unit(unit):
        return this - last
    if last == 0:
        return None
    return (this - last) / abs(last) * HUNDRED


@dataclass
class Comparison:
    node: object
    this: Decimal | None  # actual to date
    last: Decimal | None  # last period over the same weeks
    change: Decimal | None

    @property
    def in_points(self) -> bool:
        return is_percent_unit(self.node.unit)

    @property
    def change_text(self) -> str:
        """`+5.3%`, or `+1.2pt` for a rate; "" when missing."""
        if self.change is None or formatting.is_too_large(self.change):
            return ""
        text = formatting.grouped(self.change, 1)
        sign = "+" if self.change > 0 else ""
        return f"{sign}{text}pt" if self.in_points else f"{sign}{text}%"


@dataclass
class SameWeeks:
    previous: object  # the Tree of last period
    as_of_week: date  # its week at the same position as this period's as-of week
    comparisons: list[Comparison]


def same_weeks(tree, loaded, result, department_id=None) -> SameWeeks | None:
    """Each node's actual to date against last period's value over the same weeks; None without last period."""
    previous = previous_of(tree)
    if previous is None:
        return None
    last_week = aligned_week(tree, previous, result.as_of_week)
    if last_week is None:
        return None
    last = progress.tree_progress(previous, last_week, notes_for=set()).progress
    rows = []
    for node in loaded.nodes:
        if department_id and node.department_id != department_id and node.parent_id is not None:
            continue
        mine, theirs = result.nodes.get(node.code), last.nodes.get(node.code)
        if mine is None or theirs is None:
            continue
        rows.append(
            Comparison(
                node,
                mine.actual_to_date,
                theirs.actual_to_date,
                change(mine.actual_to_date, theirs.actual_to_date, node.unit),
            )
        )
    return SameWeeks(previous, last_week, rows)


def chart_series(node, tree) -> dict | None:
    """Last period's weekly actuals and running value of `node`, aligned with this period's weeks; None without."""
    previous = previous_of(tree)
    if previous is None:
        return None
    last = progress.tree_progress(previous, previous.period_end, notes_for=set()).progress
    result = last.nodes.get(node.code)
    if result is None:
        return None
    n = len(tree.weeks)

    def aligned(values):
        values = list(values)[:n]
        return [None if value is None else float(value) for value in values] + [None] * (n - len(values))

    return {
        "name": previous.name,
        "weekly": aligned(week.actual for week in result.weeks),
        "cumulative": aligned(result.cumulative_actual),
    }


def grid_values(trees, weeks_of: dict[int, list[date]]) -> dict[tuple[int, str, date], Decimal]:
    """{(tree pk, node code, week of this period): last period's entry} for the grid's visible weeks (one query)."""
    wanted = {}  # (previous tree pk, its week) -> (tree pk, this period's week)
    for tree in trees:
        previous = previous_of(tree)
        if previous is None:
            continue
        for week in weeks_of.get(tree.pk, []):
            last_week = aligned_week(tree, previous, week)
            if last_week is not None:
                wanted[(previous.pk, last_week)] = (tree.pk, week)
    if not wanted:
        return {}
    rows = Entry.objects.filter(
        node__tree_id__in={pk for pk, _week in wanted},
        node__archived_at__isnull=True,
        week__in={week for _pk, week in wanted},
    ).values_list("node__tree_id", "node__code", "week", "value")
    found = {}
    for tree_id, code, week, value in rows.order_by():
        target = wanted.get((tree_id, week))
        if target is not None:
            found[(target[0], code, target[1])] = value
    return found
