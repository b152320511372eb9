"""Every write of numbers bumps the tree's data version (goals.models.Tree.data_version)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from goals.models import Node, Tree
from metrics import csvfiles
from metrics.entries import set_entry
from metrics.models import Entry, EntryChange

pytestmark = pytest.mark.django_db

W1 = date(2026, 3, 30)


def data_version(tree):
    return Tree.objects.values_list("data_version", flat=True).get(pk=tree.pk)


def test_each_entry_write_bumps_the_data_version(tree, member):
    leads = tree.nodes.get(code="leads")
    set_entry(leads, W1, Decimal(10), user=member, source=EntryChange.Source.GRID)
    assert data_version(tree) == 1
    set_entry(leads, W1, Decimal(12), user=member, source=EntryChange.Source.GRID)
    set_entry(leads, W1, None, user=member, source=EntryChange.Source.GRID)
    assert data_version(tree) == 3
    set_entry(leads, W1, None, user=member, source=EntryChange.Source.GRID)  # nothing to delete: nothing written
    assert data_version(tree) == 3


def test_an_entries_import_bumps_each_tree_once(tree, admin):
    data = "\r\n".join(
        ["tree,node,week,value", "fy2026-test,leads,2026-03-30,120", "fy2026-test,leads,2026-04-06,130", ""]
    )
    plan = csvfiles.plan_from_bytes(data.encode(), user=admin)
    assert plan.ok
    csvfiles.apply(plan, admin)
    assert Entry.objects.count() == 2 and data_version(tree) == 1


def test_the_demo_loader_bumps_its_tree(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    tree = Tree.objects.get(previous__isnull=False)
    # The tree-file import that built it, its numbers in bulk, its link to last period (metrics.demo_last_period),
    # and the mistyped number the demo shows as a flag.
    assert data_version(tree) == 4
    assert data_version(tree.previous) == 2  # last period: the import, then its numbers


def test_the_entries_csv_lists_active_nodes_cut_off_from_the_kgi_after_the_others(tree, admin):
    deals, leads = tree.nodes.get(code="deals"), tree.nodes.get(code="leads")
    Node.objects.filter(pk=deals.pk).update(archived_at=timezone.now())
    cpl = Node.objects.create(tree=tree, parent=leads, code="cpl", name="CPL")
    for node in (leads, cpl):
        set_entry(node, W1, Decimal(1), user=admin, source=EntryChange.Source.GRID)
    assert [node.code for node in csvfiles.measured_nodes(tree)] == ["avg_deal_size", "leads", "cpl"]
    lines = csvfiles.entries_csv(tree).splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["leads", "cpl"]
