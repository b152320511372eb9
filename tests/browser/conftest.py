"""Playwright fixtures: Debian's Chromium, offline, with Chart.js served from a local copy.

Browser tests are skipped with a printed reason when Chromium is missing, unless REQUIRE_BROWSER=1.
"""

import os
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from goals.models import Node, Tree

# Sync Playwright runs an event loop in the test thread; Django's ORM calls from the test are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
CHARTJS_COPY = Path(settings.BASE_DIR) / ".cache" / "npm" / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
TIMEOUT_MS = 10_000  # actions, waits and expect(): a loaded 2-core CI machine can be slow, but never this slow

# Classes htmx puts on elements while a request is on the way, while swapping, and until the swap has settled
# (the new content wired: its hx-* attributes work and the pages' htmx:afterSettle handlers have run).
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def _require_browser():
    return os.environ.get("REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}


def _skip_or_fail(reason):
    if _require_browser():
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _skip_or_fail("Playwright is not installed (make install)")
    expect.set_options(timeout=TIMEOUT_MS)  # its own default is 5 s, whatever the context's is
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _route_offline(route):
    """The test machine is offline: serve Chart.js from the local copy, abort anything else external."""
    url = route.request.url
    if url == settings.CHARTJS_URL:
        if not CHARTJS_COPY.exists():
            route.abort()
            return
        route.fulfill(
            path=str(CHARTJS_COPY), content_type="application/javascript", headers={"Access-Control-Allow-Origin": "*"}
        )
        return
    route.abort()


@pytest.fixture
def context(browser, live_server, transactional_db):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    # Everything that is not our live server goes through the offline router.
    context.route(lambda url: not url.startswith(live_server.url), _route_offline)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    page.close()


def htmx_settled(page):
    """Until htmx is idle: no request on the way or queued behind one, every swap settled.

    Wait for this before clicking something htmx has just swapped in (until it has settled, its hx-*
    attributes are not wired yet and a click does a plain page load), and before reading the database from the
    test: SQLite's in-memory test database is shared with the live server's thread, and a read while the server
    writes fails with "database table is locked".
    """
    page.wait_for_function(f"() => !document.querySelector({HTMX_BUSY!r})")


def login(page, user, password=None):
    """Sign in through the real login page. Test people have the password 'pw-<username>'."""
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password or f"pw-{user.username}")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def chartjs_available():
    if not CHARTJS_COPY.exists():
        _skip_or_fail(f"the local Chart.js copy is missing at {CHARTJS_COPY} (make test installs it)")
    return CHARTJS_COPY


@pytest.fixture
def kgi_only_tree(marketing, member):
    """A tree with only its KGI, complete, owned by marketing (which has a member, so it is staffed): what a team
    builds its tree from in the editor."""
    tree = Tree.objects.create(
        code="fy2026-new",
        name="FY2026 新ツリー",
        department=marketing,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )
    Node.objects.create(
        tree=tree,
        code="revenue",
        name="売上",
        unit="円",
        target=Decimal("120000000"),
        department=marketing,
        definition="受注金額（税抜）の合計",
    )
    return tree
