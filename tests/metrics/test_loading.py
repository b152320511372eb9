"""Loading trees for the engine (metrics.progress), the progress JSON and CSV (metrics.progress_files), and the
export_progress command."""

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from goals.models import Node, Tree
from metrics.models import Entry
from metrics.progress import compute_progress, load_tree
from metrics.progress_files import CSV_COLUMNS, decimal_string, progress_to_csv, progress_to_json

D = Decimal
FIRST_WEEK = date(2026, 3, 30)  # the week holding 2026-04-01 (its Thursday is 04-02)


def load_data(tree):
    """The engine's data of the tree and its entries, as metrics.progress loads them."""
    loaded = load_tree(tree)
    return loaded.data, loaded.entries


def progress_for_tree(tree, as_of):
    """The tree's progress computed from the database (the cache is metrics.progress's concern)."""
    return compute_progress(tree, as_of)


def week(i):
    return FIRST_WEEK + timedelta(weeks=i)


def add_entries(tree, code, values):
    node = tree.nodes.get(code=code)
    Entry.objects.bulk_create(Entry(node=node, week=week(i), value=D(value)) for i, value in enumerate(values))


@pytest.fixture
def funnel(tree):
    add_entries(tree, "deals", [4, 5, 6])
    add_entries(tree, "avg_deal_size", [500000, 400000, 600000])
    add_entries(tree, "leads", [40, 50, 60])
    return Tree.objects.get(pk=tree.pk)


def large_tree(nodes=60, weeks=20):
    tree = Tree.objects.create(code="large", name="Large", period_start=date(2026, 4, 1), period_end=date(2027, 3, 31))
    kgi = Node.objects.create(tree=tree, code="kgi", name="KGI", formula="a0 + a1 + a2", target=D(1))
    middles = Node.objects.bulk_create(
        Node(tree=tree, parent=kgi, code=f"a{i}", name=f"A{i}", target=D(1), position=i) for i in range(3)
    )
    leaves = Node.objects.bulk_create(
        Node(tree=tree, parent=middles[i % 3], code=f"n{i}", name=f"N{i}", target=D(1), position=i)
        for i in range(nodes - 4)
    )
    Entry.objects.bulk_create(
        Entry(node=node, week=week(k), value=D(k)) for node in [*middles, *leaves] for k in range(weeks)
    )
    return Tree.objects.get(pk=tree.pk)


# --- loading ------------------------------------------------------------------------------------------------


def test_load_data_runs_the_same_two_queries_whatever_the_size(funnel, django_assert_num_queries):
    large = large_tree()
    with django_assert_num_queries(2):
        small_data, small_entries = load_data(funnel)
    with django_assert_num_queries(2):
        large_data, large_entries = load_data(large)
    assert len(small_data.nodes) == 4
    assert len(large_data.nodes) == 60
    assert sum(len(values) for values in large_entries.values()) == 59 * 20


def test_load_data_gives_plain_data_in_tree_order(funnel):
    data, entries = load_data(funnel)
    assert data.code == "fy2026-test"
    assert data.weeks[0] == FIRST_WEEK
    assert len(data.weeks) == 52
    assert data.warning_threshold == D(90)
    assert [(node.code, node.parent) for node in data.nodes] == [
        ("revenue", None),
        ("deals", "revenue"),
        ("leads", "deals"),
        ("avg_deal_size", "revenue"),
    ]
    revenue = data.nodes[0]
    assert (revenue.formula, revenue.aggregation, revenue.target, revenue.unit) == (
        "deals * avg_deal_size",
        "sum",
        D(120000000),
        "円",
    )
    assert entries["deals"] == {week(0): D(4), week(1): D(5), week(2): D(6)}
    assert "revenue" not in entries


def test_load_data_leaves_out_archived_nodes_and_weeks_outside_the_period(funnel):
    leads = funnel.nodes.get(code="leads")
    Node.objects.create(tree=funnel, parent=leads, code="ads", name="広告", target=D(1))
    Node.objects.filter(code="leads").update(archived_at=timezone.now())
    deals = funnel.nodes.get(code="deals")
    Entry.objects.create(node=deals, week=FIRST_WEEK - timedelta(weeks=1), value=D(99))
    Entry.objects.create(node=deals, week=date(2027, 3, 29), value=D(99))  # the week after the period
    data, entries = load_data(funnel)
    assert [node.code for node in data.nodes] == ["revenue", "deals", "avg_deal_size"]
    assert set(entries["deals"]) == {week(0), week(1), week(2)}
    assert "leads" not in entries


def test_load_data_reads_weights(funnel):
    Node.objects.filter(code="deals").update(weights=["1", 2, 0.5] + [1] * 49)
    Node.objects.filter(code="leads").update(weights=["x"])
    data, _entries = load_data(funnel)
    nodes = {node.code: node for node in data.nodes}
    assert nodes["deals"].weights[:3] == (D(1), D(2), D("0.5"))
    assert nodes["leads"].weights == ()
    assert nodes["revenue"].weights is None


# --- JSON and CSV -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("1.2E+8"), "120000000"),
        (D("120000000.000000"), "120000000"),
        (D("2307692.3076923076923"), "2307692.307692"),
        (D("0.0000005"), "0.000001"),
        (D("-0.0000001"), "0"),
        (D("0E-10"), "0"),
        (D("-12.50"), "-12.5"),
        (None, None),
    ],
)
def test_decimal_strings_have_no_exponent_and_at_most_6_places(value, text):
    assert decimal_string(value) == text


def test_progress_json_has_the_shape_of_design(funnel):
    progress, data = progress_for_tree(funnel, date(2026, 4, 15))
    result = progress_to_json(progress, data)
    assert json.loads(json.dumps(result)) == result
    assert set(result) == {"tree", "as_of_week", "nodes"}
    assert result["tree"] == "fy2026-test"
    assert result["as_of_week"] == "2026-04-13"
    assert [node["code"] for node in result["nodes"]] == ["revenue", "deals", "leads", "avg_deal_size"]
    for node in result["nodes"]:
        assert set(node) == {
            "code",
            "actual_to_date",
            "target_to_date",
            "achievement",
            "status",
            "forecast",
            "sensitivity",
            "impact",
            "weeks",
        }
        assert len(node["weeks"]) == 52
        assert all(set(item) == {"week", "actual", "target"} for item in node["weeks"])
    revenue, deals, leads, avg = result["nodes"]
    # revenue: 4 x 500000 + 5 x 400000 + 6 x 600000 to date; pace 3 x 120000000 / 52.
    assert revenue["actual_to_date"] == "7600000"
    assert revenue["target_to_date"] == "6923076.923076"
    assert revenue["weeks"][0] == {"week": "2026-03-30", "actual": "2000000", "target": "2307692.307692"}
    assert revenue["weeks"][51]["target"] == "2307692.307708"  # the last week takes the remainder
    assert revenue["weeks"][3] == {"week": "2026-04-20", "actual": None, "target": "2307692.307692"}
    assert revenue["status"] == "on_track"
    assert revenue["sensitivity"] is None
    assert deals["sensitivity"] == "1"
    assert avg["sensitivity"] == "1"
    assert leads["sensitivity"] == "0"  # a driver
    assert avg["target_to_date"] == "500000"
    assert avg["actual_to_date"] == "500000"
    assert avg["achievement"] == "100"
    # Forecast: deals 15 + 49 x 5 = 260 deals, average deal size 500000 throughout; 49 weeks at 2500000.
    assert deals["forecast"] == "260"
    assert revenue["forecast"] == str(7600000 + 49 * 2500000)
    assert "E" not in json.dumps(result)


def test_progress_json_keeps_weeks_after_d_and_nulls(funnel):
    progress, data = progress_for_tree(funnel, date(2026, 3, 30))
    deals = progress_to_json(progress, data)["nodes"][1]
    assert deals["actual_to_date"] == "4"
    assert [item["actual"] for item in deals["weeks"][:4]] == ["4", "5", "6", None]
    Node.objects.filter(code="deals").update(target=None)
    progress, data = progress_for_tree(funnel, date(2026, 3, 30))
    deals = progress_to_json(progress, data)["nodes"][1]
    assert (deals["status"], deals["target_to_date"], deals["achievement"]) == ("incomplete", None, None)
    assert deals["weeks"][0]["target"] is None


def test_progress_csv_has_a_row_per_node_and_week(funnel):
    progress, data = progress_for_tree(funnel, date(2026, 4, 15))
    rows = list(csv.reader(io.StringIO(progress_to_csv(progress, data))))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) == 1 + 4 * 52
    assert rows[1] == [
        "fy2026-test",
        "revenue",
        "2026-03-30",
        "2000000",
        "2307692.307692",
        "2026-04-13",
        "7600000",
        "6923076.923076",
        "109.777778",
        "on_track",
        "130100000",
        "",
        "",
    ]
    assert rows[4][3] == ""  # no actual: empty, as null in the JSON


# --- export_progress ----------------------------------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("export_progress", *args, stdout=out)
    return out.getvalue()


def test_export_progress_prints_the_json(funnel):
    result = json.loads(run("--tree", "fy2026-test", "--as-of", "2026-04-15"))
    progress, data = progress_for_tree(funnel, date(2026, 4, 15))
    assert result == progress_to_json(progress, data)


def test_export_progress_has_the_shape_of_the_design_example_with_impact(funnel):
    """docs/files.md "Progress": every key of the example, decimal strings (at most 6 places) or null; `impact` null
    on the KGI, a number on the KPIs (deals through the formula, leads through deals' breakdown)."""
    Node.objects.filter(tree=funnel, code="deals").update(breakdown="leads / 10")
    Tree.bump_data_version(funnel.pk)
    result = json.loads(run("--tree", "fy2026-test", "--as-of", "2026-04-15"))
    assert set(result) == {"tree", "as_of_week", "nodes"}
    keys = {"code", "actual_to_date", "target_to_date", "achievement", "status", "forecast", "sensitivity", "impact"}
    by_code = {}
    for item in result["nodes"]:
        assert set(item) == keys | {"weeks"}
        assert set(item["weeks"][0]) == {"week", "actual", "target"}
        for key in keys - {"code", "status"}:
            value = item[key]
            assert value is None or (isinstance(value, str) and len(value.partition(".")[2]) <= 6), (key, value)
        by_code[item["code"]] = item
    assert by_code["revenue"]["impact"] is None and by_code["revenue"]["sensitivity"] is None
    assert D(by_code["deals"]["impact"]) != 0 and D(by_code["leads"]["impact"]) != 0
    # leads: 150 to date, forecast 150 + 49 x 50 = 2,600 against a target of 2,400; deals is 10 times leads here
    # (4 + 5 + 6 = 15 entered), so leads on its target moves deals and revenue by 2,400 / 2,600 - 1.
    revenue = D(by_code["revenue"]["forecast"])
    assert abs(D(by_code["leads"]["impact"]) - revenue * (D(2400) / D(2600) - 1)) < D("0.000001")


def test_export_progress_prints_csv_on_request(funnel):
    text = run("--tree", "fy2026-test", "--as-of", "2026-04-15", "--format", "csv")
    progress, data = progress_for_tree(funnel, date(2026, 4, 15))
    assert text == progress_to_csv(progress, data)


def test_export_progress_defaults_to_the_last_complete_week_in_tokyo(funnel):
    # 2026-06-29 01:00 in Tokyo is still Sunday 06-28 in UTC.
    with time_machine.travel(datetime.fromisoformat("2026-06-29T01:00:00+09:00"), tick=False):
        result = json.loads(run("--tree", "fy2026-test"))
    assert result["as_of_week"] == "2026-06-22"


@pytest.mark.parametrize("value", ["2026-13-01", "29/06/2026", "20260629", "yesterday"])
def test_export_progress_refuses_a_bad_date(funnel, value):
    with translation.override("en"), pytest.raises(CommandError) as caught:
        run("--tree", "fy2026-test", "--as-of", value)
    assert f"“{value}” is not a date" in str(caught.value)


def test_export_progress_refuses_an_unknown_tree_and_lists_every_error(db):
    with translation.override("en"), pytest.raises(CommandError) as caught:
        run("--tree", "nope", "--as-of", "soon")
    message = str(caught.value)
    assert 'There is no tree with the code "nope".' in message
    assert "“soon” is not a date" in message


@pytest.mark.parametrize(
    "value",
    ["0", "-0.5", "0.1", "8800", "123456789.123456", "12345678901234.1", "12345678901.123456", "-0.000001"],
)
def test_the_loader_reads_each_value_as_the_orm_does(funnel, value):
    deals = funnel.nodes.get(code="deals")
    Entry.objects.filter(node=deals, week=week(0)).update(value=D(value))
    stored = Entry.objects.get(node=deals, week=week(0)).value
    data, entries = load_data(funnel)
    assert repr(entries["deals"][week(0)]) == repr(stored)  # digit for digit, exponent included
    assert entries["deals"][week(1)] == D(5)
