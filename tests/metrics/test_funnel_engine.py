"""The engine with formulas over any node of the tree (issue 9): a rate beside its counts uses its parent."""

from datetime import date
from decimal import Decimal

import pytest

from goals import outline
from goals.treefile import import_tree
from metrics.engine import compute
from metrics.progress import tree_data
from tests.goals.test_funnel_structure import _funnel_file


@pytest.fixture
def funnel(db):
    return import_tree(_funnel_file())


def test_the_engine_computes_a_rate_that_uses_its_parent(funnel):
    nodes = list(funnel.nodes.active().order_by("position", "pk"))
    ordered = [node for node, _depth in outline.tree_order(nodes)]
    data = tree_data(funnel, ordered)
    week = funnel.weeks[0]
    entries = {"deals": {week: Decimal(3)}, "opps": {week: Decimal(12)}, "price": {week: Decimal(100000)}}
    progress = compute(data, entries, as_of=date(2026, 4, 1))
    assert progress.nodes["win"].weeks[0].actual == Decimal(25)  # 3 / 12 x 100
    assert progress.nodes["revenue"].weeks[0].actual == Decimal(300000)
    assert not [w for w in progress.warnings if w.kind == "formula_error"]
