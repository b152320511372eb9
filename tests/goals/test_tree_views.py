from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import LegacyChange, Node, Tree
from tests.goals.helpers import login, one, recorded

pytestmark = pytest.mark.usefixtures("english")


# The list


def test_tree_list_shows_every_tree_with_period_owner_and_kpis(client, viewer, tree):
    response = login(client, viewer).get(reverse("goals:tree-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "FY2026 テスト" in html and "fy2026-test" in html
    assert "マーケティング部" in html
    assert "売上" in html  # the KGI's name
    row = response.context["trees"][0]
    assert row.kpi_count == 3  # deals, avg_deal_size, leads; the KGI is not a KPI
    assert "New tree" not in html  # a viewer does not create trees


def test_tree_list_offers_new_tree_to_leads_and_admins(client, owner, admin, member, tree):
    assert "New tree" in login(client, owner).get(reverse("goals:tree-list")).content.decode()
    assert "New tree" in login(client, admin).get(reverse("goals:tree-list")).content.decode()
    assert "New tree" not in login(client, member).get(reverse("goals:tree-list")).content.decode()


def test_tree_list_has_an_empty_state(client, owner):
    html = login(client, owner).get(reverse("goals:tree-list")).content.decode()
    assert "There are no trees yet" in html


def test_anonymous_visitors_are_sent_to_log_in(client, tree):
    node = tree.nodes.get(code="deals")
    for url in (
        reverse("goals:tree-list"),
        reverse("goals:tree-detail", args=[tree.pk]),
        reverse("goals:tree-history", args=[tree.pk]),
        reverse("goals:tree-create"),
        reverse("goals:node-detail", args=[node.pk]),
        reverse("goals:inbox"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(reverse("goals:tree-create-save"), {})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# Creating a tree


def _new_tree_data(department, **overrides):
    data = {
        "code": "fy2027-sales",
        "name": "FY2027 Sales",
        "department": department.pk,
        "period_start": "2027-04-01",
        "period_end": "2028-03-31",
        "week_start": "0",
        "warning_threshold": "90",
        "max_depth": "4",
        "kgi_code": "revenue",
        "kgi_name": "売上",
        "kgi_unit": "円",
        "kgi_target": "¥150,000,000",
    }
    data.update(overrides)
    return data


def test_a_lead_creates_a_tree_with_its_kgi(client, owner, marketing):
    client = login(client, owner)
    assert client.get(reverse("goals:tree-create")).status_code == 200
    response = client.post(reverse("goals:tree-create-save"), _new_tree_data(marketing))
    tree = Tree.objects.get(code="fy2027-sales")
    assert response.status_code == 302
    assert response.url == reverse("goals:tree-detail", args=[tree.pk])
    assert tree.department == marketing and tree.period_end == date(2028, 3, 31)
    kgi = tree.nodes.get()
    assert kgi.parent is None and kgi.code == "revenue" and kgi.unit == "円"
    assert kgi.target == Decimal("150000000")
    assert kgi.department == marketing and kgi.aggregation == "sum"
    actions = sorted((change.action, change.node_code) for change in recorded(tree))
    assert actions == [("create", ""), ("create", "revenue")]
    created = one(recorded(tree, node=kgi))
    assert created.user == owner and created.changes["target"] == ["", "150000000"]


def test_creating_a_tree_refuses_bad_input_and_saves_nothing(client, owner, marketing):
    data = _new_tree_data(marketing, period_end="2027-03-01", kgi_code="Revenue", kgi_target="たくさん", code="")
    response = login(client, owner).post(reverse("goals:tree-create-save"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There are 3 problems with what you entered" in html  # an empty tree code is made from the name
    assert "The period ends before it starts" in html
    assert "Use lower-case letters, digits and _ only" in html
    assert "is not a number" in html
    assert 'value="たくさん"' in html  # what the person typed stays
    assert Tree.objects.count() == 0 and Node.objects.count() == 0 and not recorded()


def test_a_lead_creates_trees_only_for_a_department_they_lead(client, owner, marketing, sales):
    response = login(client, owner).post(reverse("goals:tree-create-save"), _new_tree_data(sales))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Tree.objects.exists()


def test_members_and_viewers_do_not_create_trees(client, member, viewer, marketing):
    for person in (member, viewer):
        client = login(client, person)
        assert client.get(reverse("goals:tree-create")).status_code == 403
        response = client.post(reverse("goals:tree-create-save"), _new_tree_data(marketing))
        assert response.status_code == 403
    assert not Tree.objects.exists()


def test_creating_a_tree_refuses_get_on_the_save_url(client, owner):
    assert login(client, owner).get(reverse("goals:tree-create-save")).status_code == 405


def test_a_tree_code_must_be_unique(client, owner, marketing, tree):
    response = login(client, owner).post(reverse("goals:tree-create-save"), _new_tree_data(marketing, code=tree.code))
    assert response.status_code == 400
    assert Tree.objects.count() == 1


# The tree page


def test_tree_page_draws_every_node_with_code_target_and_department(client, viewer, tree):
    response = login(client, viewer).get(reverse("goals:tree-detail", args=[tree.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("売上", "受注件数", "平均受注単価", "リード数"):
        assert name in html
    assert "120,000,000円" in html or "¥120,000,000" in html
    assert "= 受注件数 × 平均受注単価" in html  # the formula of a formula node, with names
    assert "営業部" in html
    # leads is a child of deals, a measured node: a driver, drawn as one.
    assert 'class="tree-item tree-item--driver" id="node-' in html
    assert 'id="tree-editor"' in html
    assert 'id="health-panel"' in html or "health" in html.lower()
    # A viewer sees no edit controls.
    assert reverse("goals:node-edit", args=[tree.nodes.get(code="deals").pk]) not in html
    assert 'id="node-panel"' not in html


def test_tree_page_shows_edit_controls_to_editors(client, owner, tree):
    html = login(client, owner).get(reverse("goals:tree-detail", args=[tree.pk])).content.decode()
    deals = tree.nodes.get(code="deals")
    assert f'hx-get="{reverse("goals:node-edit", args=[deals.pk])}"' in html
    assert f'href="{reverse("goals:node-edit", args=[deals.pk])}"' in html  # works without JavaScript too
    assert reverse("goals:node-reorder", args=[deals.pk]) in html
    assert 'id="node-panel"' in html
    assert reverse("goals:tree-edit", args=[tree.pk]) in html


def test_tree_page_marks_nodes_without_a_target_incomplete(client, owner, tree):
    Node.objects.filter(code="leads").update(target=None)
    html = login(client, owner).get(reverse("goals:tree-detail", args=[tree.pk])).content.decode()
    assert "status--incomplete" in html


def test_tree_page_lists_archived_nodes_with_restore(client, owner, tree):
    from django.utils import timezone

    Node.objects.filter(code="leads").update(archived_at=timezone.now())
    html = login(client, owner).get(reverse("goals:tree-detail", args=[tree.pk])).content.decode()
    assert "Archived nodes" in html
    assert reverse("goals:node-restore", args=[tree.nodes.get(code="leads").pk]) in html


def test_unknown_tree_is_404(client, viewer, db):
    assert login(client, viewer).get(reverse("goals:tree-detail", args=[999])).status_code == 404


def _big_tree(department, size):
    """A tree of `size` nodes: the KGI, 9 branches, and the rest spread below them."""
    tree = Tree.objects.create(
        code=f"big-{size}",
        name=f"Big {size}",
        department=department,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
        max_depth=5,
    )
    kgi = Node.objects.create(tree=tree, code="kgi", name="KGI", target=Decimal(1), department=department)
    branches = Node.objects.bulk_create(
        Node(tree=tree, parent=kgi, code=f"b{i}", name=f"Branch {i}", department=department, position=i)
        for i in range(min(9, size - 1))
    )
    leaves = size - 1 - len(branches)
    Node.objects.bulk_create(
        Node(
            tree=tree,
            parent=branches[i % len(branches)],
            code=f"n{i}",
            name=f"Node {i}",
            unit="件",
            target=Decimal(i),
            department=department,
            position=i,
        )
        for i in range(leaves)
    )
    assert tree.nodes.count() == size
    return tree


def test_tree_page_runs_the_same_number_of_queries_for_10_and_200_nodes(client, owner, marketing):
    small, large = _big_tree(marketing, 10), _big_tree(marketing, 200)
    client = login(client, owner)
    client.get(reverse("goals:tree-detail", args=[small.pk]))  # warm up the session and caches
    counts = []
    for tree in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("goals:tree-detail", args=[tree.pk]))
        assert response.status_code == 200
        assert response.content.decode().count('<article class="node-card') == tree.nodes.count()
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("size", [10, 200])
def test_tree_page_query_count_is_pinned(client, owner, marketing, size, django_assert_num_queries):
    tree = _big_tree(marketing, size)
    client = login(client, owner)
    client.get(reverse("goals:tree-detail", args=[tree.pk]))
    with django_assert_num_queries(TREE_PAGE_QUERIES):
        assert client.get(reverse("goals:tree-detail", args=[tree.pk])).status_code == 200


# session, user, tree, memberships (access), nodes, memberships (menu), health (see goals.health)
TREE_PAGE_QUERIES = 7


# Settings


def _settings_data(tree, **overrides):
    data = {
        "name": tree.name,
        "department": tree.department_id,
        "period_start": tree.period_start.isoformat(),
        "period_end": tree.period_end.isoformat(),
        "week_start": str(tree.week_start),
        "warning_threshold": "90",
        "max_depth": str(tree.max_depth),
        "version": str(tree.version),
    }
    data.update(overrides)
    return data


def test_an_editor_changes_the_tree_settings_and_it_is_recorded(client, owner, tree):
    client = login(client, owner)
    assert client.get(reverse("goals:tree-edit", args=[tree.pk])).status_code == 200
    response = client.post(
        reverse("goals:tree-edit-save", args=[tree.pk]),
        _settings_data(tree, name="FY2026 Funnel", warning_threshold="85", week_start="6"),
    )
    assert response.status_code == 302
    tree.refresh_from_db()
    assert tree.name == "FY2026 Funnel" and tree.warning_threshold == Decimal("85") and tree.week_start == 6
    assert tree.version == 2
    change = one(recorded(tree, action="update"))
    assert change.node is None and change.user == owner
    assert change.changes == {
        "name": ["FY2026 テスト", "FY2026 Funnel"],
        "week_start": ["0", "6"],
        "warning_threshold": ["90", "85"],
    }


def test_tree_settings_refuse_bad_input_and_save_nothing(client, owner, tree):
    response = login(client, owner).post(
        reverse("goals:tree-edit-save", args=[tree.pk]),
        _settings_data(tree, period_end="2026-01-01", warning_threshold="120", name=""),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There are 3 problems" in html
    assert "The period ends before it starts" in html
    assert 'value="120"' in html
    tree.refresh_from_db()
    assert tree.name == "FY2026 テスト" and tree.version == 1
    assert not recorded(tree)


def test_tree_settings_check_access(client, owner, member, sales_member, viewer, tree):
    for person in (member, sales_member, viewer):
        client = login(client, person)
        assert client.get(reverse("goals:tree-edit", args=[tree.pk])).status_code == 403
        response = client.post(reverse("goals:tree-edit-save", args=[tree.pk]), _settings_data(tree, name="X"))
        assert response.status_code == 403
        assert "Ask the owner, 田中 (マーケティング部)" in response.content.decode()
    tree.refresh_from_db()
    assert tree.name == "FY2026 テスト"


def test_tree_settings_refuse_get_on_the_save_url(client, owner, tree):
    assert login(client, owner).get(reverse("goals:tree-edit-save", args=[tree.pk])).status_code == 405


def test_two_people_saving_the_tree_settings_the_second_is_refused(client, owner, admin, tree):
    stale = _settings_data(tree)
    login(client, admin).post(reverse("goals:tree-edit-save", args=[tree.pk]), _settings_data(tree, max_depth="6"))
    response = login(client, owner).post(
        reverse("goals:tree-edit-save", args=[tree.pk]), {**stale, "name": "田中の名前"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not saved: someone else changed these settings" in html
    assert "管理 changed it at" in html
    assert "Maximum depth: <em>6</em>" in html
    assert 'value="田中の名前"' in html  # the second person's typing is kept
    assert 'name="version" value="2"' in html  # ...with the new version, so saving again overwrites on purpose
    tree.refresh_from_db()
    assert tree.name == "FY2026 テスト" and tree.max_depth == 6
    again = client.post(
        reverse("goals:tree-edit-save", args=[tree.pk]), {**stale, "name": "田中の名前", "version": "2"}
    )
    assert again.status_code == 302
    tree.refresh_from_db()
    assert tree.name == "田中の名前" and tree.version == 3


# History


def test_tree_history_lists_changes_with_who_and_old_new(client, owner, viewer, tree):
    client = login(client, owner)
    client.post(reverse("goals:tree-edit-save", args=[tree.pk]), _settings_data(tree, name="Renamed"))
    deals = tree.nodes.get(code="deals")
    LegacyChange.objects.create(
        tree=tree, node=deals, node_code="deals", user=owner, action="update", changes={"target": ["240", "1250"]}
    )
    response = login(client, viewer).get(reverse("goals:tree-history", args=[tree.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Renamed" in html and "FY2026 テスト" in html
    assert "1,250" in html and "受注件数" in html
    assert "田中" in html


def test_tree_history_has_an_empty_state(client, viewer, tree):
    html = login(client, viewer).get(reverse("goals:tree-history", args=[tree.pk])).content.decode()
    assert "No changes yet" in html


def test_a_lead_of_another_department_cannot_edit(client, other_lead, tree):
    response = login(client, other_lead).post(reverse("goals:tree-edit-save", args=[tree.pk]), _settings_data(tree))
    assert response.status_code == 403
