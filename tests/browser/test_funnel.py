"""A marketing lead builds a three-level funnel in the tree editor by typing Japanese names (no code typed), enters
counts for a few weeks and sees every KPI tied to revenue on the dashboard, ranked by yen of impact."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from goals.models import Node
from metrics.entries import set_entry
from tests.browser.conftest import htmx_settled, login

pytestmark = pytest.mark.browser


def _card(page, name):
    return page.locator(".node-card", has=page.locator(f".node-card__name a:text-is('{name}')"))


def _open(page, name, action=0):
    from playwright.sync_api import expect

    htmx_settled(page)
    _card(page, name).locator(".node-card__actions a").nth(action).click()
    expect(page.locator("#node-panel #id_name")).to_be_focused()


def _submit(page, name):
    htmx_settled(page)
    page.locator("#node-panel form button[type=submit]").click()
    page.locator("#tree-editor .message--success", has_text=name).wait_for()
    htmx_settled(page)


def _add(page, parent, name, unit, target, formula="", breakdown=""):
    """Add a child of `parent` with the side panel: name, unit, target, and a formula or breakdown typed in names;
    the code field is left empty."""
    _open(page, parent, 1)
    page.fill("#id_name", name)
    page.fill("#id_definition", f"{name}（営業管理システムの集計）")
    page.fill("#id_unit", unit)
    page.fill("#id_target", target)
    page.select_option("#id_department", label="マーケティング部")
    if formula:
        page.fill("#id_formula", formula)
        page.locator("#formula-check.formula-check--ok").wait_for()
    _submit(page, name)
    if breakdown:
        _open(page, name)
        page.fill("#id_breakdown", breakdown)
        _submit(page, name)


def test_build_a_funnel_by_names_and_see_impacts_in_yen(page, owner, kgi_only_tree):
    login(page, owner)
    page.goto(f"/trees/{kgi_only_tree.pk}/")

    # Three levels: revenue = deals x deal size; deals broken down into opportunities x win rate; the win rate
    # computed from the counts beside it (a formula over its parent and its sibling).
    _add(page, "売上", "受注件数", "件", "240")
    _add(page, "売上", "平均受注単価", "円", "500,000")
    _open(page, "売上")
    page.fill("#id_formula", "受注件数 × 平均受注単価")
    page.locator("#formula-check.formula-check--ok").wait_for()
    _submit(page, "売上")
    _add(page, "受注件数", "商談数", "件", "800")
    _add(page, "受注件数", "受注率", "%", "30", formula="受注件数 ÷ 商談数 × 100")
    _open(page, "受注件数")
    page.fill("#id_breakdown", "商談数 × 受注率 ÷ 100")
    _submit(page, "受注件数")

    nodes = {node.name: node for node in kgi_only_tree.nodes.all()}
    # Stored with codes made from the names; shown with names.
    assert nodes["売上"].formula == "deals * avg_deal_size"
    assert nodes["受注件数"].breakdown == "opportunities * win_rate / 100"
    assert nodes["受注率"].formula == "deals / opportunities * 100"
    assert nodes["受注率"].aggregation == Node.Aggregation.RECOMPUTE  # "自動" never sums a rate
    assert "商談数 × 受注率 ÷ 100" in _card(page, "受注件数").inner_text()

    # A few weeks of counts, behind target: 12 opportunities and 3 deals a week at 450,000 yen.
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    for back in range(1, 5):
        week = monday - timedelta(weeks=back)
        set_entry(nodes["商談数"], week, Decimal(12), user=owner, source="grid")
        set_entry(nodes["受注件数"], week, Decimal(3), user=owner, source="grid")
        set_entry(nodes["平均受注単価"], week, Decimal(450000), user=owner, source="grid")

    page.goto(f"/trees/{kgi_only_tree.pk}/dashboard/")
    ranking = page.locator("#levers-title + .hint + ol.levers--impact")
    ranking.wait_for()
    rows = ranking.locator("li")
    names = rows.locator("a").all_inner_texts()
    # Every KPI is tied to revenue: the counts, the rate and the deal size all have an impact in yen.
    assert set(names) == {"受注件数", "平均受注単価", "商談数", "受注率"}
    for index in range(rows.count()):
        text = rows.nth(index).inner_text()
        assert "売上の着地見込みは" in text and "円" in text, text
    # Ranked by yen: deals (its whole shortfall) first; its sentence names its target.
    assert names[0] == "受注件数"
    assert "受注件数を目標の240件にすると" in rows.first.inner_text()
    assert page.console_errors == []
