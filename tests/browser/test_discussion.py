"""The conversation in a browser: a sales member asks marketing a question on a marketing KPI, marketing sees the
badge, answers and marks it answered; @ completion; and no script that people typed ever runs."""

import pytest

from goals.access import access_for
from goals.discussion import threads
from goals.models import Comment, Department, Notice
from tests.browser.conftest import TIMEOUT_MS, _route_offline, htmx_settled, login
from tests.goals.test_comment_rendering import XSS_CORPUS

pytestmark = pytest.mark.browser


def _watch_for_scripts(page):
    """Record any dialog (alert, confirm) a page opens: a script that people typed would open one."""
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))


def test_a_sales_member_asks_marketing_and_marketing_answers(
    browser, live_server, page, tree, owner, member, sales_member
):
    from playwright.sync_api import expect

    leads = tree.nodes.get(code="leads")
    login(page, sales_member)
    page.goto(f"/nodes/{leads.pk}/")
    page.fill("#id_body", "展示会の名刺はリード数に含まれていますか？ @鈴")
    # @ completion: the list opens, Enter takes the highlighted name.
    expect(page.locator(".mention-list [role=option]").first).to_contain_text("鈴木")
    page.keyboard.press("Enter")
    expect(page.locator("#id_body")).to_have_value("展示会の名刺はリード数に含まれていますか？ @鈴木 ")
    page.select_option("#id_to_department", label="マーケティング部")
    htmx_settled(page)
    page.locator(".comment-form button[type=submit]").click()
    htmx_settled(page)
    expect(page.locator("#comments .thread--question")).to_contain_text("マーケティング部への質問")
    expect(page.locator("#comments .thread--question")).to_contain_text("未回答")
    question = Comment.objects.get()
    assert question.to_department.name == "マーケティング部" and question.author == sales_member

    # Marketing sees the badge, opens the question from the inbox, replies and marks it answered.
    other = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    other.set_default_timeout(TIMEOUT_MS)
    other.route(lambda url: not url.startswith(live_server.url), _route_offline)
    try:
        marketing_page = other.new_page()
        login(marketing_page, member)
        badge = marketing_page.locator(".site-nav a[href='/inbox/'] .count")
        expect(badge).to_have_text("1")
        marketing_page.click(".site-nav a[href='/inbox/']")
        questions = marketing_page.locator("section[aria-labelledby=inbox-questions]")
        expect(questions).to_contain_text("展示会の名刺")
        questions.locator("a").first.click()
        marketing_page.wait_for_url(f"**/nodes/{leads.pk}/**")
        htmx_settled(marketing_page)
        thread = marketing_page.locator(f"#comment-{question.pk}")
        thread.locator(".reply-box summary").click()
        thread.locator("textarea[name=body]").fill("はい、含まれています。来週から分けて数えます。")
        thread.locator(".reply-form button[type=submit]").click()
        htmx_settled(marketing_page)
        expect(marketing_page.locator(f"#comment-{question.pk} .reply-list")).to_contain_text("分けて数えます")
        marketing_page.locator(f"#comment-{question.pk} form[action$='/answer/'] button").click()
        htmx_settled(marketing_page)
        expect(marketing_page.locator(f"#comment-{question.pk}")).to_contain_text("回答済み")
        # Opening the page read the notice: the badge is gone on the next page.
        marketing_page.goto("/inbox/")
        expect(marketing_page.locator(".site-nav a[href='/inbox/'] .count")).to_have_count(0)
    finally:
        other.close()
    question.refresh_from_db()
    assert question.answered_by == member
    assert set(Notice.objects.filter(recipient=sales_member).values_list("kind", flat=True)) == {"reply", "answered"}
    assert page.console_errors == []


def test_no_script_typed_in_a_comment_or_a_name_ever_runs(page, tree, owner, member, django_user_model):
    from playwright.sync_api import expect

    leads = tree.nodes.get(code="leads")
    evil = django_user_model.objects.create_user(
        "evil", password="pw-evil", last_name='<img src=x onerror="window.__xss=1">', first_name="<b>x</b>"
    )
    Department.objects.create(name="<svg onload=window.__xss=1>部")
    access = access_for(evil)
    for body in XSS_CORPUS:
        threads.post(leads, evil, body, access)
    threads.post(leads, evil, '@田中 @<svg onload=window.__xss=1>部 see https://example.com/a"onmouseover="x', access)
    _watch_for_scripts(page)
    login(page, owner)
    for url in (f"/nodes/{leads.pk}/", "/inbox/", f"/trees/{tree.pk}/activity/", f"/trees/{tree.pk}/review/"):
        page.goto(url)
        htmx_settled(page)
        page.mouse.move(200, 400)
        page.locator("body").hover()
        assert page.evaluate("() => window.__xss") is None, url
        assert page.dialogs == [], url
        injected = page.locator(".comment__body script, .comment__body img, .comment__body svg, .comment__body iframe")
        expect(injected).to_have_count(0)
    page.goto(f"/nodes/{leads.pk}/")
    bodies = page.locator(".comment__body").all_inner_texts()
    assert any("<script>window.__xss = 1</script>" in text for text in bodies)  # shown as typed
    links = page.locator(".comment__body a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert links and all(href.startswith(("http://", "https://")) for href in links)
    assert page.locator(".comment__meta strong").first.inner_text().startswith("<img")
