import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_it_logs_in_through_the_login_page_and_sees_japanese(page, owner):
    page.goto("/")
    assert "/accounts/login/" in page.url  # every page but the login page needs a login
    assert page.locator("html").get_attribute("lang") == "ja"
    login(page, owner)
    assert page.locator("h1").inner_text() == "ダッシュボード"
    assert "田中" in page.locator(".account-name").inner_text()
    assert page.console_errors == []


def test_it_switches_to_english(page, owner):
    login(page, owner)
    page.click("button.lang-button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Dashboard"
