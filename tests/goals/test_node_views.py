from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from goals.access import access_for
from goals.discussion import threads
from goals.models import Comment, LegacyChange, Node
from metrics.models import Entry
from tests.goals.helpers import HTMX, get_node, login, node_form_data, one, recorded

pytestmark = pytest.mark.usefixtures("english")


def _node_data(**overrides):
    data = {
        "code": "mql",
        "name": "MQL",
        "definition": "Leads scored 50 or more by the MA tool",
        "unit": "件",
        "direction": "higher",
        "department": "",
        "owner": "",
        "aggregation": "",
        "formula": "",
        "target": "1,200",
        "stretch": "",
        "baseline": "",
        "frequency": "weekly",
    }
    data.update(overrides)
    return data


# Adding a child


def test_an_editor_adds_a_child_without_javascript(client, owner, tree, marketing):
    leads = get_node(tree, "leads")
    client = login(client, owner)
    form = client.get(reverse("goals:node-add", args=[leads.pk]))
    assert form.status_code == 200 and "Add a KPI under リード数" in form.content.decode()
    response = client.post(reverse("goals:node-add-save", args=[leads.pk]), _node_data(department=marketing.pk))
    node = tree.nodes.get(code="mql")
    assert response.status_code == 302
    assert response.url == reverse("goals:tree-detail", args=[tree.pk]) + f"#node-{node.pk}"
    assert node.parent == leads and node.target == Decimal("1200") and node.department == marketing
    assert node.aggregation == "sum"  # a measured node gets sum
    created = one(recorded(node=node))
    assert created.action == "create" and created.user == owner
    assert created.changes["code"] == ["", "mql"] and created.changes["target"] == ["", "1200"]


def test_an_editor_adds_a_child_with_htmx_and_gets_the_redrawn_editor(client, owner, tree):
    revenue = get_node(tree, "revenue")
    client = login(client, owner)
    panel = client.get(reverse("goals:node-add", args=[revenue.pk]), **HTMX)
    html = panel.content.decode()
    assert html.lstrip().startswith('<section id="node-panel"')  # only the panel, not the page
    assert f'hx-post="{reverse("goals:node-add-save", args=[revenue.pk])}"' in html
    response = client.post(reverse("goals:node-add-save", args=[revenue.pk]), _node_data(code="cost"), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#tree-editor" and response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="tree-editor"')
    assert "Added MQL under 売上." in html
    assert tree.nodes.filter(code="cost", parent=revenue).exists()
    # New children go last among their siblings.
    assert list(revenue.children.values_list("code", flat=True)) == ["deals", "avg_deal_size", "cost"]


def test_adding_a_child_refuses_bad_input_and_saves_nothing(client, owner, tree):
    deals = get_node(tree, "deals")
    data = _node_data(code="leads", name="", target="12O", formula="nothing * 2")
    response = login(client, owner).post(reverse("goals:node-add-save", args=[deals.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There are 4 problems with what you entered" in html
    assert "leads is already the code of リード数 in this tree" in html
    assert "is not a number" in html
    assert "“nothing” at position 1 is not an active node of this tree" in html
    assert 'value="12O"' in html and 'value="nothing * 2"' in html  # typed values stay
    assert 'aria-invalid="true"' in html
    assert tree.nodes.count() == 4 and not recorded()


def test_adding_a_child_with_htmx_and_errors_returns_the_panel(client, owner, tree):
    deals = get_node(tree, "deals")
    response = login(client, owner).post(
        reverse("goals:node-add-save", args=[deals.pk]), _node_data(code="Bad Code"), **HTMX
    )
    assert response.status_code == 200  # htmx swaps only 2xx
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="node-panel"') and "error-summary" in html
    assert not tree.nodes.filter(name="MQL").exists()


def test_adding_a_child_checks_access(client, member, sales_member, viewer, tree):
    deals = get_node(tree, "deals")
    for person in (member, sales_member, viewer):
        client = login(client, person)
        assert client.get(reverse("goals:node-add", args=[deals.pk])).status_code == 403
        assert client.post(reverse("goals:node-add-save", args=[deals.pk]), _node_data()).status_code == 403
    assert tree.nodes.count() == 4


def test_adding_a_child_refuses_get_on_the_save_url(client, owner, tree):
    response = login(client, owner).get(reverse("goals:node-add-save", args=[get_node(tree, "deals").pk]))
    assert response.status_code == 405


def test_adding_a_child_respects_the_maximum_depth(client, owner, tree):
    tree.max_depth = 2
    tree.save()
    leads = get_node(tree, "leads")  # level 2
    response = login(client, owner).post(reverse("goals:node-add-save", args=[leads.pk]), _node_data(), follow=True)
    assert "the deepest this tree allows" in response.content.decode()
    assert not tree.nodes.filter(code="mql").exists()


# Editing


def test_an_editor_edits_a_node_and_the_change_is_recorded(client, owner, tree, marketing):
    deals = get_node(tree, "deals")
    client = login(client, owner)
    form = client.get(reverse("goals:node-edit", args=[deals.pk]))
    assert form.status_code == 200
    assert 'name="version" value="1"' in form.content.decode()
    assert 'value="240"' in form.content.decode()  # the stored 240.000000 shows as typed
    response = client.post(
        reverse("goals:node-edit-save", args=[deals.pk]),
        node_form_data(deals, target="２６０", department=marketing.pk, name="受注数"),
    )
    assert response.status_code == 302
    deals.refresh_from_db()
    assert deals.target == Decimal("260") and deals.name == "受注数" and deals.department == marketing
    assert deals.version == 2
    change = one(recorded(node=deals, action="update"))
    assert change.changes == {
        "name": ["受注件数", "受注数"],
        "department": ["営業部", "マーケティング部"],
        "target": ["240", "260"],
    }


def test_editing_nothing_records_nothing(client, owner, tree):
    deals = get_node(tree, "deals")
    login(client, owner).post(reverse("goals:node-edit-save", args=[deals.pk]), node_form_data(deals))
    deals.refresh_from_db()
    assert deals.version == 1 and not recorded(node=deals)


def test_a_formula_may_use_any_active_node_but_not_unknown_ones(client, owner, tree):
    revenue = get_node(tree, "revenue")
    response = login(client, owner).post(
        reverse("goals:node-edit-save", args=[revenue.pk]), node_form_data(revenue, formula="deals * nothing")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "“nothing” at position 9 is not an active node of this tree" in html
    revenue.refresh_from_db()
    assert revenue.formula == "deals * avg_deal_size"
    # A grandchild is fine now (leads is under deals), typed by its name with × (stored with codes).
    response = client.post(
        reverse("goals:node-edit-save", args=[revenue.pk]), node_form_data(revenue, formula="リード数 × 平均受注単価")
    )
    assert response.status_code == 302
    revenue.refresh_from_db()
    assert revenue.formula == "leads * avg_deal_size"


def test_automatic_aggregation_is_recompute_for_a_dividing_formula(client, owner, tree):
    deals = get_node(tree, "deals")
    client = login(client, owner)
    client.post(reverse("goals:node-add-save", args=[deals.pk]), _node_data(code="opps", name="商談数"))
    response = client.post(
        reverse("goals:node-edit-save", args=[deals.pk]),
        node_form_data(deals, formula="leads / opps", unit="%"),  # aggregation left at the measured node's sum
    )
    assert response.status_code == 302
    deals.refresh_from_db()
    assert deals.formula == "leads / opps" and deals.aggregation == "recompute"
    # Left at automatic, a formula that does not divide sums.
    client.post(
        reverse("goals:node-edit-save", args=[deals.pk]), node_form_data(deals, formula="leads + opps", aggregation="")
    )
    deals.refresh_from_db()
    assert deals.aggregation == "sum"
    # A choice the person made is kept.
    client.post(
        reverse("goals:node-edit-save", args=[deals.pk]),
        node_form_data(deals, formula="leads / opps", aggregation="average"),
    )
    deals.refresh_from_db()
    assert deals.aggregation == "average"


def test_recompute_needs_a_formula(client, owner, tree):
    leads = get_node(tree, "leads")
    response = login(client, owner).post(
        reverse("goals:node-edit-save", args=[leads.pk]), node_form_data(leads, aggregation="recompute")
    )
    assert response.status_code == 400
    assert "Recompute works only for a calculated node" in response.content.decode()


def test_renaming_a_code_that_the_parents_formula_uses_is_refused(client, owner, tree):
    deals = get_node(tree, "deals")
    response = login(client, owner).post(
        reverse("goals:node-edit-save", args=[deals.pk]), node_form_data(deals, code="won")
    )
    assert response.status_code == 400
    assert "The formula of 売上 (受注件数 × 平均受注単価) uses the code deals" in response.content.decode()
    deals.refresh_from_db()
    assert deals.code == "deals"


def test_editing_checks_access_and_refuses_get_on_save(client, member, sales_member, viewer, owner, tree):
    deals = get_node(tree, "deals")
    for person in (member, sales_member, viewer):
        client = login(client, person)
        assert client.get(reverse("goals:node-edit", args=[deals.pk])).status_code == 403
        response = client.post(reverse("goals:node-edit-save", args=[deals.pk]), node_form_data(deals, name="X"))
        assert response.status_code == 403
    assert login(client, owner).get(reverse("goals:node-edit-save", args=[deals.pk])).status_code == 405
    deals.refresh_from_db()
    assert deals.name == "受注件数"


def test_two_people_editing_the_same_node_the_second_is_refused(client, owner, admin, tree):
    """Both open the form at version 1; the admin saves first; Tanaka's save is refused, not silently lost."""
    deals = get_node(tree, "deals")
    opened_by_owner = node_form_data(deals)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 6, 29, 14, 32)), tick=False):
        login(client, admin).post(
            reverse("goals:node-edit-save", args=[deals.pk]), node_form_data(deals, target="1250")
        )
    response = login(client, owner).post(
        reverse("goals:node-edit-save", args=[deals.pk]), {**opened_by_owner, "target": "1300", "name": "受注"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not saved: someone else changed this node" in html
    assert "管理 changed it at 2026/06/29 14:32" in html  # who and when
    assert "Target: <em>1,250</em>" in html and "was 240" in html  # what they changed
    assert 'value="1300"' in html and 'value="受注"' in html  # what Tanaka typed is kept
    assert 'name="version" value="2"' in html  # and saving again overwrites on purpose
    deals.refresh_from_db()
    assert deals.target == Decimal("1250") and deals.name == "受注件数"
    # Saving again from the re-rendered form overwrites.
    again = client.post(
        reverse("goals:node-edit-save", args=[deals.pk]),
        {**opened_by_owner, "target": "1300", "name": "受注", "version": "2"},
    )
    assert again.status_code == 302
    deals.refresh_from_db()
    assert deals.target == Decimal("1300") and deals.version == 3
    assert len(recorded(node=deals, action="update")) == 2


def test_a_conflict_over_htmx_comes_back_in_the_panel(client, owner, tree):
    deals = get_node(tree, "deals")
    stale = node_form_data(deals)
    client = login(client, owner)
    client.post(reverse("goals:node-edit-save", args=[deals.pk]), node_form_data(deals, unit="社"))
    response = client.post(reverse("goals:node-edit-save", args=[deals.pk]), {**stale, "target": "99"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="node-panel"') and 'class="conflict"' in html
    assert "Unit: <em>社</em>" in html


def test_the_formula_is_checked_as_typed(client, owner, viewer, tree):
    revenue = get_node(tree, "revenue")
    url = reverse("goals:check-formula", args=[tree.pk]) + f"?node={revenue.pk}"
    client = login(client, owner)
    bad = client.post(url, {"formula": "deals * deal", "name": "売上"}, **HTMX)
    assert bad.status_code == 200
    html = bad.content.decode()
    assert 'id="formula-check"' in html and "formula-check--error" in html
    assert "“deal” at position 9 is not an active node of this tree." in html
    good = client.post(url, {"formula": "deals / avg_deal_size", "name": "売上"}, **HTMX).content.decode()
    assert "formula-check--ok" in good and "divides" in good
    hostile = client.post(url, {"formula": "__import__('os')", "name": "売上"}).content.decode()
    assert "formula-check--error" in hostile
    assert client.get(url).status_code == 405


# Moving


def _cost_branch(tree, position=9):
    """A new branch under revenue, with nothing attached: cost and its child ads."""
    cost = Node.objects.create(
        tree=tree, parent=get_node(tree, "revenue"), code="cost", name="Cost", position=position
    )
    ads = Node.objects.create(tree=tree, parent=cost, code="ads", name="Ads")
    return cost, ads


def test_an_editor_moves_a_node_to_another_parent(client, owner, tree):
    leads, avg = get_node(tree, "leads"), get_node(tree, "avg_deal_size")
    client = login(client, owner)
    form = client.get(reverse("goals:node-move", args=[leads.pk])).content.decode()
    assert "平均受注単価 (avg_deal_size)" in form
    assert f'<option value="{leads.pk}"' not in form  # not under itself
    response = client.post(reverse("goals:node-move-save", args=[leads.pk]), {"parent": avg.pk})
    assert response.status_code == 302
    leads.refresh_from_db()
    assert leads.parent == avg
    change = one(recorded(node=leads))
    assert change.action == "move" and change.changes == {
        "parent": ["受注件数 (deals)", "平均受注単価 (avg_deal_size)"]
    }


def test_moving_with_htmx_redraws_the_editor(client, owner, tree):
    leads, revenue = get_node(tree, "leads"), get_node(tree, "revenue")
    response = login(client, owner).post(
        reverse("goals:node-move-save", args=[leads.pk]), {"parent": revenue.pk}, **HTMX
    )
    assert response["HX-Retarget"] == "#tree-editor"
    assert "Moved リード数 under 売上." in response.content.decode()


@pytest.mark.parametrize(
    ("moved", "to", "message"),
    [
        ("deals", "avg_deal_size", "The formula of 売上 (受注件数 × 平均受注単価) uses deals"),
        ("deals", "leads", "cannot move under itself or a node below it"),
        ("leads", "deals", "is already under 受注件数"),
        ("revenue", "deals", "The KGI is the top of the tree and cannot be moved."),
    ],
)
def test_moves_that_would_break_the_tree_are_refused(client, owner, tree, moved, to, message):
    node, parent = get_node(tree, moved), get_node(tree, to)
    response = login(client, owner).post(reverse("goals:node-move-save", args=[node.pk]), {"parent": parent.pk})
    assert response.status_code == 400
    assert message in response.content.decode()
    old_parent = node.parent_id
    node.refresh_from_db()
    assert node.parent_id == old_parent
    assert not recorded(action="move")


def test_moving_is_refused_beyond_the_maximum_depth(client, owner, tree):
    tree.max_depth = 2
    tree.save()
    avg = get_node(tree, "avg_deal_size")
    child, _ads = _cost_branch(tree, position=5)
    response = login(client, owner).post(reverse("goals:node-move-save", args=[child.pk]), {"parent": avg.pk})
    assert response.status_code == 400
    assert "would reach level 3 below the KGI; this tree allows 2" in response.content.decode()


def test_moving_checks_access_and_refuses_get(client, owner, sales_member, viewer, tree):
    leads, revenue = get_node(tree, "leads"), get_node(tree, "revenue")
    for person in (sales_member, viewer):
        client = login(client, person)
        assert client.post(reverse("goals:node-move-save", args=[leads.pk]), {"parent": revenue.pk}).status_code == 403
    assert login(client, owner).get(reverse("goals:node-move-save", args=[leads.pk])).status_code == 405
    leads.refresh_from_db()
    assert leads.parent.code == "deals"


# Reordering


def test_siblings_are_reordered_with_up_and_down(client, owner, tree):
    revenue, avg = get_node(tree, "revenue"), get_node(tree, "avg_deal_size")
    client = login(client, owner)
    response = client.post(reverse("goals:node-reorder", args=[avg.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert list(revenue.children.order_by("position", "id").values_list("code", flat=True)) == [
        "avg_deal_size",
        "deals",
    ]
    change = one(recorded(node=avg))
    assert change.action == "reorder" and change.changes == {"position": ["2", "1"]}
    # Already first: nothing moves, and the person is told why.
    response = client.post(reverse("goals:node-reorder", args=[avg.pk]), {"direction": "up"}, **HTMX)
    assert "is already the first of its siblings" in response.content.decode()
    assert len(recorded(node=avg)) == 1
    # Down again, over htmx: the editor comes back with the focusable buttons.
    response = client.post(reverse("goals:node-reorder", args=[avg.pk]), {"direction": "down"}, **HTMX)
    assert f'id="reorder-up-{avg.pk}"' in response.content.decode()
    assert list(revenue.children.order_by("position", "id").values_list("code", flat=True)) == [
        "deals",
        "avg_deal_size",
    ]


def test_reordering_checks_access_input_and_method(client, owner, member, tree):
    avg = get_node(tree, "avg_deal_size")
    assert (
        login(client, member).post(reverse("goals:node-reorder", args=[avg.pk]), {"direction": "up"}).status_code
        == 403
    )
    client = login(client, owner)
    assert client.post(reverse("goals:node-reorder", args=[avg.pk]), {"direction": "sideways"}).status_code == 400
    assert client.get(reverse("goals:node-reorder", args=[avg.pk])).status_code == 405
    assert not recorded()


# Deleting, archiving, restoring


def test_a_node_with_nothing_attached_is_deleted(client, owner, tree):
    revenue = get_node(tree, "revenue")
    cost = Node.objects.create(tree=tree, parent=revenue, code="cost", name="Cost", position=9)
    client = login(client, owner)
    confirm = client.get(reverse("goals:node-delete", args=[cost.pk])).content.decode()
    assert "will be deleted for good" in confirm
    response = client.post(reverse("goals:node-delete-save", args=[cost.pk]))
    assert response.status_code == 302
    assert not Node.objects.filter(pk=cost.pk).exists()
    change = one(recorded(action="delete"))
    assert change.node is None and change.node_code == "cost"


def test_a_node_with_entries_is_archived_not_deleted(client, owner, tree):
    leads = get_node(tree, "leads")
    Entry.objects.create(node=leads, week=date(2026, 3, 30), value=Decimal("120"))
    client = login(client, owner)
    confirm = client.get(reverse("goals:node-delete", args=[leads.pk])).content.decode()
    assert "will be archived, not deleted" in confirm and "it has weekly entries" in confirm
    # the parent's formula does not use leads (deals is measured), so it may go
    response = client.post(reverse("goals:node-delete-save", args=[leads.pk]), **HTMX)
    assert "Archived リード数" in response.content.decode()
    leads.refresh_from_db()
    assert leads.archived_at is not None and leads.entries.count() == 1
    assert one(recorded(node=leads)).action == "archive"
    # It left the tree drawing and appears under Archived nodes.
    html = client.get(reverse("goals:tree-detail", args=[tree.pk])).content.decode()
    assert f'id="node-{leads.pk}"' not in html
    assert reverse("goals:node-restore", args=[leads.pk]) in html


def test_a_node_with_comments_is_archived(client, owner, tree):
    leads = get_node(tree, "leads")
    Comment.objects.create(node=leads, author=owner, body="?")
    login(client, owner).post(reverse("goals:node-delete-save", args=[leads.pk]))
    leads.refresh_from_db()
    assert leads.is_archived


def test_a_node_with_children_is_archived_with_its_subtree(client, owner, tree):
    cost, ads = _cost_branch(tree)
    login(client, owner).post(reverse("goals:node-delete-save", args=[cost.pk]))
    cost.refresh_from_db()
    ads.refresh_from_db()
    assert cost.archived_at is not None and ads.archived_at == cost.archived_at
    assert len(recorded(action="archive")) == 2


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("revenue", "The KGI is the top of the tree and cannot be deleted."),
        ("deals", "The formula of 売上 (受注件数 × 平均受注単価) uses deals"),
    ],
)
def test_deleting_is_refused_where_it_would_break_the_tree(client, owner, tree, code, message):
    node = get_node(tree, code)
    client = login(client, owner)
    assert message in client.get(reverse("goals:node-delete", args=[node.pk])).content.decode()
    response = client.post(reverse("goals:node-delete-save", args=[node.pk]), follow=True)
    assert message in response.content.decode()
    node.refresh_from_db()
    assert not node.is_archived
    assert tree.nodes.count() == 4 and not recorded()


def test_deleting_checks_access_and_refuses_get(client, owner, sales_member, viewer, tree):
    leads = get_node(tree, "leads")
    for person in (sales_member, viewer):
        assert login(client, person).post(reverse("goals:node-delete-save", args=[leads.pk])).status_code == 403
    assert login(client, owner).get(reverse("goals:node-delete-save", args=[leads.pk])).status_code == 405
    assert tree.nodes.active().count() == 4


def test_an_archived_node_is_restored_with_its_subtree(client, owner, tree):
    cost, ads = _cost_branch(tree)
    client = login(client, owner)
    client.post(reverse("goals:node-delete-save", args=[cost.pk]))
    response = client.post(reverse("goals:node-restore", args=[cost.pk]), **HTMX)
    assert "Restored Cost." in response.content.decode()
    cost.refresh_from_db()
    ads.refresh_from_db()
    assert cost.archived_at is None and ads.archived_at is None
    assert len(recorded(action="restore")) == 2


def test_restoring_is_refused_when_the_parent_is_archived(client, owner, tree):
    leads = get_node(tree, "leads")
    deals = get_node(tree, "deals")
    now = timezone.now()
    Node.objects.filter(pk=leads.pk).update(archived_at=now - timedelta(days=1))
    Node.objects.filter(pk=deals.pk).update(archived_at=now)
    response = login(client, owner).post(reverse("goals:node-restore", args=[leads.pk]), follow=True)
    assert "cannot be restored while its parent 受注件数 is archived. Restore 受注件数 first." in (
        response.content.decode()
    )
    leads.refresh_from_db()
    assert leads.is_archived


def test_restoring_is_refused_when_its_code_is_taken(client, owner, tree):
    leads = get_node(tree, "leads")
    Node.objects.filter(pk=leads.pk).update(archived_at=timezone.now())
    Node.objects.create(tree=tree, parent=get_node(tree, "deals"), code="leads", name="新リード")
    response = login(client, owner).post(reverse("goals:node-restore", args=[leads.pk]), **HTMX)
    assert "the code leads is now used by 新リード" in response.content.decode()
    leads.refresh_from_db()
    assert leads.is_archived


def test_restoring_checks_access_and_refuses_get(client, owner, member, tree):
    leads = get_node(tree, "leads")
    Node.objects.filter(pk=leads.pk).update(archived_at=timezone.now())
    assert login(client, member).post(reverse("goals:node-restore", args=[leads.pk])).status_code == 403
    assert login(client, owner).get(reverse("goals:node-restore", args=[leads.pk])).status_code == 405
    leads.refresh_from_db()
    assert leads.is_archived


# The node page


def test_node_page_shows_everything_about_the_node(client, viewer, owner, tree):
    revenue = get_node(tree, "revenue")
    deals = get_node(tree, "deals")
    LegacyChange.objects.create(
        tree=tree, node=revenue, node_code="revenue", user=owner, action="update", changes={"target": ["1", "2"]}
    )
    response = login(client, viewer).get(reverse("goals:node-detail", args=[revenue.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "FY2026 テスト" in html and "受注金額（税抜）の合計" in html
    assert f'<a href="{reverse("goals:node-detail", args=[deals.pk])}" title="受注件数">受注件数</a>' in html
    assert "Inputs of the formula" in html
    assert "Target" in html and "1 → 2" in html  # its history
    assert 'id="comments"' in html
    assert 'class="card node-progress"' in html or "node_progress" in html or "Target" in html
    assert reverse("goals:node-edit", args=[revenue.pk]) not in html  # a viewer does not edit


def test_node_page_breadcrumbs_and_drivers(client, viewer, tree):
    deals = get_node(tree, "deals")
    html = login(client, viewer).get(reverse("goals:node-detail", args=[get_node(tree, "leads").pk])).content.decode()
    assert f'<a href="{reverse("goals:node-detail", args=[get_node(tree, "revenue").pk])}">売上</a>' in html
    assert f'<a href="{reverse("goals:node-detail", args=[deals.pk])}">受注件数</a>' in html
    html = client.get(reverse("goals:node-detail", args=[deals.pk])).content.decode()
    assert "Drivers" in html and 'class="driver-link"' in html


def test_node_page_of_an_archived_node_offers_restore(client, owner, tree):
    leads = get_node(tree, "leads")
    Node.objects.filter(pk=leads.pk).update(archived_at=timezone.now())
    html = login(client, owner).get(reverse("goals:node-detail", args=[leads.pk])).content.decode()
    assert "This node was archived on" in html
    assert reverse("goals:node-restore", args=[leads.pk]) in html


# Comments


def test_everyone_signed_in_comments(client, viewer, tree):
    leads = get_node(tree, "leads")
    client = login(client, viewer)
    response = client.post(reverse("goals:comment-add", args=[leads.pk]), {"body": "  Source? @tanaka  "})
    assert response.status_code == 302
    comment = leads.comments.get()
    assert comment.author == viewer and comment.body == "Source? @tanaka"
    html = client.get(reverse("goals:node-detail", args=[leads.pk])).content.decode()
    assert "Source? @tanaka" in html and "閲覧" in html


def test_a_comment_needs_a_body(client, viewer, tree):
    leads = get_node(tree, "leads")
    client = login(client, viewer)
    response = client.post(reverse("goals:comment-add", args=[leads.pk]), {"body": "   "})
    assert response.status_code == 400
    assert "Write a comment before you post it." in response.content.decode()
    response = client.post(reverse("goals:comment-add", args=[leads.pk]), {"body": ""}, **HTMX)
    assert response.status_code == 200 and response.content.decode().lstrip().startswith('<section id="comments"')
    assert not Comment.objects.exists()
    assert client.get(reverse("goals:comment-add", args=[leads.pk])).status_code == 405


def test_the_author_or_an_admin_deletes_a_comment(client, viewer, member, admin, tree):
    leads = get_node(tree, "leads")
    mine = Comment.objects.create(node=leads, author=viewer, body="mine")
    theirs = Comment.objects.create(node=leads, author=member, body="theirs")
    client = login(client, viewer)
    assert client.post(reverse("goals:comment-delete", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("goals:comment-delete", args=[mine.pk])).status_code == 405
    response = client.post(reverse("goals:comment-delete", args=[mine.pk]), **HTMX)
    assert response.status_code == 200 and "mine" not in response.content.decode()
    assert login(client, admin).post(reverse("goals:comment-delete", args=[theirs.pk])).status_code == 302
    assert not Comment.objects.exists()


# Inbox


def _post(node, author, body):
    """Post as the comment form does (goals.discussion.threads): mentions and notices follow."""
    return threads.post(node, author, body, access_for(author))


def test_inbox_lists_comments_on_my_kpis_and_mentions_by_day(client, owner, member, sales_member, viewer, tree):
    leads, deals = get_node(tree, "leads"), get_node(tree, "deals")
    now = timezone.make_aware(timezone.datetime(2026, 7, 2, 10, 0))  # a Thursday
    with time_machine.travel(now - timedelta(days=10), tick=False):
        _post(leads, sales_member, "old question on leads")
    with time_machine.travel(now - timedelta(days=2), tick=False):
        _post(deals, viewer, "@suzuki please check")
    with time_machine.travel(now, tick=False):
        _post(leads, owner, "today on leads")
        _post(deals, owner, "not for suzuki: @suzuki2")
        _post(leads, member, "my own comment")
        response = login(client, member).get(reverse("goals:inbox"))
    html = response.content.decode()
    groups = {g["key"]: [c.body for c in g["items"]] for g in response.context["groups"]}
    assert groups == {
        "today": ["today on leads"],
        "week": ["@suzuki please check"],
        "earlier": ["old question on leads"],
    }
    assert "Today" in html and "This week" in html and "Earlier" in html
    assert "Mentions you" in html


def test_inbox_empty_state_says_what_will_appear(client, viewer, db):
    html = login(client, viewer).get(reverse("goals:inbox")).content.decode()
    assert "Comments on the KPIs your departments own" in html
    assert "only mentions will appear" in html


@pytest.mark.parametrize(
    "name",
    [
        "node-add-save",
        "node-edit-save",
        "node-move-save",
        "node-reorder",
        "node-delete-save",
        "node-restore",
        "comment-add",
    ],
)
def test_anonymous_posts_are_sent_to_log_in_and_change_nothing(client, tree, name):
    deals = get_node(tree, "deals")
    response = client.post(reverse(f"goals:{name}", args=[deals.pk]), {**node_form_data(deals), "direction": "up"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not recorded() and not Comment.objects.exists()
    assert tree.nodes.active().count() == 4


def test_anonymous_formula_checks_and_comment_deletes_are_sent_to_log_in(client, tree, owner):
    comment = Comment.objects.create(node=get_node(tree, "deals"), author=owner, body="x")
    for url in (reverse("goals:check-formula", args=[tree.pk]), reverse("goals:comment-delete", args=[comment.pk])):
        response = client.post(url, {"formula": "1"})
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Comment.objects.count() == 1
