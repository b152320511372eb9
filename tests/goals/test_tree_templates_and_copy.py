from datetime import date

import pytest

from goals import health, treefile
from goals.health import tree_health
from goals.models import Node, Tree
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
    monkeypatch.setattr(treefile.templates, "TEMPLATE_DIR", tmp_path)
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
