"""The funnel's structure (issue 9): formulas over any node with cycles refused, breakdowns over direct children,
names typed and shown instead of codes, codes made from names, aggregation defaults and checks, back-calculation
down the tree. Every expected value is worked out by hand in the comment beside it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from goals import backcalc, codes, editing, health
from goals.formulas import FormulaError, rules
from goals.health import tree_health
from goals.models import Node, Tree, VersionConflict
from goals.treefile import export_tree, import_tree
from goals.treefile.errors import TreeFileError
from tests.goals.helpers import get_node, login, node_form_data, recorded

pytestmark = pytest.mark.usefixtures("english")


def _new_data(**overrides):
    data = {
        "code": "",
        "name": "",
        "definition": "",
        "unit": "件",
        "direction": "higher",
        "department": "",
        "owner": "",
        "aggregation": "",
        "formula": "",
        "breakdown": "",
        "target": "",
        "stretch": "",
        "baseline": "",
        "frequency": "weekly",
    }
    data.update(overrides)
    return data


def _errors(response):
    import re

    return re.findall(r'class="error-text"[^>]*>([^<]*)<', response.content.decode())


def _nodes(**formulas):
    """売上 = deals * avg; 受注件数 (deals) and 平均単価 (avg) under it; extra formulas by code."""
    nodes = {
        "revenue": rules.TreeNode("revenue", "売上", None, "deals * avg"),
        "deals": rules.TreeNode("deals", "受注件数", "revenue"),
        "avg": rules.TreeNode("avg", "平均単価", "revenue"),
    }
    for code, formula in formulas.items():
        nodes[code] = nodes[code]._replace(formula=formula)
    return nodes


# Formula rules


def test_a_cycle_is_refused_with_its_path_named():
    nodes = _nodes(deals="revenue / avg")  # 受注件数 = 売上 / 平均単価, and 売上 = 受注件数 x 平均単価
    with pytest.raises(FormulaError) as caught:
        rules.check_formula("deals * avg", "revenue", "売上", nodes)
    assert "売上 → 受注件数 → 売上" in caught.value.message


def test_a_measured_node_ends_a_path_and_its_breakdown_does_not_count():
    nodes = _nodes()
    nodes["deals"] = nodes["deals"]._replace(breakdown="revenue / 2")  # nonsense, but a breakdown is no formula
    assert rules.check_formula("deals * avg", "revenue", "売上", nodes).references == ("deals", "avg")


def test_a_formula_may_use_any_node_but_not_itself_or_an_unknown_one():
    nodes = _nodes()
    nodes["leads"] = rules.TreeNode("leads", "リード数", "deals")
    assert rules.check_formula("leads * avg", "revenue", "売上", nodes).references == ("leads", "avg")
    with pytest.raises(FormulaError, match="cannot use its own node"):
        rules.check_formula("revenue + 1", "revenue", "売上", nodes)
    with pytest.raises(FormulaError, match="“churn” at position 1 is not an active node"):
        rules.check_formula("churn * 2", "revenue", "売上", nodes)


def test_a_cycle_typed_in_the_form_is_refused_and_nothing_is_saved(client, owner, tree):
    deals = get_node(tree, "deals")
    response = login(client, owner).post(
        reverse("goals:node-edit-save", args=[deals.pk]), node_form_data(deals, formula="売上 ÷ 平均受注単価")
    )
    assert response.status_code == 400
    assert "This formula would make a cycle: 受注件数 → 売上 → 受注件数." in response.content.decode()
    deals.refresh_from_db()
    assert deals.formula == "" and deals.version == 1


# Names, not codes


def test_names_are_stored_as_codes_and_shown_as_names():
    names = {"deals": "受注件数", "avg_deal_size": "平均受注単価", "avg": "平均単価"}
    # Longest name first: 平均受注単価 is not read as 平均 + something; full-width operators and digits.
    assert rules.to_codes("（受注件数＋１２）×平均受注単価÷２", names) == "(deals + 12) * avg_deal_size / 2"
    assert rules.to_codes("deals * 平均単価", names) == "deals * avg"  # codes and names mixed
    assert rules.to_names("(deals + 12) * avg_deal_size / 2", names) == "(受注件数 + 12) × 平均受注単価 ÷ 2"
    assert rules.to_names("-deals", names) == "-受注件数"


def test_ambiguous_names_and_names_with_operators_ask_for_the_code():
    names = {"a": "CPA (円)", "b": "重複", "c": "重複"}
    with pytest.raises(FormulaError, match="contains an operator or a space.*Type its code instead: a"):
        rules.to_codes("CPA (円) * 2", names)
    with pytest.raises(FormulaError, match="Several nodes are named “重複”.*b, c"):
        rules.to_codes("重複 + 1", names)
    # Such names are shown as their codes, so that the shown formula can be typed back.
    assert rules.to_names("a + b", names) == "a + b"


def test_a_formula_typed_with_names_is_saved_with_codes_and_shown_with_names(client, owner, tree):
    revenue = get_node(tree, "revenue")
    client = login(client, owner)
    response = client.post(
        reverse("goals:node-edit-save", args=[revenue.pk]),
        node_form_data(revenue, formula="受注件数×平均受注単価＋１０００"),
    )
    assert response.status_code == 302
    revenue.refresh_from_db()
    assert revenue.formula == "deals * avg_deal_size + 1000"
    assert (
        "= 受注件数 × 平均受注単価 + 1000" in client.get(reverse("goals:tree-detail", args=[tree.pk])).content.decode()
    )
    page = client.get(reverse("goals:node-edit", args=[revenue.pk])).content.decode()
    assert 'value="受注件数 × 平均受注単価 + 1000"' in page  # the form shows names too
    assert '<datalist id="node-names">' in page and '<option value="リード数">' in page


# Codes made from names


def test_node_codes_come_from_the_glossary_then_kpi_n_and_stay_unique():
    assert codes.node_code("商談数", set()) == "opportunities"
    assert codes.node_code("平均受注単価", set()) == "avg_deal_size"
    assert codes.node_code("ＭＱＬ数", set()) == "mqls"  # full-width letters
    assert codes.node_code("受注件数", {"deals"}) == "deals_2"
    assert codes.node_code("Win rate", set()) == "win_rate"
    assert codes.node_code("顧客満足度スコア", {"kpi_1"}) == "kpi_2"
    assert codes.tree_code("Marketing", 2026, set()) == "fy2026-marketing"
    assert codes.tree_code("マーケティング", 2026, {"fy2026-tree-1"}) == "fy2026-tree-2"


def test_a_tree_and_its_kpis_are_made_without_typing_any_code(client, owner, marketing):
    client = login(client, owner)
    data = {
        "code": "",
        "name": "FY2027 マーケ",
        "department": marketing.pk,
        "period_start": "2027-04-01",
        "period_end": "2028-03-31",
        "week_start": "0",
        "warning_threshold": "90",
        "max_depth": "4",
        "kgi_code": "",
        "kgi_name": "売上",
        "kgi_unit": "円",
        "kgi_target": "100000000",
    }
    assert client.post(reverse("goals:tree-create-save"), data).status_code == 302
    tree = Tree.objects.get(name="FY2027 マーケ")
    assert tree.code == "fy2027"  # the name's ASCII part holds the year already
    revenue = tree.nodes.get()
    assert revenue.code == "revenue"
    for name, unit in (("受注件数", "件"), ("平均受注単価", "円"), ("顧客満足度", "点")):
        response = client.post(reverse("goals:node-add-save", args=[revenue.pk]), _new_data(name=name, unit=unit))
        assert response.status_code == 302, _errors(response)
    assert sorted(tree.nodes.values_list("code", flat=True)) == ["avg_deal_size", "deals", "kpi_1", "revenue"]
    # And the formula is typed with names.
    revenue = tree.nodes.get(code="revenue")
    response = client.post(
        reverse("goals:node-edit-save", args=[revenue.pk]), node_form_data(revenue, formula="受注件数 × 平均受注単価")
    )
    assert response.status_code == 302
    revenue.refresh_from_db()
    assert revenue.formula == "deals * avg_deal_size"


# Aggregation


@pytest.mark.parametrize(
    ("unit", "formula", "expected"),
    [
        ("%", "", "average"),  # an entered rate
        ("件", "", "sum"),
        ("%", "受注件数 ÷ リード数 × 100", "recompute"),  # divides
        ("円", "受注件数 × 平均受注単価", "sum"),
    ],
)
def test_automatic_never_stores_sum_for_a_rate(client, owner, tree, unit, formula, expected):
    deals = get_node(tree, "deals")
    data = _new_data(name="新しいKPI", code="new_kpi", unit=unit, formula=formula)
    response = login(client, owner).post(reverse("goals:node-add-save", args=[deals.pk]), data)
    assert response.status_code == 302, response.content.decode()
    assert tree.nodes.get(code="new_kpi").aggregation == expected


def test_health_warns_about_summed_rates_without_changing_them(tree):
    deals = get_node(tree, "deals")
    Node.objects.create(tree=tree, parent=deals, code="win", name="受注率", unit="%", aggregation="sum")
    Node.objects.create(tree=tree, parent=deals, code="price", name="単価", unit="円", aggregation="sum")
    found = {(p.node.code, p.kind) for p in tree_health(tree)}
    assert ("win", health.SUM_OF_RATE) in found
    assert ("price", health.SUM_OF_RATE_NAME) in found
    assert tree.nodes.get(code="win").aggregation == "sum"  # a warning, not a silent change


# Breakdowns


def test_a_breakdown_uses_direct_children_only_and_belongs_to_a_measured_node(client, owner, tree):
    deals = get_node(tree, "deals")
    client = login(client, owner)
    response = client.post(
        reverse("goals:node-edit-save", args=[deals.pk]), node_form_data(deals, breakdown="平均受注単価 × 2")
    )
    assert response.status_code == 400
    assert "“avg_deal_size” is not a child of 受注件数. Its children are: leads." in response.content.decode()
    revenue = get_node(tree, "revenue")
    response = client.post(
        reverse("goals:node-edit-save", args=[revenue.pk]), node_form_data(revenue, breakdown="受注件数 × 2")
    )
    assert response.status_code == 400 and "A breakdown is for a node whose numbers are entered" in (
        response.content.decode()
    )
    response = client.post(
        reverse("goals:node-edit-save", args=[deals.pk]), node_form_data(deals, breakdown="リード数 × 10 ÷ 100")
    )
    assert response.status_code == 302
    deals.refresh_from_db()
    assert deals.breakdown == "leads * 10 / 100" and deals.version == 2
    assert recorded(node=deals, action="update")  # recorded in the history like a formula


def test_breakdown_targets_that_do_not_add_up_are_reported(tree):
    deals = get_node(tree, "deals")
    deals.breakdown = "leads * 10 / 100"  # 2,400 x 10% = 240: adds up
    deals.save()
    assert not [p for p in tree_health(tree) if p.kind == health.TARGETS_DO_NOT_ADD_UP]
    deals.breakdown = "leads * 9 / 100"  # 2,400 x 9% = 216, 10% under 240
    deals.save()
    [problem] = [p for p in tree_health(tree) if p.kind == health.TARGETS_DO_NOT_ADD_UP]
    assert problem.node == deals and problem.expected == Decimal(216)
    assert "Through its breakdown" in problem.message and "216 件" in problem.message


def test_a_node_used_by_a_breakdown_cannot_be_archived_or_moved_or_renamed(client, owner, tree):
    deals = get_node(tree, "deals")
    deals.breakdown = "leads * 10 / 100"
    deals.save()
    leads = get_node(tree, "leads")
    plan, message = editing.removal_plan(leads)
    assert plan == "refuse"
    assert "The breakdown of 受注件数 (リード数 × 10 ÷ 100) uses leads." in message
    client = login(client, owner)
    response = client.post(reverse("goals:node-move-save", args=[leads.pk]), {"parent": get_node(tree, "revenue").pk})
    assert "The breakdown of 受注件数 (リード数 × 10 ÷ 100) uses leads" in response.content.decode()
    response = client.post(reverse("goals:node-edit-save", args=[leads.pk]), node_form_data(leads, code="new_leads"))
    assert response.status_code == 400 and "uses the code leads" in response.content.decode()


def test_archiving_a_node_used_by_a_formula_elsewhere_in_the_tree_is_refused(tree):
    revenue = get_node(tree, "revenue")
    Node.objects.create(
        tree=tree, parent=get_node(tree, "deals"), code="win", name="受注率", unit="%", formula="deals / leads * 100"
    )
    plan, message = editing.removal_plan(get_node(tree, "leads"))
    assert plan == "refuse" and "The formula of 受注率 (受注件数 ÷ リード数 × 100) uses leads." in message
    assert revenue.formula == "deals * avg_deal_size"


# The tree file


def _funnel_file():
    node = {"unit": "件", "department": None}
    return {
        "code": "funnel",
        "name": "Funnel",
        "period": {"start": "2026-04-01", "end": "2027-03-31"},
        "nodes": [
            {
                **node,
                "code": "revenue",
                "name": "売上",
                "parent": None,
                "unit": "円",
                "formula": "deals * price",
                "target": "1000000",
            },
            {
                **node,
                "code": "deals",
                "name": "受注件数",
                "parent": "revenue",
                "breakdown": "opps * win / 100",
                "target": "10",
            },
            {**node, "code": "opps", "name": "商談数", "parent": "deals", "target": "40"},
            {
                **node,
                "code": "win",
                "name": "受注率",
                "parent": "deals",
                "unit": "%",
                "formula": "deals / opps * 100",
                "target": "25",
            },
            {
                **node,
                "code": "price",
                "name": "単価",
                "parent": "revenue",
                "unit": "円",
                "aggregation": "average",
                "target": "100000",
            },
        ],
    }


def test_a_tree_file_with_breakdowns_round_trips(db):
    tree = import_tree(_funnel_file())
    exported = export_tree(tree)
    by_code = {node["code"]: node for node in exported["nodes"]}
    assert by_code["deals"]["breakdown"] == "opps * win / 100" and by_code["revenue"]["breakdown"] is None
    assert by_code["win"]["aggregation"] == "recompute"  # a formula that divides, by default
    tree.delete()
    assert export_tree(import_tree(exported)) == exported
    assert not [p for p in tree_health(Tree.objects.get(code="funnel")) if p.kind == health.TARGETS_DO_NOT_ADD_UP]


def test_a_tree_file_with_a_bad_breakdown_or_a_cycle_lists_every_error(db):
    data = _funnel_file()
    data["nodes"][1]["breakdown"] = "price * 2"  # price is not a child of deals
    data["nodes"][3]["formula"] = "revenue / opps"
    data["nodes"][0]["formula"] = "win * price"  # 売上 → 受注率 → 売上
    with pytest.raises(TreeFileError) as caught:
        import_tree(data)
    problems = {(p.node, p.field) for p in caught.value.errors}
    assert ("deals", "breakdown") in problems
    assert ("revenue", "formula") in problems or ("win", "formula") in problems
    assert not Tree.objects.exists()


# Back-calculation down the tree


@pytest.fixture
def funnel(db, owner, marketing):
    tree = import_tree(_funnel_file())
    tree.department = marketing
    tree.save()
    # New targets for the KGI and the rate: 2,000,000円 at 100,000円 a deal is 20 deals; at 25% that is 80 opps.
    Node.objects.filter(tree=tree, code="revenue").update(target=Decimal(2000000))
    return tree


def test_the_chain_proposes_every_count_from_the_kgi(funnel):
    steps = backcalc.chain(funnel).steps
    assert [(s.node.code, s.source.code, s.proposed) for s in steps] == [
        ("deals", "revenue", Decimal(20)),  # 2,000,000 / 100,000
        ("opps", "deals", Decimal(80)),  # 20 x 100 / 25
    ]
    assert steps[1].formula_shown == "商談数 × 受注率 ÷ 100"


def test_the_proposals_are_applied_in_one_step_with_history(client, owner, funnel):
    client = login(client, owner)
    page = client.get(reverse("goals:tree-backcalc", args=[funnel.pk])).content.decode()
    assert "Apply 2 targets" in page
    shown = backcalc.fingerprint(backcalc.chain(funnel).changes)
    version = Tree.objects.get(pk=funnel.pk).data_version
    response = client.post(reverse("goals:tree-backcalc-save", args=[funnel.pk]), {"proposals": shown})
    assert response.status_code == 302
    targets = dict(funnel.nodes.values_list("code", "target"))
    assert targets["deals"] == 20 and targets["opps"] == 80
    assert funnel.nodes.get(code="opps").version == 2
    assert recorded(node=funnel.nodes.get(code="opps"), action="update")
    assert Tree.objects.get(pk=funnel.pk).data_version > version
    assert not [p for p in tree_health(funnel) if p.kind == health.TARGETS_DO_NOT_ADD_UP]


def test_applying_needs_edit_rights_and_refuses_a_changed_tree(client, owner, viewer, funnel):
    shown = backcalc.fingerprint(backcalc.chain(funnel).changes)
    url = reverse("goals:tree-backcalc-save", args=[funnel.pk])
    assert login(client, viewer).post(url, {"proposals": shown}).status_code == 403
    # Someone changes the rate meanwhile: the proposals shown are not the ones that would be applied.
    Node.objects.filter(tree=funnel, code="win").update(target=Decimal(20))
    response = login(client, owner).post(url, {"proposals": shown})
    assert response.status_code == 409 and "nothing was applied" in response.content.decode()
    assert funnel.nodes.get(code="deals").target == 10  # nothing saved in part
    with pytest.raises(VersionConflict):
        backcalc.apply(funnel, shown, owner)


# The templates


@pytest.mark.parametrize("template", ["b2b_funnel", "inside_sales"])
def test_the_templates_are_funnels_whose_targets_add_up(db, template):
    from datetime import date

    from goals.treefile import create_tree_from_template

    tree = create_tree_from_template(
        template, f"t-{template.replace('_', '-')}", "T", date(2026, 4, 1), date(2027, 3, 31)
    )
    kinds = {problem.kind for problem in tree_health(tree)}
    bad = {
        health.TARGETS_DO_NOT_ADD_UP,
        health.BAD_FORMULA,
        health.BAD_BREAKDOWN,
        health.SUM_OF_RATE,
        health.SUM_OF_RATE_NAME,
        health.TOO_DEEP,
        health.UNUSED_CHILDREN,
        health.NO_TARGET,
        health.NO_DEFINITION,
    }
    assert not kinds & bad
    nodes = {node.code: node for node in tree.nodes.active()}
    # Every count is reached from the KGI through formulas and breakdowns, except the few drivers, whose
    # definitions say that their own impact is 0.
    reached = set()
    stack = [next(node for node in nodes.values() if node.parent_id is None)]
    while stack:
        node = stack.pop()
        reached.add(node.code)
        text = node.formula if node.is_formula else node.breakdown
        if text and (node.is_formula or node.has_breakdown):
            refs = rules.parse(text).references
            stack.extend(nodes[code] for code in refs if code not in reached and nodes[code].parent_id == node.pk)
    for node in nodes.values():
        if node.code not in reached:
            assert "0" in node.definition, node.code
    counts = [node for node in nodes.values() if node.is_measured and node.unit != "%"]
    assert sum(node.code in reached for node in counts) >= len(counts) - 3
    # No rate is summed.
    assert all(node.aggregation != "sum" for node in nodes.values() if node.unit == "%")
    # Back-calculation from the KGI proposes nothing new: the template's targets are already consistent.
    assert not backcalc.chain(tree).changes


def test_the_breakdown_is_checked_as_typed(client, owner, tree):
    deals = get_node(tree, "deals")
    url = reverse("goals:check-formula", args=[tree.pk]) + f"?node={deals.pk}&field=breakdown"
    client = login(client, owner)
    html = client.post(url, {"breakdown": "リード数 × 10 ÷ 100"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="breakdown-check"' in html and "The breakdown can be used." in html
    html = client.post(url, {"breakdown": "売上 × 2"}, HTTP_HX_REQUEST="true").content.decode()
    assert "formula-check--error" in html and "“revenue” is not a child of 受注件数" in html
