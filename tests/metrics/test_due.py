"""Numbers due: weekly nodes owe the last complete week, monthly nodes the first week of the month."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from goals.models import Node, Tree
from metrics.due import due_week, first_week_of_month
from metrics.grid import cell_key
from metrics.models import Entry

pytestmark = pytest.mark.usefixtures("english_pages")

DUE = "/numbers/due/"


def at(moment):
    return time_machine.travel(moment, tick=False)


# --- the rule ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "week_start", "first"),
    [
        (date(2026, 7, 15), 0, date(2026, 6, 29)),  # 1 July is a Wednesday: the week of 29 June holds 2 July
        (date(2026, 8, 20), 0, date(2026, 8, 3)),  # 1 August is a Saturday: the week of 27 July is July's
        (date(2026, 6, 1), 0, date(2026, 6, 1)),  # 1 June is a Monday
        (date(2026, 11, 30), 0, date(2026, 11, 2)),  # 1 November is a Sunday: its week is October's
        (date(2026, 8, 20), 6, date(2026, 8, 2)),  # Sunday weeks: the week of 2 August holds Wednesday 5th
    ],
)
def test_the_first_week_of_a_month_holds_its_fourth_day_in_the_month(day, week_start, first):
    assert first_week_of_month(day, week_start) == first


def test_a_weekly_node_owes_the_last_complete_week(nodes, tree):
    assert due_week(nodes["leads"], tree, date(2026, 7, 8)) == date(2026, 6, 29)
    assert due_week(nodes["leads"], tree, date(2026, 7, 6)) == date(2026, 6, 29)  # Monday: last week is done


def test_a_monthly_node_owes_the_first_week_of_the_month_until_the_month_ends(nodes, tree):
    leads = nodes["leads"]
    leads.frequency = Node.Frequency.MONTHLY
    assert due_week(leads, tree, date(2026, 7, 8)) == date(2026, 6, 29)  # July's first week just ended
    assert due_week(leads, tree, date(2026, 7, 22)) == date(2026, 6, 29)  # still July's number
    assert due_week(leads, tree, date(2026, 8, 5)) == date(2026, 6, 29)  # last week (27 Jul) is July's
    assert due_week(leads, tree, date(2026, 8, 12)) == date(2026, 8, 3)  # August's first week


def test_nothing_is_due_outside_the_period(nodes, tree):
    assert due_week(nodes["leads"], tree, date(2026, 3, 25)) is None
    assert due_week(nodes["leads"], tree, date(2027, 5, 1)) is None


# --- the page ---------------------------------------------------------------------------------------------------


def test_my_departments_numbers_due_link_to_their_cells(client, member, nodes):
    client.force_login(member)
    with at("2026-07-08 10:00 +09:00"):
        response = client.get(DUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "リード数" in page
    assert "受注件数" not in page  # sales' number, not ours
    anchor = f"#cell-{cell_key(nodes['leads'].pk, date(2026, 6, 29))}"
    assert f"/numbers/?tree={nodes['leads'].tree_id}&amp;week=2026-06-29{anchor}" in page


def test_an_entered_number_is_no_longer_due(client, member, nodes):
    Entry.objects.create(node=nodes["leads"], week=date(2026, 6, 29), value=Decimal(0))
    client.force_login(member)
    with at("2026-07-08 10:00 +09:00"):
        page = client.get(DUE).content.decode()
    assert "リード数" not in page
    assert "Nothing is due" in page


def test_an_earlier_week_does_not_count(client, member, nodes):
    Entry.objects.create(node=nodes["leads"], week=date(2026, 6, 22), value=Decimal(5))
    client.force_login(member)
    with at("2026-07-08 10:00 +09:00"):
        assert "リード数" in client.get(DUE).content.decode()


def test_a_monthly_node_is_due_only_until_its_first_week_is_entered(client, member, nodes):
    Node.objects.filter(pk=nodes["leads"].pk).update(frequency=Node.Frequency.MONTHLY)
    client.force_login(member)
    with at("2026-07-22 10:00 +09:00"):  # last complete week: 13 July; July's first week: 29 June
        page = client.get(DUE).content.decode()
        assert "リード数" in page and "week=2026-06-29" in page
        Entry.objects.create(node=nodes["leads"], week=date(2026, 6, 29), value=Decimal(400))
        assert "リード数" not in client.get(DUE).content.decode()


def test_a_department_list_for_anyone(client, member, sales, nodes):
    client.force_login(member)
    with at("2026-07-08 10:00 +09:00"):
        page = client.get(DUE, {"department": sales.pk}).content.decode()
    assert "受注件数" in page and "平均受注単価" in page
    assert "売上" not in page  # a formula node is never due
    assert "リード数" not in page
    assert "show=all" in page  # member enters none of them: the grid shows them read-only


def test_archived_nodes_and_trees_out_of_period_are_not_due(client, member, marketing, nodes):
    Node.objects.filter(pk=nodes["leads"].pk).update(archived_at=timezone.now())
    old = Tree.objects.create(
        code="fy2025", name="FY2025", department=marketing, period_start=date(2025, 4, 1), period_end=date(2026, 3, 31)
    )
    Node.objects.create(tree=old, code="old", name="旧指標", department=marketing)
    client.force_login(member)
    with at("2026-07-08 10:00 +09:00"):
        page = client.get(DUE).content.decode()
    assert "リード数" not in page and "旧指標" not in page


def test_a_person_in_no_department_owes_nothing(client, viewer, nodes):
    client.force_login(viewer)
    with at("2026-07-08 10:00 +09:00"):
        page = client.get(DUE).content.decode()
    assert "You are not in a department" in page


def test_the_due_list_runs_a_fixed_number_of_queries(client, member, tree, marketing, django_assert_num_queries):
    client.force_login(member)
    client.get(DUE)
    for size in (10, 200):
        Node.objects.bulk_create(
            Node(tree=tree, parent=tree.nodes.get(code="leads"), code=f"n{size}_{i}", name="x", department=marketing)
            for i in range(size)
        )
        with at("2026-07-08 10:00 +09:00"), django_assert_num_queries(7):
            # session, user, memberships (access), departments, nodes, entries, memberships (navigation)
            client.get(DUE)
