"""Copying a tree to the next period, structure only: the period after, a suggested code and name, and
the copy itself. The numbers a copy starts from (last period's actuals as baselines) are computed by
metrics, which calls :func:`copy_tree` with them (metrics/copying.py)."""

from calendar import monthrange
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils.translation import pgettext

from goals import periods
from goals.models import Tree
from goals.treefile.exporting import export_tree
from goals.treefile.importing import import_tree


def next_period(start: date, end: date) -> tuple[date, date]:
    """The period right after [start, end] of the same length: in whole months when it is whole months.

    A period stored beyond the bounds of docs/numbers.md is read within them first (goals.periods.bounded_period),
    so the suggestion is a date Python can hold; the copy form checks it like any period.
    """
    start, end = periods.bounded_period(start, end)
    new_start = end + timedelta(days=1)
    if start.day == 1 and end.day == monthrange(end.year, end.month)[1]:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = new_start.year * 12 + new_start.month - 1 + months - 1
        year, month = divmod(index, 12)
        return new_start, date(year, month + 1, monthrange(year, month + 1)[1])
    return new_start, new_start + (end - start)


def next_names(tree, period_start: date) -> tuple[str, str]:
    """A suggested code and name for the copy: the year moved on where it appears, else a suffix."""
    old_year, new_year = str(tree.period_start.year), str(period_start.year)
    code, name = tree.code, tree.name
    if old_year != new_year and old_year in code:
        code = code.replace(old_year, new_year)
    else:
        code = f"{tree.code}-{period_start:%Y%m}"
    if old_year != new_year and old_year in name:
        name = name.replace(old_year, new_year)
    else:
        name = pgettext("copied tree name", "%(name)s (from %(start)s)") % {
            "name": tree.name,
            "start": period_start.isoformat(),
        }
    code = code[:60]
    taken = set(Tree.objects.filter(code__startswith=code[:50]).values_list("code", flat=True))
    suffix = 2
    candidate = code
    while candidate in taken:
        candidate = f"{code[:56]}-{suffix}"
        suffix += 1
    return candidate, name[:200]


def copy_tree(
    tree,
    code,
    name,
    period_start,
    period_end,
    user=None,
    *,
    baselines: Mapping[str, Decimal | str | None] | None = None,
) -> Tree:
    """The next period's tree: structure, definitions, targets and owners carried over; `previous` = tree.

    `baselines` maps a node's code to its baseline in the copy (a Decimal or a decimal string; a code
    that is not there gets none); without it each node keeps its baseline. Seasonality weights are
    carried only when the new period has as many weeks. TreeFileError when the code is taken or the
    copy does not make a valid tree file.
    """
    data = export_tree(tree)
    same_weeks = len(periods.period_weeks(period_start, period_end, tree.week_start)) == len(tree.weeks)
    for node in data["nodes"]:
        if baselines is not None:
            node["baseline"] = baselines.get(node["code"])
        if not same_weeks:
            node["weights"] = None
    data["code"], data["name"] = code, name
    data["period"] = {"start": period_start.isoformat(), "end": period_end.isoformat()}
    with transaction.atomic():
        copy = import_tree(data, user, department=tree.department, replace=False)
        copy.previous = tree
        copy.max_depth = tree.max_depth
        copy.save(update_fields=["previous", "max_depth", "updated_at"])
        old = {node.code: node for node in tree.nodes.active()}
        for node in copy.nodes.all():
            source = old.get(node.code)
            if source is not None and (source.owner_id, source.frequency) != (node.owner_id, node.frequency):
                node.owner_id, node.frequency = source.owner_id, source.frequency
                node.save(update_fields=["owner", "frequency", "updated_at"])
    return copy
