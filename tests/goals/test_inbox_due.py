from datetime import date
from decimal import Decimal

import time_machine
from django.urls import reverse

from metrics.models import Entry


@time_machine.travel(date(2026, 7, 8))  # a Wednesday: the last complete week starts on Monday 29 June
def test_the_inbox_lists_my_departments_missing_numbers_first(client, member, tree):
    leads = tree.nodes.get(code="leads")
    client.force_login(member)
    html = client.get(reverse("goals:inbox")).content.decode()
    assert "inbox-due" in html
    assert leads.name in html
    assert "week=2026-06-29" in html  # links straight to the cell in the grid
    Entry.objects.create(node=leads, week=date(2026, 6, 29), value=Decimal("120"))
    html = client.get(reverse("goals:inbox")).content.decode()
    assert "inbox-due" not in html


@time_machine.travel(date(2026, 7, 8))
def test_people_without_a_department_owe_nothing(client, viewer, tree):
    client.force_login(viewer)
    html = client.get(reverse("goals:inbox")).content.decode()
    assert "inbox-due" not in html
    assert "empty-state" in html
