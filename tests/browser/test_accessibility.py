"""Accessibility in a real browser: axe-core finds no serious or critical problem on the main pages.

axe-core comes from the local copy that `make test` installs next to Chart.js (.cache/npm); without it
these tests are skipped, or fail with REQUIRE_BROWSER=1, like the chart tests.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from goals.models import Initiative
from metrics.models import Entry
from tests.browser.conftest import _skip_or_fail, login

pytestmark = pytest.mark.browser

AXE_COPY = Path(settings.BASE_DIR) / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}

# Runs axe on the whole document; returns the violations that matter here, each with a few offending elements.
RUN_AXE = """async (impacts) => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.filter((v) => impacts.includes(v.impact)).map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""


@pytest.fixture
def axe_source():
    if not AXE_COPY.exists():
        _skip_or_fail(f"the local axe-core copy is missing at {AXE_COPY} (make test installs it)")
    return AXE_COPY.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def wednesday_22_april():
    # The live server runs in this process and sees this clock; it ticks so that timeouts still work.
    with time_machine.travel("2026-04-22 10:00 +09:00", tick=True):
        yield


@pytest.fixture
def nodes(tree):
    """Three weeks of numbers (one missing) and an initiative, so that charts, tables and warnings are drawn."""
    nodes = {node.code: node for node in tree.nodes.all()}
    weeks = [date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 13)]
    values = {"deals": [4, 4, 5], "avg_deal_size": [500000, 450000, None], "leads": [40, 45, 50]}
    for code, row in values.items():
        for week, value in zip(weeks, row, strict=True):
            if value is not None:
                Entry.objects.create(node=nodes[code], week=week, value=Decimal(value))
    initiative = Initiative.objects.create(tree=tree, title="ウェビナー", start_date=date(2026, 4, 8))
    initiative.nodes.add(nodes["leads"])
    return nodes


def violations_on(page, url, axe_source):
    page.goto(url, wait_until="networkidle")
    # page.evaluate runs outside the page's Content Security Policy, which refuses injected scripts.
    page.evaluate(axe_source + "\n;0")
    return [{"page": url, **violation} for violation in page.evaluate(RUN_AXE, sorted(BLOCKING))]


@pytest.mark.parametrize(
    ("language", "width"),
    [("ja", 1280), ("en", 390)],
    ids=["ja-laptop", "en-phone"],
)
def test_main_pages_have_no_serious_accessibility_problems(
    page, live_server, owner, tree, nodes, axe_source, chartjs_available, language, width
):
    # Read the database before the browser starts: the live server shares SQLite's in-memory database.
    urls = [
        f"/trees/{tree.pk}/dashboard/",
        f"/trees/{tree.pk}/",
        f"/nodes/{tree.nodes.get(parent=None).pk}/",
        f"/nodes/{nodes['leads'].pk}/",
        "/numbers/",
        f"/trees/{tree.pk}/initiatives/",
    ]
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    login(page, owner)
    found = [violation for url in urls for violation in violations_on(page, url, axe_source)]
    assert page.evaluate("document.documentElement.lang") == language
    assert found == []
    assert page.console_errors == []


def test_login_page_and_its_error_have_no_serious_accessibility_problems(page, live_server, owner, axe_source):
    assert violations_on(page, "/accounts/login/", axe_source) == []
    page.fill("#id_username", owner.username)
    page.fill("#id_password", "not-the-password")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-summary")
    page.evaluate(axe_source + "\n;0")
    assert page.evaluate(RUN_AXE, sorted(BLOCKING)) == []
