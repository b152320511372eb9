import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import Node, Tree
from metrics.management.commands.bench import build_tree
from metrics.models import Entry
from tests.metrics.dashboard_data import (  # noqa: F401 (fixtures)
    REVENUE_FORECAST,
    W2,
    W3,
    entries,
    node,
    today,
)

pytestmark = pytest.mark.django_db


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def english(client):
    """Words in English whatever catalogs are compiled; numbers stay as the tests write them."""
    client.cookies["django_language"] = "en"


# --- home --------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("entries")
def test_home_shows_my_departments_trees_first_with_the_kgi_numbers(client, member, tree):
    Tree.objects.create(
        code="fy2026-other", name="FY2026 Other", period_start=date(2026, 4, 1), period_end=date(2027, 3, 31)
    )
    client.force_login(member)
    page = html(client.get(reverse("home")))
    mine, _sep, others = page.partition("tree-card--other")
    assert "FY2026 テスト" in mine and "FY2026 Other" not in mine
    assert "FY2026 Other" in others
    # revenue: 3,800,000 / 6,923,076.92 to date, 54.9%, off track; landing forecast 1.05億 (87.2% of 120,000,000)
    assert "380万円" in mine and "692万円" in mine
    assert "54.9%" in mine
    assert "status--off_track" in mine
    assert "1.05億円" in mine
    assert "87.2%" in mine
    assert reverse("metrics:dashboard", args=[tree.pk]) in mine
    # three KPIs at risk (deals, avg_deal_size, leads)
    assert "status--at_risk" in mine


@pytest.mark.usefixtures("entries")
def test_home_lists_every_tree_for_someone_in_no_department(client, viewer, tree):
    client.force_login(viewer)
    english(client)
    page = html(client.get(reverse("home")))
    assert "You are not in a department yet" in page
    assert "FY2026 テスト" in page and "¥3.8M" in page  # English headline figures


def test_home_empty_state_says_what_comes_next(client, owner):
    client.force_login(owner)
    english(client)
    page = html(client.get(reverse("home")))
    assert "There are no trees yet" in page
    assert reverse("goals:tree-create") in page  # a lead can create one


@pytest.mark.usefixtures("today")
def test_home_tree_without_numbers_says_so(client, member, tree):
    client.force_login(member)
    english(client)
    page = html(client.get(reverse("home")))
    assert "No numbers yet" in page
    assert "status--no_data" in page


# --- tree dashboard ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("entries")
def test_dashboard_shows_the_kgi_numbers_large(client, viewer, tree):
    client.force_login(viewer)
    page = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    # headline: 380万円 / 692万円, exact values in the titles
    assert 'title="3,800,000円">380万円<' in page
    assert 'title="6,923,076.923076円">692万円<' in page
    assert "54.9%" in page
    assert "status--off_track" in page
    assert f'title="{int(REVENUE_FORECAST):,}.' in page and "1.05億円" in page
    assert "87.2%" in page  # forecast against the period target


@pytest.mark.usefixtures("entries")
def test_dashboard_outline_has_every_node_with_status_and_achievement(client, viewer, tree):
    client.force_login(viewer)
    page = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    outline = page.split('class="tree-outline"')[1].split("</section>")[0]
    for code, status, achievement in [
        ("revenue", "off_track", "54.9%"),
        ("deals", "at_risk", "93.9%"),
        ("avg_deal_size", "at_risk", "95.0%"),
        ("leads", "at_risk", "97.5%"),
    ]:
        target = node(tree, code)
        item = outline.split(reverse("goals:node-detail", args=[target.pk]) + '"')[1].split("</li>")[0]
        assert f"status--{status}" in item, code
        assert achievement in item, code
    assert "13件" in outline and "14件" in outline  # deals: actual / target to date (13.846155: a count, whole)
    assert "475,000円" in outline  # avg_deal_size


@pytest.mark.usefixtures("entries")
def test_dashboard_ranks_kpis_by_impact_and_shows_warnings_and_missing(client, viewer, tree):
    client.force_login(viewer)
    english(client)
    page = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    levers = page.split('class="levers levers--impact"')[1].split("</ol>")[0].replace("\u2060", "")
    deals, avg = node(tree, "deals"), node(tree, "avg_deal_size")
    # deals on target: 104.66M x (240 / 225.33 - 1) = +6.81M; avg_deal_size: 104.66M x (500,000 / 475,000 - 1) = +5.51M
    assert levers.index(f"/nodes/{deals.pk}/") < levers.index(f"/nodes/{avg.pk}/")
    assert "Bringing 受注件数 to its target of 240 件 changes the landing forecast of 売上 by +¥6.8M" in levers
    assert "+¥5.5M" in levers
    assert levers.count("+1.0%") == 2  # elasticity, the secondary column
    assert "1 KPI does not move the forecast (impact 0)" in page  # leads, a driver
    still = page.split('id="levers-still"')[1].split("</details>")[0]
    assert "a driver: no formula or breakdown links it to the KGI" in still
    # missing input warning: revenue cannot be computed for 4/13 (no avg_deal_size)
    warnings = page.split('id="warnings-title"')[1].split("</section>")[0]
    assert "cannot be computed for 1 week" in warnings and "平均受注単価" in warnings
    missing = page.split('id="missing-title"')[1].split("</section>")[0]
    assert "(1)" in missing
    assert f"/nodes/{avg.pk}/" in missing and f"/nodes/{deals.pk}/" not in missing
    assert f"{reverse('metrics:grid')}?tree={tree.pk}&amp;week=2026-04-13&amp;show=all" in missing


@pytest.mark.usefixtures("entries")
def test_dashboard_warns_when_targets_do_not_add_up(client, viewer, tree):
    Node.objects.filter(tree=tree, code="deals").update(target=Decimal(200))
    client.force_login(viewer)
    page = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    warnings = page.split('id="warnings-title"')[1].split("</section>")[0]
    assert "100,000,000円" in warnings and "120,000,000円" in warnings


@pytest.mark.usefixtures("entries")
def test_dashboard_as_of_week_is_kept_in_the_url(client, viewer, tree):
    client.force_login(viewer)
    url = reverse("metrics:dashboard", args=[tree.pk])
    page = html(client.get(url, {"as_of": "2026-04-08"}))  # a Wednesday: the week of 4/6
    # revenue to 4/6: 3,800,000 / 4,615,384.615384 = 82.3%
    assert 'title="4,615,384.615384円">462万円<' in page
    assert "82.3%" in page
    assert '<option value="2026-04-06" selected>' in page
    assert f'href="{url}?as_of=2026-03-30"' in page  # ◀
    assert f'href="{url}?as_of=2026-04-13"' in page  # ▶
    assert "?as_of=2026-04-06" in page.split('class="downloads')[1]  # downloads at the same week
    # the minute's refresh asks for the same view
    assert f'hx-get="{url}?as_of=2026-04-08"' in page


@pytest.mark.usefixtures("entries")
def test_dashboard_as_of_is_clamped_to_the_period_and_bad_dates_fall_back(client, viewer, tree):
    client.force_login(viewer)
    english(client)
    url = reverse("metrics:dashboard", args=[tree.pk])
    page = html(client.get(url, {"as_of": "2030-01-01"}))
    assert '<option value="2027-03-22" selected>' in page
    page = html(client.get(url, {"as_of": "yesterday"}))
    assert "“yesterday” in the address is not a date" in page
    assert '<option value="2026-04-13" selected>' in page


@pytest.mark.usefixtures("entries")
def test_dashboard_department_filter(client, viewer, tree, marketing):
    client.force_login(viewer)
    english(client)
    url = reverse("metrics:dashboard", args=[tree.pk])
    page = html(client.get(url, {"department": marketing.pk}))
    outline = page.split('class="tree-outline"')[1].split("</section>")[0]
    leads, deals, avg = node(tree, "leads"), node(tree, "deals"), node(tree, "avg_deal_size")
    assert f"/nodes/{leads.pk}/" in outline
    assert f"/nodes/{deals.pk}/" in outline and "shown for context" in outline  # leads' parent, for context
    assert f"/nodes/{avg.pk}/" not in outline
    missing = page.split('id="missing-title"')[1].split("</section>")[0]
    assert "(0)" in missing  # avg_deal_size belongs to sales
    assert f'<option value="{marketing.pk}" selected>' in page
    assert reverse("metrics:department", args=[marketing.pk]) in page
    assert f"department={marketing.pk}" in page.split('rel="prev"')[0].rsplit("href=", 1)[1]


@pytest.mark.usefixtures("entries")
def test_dashboard_refresh_renders_only_the_numbers(client, viewer, tree):
    client.force_login(viewer)
    response = client.get(reverse("metrics:dashboard", args=[tree.pk]), headers={"HX-Request": "true"})
    page = html(response)
    assert page.lstrip().startswith('<div id="dashboard-numbers"')
    assert "<html" not in page
    assert 'hx-preserve="true"' in page  # the chart stays


@pytest.mark.usefixtures("today")
def test_dashboard_empty_state_for_a_tree_without_numbers(client, viewer, tree):
    client.force_login(viewer)
    english(client)
    page = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    assert "No numbers have been entered for this tree yet" in page
    assert reverse("metrics:import-entries", args=[tree.pk]) in page
    assert f"{reverse('metrics:grid')}?tree={tree.pk}" in page


@pytest.mark.usefixtures("today")
def test_dashboard_empty_state_for_a_tree_without_nodes(client, viewer):
    tree = Tree.objects.create(code="empty", name="Empty", period_start=date(2026, 4, 1), period_end=date(2027, 3, 31))
    client.force_login(viewer)
    english(client)
    page = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    assert "This tree has no KGI yet" in page


@pytest.mark.usefixtures("entries")
def test_dashboard_loads_chartjs_with_its_integrity_and_no_inline_script(client, viewer, tree, settings):
    client.force_login(viewer)
    page = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    assert f'<script src="{settings.CHARTJS_URL}" integrity="{settings.CHARTJS_SRI}" crossorigin="anonymous"' in page
    assert "js/charts.js" in page
    assert 'data-chart-url="/nodes/' in page
    assert 'role="img" aria-label="' in page
    assert " style=" not in page
    for script in page.split("<script")[1:]:
        assert script.split(">")[0].strip().startswith(("src=", 'src="')), script[:80]


# --- downloads ---------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("entries")
def test_progress_json_follows_the_design_contract(client, viewer, tree):
    client.force_login(viewer)
    response = client.get(reverse("metrics:progress-json", args=[tree.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["tree"] == "fy2026-test"
    assert data["as_of_week"] == "2026-04-13"
    assert [item["code"] for item in data["nodes"]] == ["revenue", "deals", "leads", "avg_deal_size"]
    revenue = data["nodes"][0]
    assert set(revenue) == {
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
    assert revenue["actual_to_date"] == "3800000"
    assert revenue["target_to_date"] == "6923076.923076"
    assert revenue["status"] == "off_track"
    assert revenue["sensitivity"] is None  # a formula node
    assert revenue["impact"] is None  # the KGI
    assert Decimal(revenue["forecast"]) == REVENUE_FORECAST.quantize(Decimal("0.000001"))
    assert len(revenue["weeks"]) == 52
    assert revenue["weeks"][0] == {"week": "2026-03-30", "actual": "2000000", "target": "2307692.307692"}
    assert revenue["weeks"][2]["actual"] is None  # 4/13: avg_deal_size missing
    deals = data["nodes"][1]
    assert deals["achievement"].startswith("93.88")
    assert Decimal(deals["sensitivity"]) == 1
    # impact: deals on its target of 240 instead of its forecast 13 + 49 x 13/3: revenue x (240 / that - 1)
    deals_forecast = Decimal(13) + 49 * Decimal(13) / 3
    assert abs(Decimal(deals["impact"]) - REVENUE_FORECAST * (240 / deals_forecast - 1)) < Decimal("0.000001")
    assert len(deals["impact"].partition(".")[2]) <= 6
    assert data["nodes"][2]["impact"] == "0"  # leads: a driver of deals


@pytest.mark.usefixtures("entries")
def test_progress_json_at_another_week_and_bad_dates(client, viewer, tree):
    client.force_login(viewer)
    url = reverse("metrics:progress-json", args=[tree.pk])
    data = json.loads(client.get(url, {"as_of": W2.isoformat()}).content)
    assert data["as_of_week"] == "2026-04-06"
    response = client.get(url, {"as_of": "2026-13-01"})
    assert response.status_code == 400
    assert "as_of" in json.loads(response.content)["error"]


@pytest.mark.usefixtures("entries")
def test_progress_csv_has_one_row_per_node_and_week(client, viewer, tree):
    client.force_login(viewer)
    response = client.get(reverse("metrics:progress-csv", args=[tree.pk]), {"as_of": W3.isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="fy2026-test-progress-2026-04-13.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [
        "tree",
        "node",
        "week",
        "actual",
        "target",
        "as_of_week",
        "actual_to_date",
        "target_to_date",
        "achievement",
        "status",
        "forecast",
        "sensitivity",
        "impact",
    ]
    assert len(rows) == 1 + 4 * 52
    assert rows[1][:7] == [
        "fy2026-test",
        "revenue",
        "2026-03-30",
        "2000000",
        "2307692.307692",
        "2026-04-13",
        "3800000",
    ]
    assert rows[1][9] == "off_track"


# --- department page ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("entries")
def test_department_page_lists_its_nodes_with_sparklines_and_missing_numbers(client, viewer, tree, sales):
    client.force_login(viewer)
    page = html(client.get(reverse("metrics:department", args=[sales.pk])))
    for code in ["revenue", "deals", "avg_deal_size"]:
        assert f"/nodes/{node(tree, code).pk}/" in page
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    assert f"/nodes/{node(tree, 'leads').pk}/" not in table  # marketing's
    assert "<polyline" in page and 'class="sparkline"' in page
    assert "status--at_risk" in page and "status--off_track" in page
    missing = page.split('id="missing-title"')[1]
    assert f"/nodes/{node(tree, 'avg_deal_size').pk}/" in missing
    assert reverse("metrics:dashboard", args=[tree.pk]) + f"?department={sales.pk}" in page


@pytest.mark.usefixtures("today")
def test_department_page_empty_state(client, viewer, marketing):
    client.force_login(viewer)
    english(client)
    page = html(client.get(reverse("metrics:department", args=[marketing.pk])))
    assert "This department owns no KPI in the trees running now" in page


@pytest.mark.usefixtures("today")
def test_the_account_menu_links_to_my_departments(client, member, marketing):
    client.force_login(member)
    page = html(client.get(reverse("home")))
    assert reverse("metrics:department", args=[marketing.pk]) in page.split('class="account-menu__panel"')[1]


# --- access ------------------------------------------------------------------------------------------------


def test_it_needs_a_login(client, tree, marketing):
    kgi = node(tree, "revenue")
    for url in [
        reverse("home"),
        reverse("metrics:dashboard", args=[tree.pk]),
        reverse("metrics:progress-json", args=[tree.pk]),
        reverse("metrics:progress-csv", args=[tree.pk]),
        reverse("metrics:node-chart-data", args=[kgi.pk]),
        reverse("metrics:node-progress", args=[kgi.pk]),
        reverse("metrics:department", args=[marketing.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


@pytest.mark.usefixtures("entries")
def test_every_signed_in_person_sees_every_dashboard(client, viewer, sales_member, tree, marketing):
    for person in (viewer, sales_member):
        client.force_login(person)
        assert client.get(reverse("metrics:dashboard", args=[tree.pk])).status_code == 200
        assert client.get(reverse("metrics:department", args=[marketing.pk])).status_code == 200
    assert client.get(reverse("metrics:dashboard", args=[99999])).status_code == 404
    assert client.get(reverse("metrics:department", args=[99999])).status_code == 404


def test_dashboards_refuse_post(client, viewer, tree):
    client.force_login(viewer)
    assert client.post(reverse("metrics:dashboard", args=[tree.pk])).status_code == 405
    assert client.post(reverse("metrics:progress-json", args=[tree.pk])).status_code == 405


# --- fixed queries -----------------------------------------------------------------------------------------


@pytest.fixture
def sized_trees(db, marketing, sales):
    departments = [marketing, sales]
    period = (date(2026, 4, 1), date(2027, 3, 31))
    small = build_tree("small", 10, period=period, departments=departments, entry_weeks=3, name="Small")
    large = build_tree("large", 200, period=period, departments=departments, entry_weeks=3, name="Large")
    assert small.nodes.count() == 10 and large.nodes.count() == 200
    return small, large


@pytest.mark.usefixtures("today")
@pytest.mark.parametrize(
    "name, expected",
    # With the progress in the cache (metrics.progress): no entries query. tests/metrics/test_progress_cache.py
    # pins the first request's, which reads the entries too. Home reads more than the trees' progress: the numbers
    # owed, the questions waiting and the changes since the last visit, a fixed number each (test_home.py).
    [("home", 19), ("dashboard", 5), ("chart", 5), ("department", 6), ("progress-json", 4), ("node-progress", 6)],
)
def test_pages_run_a_fixed_number_of_queries(
    client, member, sized_trees, marketing, name, expected, django_assert_num_queries
):
    small, large = sized_trees
    client.force_login(member)

    def url(tree):
        kgi = tree.nodes.get(parent=None)
        return {
            "home": reverse("home"),
            "dashboard": reverse("metrics:dashboard", args=[tree.pk]),
            "chart": reverse("metrics:node-chart-data", args=[kgi.pk]),
            "department": reverse("metrics:department", args=[marketing.pk]),
            "progress-json": reverse("metrics:progress-json", args=[tree.pk]),
            "node-progress": reverse("metrics:node-progress", args=[kgi.pk]),
        }[name]

    for tree in (small, large):
        target = url(tree)
        client.get(target)  # warm the session and the progress cache
        with django_assert_num_queries(expected):
            assert client.get(target).status_code == 200
    assert Entry.objects.filter(node__tree=large).count() > 500


@pytest.mark.usefixtures("entries")
def test_the_outline_nests_children_under_their_parents(client, viewer, tree):
    client.force_login(viewer)
    page = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    outline = page.split('<ul class="tree-outline">')[1].split("</section>")[0]
    assert outline.count("<ul>") + 1 == outline.count("</ul>")
    assert outline.count("<li>") == outline.count("</li>") == 4
    revenue, deals, leads, avg = (node(tree, code) for code in ("revenue", "deals", "leads", "avg_deal_size"))
    # revenue > (deals > leads), avg_deal_size: leads' list closes before avg_deal_size opens its item
    between = outline.split(f"/nodes/{leads.pk}/")[1].split(f"/nodes/{avg.pk}/")[0]
    assert between.count("</ul></li>") == 1
    assert outline.index(f"/nodes/{revenue.pk}/") < outline.index(f"/nodes/{deals.pk}/")


@pytest.mark.usefixtures("entries")
def test_the_dashboards_read_trees_as_the_engine_loader_does(tree, django_assert_num_queries):
    from metrics import progress

    Node.objects.create(
        tree=tree, parent=node(tree, "revenue"), code="archived", name="x", archived_at="2026-04-01T00:00Z"
    )
    other = Tree.objects.create(
        code="other", name="Other", period_start=date(2026, 4, 1), period_end=date(2027, 3, 31)
    )
    with django_assert_num_queries(2):
        loaded = progress.load_trees([tree, other])
    alone = progress.load_tree(tree)
    data, stored = alone.data, alone.entries
    assert loaded[tree.pk].data == data
    assert loaded[tree.pk].entries == stored
    assert loaded[other.pk].data.nodes == () and loaded[other.pk].has_entries is False


@pytest.mark.usefixtures("entries")
def test_counts_are_shown_whole_and_alike_on_the_dashboard_node_page_and_department_page(client, viewer, tree, sales):
    """deals (件): target to date 13.846155 is shown as 14件 on all three pages (half up), never 13.8 or 13.85."""
    client.force_login(viewer)
    deals = node(tree, "deals")
    dashboard = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    item = dashboard.split(reverse("goals:node-detail", args=[deals.pk]) + '"')[1].split("</li>")[0]
    node_page = html(client.get(reverse("goals:node-detail", args=[deals.pk])))
    headline = node_page.split('class="headline__figure"')[1].split("</div>")[0]
    department = html(client.get(reverse("metrics:department", args=[sales.pk])))
    row = department.split(reverse("goals:node-detail", args=[deals.pk]))[1].split("</tr>")[0]
    for shown in (item, headline, row):
        text = re.sub(r"<[^>]*>", " ", shown)  # what is read, without the exact values of the tooltips
        assert "14件" in text and "13件" in text
        assert "13.8" not in text


@pytest.mark.usefixtures("entries")
def test_dashboard_says_the_impact_in_a_japanese_sentence(client, viewer, tree):
    client.force_login(viewer)
    page = html(client.get(reverse("metrics:dashboard", args=[tree.pk])))
    levers = page.split('class="levers levers--impact"')[1].split("</ol>")[0].replace("\u2060", "")
    # deals: 104,658,333 x (240 / 225.33 - 1) = 6,812,... -> 681万円
    assert "受注件数を目標の240件にすると、売上の着地見込みは+681万円" in levers
    assert "弾性値 +1.0%" in levers
    still = page.split('id="levers-still"')[1].split("</details>")[0]
    assert "影響指標" in still
