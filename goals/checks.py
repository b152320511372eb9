"""`manage.py check --database default` (and every `migrate`): rows stored before the bounds of docs/numbers.md
"Bounds" were checked, which pages read within the bounds but people should correct.

Warnings, not errors: they never stop a migration, and every page works with such rows (goals.periods reads a
period within the bounds, initiatives' dates are clamped). Numbers need no check: the database column and the
input rules keep them within 18 digits, and pages show a figure beyond the bound as too large to show.
"""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError, connections
from django.db.models import Q

from goals.bounds import FIRST_DAY, LAST_DAY
from goals.periods import period_problem

LISTED = 20  # rows named in a warning at most; the count says how many there are


@register(Tags.database)
def check_dates(app_configs=None, databases=None, **kwargs):
    from goals.models import Initiative, Tree  # the app registry is ready when checks run

    warnings = []
    for alias in databases or ():
        try:
            if Tree._meta.db_table not in connections[alias].introspection.table_names():
                continue  # before the first migration
            trees = [
                tree.code
                for tree in Tree.objects.using(alias).order_by("code").only("code", "period_start", "period_end")
                if period_problem(tree.period_start, tree.period_end)[1]
            ]
            outside = (
                Q(start_date__lt=FIRST_DAY)
                | Q(start_date__gt=LAST_DAY)
                | Q(end_date__lt=FIRST_DAY)
                | Q(end_date__gt=LAST_DAY)
            )
            initiatives = list(
                Initiative.objects.using(alias).filter(outside).order_by("pk").values_list("pk", flat=True)
            )
        except DatabaseError:
            continue
        if trees:
            warnings.append(
                Warning(
                    f"{len(trees)} tree(s) have a period outside {FIRST_DAY}..{LAST_DAY} or longer than five "
                    f"years: {', '.join(trees[:LISTED])}",
                    hint="Pages read these periods within the bounds. Correct them in each tree's settings.",
                    id="goals.W001",
                )
            )
        if initiatives:
            warnings.append(
                Warning(
                    f"{len(initiatives)} initiative(s) have a date outside {FIRST_DAY}..{LAST_DAY}: ids "
                    f"{', '.join(map(str, initiatives[:LISTED]))}",
                    hint="Pages read these dates within the bounds. Correct them on each initiative's page.",
                    id="goals.W002",
                )
            )
    return warnings
