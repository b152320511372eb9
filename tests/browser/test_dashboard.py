"""Dashboards in a real browser: the Chart.js charts really draw, nothing breaks the CSP, numbers refresh."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from goals.models import Initiative
from metrics.grid import cell_key
from metrics.models import Entry
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

W1, W2, W3 = date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 13)

# Non-white pixels of the chart's canvas, or null when Chart.js has no chart on it.
INKED_PIXELS = """(id) => {
  const canvas = document.getElementById(id);
  if (!canvas || !window.Chart || !Chart.getChart(canvas)) { return null; }
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) { inked++; }
  }
  return inked;
}"""


@pytest.fixture(autouse=True)
def wednesday_22_april():
    # The live server runs in this process and sees this clock; it ticks so that timeouts still work.
    with time_machine.travel("2026-04-22 10:00 +09:00", tick=True):
        yield


@pytest.fixture
def nodes(tree):
    """deals 4, 4, 5; avg_deal_size 500,000, 450,000 and none for 4/13; leads 40, 45, 50 (see dashboard_data)."""
    nodes = {node.code: node for node in tree.nodes.all()}
    values = {
        "deals": {W1: 4, W2: 4, W3: 5},
        "avg_deal_size": {W1: 500000, W2: 450000},
        "leads": {W1: 40, W2: 45, W3: 50},
    }
    for code, weeks in values.items():
        for week, value in weeks.items():
            Entry.objects.create(
                node=nodes[code], week=week, value=Decimal(value), note="展示会" if value == 45 else ""
            )
    return nodes


def drawn(page, canvas_id):
    page.wait_for_selector(f"#{canvas_id}[data-drawn=true]", state="attached")
    inked = page.evaluate(INKED_PIXELS, canvas_id)
    assert inked is not None, "Chart.js drew no chart on the canvas"
    assert inked > 2000, f"the canvas is nearly blank ({inked} inked pixels)"
    return inked


def test_dashboard_and_node_charts_draw_without_csp_errors(page, live_server, viewer, tree, nodes, chartjs_available):
    initiative = Initiative.objects.create(tree=tree, title="ウェビナー", start_date=date(2026, 4, 8))
    initiative.nodes.add(nodes["leads"])
    login(page, viewer)
    page.goto(f"/trees/{tree.pk}/dashboard/")
    expect(page.locator(".headline-card")).to_have_class("headline-card is-off_track")
    drawn(page, "kgi-chart")
    assert page.evaluate("Chart.getChart(document.getElementById('kgi-chart')).config.type") == "line"
    # The toggle redraws the KGI as weekly bars.
    page.click("[data-chart-toggle=kgi-chart] button[data-mode=weekly]")
    assert page.evaluate("Chart.getChart(document.getElementById('kgi-chart')).config.type") == "bar"
    drawn(page, "kgi-chart")
    expect(page.locator("[data-chart-toggle=kgi-chart] button[data-mode=weekly]")).to_have_attribute(
        "aria-pressed", "true"
    )
    # The table holds the same numbers for screen readers and copying.
    page.click("#kgi-table summary")
    expect(page.locator("#kgi-table tr.is-as-of")).to_contain_text("4/13週")

    page.goto(f"/nodes/{nodes['leads'].pk}/")
    drawn(page, "node-chart")
    # The initiatives plugin draws a line at the start week of each of the node's initiatives, lettered A, B…
    chart_plugins = "Chart.getChart(document.getElementById('node-chart')).config.plugins.map((p) => p.id)"
    assert "goaltreeInitiatives" in page.evaluate(chart_plugins)
    options = page.evaluate(
        "Chart.getChart(document.getElementById('node-chart')).options.plugins.goaltreeInitiatives"
    )
    assert options["items"] == [{"label": "A", "week": "2026-04-06", "title": "ウェビナー"}]
    assert options["weeks"][:2] == ["2026-03-30", "2026-04-06"]
    expect(page.locator(".initiative-list")).to_contain_text("ウェビナー")
    # A note of an entry shows in the tooltip.
    chart = "Chart.getChart(document.getElementById('node-chart'))"
    footer = page.evaluate(f"{chart}.options.plugins.tooltip.callbacks.footer([{{dataIndex: 1}}])")
    assert "展示会" in footer
    assert page.evaluate(f"{chart}.data.datasets[0].data.slice(0, 4)") == [40, 45, 50, None]
    assert page.console_errors == []


def test_a_number_entered_on_the_grid_changes_the_status_on_the_dashboard(
    page, context, live_server, sales_member, tree, nodes, chartjs_available
):
    login(page, sales_member)
    page.goto(f"/trees/{tree.pk}/dashboard/")
    expect(page.locator(".headline-card")).to_have_class("headline-card is-off_track")  # revenue 54.9%
    drawn(page, "kgi-chart")

    grid = context.new_page()
    grid_errors = []
    grid.on("console", lambda msg: msg.type == "error" and grid_errors.append(msg.text))
    grid.goto(f"/numbers/?tree={tree.pk}&week={W3.isoformat()}&show=all")
    key = cell_key(nodes["avg_deal_size"].pk, W3)
    grid.fill(f"#v-{key}", "500000")
    grid.keyboard.press("Tab")
    grid.wait_for_selector(f"#state-{key} .cell__result[data-outcome=saved]", state="attached")
    grid.close()

    # The dashboard refreshes its numbers without a reload (its minute timer, or the entriesChanged event).
    page.evaluate("htmx.trigger(document.body, 'entriesChanged')")
    # revenue to date: 2,000,000 + 1,800,000 + 2,500,000 = 6,300,000 of 6,923,076.92: 91.0%, at risk
    expect(page.locator(".headline-card")).to_have_class("headline-card is-at_risk")
    expect(page.locator(".headline-card .headline__pct")).to_contain_text("91.0%")
    # The chart was kept across the swap, and redraws with the new number.
    page.evaluate("GoaltreeCharts.refresh()")
    assert page.evaluate("Chart.getChart(document.getElementById('kgi-chart')) !== undefined")
    page.wait_for_function(
        "() => Chart.getChart(document.getElementById('kgi-chart')).data.datasets[0].data[2] === 6300000"
    )
    drawn(page, "kgi-chart")

    # A plain reload shows the same.
    page.reload()
    expect(page.locator(".headline-card")).to_have_class("headline-card is-at_risk")
    drawn(page, "kgi-chart")
    # (The database is read from this thread only while the browser is idle: SQLite's in-memory test
    # database is shared with the live server's thread.)
    assert Entry.objects.get(node=nodes["avg_deal_size"], week=W3).value == 500000
    assert page.console_errors == []
    assert grid_errors == []
