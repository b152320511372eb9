"""Comment bodies are plain text: everything typed is escaped; only line breaks, http(s) links and mentions that
reached someone become markup."""

import re

import pytest
from django.urls import reverse

from goals.access import access_for
from goals.discussion import threads
from goals.models import Department
from goals.templatetags.discussion import render_body
from tests.goals.helpers import get_node, login

# What people might paste, by accident or not: none of it may become markup, an attribute or a link elsewhere.
XSS_CORPUS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 1">',
    "<svg/onload=window.__xss=1>",
    '"><iframe src=javascript:window.__xss=1>',
    "javascript:window.__xss=1",
    'http://example.com/"onmouseover="window.__xss=1',
    "https://example.com/<script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">click</a>',
    "data:text/html,<script>window.__xss=1</script>",
    "{{ 7|add:7 }} {% now 'Y' %}",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "<style>body{display:none}</style>",
    "@<img src=x onerror=window.__xss=1>",
    "\u202eevil\u202c <b>bold</b>",
]


def _tags(html):
    return set(re.findall(r"<\s*([a-zA-Z]+)", html))


@pytest.mark.parametrize("body", XSS_CORPUS)
def test_nothing_typed_becomes_markup(body):
    html = render_body(body)
    assert _tags(html) <= {"a", "br"}
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("http://", "https://")) and '"' not in href and "<" not in href
    for attributes in re.findall(r"<a ([^>]*)>", html):
        assert set(re.findall(r"([\w-]+)=\"", attributes)) <= {"href", "rel", "class"}
    assert "<script" not in html and "<img" not in html and "<svg" not in html and "<iframe" not in html
    assert "{{" not in html or "{{ 7|add:7 }}" in html  # shown as typed, never evaluated


def test_line_breaks_links_and_mentions_are_the_only_markup(tree, owner, member, marketing):
    comment = threads.post(
        get_node(tree, "leads"),
        owner,
        "@鈴木 see https://example.com/report?id=1&x=2.\n@マーケティング部 <b>now</b>",
        access_for(owner),
    ).comment
    html = render_body(comment.body, comment.mentions.all())
    assert html == (
        '<span class="mention mention--person">@鈴木</span> see '
        '<a href="https://example.com/report?id=1&amp;x=2" rel="nofollow noopener noreferrer" class="comment-link">'
        "https://example.com/report?id=1&amp;x=2</a>.<br>"
        '<span class="mention mention--department">@マーケティング部</span> &lt;b&gt;now&lt;/b&gt;'
    )


def test_names_are_escaped_too(client, tree, django_user_model, viewer):
    evil = django_user_model.objects.create_user("evil", last_name="<img src=x onerror=alert(1)>")
    Department.objects.create(name="<script>alert(2)</script>部")
    leads = get_node(tree, "leads")
    threads.post(leads, evil, "@evil hello @<script>alert(2)</script>部", access_for(evil))
    html = login(client, viewer).get(reverse("goals:node-detail", args=[leads.pk])).content.decode()
    assert "<img src=x onerror=alert(1)>" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert(2)</script>" not in html
    inbox = login(client, evil).get(reverse("goals:inbox")).content.decode()
    assert "<script>alert(2)</script>" not in inbox
