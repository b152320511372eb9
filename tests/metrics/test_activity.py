"""Activity in sentences: changes of numbers and structure, comments, answers and agreements, newest first,
filterable by department; comments pinned to a week in the node's chart data."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from goals.access import access_for
from goals.discussion import agreements, threads
from goals.models import Node
from metrics.activity import entry_sentence
from metrics.entries import set_entry
from metrics.models import EntryChange
from tests.goals.helpers import get_node, login


@pytest.fixture
def mqls(tree, marketing):
    return Node.objects.create(
        tree=tree, parent=get_node(tree, "leads"), code="mqls", name="MQL数", unit="件", department=marketing
    )


def test_a_change_of_a_number_reads_as_a_sentence(mqls, member):
    week = date(2026, 11, 23)
    set_entry(mqls, week, Decimal("38"), user=member, source="grid")
    set_entry(mqls, week, Decimal("44"), user=member, source="grid")
    set_entry(mqls, week, None, user=member, source="grid")
    deleted, changed, entered = EntryChange.objects.order_by("-id")
    with translation.override("ja"):
        assert entry_sentence(changed, mqls) == "鈴木さんがMQL数の11/23週を44件に変更（38件から）"
        assert entry_sentence(entered, mqls) == "鈴木さんがMQL数の11/23週に38件を入力"
        assert entry_sentence(deleted, mqls) == "鈴木さんがMQL数の11/23週の値（44件）を削除"
    with translation.override("en"):
        assert entry_sentence(changed, mqls) == "鈴木 changed MQL数 for w/c 23 Nov to 44 件 (from 38 件)"


def test_structure_changes_read_as_sentences(client, tree, owner, viewer):
    deals = get_node(tree, "deals")
    deals.save_versioned(owner, {"target": Decimal("260")})
    html = login(client, viewer).get(reverse("goals:node-detail", args=[deals.pk])).content.decode()
    assert "田中 changed target of 受注件数: 240 → 260" in html
    with translation.override("ja"):
        client.cookies["django_language"] = "ja"
        html = client.get(reverse("goals:node-detail", args=[deals.pk])).content.decode()
    assert "田中さんが受注件数の目標（必達）を260に変更（240から）" in html


def test_the_tree_feed_merges_everything_newest_first_and_filters_by_department(
    client, tree, owner, member, sales_member, marketing, sales
):
    leads, deals = get_node(tree, "leads"), get_node(tree, "deals")
    set_entry(leads, date(2026, 6, 29), Decimal("120"), user=member, source="grid")
    set_entry(deals, date(2026, 6, 29), Decimal("3"), user=sales_member, source="grid")
    question = threads.post(leads, sales_member, "Source?", access_for(sales_member), to_department=marketing).comment
    threads.answer(question, member)
    agreements.agree(leads, marketing, owner)
    client = login(client, owner)
    url = reverse("metrics:activity", args=[tree.pk])
    items = client.get(url).context["items"]
    kinds = [item.kind for item in items]
    assert kinds[:5] == ["agreement", "answer", "question", "numbers", "numbers"]
    texts = " ".join(sentence for item in items for sentence in item.sentences)
    assert "鈴木 entered 120 件 for リード数, w/c 29 Jun" in texts
    assert "佐藤 asked マーケティング部 about リード数" in texts
    assert "田中 agreed on the definition of リード数 for マーケティング部" in texts
    marketing_only = client.get(url, {"department": marketing.pk}).context["items"]
    assert all("受注件数" not in " ".join(item.sentences) for item in marketing_only)
    assert any("リード数" in " ".join(item.sentences) for item in marketing_only)
    sales_only = " ".join(
        s for item in client.get(url, {"department": sales.pk}).context["items"] for s in item.sentences
    )
    assert "受注件数" in sales_only and "entered 120" not in sales_only
    # Older items, and nonsense in the address.
    assert client.get(url, {"before": "2000-01-01T00:00:00"}).context["items"] == []
    assert client.get(url, {"before": "not a time"}).status_code == 200


def test_an_import_is_one_item(client, tree, owner, member):
    leads = get_node(tree, "leads")
    for week in tree.weeks[:10]:
        set_entry(leads, week, Decimal("1"), user=member, source="import")
    items = login(client, owner).get(reverse("metrics:activity", args=[tree.pk])).context["items"]
    numbers = [item for item in items if item.kind == "numbers"]
    assert len(numbers) == 1 and numbers[0].sentences == ["鈴木 imported 10 numbers of リード数 from a file"]


def test_the_chart_marks_comments_pinned_to_a_week(client, tree, owner, member):
    leads = get_node(tree, "leads")
    week = date(2026, 6, 29)
    threads.post(leads, owner, "Campaign week", access_for(owner), week=week)
    threads.post(leads, member, "Indeed", access_for(member), week=week)
    threads.post(leads, member, "Not about a week", access_for(member))
    data = login(client, member).get(reverse("metrics:node-chart-data", args=[leads.pk])).json()
    assert data["comments"] == [{"week": "2026-06-29", "count": 2}]
    assert data["text"]["comments"]
