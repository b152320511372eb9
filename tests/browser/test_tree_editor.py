"""The tree editor in a browser: build a tree from only a KGI with htmx, move a node, watch the health panel."""

from decimal import Decimal

import pytest

from goals.models import Node
from tests.browser.conftest import htmx_settled, login
from tests.goals.helpers import recorded

pytestmark = pytest.mark.browser


def _card(page, code):
    return page.locator(".node-card", has=page.locator(f"code.node-card__code:text-is('{code}')"))


def _open(page, code, action=0):
    """Open a node's form in the side panel (0: Edit, 1: Add child) and wait until htmx has settled it."""
    # The card may have just been swapped in: until htmx has settled, its links are plain links, and tree.js
    # may still scroll the card that the last change was about into view under the pointer.
    htmx_settled(page)
    _card(page, code).locator(".node-card__actions a").nth(action).click()
    # tree.js focuses the form's first field once htmx has settled the panel (and wired its inputs).
    from playwright.sync_api import expect

    expect(page.locator("#node-panel #id_name")).to_be_focused()


def _submit(page):
    """Send the form open in the side panel, once htmx has wired it."""
    htmx_settled(page)
    page.locator("#node-panel form button[type=submit]").click()


def _add_child(page, parent_code, code, name, target="", unit="件"):
    _open(page, parent_code, 1)
    page.fill("#id_name", name)
    page.fill("#id_code", code)
    page.fill("#id_definition", f"{name}の定義")
    page.fill("#id_unit", unit)
    page.fill("#id_target", target)
    page.select_option("#id_department", label="マーケティング部")
    _submit(page)
    _card(page, code).wait_for()
    htmx_settled(page)


def _move(page, tree, code, parent_code):
    """Edit the node, choose Move to another parent in the panel, and send it under `parent_code`."""
    _open(page, code)
    page.locator("#node-panel .node-panel__more a").first.click()
    page.locator("#id_parent").wait_for()
    htmx_settled(page)
    page.select_option("#id_parent", value=str(tree.nodes.get(code=parent_code).pk))
    _submit(page)


def _problems_of(page, code):
    item = page.locator("#health-panel .health-list__node", has=page.locator(f"code:text-is('{code}')"))
    return [
        cls.split("--")[-1] for cls in item.locator(".health-problem").evaluate_all("els => els.map(e => e.className)")
    ]


def test_build_a_three_level_tree_move_a_node_and_fix_the_health(page, owner, kgi_only_tree):
    login(page, owner)
    page.goto(f"/trees/{kgi_only_tree.pk}/")
    page.evaluate("window.stillTheSamePage = true")  # every step below must happen without a page load
    assert page.locator("#health-panel .health-ok").count() == 1  # a complete KGI alone has no problems

    # Level 1 and 2: a KPI under the KGI without a target yet, and a driver under it.
    _add_child(page, "revenue", "deals", "受注件数")
    assert "no_target" in _problems_of(page, "deals")
    _add_child(page, "deals", "leads", "リード数", target="2,400")
    _add_child(page, "revenue", "avg_deal_size", "平均受注単価", target="500000", unit="円")
    # The driver is drawn as one: leads is a child of deals, which has no formula.
    assert "tree-item--driver" in page.locator(f"#node-{kgi_only_tree.nodes.get(code='leads').pk}").get_attribute(
        "class"
    )

    # Level 3: a grandchild under leads.
    _add_child(page, "leads", "sessions", "セッション数", target="80000", unit="sessions")
    sessions = kgi_only_tree.nodes.get(code="sessions")
    assert sessions.parent.code == "leads" and sessions.parent.parent.code == "deals"

    # Move leads (with sessions) under avg_deal_size: Edit, then Move in the panel.
    # (Nodes are read before the move is sent: the test reads the database only while the server does not write.)
    leads, avg_deal_size = kgi_only_tree.nodes.get(code="leads"), kgi_only_tree.nodes.get(code="avg_deal_size")
    _move(page, kgi_only_tree, "leads", "avg_deal_size")
    page.locator(f"#node-{avg_deal_size.pk} > .tree-children > #node-{leads.pk}").wait_for()
    htmx_settled(page)
    leads.refresh_from_db()
    assert leads.parent.code == "avg_deal_size"
    assert recorded(node=leads, action="move")
    # Moving a node that its parent's formula uses is refused with the reason. Give revenue a formula first.
    revenue = kgi_only_tree.nodes.get(code="revenue")
    _open(page, "revenue")
    page.fill("#id_formula", "deals * avg_deal_siz")
    page.locator("#formula-check.formula-check--error").wait_for()  # checked as typed
    assert "avg_deal_siz" in page.locator("#formula-check").inner_text()
    page.fill("#id_formula", "受注件数 × 平均受注単価")  # names are typed; codes are stored
    page.locator("#formula-check.formula-check--ok").wait_for()
    _submit(page)
    page.locator("#tree-editor .message--success", has_text="売上").wait_for()
    revenue.refresh_from_db()
    assert revenue.formula == "deals * avg_deal_size" and revenue.aggregation == "sum"
    deals = kgi_only_tree.nodes.get(code="deals")
    _move(page, kgi_only_tree, "deals", "avg_deal_size")
    page.locator("#node-panel .error-summary").wait_for()
    assert "受注件数 × 平均受注単価" in page.locator("#node-panel .error-summary").inner_text()
    deals.refresh_from_db()
    assert deals.parent == revenue

    # Fix the health problem: give deals its target; the panel updates in place.
    assert "no_target" in _problems_of(page, "deals")
    _open(page, "deals")
    page.fill("#id_target", "240")
    _submit(page)
    page.locator("#tree-editor .message--success", has_text="受注件数").wait_for()
    assert "no_target" not in _problems_of(page, "deals")
    assert kgi_only_tree.nodes.get(code="deals").target == Decimal("240")

    assert page.evaluate("window.stillTheSamePage") is True
    assert page.console_errors == []


def test_reorder_with_the_keyboard_keeps_focus(page, owner, kgi_only_tree):
    kgi = kgi_only_tree.nodes.get()
    first = Node.objects.create(tree=kgi_only_tree, parent=kgi, code="first", name="一番目", position=0)
    second = Node.objects.create(tree=kgi_only_tree, parent=kgi, code="second", name="二番目", position=1)
    login(page, owner)
    page.goto(f"/trees/{kgi_only_tree.pk}/")
    page.focus(f"#reorder-up-{second.pk}")
    page.keyboard.press("Enter")
    # The editor is redrawn with second first; focus stays on its buttons (up is now disabled, so down).
    page.locator(f"#node-{kgi.pk} > .tree-children > li:first-child#node-{second.pk}").wait_for()
    from playwright.sync_api import expect

    expect(page.locator(f"#reorder-down-{second.pk}")).to_be_focused()
    assert list(kgi.children.order_by("position").values_list("code", flat=True)) == ["second", "first"]
    assert first.pk != second.pk
    assert page.console_errors == []


def test_the_editor_works_without_javascript(browser, live_server, owner, kgi_only_tree):
    context = browser.new_context(java_script_enabled=False, locale="ja-JP", base_url=live_server.url)
    page = context.new_page()
    try:
        login(page, owner)
        page.goto(f"/trees/{kgi_only_tree.pk}/")
        _card(page, "revenue").locator(".node-card__actions a").nth(1).click()  # a plain link to the form page
        page.wait_for_url(lambda url: url.endswith("/add/"))
        page.fill("#id_name", "受注件数")
        page.fill("#id_code", "deals")
        page.fill("#id_target", "240")
        page.locator("form.node-form button[type=submit]").click()
        page.wait_for_url(lambda url: f"/trees/{kgi_only_tree.pk}/" in url)
        assert _card(page, "deals").count() == 1
        assert kgi_only_tree.nodes.get(code="deals").target == Decimal("240")
    finally:
        context.close()
