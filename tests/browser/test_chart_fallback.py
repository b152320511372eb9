"""Charts when Chart.js cannot load (an office network blocking the CDN): words and a way to the table."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from playwright.sync_api import expect

from metrics.models import Entry
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def wednesday_22_april():
    with time_machine.travel("2026-04-22 10:00 +09:00", tick=True):
        yield


@pytest.fixture
def numbers(tree):
    leads = tree.nodes.get(code="leads")
    for week, value in ((date(2026, 3, 30), 40), (date(2026, 4, 6), 45)):
        Entry.objects.create(node=leads, week=week, value=Decimal(value))
    return leads


@pytest.fixture
def blocked_chartjs(page):
    """The CDN is blocked; every console message is kept with the address it is about."""
    page.route(settings.CHARTJS_URL, lambda route: route.abort("blockedbyclient"))
    messages = []
    page.on("console", lambda msg: messages.append((msg.type, msg.text, msg.location.get("url", ""))))
    page.on("pageerror", lambda exc: messages.append(("pageerror", str(exc), "")))
    return messages


def _only_the_blocked_script_failed(messages):
    errors = [m for m in messages if m[0] in ("error", "pageerror")]
    unexpected = [m for m in errors if m[2] != settings.CHARTJS_URL]
    assert unexpected == [], unexpected


def test_the_dashboard_chart_says_it_cannot_be_shown_and_opens_the_table(
    page, live_server, viewer, tree, numbers, blocked_chartjs
):
    login(page, viewer)
    page.goto(f"/trees/{tree.pk}/dashboard/")
    note = page.locator("#kgi-chart-figure [data-chart-unavailable]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("グラフ用のスクリプト（Chart.js）を読み込めなかったため、グラフを表示できません。")
    expect(page.locator("#kgi-chart")).to_be_hidden()
    expect(page.locator("[data-chart-toggle=kgi-chart]")).to_be_hidden()  # no weekly/cumulative without a chart
    # The link opens the table of the same numbers.
    expect(page.locator("#kgi-table")).not_to_have_attribute("open", "")
    note.get_by_role("link", name="表で見る").click()
    expect(page.locator("#kgi-table")).to_have_attribute("open", "")
    expect(page.locator("#kgi-table table")).to_be_visible()
    _only_the_blocked_script_failed(blocked_chartjs)


def test_the_node_chart_says_so_too_in_english(page, live_server, viewer, tree, numbers, blocked_chartjs):
    login(page, viewer)
    page.click("button.lang-button[lang=en]")
    page.goto(f"/nodes/{numbers.pk}/")
    note = page.locator("#node-chart-figure [data-chart-unavailable]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("The chart cannot be shown because its script (Chart.js) did not load")
    note.get_by_role("link", name="See as a table").click()
    expect(page.locator("#node-progress-table")).to_have_attribute("open", "")
    _only_the_blocked_script_failed(blocked_chartjs)


def test_with_chartjs_the_message_stays_hidden(page, live_server, viewer, tree, numbers, chartjs_available):
    login(page, viewer)
    page.goto(f"/trees/{tree.pk}/dashboard/")
    page.wait_for_selector("#kgi-chart[data-drawn=true]", state="attached")
    expect(page.locator("#kgi-chart-figure [data-chart-unavailable]")).to_be_hidden()
    assert page.console_errors == []
