import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_it_logs_in_through_the_login_page_and_sees_japanese(page, owner):
    page.goto("/")
    assert "/accounts/login/" in page.url  # every page but the login page needs a login
    assert page.locator("html").get_attribute("lang") == "ja"
    login(page, owner)
    assert page.locator("h1").inner_text() == "ホーム"
    assert "田中" in page.locator(".account-name").inner_text()
    assert page.console_errors == []


def test_it_switches_to_english(page, owner):
    login(page, owner)
    page.click("button.lang-button[value=en]")
    # The switch posts and comes back to the same address: wait for the English page itself, not for a load
    # state that the Japanese page already has.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Home")
