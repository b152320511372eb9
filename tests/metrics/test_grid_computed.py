"""The grid's computed cells: the engine over the visible weeks alone gives the whole period's weekly values."""

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goals.models import Node
from metrics.engine import compute, weekly_values
from metrics.grid import GridQuery, build_grids, computed_cells_for_week
from metrics.management.commands.bench import build_tree
from metrics.models import Entry
from metrics.progress import load_tree
from tests.metrics.test_engine_fast_paths import WEEKS, trees


@settings(max_examples=100, deadline=None)
@given(case=trees(), start=st.integers(min_value=0, max_value=7), length=st.integers(min_value=1, max_value=8))
def test_weekly_values_over_some_weeks_are_those_over_the_period(case, start, length):
    tree, entries = case
    weeks = WEEKS[start : start + length]
    whole = compute(tree, entries, WEEKS[-1])
    part = compute(replace(tree, weeks=weeks), entries, weeks[-1])
    values = weekly_values(replace(tree, weeks=weeks), entries)
    assert set(values) == set(part.nodes) == set(whole.nodes)
    for code, result in part.nodes.items():
        expected = [(week.actual, week.reason) for week in whole.nodes[code].weeks[start : start + length]]
        assert repr([(week.actual, week.reason) for week in result.weeks]) == repr(expected), code
        assert repr(values[code]) == repr(expected), code


@pytest.fixture
def large(db, marketing, sales, admin):
    """A 40-node tree over a year, group 2 missing some entries, a rate dividing by a zero price in one week."""
    tree = build_tree("grid", 40, period=(date(2026, 4, 1), date(2027, 3, 31)), departments=[marketing, sales])
    rng = random.Random(5)
    group2 = Entry.objects.filter(node__tree=tree, node__code__startswith="m2_")
    Entry.objects.filter(pk__in=[entry.pk for entry in group2 if rng.random() < 0.1]).delete()
    price = tree.nodes.get(code="p1")
    Entry.objects.update_or_create(node=price, week=tree.weeks[10], defaults={"value": Decimal(0)})
    g1 = tree.nodes.get(code="g1")
    rate = Node.objects.create(tree=tree, parent=g1, code="r1", name="率", formula="d1 / p1", aggregation="recompute")
    Node.objects.filter(code__in=["d1", "p1"], tree=tree).update(parent=rate)
    g1.formula = "r1 * 2"
    g1.save()
    return tree


def expected_values(tree):
    loaded = load_tree(tree)
    data, entries = loaded.data, loaded.entries
    progress = compute(data, entries, tree.weeks[-1])
    return {code: [(week.actual, week.reason) for week in result.weeks] for code, result in progress.nodes.items()}


@pytest.mark.parametrize("anchor", [date(2026, 4, 6), date(2026, 6, 15), date(2027, 3, 29)])
def test_the_grid_shows_the_whole_periods_values(large, admin, anchor):
    from goals.access import access_for

    expected = expected_values(large)
    grid = build_grids(access_for(admin), [large], GridQuery("all", [large.pk], anchor), date(2026, 7, 8))[0]
    computed = [row for row in grid.rows if row.kind == "computed"]
    assert {row.node.code for row in computed} == {"revenue", "g1", "g2", "d1", "d2", "r1"}
    for row in computed:
        first = large.weeks.index(grid.weeks[0])
        wanted = expected[row.node.code][first : first + len(grid.weeks)]
        assert repr([(cell.value, cell.reason) for cell in row.cells]) == repr(wanted), row.node.code


def test_a_saved_cells_week_shows_the_whole_periods_values(large):
    expected = expected_values(large)
    reasons = {reason for values in expected.values() for _value, reason in values}
    assert {"division_by_zero", "missing_input"} <= reasons
    for k in (0, 10, 51):
        week = large.weeks[k]
        for cell in computed_cells_for_week(large, week):
            assert repr((cell.value, cell.reason)) == repr(expected[cell.node.code][k]), cell.node.code
