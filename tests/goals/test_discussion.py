"""Threads on KPIs: comments, questions to departments, replies, edits and deletes; who hears of them (notices);
the inbox and its counts; who may do what."""

from datetime import date

import pytest
from django.urls import reverse

from goals.access import access_for
from goals.discussion import threads
from goals.models import Comment, CommentRevision, Guest, Membership, Notice
from tests.goals.helpers import HTMX, get_node, login

pytestmark = pytest.mark.usefixtures("english")


def _post(node, author, body, **options):
    return threads.post(node, author, body, access_for(author), **options).comment


def _notices(user):
    return {
        (notice.kind, notice.comment.body if notice.comment else "")
        for notice in Notice.objects.filter(recipient=user)
    }


@pytest.fixture
def sales_lead(django_user_model, sales):
    user = django_user_model.objects.create_user("saleslead", last_name="高橋", email="takahashi@example.com")
    Membership.objects.create(user=user, department=sales, role=Membership.Role.LEAD)
    return user


# Posting and who hears of it


def test_a_question_to_a_department_reaches_its_members_and_is_counted_on_the_kpi(
    client, tree, owner, member, sales_member, marketing
):
    leads = get_node(tree, "leads")
    response = login(client, sales_member).post(
        reverse("goals:comment-add", args=[leads.pk]),
        {"body": "Does this count the trade-show list?", "to_department": marketing.pk, "week": "2026-06-29"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{Comment.objects.get().pk}")
    question = Comment.objects.get()
    assert question.is_open_question and question.week == date(2026, 6, 29) and question.to_department == marketing
    assert _notices(owner) == {("question", "Does this count the trade-show list?")}
    assert _notices(member) == {("question", "Does this count the trade-show list?")}
    assert not Notice.objects.filter(recipient=sales_member).exists()  # not of what one did oneself
    # Counted on the KPI in the tree, and on the dashboard.
    tree_page = login(client, owner).get(reverse("goals:tree-detail", args=[tree.pk])).content.decode()
    assert "1 open question" in tree_page
    dashboard = client.get(reverse("metrics:dashboard", args=[tree.pk])).content.decode()
    assert "1 open question" in dashboard and "リード数" in dashboard.split('id="discussion-title"')[1]


def test_a_week_outside_the_tree_and_an_unknown_department_are_refused(client, tree, member):
    leads = get_node(tree, "leads")
    client = login(client, member)
    for data in ({"week": "2030-01-07"}, {"week": "2026-06-30"}, {"to_department": "999999"}):
        response = client.post(reverse("goals:comment-add", args=[leads.pk]), {"body": "x", **data})
        assert response.status_code == 400
    assert not Comment.objects.exists()


def test_only_the_department_marks_its_question_answered(client, tree, owner, member, sales_member, marketing, viewer):
    leads = get_node(tree, "leads")
    question = _post(leads, sales_member, "Which source?", to_department=marketing)
    for outsider in (sales_member, viewer):
        assert login(client, outsider).post(reverse("goals:question-answer", args=[question.pk])).status_code == 403
    assert login(client, member).get(reverse("goals:question-answer", args=[question.pk])).status_code == 405
    response = client.post(reverse("goals:question-answer", args=[question.pk]))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answered_by == member and not question.is_open_question
    assert ("answered", "Which source?") in _notices(sales_member)
    # The department's own notices of it are done with.
    assert not Notice.objects.filter(recipient=owner, kind="question", read_at__isnull=True).exists()
    client.post(reverse("goals:question-reopen", args=[question.pk]))
    question.refresh_from_db()
    assert question.is_open_question
    # A comment that is not a question cannot be answered.
    comment = _post(leads, owner, "Just a note")
    assert client.post(reverse("goals:question-answer", args=[comment.pk])).status_code == 403


def test_replies_reach_the_thread_and_an_open_questions_department(
    client, tree, owner, member, sales_member, marketing, viewer
):
    leads = get_node(tree, "leads")
    question = _post(leads, sales_member, "Which source?", to_department=marketing)
    Notice.objects.all().delete()
    response = login(client, member).post(
        reverse("goals:comment-reply", args=[question.pk]), {"body": "The form only."}, **HTMX
    )
    assert response.status_code == 200 and "The form only." in response.content.decode()
    reply = Comment.objects.get(parent=question)
    assert reply.week is None and reply.to_department is None
    assert _notices(sales_member) == {("reply", "The form only.")}  # the asker
    assert _notices(owner) == {("reply", "The form only.")}  # the department asked, while the question is open
    # A reply to a reply joins the thread.
    nested = _post(leads, viewer, "Thanks", parent=reply)
    assert nested.parent == question
    assert ("reply", "Thanks") in _notices(member)


def test_a_comment_on_a_kpi_reaches_its_department(tree, owner, member, sales_member):
    _post(get_node(tree, "leads"), sales_member, "Leads look low")
    assert _notices(owner) == _notices(member) == {("kpi_comment", "Leads look low")}
    assert not Notice.objects.filter(recipient=sales_member).exists()


def test_a_department_mention_reaches_its_members(tree, owner, member, sales_member, sales_lead):
    _post(get_node(tree, "leads"), owner, "@営業部 please check the deals of June")
    assert _notices(sales_member) == {("department_mention", "@営業部 please check the deals of June")}
    assert _notices(sales_lead) == {("department_mention", "@営業部 please check the deals of June")}
    assert _notices(member) == {("kpi_comment", "@営業部 please check the deals of June")}  # marketing's KPI
    assert not Notice.objects.filter(recipient=owner).exists()


def test_a_mention_is_the_strongest_reason_and_is_heard_once(tree, owner, member):
    _post(get_node(tree, "leads"), owner, "@鈴木 @suzuki @マーケティング部 see this")
    assert list(Notice.objects.filter(recipient=member).values_list("kind", flat=True)) == ["mention"]


def test_unknown_and_ambiguous_names_are_said_and_reach_nobody(client, tree, member, django_user_model):
    django_user_model.objects.create_user("tanaka1", last_name="田中")
    django_user_model.objects.create_user("tanaka2", last_name="田中")
    response = login(client, member).post(
        reverse("goals:comment-add", args=[get_node(tree, "deals").pk]),
        {"body": "@山田さん and @田中さん"},
        follow=True,
    )
    html = response.content.decode()
    assert "Nobody is called “@山田”" in html
    assert "“@田中” could be several people" in html and "@tanaka1" in html and "@tanaka2" in html
    assert not Notice.objects.filter(kind="mention").exists()


# Editing and deleting


def test_only_the_author_edits_and_the_earlier_text_is_kept(client, tree, owner, member):
    leads = get_node(tree, "leads")
    comment = _post(leads, member, "Leads are 120")
    url = reverse("goals:comment-edit-save", args=[comment.pk])
    assert login(client, owner).post(url, {"body": "hijacked"}).status_code == 403
    assert client.get(reverse("goals:comment-edit", args=[comment.pk])).status_code == 403
    client = login(client, member)
    assert client.get(reverse("goals:comment-edit", args=[comment.pk])).status_code == 200
    assert client.post(url, {"body": "   "}).status_code == 400
    assert client.post(url, {"body": "Leads are 130 @田中"}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Leads are 130 @田中" and comment.edited_at is not None
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["Leads are 120"]
    assert ("mention", "Leads are 130 @田中") in _notices(owner)  # mentioned for the first time by the edit
    page = client.get(reverse("goals:node-detail", args=[leads.pk])).content.decode()
    assert "(edited)" in page and "1 earlier text" in page and "Leads are 120" in page


def test_a_deleted_comment_with_replies_leaves_a_marker(client, tree, owner, member, viewer):
    leads = get_node(tree, "leads")
    thread = _post(leads, member, "Secret plan @田中")
    _post(leads, owner, "Agreed", parent=thread)
    CommentRevision.objects.create(comment=thread, body="Earlier secret", written_at=thread.created_at)
    response = login(client, member).post(reverse("goals:comment-delete", args=[thread.pk]), **HTMX)
    html = response.content.decode()
    assert "This comment was deleted." in html and "Agreed" in html
    assert "Secret plan" not in html and "Earlier secret" not in html
    thread.refresh_from_db()
    assert thread.is_deleted and thread.body == "" and not thread.revisions.exists() and not thread.mentions.exists()
    assert not Notice.objects.filter(comment=thread).exists()
    # Once its last reply goes, the marker goes too.
    reply = Comment.objects.get(parent=thread)
    login(client, owner).post(reverse("goals:comment-delete", args=[reply.pk]))
    assert not Comment.objects.exists()


def test_a_deleted_comment_cannot_be_edited_or_answered(client, tree, member, sales_member, marketing):
    leads = get_node(tree, "leads")
    question = _post(leads, sales_member, "Q", to_department=marketing)
    _post(leads, member, "A", parent=question)
    threads.delete(question)
    assert (
        login(client, sales_member)
        .post(reverse("goals:comment-edit-save", args=[question.pk]), {"body": "back"})
        .status_code
        == 403
    )
    assert login(client, member).post(reverse("goals:question-answer", args=[question.pk])).status_code == 403


# The inbox


def test_the_unread_count_is_in_the_navigation_and_mark_read_clears_it(client, tree, owner, member, sales_member):
    leads = get_node(tree, "leads")
    _post(leads, sales_member, "One")
    _post(leads, sales_member, "Two")
    client = login(client, member)
    html = client.get(reverse("goals:tree-list")).content.decode()
    assert 'aria-label="2 items">2</span>' in html
    one = Notice.objects.filter(recipient=member).first()
    assert client.get(reverse("goals:inbox-read")).status_code == 405
    client.post(reverse("goals:inbox-read"), {"notice": one.pk})
    assert Notice.objects.filter(recipient=member, read_at__isnull=True).count() == 1
    assert 'aria-label="1 item">1</span>' in client.get(reverse("goals:tree-list")).content.decode()
    client.post(reverse("goals:inbox-read"))
    assert not Notice.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert 'class="count"' not in client.get(reverse("goals:tree-list")).content.decode()
    # Another person's notices are not theirs to mark.
    theirs = Notice.objects.filter(recipient=owner).first()
    client.post(reverse("goals:inbox-read"), {"notice": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_navigation_count_costs_no_query_of_its_own(client, tree, member, sales_member, django_assert_num_queries):
    """The departments, the guest flag and the unread count come in the navigation's one query."""
    _post(get_node(tree, "leads"), sales_member, "One")
    client = login(client, member)
    url = reverse("goals:notice-settings")
    client.get(url)
    with django_assert_num_queries(4):  # session, user, the preference, the navigation
        client.get(url)


def test_opening_the_node_marks_its_notices_read(client, tree, member, sales_member):
    leads = get_node(tree, "leads")
    _post(leads, sales_member, "About leads")
    _post(get_node(tree, "deals"), sales_member, "@鈴木 about deals")
    client = login(client, member)
    page = client.get(reverse("goals:node-detail", args=[leads.pk])).content.decode()
    assert reverse("goals:node-notices-read", args=[leads.pk]) in page  # the page asks, once loaded
    assert client.get(reverse("goals:node-notices-read", args=[leads.pk])).status_code == 405
    client.post(reverse("goals:node-notices-read", args=[leads.pk]), **HTMX)
    assert list(Notice.objects.filter(recipient=member, read_at__isnull=True).values_list("kind", flat=True)) == [
        "mention"
    ]


def test_inbox_filters_count_and_show_their_notices(client, tree, owner, member, sales_member, marketing):
    leads = get_node(tree, "leads")
    question = _post(leads, sales_member, "Question to marketing", to_department=marketing)
    _post(get_node(tree, "deals"), sales_member, "@鈴木 look")
    _post(leads, sales_member, "More detail", parent=_post(leads, member, "My own thread"))
    client = login(client, member)
    response = client.get(reverse("goals:inbox"))
    counts = response.context["unread_counts"]
    assert (counts["all"], counts["questions"], counts["mentions"], counts["replies"]) == (3, 1, 1, 1)
    assert [item.pk for item in response.context["questions"]] == [question.pk]

    def bodies(filter_name):
        context = client.get(reverse("goals:inbox"), {"filter": filter_name}).context
        return sorted(item.body for group in context["groups"] for item in group["items"])

    assert bodies("questions") == ["Question to marketing"]
    assert bodies("mentions") == ["@鈴木 look"]
    assert bodies("replies") == ["More detail"]
    assert client.get(reverse("goals:inbox"), {"filter": "due"}).context["groups"] == []
    client.post(reverse("goals:inbox-read"))
    assert bodies("") and client.get(reverse("goals:inbox"), {"unread": "1"}).context["groups"] == []


def test_the_departments_inbox_lists_its_open_questions(client, tree, owner, sales_member, marketing):
    _post(get_node(tree, "leads"), sales_member, "Open one", to_department=marketing)
    answered = _post(get_node(tree, "leads"), sales_member, "Answered one", to_department=marketing)
    threads.answer(answered, owner)
    html = login(client, owner).get(reverse("goals:inbox")).content.decode()
    section = html.split('id="inbox-questions"')[1].split("</section>")[0]
    assert "Open one" in section and "Answered one" not in section
    assert "(1)" in section


def test_email_preferences_are_saved(client, member):
    client = login(client, member)
    assert client.get(reverse("goals:notice-settings")).status_code == 200
    response = client.post(reverse("goals:notice-settings-save"), {"email": "daily", "reminders": ""})
    assert response.status_code == 302
    preference = member.notice_preference
    assert (preference.email, preference.reminders, preference.language) == ("daily", False, "en")
    assert client.post(reverse("goals:notice-settings-save"), {"email": "often"}).status_code == 400


# Guests


@pytest.fixture
def advisor(django_user_model, tree):
    user = django_user_model.objects.create_user("advisor", last_name="顧問", email="advisor@example.com")
    Guest.objects.create(user=user, organisation="外部").trees.add(tree)
    return user


def test_a_guest_comments_on_the_tree_they_are_invited_to_and_hears_of_replies(client, tree, advisor, owner, member):
    leads = get_node(tree, "leads")
    response = login(client, advisor).post(reverse("goals:comment-add", args=[leads.pk]), {"body": "Benchmarks?"})
    assert response.status_code == 302
    thread = Comment.objects.get()
    _post(leads, owner, "We use last year's", parent=thread)
    assert _notices(advisor) == {("reply", "We use last year's")}
    page = client.get(reverse("goals:node-detail", args=[leads.pk])).content.decode()
    assert "Guest" in page


def test_a_guest_of_another_tree_is_not_notified(tree, owner, member, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", last_name="部外")
    Guest.objects.create(user=stranger)
    _post(get_node(tree, "leads"), owner, "@stranger @部外 look")  # not known on this tree
    assert not Notice.objects.filter(recipient=stranger).exists()


def test_mention_candidates_for_the_autocomplete(client, tree, owner, member, sales_member, advisor):
    url = reverse("goals:mention-candidates")
    data = login(client, owner).get(url, {"tree": tree.pk, "q": "すず"}).json()
    assert data == {"candidates": []}
    data = client.get(url, {"tree": tree.pk, "q": "鈴"}).json()
    assert data["candidates"] == [{"insert": "鈴木", "label": "鈴木", "detail": "suzuki"}]
    names = [item["insert"] for item in client.get(url, {"tree": tree.pk}).json()["candidates"]]
    assert {"田中", "鈴木", "佐藤", "顧問", "マーケティング部", "営業部"} <= set(names)
    assert client.get(url, {"tree": 999999}).status_code == 404


# What open pages poll


def test_open_pages_learn_of_new_comments_by_others(client, tree, owner, member, sales_member):
    leads = get_node(tree, "leads")
    first = _post(leads, member, "Mine")
    client = login(client, member)
    url = reverse("goals:node-new-comments", args=[leads.pk])
    assert client.get(url, {"since": first.pk}).content.decode().strip() == ""  # only one's own since
    _post(leads, sales_member, "One")
    _post(get_node(tree, "deals"), owner, "Two, elsewhere in the tree")
    html = client.get(url, {"since": first.pk}).content.decode()
    assert "1 new comment" in html and f"/nodes/{leads.pk}/" in html
    tree_url = reverse("goals:tree-new-comments", args=[tree.pk])
    html = client.get(tree_url, {"since": first.pk, "next": f"/trees/{tree.pk}/dashboard/"}).content.decode()
    assert "2 new comments" in html and f'href="/trees/{tree.pk}/dashboard/"' in html
    # Somewhere else than this site is not followed.
    for elsewhere in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        html = client.get(tree_url, {"since": first.pk, "next": elsewhere}).content.decode()
        assert "evil" not in html
    assert client.get(url, {"since": "x"}).status_code == 200
    assert client.post(url).status_code == 405


def test_a_guest_no_longer_invited_reads_nothing_more_of_the_tree(client, tree, owner, advisor):
    leads = get_node(tree, "leads")
    thread = _post(leads, advisor, "From outside")
    _post(leads, owner, "Secret reply", parent=thread)
    advisor.guest.trees.clear()
    html = login(client, advisor).get(reverse("goals:inbox")).content.decode()
    assert "Secret reply" not in html and "リード数" not in html


def test_editing_in_place_with_htmx(client, tree, member):
    leads = get_node(tree, "leads")
    comment = _post(leads, member, "Typo hree")
    client = login(client, member)
    form = client.get(reverse("goals:comment-edit", args=[comment.pk]), **HTMX).content.decode()
    assert form.lstrip().startswith(f'<form method="post" id="edit-form-{comment.pk}"')
    assert f'id="edit-{comment.pk}-body"' in form  # its own ids beside the page's new-comment form
    response = client.post(reverse("goals:comment-edit-save", args=[comment.pk]), {"body": ""}, **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == f"#edit-form-{comment.pk}"
    response = client.post(reverse("goals:comment-edit-save", args=[comment.pk]), {"body": "Typo here"}, **HTMX)
    assert (
        response.content.decode().lstrip().startswith('<section id="comments"')
        and "Typo here" in response.content.decode()
    )


@pytest.mark.parametrize("htmx", [False, True])
def test_a_refused_reply_is_shown_again_under_its_thread_with_what_was_typed(client, tree, member, viewer, htmx):
    leads = get_node(tree, "leads")
    question = _post(leads, viewer, "Which source?")
    typed = "See\u0000 the MA report"
    response = login(client, member).post(
        reverse("goals:comment-reply", args=[question.pk]), {"body": typed}, **(HTMX if htmx else {})
    )
    assert response.status_code == (200 if htmx else 400)  # htmx swaps only 2xx answers
    page = response.content.decode()
    assert "U+0000" in page and 'aria-invalid="true"' in page
    assert f'id="reply-{question.pk}"' in page and "the MA report</textarea>" in page  # what was typed is kept
    assert Comment.objects.filter(parent=question).count() == 0
