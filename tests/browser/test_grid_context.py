"""The grid's context in a real browser: sticky KPI names and week headers while scrolling, and the one-KPI entry
view on a phone (390 px), which works without JavaScript."""

from datetime import date

import pytest
import time_machine

from metrics.grid import cell_key
from metrics.models import Entry
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

LAST_WEEK = date(2026, 6, 29)


@pytest.fixture(autouse=True)
def wednesday_8_july():
    with time_machine.travel("2026-07-08 10:00 +09:00", tick=True):
        yield


def test_kpi_names_and_week_headers_stay_in_view_while_the_grid_scrolls(page, tree, admin):
    page.set_viewport_size({"width": 700, "height": 300})
    login(page, admin)
    page.goto("/numbers/?show=all")
    header = page.locator(".grid thead th").first
    name = page.locator(".grid .grid-node").first
    assert header.evaluate("e => getComputedStyle(e).position") == "sticky"
    assert name.evaluate("e => getComputedStyle(e).position") == "sticky"
    before = name.bounding_box()["x"]
    scrolled = page.locator(".grid-wrap").evaluate(
        "e => { e.scrollLeft = 400; e.scrollTop = 60; return [e.scrollLeft, e.scrollTop]; }"
    )
    assert scrolled[0] > 0 and scrolled[1] > 0  # it did scroll both ways
    page.wait_for_timeout(100)
    assert abs(name.bounding_box()["x"] - before) < 1  # the KPI names stay at the left
    wrap_top = page.locator(".grid-wrap").bounding_box()["y"]
    assert abs(header.bounding_box()["y"] - wrap_top) < 3  # the week headers stay at the top


def test_a_phone_enters_one_kpi_at_a_time(browser, live_server, tree, member):
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 390, "height": 844}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        login(page, member)
        page.goto("/numbers/")
        card = page.locator(".grid-phone-card")
        assert card.is_visible()  # shown on a phone only
        card.get_by_role("link").click()
        page.select_option("#kpi-node", label="リード数 (件)")
        page.get_by_role("button", name="表示").click()
        leads = tree.nodes.get(code="leads")
        field = page.locator(f"#v-{cell_key(leads.pk, LAST_WEEK)}")
        assert field.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        items = page.locator(".kpi-week")
        assert items.count() == 6
        assert "目標46" in items.first.inner_text()
        field.fill("1,234")
        page.get_by_role("button", name="保存").click()
        page.wait_for_selector(".message--success")
        assert Entry.objects.get(node=leads, week=LAST_WEEK).value == 1234
    finally:
        context.close()
