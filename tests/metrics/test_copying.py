"""Copying a tree to the next period with last period's actuals as baselines (metrics/copying.py)."""

from datetime import date
from decimal import Decimal

import pytest

from goals import treefile
from goals.models import Node, Tree
from goals.periods import period_weeks
from metrics import copying
from metrics.models import Entry

pytestmark = pytest.mark.usefixtures("english")


def test_copy_carries_the_structure_and_sets_baselines_from_actuals(tree, owner):
    nodes = {n.code: n for n in tree.nodes.all()}
    nodes["deals"].owner = owner
    nodes["deals"].weights = ["1"] * 51 + ["2"]
    nodes["deals"].save()
    first, second = tree.weeks[0], tree.weeks[1]
    for code, values in {"deals": (5, 3), "avg_deal_size": (400000, 600000), "leads": (50, 40)}.items():
        Entry.objects.create(node=nodes[code], week=first, value=Decimal(values[0]))
        Entry.objects.create(node=nodes[code], week=second, value=Decimal(values[1]))

    copy = copying.copy_tree(tree, "fy2027-test", "FY2027 テスト", date(2027, 4, 1), date(2028, 3, 31), user=owner)

    assert copy.previous == tree and copy.department == tree.department and copy.max_depth == tree.max_depth
    copied = {n.code: n for n in copy.nodes.select_related("parent")}
    assert set(copied) == set(nodes)
    assert copied["leads"].parent.code == "deals"
    assert copied["revenue"].formula == "deals * avg_deal_size"
    assert copied["deals"].definition == "契約書の締結数" and copied["deals"].target == Decimal(240)
    assert copied["deals"].owner == owner
    assert copied["deals"].baseline == Decimal(8)
    assert copied["avg_deal_size"].baseline == Decimal(500000)
    assert copied["leads"].baseline == Decimal(90)
    assert copied["revenue"].baseline == Decimal(3800000)  # 5 x 400,000 + 3 x 600,000, week by week
    assert len(copy.weeks) == 53  # FY2027 has a 53rd week: the weights do not fit
    assert copied["deals"].weights is None
    assert Entry.objects.filter(node__tree=copy).count() == 0
    assert tree.nodes.get(code="deals").entries.count() == 2  # the old tree keeps its numbers


def test_copy_carries_weights_when_the_new_period_has_as_many_weeks(tree):
    Node.objects.filter(tree=tree, code="deals").update(weights=["1"] * 51 + ["2.5"])
    copy = copying.copy_tree(tree, "fy2028", "FY2028", date(2028, 4, 1), date(2029, 3, 31))
    assert len(copy.weeks) == len(tree.weeks) == 52
    assert copy.nodes.get(code="deals").weights == ["1"] * 51 + ["2.5"]


def test_copy_drops_weights_when_the_weeks_differ_and_leaves_baselines_empty_without_numbers(tree):
    Node.objects.filter(tree=tree, code="deals").update(weights=["1"] * 52)
    copy = copying.copy_tree(tree, "h1", "H1", date(2027, 4, 1), date(2027, 9, 30))
    assert len(period_weeks(date(2027, 4, 1), date(2027, 9, 30))) != len(tree.weeks)
    deals = copy.nodes.get(code="deals")
    assert deals.weights is None and deals.baseline is None


def test_copy_refuses_a_code_that_is_taken(tree):
    with pytest.raises(treefile.TreeFileError):
        copying.copy_tree(tree, tree.code, "x", date(2027, 4, 1), date(2028, 3, 31))
    assert Tree.objects.count() == 1
