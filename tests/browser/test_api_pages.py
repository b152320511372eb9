"""The API's pages in a real browser: axe-core finds no serious problem on the tokens page (a secret just made),
the API documentation and a tree's webhooks, and the page's Content Security Policy refuses nothing."""

import pytest
from django.conf import settings

from metrics import webhooks
from metrics.models import Webhook
from tests.browser.conftest import login
from tests.browser.test_accessibility import axe_source, violations_on  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["ja", "en"])
def test_api_pages_have_no_serious_accessibility_problems(page, live_server, owner, tree, axe_source, language):  # noqa: F811
    Webhook.objects.create(tree=tree, url="https://hooks.example.com/goaltree", secret=webhooks.new_secret())
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    login(page, owner)
    found = violations_on(page, "/api-tokens/", axe_source)
    page.fill("#id_name", "MA sheet")
    page.check("input[name=departments]")
    page.click("main form button[type=submit]")
    assert page.locator(".api-token__secret").inner_text().startswith("gt_")
    page.evaluate(axe_source + "\n;0")
    found += page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter((v) => ["serious", "critical"].includes(v.impact)).map((v) => v.id)"""
    )
    found += violations_on(page, "/api/v1/docs", axe_source)
    found += violations_on(page, f"/trees/{tree.pk}/webhooks/", axe_source)
    assert found == []
    assert page.console_errors == []
