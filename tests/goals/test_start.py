"""The first-run checklist: admins only, each step ticked off from the data, home pointing at it while the
workspace is not set up, and the "Next: …" banner on a step's page opened from the checklist."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.accounts import invitations
from goals.accounts.start import steps
from goals.models import Department
from metrics.models import Entry
from tests.goals.helpers import get_node

pytestmark = pytest.mark.usefixtures("english_pages")


def _done(request=None):
    return {step["key"]: step["done"] for step in steps(request)}


def test_only_admins_open_the_checklist(client, admin, owner, member, viewer):
    for person in (owner, member, viewer):
        client.force_login(person)
        assert client.get(reverse("goals:start")).status_code == 403
    client.force_login(admin)
    assert client.get(reverse("goals:start")).status_code == 200


def test_an_empty_workspace_starts_with_nothing_done_and_home_points_at_the_checklist(client, admin):
    assert _done() == {"departments": False, "tree": False, "targets": False, "invite": False, "numbers": False}
    client.force_login(admin)
    home = client.get(reverse("home")).content.decode()
    assert reverse("goals:start") in home and "not set up yet" in home
    page = client.get(reverse("goals:start")).content.decode()
    assert "5 steps left" in page
    assert reverse("goals:people") + "?from=start" in page
    assert reverse("goals:invite") + "?from=start" not in page  # no departments yet


def test_steps_tick_themselves_off(client, admin, tree, owner):
    done = _done()
    assert done["departments"] and done["tree"] and done["invite"]
    assert not done["targets"] and not done["numbers"]
    kgi = get_node(tree, "revenue")
    kgi.save_versioned(admin, {"target": Decimal("130000000")})
    Entry.objects.create(node=get_node(tree, "leads"), week=date(2026, 4, 6), value=Decimal("10"))
    assert all(_done().values())
    client.force_login(admin)
    page = client.get(reverse("goals:start")).content.decode()
    assert "Every step is done" in page
    assert "not set up yet" not in client.get(reverse("home")).content.decode()


def test_an_invitation_ticks_the_invite_step(admin):
    marketing = Department.objects.create(name="マーケティング部")
    assert not _done()["invite"]
    invitations.invite("a@example.com", marketing, "lead", admin, "en")
    assert _done()["invite"]


def test_a_steps_page_opened_from_the_checklist_says_what_comes_next(client, admin):
    Department.objects.create(name="マーケティング部")
    client.force_login(admin)
    page = client.get(reverse("goals:people") + "?from=start").content.decode()
    assert "Next:" in page and reverse("goals:tree-from-template") + "?from=start" in page
    assert "Next:" not in client.get(reverse("goals:people")).content.decode()
    page = client.get(reverse("goals:invite") + "?from=start").content.decode()
    assert reverse("metrics:grid") + "?from=start" in page


def test_members_never_see_the_banner(client, member):
    client.force_login(member)
    assert "Next:" not in client.get(reverse("goals:people") + "?from=start").content.decode()
