"""A node's targets as plain numbers (goals.targets): hand-computed spreads and targets that do not add up."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from goals.targets import targets_differ, usable_weights, weekly_targets

D = Decimal


def test_an_even_spread_rounds_to_six_places_and_the_last_week_takes_the_remainder():
    assert weekly_targets(D(100), "sum", range(3)) == [D("33.333333"), D("33.333333"), D("33.333334")]


def test_a_weighted_spread_follows_the_weights():
    assert weekly_targets(D(10), "sum", range(3), [D(1), D(0), D(4)]) == [D("2.000000"), D("0E-6"), D("8.000000")]


def test_levels_keep_their_target_every_week_and_no_target_stays_missing():
    assert weekly_targets(D(40), "average", range(2)) == [D(40), D(40)]
    assert weekly_targets(None, "sum", range(2)) == [None, None]
    assert weekly_targets(D(5), "sum", []) == []


@pytest.mark.parametrize(
    "weights",
    [None, [D(1)], [D(1), D(-1), D(1)], [D(0), D(0), D(0)], [D(1), D("NaN"), D(1)], [D(1), "x", D(1)]],
)
def test_weights_that_cannot_spread_are_not_usable(weights):
    assert usable_weights(weights, 3) is None
    assert weekly_targets(D(3), "sum", range(3), weights) == [D("1.000000"), D("1.000000"), D("1.000000")]


def test_usable_weights_are_decimals():
    assert usable_weights([1, "2", D("0.5")], 3) == [D(1), D(2), D("0.5")]


@pytest.mark.parametrize(
    ("expected", "target", "differ"),
    [
        (D(101), D(100), False),  # exactly 1%: adds up
        (D("101.01"), D(100), True),
        (D("98.99"), D(100), True),
        (D(-101), D(-100), False),  # relative to the size of the target
        (D(0), D(0), False),
        (D("0.000001"), D(0), True),  # any difference from a zero target
    ],
)
def test_targets_differ_by_more_than_one_percent_of_the_target(expected, target, differ):
    assert targets_differ(expected, target) is differ


def test_goals_targets_is_plain_python():
    """goals never imports metrics; this module needs no ORM either."""
    source = (Path(settings.BASE_DIR) / "goals" / "targets.py").read_text(encoding="utf-8")
    modules = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [module for module in modules if module.startswith(("metrics", "django"))]
