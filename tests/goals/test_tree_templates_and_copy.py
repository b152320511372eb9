from datetime import date
from decimal import Decimal

import pytest

from goals import health, treefile
from goals.health import tree_health
from goals.models import Node, Tree
from goals.periods import period_weeks
from metrics.models import Entry
from tests.goals.helpers import recorded

pytestmark = pytest.mark.usefixtures("english")


# Templates


def test_the_template_folder_lists_the_funnel_and_inside_sales(db):
    templates = {template.key: template for template in treefile.list_templates()}
    assert {"b2b_funnel", "inside_sales"} <= set(templates)
    assert templates["b2b_funnel"].kgi == "売上"
    assert templates["inside_sales"].kgi == "商談数"
    assert set(templates["b2b_funnel"].departments) == {
        "マーケティング部",
        "インサイドセールス部",
        "フィールドセールス部",
    }


def test_a_new_template_file_needs_no_code(db, tmp_path, monkeypatch):
    source = treefile.TEMPLATE_DIR / "inside_sales.json"
    (tmp_path / "my_tree.json").write_bytes(source.read_bytes())
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    monkeypatch.setattr(treefile, "TEMPLATE_DIR", tmp_path)
    assert [template.key for template in treefile.list_templates()] == ["my_tree"]


@pytest.mark.parametrize("key", ["b2b_funnel", "inside_sales"])
def test_templates_are_valid_tree_files_whose_targets_add_up(db, key):
    tree = treefile.create_tree_from_template(
        key, f"t-{key.replace('_', '-')}", "T", date(2027, 4, 1), date(2028, 3, 31)
    )
    problems = tree_health(tree)
    # A fresh install has no members in the template's departments; everything else is in place.
    assert {p.kind for p in problems} <= {health.DEPARTMENT_WITHOUT_MEMBERS}
    nodes = list(tree.nodes.all())
    assert all(n.name and n.unit and n.definition and n.target is not None and n.department for n in nodes)


def test_the_funnel_template_has_rates_as_recompute_and_cpa_lower_is_better(db):
    tree = treefile.create_tree_from_template("b2b_funnel", "demo", "Demo", date(2026, 4, 1), date(2027, 3, 31))
    nodes = {n.code: n for n in tree.nodes.select_related("parent")}
    assert nodes["revenue"].parent is None and nodes["revenue"].formula == "deals * avg_deal_size"
    for code in ("sessions", "leads", "mqls", "sqls", "opportunities", "deals"):
        assert nodes[code].is_measured
    for code in ("cvr", "sql_rate", "cpa"):
        assert nodes[code].aggregation == Node.Aggregation.RECOMPUTE and "/" in nodes[code].formula
    assert nodes["cpa"].direction == Node.Direction.LOWER and nodes["ad_cost"].direction == Node.Direction.LOWER
    assert max(_depth(n, nodes) for n in nodes.values()) <= tree.max_depth


def _depth(node, nodes):
    depth = 0
    while node.parent_id is not None:
        node = node.parent
        depth += 1
    return depth


def test_a_tree_from_a_template_takes_the_chosen_code_name_period_and_department(db, marketing, owner):
    tree = treefile.create_tree_from_template(
        "b2b_funnel",
        "fy2027-funnel",
        "FY2027 ファネル",
        date(2027, 4, 1),
        date(2028, 3, 31),
        user=owner,
        department=marketing,
    )
    assert (tree.code, tree.name, tree.period_start, tree.period_end) == (
        "fy2027-funnel",
        "FY2027 ファネル",
        date(2027, 4, 1),
        date(2028, 3, 31),
    )
    assert tree.department == marketing
    assert recorded(tree, user=owner, action="import")


def test_a_template_does_not_replace_an_existing_tree(tree):
    with pytest.raises(treefile.TreeFileError):
        treefile.create_tree_from_template("b2b_funnel", tree.code, "X", date(2027, 4, 1), date(2028, 3, 31))
    assert Tree.objects.get(pk=tree.pk).name == "FY2026 テスト"


def test_an_unknown_template_is_a_lookup_error(db):
    for key in ("nope", "../settings", ""):
        with pytest.raises(LookupError):
            treefile.load_template(key)


# Copy to the next period


def test_the_next_period_has_the_same_length():
    assert treefile.next_period(date(2026, 4, 1), date(2027, 3, 31)) == (date(2027, 4, 1), date(2028, 3, 31))
    assert treefile.next_period(date(2026, 4, 1), date(2026, 9, 30)) == (date(2026, 10, 1), date(2027, 3, 31))
    assert treefile.next_period(date(2026, 1, 1), date(2026, 3, 31)) == (date(2026, 4, 1), date(2026, 6, 30))
    assert treefile.next_period(date(2026, 4, 6), date(2026, 4, 19)) == (date(2026, 4, 20), date(2026, 5, 3))


def test_the_suggested_code_and_name_move_the_year_on(tree):
    tree.name = "FY2026 Marketing"
    assert treefile.next_names(tree, date(2027, 4, 1)) == ("fy2027-test", "FY2027 Marketing")
    Tree.objects.create(code="fy2027-test", name="x", period_start=date(2027, 4, 1), period_end=date(2028, 3, 31))
    assert treefile.next_names(tree, date(2027, 4, 1))[0] == "fy2027-test-2"


def test_copy_carries_the_structure_and_sets_baselines_from_actuals(tree, owner):
    nodes = {n.code: n for n in tree.nodes.all()}
    nodes["deals"].owner = owner
    nodes["deals"].weights = ["1"] * 51 + ["2"]
    nodes["deals"].save()
    first, second = tree.weeks[0], tree.weeks[1]
    for code, values in {"deals": (5, 3), "avg_deal_size": (400000, 600000), "leads": (50, 40)}.items():
        Entry.objects.create(node=nodes[code], week=first, value=Decimal(values[0]))
        Entry.objects.create(node=nodes[code], week=second, value=Decimal(values[1]))

    copy = treefile.copy_tree(tree, "fy2027-test", "FY2027 テスト", date(2027, 4, 1), date(2028, 3, 31), user=owner)

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
    copy = treefile.copy_tree(tree, "fy2028", "FY2028", date(2028, 4, 1), date(2029, 3, 31))
    assert len(copy.weeks) == len(tree.weeks) == 52
    assert copy.nodes.get(code="deals").weights == ["1"] * 51 + ["2.5"]


def test_copy_drops_weights_when_the_weeks_differ_and_leaves_baselines_empty_without_numbers(tree):
    Node.objects.filter(tree=tree, code="deals").update(weights=["1"] * 52)
    copy = treefile.copy_tree(tree, "h1", "H1", date(2027, 4, 1), date(2027, 9, 30))
    assert len(period_weeks(date(2027, 4, 1), date(2027, 9, 30))) != len(tree.weeks)
    deals = copy.nodes.get(code="deals")
    assert deals.weights is None and deals.baseline is None


def test_copy_refuses_a_code_that_is_taken(tree):
    with pytest.raises(treefile.TreeFileError):
        treefile.copy_tree(tree, tree.code, "x", date(2027, 4, 1), date(2028, 3, 31))
    assert Tree.objects.count() == 1
