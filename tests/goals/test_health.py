from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from goals import health
from goals.health import tree_health
from goals.models import Department, Membership, Node, Tree

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def healthy(tree, owner, sales_member):
    """The shared funnel with every rule met: marketing and sales have members, everything is filled in."""
    assert tree_health(tree) == []
    return tree


def _kinds(tree, code=None):
    return [(p.node.code, p.kind) for p in tree_health(tree) if code is None or p.node.code == code]


def test_a_tree_with_everything_in_place_has_no_problems(healthy):
    assert tree_health(healthy) == []


def test_the_panel_says_so_positively_when_there_is_no_problem(healthy, rf):
    html = render_to_string("goals/includes/health_panel.html", {"tree": healthy, "health": []})
    assert 'id="health-panel"' in html
    assert "No problems" in html


def test_the_panel_lists_each_problem_with_a_link_to_its_node(healthy):
    deals = healthy.nodes.get(code="deals")
    deals.unit = ""
    deals.save()
    problems = tree_health(healthy)
    html = render_to_string("goals/includes/health_panel.html", {"tree": healthy, "health": problems})
    assert f'href="/nodes/{deals.pk}/"' in html
    assert "No unit" in html
    assert "1 problem to fix" in html


@pytest.mark.parametrize(
    "field, empty, kind",
    [
        ("target", None, health.NO_TARGET),
        ("unit", "", health.NO_UNIT),
        ("unit", "  ", health.NO_UNIT),
        ("definition", "", health.NO_DEFINITION),
    ],
)
def test_missing_target_unit_and_definition_appear_and_disappear(healthy, field, empty, kind):
    leads = healthy.nodes.get(code="leads")
    value = getattr(leads, field)
    setattr(leads, field, empty)
    leads.save()
    assert (("leads", kind)) in _kinds(healthy)
    setattr(leads, field, value)
    leads.save()
    assert _kinds(healthy) == []


def test_a_node_deeper_than_the_maximum_depth_is_reported_with_the_numbers(healthy, marketing):
    leads = healthy.nodes.get(code="leads")
    deep = Node.objects.create(
        tree=healthy,
        parent=leads,
        code="visits",
        name="訪問数",
        unit="件",
        target=Decimal(1),
        definition="x",
        department=marketing,
    )
    assert _kinds(healthy) == []  # 3 levels below the KGI, the limit is 4
    healthy.max_depth = 2
    healthy.save()
    problems = [p for p in tree_health(healthy) if p.kind == health.TOO_DEEP]
    assert [(p.node.code, p.depth, p.limit) for p in problems] == [("visits", 3, 2)]
    assert "3 levels below the KGI" in problems[0].message and "limit of 2" in problems[0].message
    deep.parent = healthy.nodes.get(code="revenue")
    deep.save()
    assert health.TOO_DEEP not in [kind for _code, kind in _kinds(healthy)]


def test_a_formula_node_must_use_all_its_children_but_drivers_of_measured_nodes_are_fine(healthy, sales):
    revenue = healthy.nodes.get(code="revenue")
    extra = Node.objects.create(
        tree=healthy,
        parent=revenue,
        code="discounts",
        name="値引き",
        unit="円",
        target=Decimal(0),
        definition="x",
        department=sales,
        position=3,
    )
    problems = [p for p in tree_health(healthy) if p.kind == health.UNUSED_CHILDREN]
    assert [(p.node.code, p.codes) for p in problems] == [("revenue", ("discounts",))]
    assert "値引き" in problems[0].message
    # leads is a child of the measured node deals: a driver, not a problem.
    assert all(p.node.code != "deals" for p in tree_health(healthy))
    extra.delete()
    assert tree_health(healthy) == []


def test_targets_that_do_not_add_up_are_reported_with_both_numbers(healthy):
    deals = healthy.nodes.get(code="deals")
    deals.target = Decimal(190)  # 190 * 500,000 = 95,000,000 against 120,000,000
    deals.save()
    [problem] = [p for p in tree_health(healthy) if p.kind == health.TARGETS_DO_NOT_ADD_UP]
    assert problem.node.code == "revenue"
    assert problem.expected == Decimal("95000000") and problem.target == Decimal("120000000")
    assert problem.codes == ("deals", "avg_deal_size")
    assert problem.message == (
        "The targets of “受注件数”, “平均受注単価” give ¥95,000,000, but the KGI target is ¥120,000,000."
    )
    with translation.override("ja"):
        [problem] = [p for p in tree_health(healthy) if p.kind == health.TARGETS_DO_NOT_ADD_UP]
        assert "95,000,000円" in problem.message and "120,000,000円" in problem.message
    deals.target = Decimal(240)
    deals.save()
    assert tree_health(healthy) == []


def test_a_difference_of_at_most_one_percent_is_fine(healthy):
    deals = healthy.nodes.get(code="deals")
    deals.target = Decimal("237.6")  # exactly 1% below
    deals.save()
    assert tree_health(healthy) == []
    deals.target = Decimal("237.5")
    deals.save()
    assert _kinds(healthy) == [("revenue", health.TARGETS_DO_NOT_ADD_UP)]


def test_targets_of_a_kpi_formula_name_the_kpi(healthy, marketing):
    leads = healthy.nodes.get(code="leads")
    leads.formula = "web + events"
    leads.save()
    for code, target in (("web", "1000"), ("events", "500")):
        Node.objects.create(
            tree=healthy,
            parent=leads,
            code=code,
            name=code,
            unit="件",
            target=Decimal(target),
            definition="x",
            department=marketing,
        )
    [problem] = tree_health(healthy)
    assert problem.kind == health.TARGETS_DO_NOT_ADD_UP
    assert (
        "the target of リード数 is 2,400件" in problem.message
        or "the target of リード数 is 2,400 件" in problem.message
    )


def test_targets_are_not_compared_while_a_child_target_is_missing(healthy):
    avg = healthy.nodes.get(code="avg_deal_size")
    avg.target = None
    avg.save()
    assert _kinds(healthy) == [("avg_deal_size", health.NO_TARGET)]


def test_a_formula_that_cannot_be_used_is_reported(healthy):
    revenue = healthy.nodes.get(code="revenue")
    revenue.formula = "deals * churn"  # no node has that code
    revenue.save()
    [problem] = tree_health(healthy)
    assert problem.kind == health.BAD_FORMULA and "churn" in problem.message


def test_an_owner_department_without_members_is_reported_on_each_node_it_owns(healthy, marketing, owner):
    Membership.objects.filter(department=marketing).delete()
    assert _kinds(healthy) == [("leads", health.DEPARTMENT_WITHOUT_MEMBERS)]
    problem = tree_health(healthy)[0]
    assert "マーケティング部" in problem.message
    Membership.objects.create(user=owner, department=marketing)
    assert tree_health(healthy) == []


def test_a_kpi_needs_an_owner_department_but_the_kgi_does_not(healthy):
    Node.objects.filter(tree=healthy, code__in=["revenue", "leads"]).update(department=None)
    assert _kinds(healthy) == [("leads", health.NO_DEPARTMENT)]


def test_archived_nodes_do_not_count_and_detached_nodes_are_reported(healthy):
    deals = healthy.nodes.get(code="deals")
    Node.objects.filter(pk=deals.pk).update(archived_at=timezone.now())
    kinds = _kinds(healthy)
    assert ("leads", health.DETACHED) in kinds
    assert all(code != "deals" for code, _kind in kinds)


def test_problems_come_in_tree_order(healthy):
    Node.objects.filter(tree=healthy).update(definition="")
    assert [code for code, _kind in _kinds(healthy)] == ["revenue", "deals", "leads", "avg_deal_size"]


def test_the_nodes_the_page_already_loaded_can_be_passed_in(healthy, django_assert_num_queries):
    Node.objects.filter(tree=healthy, code="leads").update(unit="")
    nodes = list(healthy.nodes.select_related("department"))
    with django_assert_num_queries(1):  # the departments' members only
        problems = tree_health(healthy, nodes)
    assert [(p.node.code, p.kind) for p in problems] == [("leads", health.NO_UNIT)]


def _big_tree(department, size):
    tree = Tree.objects.create(
        code=f"big-{size}",
        name="Big",
        department=department,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )
    kgi = Node.objects.create(tree=tree, code="kgi", name="KGI", formula="b0 + b1", target=Decimal(1))
    branches = [
        Node.objects.create(tree=tree, parent=kgi, code=f"b{i}", name=f"B{i}", department=department, position=i)
        for i in range(2)
    ]
    other = Department.objects.create(name=f"空の部署 {size}")
    Node.objects.bulk_create(
        Node(
            tree=tree,
            parent=branches[i % 2],
            code=f"n{i}",
            name=f"N{i}",
            department=other if i % 3 else department,
            position=i,
        )
        for i in range(size - 3)
    )
    return tree


@pytest.mark.parametrize("size", [10, 200])
def test_the_query_count_does_not_grow_with_the_tree(marketing, owner, size, django_assert_num_queries):
    tree = _big_tree(marketing, size)
    with django_assert_num_queries(1):
        problems = tree_health(tree)
    assert len({p.node.pk for p in problems}) == size
    nodes = list(tree.nodes.select_related("department"))
    with django_assert_num_queries(1):
        assert len(tree_health(tree, nodes)) == len(problems)
