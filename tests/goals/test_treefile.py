import copy
import json
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from goals import treefile
from goals.models import ChangeAction, Comment, Department, Node, Tree
from goals.treefile import TreeFileError, export_tree, import_tree, read_tree_file
from metrics.models import Entry
from tests.goals.helpers import one, recorded

pytestmark = pytest.mark.usefixtures("english")


def _file(**overrides):
    """A small valid tree file: revenue = deals * avg_deal_size, leads drives deals."""
    data = {
        "code": "fy2026-marketing",
        "name": "FY2026 Marketing",
        "period": {"start": "2026-04-01", "end": "2027-03-31"},
        "week_start": "monday",
        "warning_threshold": "90",
        "nodes": [
            {
                "code": "revenue",
                "name": "売上",
                "parent": None,
                "unit": "円",
                "direction": "higher",
                "aggregation": "sum",
                "formula": "deals * avg_deal_size",
                "breakdown": None,
                "target": "120000000",
                "stretch": "150000000",
                "baseline": None,
                "department": "営業部",
                "definition": "受注金額（税抜）の合計",
                "weights": None,
            },
            {
                "code": "deals",
                "name": "受注件数",
                "parent": "revenue",
                "unit": "件",
                "direction": "higher",
                "aggregation": "sum",
                "formula": None,
                "target": "240",
                "department": "営業部",
                "definition": "契約書の締結数",
            },
            {
                "code": "avg_deal_size",
                "name": "平均受注単価",
                "parent": "revenue",
                "aggregation": "average",
                "target": 500000,
                "unit": "円",
            },
            {
                "code": "leads",
                "name": "リード数",
                "parent": "deals",
                "target": "2400",
                "department": "マーケティング部",
            },
        ],
    }
    data.update(overrides)
    return data


def _errors(data):
    with pytest.raises(TreeFileError) as caught:
        read_tree_file(data)
    return [(error.node, error.field) for error in caught.value.errors], caught.value


# Reading


def test_a_valid_file_is_read_with_defaults_for_omitted_keys(db):
    spec = read_tree_file(_file())
    assert spec.code == "fy2026-marketing" and spec.period_start == date(2026, 4, 1) and spec.week_start == 0
    leads = spec.nodes[3]
    assert leads.direction == "higher" and leads.aggregation == "sum" and leads.unit == "" and leads.formula == ""
    assert leads.target == Decimal(2400) and leads.stretch is None and leads.weights is None
    assert spec.nodes[2].target == Decimal(500000)


def test_a_formula_node_defaults_to_recompute_when_it_divides_and_sum_otherwise(db):
    data = _file()
    del data["nodes"][0]["aggregation"]
    assert read_tree_file(data).nodes[0].aggregation == "sum"
    data["nodes"][0]["formula"] = "deals / avg_deal_size"
    data["nodes"][0]["target"] = "0.00048"
    assert read_tree_file(data).nodes[0].aggregation == "recompute"


def test_numbers_can_be_json_numbers_or_decimal_strings(db):
    data = treefile.loads(json.dumps(_file(warning_threshold=85.5)).replace('"240"', "240.0"))
    spec = read_tree_file(data)
    assert spec.warning_threshold == Decimal("85.5")
    assert spec.nodes[1].target == Decimal(240)


def test_every_error_is_listed_by_node_and_key(db):
    data = _file()
    data["nodes"] = [
        {"code": "revenue", "name": "売上", "parent": None, "formula": "deals * price", "target": "1e3"},
        {"code": "deals", "name": "受注", "parent": "revenue", "target": "NaN"},
        {"code": "deals", "name": "重複", "parent": "revenue"},  # duplicate code
        {"name": "コードなし", "parent": "revenue"},  # missing code
        {"code": "Bad-Code", "name": "x", "parent": "revenue"},
        {"code": "second_kgi", "name": "x", "parent": None},
        {"code": "orphan", "name": "x", "parent": "nowhere"},
        {"code": "early", "name": "x", "parent": "late"},
        {"code": "late", "name": "x", "parent": "revenue", "weights": ["1", "2"]},
        {"code": "neg", "name": "x", "parent": "revenue", "weights": ["-1"] + ["1"] * 51},
        {"code": "typo", "name": "x", "parent": "revenue", "targt": "5"},
        {"code": "nameless", "parent": "revenue"},
        {"code": "ratio", "name": "x", "parent": "revenue", "aggregation": "recompute"},
    ]
    found, error = _errors(data)
    assert ("revenue", "formula") in found  # price is not a child
    assert ("revenue", "target") in found  # 1e3 is not a decimal string
    assert ("deals", "target") in found
    assert ("deals", "code") in found  # the duplicate
    assert ("#4", "code") in found
    assert ("Bad-Code", "code") in found
    assert ("second_kgi", "parent") in found
    assert ("orphan", "parent") in found
    assert ("early", "parent") in found
    assert ("late", "weights") in found
    assert ("neg", "weights, week 1 (w/c 30 Mar)") in found
    assert ("typo", "targt") in found
    assert ("nameless", "name") in found
    assert ("ratio", "aggregation") in found
    assert len(found) == 14
    messages = [str(e) for e in error.errors]
    assert any("“late” comes after this node" in m for m in messages)
    assert any("“nowhere” is not the code of any node" in m for m in messages)
    assert any("already the KGI" in m for m in messages)
    assert any("There are 2 weights, but the period has 52 weeks" in m for m in messages)
    assert "14 problems" in error.summary


@pytest.mark.parametrize(
    "change, where",
    [
        (lambda d: d.pop("code"), (None, "code")),
        (lambda d: d.update(code="FY 2026"), (None, "code")),
        (lambda d: d.update(period={"start": "2026/04/01", "end": "2027-03-31"}), (None, "period.start")),
        (lambda d: d.update(period={"start": "2026-04-01", "end": "2026-03-01"}), (None, "period.end")),
        (lambda d: d.update(week_start="mon"), (None, "week_start")),
        (lambda d: d.update(warning_threshold="120"), (None, "warning_threshold")),
        (lambda d: d.update(nodes=[]), (None, "nodes")),
        (lambda d: d["nodes"][0].update(parent="deals"), (None, "nodes")),  # no KGI left
        (lambda d: d["nodes"][1].pop("parent"), ("deals", "parent")),
        (lambda d: d["nodes"][1].update(target="1,234"), ("deals", "target")),
        (lambda d: d["nodes"][1].update(target=True), ("deals", "target")),
        (lambda d: d["nodes"][1].update(target="1.1234567"), ("deals", "target")),
        (lambda d: d["nodes"][1].update(direction="up"), ("deals", "direction")),
        (lambda d: d["nodes"][1].update(weights=["0"] * 52), ("deals", "weights")),
        (lambda d: d["nodes"][1].update(weights=["x"] + ["1"] * 51), ("deals", "weights, week 1 (w/c 30 Mar)")),
        (lambda d: d["nodes"][1].update(weights="even"), ("deals", "weights")),
    ],
)
def test_each_invalid_case_is_refused(db, change, where):
    data = _file()
    change(data)
    found, _error = _errors(data)
    assert where in found


def test_a_file_that_is_not_json_is_refused(db):
    with pytest.raises(TreeFileError) as caught:
        treefile.loads(b'{"code": "x",')
    assert "line 1" in str(caught.value)
    with pytest.raises(TreeFileError):
        treefile.loads(b'{"target": NaN}')
    assert treefile.loads('\ufeff{"a": 1.5}'.encode()) == {"a": Decimal("1.5")}


def test_weights_of_the_right_length_are_kept(db):
    data = _file()
    data["nodes"][1]["weights"] = ["1"] * 50 + [2, "0"]
    spec = read_tree_file(data)
    assert spec.nodes[1].weights[-2:] == [Decimal(2), Decimal(0)]


# Importing and exporting


def test_import_creates_the_tree_its_nodes_and_missing_departments(db, owner):
    tree = import_tree(_file(), owner)
    assert tree.code == "fy2026-marketing" and tree.import_summary.created
    assert list(tree.nodes.order_by("pk").values_list("code", "parent__code")) == [
        ("revenue", None),
        ("deals", "revenue"),
        ("avg_deal_size", "revenue"),
        ("leads", "deals"),
    ]
    assert set(Department.objects.values_list("name", flat=True)) >= {"営業部", "マーケティング部"}
    assert tree.nodes.get(code="revenue").stretch == Decimal(150000000)
    records = recorded(tree, action=ChangeAction.IMPORT)
    assert len(records) == 5 and {r.user for r in records} == {owner}
    assert one([r for r in records if r.node_code == "leads"]).changes["parent"] == ["", "deals"]


def test_export_then_import_gives_the_same_file(db):
    data = _file()
    data["nodes"][1]["weights"] = ["1.5"] * 51 + ["0"]
    tree = import_tree(data)
    exported = export_tree(tree)
    assert exported["nodes"][0] == _file()["nodes"][0]  # revenue, which the file writes with every key
    assert exported["nodes"][1]["weights"][0] == "1.5"
    assert exported["warning_threshold"] == "90" and exported["week_start"] == "monday"
    text = treefile.dumps(exported)
    tree.delete()
    again = import_tree(treefile.loads(text.encode()))
    assert export_tree(again) == exported


def test_the_shared_tree_round_trips(tree):
    exported = export_tree(tree)
    assert [n["code"] for n in exported["nodes"]] == ["revenue", "deals", "leads", "avg_deal_size"]
    again = import_tree(copy.deepcopy(exported))
    assert again.pk == tree.pk
    assert again.import_summary.nodes_unchanged == 4
    assert export_tree(again) == exported


def test_reimport_replaces_the_structure_and_keeps_entries_of_surviving_nodes(tree, owner):
    deals = tree.nodes.get(code="deals")
    leads = tree.nodes.get(code="leads")
    avg = tree.nodes.get(code="avg_deal_size")
    Entry.objects.create(node=deals, week=date(2026, 3, 30), value=Decimal(5))
    Entry.objects.create(node=leads, week=date(2026, 3, 30), value=Decimal(50))
    data = export_tree(tree)
    data["name"] = "FY2026 新"
    nodes = {n["code"]: n for n in data["nodes"]}
    nodes["deals"]["target"] = "300"
    nodes["deals"]["name"] = "受注数"
    data["nodes"] = [nodes["revenue"], nodes["deals"], nodes["avg_deal_size"]]  # leads is gone
    data["nodes"].append({"code": "opportunities", "name": "商談数", "parent": "deals", "unit": "件"})
    data["nodes"][0]["target"] = "150000000"

    again = import_tree(data, owner)
    assert again.pk == tree.pk and again.name == "FY2026 新"
    deals.refresh_from_db()
    assert deals.target == Decimal(300) and deals.name == "受注数" and deals.version == 2
    assert deals.entries.get().value == Decimal(5)  # the same node, entries kept
    leads.refresh_from_db()
    assert leads.archived_at is not None  # it has an entry: archived, not destroyed
    assert leads.entries.count() == 1
    assert tree.nodes.active().get(code="opportunities").parent_id == deals.pk
    assert avg.pk == tree.nodes.active().get(code="avg_deal_size").pk
    summary = again.import_summary
    assert (summary.nodes_created, summary.nodes_updated, summary.nodes_archived) == (1, 2, 1)
    change = one(recorded(node=deals, action=ChangeAction.IMPORT))
    assert change.changes["target"] == ["240", "300"] and change.user == owner
    assert recorded(node=leads, action=ChangeAction.ARCHIVE)


def test_nodes_that_disappear_without_anything_are_deleted(tree):
    leads = tree.nodes.get(code="leads")
    data = export_tree(tree)
    data["nodes"] = [n for n in data["nodes"] if n["code"] != "leads"]
    again = import_tree(data)
    assert not Node.objects.filter(pk=leads.pk).exists()
    assert again.import_summary.nodes_deleted == 1
    assert recorded(tree, node_code="leads", action=ChangeAction.DELETE)


def test_a_node_with_comments_is_archived_and_its_code_brings_it_back(tree, owner):
    leads = tree.nodes.get(code="leads")
    Comment.objects.create(node=leads, author=owner, body="見直し")
    data = export_tree(tree)
    import_tree({**data, "nodes": [n for n in data["nodes"] if n["code"] != "leads"]})
    leads.refresh_from_db()
    assert leads.archived_at is not None
    import_tree(data)  # leads is back in the file
    leads.refresh_from_db()
    assert leads.archived_at is None and leads.comments.count() == 1


def test_a_new_kgi_can_replace_the_old_one(tree):
    data = export_tree(tree)
    revenue = data["nodes"][0]
    data["nodes"] = [
        {"code": "profit", "name": "利益", "parent": None, "formula": "revenue - cost", "unit": "円"},
        {**revenue, "parent": "profit"},
        {"code": "cost", "name": "費用", "parent": "profit", "unit": "円"},
        *data["nodes"][1:],
    ]
    again = import_tree(data)
    kgi = again.nodes.active().get(parent=None)
    assert kgi.code == "profit"
    assert again.nodes.get(code="revenue").parent_id == kgi.pk


def test_a_parent_that_leaves_keeps_its_moved_child(tree):
    """deals leaves; leads moves under revenue. Deleting deals must not take leads with it."""
    data = export_tree(tree)
    nodes = {n["code"]: n for n in data["nodes"]}
    nodes["revenue"]["formula"] = "leads * avg_deal_size"
    nodes["leads"]["parent"] = "revenue"
    data["nodes"] = [nodes["revenue"], nodes["leads"], nodes["avg_deal_size"]]
    leads = tree.nodes.get(code="leads")
    import_tree(data)
    leads.refresh_from_db()
    assert leads.parent.code == "revenue" and leads.archived_at is None
    assert not tree.nodes.filter(code="deals").exists()


def test_an_invalid_file_changes_nothing(tree):
    before = export_tree(tree)
    data = copy.deepcopy(before)
    data["nodes"][1]["target"] = "abc"
    with pytest.raises(TreeFileError):
        import_tree(data)
    assert export_tree(Tree.objects.get(pk=tree.pk)) == before


def test_import_refuses_an_existing_code_when_asked_not_to_replace(tree):
    with pytest.raises(TreeFileError) as caught:
        import_tree(export_tree(tree), replace=False)
    assert caught.value.errors[0].field == "code"


def test_a_node_detached_from_the_kgi_is_not_exported(tree):
    Node.objects.filter(tree=tree, code="deals").update(archived_at=timezone.now())
    assert [n["code"] for n in export_tree(tree)["nodes"]] == ["revenue", "avg_deal_size"]
