"""Home as each person's daily start: numbers owed, questions waiting, trees with the top KPIs, changes since the
last visit; who sees what; a fixed number of queries."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Comment, Guest, HomeVisit, Mention, Node, Tree
from goals.visits import VISIT_GAP
from metrics.entries import set_entry
from metrics.grid import cell_key
from metrics.models import Entry, EntryChange
from tests.metrics.dashboard_data import entries, today  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

HOME = "/"
JULY_8 = "2026-07-08 10:00 +09:00"  # a Wednesday: the last complete week is 6/29


def at(moment):
    return time_machine.travel(moment, tick=False)


def page(client, user=None):
    if user is not None:
        client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def section(html, anchor):
    """The <section> whose heading has the id `anchor`."""
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


def nodes_of(tree):
    return {node.code: node for node in tree.nodes.all()}


# --- numbers owed -------------------------------------------------------------------------------------------------


def test_owed_numbers_link_to_their_cells_in_the_grid(client, member, tree):
    nodes = nodes_of(tree)
    with at(JULY_8):
        owed = section(page(client, member), "home-owed")
    assert "リード数" in owed
    assert "受注件数" not in owed  # sales' number, not ours
    anchor = f"#cell-{cell_key(nodes['leads'].pk, date(2026, 6, 29))}"
    assert f"/numbers/?tree={tree.pk}&amp;week=2026-06-29{anchor}" in owed
    assert "All entered" not in owed


def test_owed_says_all_entered_once_every_number_is_in(client, member, tree):
    Entry.objects.create(node=nodes_of(tree)["leads"], week=date(2026, 6, 29), value=Decimal(10))
    with at(JULY_8):
        owed = section(page(client, member), "home-owed")
    assert "All entered" in owed and "status--on_track" in owed
    assert "リード数" not in owed


def test_someone_in_no_department_owes_nothing_and_is_told_why(client, viewer, tree):
    with at(JULY_8):
        html = page(client, viewer)
    assert 'id="home-owed"' not in html and "All entered" not in html
    assert "You are not in a department yet" in html


def test_owed_lists_at_most_a_dozen_and_links_to_all(client, member, tree, marketing):
    leads = nodes_of(tree)["leads"]
    for k in range(14):
        Node.objects.create(tree=tree, parent=leads, code=f"extra{k}", name=f"Extra {k}", department=marketing)
    with at(JULY_8):
        owed = section(page(client, member), "home-owed")
    assert owed.count("#cell-") == 12
    assert "See all 15 numbers due" in owed and reverse("metrics:due") in owed


# --- questions waiting ----------------------------------------------------------------------------------------------


def _question(tree, author, department, body="質問です"):
    return Comment.objects.create(node=nodes_of(tree)["leads"], author=author, body=body, to_department=department)


def _mention(tree, author, user, body="@鈴木 見てください"):
    comment = Comment.objects.create(node=nodes_of(tree)["deals"], author=author, body=body)
    Mention.objects.create(comment=comment, user=user, text="鈴木")
    return comment


def test_questions_to_my_departments_and_mentions_of_me(client, member, owner, sales_member, tree, marketing, sales):
    question = _question(tree, sales_member, marketing, "マーケへの質問")
    _question(tree, owner, sales, "営業への質問")
    mention = _mention(tree, sales_member, member, "@鈴木 数字を確認してください")
    _mention(tree, sales_member, owner, "@田中 別の人へ")
    waiting = section(page(client, member), "home-waiting")
    assert "マーケへの質問" in waiting and f"#comment-{question.pk}" in waiting
    assert "数字を確認してください" in waiting and f"#comment-{mention.pk}" in waiting
    assert "営業への質問" not in waiting  # to another department
    assert "別の人へ" not in waiting  # mentions someone else
    assert "(2)" in waiting


def test_answered_questions_and_replied_mentions_no_longer_wait(client, member, sales_member, tree, marketing):
    question = _question(tree, sales_member, marketing, "マーケへの質問")
    mention = _mention(tree, sales_member, member, "@鈴木 数字を確認してください")
    question.answered_at = timezone.now()
    question.save()
    Comment.objects.create(node=mention.node, author=member, body="確認しました", parent=mention)
    waiting = section(page(client, member), "home-waiting")
    assert "マーケへの質問" not in waiting and "数字を確認してください" not in waiting
    assert "No questions are waiting for you" in waiting


def test_a_guest_sees_only_what_concerns_the_trees_they_are_invited_to(client, django_user_model, tree, sales_member):
    other = Tree.objects.create(
        code="secret", name="Secret tree", period_start=date(2026, 4, 1), period_end=date(2027, 3, 31)
    )
    secret_kgi = Node.objects.create(tree=other, code="secret_kpi", name="秘密のKGI", unit="円", target=Decimal(100))
    guest = django_user_model.objects.create_user(username="advisor", last_name="山本")
    Guest.objects.create(user=guest).trees.add(tree)
    hidden = Comment.objects.create(node=secret_kgi, author=sales_member, body="@山本 秘密の相談")
    Mention.objects.create(comment=hidden, user=guest, text="山本")
    _mention(tree, sales_member, guest, "@山本 公開の相談")
    set_entry(secret_kgi, date(2026, 4, 6), Decimal(5), user=sales_member, source=EntryChange.Source.GRID)
    html = page(client, guest)
    assert "公開の相談" in html
    assert "秘密" not in html and "Secret tree" not in html
    assert 'id="home-owed"' not in html  # guests enter no numbers
    assert "FY2026 テスト" in html


# --- trees -----------------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("entries")
def test_each_tree_shows_its_kgi_and_the_top_kpis_of_the_dashboards_ranking(client, member, tree):
    html = page(client, member)
    mine = html.split("tree-cards")[1]
    assert "380万円" not in mine  # English page
    assert "¥3.8M" in mine and "54.9%" in mine and "status--off_track" in mine
    assert "Landing forecast" in mine and "87.2%" in mine
    # deals and avg_deal_size move revenue +1.0% each; leads (a driver) does not move it and is left out
    ranking = mine.split("What moves the KGI most")[1].split("</ol>")[0]
    nodes = nodes_of(tree)
    assert f"/nodes/{nodes['deals'].pk}/" in ranking and f"/nodes/{nodes['avg_deal_size'].pk}/" in ranking
    assert f"/nodes/{nodes['leads'].pk}/" not in ranking
    assert ranking.count("+1.0%") == 2


@pytest.mark.usefixtures("entries")
def test_my_departments_trees_come_first_and_other_trees_follow(client, sales_member, tree):
    Tree.objects.create(code="other", name="FY2026 Other", period_start=date(2026, 4, 1), period_end=date(2027, 3, 31))
    html = page(client, sales_member)
    mine, _sep, others = html.partition("tree-card--other")
    assert "FY2026 テスト" in mine and "FY2026 Other" in others


def test_an_empty_workspace_says_what_comes_next(client, owner):
    html = page(client, owner)
    assert "There are no trees yet" in html and reverse("goals:tree-create") in html
    assert "Nothing is due yet: there is no tree" in html
    assert "No questions are waiting for you" in html
    assert "Nothing has changed in the last 7 days" in html


# --- since the last visit -----------------------------------------------------------------------------------------


def _moment(text):
    return datetime.fromisoformat(text)


def test_changes_since_the_last_visit(client, member, sales_member, tree):
    nodes = nodes_of(tree)
    client.force_login(member)
    with at("2026-07-08 09:00 +09:00"):
        first = section(page(client), "home-changes")
    assert "Changes of the last 7 days" in first
    assert HomeVisit.objects.get(user=member).seen_at == _moment("2026-07-08 09:00 +09:00")
    with at("2026-07-08 09:30 +09:00"):
        set_entry(nodes["deals"], date(2026, 6, 29), Decimal(7), user=sales_member, source=EntryChange.Source.GRID)
        set_entry(nodes["leads"], date(2026, 6, 29), Decimal(70), user=member, source=EntryChange.Source.GRID)
        Comment.objects.create(node=nodes["deals"], author=sales_member, body="先週は展示会でした")
    with at("2026-07-08 10:00 +09:00"):
        changes = section(page(client), "home-changes")
    assert "Since your last visit" in changes and "2026/07/08 09:00" in changes
    assert "佐藤 entered 7" in changes and "for 受注件数" in changes
    assert "commented on 受注件数" in changes
    assert "リード数" not in changes  # my own entry
    assert reverse("metrics:activity", args=[tree.pk]) in changes
    # a reload within the gap is the same visit: the same changes, nothing written
    with at("2026-07-08 10:05 +09:00"):
        again = section(page(client), "home-changes")
    assert "commented on 受注件数" in again
    visit = HomeVisit.objects.get(user=member)
    assert visit.seen_at == _moment("2026-07-08 10:00 +09:00")
    assert visit.since == _moment("2026-07-08 09:00 +09:00")
    # the next visit starts from this one: nothing new since
    with at(_moment("2026-07-08 10:00 +09:00") + VISIT_GAP):
        later = section(page(client), "home-changes")
    assert "Nothing has changed since your last visit" in later


def test_changes_of_the_tree_and_its_targets_are_sentences(client, member, owner, tree):
    client.force_login(member)
    with at("2026-07-08 09:00 +09:00"):
        page(client)
    with at("2026-07-08 09:30 +09:00"):
        leads = nodes_of(tree)["leads"]
        leads.save_versioned(owner, {"target": Decimal(2600)})
    with at("2026-07-08 10:00 +09:00"):
        changes = section(page(client), "home-changes")
    assert "リード数" in changes and "2,600" in changes


def test_changes_are_limited_and_link_to_the_full_activity(client, member, sales_member, tree):
    deals = nodes_of(tree)["deals"]
    client.force_login(member)
    with at("2026-07-08 09:00 +09:00"):
        page(client)
    for k in range(15):
        with at(_moment("2026-07-08 09:01 +09:00") + timedelta(minutes=k)):
            Comment.objects.create(node=deals, author=sales_member, body=f"comment {k}")
    with at("2026-07-08 10:00 +09:00"):
        changes = section(page(client), "home-changes")
    assert changes.count("commented on 受注件数") == 10
    assert "Each tree's activity has all of them" in changes


# --- queries --------------------------------------------------------------------------------------------------------


def _busy_tree(k, marketing, sales_member, member):
    tree = Tree.objects.create(
        code=f"t{k}",
        name=f"Tree {k}",
        department=marketing,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )
    kgi = Node.objects.create(
        tree=tree, code="revenue", name="売上", unit="円", formula="leads * 2", target=Decimal(10)
    )
    leads = Node.objects.create(
        tree=tree, parent=kgi, code="leads", name="リード数", unit="件", target=Decimal(240), department=marketing
    )
    for week in (date(2026, 6, 1), date(2026, 6, 8), date(2026, 6, 15)):
        set_entry(leads, week, Decimal(5), user=sales_member, source=EntryChange.Source.GRID)
    question = Comment.objects.create(node=leads, author=sales_member, body="?", to_department=marketing)
    Mention.objects.create(
        comment=Comment.objects.create(node=leads, author=sales_member, body="@鈴木"), user=member, text="鈴木"
    )
    return question


def test_home_runs_a_fixed_number_of_queries_whatever_the_trees_and_entries(
    client, member, sales_member, marketing, django_assert_num_queries
):
    client.force_login(member)
    counts = []
    with at(JULY_8):
        for k in range(1, 6):
            _busy_tree(k, marketing, sales_member, member)
            client.get(HOME)  # warms the progress cache; later views are the same visit
            with CaptureQueriesContext(connection) as queries:
                assert client.get(HOME).status_code == 200
            counts.append(len(queries))
    assert len(set(counts)) == 1, counts
    with at(JULY_8), django_assert_num_queries(counts[0]):
        client.get(HOME)


def test_changes_come_from_my_departments_trees_when_i_have_any(client, member, sales_member, tree, sales):
    other = Tree.objects.create(
        code="sales-only",
        name="Sales only",
        department=sales,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )
    kpi = Node.objects.create(tree=other, code="calls", name="架電数", unit="件", department=sales)
    client.force_login(member)
    with at("2026-07-08 09:00 +09:00"):
        page(client)
    with at("2026-07-08 09:30 +09:00"):
        Comment.objects.create(node=kpi, author=sales_member, body="営業だけの話")
        Comment.objects.create(node=nodes_of(tree)["deals"], author=sales_member, body="共有の話")
    with at("2026-07-08 10:00 +09:00"):
        changes = section(page(client), "home-changes")
    assert "commented on 受注件数" in changes
    assert "架電数" not in changes
