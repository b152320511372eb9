"""Search from the header (goals.search, goals.views.search): what matches, who sees what, hostile input.

Runs on SQLite and PostgreSQL (CI runs the suite on both): substring matching on both, full-text search added on
PostgreSQL."""

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from goals import search
from goals.models import Comment, Guest, Initiative, Node, Tree

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def other(db, marketing):
    """A second tree with a KPI, a comment and an initiative that all say 秘密 (secret)."""
    tree = Tree.objects.create(
        code="secret-plan",
        name="秘密の計画",
        department=marketing,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )
    kpi = Node.objects.create(tree=tree, code="secret_kpi", name="秘密の受注件数", definition="秘密の定義")
    Comment.objects.create(node=kpi, body="秘密のコメント")
    Initiative.objects.create(tree=tree, title="秘密の施策", description="秘密", start_date=date(2026, 5, 1))
    return tree


@pytest.fixture
def shared(tree, owner):
    """On the shared tree: a comment and an initiative that say 秘密 too."""
    leads = tree.nodes.get(code="leads")
    Comment.objects.create(node=leads, author=owner, body="リード数の秘密を共有します")
    Initiative.objects.create(tree=tree, title="展示会の秘密", start_date=date(2026, 5, 1)).nodes.add(leads)
    return tree


@pytest.fixture
def advisor(django_user_model, tree):
    user = django_user_model.objects.create_user("advisor", last_name="顧問")
    Guest.objects.create(user=user).trees.add(tree)
    return user


def _search(client, user, q, **extra):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client.get(reverse("goals:search"), {"q": q}, **extra)


def _found(response):
    results = response.context["results"]
    return {
        "trees": {tree.code for tree in results.trees.items},
        "nodes": {node.code for node in results.nodes.items},
        "comments": {comment.body for comment in results.comments.items},
        "initiatives": {initiative.title for initiative in results.initiatives.items},
    }


# --- what matches ------------------------------------------------------------------------------------------


def test_kpis_are_found_by_name_code_and_definition(client, viewer, tree):
    assert _found(_search(client, viewer, "受注"))["nodes"] == {"deals", "avg_deal_size", "revenue"}  # 受注金額
    assert _found(_search(client, viewer, "avg_deal"))["nodes"] == {"avg_deal_size"}
    assert _found(_search(client, viewer, "フォーム送信"))["nodes"] == {"leads"}  # in the definition only
    # Case ignored; on PostgreSQL full text also reads avg_deal_size as the words avg, deal, size (deals ~ deal).
    stemmed = {"avg_deal_size"} if connection.vendor == "postgresql" else set()
    assert _found(_search(client, viewer, "DEALS"))["nodes"] == {"deals"} | stemmed


def test_every_word_must_match_somewhere(client, viewer, tree):
    # 受注件数, and 平均受注単価 whose definition is 受注金額÷受注件数; the full-width space splits words too
    assert _found(_search(client, viewer, "受注　件数"))["nodes"] == {"deals", "avg_deal_size"}
    assert _found(_search(client, viewer, "受注 リード"))["nodes"] == set()


def test_results_are_grouped_by_kind(client, viewer, shared, other):
    response = _search(client, viewer, "秘密")
    assert _found(response) == {
        "trees": {"secret-plan"},
        "nodes": {"secret_kpi"},
        "comments": {"秘密のコメント", "リード数の秘密を共有します"},
        "initiatives": {"秘密の施策", "展示会の秘密"},
    }
    page = response.content.decode()
    assert page.index('id="search-trees"') < page.index('id="search-nodes"') < page.index('id="search-comments"')
    assert page.index('id="search-comments"') < page.index('id="search-initiatives"')
    assert page.count("data-search-result") == 6
    assert reverse("metrics:initiative-list", args=[other.pk]) in page


def test_archived_kpis_and_deleted_comments_are_not_found(client, viewer, tree, owner):
    leads = tree.nodes.get(code="leads")
    Comment.objects.create(node=tree.nodes.get(code="deals"), author=owner, body="消した話", deleted_at=timezone.now())
    Comment.objects.create(node=leads, author=owner, body="アーカイブの話")
    Node.objects.filter(pk=leads.pk).update(archived_at=timezone.now())
    found = _found(_search(client, viewer, "リード"))
    assert found["nodes"] == set()
    assert _found(_search(client, viewer, "話"))["comments"] == set()


def test_each_kind_shows_at_most_the_limit_and_says_there_are_more(client, viewer, tree):
    for index in range(search.LIMIT + 2):
        Node.objects.create(tree=tree, parent=tree.nodes.get(code="leads"), code=f"many{index}", name=f"多数{index}")
    response = _search(client, viewer, "多数")
    assert len(response.context["results"].nodes.items) == search.LIMIT and response.context["results"].nodes.more
    assert f"Only the first {search.LIMIT} are shown" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
def test_postgresql_adds_full_text_search_with_stemming(client, viewer, tree):
    Node.objects.filter(tree=tree, code="leads").update(definition="Leads from the web forms")
    assert _found(_search(client, viewer, "lead form"))["nodes"] == {"leads"}  # stems: lead ~ leads, form ~ forms
    assert _found(_search(client, viewer, "リード"))["nodes"] == {"leads"}  # Japanese still by substring


# --- who sees what -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "member", "sales_member", "owner", "admin"])
def test_everyone_but_guests_finds_every_tree(request, client, who, shared, other):
    found = _found(_search(client, request.getfixturevalue(who), "秘密"))
    assert found["trees"] == {"secret-plan"} and found["nodes"] == {"secret_kpi"}
    assert len(found["comments"]) == 2 and len(found["initiatives"]) == 2


def test_a_guest_finds_only_what_belongs_to_the_trees_they_are_invited_to(client, advisor, shared, other):
    response = _search(client, advisor, "秘密")
    assert _found(response) == {
        "trees": set(),
        "nodes": set(),
        "comments": {"リード数の秘密を共有します"},
        "initiatives": {"展示会の秘密"},
    }
    page = response.content.decode()
    assert "秘密の計画" not in page and "秘密のコメント" not in page and "秘密の施策" not in page
    assert _found(_search(client, advisor, "secret"))["trees"] == set()
    assert _found(_search(client, advisor, "テスト"))["trees"] == {"fy2026-test"}


def test_a_guest_invited_nowhere_finds_nothing(client, django_user_model, shared, other):
    nobody = django_user_model.objects.create_user("nobody")
    Guest.objects.create(user=nobody)
    assert _search(client, nobody, "秘密").context["results"].count == 0


def test_signed_out_people_are_sent_to_the_login_page(client):
    response = client.get(reverse("goals:search"), {"q": "秘密"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_it_refuses_post(client, viewer):
    client.force_login(viewer)
    assert client.post(reverse("goals:search"), {"q": "x"}).status_code == 405


# --- the page ----------------------------------------------------------------------------------------------


def test_the_header_has_the_search_box_on_every_page_when_signed_in(client, viewer, tree):
    client.force_login(viewer)
    page = client.get(reverse("goals:tree-list")).content.decode()
    assert 'class="site-search"' in page and f'action="{reverse("goals:search")}"' in page
    client.logout()
    assert 'class="site-search"' not in client.get(reverse("login")).content.decode()


def test_an_empty_search_shows_the_box_only(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("goals:search"))
    assert response.status_code == 200 and response.context["results"] is None
    assert _search(client, viewer, "   ").context["results"] is None


def test_htmx_gets_the_results_region_alone(client, viewer, tree):
    response = _search(client, viewer, "受注", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="search-results"') and "<html" not in page


def test_no_script_is_needed_the_results_are_links(client, viewer, tree):
    page = _search(client, viewer, "受注").content.decode()
    assert f'href="{reverse("goals:node-detail", args=[tree.nodes.get(code="deals").pk])}" data-search-result' in page
    assert 'action="/search/"' in page and "js/search.js" in page


# --- hostile input -----------------------------------------------------------------------------------------


def test_a_query_longer_than_200_characters_is_refused_clearly(client, viewer, tree):
    response = _search(client, viewer, "受" * 201)
    assert response.status_code == 200 and response.context["results"] is None
    page = response.content.decode()
    assert "It is 201 characters long; at most 200 characters are allowed. Shorten it." in page
    assert "<title>Error: " in page
    assert _search(client, viewer, "受" * 200).context["results"] is not None
    assert _search(client, viewer, "x" * 100_000).status_code == 200


@pytest.mark.parametrize("q", ["\x00", "受注\x00", "\x1b[31m", "\u202e受注"])
def test_control_characters_are_refused_without_failing(client, viewer, tree, q):
    response = _search(client, viewer, q)
    assert response.status_code == 200 and response.context["results"] is None
    assert response.context["form"].errors


def test_text_that_is_not_utf_8_does_not_fail(client, viewer, tree):
    client.force_login(viewer)
    response = client.get(reverse("goals:search") + "?q=%ED%A0%80%FF")  # a lone surrogate, a stray byte
    assert response.status_code == 200


@pytest.mark.parametrize("q", ["%", "%%", "a_b", "\\", "'", '"', "' OR 1=1 --", "!(&|", "<script>", ":*", "(("])
def test_wildcards_and_query_syntax_are_plain_characters(client, viewer, tree, q):
    response = _search(client, viewer, q)
    assert response.status_code == 200
    results = response.context["results"]
    assert results.count == 0  # % and _ match only themselves: nothing in the tree holds them
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_a_literal_percent_and_underscore_are_found(client, viewer, tree):
    Node.objects.filter(tree=tree, code="leads").update(name="CVR_100%")
    assert _found(_search(client, viewer, "R_1"))["nodes"] == {"leads"}
    assert _found(_search(client, viewer, "0%"))["nodes"] == {"leads"}
    assert _found(_search(client, viewer, "avg_deal"))["nodes"] == {"avg_deal_size"}  # _ is not "any character"


def test_many_words_are_bounded(client, viewer, tree):
    assert len(search.terms(" ".join(["受注"] * 50))) == search.MAX_TERMS
    assert _search(client, viewer, " ".join(["受注"] * 60)).status_code == 200


def test_repeated_parameters_do_not_fail(client, viewer, tree):
    client.force_login(viewer)
    assert client.get(reverse("goals:search") + "?q=受注&q=リード").status_code == 200


def test_a_search_costs_the_same_queries_whatever_it_finds(
    client, viewer, tree, shared, other, django_assert_num_queries
):
    client.force_login(viewer)
    client.get(reverse("goals:search"), {"q": "x"})  # the session and the person, read once
    with django_assert_num_queries(8) as few:  # session, person, rights, navigation, 4 kinds
        client.get(reverse("goals:search"), {"q": "nothing-matches"})
    for index in range(30):
        Comment.objects.create(node=tree.nodes.get(code="deals"), body=f"秘密 {index}")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("goals:search"), {"q": "秘密"})
