"""Every change to an entry is listed on the node's page; an admin restores a previous value."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory

from metrics.entries import entry_history, set_entry
from metrics.models import Entry, EntryChange

WEEK = date(2026, 6, 29)


@pytest.fixture(autouse=True)
def frozen_time(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with time_machine.travel("2026-07-08 10:00 +09:00", tick=False):
        yield


@pytest.fixture
def leads(tree):
    return tree.nodes.get(code="leads")


@pytest.fixture
def changes(leads, member, owner):
    """Created by 鈴木 in the grid, imported over by 田中, changed back through the admin, then deleted."""
    set_entry(leads, WEEK, Decimal("1200"), user=member, source="grid", note="キャンペーン週")
    set_entry(leads, WEEK, Decimal("1250"), user=owner, source="import")
    set_entry(leads, WEEK, Decimal("1300"), user=owner, source="admin")
    set_entry(leads, date(2026, 6, 22), Decimal("70"), user=member, source="grid")
    set_entry(leads, date(2026, 6, 22), None, user=member, source="grid")
    return list(EntryChange.objects.filter(node=leads))


def history_url(node):
    return f"/numbers/history/{node.pk}/"


def test_every_change_is_listed_with_who_when_and_how(client, viewer, leads, changes):
    client.force_login(viewer)
    response = client.get(history_url(leads))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Change (件)",
        "1,200",
        "1,250",
        "1,300",
        "to</span> 70<",
        "鈴木",
        "田中",
        "Entry grid",
        "Import",
        "Admin",
        "キャンペーン週",
    ):
        assert text in page
    assert page.count("<tr>") == 1 + 5  # the header and one row per change
    assert "2026/07/08 10:00" in page
    assert "Restore" not in page  # only admins restore


def test_the_include_on_the_node_page_lists_the_latest_changes(rf, member, leads, changes):
    request = RequestFactory().get("/")
    request.user = member
    history = entry_history(leads, member)
    html = Template('{% include "metrics/includes/entry_history.html" %}').render(
        Context({"node": leads, "history": history, "request": request, "user": member})
    )
    assert "History of numbers" in html
    assert "1,300" in html and "1,250" in html


def test_the_include_shows_twenty_and_links_to_the_rest(member, leads, django_assert_num_queries):
    for i in range(25):
        set_entry(leads, WEEK, Decimal(i + 1), user=member, source="grid")
    request = RequestFactory().get("/")
    request.user = member
    template = Template('{% include "metrics/includes/entry_history.html" %}')
    with django_assert_num_queries(2):  # the changes with their people, and the memberships of the person
        history = entry_history(leads, member)
        html = template.render(Context({"node": leads, "history": history, "request": request, "user": member}))
    assert html.count("<tr>") == 1 + 20
    assert f"/numbers/history/{leads.pk}/" in html


def test_an_admin_restores_a_previous_value(client, admin, leads, changes):
    first = changes[-1]  # oldest: 1,200 with its note
    client.force_login(admin)
    page = client.get(history_url(leads)).content.decode()
    assert f"/numbers/history/restore/{first.pk}/" in page
    response = client.post(f"/numbers/history/restore/{first.pk}/", {"next": history_url(leads)})
    assert response.status_code == 302
    assert response["Location"] == history_url(leads)
    entry = Entry.objects.get(node=leads, week=WEEK)
    assert (entry.value, entry.note, entry.updated_by) == (Decimal("1200"), "キャンペーン週", admin)
    latest = EntryChange.objects.first()
    assert (latest.old_value, latest.new_value, latest.source, latest.user) == (
        Decimal("1300"),
        Decimal("1200"),
        "restore",
        admin,
    )
    assert "Restored 1,200 件 for リード数 (w/c 29 Jun)." in client.get(history_url(leads)).content.decode()


def test_the_current_value_and_deletions_offer_no_restore(client, admin, leads, changes):
    client.force_login(admin)
    page = client.get(history_url(leads)).content.decode()
    current = EntryChange.objects.get(node=leads, week=WEEK, new_value=Decimal("1300"))
    deletion = EntryChange.objects.get(node=leads, new_value=None)
    assert f"/numbers/history/restore/{current.pk}/" not in page
    assert f"/numbers/history/restore/{deletion.pk}/" not in page
    assert client.post(f"/numbers/history/restore/{deletion.pk}/").status_code == 400


def test_only_admins_restore(client, owner, member, leads, changes):
    first = changes[-1]
    for person in (owner, member):
        client.force_login(person)
        assert client.post(f"/numbers/history/restore/{first.pk}/").status_code == 403
    assert Entry.objects.get(node=leads, week=WEEK).value == Decimal("1300")


def test_restoring_refuses_get(client, admin, changes):
    client.force_login(admin)
    assert client.get(f"/numbers/history/restore/{changes[0].pk}/").status_code == 405


def test_restoring_ignores_a_next_url_elsewhere(client, admin, leads, changes):
    client.force_login(admin)
    response = client.post(f"/numbers/history/restore/{changes[-1].pk}/", {"next": "https://example.com/"})
    assert response["Location"] == history_url(leads)


def test_the_history_page_runs_a_fixed_number_of_queries(client, admin, leads, member, django_assert_num_queries):
    client.force_login(admin)
    client.get(history_url(leads))
    for count in (5, 60):
        for i in range(count):
            set_entry(leads, WEEK, Decimal(i + 1000), user=member, source="grid")
        # session, user, node, changes, memberships (access), entries (restorable), memberships (navigation)
        with django_assert_num_queries(7):
            client.get(history_url(leads))
