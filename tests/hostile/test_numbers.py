"""Numbers at and beyond the bound (docs/numbers.md "Bounds") through every page, the grid, back-calculation,
seasonality and copies: no server error, figures too large to show say so, and what cannot be kept is refused."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import Node, Tree
from metrics.models import Entry
from tests.hostile.conftest import W1, W2, W3, counts, open_every_page, strict_json, tree_pages

pytestmark = pytest.mark.django_db

MAX = Decimal("999999999999999")  # 15 digits: the largest whole number anyone can type


def _set(tree, code, **fields):
    Node.objects.filter(tree=tree, code=code).update(**fields)
    Tree.bump_data_version(tree.pk)


def _enter(tree, values):
    nodes = {node.code: node for node in tree.nodes.all()}
    for code, weeks in values.items():
        for week, value in weeks.items():
            Entry.objects.update_or_create(node=nodes[code], week=week, defaults={"value": Decimal(value)})
    Tree.bump_data_version(tree.pk)


def _hostile_trees():
    """(name, change) pairs: each turns the conftest tree into one that once gave a server error."""
    return [
        # 15 digits on both factors of revenue = deals * avg_deal_size: revenue is a 30-digit figure.
        ("both factors at 15 digits", lambda tree: _enter(tree, {"deals": {W1: MAX}, "avg_deal_size": {W1: MAX}})),
        ("targets at 15 digits", lambda tree: [_set(tree, code, target=MAX) for code in ("deals", "avg_deal_size")]),
        ("a formula with large constants", lambda tree: _set(tree, "revenue", formula=f"deals * {MAX} * {MAX}")),
        ("negative and huge", lambda tree: _enter(tree, {"deals": {W1: -MAX, W2: MAX}, "avg_deal_size": {W1: MAX}})),
        (
            "a tiny target",
            lambda tree: _set(tree, "leads", target=Decimal("0.000001")) or _enter(tree, {"leads": {W1: MAX}}),
        ),
        ("a tiny value", lambda tree: _enter(tree, {"deals": {W1: Decimal("0.000001")}, "avg_deal_size": {W1: 3}})),
        ("huge weights", lambda tree: _set(tree, "deals", weights=["1e999999"] * len(tree.weeks))),
        ("weights that are not numbers", lambda tree: _set(tree, "deals", weights={"a": [1, {"b": None}]})),
        ("weights of NaN", lambda tree: _set(tree, "deals", weights=["NaN"] * len(tree.weeks))),
        ("a stretch beyond the target", lambda tree: _set(tree, "revenue", stretch=MAX, target=Decimal("0.000001"))),
    ]


@pytest.mark.parametrize(
    ("name", "change", "language"),
    [(name, change, ("ja", "en")[index % 2]) for index, (name, change) in enumerate(_hostile_trees())],
    ids=[name for name, _ in _hostile_trees()],
)
def test_every_page_works_with_hostile_numbers(client, owner, world, name, change, language):
    change(world)
    world.refresh_from_db()
    client.force_login(owner)
    client.cookies["django_language"] = language
    open_every_page(client, tree_pages(world))


def test_a_30_digit_figure_is_shown_as_too_large_and_the_grid_can_mend_it(client, owner, sales_member, world):
    _enter(world, {"deals": {W1: MAX}, "avg_deal_size": {W1: MAX}})
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    dashboard = client.get(reverse("metrics:dashboard", args=[world.pk])).content.decode()
    assert 'title="too large to show"' in dashboard
    revenue = world.nodes.get(code="revenue")
    page = client.get(reverse("goals:node-detail", args=[revenue.pk])).content.decode()
    assert 'title="too large to show"' in page
    # The chart leaves the point out (a gap) rather than draw 10^30.
    chart = strict_json(client.get(reverse("metrics:node-chart-data", args=[revenue.pk])).content.decode())
    assert chart["weekly"]["actual"][0] is None
    # The exact figure is in the download.
    progress = strict_json(client.get(reverse("metrics:progress-json", args=[world.pk])).content.decode())
    weeks = next(node for node in progress["nodes"] if node["code"] == "revenue")["weeks"]
    assert weeks[0]["actual"] == "999999999999998000000000000001"  # MAX * MAX, every digit

    # The grid shows it as too large and takes the corrected number (deals are the sales department's).
    client.force_login(sales_member)
    client.cookies["django_language"] = "en"
    grid = client.get(reverse("metrics:grid") + f"?tree={world.pk}&show=all&week=2026-04-13")
    assert grid.status_code == 200
    assert "too large to show" in grid.content.decode()
    deals = world.nodes.get(code="deals")
    entry = Entry.objects.get(node=deals, week=W1)
    key = f"{deals.pk}-{W1:%Y%m%d}"
    response = client.post(
        reverse("metrics:save-cell"),
        {f"v-{key}": "4", f"ver-{key}": entry.version, f"orig-{key}": str(MAX)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert Entry.objects.get(node=deals, week=W1).value == 4


def test_a_value_beyond_15_digits_is_refused_in_the_grid_and_nothing_is_saved(client, sales_member, world):
    client.force_login(sales_member)
    deals = world.nodes.get(code="deals")
    key = f"{deals.pk}-{W3:%Y%m%d}"
    before = counts()
    for text in ["9" * 16, "1e15", "NaN", "Infinity", "1,000,000,000,000,000", "0.0000001"]:
        response = client.post(
            reverse("metrics:save-cell"), {f"v-{key}": text, f"ver-{key}": "1"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code < 500
    assert counts() == before
    assert Entry.objects.get(node=deals, week=W3).value == 5


def test_a_back_calculated_target_beyond_the_bound_is_refused_with_a_message(client, owner, world):
    # revenue = deals * avg_deal_size: with avg_deal_size at 0.000001 and revenue at 10^14, deals would be 10^20.
    _set(world, "revenue", target=Decimal("100000000000000"))
    _set(world, "avg_deal_size", target=Decimal("0.000001"))
    revenue, deals = world.nodes.get(code="revenue"), world.nodes.get(code="deals")
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("goals:node-backcalc", args=[revenue.pk]))
    assert page.status_code == 200
    assert "more than 15 digits" in page.content.decode()
    before = counts()
    response = client.post(
        reverse("goals:node-backcalc-save", args=[revenue.pk]),
        {"child": deals.pk, "value": "100000000000000000000"},
    )
    assert response.status_code == 400
    assert "more than 15 digits" in response.content.decode()
    assert counts() == before
    assert Node.objects.get(pk=deals.pk).target == 240


def test_a_back_calculated_target_is_rounded_to_15_significant_digits(client, owner, world):
    # deals = 100,000,000,000 / 3 = 33,333,333,333.333333 to 6 places, 17 digits: the proposal keeps 15, as a
    # typed target can.
    _set(world, "revenue", target=Decimal("100000000000"))
    _set(world, "avg_deal_size", target=Decimal("3"))
    revenue, deals = world.nodes.get(code="revenue"), world.nodes.get(code="deals")
    client.force_login(owner)
    response = client.post(
        reverse("goals:node-backcalc-save", args=[revenue.pk]), {"child": deals.pk, "value": "33333333333.3333"}
    )
    assert response.status_code == 302
    assert Node.objects.get(pk=deals.pk).target == Decimal("33333333333.3333")
    # ... and the node form takes it back unchanged.
    edit = client.get(reverse("goals:node-edit", args=[deals.pk])).content.decode()
    assert 'value="33333333333.3333"' in edit


def test_seasonality_weights_beyond_the_bound_are_refused_and_stored_ones_ignored(client, owner, world):
    deals = world.nodes.get(code="deals")
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    data = {"method": "custom", "version": deals.version}
    data.update({f"w{index}": "1" for index in range(len(world.weeks))})
    for weight in ["9" * 16, "1e20", "NaN", "Infinity", "-1", "0.0000001", "\x00"]:
        before = counts()
        response = client.post(reverse("goals:node-seasonality-save", args=[deals.pk]), {**data, "w3": weight})
        assert response.status_code == 400, weight
        assert counts() == before
    assert Node.objects.get(pk=deals.pk).weights is None


def test_a_copy_leaves_out_a_baseline_beyond_the_bound(client, owner, world):
    # Every week of leads at 15 digits: the period's actual (52 weeks) is beyond 10^15.
    _enter(world, {"leads": dict.fromkeys(world.weeks, MAX)})
    # avg_deal_size: the mean of 123,456,789,012.123 and 0.000003 is 61,728,394,506.0615015, 18 digits that a
    # tree file (and a typed baseline) cannot hold: the copy keeps 15, 61,728,394,506.0615.
    _enter(world, {"avg_deal_size": {W1: Decimal("123456789012.123"), W2: Decimal("0.000003")}})
    client.force_login(owner)
    assert client.get(reverse("metrics:tree-copy", args=[world.pk])).status_code == 200
    response = client.post(
        reverse("metrics:tree-copy-save", args=[world.pk]),
        {"code": "fy2027-copy", "name": "FY2027", "period_start": "2027-04-01", "period_end": "2028-03-31"},
    )
    assert response.status_code == 302
    copy = Tree.objects.get(code="fy2027-copy")
    assert copy.nodes.get(code="leads").baseline is None
    assert copy.nodes.get(code="avg_deal_size").baseline == Decimal("61728394506.0615")


def test_typed_targets_beyond_15_digits_are_refused_everywhere(client, owner, world):
    deals = world.nodes.get(code="deals")
    client.force_login(owner)
    page = client.get(reverse("goals:node-edit", args=[deals.pk])).content.decode()
    assert "version" in page
    for field in ("target", "stretch", "baseline"):
        before = counts()
        data = {
            "version": deals.version,
            "name": deals.name,
            "code": deals.code,
            "unit": deals.unit,
            "direction": "higher",
            "aggregation": "sum",
            "frequency": "weekly",
            "department": deals.department_id,
            field: "1" + "0" * 15,
        }
        response = client.post(reverse("goals:node-edit-save", args=[deals.pk]), data)
        assert response.status_code in (200, 400), field
        assert counts() == before


def test_json_numbers_in_a_chart_are_finite(client, owner, world):
    _enter(world, {"leads": {W1: MAX, W2: -MAX}})
    _set(world, "leads", target=Decimal("0.000001"))
    client.force_login(owner)
    leads = world.nodes.get(code="leads")
    data = json.loads(client.get(reverse("metrics:node-chart-data", args=[leads.pk])).content)
    assert data["weekly"]["actual"][:2] == [float(MAX), float(-MAX)]
    assert data["cumulative"]["actual"][1] == 0.0


def test_the_department_page_with_hostile_numbers(client, owner, world, marketing):
    _enter(world, {"leads": {W1: MAX}})
    _set(world, "leads", target=Decimal("0.000001"))
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("metrics:department", args=[marketing.pk]))
    assert page.status_code == 200
    assert "too large to show" in page.content.decode()
    assert date(2026, 4, 22)  # the frozen today keeps the tree current
