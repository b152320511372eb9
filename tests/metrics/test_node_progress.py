import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import Initiative, Node
from metrics.management.commands.bench import build_tree
from metrics.models import Entry
from tests.metrics.dashboard_data import W1, W2, W3, entries, node, today  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def section(page):
    return page.split('id="node-progress"')[1].split("</section>")[0]


# --- the include on the node page --------------------------------------------------------------------------


@pytest.mark.usefixtures("entries")
def test_node_page_shows_the_headline_chart_and_table(client, viewer, tree):
    deals = node(tree, "deals")
    client.force_login(viewer)
    part = section(html(client.get(reverse("goals:node-detail", args=[deals.pk]))))
    # deals: 13 / 13.846155 to date, 93.9%, at risk; forecast 13 + 49 x 13/3 = 225.33 (93.9% of 240)
    assert 'title="13件">13件<' in part
    assert 'title="13.846155件">14件<' in part  # a count: whole, half up, as on every page
    assert "93.9%" in part
    assert "status--at_risk" in part
    assert 'title="225.3333' in part and ">225件<" in part
    # the chart: its data URL, an accessible summary, the [Weekly|Cumulative] toggle
    assert f'data-chart-url="{reverse("metrics:node-chart-data", args=[deals.pk])}"' in part
    assert "93.9%" in part.split('role="img" aria-label="')[1].split('"')[0]
    assert 'data-mode="weekly"' in part and 'data-mode="cumulative"' in part
    # the same numbers as a table: 52 weeks, the as-of week marked, later weeks not yet known
    table = part.split("<details")[1].split("</details>")[0]
    assert table.count("<tr class=") == 52
    assert '<tr class="is-as-of">' in table
    row = table.split('<tr class="is-as-of">')[1].split("</tr>")[0]
    assert ">5<" in row and ">4.62<" in row and ">13<" in row and ">13.85<" in row


@pytest.mark.usefixtures("entries")
def test_the_table_keeps_missing_weeks_missing_never_zero(client, viewer, tree):
    avg = node(tree, "avg_deal_size")
    client.force_login(viewer)
    part = section(html(client.get(reverse("goals:node-detail", args=[avg.pk]))))
    row = part.split('<tr class="is-as-of">')[1].split("</tr>")[0]
    assert 'class="missing"' in row  # 4/13 has no entry
    assert ">0<" not in row


@pytest.mark.usefixtures("entries")
def test_formula_node_shows_the_contributions_of_its_inputs(client, viewer, tree):
    revenue = node(tree, "revenue")
    client.force_login(viewer)
    part = section(html(client.get(reverse("goals:node-detail", args=[revenue.pk]))))
    inputs = part.split("<tbody>")[2].split("</tbody>")[0]  # after the weeks table
    assert f"/nodes/{node(tree, 'deals').pk}/" in inputs and f"/nodes/{node(tree, 'avg_deal_size').pk}/" in inputs
    # revenue = deals x avg_deal_size, week by week: 1% more of either moves revenue to date by 1%
    assert inputs.count("+1.0%") == 2


@pytest.mark.usefixtures("entries")
def test_measured_node_shows_driver_evidence_as_evidence_not_proof(client, viewer, tree):
    client.cookies["django_language"] = "en"
    deals = node(tree, "deals")
    client.force_login(viewer)
    part = section(html(client.get(reverse("goals:node-detail", args=[deals.pk]))))
    assert "Evidence, not proof" in part
    drivers = part.split("Driver evidence")[1]
    row = drivers.split("<tbody>")[1].split("</tbody>")[0]
    # leads 40, 45, 50 against deals 4, 4, 5 at lag 0: r = 5 / sqrt(50 x 2/3) = 0.866 over 3 weeks
    assert '<td class="num best-lag">0.87</td>' in row
    assert "0 weeks" in row
    assert row.rstrip().removesuffix("</tr>").rstrip().endswith('<td class="num">3</td>')  # weeks used


@pytest.mark.usefixtures("entries")
def test_node_progress_follows_the_as_of_in_the_url(client, viewer, tree):
    deals = node(tree, "deals")
    client.force_login(viewer)
    part = section(html(client.get(reverse("goals:node-detail", args=[deals.pk]), {"as_of": "2026-04-06"})))
    assert 'title="8件">8件<' in part  # 4 + 4
    assert "?as_of=2026-04-06" in part.split("data-chart-url=")[1].split(">")[0]


@pytest.mark.usefixtures("entries")
def test_archived_node_has_no_progress(client, viewer, tree):
    leads = node(tree, "leads")
    Node.objects.filter(pk=leads.pk).update(archived_at=timezone.now())
    client.force_login(viewer)
    page = html(client.get(reverse("goals:node-detail", args=[leads.pk])))
    assert 'id="node-progress"' not in page
    assert client.get(reverse("metrics:node-chart-data", args=[leads.pk])).status_code == 404


@pytest.mark.usefixtures("entries")
def test_node_progress_partial_for_the_minute_refresh(client, viewer, tree):
    deals = node(tree, "deals")
    client.force_login(viewer)
    response = client.get(reverse("metrics:node-progress", args=[deals.pk]), headers={"HX-Request": "true"})
    page = html(response)
    assert page.lstrip().startswith('<section class="card node-progress" id="node-progress"')
    assert 'hx-trigger="every 60s, entriesChanged from:body"' in page
    assert "<html" not in page


# --- chart data ----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("entries")
def test_chart_data_has_weekly_and_cumulative_series_notes_and_initiatives(client, viewer, tree):
    deals = node(tree, "deals")
    Entry.objects.filter(node=deals, week=W2).update(note="展示会の翌週")
    initiative = Initiative.objects.create(tree=tree, title="ウェビナー", start_date=date(2026, 4, 8))
    initiative.nodes.add(deals)
    client.force_login(viewer)
    response = client.get(reverse("metrics:node-chart-data", args=[deals.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["node"]["unit"] == "件"
    assert data["as_of_week"] == "2026-04-13" and data["as_of_index"] == 2
    assert len(data["weeks"]) == len(data["labels"]) == 52
    assert data["weeks"][:3] == [W1.isoformat(), W2.isoformat(), W3.isoformat()]
    assert data["labels"][0] == "3/30週"
    weekly = data["weekly"]
    assert weekly["actual"][:4] == [4, 4, 5, None]  # later weeks are not known yet
    assert weekly["target"][0] == pytest.approx(4.615385)
    assert sum(Decimal(str(value)) for value in weekly["target"]) == pytest.approx(240)
    cumulative = data["cumulative"]
    assert cumulative["actual"][:4] == [4, 8, 13, None]
    assert cumulative["target"][2] == pytest.approx(13.846155)
    # the forecast runs from the last actual to the period's end: 13 + 49 x 13/3
    assert cumulative["forecast"][:2] == [None, None]
    assert cumulative["forecast"][2] == 13
    assert cumulative["forecast"][-1] == pytest.approx(13 + 49 * 13 / 3)
    assert data["has_stretch"] is False and cumulative["stretch"] == []
    assert data["notes"][1] == "展示会の翌週" and data["notes"][0] == ""
    assert data["initiatives"] == [{"label": "A", "week": "2026-04-06", "title": "ウェビナー"}]
    assert "93.9%" in data["summary_weekly"]


@pytest.mark.usefixtures("entries")
def test_chart_data_keeps_missing_weeks_null_and_draws_the_stretch(client, viewer, tree):
    avg = node(tree, "avg_deal_size")
    Node.objects.filter(pk=avg.pk).update(stretch=Decimal(600000))
    client.force_login(viewer)
    data = json.loads(client.get(reverse("metrics:node-chart-data", args=[avg.pk]), {"as_of": "2026-04-13"}).content)
    assert data["weekly"]["actual"][:3] == [500000, 450000, None]
    assert data["has_stretch"] is True
    assert data["weekly"]["stretch"][0] == 600000
    assert data["cumulative"]["actual"][:3] == [500000, 475000, 475000]  # the average of the weeks present


# --- fixed queries -----------------------------------------------------------------------------------------


@pytest.fixture
def sized_trees(db, marketing, sales):
    period = (date(2026, 4, 1), date(2027, 3, 31))
    small = build_tree("small", 10, period=period, departments=[marketing, sales], entry_weeks=3)
    large = build_tree("large", 200, period=period, departments=[marketing, sales], entry_weeks=3)
    return small, large


@pytest.mark.usefixtures("today")
def test_the_node_page_runs_a_fixed_number_of_queries(client, viewer, sized_trees, django_assert_num_queries):
    """The include adds the same queries whatever the tree's size (the page itself differs for the KGI)."""
    client.force_login(viewer)
    counts = {}
    for tree in sized_trees:
        for code in ("revenue", "g1", "m1_1", "p1"):
            url = reverse("goals:node-detail", args=[tree.nodes.get(code=code).pk])
            client.get(url)
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                page = html(client.get(url))
            assert 'id="node-progress"' in page
            counts.setdefault(code, set()).add(len(captured))
    assert all(len(found) == 1 for found in counts.values()), counts
