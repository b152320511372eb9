from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import ChangeAction, Node
from goals.seasonality import business_day_weights
from goals.views.targets import proposals
from tests.goals.helpers import HTMX, get_node, login, one, recorded

pytestmark = pytest.mark.usefixtures("english")


def _formula_node(tree, marketing, formula, parent_target, children):
    """A formula node under leads with the given children {code: target}."""
    leads = get_node(tree, "leads")
    leads.formula, leads.target = formula, parent_target
    leads.save()
    for position, (code, target) in enumerate(children.items()):
        Node.objects.create(
            tree=tree,
            parent=leads,
            code=code,
            name=code,
            unit="件",
            target=target,
            department=marketing,
            position=position,
        )
    return leads


def _raise_revenue_target(tree):
    """revenue at 150,000,000: its children's targets (240 × 500,000) no longer give it."""
    revenue = get_node(tree, "revenue")
    revenue.target = Decimal(150000000)
    revenue.save()
    return revenue


# Back-calculation: the proposals


def test_product_formula_proposes_each_child(tree):
    revenue = _raise_revenue_target(tree)
    _error, expected, rows = proposals(revenue)
    assert expected == Decimal(120000000)
    assert [(row.child.code, row.value, row.exact) for row in rows] == [
        ("deals", Decimal(300), True),  # 150,000,000 / 500,000
        ("avg_deal_size", Decimal(625000), True),  # 150,000,000 / 240
    ]


def test_sum_formula_proposes_the_remainder(tree, marketing):
    leads = _formula_node(tree, marketing, "web + events", Decimal(2400), {"web": Decimal(1500), "events": None})
    _error, expected, rows = proposals(leads)
    assert expected is None
    by_code = {row.child.code: row for row in rows}
    assert by_code["events"].value == Decimal(900)
    assert by_code["web"].value is None and "“events”" in by_code["web"].reason  # the other target is missing


def test_ratio_formula_is_solved_for_numerator_and_denominator(tree, marketing):
    rate = _formula_node(
        tree, marketing, "won / total * 100", Decimal(25), {"won": Decimal(20), "total": Decimal(100)}
    )
    rows = {row.child.code: row for row in proposals(rate)[2]}
    assert rows["won"].value == Decimal(25)
    assert rows["total"].value == Decimal(80)


def test_no_solution_and_missing_parent_target_are_explained(tree, marketing):
    node = _formula_node(tree, marketing, "a * 0", Decimal(10), {"a": Decimal(1)})
    [row] = proposals(node)[2]
    assert row.value is None and "No value of “a”" in row.reason
    node.target = None
    node.save()
    [row] = proposals(node)[2]
    assert "Set the target of リード数 first" in row.reason


# Back-calculation: the page and applying


def _apply(client, node, child, value, **extra):
    """Post "set the target of `child` to `value`" from the back-calculation page of `node`."""
    return client.post(
        reverse("goals:node-backcalc-save", args=[node.pk]), {"child": child.pk, "value": value}, **extra
    )


def test_everyone_sees_the_proposals_and_only_editors_get_buttons(client, viewer, owner, tree):
    url = reverse("goals:node-backcalc", args=[get_node(tree, "revenue").pk])
    html = login(client, viewer).get(url).content.decode()
    assert "Proposed target" in html and "Set as target" not in html
    assert "Already matches" in html  # the shared tree's targets add up
    _raise_revenue_target(tree)
    html = login(client, owner).get(url).content.decode()
    assert html.count("Set as target") == 2
    partial = client.get(url, **HTMX).content.decode()
    assert 'id="backcalc"' in partial and "<html" not in partial


def test_an_editor_applies_a_proposal_with_history(client, owner, tree):
    revenue = _raise_revenue_target(tree)
    deals = get_node(tree, "deals")
    response = _apply(login(client, owner), revenue, deals, "300")
    assert response.status_code == 302
    deals.refresh_from_db()
    assert deals.target == Decimal(300) and deals.version == 2
    change = one(recorded(node=deals, action=ChangeAction.UPDATE))
    assert change.changes == {"target": ["240", "300"]} and change.user == owner


def test_applying_over_htmx_returns_the_region_only(client, owner, tree):
    """The back-calculation page has no health panel, so its htmx answer carries none (an out-of-band panel with
    no target on the page is an htmx error in the console)."""
    revenue = _raise_revenue_target(tree)
    deals = get_node(tree, "deals")
    response = _apply(login(client, owner), revenue, deals, "300", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Set the target of 受注件数 to 300 件." in html
    assert 'id="backcalc"' in html
    assert 'id="health-panel"' not in html and "hx-swap-oob" not in html


def test_a_stale_proposal_is_not_applied(client, owner, tree):
    revenue = _raise_revenue_target(tree)
    deals = get_node(tree, "deals")
    response = _apply(login(client, owner), revenue, deals, "280")
    assert response.status_code == 409
    assert "The targets changed since you opened this page" in response.content.decode()
    deals.refresh_from_db()
    assert deals.target == Decimal(240)


def test_backcalc_refuses_bad_input(client, owner, tree):
    client = login(client, owner)
    revenue = get_node(tree, "revenue")
    url = reverse("goals:node-backcalc-save", args=[revenue.pk])
    leads = get_node(tree, "leads")  # not a child of revenue
    assert client.post(url, {"child": leads.pk, "value": "1"}).status_code == 400
    assert client.post(url, {"child": "x"}).status_code == 400
    measured = reverse("goals:node-backcalc-save", args=[get_node(tree, "deals").pk])
    assert client.post(measured, {"child": leads.pk, "value": "1"}).status_code == 400
    assert leads.target == get_node(tree, "leads").target


def test_backcalc_checks_access_and_refuses_get(client, member, owner, tree):
    revenue = get_node(tree, "revenue")
    deals = get_node(tree, "deals")
    save = reverse("goals:node-backcalc-save", args=[revenue.pk])
    assert login(client, member).post(save, {"child": deals.pk, "value": "240"}).status_code == 403
    assert login(client, owner).get(save).status_code == 405
    client.logout()
    response = client.get(reverse("goals:node-backcalc", args=[revenue.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Seasonality


def _weights_data(node, method, weights=None, action="save", **extra):
    data = {"method": method, "version": node.version, "action": action}
    for index, weight in enumerate(weights or []):
        data[f"w{index}"] = weight
    data.update(extra)
    return data


def test_the_seasonality_page_shows_the_weeks_and_the_even_spread(client, viewer, tree):
    deals = get_node(tree, "deals")
    response = login(client, viewer).get(reverse("goals:node-seasonality", args=[deals.pk]))
    assert response.status_code == 200
    table = response.context["table"]
    assert len(table) == 52
    assert sum(row["target"] for row in table) == Decimal(240)
    assert table[-1]["cumulative"] == Decimal(240)
    assert response.context["form"].initial["method"] == "even"
    assert "weight-input" not in response.content.decode()  # a viewer sees numbers, not inputs


def test_an_editor_saves_custom_weights_as_decimal_strings_with_history(client, owner, tree):
    deals = get_node(tree, "deals")
    weights = ["１"] * 50 + ["2.5", "0"]  # full-width digits as Japanese keyboards type them
    response = login(client, owner).post(
        reverse("goals:node-seasonality-save", args=[deals.pk]), _weights_data(deals, "custom", weights)
    )
    assert response.status_code == 302
    deals.refresh_from_db()
    assert deals.weights == ["1"] * 50 + ["2.5", "0"] and deals.version == 2
    change = one(recorded(node=deals, action=ChangeAction.UPDATE))
    assert change.changes["weights"][0] == "" and change.changes["weights"][1].startswith("1, 1")
    page = client.get(reverse("goals:node-seasonality", args=[deals.pk]))
    assert page.context["form"].initial["method"] == "custom"
    table = page.context["table"]
    assert table[-2]["target"] == Decimal("11.428571") and sum(row["target"] for row in table) == Decimal(240)


def test_business_days_and_even_are_saved(client, owner, tree):
    deals = get_node(tree, "deals")
    client = login(client, owner)
    url = reverse("goals:node-seasonality-save", args=[deals.pk])
    assert client.post(url, _weights_data(deals, "business_days")).status_code == 302
    deals.refresh_from_db()
    expected = business_day_weights(tree.weeks, tree.week_start, tree.period_start, tree.period_end)
    assert deals.weights == [str(weight) for weight in expected]
    assert deals.weights[4:6] == ["4", "2"]  # 29 April; 4, 5 and 6 May (Golden Week) are public holidays
    assert client.get(reverse("goals:node-seasonality", args=[deals.pk])).context["form"].initial["method"] == (
        "business_days"
    )
    assert client.post(url, _weights_data(deals, "even")).status_code == 302
    deals.refresh_from_db()
    assert deals.weights is None


def test_each_bad_week_gets_a_message_and_nothing_is_saved(client, owner, tree):
    deals = get_node(tree, "deals")
    weights = ["1"] * 52
    weights[0], weights[3], weights[5] = "abc", "-2", ""
    response = login(client, owner).post(
        reverse("goals:node-seasonality-save", args=[deals.pk]), _weights_data(deals, "custom", weights)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"w0", "w3", "w5"}
    assert "is not a number" in errors["w0"][0]
    assert "negative" in errors["w3"][0]
    assert "Enter a weight" in errors["w5"][0]
    html = response.content.decode()
    assert 'value="abc"' in html and 'aria-invalid="true"' in html
    assert "Week of w/c 30 Mar" in html or "w/c 30 Mar" in html  # the summary names the week
    deals.refresh_from_db()
    assert deals.weights is None and deals.version == 1


def test_all_zero_weights_are_refused(client, owner, tree):
    deals = get_node(tree, "deals")
    response = login(client, owner).post(
        reverse("goals:node-seasonality-save", args=[deals.pk]), _weights_data(deals, "custom", ["0"] * 52)
    )
    assert response.status_code == 400
    assert "Every weight is zero" in response.content.decode()


def test_preview_and_fill_save_nothing(client, owner, tree):
    deals = get_node(tree, "deals")
    client = login(client, owner)
    url = reverse("goals:node-seasonality-save", args=[deals.pk])
    weights = ["2"] + ["1"] * 51
    response = client.post(url, _weights_data(deals, "custom", weights, action="preview"))
    assert response.status_code == 200 and response.context["previewing"]
    table = response.context["table"]
    assert table[0]["weight"] == Decimal(2) and sum(row["target"] for row in table) == Decimal(240)
    response = client.post(url, _weights_data(deals, "even", weights, action="fill_business_days"), **HTMX)
    form = response.context["form"]
    assert form["method"].value() == "custom" and form["w5"].value() == "2"
    assert "<html" not in response.content.decode()
    deals.refresh_from_db()
    assert deals.weights is None and deals.version == 1


def test_a_save_over_someone_elses_change_is_refused_and_keeps_the_typed_weights(client, owner, tree):
    deals = get_node(tree, "deals")
    data = _weights_data(deals, "custom", ["3"] * 52)
    Node.objects.filter(pk=deals.pk).update(version=2, name="受注数")
    response = login(client, owner).post(reverse("goals:node-seasonality-save", args=[deals.pk]), data)
    assert response.status_code == 409
    assert 'value="3"' in response.content.decode()
    assert response.context["form"]["version"].value() == 2
    deals.refresh_from_db()
    assert deals.weights is None


def test_seasonality_is_only_for_sum_nodes(client, owner, tree):
    avg = get_node(tree, "avg_deal_size")
    client = login(client, owner)
    page = client.get(reverse("goals:node-seasonality", args=[avg.pk]))
    assert "nothing to spread" in page.content.decode()
    response = client.post(
        reverse("goals:node-seasonality-save", args=[avg.pk]), _weights_data(avg, "custom", ["1"] * 52)
    )
    assert response.status_code == 400
    avg.refresh_from_db()
    assert avg.weights is None


def test_seasonality_checks_access_and_refuses_get(client, member, owner, tree):
    deals = get_node(tree, "deals")
    save = reverse("goals:node-seasonality-save", args=[deals.pk])
    assert login(client, member).post(save, _weights_data(deals, "even")).status_code == 403
    assert login(client, owner).get(save).status_code == 405
    client.logout()
    response = client.get(reverse("goals:node-seasonality", args=[deals.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
