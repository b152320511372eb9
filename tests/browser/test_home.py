"""Home in a real browser: an owed number is one click from its cell in the grid, focused and ready to type."""

from datetime import date

import pytest
import time_machine
from playwright.sync_api import expect

from metrics.grid import cell_key
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def wednesday_8_july():
    with time_machine.travel("2026-07-08 10:00 +09:00", tick=True):
        yield


def test_an_owed_number_opens_its_cell_focused(page, member, tree):
    leads = tree.nodes.get(code="leads")
    login(page, member)
    page.goto("/")
    page.click("#home-owed ~ ul a")
    page.wait_for_url("**/numbers/**")
    expect(page.locator(f"#v-{cell_key(leads.pk, date(2026, 6, 29))}")).to_be_focused()
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_home_has_no_horizontal_scroll(page, member, tree, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, member)
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
