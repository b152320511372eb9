"""The demo's last period: an FY2025 tree that the FY2026 demo tree was copied from, with a year of numbers, so
that the node charts draw last period and the dashboard shows the change from the same weeks
(metrics/last_period.py); and one mistyped number, so that the grid and the dashboard show a flag
(metrics/entry_quality.py). Called by load_demo after the FY2026 tree and its numbers exist.
"""

import random
from datetime import date
from decimal import Decimal

from goals.bounds import storable
from goals.models import Node, Tree
from goals.treefile import create_tree_from_template
from metrics.copying import period_actuals
from metrics.models import Entry

PREVIOUS_CODE = "fy2025-marketing-sales"


def load(tree, template_name="b2b_funnel"):
    previous = create_tree_from_template(
        template_name,
        code=PREVIOUS_CODE,
        name="FY2025 マーケティング・営業",
        period_start=date(2025, 4, 1),
        period_end=date(2026, 3, 31),
        department=tree.department,
    )
    rng = random.Random(2025)
    entries = []
    for node in Node.objects.filter(tree=previous).active():
        if node.is_formula or node.target is None:
            continue
        base = node.target / len(previous.weeks) if node.aggregation == Node.Aggregation.SUM else node.target
        for week in previous.weeks:
            # Last year ran at about 85–95% of this year's plan.
            value = base * Decimal(str(round(rng.uniform(0.82, 0.98), 3)))
            value = value.quantize(Decimal("0.1") if node.unit in ("%", "％") else Decimal("1"))
            entries.append(Entry(node=node, week=week, value=value))
    Entry.objects.bulk_create(entries)
    Tree.bump_data_version(previous.pk)
    tree.previous = previous
    tree.save(update_fields=["previous"])
    # As a copy to the next period sets them (metrics/copying.py): each node's baseline is last period's actual.
    for code, actual in period_actuals(previous).items():
        if actual is not None:
            Node.objects.filter(tree=tree, code=code).update(baseline=storable(actual))
    Tree.bump_data_version(tree.pk)
    _mistype(tree)
    return previous


def _mistype(tree):
    """A unit price typed in thousands in the last complete week: saved, and flagged as unusual."""
    node = (
        Node.objects.active()
        .filter(tree=tree, formula="", unit__in=["円", "yen", "JPY"], aggregation=Node.Aggregation.AVERAGE)
        .first()
    )
    if node is None:
        return
    entry = Entry.objects.filter(node=node, week__lte=tree.last_complete_week()).order_by("-week").first()
    if entry is None or entry.value < 10000:
        return
    entry.value = (entry.value / 1000).quantize(Decimal("1"))
    entry.save(update_fields=["value"])
    Tree.bump_data_version(tree.pk)
