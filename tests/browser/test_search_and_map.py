"""In a browser: the header's search (keyboard through the results, results as you type) and the tree picture
(no serious accessibility problem on either page)."""

import pytest
from django.conf import settings

from goals.models import Comment
from tests.browser.conftest import htmx_settled, login
from tests.browser.test_accessibility import axe_source, violations_on  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def focused(page):
    return page.evaluate("document.activeElement.getAttribute('data-search-result') !== null"), page.evaluate(
        "document.activeElement.textContent.trim()"
    )


def test_search_from_the_header_and_move_through_the_results_with_the_keyboard(page, live_server, owner, tree):
    deals = tree.nodes.get(code="deals")
    Comment.objects.create(node=deals, author=owner, body="受注の見込みを共有します")
    login(page, owner)
    page.goto(f"/trees/{tree.pk}/")
    page.fill("#site-search-q", "受注")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(lambda url: "/search/?q=" in url)
    results = page.locator("[data-search-result]")
    names = results.all_text_contents()
    assert len(names) == 4 and sorted(names[:3]) == sorted(["平均受注単価", "受注件数", "売上"])  # KPIs, a comment

    page.focus("#search-q")
    page.keyboard.press("ArrowDown")
    assert focused(page) == (True, names[0])
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # stays on the last
    assert focused(page) == (True, names[3])
    for _ in range(4):
        page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-q"  # back in the box
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page) == (True, names[1])
    page.keyboard.press("Enter")  # opens the focused result
    page.wait_for_url(lambda url: "/nodes/" in url)
    assert names[1] in page.locator("h1").text_content()
    assert page.console_errors == []


def test_results_come_as_you_type_and_the_page_address_follows(page, live_server, viewer, tree):
    login(page, viewer)
    page.goto("/search/")
    page.locator("#search-q").press_sequentially("リード", delay=30)
    page.wait_for_selector("#search-results [data-search-result]")
    htmx_settled(page)
    assert page.locator("[data-search-result]").all_text_contents() == ["リード数"]
    assert "/search/?q=" in page.url
    page.locator("#search-q").fill("x" * 200)
    page.locator("#search-q").press("End")
    page.keyboard.type("y")
    assert len(page.input_value("#search-q")) == 200  # the box takes no more than the page accepts
    assert page.console_errors == []


@pytest.mark.parametrize(("language", "width"), [("ja", 1280), ("en", 390)], ids=["ja-laptop", "en-phone"])
def test_search_and_picture_pages_have_no_serious_accessibility_problems(
    page,
    live_server,
    owner,
    tree,
    axe_source,  # noqa: F811
    language,
    width,
):
    urls = ["/search/?q=%E5%8F%97%E6%B3%A8", f"/trees/{tree.pk}/map/", f"/trees/{tree.pk}/map/?direction=down"]
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    login(page, owner)
    found = [violation for url in urls for violation in violations_on(page, url, axe_source)]
    assert found == []
    assert page.console_errors == []
