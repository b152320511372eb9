"""Domain operations on trees and nodes: the versioned save, the tree's data version, fiscal years, the last
complete week, and every structural change recorded in the history."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from goals import editing, history
from goals.models import ChangeAction, Initiative, Node, Tree, VersionConflict
from goals.periods import fiscal_year, fiscal_year_dates
from goals.treefile import export_tree, import_tree
from metrics.models import Entry
from tests.goals.helpers import HTMX, login, node_form_data, one, recorded

pytestmark = pytest.mark.django_db


def data_version(tree):
    return Tree.objects.values_list("data_version", flat=True).get(pk=tree.pk)


# --- fiscal years and the last complete week --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 4, 1), 2026),  # the first day of FY2026
        (date(2026, 12, 31), 2026),
        (date(2027, 3, 31), 2026),  # January to March belong to the fiscal year that started the April before
        (date(2027, 1, 1), 2026),
        (date(2026, 3, 31), 2025),
    ],
)
def test_a_japanese_fiscal_year_starts_in_april(day, year):
    assert fiscal_year(day) == year


def test_the_dates_of_a_fiscal_year():
    assert fiscal_year_dates(2026) == (date(2026, 4, 1), date(2027, 3, 31))
    assert fiscal_year_dates(2027) == (date(2027, 4, 1), date(2028, 3, 31))  # 2028 is a leap year: still 31 March


def test_a_tree_is_in_the_fiscal_year_its_period_starts_in(tree):
    assert tree.fiscal_year == 2026
    tree.period_start = date(2027, 1, 1)
    assert tree.fiscal_year == 2026
    tree.period_start = date(2027, 4, 1)
    assert tree.fiscal_year == 2027


@time_machine.travel("2026-07-15 10:00 +09:00")  # a Wednesday in Tokyo
def test_the_last_complete_week_is_the_one_before_today_in_the_site_zone(tree):
    assert tree.last_complete_week() == date(2026, 7, 6)  # Monday weeks
    tree.week_start = Tree.WeekStart.SUNDAY
    assert tree.last_complete_week() == date(2026, 7, 5)
    assert tree.last_complete_week(date(2026, 7, 20)) == date(2026, 7, 12)


@time_machine.travel("2026-07-12 23:30 +00:00")  # Sunday in UTC, already Monday 13 July in Tokyo
def test_today_is_the_date_in_the_site_zone_not_in_utc(tree):
    assert tree.last_complete_week() == date(2026, 7, 6)  # the week of Monday 13 July holds today


@time_machine.travel("2027-02-10 10:00 +09:00")
def test_a_new_tree_is_offered_the_current_fiscal_year(client, owner):
    html = login(client, owner).get(reverse("goals:tree-create")).content.decode()
    assert 'value="2026-04-01"' in html and 'value="2027-03-31"' in html


# --- the versioned save ----------------------------------------------------------------------------------


def test_a_versioned_save_locks_checks_bumps_and_records(tree, owner):
    deals = tree.nodes.get(code="deals")
    before = data_version(tree)
    saved = deals.save_versioned(owner, {"target": Decimal("300"), "name": "受注数"}, expected_version=1)
    assert saved.version == 2 and saved.target == Decimal("300") and saved.name == "受注数"
    deals.refresh_from_db()
    assert deals.version == 2 and deals.name == "受注数"
    change = one(recorded(node=deals))
    assert change.action == ChangeAction.UPDATE and change.user == owner and change.version == 2
    assert change.changes == {"name": ["受注件数", "受注数"], "target": ["240", "300"]}
    assert data_version(tree) == before + 1


def test_a_versioned_save_refuses_an_old_version_and_saves_nothing(tree, owner):
    deals = tree.nodes.get(code="deals")
    deals.save_versioned(owner, {"target": Decimal("300")}, expected_version=1)
    before = data_version(tree)
    with pytest.raises(VersionConflict) as refused:
        deals.save_versioned(owner, {"target": Decimal("999")}, expected_version=1)
    assert refused.value.stored_version == 2
    deals.refresh_from_db()
    assert deals.target == Decimal("300") and deals.version == 2
    assert len(recorded(node=deals)) == 1 and data_version(tree) == before


def test_a_versioned_save_of_the_same_values_writes_nothing(tree, owner):
    deals = tree.nodes.get(code="deals")
    saved = deals.save_versioned(owner, {"target": Decimal("240.000"), "name": "受注件数"}, expected_version=1)
    assert saved.version == 1
    assert not recorded(node=deals) and data_version(tree) == 0


def test_a_tree_saves_its_settings_the_same_way(tree, owner, sales):
    saved = tree.save_versioned(owner, {"name": "FY2026 営業", "department": sales}, expected_version=1)
    assert saved.version == 2 and saved.department == sales
    change = one(history.tree_own_changes(tree))
    assert change.changes == {"name": ["FY2026 テスト", "FY2026 営業"], "department": ["マーケティング部", "営業部"]}
    assert data_version(tree) == 1
    with pytest.raises(VersionConflict):
        tree.save_versioned(owner, {"name": "x"}, expected_version=1)


def test_saving_a_tree_never_writes_back_an_old_data_version(tree):
    stale = Tree.objects.get(pk=tree.pk)
    Tree.bump_data_version(tree.pk)
    Tree.bump_data_version(tree.pk)
    stale.name = "名前だけ"
    stale.save()
    assert data_version(tree) == 2
    assert Tree.objects.get(pk=tree.pk).name == "名前だけ"


# --- the data version goes up with every structural write --------------------------------------------------


def test_every_structural_change_bumps_the_data_version(client, owner, tree):
    client = login(client, owner)
    revenue, deals, avg = (tree.nodes.get(code=code) for code in ("revenue", "deals", "avg_deal_size"))
    leads = tree.nodes.get(code="leads")
    steps = [
        ("edit a node", "goals:node-edit-save", deals, {**_node_data(deals), "target": "250"}),
        ("add a node", "goals:node-add-save", revenue, {**_node_data(deals), "code": "cost", "name": "費用"}),
        ("move a node", "goals:node-move-save", leads, {"parent": avg.pk}),
        ("reorder", "goals:node-reorder", avg, {"direction": "up"}),
        ("archive", "goals:node-delete-save", leads, {}),
        ("restore", "goals:node-restore", leads, {}),
        ("back-calculate", "goals:node-backcalc-save", revenue, None),
        (
            "seasonality",
            "goals:node-seasonality-save",
            deals,
            lambda: {"method": "business_days", "version": _v(deals)},
        ),
        ("settings", "goals:tree-edit-save", tree, {**_tree_data(tree), "name": "FY2026 改"}),
    ]
    Entry.objects.create(node=leads, week=date(2026, 3, 30), value=Decimal(1))  # leads is archived, not deleted
    for what, name, obj, data in steps:
        before = data_version(tree)
        if data is None:  # the proposal for deals that makes revenue meet its target: 240 x 500,000
            data = {"child": deals.pk, "value": "240"}
        elif callable(data):
            data = data()
        response = client.post(reverse(name, args=[obj.pk]), data)
        assert response.status_code in (200, 302), (what, response.status_code)
        assert data_version(tree) > before, what


def test_deleting_a_node_and_importing_a_tree_file_bump_the_data_version(tree, owner):
    cost = Node.objects.create(tree=tree, parent=tree.nodes.get(code="revenue"), code="cost", name="費用")
    before = data_version(tree)
    assert editing.remove(cost, owner) == "delete"
    assert data_version(tree) == before + 1
    data = export_tree(tree)
    data["nodes"][0]["target"] = "130000000"
    import_tree(data, owner)
    assert data_version(tree) == before + 2


def _v(node):
    return Node.objects.values_list("version", flat=True).get(pk=node.pk)


def _node_data(node):
    return node_form_data(node, owner="", target="240", stretch="", baseline="")


def _tree_data(tree):
    tree.refresh_from_db()
    return {
        "name": tree.name,
        "department": tree.department_id,
        "period_start": tree.period_start.isoformat(),
        "period_end": tree.period_end.isoformat(),
        "week_start": tree.week_start,
        "warning_threshold": "90",
        "max_depth": tree.max_depth,
        "version": tree.version,
    }


# --- every change is recorded, row by row ----------------------------------------------------------------


def test_archiving_a_branch_records_every_node_of_it(client, owner, tree):
    deals, leads = tree.nodes.get(code="deals"), tree.nodes.get(code="leads")
    Node.objects.filter(pk=deals.pk).update(formula="")  # so that revenue's formula does not hold it
    Node.objects.filter(pk=tree.nodes.get(code="revenue").pk).update(formula="")
    login(client, owner).post(reverse("goals:node-delete-save", args=[deals.pk]), **HTMX)
    root, below = one(recorded(node=deals)), one(recorded(node=leads))
    assert root.action == below.action == ChangeAction.ARCHIVE
    assert root.user == below.user == owner
    assert root.changes["subtree"] == ["", "leads"]
    assert below.changes["archived_at"][0] == "" and below.changes["archived_at"][1].startswith("20")
    client.post(reverse("goals:node-restore", args=[deals.pk]))
    assert [c.action for c in recorded(node=leads)] == [ChangeAction.RESTORE, ChangeAction.ARCHIVE]


def test_a_reorder_records_both_siblings_with_their_places(client, owner, tree):
    deals, avg = tree.nodes.get(code="deals"), tree.nodes.get(code="avg_deal_size")
    Node.objects.filter(pk=deals.pk).update(position=0)
    Node.objects.filter(pk=avg.pk).update(position=1)
    login(client, owner).post(reverse("goals:node-reorder", args=[avg.pk]), {"direction": "up"})
    assert one(recorded(node=avg)).changes == {"position": ["2", "1"]}
    assert one(recorded(node=deals)).changes == {"position": ["1", "2"]}


def test_the_tree_history_lists_nodes_settings_initiatives_and_older_changes(client, owner, viewer, tree):
    deals = tree.nodes.get(code="deals")
    deals.save_versioned(owner, {"target": Decimal("1250")})
    tree.save_versioned(owner, {"name": "Renamed"})
    initiative = Initiative(tree=tree, title="展示会", start_date=date(2026, 6, 1))
    with history.recorded_as(owner, ChangeAction.CREATE):
        initiative.save_with_kpis([deals])
    html = login(client, viewer).get(reverse("goals:tree-history", args=[tree.pk])).content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 3
    assert (
        rows.index("展示会 (2026-06-01–; deals)") < rows.index("FY2026 テスト → Renamed") < rows.index("240 → 1,250")
    )


def test_the_tree_history_pages_through_new_and_older_changes(client, owner, viewer, tree):
    from goals.models import LegacyChange

    deals = tree.nodes.get(code="deals")
    for i in range(30):
        LegacyChange.objects.create(
            tree=tree, node=deals, node_code="deals", action="update", changes={"target": [str(i), str(i + 1)]}
        )
    for value in range(101, 131):
        deals.save_versioned(owner, {"target": Decimal(value)})
    client = login(client, viewer)
    first = client.get(reverse("goals:tree-history", args=[tree.pk])).content.decode()
    second = client.get(reverse("goals:tree-history", args=[tree.pk]), {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and first.count("<tr>") == 1 + 50
    assert second.count("<tr>") == 1 + 10
    assert "129 → 130" in first and "240 → 101" in first and "10 → 11" in first  # the newest 50
    assert "9 → 10" in second and "0 → 1" in second and "240 → 101" not in second  # older, before field history


def test_the_node_page_shows_its_recorded_changes(client, owner, viewer, tree):
    deals = tree.nodes.get(code="deals")
    login(client, owner).post(reverse("goals:node-edit-save", args=[deals.pk]), {**_node_data(deals), "target": "260"})
    html = login(client, viewer).get(reverse("goals:node-detail", args=[deals.pk])).content.decode()
    history_section = html.split('id="history-title"')[1]
    assert "Changed" in history_section and "240 → 260" in history_section and "田中" in history_section


def test_the_system_records_without_a_person(tree):
    deals = tree.nodes.get(code="deals")
    deals.save_versioned(None, {"target": Decimal("1")})
    assert one(recorded(node=deals)).user is None
