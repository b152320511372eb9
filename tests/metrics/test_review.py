"""The weekly review (定例): off-track and at-risk KPIs with trend and impact, numbers missing, questions and new
comments, initiatives started or ended, and action items carried to the next week until done."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse

from goals import history
from goals.access import access_for
from goals.discussion import threads
from goals.models import ActionItem, ChangeAction, Guest, Initiative
from metrics.entries import set_entry
from metrics.review import impact_of
from tests.goals.helpers import get_node, login

pytestmark = pytest.mark.usefixtures("english")


WEEK = date(2026, 6, 29)
NEXT = WEEK + timedelta(days=7)


def _url(tree, week, **params):
    url = reverse("metrics:review-week", args=[tree.pk, week.isoformat()])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


@pytest.fixture
def numbers(tree, member, sales_member):
    """Twelve weeks of numbers up to WEEK: leads on track, deals well behind, avg_deal_size missing at WEEK."""
    leads, deals, size = get_node(tree, "leads"), get_node(tree, "deals"), get_node(tree, "avg_deal_size")
    weeks = [week for week in tree.weeks if week <= WEEK]
    for k, week in enumerate(weeks):
        set_entry(leads, week, Decimal("48"), user=member, source="grid")
        set_entry(deals, week, Decimal("2") + (1 if k == len(weeks) - 1 else 0), user=sales_member, source="grid")
        if week != WEEK:
            set_entry(size, week, Decimal("500000"), user=sales_member, source="grid")
    return tree


@time_machine.travel("2026-07-06 10:00 +09:00", tick=False)
def test_the_review_lists_what_the_meeting_goes_through(client, numbers, owner, member, sales_member, marketing):
    tree = numbers
    leads, deals = get_node(tree, "leads"), get_node(tree, "deals")
    question = threads.post(
        leads, sales_member, "Source of the June leads?", access_for(sales_member), to_department=marketing
    ).comment
    threads.post(deals, owner, "Deals picked up", access_for(owner))
    with history.recorded_as(owner, ChangeAction.CREATE):
        Initiative(tree=tree, title="展示会", start_date=date(2026, 7, 1)).save_with_kpis([deals])
        Initiative(tree=tree, title="Web広告", start_date=date(2026, 5, 1), end_date=date(2026, 7, 3)).save_with_kpis(
            [leads]
        )
        Initiative(tree=tree, title="Later", start_date=date(2026, 8, 3)).save_with_kpis([leads])
    response = login(client, member).get(_url(tree, WEEK))
    assert response.status_code == 200
    review = response.context["review"]
    assert review.week == WEEK
    concerns = {item.node.code: item for item in review.concerns}
    assert "deals" in concerns and "leads" not in concerns and "revenue" not in concerns
    deal = concerns["deals"]
    assert deal.result.status == "off_track"
    assert [value for _week, value in deal.trend][-2:] == [Decimal("2"), Decimal("3")]
    assert deal.change == Decimal("50")  # 3 against 2 the week before
    assert deal.impact == impact_of(deal.result)[0]
    assert [node.code for node, _result in review.missing] == ["avg_deal_size"]
    assert review.open_questions == [question]
    assert [comment.body for comment in review.new_comments] == ["Deals picked up"]
    assert [item.title for item in review.started] == ["展示会"]
    assert [item.title for item in review.ended] == ["Web広告"]
    html = response.content.decode()
    assert "Weekly review: w/c 29 Jun" in html and "css/review.css" in html
    assert "Sensitivity" in html or "Improvement impact" in html
    assert f"http://testserver{_url(tree, WEEK)}" in html  # the address to share
    assert _url(tree, WEEK, view="projector") in html


def test_the_impact_is_the_engines_when_it_gives_one():
    class WithImpact:
        impact = Decimal("1200")
        sensitivity = Decimal("0.5")

    class Without:
        sensitivity = Decimal("0.5")

    assert impact_of(WithImpact()) == (Decimal("1200"), True)
    assert impact_of(Without()) == (Decimal("0.5"), False)


@time_machine.travel("2026-07-06 10:00 +09:00", tick=False)
def test_action_items_are_carried_to_the_next_week_until_done(client, tree, owner, member):
    client = login(client, member)
    add = reverse("metrics:action-item-add", args=[tree.pk, WEEK.isoformat()])
    response = client.post(
        add, {"text": "  Ask  sales   for the June list ", "owner": owner.pk, "due_date": "2026-07-10"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#action-items")
    client.post(add, {"text": "Fix the LP", "owner": "", "due_date": ""})
    ask, fix = ActionItem.objects.order_by("id")
    assert (ask.text, ask.owner, ask.week, ask.created_by) == ("Ask sales for the June list", owner, WEEK, member)

    def shown(week):
        return [(item.text, item.is_done) for item in client.get(_url(tree, week)).context["review"].action_items]

    assert shown(WEEK) == [("Ask sales for the June list", False), ("Fix the LP", False)]
    assert shown(WEEK - timedelta(days=7)) == []  # not before it was recorded
    # Done at the next week's review: still shown there (done), gone the week after; the other is carried on.
    html = client.get(_url(tree, NEXT)).content.decode()
    assert html.count("Carried over") == 2
    client.post(reverse("metrics:action-item-toggle", args=[fix.pk]), {"week": NEXT.isoformat()})
    fix.refresh_from_db()
    assert fix.done_week == NEXT and fix.is_done
    assert shown(NEXT) == [("Ask sales for the June list", False), ("Fix the LP", True)]
    assert shown(NEXT + timedelta(days=7)) == [("Ask sales for the June list", False)]
    assert shown(WEEK) == [("Ask sales for the June list", False), ("Fix the LP", True)]
    # Open again: carried on again.
    client.post(reverse("metrics:action-item-toggle", args=[fix.pk]), {"week": NEXT.isoformat()})
    assert ("Fix the LP", False) in shown(NEXT + timedelta(days=14))


def test_action_items_refuse_bad_input(client, tree, member, viewer):
    client = login(client, member)
    add = reverse("metrics:action-item-add", args=[tree.pk, WEEK.isoformat()])
    for data in (
        {"text": "   "},
        {"text": "x" * 501},
        {"text": "ok", "due_date": "someday"},
        {"text": "ok", "owner": viewer.pk},
    ):
        response = client.post(add, data)
        assert response.status_code == 400
    assert not ActionItem.objects.exists()
    assert client.get(add).status_code == 405


def test_only_the_recorder_leads_and_admins_delete_an_item(client, tree, owner, member, sales_member):
    item = ActionItem.objects.create(tree=tree, week=WEEK, text="x", created_by=member)
    url = reverse("metrics:action-item-delete", args=[item.pk])
    assert login(client, sales_member).post(url, {"week": WEEK.isoformat()}).status_code == 403
    assert login(client, owner).post(url, {"week": WEEK.isoformat()}).status_code == 302  # a lead of the tree
    assert not ActionItem.objects.exists()


def test_the_review_address_names_a_week_of_the_tree(client, tree, member):
    client = login(client, member)
    assert client.get(reverse("metrics:review-week", args=[tree.pk, "someday"])).status_code == 404
    assert client.get(reverse("metrics:review-week", args=[tree.pk, "2031-01-05"])).status_code == 404
    # Any day of the week shows that week's review.
    response = client.get(reverse("metrics:review-week", args=[tree.pk, "2026-07-01"]))
    assert response.status_code == 200 and response.context["review"].week == WEEK
    with time_machine.travel("2026-07-08 10:00 +09:00", tick=False):
        response = client.get(reverse("metrics:review", args=[tree.pk]))
    assert response["Location"] == _url(tree, WEEK)


def test_the_projector_view_and_print_stylesheet(client, tree, member):
    html = login(client, member).get(_url(tree, WEEK, view="projector")).content.decode()
    assert "review--projector" in html and "Normal view" in html
    with open(finders.find("css/review.css"), encoding="utf-8") as file:
        css = file.read()
    assert "size: A4 landscape" in css and "@media print" in css


def test_guests_review_their_trees_only(client, tree, django_user_model):
    advisor = django_user_model.objects.create_user("advisor")
    guest = Guest.objects.create(user=advisor)
    client = login(client, advisor)
    assert client.get(_url(tree, WEEK)).status_code == 404
    guest.trees.add(tree)
    assert client.get(_url(tree, WEEK)).status_code == 200
